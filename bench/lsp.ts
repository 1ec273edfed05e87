// The language server over real stdio, as an editor drives it: start to first full diagnostics, typing in a large
// file (edit → diagnostics latency), a migration edit that changes other files' diagnostics, and peak memory.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic } from 'vscode-languageserver-protocol/node';
import { startClient, type TestClient } from '../test/helpers/lspClient';
import type { GeneratedWorkspace } from './generate';

export interface LspMeasures {
  /** Spawn → the server reports idle after publishing every file's diagnostics. */
  startMs: number;
  /** Files with diagnostics after start. */
  filesWithDiagnostics: number;
  diagnostics: number;
  /** didChange → the file's new diagnostics, per edit. */
  editLatenciesMs: number[];
  /** A migration edit → every dependent file updated. */
  schemaEdit?: { ms: number; dependentFiles: number };
  /** Why the schema-edit measure is missing, when it is. */
  schemaEditSkipped?: string;
  peakRssBytes?: number;
  /** Server log lines that report crashes (must be empty). */
  crashes: string[];
}

/** The server's peak resident set size (VmHWM), read while it runs. */
export function peakRss(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kilobytes = /^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kilobytes === undefined ? undefined : Number(kilobytes) * 1024;
  } catch {
    return undefined;
  }
}

/** Resolves once the server says it is idle (after its first full publish), or rejects after `timeoutMs`. */
function waitForIdle(client: TestClient, timeoutMs: number): Promise<void> {
  return client.waitForStatus((status) => status.state === 'idle', timeoutMs);
}

function countDiagnostics(client: TestClient): { files: number; diagnostics: number } {
  let files = 0;
  let diagnostics = 0;
  for (const list of client.diagnostics.values()) {
    if (list.length === 0) continue;
    files++;
    diagnostics += list.length;
  }
  return { files, diagnostics };
}

/** Position of `offset` in `text` (UTF-16, as LSP counts). */
function positionAt(text: string, offset: number): { line: number; character: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { line, character: offset - (before.lastIndexOf('\n') + 1) };
}

/**
 * Starts the server on `workspace`, waits for its first full publish, types `edits` edits in the large file and
 * edits a migration. With `profileDir`, the server writes a CPU profile there when it exits.
 */
export async function measureLanguageServer(workspace: GeneratedWorkspace, edits: number, profileDir?: string): Promise<LspMeasures> {
  const started = performance.now();
  const client = await startClient(workspace.root, {}, profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []);
  try {
    await waitForIdle(client, 120_000);
    const startMs = performance.now() - started;
    const { files, diagnostics } = countDiagnostics(client);
    const measures: LspMeasures = { startMs, filesWithDiagnostics: files, diagnostics, editLatenciesMs: [], crashes: [] };

    if (workspace.largeFile) measures.editLatenciesMs = await typeInLargeFile(client, workspace, edits);
    Object.assign(measures, await editMigration(client, workspace));
    measures.peakRssBytes = peakRss(client.process.pid);
    measures.crashes = client.logs.filter((line) => /uncaught|unhandled/i.test(line));
    return measures;
  } finally {
    await stopGracefully(client);
  }
}

/** shutdown + exit, then waits for the process to end on its own (a CPU profile is written at exit). */
async function stopGracefully(client: TestClient): Promise<void> {
  const exited = new Promise<void>((resolve) => {
    if (client.process.exitCode !== null) resolve();
    else client.process.once('exit', () => resolve());
  });
  try {
    await client.connection.sendRequest('shutdown');
    await client.connection.sendNotification('exit');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  } finally {
    await client.stop();
  }
}

/**
 * Opens the large file, then alternates one query between a point lookup (`id = ?`, no finding) and a filter on an
 * unindexed column (`email = ?`, a missing-index finding), waiting each time for diagnostics that show the edit.
 */
async function typeInLargeFile(client: TestClient, workspace: GeneratedWorkspace, edits: number): Promise<number[]> {
  const large = workspace.largeFile!;
  const uri = client.uri(large.file);
  let text = fs.readFileSync(path.join(workspace.root, large.file), 'utf8');
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text } });
  const before = await client.waitForDiagnostics(large.file, (list) => list.length > 0, 60_000);
  const baseline = before.length;
  const latencies: number[] = [];
  for (let version = 2; version < edits + 2; version++) {
    const toScan = version % 2 === 0;
    const [from, to] = toScan ? ['id', 'email'] : ['email', 'id'];
    const start = positionAt(text, large.editOffset);
    const end = { line: start.line, character: start.character + from.length };
    text = text.slice(0, large.editOffset) + to + text.slice(large.editOffset + from.length);
    const sent = performance.now();
    await client.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version },
      contentChanges: [{ range: { start, end }, text: to }],
    });
    const expected = toScan ? baseline + 1 : baseline;
    await client.waitForDiagnostics(large.file, (list) => list.length === expected, 30_000);
    latencies.push(performance.now() - sent);
  }
  return latencies;
}

/**
 * Adds an index on the probe column in the migration that creates the probe table (an open editor buffer), and
 * waits until no probe file reports the full scan any more.
 */
async function editMigration(client: TestClient, workspace: GeneratedWorkspace): Promise<Pick<LspMeasures, 'schemaEdit' | 'schemaEditSkipped'>> {
  const { table, column, files } = workspace.probe;
  const mentionsProbe = (list: Diagnostic[]) =>
    list.some((diagnostic) => (typeof diagnostic.message === 'string' ? diagnostic.message : diagnostic.message.value).includes(`filters on ${column}`));
  const dependent = files.filter((file) => mentionsProbe(client.diagnostics.get(client.uri(file)) ?? []));
  if (dependent.length === 0) return { schemaEditSkipped: `no file reported the scan of ${table}.${column} (is the Python extractor wired?)` };
  const migration = workspace.migrations.find((file) => file.endsWith(`_create_${table}.sql`))!;
  const uri = client.uri(migration);
  const text = fs.readFileSync(path.join(workspace.root, migration), 'utf8');
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'sql', version: 1, text } });
  const lines = text.split('\n');
  const end = { line: lines.length - 1, character: lines[lines.length - 1].length };
  const started = performance.now();
  await client.connection.sendNotification('textDocument/didChange', {
    textDocument: { uri, version: 2 },
    contentChanges: [{ range: { start: end, end }, text: `CREATE INDEX idx_${table}_${column} ON ${table}(${column});\n` }],
  });
  await Promise.all(dependent.map((file) => client.waitForDiagnostics(file, (list) => !mentionsProbe(list), 60_000)));
  return { schemaEdit: { ms: performance.now() - started, dependentFiles: dependent.length } };
}
