// A minimal LSP client over real stdio for tests: spawns dist/server.js, answers the server's requests the way
// an editor would, and records published diagnostics.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type Diagnostic,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver-protocol/node';
import { URI } from 'vscode-uri';

export const SERVER = path.resolve(__dirname, '..', '..', 'dist', 'server.js');

export interface TestClient {
  connection: ProtocolConnection;
  process: ChildProcess;
  diagnostics: Map<string, Diagnostic[]>;
  /** The document version each URI's last diagnostics were published for (open documents only). */
  versions: Map<string, number | undefined>;
  logs: string[];
  statuses: Array<{ state: string; findings: number }>;
  uri(relative: string): string;
  /** Resolves when `predicate` holds for the diagnostics of `relative` (and their version), or rejects after `timeoutMs`. */
  waitForDiagnostics(
    relative: string,
    predicate: (diagnostics: Diagnostic[], version: number | undefined) => boolean,
    timeoutMs?: number,
  ): Promise<Diagnostic[]>;
  /** Resolves once a `planlens/status` notification (this one or an earlier one) satisfies `predicate`. */
  waitForStatus(predicate: (status: { state: string; findings: number }) => boolean, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts dist/server.js on `root`; `nodeArgs` go to node before the script (e.g. `--cpu-prof`). */
export async function startClient(root: string, settings: Record<string, unknown> = {}, nodeArgs: string[] = []): Promise<TestClient> {
  const child = spawn(process.execPath, [...nodeArgs, SERVER, '--stdio'], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const diagnostics = new Map<string, Diagnostic[]>();
  const versions = new Map<string, number | undefined>();
  const listeners = new Set<() => void>();
  const statusListeners = new Set<() => void>();
  const logs: string[] = [];
  const statuses: Array<{ state: string; findings: number }> = [];
  connection.onNotification('textDocument/publishDiagnostics', (params: PublishDiagnosticsParams) => {
    diagnostics.set(params.uri, params.diagnostics);
    versions.set(params.uri, params.version);
    for (const listener of listeners) listener();
  });
  connection.onNotification('window/logMessage', (params: { message: string }) => {
    logs.push(params.message);
  });
  connection.onNotification('planlens/status', (params: { state: string; findings: number }) => {
    statuses.push(params);
    for (const listener of statusListeners) listener();
  });
  connection.onRequest('workspace/configuration', () => [settings]);
  connection.onRequest('window/workDoneProgress/create', () => null);
  connection.onNotification('$/progress', () => undefined);
  connection.listen();
  const rootUri = URI.file(root).toString();
  await connection.sendRequest('initialize', {
    processId: process.pid,
    rootUri,
    workspaceFolders: [{ uri: rootUri, name: 'test' }],
    capabilities: {
      workspace: { configuration: true, workspaceEdit: { documentChanges: true, resourceOperations: ['create'] } },
      window: { workDoneProgress: true },
      textDocument: {
        codeAction: {
          resolveSupport: { properties: ['edit'] },
          codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source.fixAll'] } },
        },
        hover: { contentFormat: ['markdown'] },
        publishDiagnostics: { relatedInformation: true, tagSupport: { valueSet: [1, 2] }, codeDescriptionSupport: true },
      },
    },
  });
  await connection.sendNotification('initialized', {});
  const uri = (relative: string) => URI.file(path.join(root, relative)).toString();
  return {
    connection,
    process: child,
    diagnostics,
    versions,
    logs,
    statuses,
    uri,
    waitForDiagnostics(relative, predicate, timeoutMs = 15000) {
      const key = uri(relative);
      return waitUntil(
        listeners,
        () => {
          const current = diagnostics.get(key);
          return current && predicate(current, versions.get(key)) ? current : undefined;
        },
        timeoutMs,
        () => `timed out waiting for diagnostics of ${relative}; have: ${JSON.stringify(diagnostics.get(key) ?? null)}\nlogs:\n${logs.join('\n')}`,
      );
    },
    async waitForStatus(predicate, timeoutMs = 15000) {
      await waitUntil(
        statusListeners,
        () => (statuses.some(predicate) ? true : undefined),
        timeoutMs,
        () => `timed out waiting for a status; have: ${JSON.stringify(statuses.slice(-3))}\nlogs:\n${logs.join('\n')}`,
      );
    },
    async stop() {
      try {
        await connection.sendRequest('shutdown');
        await connection.sendNotification('exit');
      } catch {
        // the process may already be gone
      }
      connection.dispose();
      if (child.exitCode === null) child.kill();
    },
  };
}

/**
 * Resolves with `value()` once it is defined, checked now and whenever one of `listeners` is called (by a
 * notification handler); rejects with `describe()` after `timeoutMs`. Notified, never polled: a client spinning on its
 * event loop would take a core from the server it measures.
 */
function waitUntil<T>(listeners: Set<() => void>, value: () => T | undefined, timeoutMs: number, describe: () => string): Promise<T> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const found = value();
      if (found === undefined) return;
      listeners.delete(check);
      clearTimeout(timer);
      resolve(found);
    };
    const timer = setTimeout(() => {
      listeners.delete(check);
      reject(new Error(describe()));
    }, timeoutMs);
    listeners.add(check);
    check();
  });
}

/** Applies the TextEdits of one document in a WorkspaceEdit to its text. */
export function applyTextEdits(text: string, edits: TextEdit[]): string {
  const offsetAt = (line: number, character: number) => {
    let offset = 0;
    for (let i = 0; i < line; i++) offset = text.indexOf('\n', offset) + 1;
    return offset + character;
  };
  const sorted = [...edits].sort((a, b) => offsetAt(b.range.start.line, b.range.start.character) - offsetAt(a.range.start.line, a.range.start.character));
  let result = text;
  for (const edit of sorted) {
    const start = offsetAt(edit.range.start.line, edit.range.start.character);
    const end = offsetAt(edit.range.end.line, edit.range.end.character);
    result = result.slice(0, start) + edit.newText + result.slice(end);
  }
  return result;
}

/** The text edits a WorkspaceEdit makes to one URI (documentChanges form). */
export function editsFor(edit: WorkspaceEdit, uri: string): TextEdit[] {
  const edits: TextEdit[] = [];
  for (const change of edit.documentChanges ?? []) {
    if ('textDocument' in change && change.textDocument.uri === uri) {
      edits.push(...change.edits.filter((e): e is TextEdit => 'range' in e));
    }
  }
  return edits;
}
