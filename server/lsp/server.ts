// The PlanLens language server: keeps one AnalysisSession per workspace folder up to date with editor buffers and
// files on disk, and serves diagnostics, code actions, hovers, code lenses and the Explain request.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CodeActionKind,
  TextDocuments,
  TextDocumentSyncKind,
  type CodeAction,
  type CodeActionParams,
  type CodeLens,
  type Connection,
  type Diagnostic,
  type Hover,
  type InitializeParams,
  type InitializeResult,
  type TextDocumentPositionParams,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { AnalysisSession } from '../engine/analyze';
import type { PlanLensConfig } from '../engine/analyzeTypes';
import { CONFIG_FILE_NAME, ConfigError, DEFAULT_CONFIG, loadConfig, mergeConfig, validateConfig } from '../engine/config';
import { languageForPath } from '../engine/workspace/files';
import type { ExtractedSql, Finding } from '../engine/types';
import { LineIndex } from '../engine/text/lineIndex';
import {
  findingKey,
  pathToUri,
  relativeToRoot,
  toDiagnostic,
  toRange,
  toWorkspaceEdit,
  uriToPath,
  type DiagnosticData,
} from './convert';
import { hoverMarkdown } from './hover';
import { mergeFixes, suppressionEdit } from './editorActions';
import {
  ANALYZE_WORKSPACE_REQUEST,
  EXPLAIN_REQUEST,
  STATUS_NOTIFICATION,
  type AnalyzeWorkspaceResult,
  type ExplainParams,
  type ExplainResult,
  type StatusParams,
} from './protocol';

const FIX_ALL_KIND = `${CodeActionKind.SourceFixAll}.planlens`;
/** publishAll yields to the message loop after this much work, so requests and edits are served in between. */
const PUBLISH_SLICE_MS = 15;
/** Up to this many other files an edit changed are published at once; more go through publishAll's slices. */
const PUBLISH_NOW_LIMIT = 20;

/** Editor settings under `planlens.*`; unset (null, empty) values leave planlens.json in charge. */
interface EditorSettings extends Partial<PlanLensConfig> {
  codeLens?: { enabled?: boolean };
}

interface Folder {
  root: string;
  session?: AnalysisSession;
  /** Resolves when the folder's first analysis is done. */
  ready: Promise<void>;
  /** Serialises updates, so an edit never interleaves with another or with a reload. */
  queue: Promise<void>;
  /** Bumped by every reload; work from an older generation is dropped. */
  generation: number;
  /** URIs that currently have published diagnostics, with how many. */
  published: Map<string, number>;
  /** Bumped by every publishAll: an older one still running stops, as the newer one covers its files. */
  publishGeneration: number;
}

interface CodeActionData {
  uri: string;
  key: string;
  kind: 'fix' | 'fixAll';
}

export class PlanLensServer {
  private readonly documents = new TextDocuments(TextDocument);
  private readonly folders: Folder[] = [];
  /** Open documents with an update queued that has not started: it will read their newest text when it runs. */
  private readonly pending = new Map<string, Promise<void>>();
  /** The version of each open document whose text the session holds, sent with its diagnostics. */
  private readonly analysedVersions = new Map<string, number>();
  private readonly lineIndexes = new Map<string, { text: string; lines: LineIndex }>();
  private settings: EditorSettings = {};
  private supportsResolve = false;
  private supportsProgress = false;
  private supportsCreateFile = false;
  private supportsConfiguration = false;

  constructor(private readonly connection: Connection) {}

  listen(): void {
    const c = this.connection;
    c.onInitialize((params) => this.initialize(params));
    c.onInitialized(() => void this.initialized());
    c.onDidChangeConfiguration(() => void this.reloadSettingsAndFolders());
    c.onDidChangeWatchedFiles((params) => {
      for (const change of params.changes) this.onFileChangedOnDisk(change.uri, change.type === 3 /* Deleted */);
    });
    c.onCodeAction((params) => this.guard('codeAction', () => this.codeActions(params), []));
    c.onCodeActionResolve((action) => this.guard('codeAction/resolve', () => this.resolveCodeAction(action), action));
    c.onHover((params) => this.guardAsync('hover', () => this.hover(params), null));
    c.onCodeLens((params) => this.guard('codeLens', () => this.codeLenses(params.textDocument.uri), []));
    c.onRequest(EXPLAIN_REQUEST, (params: ExplainParams) => this.guardAsync('explain', () => this.explain(params), undefined));
    c.onRequest(ANALYZE_WORKSPACE_REQUEST, () =>
      this.guardAsync('analyzeWorkspace', () => this.analyzeWorkspace(), { files: 0, findings: 0 }),
    );
    this.documents.onDidChangeContent((event) => this.schedule(event.document.uri));
    this.documents.onDidClose((event) => {
      this.analysedVersions.delete(event.document.uri);
      this.onFileChangedOnDisk(event.document.uri, false);
    });
    this.documents.listen(c);
    c.listen();
  }

  // --- lifecycle --------------------------------------------------------------------------------------------

  private initialize(params: InitializeParams): InitializeResult {
    const capabilities = params.capabilities;
    this.supportsResolve = capabilities.textDocument?.codeAction?.resolveSupport?.properties.includes('edit') ?? false;
    this.supportsProgress = capabilities.window?.workDoneProgress ?? false;
    this.supportsConfiguration = capabilities.workspace?.configuration ?? false;
    const workspaceEdit = capabilities.workspace?.workspaceEdit;
    this.supportsCreateFile =
      (workspaceEdit?.documentChanges ?? false) && (workspaceEdit?.resourceOperations ?? []).includes('create');
    const roots = params.workspaceFolders?.map((folder) => uriToPath(folder.uri)) ?? [
      params.rootUri ? uriToPath(params.rootUri) : params.rootPath ?? undefined,
    ];
    for (const root of roots) {
      if (root) this.folders.push(this.newFolder(root));
    }
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        codeActionProvider: {
          codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND],
          resolveProvider: true,
        },
        hoverProvider: true,
        codeLensProvider: { resolveProvider: false },
      },
      serverInfo: { name: 'planlens', version: serverVersion() },
    };
  }

  private newFolder(root: string): Folder {
    return { root, ready: Promise.resolve(), queue: Promise.resolve(), generation: 0, published: new Map(), publishGeneration: 0 };
  }

  private async initialized(): Promise<void> {
    await this.readSettings();
    await Promise.all(this.folders.map((folder) => this.reload(folder)));
  }

  private async readSettings(): Promise<void> {
    if (!this.supportsConfiguration) return;
    try {
      const raw = (await this.connection.workspace.getConfiguration('planlens')) as EditorSettings | null;
      this.settings = raw ?? {};
    } catch (error) {
      this.log(`could not read settings: ${message(error)}`);
    }
  }

  private async reloadSettingsAndFolders(): Promise<void> {
    await this.readSettings();
    for (const folder of this.folders) void this.reload(folder);
  }

  /** planlens.json merged with the editor settings that are set (settings win key by key; rules merge per id). */
  private configFor(root: string): PlanLensConfig {
    let base: PlanLensConfig = { ...DEFAULT_CONFIG };
    try {
      base = loadConfig(root).config;
    } catch (error) {
      const text = error instanceof ConfigError ? error.message : message(error);
      void this.connection.window.showErrorMessage(`PlanLens: ${text}. Using the default configuration.`);
      this.log(text);
    }
    const overrides: Record<string, unknown> = {};
    for (const key of ['include', 'exclude', 'schema', 'smallTables'] as const) {
      const value = this.settings[key];
      if (Array.isArray(value) && value.length > 0) overrides[key] = value;
    }
    if (typeof this.settings.defaultRowCount === 'number' && this.settings.defaultRowCount > 0) {
      overrides.defaultRowCount = this.settings.defaultRowCount;
    }
    if (this.settings.rules && typeof this.settings.rules === 'object' && Object.keys(this.settings.rules).length > 0) {
      overrides.rules = this.settings.rules;
    }
    try {
      return mergeConfig(base, validateConfig(overrides, 'settings (planlens.*)'));
    } catch (error) {
      void this.connection.window.showErrorMessage(`PlanLens: ${message(error)}`);
      return base;
    }
  }

  /** Re-analyses a whole folder from disk (start, config change, "Analyze Workspace"). Stale reloads are dropped. */
  private reload(folder: Folder): Promise<void> {
    const generation = ++folder.generation;
    const run = async () => {
      if (generation !== folder.generation) return;
      const progress = this.supportsProgress ? await this.connection.window.createWorkDoneProgress() : undefined;
      progress?.begin('PlanLens', 0, 'Indexing', false);
      let lastReport = 0;
      try {
        const session = await AnalysisSession.open(folder.root, this.configFor(folder.root), {
          onProgress: (done, total) => {
            const now = Date.now();
            if (now - lastReport < 100 && done !== total) return;
            lastReport = now;
            const text = `Indexing ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} files`;
            progress?.report(total > 0 ? Math.round((done / total) * 100) : 0, text);
            this.sendStatus({ state: 'indexing', findings: 0, done, total });
          },
          isCancelled: () => generation !== folder.generation,
        });
        if (generation !== folder.generation) {
          session.close();
          return;
        }
        folder.session?.close();
        folder.session = session;
        // Open editor buffers win over the disk.
        for (const document of this.documents.all()) {
          const file = this.relativePath(folder, document.uri);
          if (!file || !languageForPath(file)) continue;
          await session.updateFile(file, document.getText());
          this.analysedVersions.set(document.uri, document.version);
        }
        // Every file is published next: plan all queries at once (their SQL is parsed in batches), so that the log
        // below gets the planning errors too.
        session.planAllQueries();
        for (const note of session.notes()) {
          if (note.level === 'error') this.log(`${note.file ? `${note.file}: ` : ''}${note.message}`);
        }
        await this.publishAll(folder);
      } catch (error) {
        this.log(`analysis of ${folder.root} failed: ${message(error)}`);
      } finally {
        progress?.done();
        this.sendStatus({ state: 'idle', findings: this.findingCount() });
      }
    };
    folder.ready = this.enqueue(folder, run);
    return folder.ready;
  }

  /** Waits until the folder has no reload or update left that started before this call (or after it, while waiting). */
  private async settle(folder: Folder): Promise<void> {
    let generation: number;
    do {
      generation = folder.generation;
      await folder.ready;
      await folder.queue;
    } while (generation !== folder.generation);
  }

  /** Waits for a document's queued update, so a request about it sees its latest text. */
  private async flush(uri: string): Promise<void> {
    await this.pending.get(uri);
  }

  private enqueue(folder: Folder, task: () => Promise<void>): Promise<void> {
    const next = folder.queue.then(task, task).catch((error: unknown) => this.log(`internal error: ${message(error)}`));
    folder.queue = next;
    return next;
  }

  // --- keeping up with edits ---------------------------------------------------------------------------------

  private folderOf(uri: string): Folder | undefined {
    const absolute = uriToPath(uri);
    if (!absolute) return undefined;
    return this.folders
      .filter((folder) => relativeToRoot(folder.root, absolute) !== undefined)
      .sort((a, b) => b.root.length - a.root.length)[0];
  }

  private relativePath(folder: Folder, uri: string): string | undefined {
    const absolute = uriToPath(uri);
    return absolute ? relativeToRoot(folder.root, absolute) : undefined;
  }

  /**
   * Queues one update per document, which analyses whatever text is newest when it runs: an edit is analysed
   * as soon as the folder is free (no fixed delay), and a burst of edits that arrives meanwhile costs one update.
   */
  private schedule(uri: string): void {
    if (this.pending.has(uri)) return;
    const folder = this.folderOf(uri);
    if (!folder) return;
    const update = this.enqueue(folder, async () => {
      this.pending.delete(uri);
      const current = this.documents.get(uri);
      const file = this.relativePath(folder, uri);
      if (!current || !folder.session || !file || !languageForPath(file)) return;
      await this.applyUpdate(folder, file, current.getText(), { uri, version: current.version });
    });
    this.pending.set(uri, update);
  }

  private onFileChangedOnDisk(uri: string, deleted: boolean): void {
    const folder = this.folderOf(uri);
    if (!folder) return;
    const file = this.relativePath(folder, uri);
    if (!file) return;
    if (path.posix.basename(file) === CONFIG_FILE_NAME) {
      void this.reload(folder);
      return;
    }
    if (!languageForPath(file) || (!deleted && this.documents.get(uri))) return; // the open buffer wins
    void this.enqueue(folder, async () => {
      if (!folder.session) return;
      let text: string | undefined;
      if (!deleted) {
        try {
          text = fs.readFileSync(path.join(folder.root, file), 'utf8');
        } catch {
          text = undefined;
        }
      }
      await this.applyUpdate(folder, file, text);
    });
  }

  private async applyUpdate(
    folder: Folder,
    file: string,
    text: string | undefined,
    document?: { uri: string; version: number },
  ): Promise<void> {
    const session = folder.session;
    if (!session) return;
    const { schemaChanged } = await session.updateFile(file, text);
    if (document) this.analysedVersions.set(document.uri, document.version);
    this.publish(folder, file);
    // A schema change can change any query's plan, in any file: the others follow without holding up the queue.
    // Otherwise only the files the session names changed (workload findings that moved, reworded index advice).
    const affected = session.lastUpdateAffected;
    if (schemaChanged || affected === 'all') {
      void this.publishAll(folder).then((complete) => complete && this.sendIdle());
    } else if (affected.size > PUBLISH_NOW_LIMIT) {
      void this.publishAll(folder, affected).then((complete) => complete && this.sendIdle());
    } else {
      for (const other of affected) this.publish(folder, other);
      this.sendIdle();
    }
  }

  // --- diagnostics -------------------------------------------------------------------------------------------

  /** Line index of a file's current text; rebuilt only when the text changes (every publish needs it). */
  private linesOf(folder: Folder, file: string): LineIndex | undefined {
    const text = folder.session?.textOf(file);
    if (text === undefined) return undefined;
    const key = `${folder.root}\u0000${file}`;
    const cached = this.lineIndexes.get(key);
    if (cached?.text === text) return cached.lines;
    const lines = new LineIndex(text);
    this.lineIndexes.set(key, { text, lines });
    return lines;
  }

  private findingsOf(folder: Folder, file: string): Finding[] {
    try {
      return folder.session?.findingsFor(file) ?? [];
    } catch (error) {
      this.log(`${file}: analysis failed: ${message(error)}`);
      return [];
    }
  }

  private publish(folder: Folder, file: string): void {
    const uri = pathToUri(path.join(folder.root, file));
    const lines = this.linesOf(folder, file);
    const findings = lines ? this.findingsOf(folder, file) : [];
    const lineCache = new Map<string, LineIndex | undefined>();
    const linesOf = (other: string) => {
      if (!lineCache.has(other)) lineCache.set(other, this.linesOf(folder, other));
      return lineCache.get(other);
    };
    const diagnostics: Diagnostic[] = lines
      ? findings.map((finding) => toDiagnostic(finding, lines, folder.root, linesOf))
      : [];
    // An open document always hears back, with the version analysed: clients can drop stale results.
    const version = this.analysedVersions.get(uri);
    if (diagnostics.length === 0 && !folder.published.has(uri) && version === undefined) return;
    if (diagnostics.length > 0) folder.published.set(uri, diagnostics.length);
    else folder.published.delete(uri);
    void this.connection.sendDiagnostics({ uri, version, diagnostics });
  }

  /**
   * Publishes every file with findings (the Problems panel lists the workspace) and clears the rest, or only the
   * files in `only`, yielding to the message loop every few milliseconds. Resolves false when a newer publishAll
   * took over.
   */
  private async publishAll(folder: Folder, only?: Iterable<string>): Promise<boolean> {
    // Only a full publish supersedes another: a partial one must not stop a full one still under way.
    const generation = only ? undefined : ++folder.publishGeneration;
    const files = new Set(only ?? folder.session?.files() ?? []);
    if (!only) {
      for (const uri of folder.published.keys()) {
        const absolute = uriToPath(uri);
        const file = absolute ? relativeToRoot(folder.root, absolute) : undefined;
        if (file) files.add(file);
      }
    }
    let sliceStart = performance.now();
    for (const file of files) {
      if (performance.now() - sliceStart > PUBLISH_SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        if (generation !== undefined && generation !== folder.publishGeneration) return false;
        sliceStart = performance.now();
      }
      this.publish(folder, file);
    }
    return true;
  }

  /** Findings published across all folders. */
  private findingCount(): number {
    let count = 0;
    for (const folder of this.folders) for (const published of folder.published.values()) count += published;
    return count;
  }

  private sendIdle(): void {
    this.sendStatus({ state: 'idle', findings: this.findingCount() });
  }

  private sendStatus(status: StatusParams): void {
    void this.connection.sendNotification(STATUS_NOTIFICATION, status);
  }

  // --- code actions ------------------------------------------------------------------------------------------

  private locate(uri: string): { folder: Folder; file: string } | undefined {
    const folder = this.folderOf(uri);
    const file = folder ? this.relativePath(folder, uri) : undefined;
    return folder && file ? { folder, file } : undefined;
  }

  private codeActions(params: CodeActionParams): CodeAction[] {
    const located = this.locate(params.textDocument.uri);
    if (!located?.folder.session) return [];
    const { folder, file } = located;
    const findings = this.findingsOf(folder, file);
    const byKey = new Map(findings.map((finding) => [findingKey(finding), finding]));
    const only = params.context.only;
    const wants = (kind: string) => !only || only.some((requested) => kind === requested || kind.startsWith(`${requested}.`));
    const actions: CodeAction[] = [];

    if (wants(CodeActionKind.QuickFix)) {
      for (const diagnostic of params.context.diagnostics) {
        if (diagnostic.source !== 'planlens') continue;
        const key = (diagnostic.data as DiagnosticData | undefined)?.key;
        const finding = key ? byKey.get(key) : undefined;
        if (!finding) continue;
        const fix = finding.fixes[0];
        if (fix && (this.supportsCreateFile || fix.edits.every((edit) => edit.kind === 'replace'))) {
          const action: CodeAction = {
            title: fix.title,
            kind: CodeActionKind.QuickFix,
            diagnostics: [diagnostic],
            isPreferred: true,
            data: { uri: params.textDocument.uri, key: findingKey(finding), kind: 'fix' } satisfies CodeActionData,
          };
          actions.push(this.supportsResolve ? action : this.resolveCodeAction(action));
        }
        const text = folder.session?.textOf(file);
        const language = languageForPath(file);
        const lines = this.linesOf(folder, file);
        if (text !== undefined && language && lines) {
          const edit = toWorkspaceEdit([suppressionEdit(finding, text, language)], folder.root, () => lines);
          if (edit) {
            actions.push({ title: `Ignore this ${finding.ruleId} finding here`, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], edit });
          }
        }
      }
    }
    if (wants(FIX_ALL_KIND) && findings.some((finding) => finding.fixes.length > 0)) {
      const action: CodeAction = {
        title: 'PlanLens: apply all verified index fixes in this file',
        kind: FIX_ALL_KIND,
        data: { uri: params.textDocument.uri, key: '', kind: 'fixAll' } satisfies CodeActionData,
      };
      actions.push(this.supportsResolve ? action : this.resolveCodeAction(action));
    }
    return actions;
  }

  /** Computes the (possibly large) edit of a fix only when the user picks it. */
  private resolveCodeAction(action: CodeAction): CodeAction {
    const data = action.data as CodeActionData | undefined;
    if (!data) return action;
    const located = this.locate(data.uri);
    if (!located?.folder.session) return action;
    const { folder, file } = located;
    const findings = this.findingsOf(folder, file);
    const edits =
      data.kind === 'fixAll'
        ? mergeFixes(findings)
        : findings.find((finding) => findingKey(finding) === data.key)?.fixes[0]?.edits ?? [];
    const lineCache = new Map<string, LineIndex | undefined>();
    const edit = toWorkspaceEdit(edits, folder.root, (other) => {
      if (!lineCache.has(other)) lineCache.set(other, this.linesOf(folder, other));
      return lineCache.get(other);
    });
    return edit ? { ...action, edit } : action;
  }

  // --- hover, code lens, explain -----------------------------------------------------------------------------

  private async statementAt(uri: string, position: { line: number; character: number }) {
    const located = this.locate(uri);
    if (!located) return undefined;
    await this.flush(uri);
    await this.settle(located.folder);
    const session = located.folder.session;
    const lines = this.linesOf(located.folder, located.file);
    if (!session || !lines) return undefined;
    const statement = session.statementAt(located.file, lines.offsetAt(position));
    return statement ? { ...located, session, statement, lines } : undefined;
  }

  private async hover(params: TextDocumentPositionParams): Promise<Hover | null> {
    const found = await this.statementAt(params.textDocument.uri, params.position);
    if (!found) return null;
    const report = found.session.explainStatement(found.statement);
    return {
      contents: { kind: 'markdown', value: hoverMarkdown(report) },
      range: toRange(found.lines, found.statement.range),
    };
  }

  private codeLenses(uri: string): CodeLens[] {
    if (this.settings.codeLens?.enabled !== true) return [];
    const located = this.locate(uri);
    const lines = located ? this.linesOf(located.folder, located.file) : undefined;
    const facts = located?.folder.session?.factsOf(located.file);
    if (!located || !lines || !facts) return [];
    return facts.statements
      .filter((statement) => statement.role === 'query')
      .map((statement) => {
        const range = toRange(lines, { start: statement.range.start, end: statement.range.start });
        return { range, command: { title: 'Explain plan', command: 'planlens.explainQuery', arguments: [uri, range.start] } };
      });
  }

  private async explain(params: ExplainParams): Promise<ExplainResult | undefined> {
    let folder: Folder | undefined;
    let statement: ExtractedSql | undefined;
    if (params.sql !== undefined && params.sql.trim().length > 0) {
      folder = this.folderOf(params.textDocument.uri) ?? this.folders[0];
      if (!folder) return undefined;
      await this.settle(folder);
      statement = {
        file: this.relativePath(folder, params.textDocument.uri) ?? '<selection>',
        language: 'sql',
        sql: params.sql,
        range: { start: 0, end: params.sql.length },
        role: 'query',
        certainty: 'executed',
      };
      // A selection is not the file's statement: findings would point at the wrong place, so no fix.
      const report = folder.session?.explainStatement(statement);
      return report ? { ...toExplainResult(report), fix: undefined } : undefined;
    }
    const position = params.position ?? params.range?.start;
    if (!position) return undefined;
    const found = await this.statementAt(params.textDocument.uri, position);
    if (!found) return undefined;
    const report = found.session.explainStatement(found.statement);
    const result = toExplainResult(report);
    const withFix = report.findings.find((finding) => finding.fixes.length > 0);
    if (withFix) {
      const edit = toWorkspaceEdit(withFix.fixes[0].edits, found.folder.root, (other) => this.linesOf(found.folder, other));
      if (edit) result.fix = { title: withFix.fixes[0].title, edit };
    }
    return result;
  }

  private async analyzeWorkspace(): Promise<AnalyzeWorkspaceResult> {
    // A reload started meanwhile (settings pushed at start-up) replaces ours: wait for the newest.
    await Promise.all(this.folders.map((folder) => this.reload(folder).then(() => this.settle(folder))));
    const files = this.folders.reduce((sum, folder) => sum + (folder.session?.files().length ?? 0), 0);
    return { files, findings: this.findingCount() };
  }

  // --- safety nets -------------------------------------------------------------------------------------------

  private guard<T>(what: string, body: () => T, fallback: T): T {
    try {
      return body();
    } catch (error) {
      this.log(`${what} failed: ${message(error)}`);
      return fallback;
    }
  }

  private async guardAsync<T>(what: string, body: () => Promise<T>, fallback: T): Promise<T> {
    try {
      return await body();
    } catch (error) {
      this.log(`${what} failed: ${message(error)}`);
      return fallback;
    }
  }

  private log(text: string): void {
    this.connection.console.log(text);
  }
}

function toExplainResult(report: import('../engine/analyzeTypes').ExplainReport): ExplainResult {
  return {
    sql: report.sql,
    planBefore: report.planBefore,
    planAfter: report.planAfter,
    suggestion: report.suggestion
      ? { name: report.suggestion.name, table: report.suggestion.table, ddl: report.suggestion.ddl }
      : undefined,
    findings: report.findings.map((finding) => ({ ruleId: finding.ruleId, message: finding.message, severity: finding.severity })),
    error: report.error,
  };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function serverVersion(): string {
  for (const candidate of [path.join(__dirname, '..', 'package.json'), path.join(__dirname, '..', '..', 'package.json')]) {
    try {
      const parsed = JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (parsed.name === 'planlens' && parsed.version) return parsed.version;
    } catch {
      // try the next location
    }
  }
  return '0.0.0';
}
