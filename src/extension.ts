// PlanLens VS Code client. Activation only wires commands and starts the language server (dist/server.js) in its
// own Node process; all analysis happens there. Nothing from server/ is imported here, so the client bundle stays small,
// and the language client itself is loaded after `activate` returns (languageClient.ts).
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient, Position as LspPosition } from 'vscode-languageclient/node';
import { ExplainPanel } from './explainPanel';
import { PlanLensStatusBar } from './statusBar';
import {
  ANALYZE_WORKSPACE_REQUEST,
  EXPLAIN_REQUEST,
  STATUS_NOTIFICATION,
  type AnalyzeWorkspaceResult,
  type ExplainParams,
  type ExplainResult,
  type StatusParams,
} from '../server/lsp/protocol';

/** What `activate` returns: hooks the real-editor tests use to look inside. */
export interface PlanLensApi {
  /** Resolves when the language server has started (rejects if it could not). */
  readonly ready: Promise<void>;
  lastExplain(): ExplainResult | undefined;
  panelVisible(): boolean;
  renderedPlanNodes(): number;
  /** What the panel's "Apply fix" button does, for the last explained query. */
  applyShownFix(): Promise<void>;
}

let client: LanguageClient | undefined;
let deactivated = false;

/** dist/languageClient.js, next to this bundle: a path esbuild leaves alone, so the module stays a file of its own. */
function loadLanguageClientModule(): typeof import('./languageClient') {
  return require(path.join(__dirname, 'languageClient.js')) as typeof import('./languageClient');
}

export function activate(context: vscode.ExtensionContext): PlanLensApi {
  deactivated = false;
  const output = vscode.window.createOutputChannel('PlanLens', { log: true });
  const statusBar = new PlanLensStatusBar();
  // The client is made and started once activation has returned: the editor waits for `activate`, not for this.
  // (`session`, declared below, exists by then.)
  const started = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
    if (deactivated) throw new Error('PlanLens was deactivated before its language server started');
    const languageClient = loadLanguageClientModule().createClient(context.extensionUri, output);
    client = languageClient;
    languageClient.onNotification(STATUS_NOTIFICATION, (status: StatusParams) => {
      statusBar.update(status);
      session.onStatus(status);
    });
    await languageClient.start();
    return languageClient;
  });
  const clientReady = started.catch((error: unknown) => {
    // After deactivation the output channel and the status bar are disposed: nothing left to tell.
    if (!deactivated) {
      const message = error instanceof Error ? error.message : String(error);
      output.error(`PlanLens server could not start: ${message}`);
      statusBar.showFailure(message);
    }
    throw error;
  });
  const ready = clientReady.then(() => undefined);
  // Commands await `clientReady` themselves; this keeps a failed start from being an unhandled rejection.
  ready.catch(() => undefined);
  const session = new ExplainSession(clientReady, context.extensionUri);

  context.subscriptions.push(
    output,
    statusBar,
    session,
    vscode.commands.registerCommand('planlens.explainQuery', (uri?: unknown, position?: unknown) => session.explainCommand(uri, position)),
    vscode.commands.registerCommand('planlens.analyzeWorkspace', () => analyzeWorkspace(clientReady)),
    vscode.commands.registerCommand('planlens.showOutput', () => output.show(true)),
  );

  return {
    ready,
    lastExplain: () => session.lastResult,
    panelVisible: () => session.panel.visible,
    renderedPlanNodes: () => session.panel.renderedPlanNodes,
    applyShownFix: () => (session.lastResult ? session.applyFix(session.lastResult) : Promise.resolve()),
  };
}

export async function deactivate(): Promise<void> {
  deactivated = true;
  await client?.stop();
  client = undefined;
}

/** Also returns the server's answer, so scripts and tests can run the command and read the counts. */
async function analyzeWorkspace(clientReady: Promise<LanguageClient>): Promise<AnalyzeWorkspaceResult> {
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'PlanLens: analysing the workspace' },
    async () => {
      const languageClient = await clientReady;
      return languageClient.sendRequest<AnalyzeWorkspaceResult>(ANALYZE_WORKSPACE_REQUEST);
    },
  );
  void vscode.window.showInformationMessage(
    `PlanLens analysed ${plural(result.files, 'file')}: ${plural(result.findings, 'finding')}.`,
  );
  return result;
}

/** The Explain Query Plan command, its panel and the request that feeds it. */
class ExplainSession implements vscode.Disposable {
  readonly panel: ExplainPanel;
  lastResult: ExplainResult | undefined;
  /** The request behind what the panel shows, to explain the same query again after a fix. */
  private lastParams: ExplainParams | undefined;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly clientReady: Promise<LanguageClient>,
    extensionUri: vscode.Uri,
  ) {
    this.panel = new ExplainPanel(vscode.Uri.joinPath(extensionUri, 'media'), {
      applyFix: (view) => this.applyFix(view.result),
      copySql: async (view) => {
        await vscode.env.clipboard.writeText(view.result.sql);
        void vscode.window.setStatusBarMessage('PlanLens: SQL copied', 2000);
      },
    });
  }

  /** From the command palette (no arguments) or a code lens (`[uri, position]`). */
  async explainCommand(uri: unknown, position: unknown): Promise<void> {
    const params = paramsFromArguments(uri, position) ?? paramsFromEditor(vscode.window.activeTextEditor);
    if (!params) {
      void vscode.window.showInformationMessage(
        'PlanLens: open a file and put the cursor on a query (or select SQL) to explain its plan.',
      );
      return;
    }
    const result = await this.request(params);
    if (!result) {
      void vscode.window.showInformationMessage(
        'PlanLens found no query here: put the cursor inside a SQL string or statement, or select SQL text.',
      );
      return;
    }
    this.show(params, result);
  }

  onStatus(status: StatusParams): void {
    if (status.state !== 'idle') return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  dispose(): void {
    this.panel.dispose();
  }

  /** Resolves at the server's next "idle" status (it sends one after analysing each change), or after `timeoutMs`. */
  private nextIdle(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** The server answers null when there is no query at the position. */
  private async request(params: ExplainParams): Promise<ExplainResult | null> {
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'PlanLens: planning the query' },
      async () => (await this.clientReady).sendRequest<ExplainResult | null>(EXPLAIN_REQUEST, params),
    );
  }

  private show(params: ExplainParams, result: ExplainResult, notice?: string): void {
    this.lastResult = result;
    this.lastParams = params;
    this.panel.show({ result, origin: describeOrigin(params), notice });
  }

  async applyFix(result: ExplainResult): Promise<void> {
    const fix = result.fix;
    if (!fix) return;
    const edit = await (await this.clientReady).protocol2CodeConverter.asWorkspaceEdit(fix.edit);
    const analysed = this.nextIdle(5000);
    if (!(await vscode.workspace.applyEdit(edit))) {
      void vscode.window.showErrorMessage(`PlanLens could not apply "${fix.title}".`);
      return;
    }
    if (!this.lastParams) return;
    // The server analyses edits after a short debounce, and a new file arrives in two steps (created empty on
    // disk, then its text): plan again once it has seen the edit, and once more if the plan still offers this fix.
    await analysed;
    const params = shiftPastEdit(this.lastParams, edit);
    let next = await this.request(params);
    if (next?.fix?.title === fix.title) {
      await this.nextIdle(3000);
      next = await this.request(params);
    }
    if (next) this.show(params, next, `Applied: ${fix.title}`);
  }
}

function paramsFromArguments(uri: unknown, position: unknown): ExplainParams | undefined {
  if (typeof uri !== 'string' || !isLspPosition(position)) return undefined;
  return { textDocument: { uri }, position: { line: position.line, character: position.character } };
}

function paramsFromEditor(editor: vscode.TextEditor | undefined): ExplainParams | undefined {
  if (!editor) return undefined;
  const textDocument = { uri: editor.document.uri.toString() };
  const { selection } = editor;
  if (selection.isEmpty) {
    return { textDocument, position: { line: selection.active.line, character: selection.active.character } };
  }
  return {
    textDocument,
    range: {
      start: { line: selection.start.line, character: selection.start.character },
      end: { line: selection.end.line, character: selection.end.character },
    },
    sql: editor.document.getText(selection),
  };
}

function isLspPosition(value: unknown): value is LspPosition {
  if (typeof value !== 'object' || value === null) return false;
  const { line, character } = value as { line?: unknown; character?: unknown };
  return Number.isInteger(line) && Number.isInteger(character);
}

/** "app/store.py:40" for the panel header. */
function describeOrigin(params: ExplainParams): string {
  const line = (params.position ?? params.range?.start)?.line;
  const file = vscode.workspace.asRelativePath(vscode.Uri.parse(params.textDocument.uri));
  return line === undefined ? file : `${file}:${line + 1}`;
}

/**
 * The same request after `edit` was applied: a fix may insert lines above the query in its own file (a new entry
 * of a migration list), so positions move down by the lines inserted (or up by those removed) before them.
 */
function shiftPastEdit(params: ExplainParams, edit: vscode.WorkspaceEdit): ExplainParams {
  const edits = edit.get(vscode.Uri.parse(params.textDocument.uri));
  if (edits.length === 0) return params;
  const shift = (position: LspPosition): LspPosition => {
    let lines = 0;
    for (const textEdit of edits) {
      if (textEdit.range.end.line >= position.line) continue;
      const inserted = textEdit.newText.split('\n').length - 1;
      lines += inserted - (textEdit.range.end.line - textEdit.range.start.line);
    }
    return { line: position.line + lines, character: position.character };
  };
  return {
    ...params,
    position: params.position && shift(params.position),
    range: params.range && { start: shift(params.range.start), end: shift(params.range.end) },
  };
}

function plural(count: number, noun: string): string {
  return `${count.toLocaleString('en-US')} ${noun}${count === 1 ? '' : 's'}`;
}
