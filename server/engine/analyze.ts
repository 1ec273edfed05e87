// The engine's pipeline, end to end: discover → read → extract → schema → plan → rules → fixes.
// Nothing here knows about editors or terminals; the CLI and the language server render AnalysisResult.
import * as path from 'node:path';
import type { AnalyzeOptions, Jobs, PlanLensConfig, ExplainReport } from './analyzeTypes';
import type {
  AnalysisResult,
  CalleeRef,
  ExtractedSql,
  FileFacts,
  Finding,
  Note,
  QueryShape,
  SchemaHome,
  Severity,
  SourceFile,
  SourceLocation,
} from './types';
import { discoverFiles, languageForPath, readSourceFile } from './workspace/files';
import { readAndExtract, type ExtractedFile } from './extract/fileFacts';
import { internNames } from './extract/compact';
import { startWorkerExtraction } from './workspace/parallelExtract';
import { compareNatural, detectMigrationsFolder, isDownMigration } from './schema/order';
import { buildSchema, type SchemaDatabase, type SchemaUnit } from './schema/schemaBuilder';
import { DatabaseFiles } from './schema/databaseFile';
import { loadSqlJs } from './schema/sqlite';
import { analyzeQueryShape, parseQueryBatch } from './sql/shape';
import { ShapeThread } from './sql/shapeThread';
import { formatPlanTree } from './plan/explain';
import { detectNamingStyle } from './advisor/naming';
import { diagnoseQuery, type AccessDiagnosis } from './rules/accessDiagnosis';
import { QUERY_RULES, SCHEMA_RULES, WORKSPACE_RULES, ruleMeta } from './rules/registry';
import { sqlErrorRule } from './rules/sqlError';
import type { QueryRuleContext, RuleReport, WorkspaceRuleContext } from './rules/rule';
import { WorkloadIndex, statementKind } from './workload/callGraph';
import { completeWorkloadFacts, type CompletionState } from './workload/complete';
import { completesLanguage, isUnparsedAndEmpty, withCalledNamesForText } from './workload/skipped';
import { IndexPlan, type AdvisedQuery, type IndexPlanReport } from './workload/indexPlan';
import { describeColumns } from './rules/describe';
import { indexFix, type FixEnvironment } from './fixes/indexFix';
import { ormSchemaUnits, resolveOrmQueries } from './orm';
import { LineIndex } from './text/lineIndex';
import { FixCache, PlanCache, type PlanInputs } from './planCache';
import { parsingLimit, planningLimit } from './sql/limits';
import { collectGarbageNow } from './heapGrowth';

/**
 * The state a run builds before planning: every file's facts and the rebuilt schema. The language server keeps
 * one per workspace folder and updates it file by file; the CLI builds one and throws it away.
 */
export interface PreparedWorkspace {
  root: string;
  config: PlanLensConfig;
  facts: Map<string, FileFacts>;
  texts: Map<string, string>;
  db: SchemaDatabase;
  /** Notes from reading and extracting each file, by file ('' for workspace-wide notes). */
  fileNotes: Map<string, Note[]>;
  /** Notes from building the schema and running rules. */
  notes: Note[];
  /** How the project names indexes; learned once from the schema. */
  namingStyle: ReturnType<typeof detectNamingStyle>;
  /** Line indexes for suppression checks, built on first use per file. */
  lineIndexes: Map<string, LineIndex>;
  /** Plans, shapes and advice per SQL text, kept across edits and (for unchanged tables) schema rebuilds. */
  planCache: PlanCache;
  /** Index fixes per table and suggestion, until a file holding schema changes. */
  fixCache: FixCache;
  /** Rules that threw: each is reported in one note, not once per query. */
  failedRules: Set<string>;
  /** SQLite database files used for schema and statistics (opt-in), re-read only when they change on disk. */
  databases: DatabaseFiles;
  /** Which querying function names the files without SQL were already searched for (workload facts). */
  workloadCompletion: CompletionState;
}

function schemaUnits(facts: Map<string, FileFacts>, config: PlanLensConfig): SchemaUnit[] {
  const withSchema = [...facts.values()].filter((fact) => fact.statements.some((s) => s.role === 'schema'));
  const sqlFiles = withSchema.filter((fact) => fact.language === 'sql').map((fact) => fact.file);
  const folders = detectMigrationsFolder(sqlFiles);
  const inFolder = new Set(folders.flatMap((folder) => folder.files));
  const schemaOf = (file: string) => facts.get(file)?.statements.filter((s) => s.role === 'schema') ?? [];
  const configured = (file: string) =>
    config.schema.some((entry) => {
      const normalized = entry.replace(/\\/g, '/').replace(/\/+$/, '');
      return file === normalized || file.startsWith(`${normalized}/`);
    });

  const units: Array<SchemaUnit & { priority: number; sortKey: string }> = [];
  for (const file of sqlFiles.filter((f) => !inFolder.has(f) && !isDownMigration(f))) {
    units.push({
      label: file,
      statements: schemaOf(file),
      home: { kind: 'schema-file', file },
      priority: configured(file) ? 0 : 1,
      sortKey: file,
    });
  }
  for (const folder of folders) {
    const home: SchemaHome = { kind: 'migrations-folder', dir: folder.dir, files: folder.files };
    for (const [position, file] of folder.files.entries()) {
      units.push({
        label: file,
        statements: schemaOf(file),
        home,
        priority: configured(file) ? 0 : 2,
        sortKey: `${folder.dir}\u0000${String(position).padStart(8, '0')}`,
      });
    }
  }
  for (const fact of withSchema.filter((f) => f.language !== 'sql')) {
    // DDL generated from ORM models and migrations carries its own home and order (ormSchemaUnits).
    const statements = schemaOf(fact.file).filter((statement) => !statement.home);
    if (statements.length === 0) continue;
    units.push({
      label: fact.file,
      statements,
      home: (statement: ExtractedSql): SchemaHome => ({ kind: 'host-literal', statement }),
      priority: configured(fact.file) ? 0 : 3,
      sortKey: fact.file,
    });
  }
  for (const unit of ormSchemaUnits(withSchema)) units.push({ ...unit, priority: configured(unit.label) ? 0 : unit.priority });
  units.sort((a, b) => a.priority - b.priority || compareNatural(a.sortKey, b.sortKey));
  return units;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Everything the schema depends on: changes to it (text or position of any DDL, a database file) require a rebuild. */
function schemaFingerprint(facts: Map<string, FileFacts>, config: PlanLensConfig, databases: DatabaseFiles): string {
  const parts: string[] = [String(config.defaultRowCount), config.schema.join('\u0001'), databases.stamp()];
  for (const [file, fact] of [...facts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (const statement of fact.statements) {
      if (statement.role !== 'schema') continue;
      parts.push(`${file}\u0001${statement.range.start}\u0001${statement.sql}`);
    }
  }
  return parts.join('\u0000');
}

/** How often the main thread, while extracting, takes in what the extraction workers sent. */
const WORKER_POLL_MS = 20;

export interface PrepareOptions {
  onProgress?: (done: number, total: number) => void;
  /** Asked between files; a cancelled preparation ends early with what it has. */
  isCancelled?: () => boolean;
  jobs?: Jobs;
  /** A run that reports once and ends: files the first pass skips are kept as the names they call, not as text. */
  oneOff?: boolean;
}

/** Reads and extracts every file under the root, then rebuilds the schema. */
export async function prepareWorkspace(root: string, config: PlanLensConfig, options: PrepareOptions = {}): Promise<PreparedWorkspace> {
  const { onProgress, isCancelled, jobs, oneOff = false } = options;
  // sql.js compiles its WASM while the files are listed. The extraction workers start after it: it compiles under
  // process-wide V8 flags that their tree-sitter modules must not get (wasmTiers.ts). A failed load is the
  // schema's to report.
  const sqlJsLoaded = loadSqlJs().then(
    () => undefined,
    () => undefined,
  );
  const discovered = await discoverFiles(root, config);
  await sqlJsLoaded;
  const fileNotes = new Map<string, Note[]>([['', discovered.notes]]);
  const extracted = new Map<string, ExtractedFile>();
  const total = discovered.files.length;
  const workers = startWorkerExtraction(root, discovered.files, jobs, { indexSkippedTexts: oneOff });
  try {
    let lastYield = performance.now();
    const extractHere = async (files: Iterable<string>) => {
      for (const relative of files) {
        if (isCancelled?.()) return;
        const read = await readAndExtract(root, relative);
        const result = oneOff ? withCalledNamesForText(read) : read;
        // Long names sliced from the text would keep the whole text alive; their stored copies do not.
        if (result.calledNames) internNames(result.calledNames);
        extracted.set(relative, result);
        onProgress?.(extracted.size, total);
        // Workers' batches are taken in (and compacted) between files, not all after the main thread's last one:
        // the main thread then claims fewer files itself, and the threads end together.
        if (workers && performance.now() - lastYield > WORKER_POLL_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          lastYield = performance.now();
        }
      }
    };
    await extractHere(workers?.mainFiles ?? discovered.files);
    if (workers) {
      const { results, leftOver } = await workers.results;
      discovered.notes.push({
        level: 'info',
        message: `${workers.threads - 1} worker thread${workers.threads === 2 ? '' : 's'} read and parsed ${results.size} of ${total} files`,
      });
      for (const [file, result] of results) extracted.set(file, result);
      onProgress?.(extracted.size, total);
      await extractHere(leftOver);
    }
  } finally {
    workers?.terminate();
  }
  // In discovery order, whichever thread extracted them: the same run gives the same maps.
  const facts = new Map<string, FileFacts>();
  const texts = new Map<string, string>();
  const calledNames = new Map<string, readonly string[]>();
  for (const relative of discovered.files) {
    const result = extracted.get(relative);
    if (!result) continue;
    if (result.text !== undefined) texts.set(relative, result.text);
    if (result.calledNames) calledNames.set(relative, result.calledNames); // stored names already, on either thread
    if (result.fact) facts.set(relative, result.fact);
    if (result.notes.length > 0) fileNotes.set(relative, result.notes);
  }
  extracted.clear();
  resolveOrmQueries(facts, texts);
  const workloadCompletion: CompletionState = {
    searched: new Set(),
    skipped: oneOff ? { calledNames, read: (file) => readSourceFile(root, file).file?.text } : undefined,
  };
  await completeWorkloadFacts(facts, texts, workloadCompletion);
  const databases = new DatabaseFiles(root, config, discovered.databaseFiles);
  const db = await buildWorkspaceSchema(facts, config, databases, fileNotes);
  return {
    root,
    config,
    facts,
    texts,
    db,
    fileNotes,
    notes: [...db.notes],
    namingStyle: detectNamingStyle(db.tables.values()),
    lineIndexes: new Map(),
    planCache: new PlanCache(),
    fixCache: new FixCache(),
    failedRules: new Set(),
    databases,
    workloadCompletion,
  };
}

/** Reads the database files (their notes go under each file) and rebuilds the schema from code and files. */
async function buildWorkspaceSchema(
  facts: Map<string, FileFacts>,
  config: PlanLensConfig,
  databases: DatabaseFiles,
  fileNotes: Map<string, Note[]>,
): Promise<SchemaDatabase> {
  const loaded = await databases.load();
  for (const file of databases.files()) {
    const notes = loaded.notes.get(file);
    if (notes) fileNotes.set(file, notes);
    else fileNotes.delete(file);
  }
  return buildSchema(schemaUnits(facts, config), { defaultRowCount: config.defaultRowCount, databases: loaded.schemas });
}

/** All notes of a workspace, workspace-wide ones first. */
export function allNotes(workspace: PreparedWorkspace): Note[] {
  return [...[...workspace.fileNotes.values()].flat(), ...workspace.notes];
}

/** The query rules that read a plan's diagnoses, for which the SQL is parsed. */
const DIAGNOSING_RULES = ['missing-index', 'incomplete-index', 'temp-sort'];

/** Queries planned before their run's texts are parsed together (the plan cache must hold a run: it does). */
const PLANNING_RUN = 256;
/** Runs whose texts the shape thread may be parsing at once (`planAllQueriesWith`). */
const SHAPE_RUNS_IN_FLIGHT = 3;

/**
 * A workspace kept up to date file by file (the language server's model). Findings are computed lazily per
 * file and cached until that file, or the schema, changes.
 */
export class AnalysisSession {
  private findingsCache = new Map<string, Finding[]>();
  private schemaFindingsCache: Finding[] | undefined;
  /**
   * Workload rule findings per file, and the call graph they came from. Kept across edits that leave the call
   * graph alone: then only the edited file and the files whose findings point into it are checked again.
   */
  private workloadState: { index: WorkloadIndex; byFile: Map<string, Finding[]> } | undefined;
  /** Workload findings kept after `releaseWorkloadFacts` let go of the facts they came from (one-off runs). */
  private releasedWorkload: Map<string, Finding[]> | undefined;
  /** The consolidated index plan, and per file the index findings rewritten to prefer it. */
  private indexPlanCache: IndexPlan | undefined;
  private plannedFindingsCache = new Map<string, Finding[]>();
  /** Whether a consolidated index serves a query as well as its own one: kept until the schema changes. */
  private indexPlanVerdicts = new Map<string, boolean>();
  private fingerprint: string;

  private constructor(private workspace: PreparedWorkspace) {
    this.fingerprint = schemaFingerprint(workspace.facts, workspace.config, workspace.databases);
  }

  static async open(root: string, config: PlanLensConfig, options: PrepareOptions = {}): Promise<AnalysisSession> {
    return new AnalysisSession(await prepareWorkspace(root, config, options));
  }

  get root(): string {
    return this.workspace.root;
  }

  get prepared(): PreparedWorkspace {
    return this.workspace;
  }

  /** Files that hold SQL (queries or schema). */
  files(): string[] {
    return [...this.workspace.facts.keys()];
  }

  /** How many query statements the workspace holds. */
  queryCount(): number {
    let count = 0;
    for (const fact of this.workspace.facts.values()) for (const statement of fact.statements) if (statement.role === 'query') count++;
    return count;
  }

  textOf(file: string): string | undefined {
    return this.workspace.texts.get(file);
  }

  factsOf(file: string): FileFacts | undefined {
    return this.workspace.facts.get(file);
  }

  notes(): Note[] {
    return allNotes(this.workspace);
  }

  /**
   * Other files whose findings the last `updateFile` changed or may have changed (workload findings that moved,
   * consolidated index advice on a table whose queries changed, ORM queries built from a changed model); `all`
   * after a schema change.
   */
  lastUpdateAffected: ReadonlySet<string> | 'all' = new Set();

  /**
   * Replaces a file's text (an editor buffer, or the disk after a watched-file event); `undefined` removes it.
   * Returns whether the schema changed, in which case every file's findings may have changed.
   */
  async updateFile(file: string, text: string | undefined): Promise<{ schemaChanged: boolean }> {
    if (this.releasedWorkload) throw new Error('a session whose workload facts were released cannot be updated');
    const ws = this.workspace;
    ws.lineIndexes.delete(file);
    const advisedBefore = advisedKeys(ws, file, this.findingsCache.get(file));
    this.findingsCache.delete(file);
    this.indexPlanCache = undefined;
    const factsBefore = ws.facts.get(file);
    const analysedBefore = ws.facts.has(file);
    // Fixes are written into schema files, migration folders and DDL strings: their text decides where.
    if (holdsSchema(ws.facts.get(file)) || languageForPath(file) === 'sql') ws.fixCache.clear();
    if (text === undefined) {
      ws.facts.delete(file);
      ws.texts.delete(file);
      ws.fileNotes.delete(file);
    } else {
      const { fact, notes } = await readAndExtract(ws.root, file, text);
      ws.texts.set(file, text);
      if (fact) ws.facts.set(file, fact);
      else ws.facts.delete(file);
      if (notes.length > 0) ws.fileNotes.set(file, notes);
      else ws.fileNotes.delete(file);
    }
    // A model change can change the SQL of ORM queries in other files.
    const ormChanged = resolveOrmQueries(ws.facts, ws.texts);
    for (const changed of ormChanged) this.findingsCache.delete(changed);
    // A new querying function makes the files that call it worth parsing for their loops, and a file without SQL
    // may call one. Nothing to look for when the call graph did not change.
    const structureChanged = !sameWorkloadStructure(factsBefore, ws.facts.get(file));
    const updated = ws.facts.get(file);
    const unparsed = updated !== undefined && completesLanguage(updated.language) && !updated.workload;
    const completed =
      structureChanged || unparsed ? await completeWorkloadFacts(ws.facts, ws.texts, ws.workloadCompletion, unparsed ? [file] : []) : [];
    const fingerprint = schemaFingerprint(ws.facts, ws.config, ws.databases);
    if (fingerprint !== this.fingerprint) {
      this.fingerprint = fingerprint;
      const db = await buildWorkspaceSchema(ws.facts, ws.config, ws.databases, ws.fileNotes);
      ws.db.close();
      ws.db = db;
      ws.notes = [...db.notes];
      const namingStyle = detectNamingStyle(db.tables.values());
      // Only queries that name a changed table, view or index are planned again; a new naming style renames all advice.
      ws.planCache.rebase(db, JSON.stringify(namingStyle) === JSON.stringify(ws.namingStyle));
      ws.fixCache.clear();
      ws.namingStyle = namingStyle;
      this.findingsCache.clear();
      this.plannedFindingsCache.clear();
      this.schemaFindingsCache = undefined;
      this.workloadState = undefined;
      this.indexPlanVerdicts.clear();
      this.lastUpdateAffected = 'all';
      return { schemaChanged: true };
    }
    refreshSchemaHomes(ws, file);
    const affected = new Set(ormChanged);
    // A .sql file that `query_file!` reads starts or stops being analysed: the Rust call reports its queries instead.
    if (ws.facts.has(file) !== analysedBefore) {
      for (const [other, fact] of ws.facts) {
        if (!fact.statements.some((statement) => statement.queryFile === file)) continue;
        this.findingsCache.delete(other);
        this.plannedFindingsCache.delete(other);
        affected.add(other);
      }
    }
    const callGraphChanged = structureChanged || completed.length > 0 || ormChanged.size > 0;
    for (const changed of this.updateWorkloadFindings(file, callGraphChanged)) affected.add(changed);
    for (const changed of this.updatePlannedFindings(file, ormChanged.size > 0 ? undefined : advisedBefore)) affected.add(changed);
    affected.delete(file);
    this.lastUpdateAffected = affected;
    return { schemaChanged: false };
  }

  /**
   * Brings the workload findings up to date after `file` changed and returns the files whose findings differ.
   * When the call graph is the same, a finding elsewhere can only change if it points into the file (a chain
   * through it, its query): those files and the file itself are checked again with the kept call graph.
   */
  private updateWorkloadFindings(file: string, callGraphChanged: boolean): string[] {
    const previous = this.workloadState;
    if (!previous) return []; // never computed, so nothing was shown from it
    let checked: Map<string, Finding[]>;
    if (callGraphChanged) {
      this.workloadState = undefined;
      checked = this.workloadFindings();
    } else {
      previous.index.refreshFile(file);
      const dirty = new Set([file]);
      for (const [other, findings] of previous.byFile) {
        if (findings.some((finding) => finding.related.some((location) => location.file === file))) dirty.add(other);
      }
      checked = groupByFile(workspaceFindings(this.workspace, previous.index, dirty));
      for (const dirtyFile of dirty) if (!checked.has(dirtyFile)) checked.set(dirtyFile, []);
    }
    // With the same call graph, only the files checked again can differ: compare those, not every file's findings.
    const candidates = callGraphChanged ? new Set([...previous.byFile.keys(), ...checked.keys()]) : checked.keys();
    const changed: string[] = [];
    for (const candidate of candidates) {
      const before = previous.byFile.get(candidate) ?? [];
      const after = checked.get(candidate) ?? [];
      if (JSON.stringify(before) !== JSON.stringify(after)) changed.push(candidate);
      if (!callGraphChanged) {
        if (after.length > 0) previous.byFile.set(candidate, after);
        else previous.byFile.delete(candidate);
      }
    }
    return changed;
  }

  /**
   * After `file` changed: the files whose index findings the consolidated index plan may word differently now,
   * because the file's advised queries on their tables changed. Their findings are rewritten again on next use.
   */
  private updatePlannedFindings(file: string, advisedBefore: Set<string> | undefined): string[] {
    this.plannedFindingsCache.delete(file);
    if (this.plannedFindingsCache.size === 0) return [];
    if (advisedBefore === undefined) {
      // What changed is not known: every file's advice is worded again.
      const all = [...this.plannedFindingsCache.keys()];
      this.plannedFindingsCache.clear();
      return all;
    }
    const advisedAfter = advisedKeys(this.workspace, file, this.queryFindings(file))!;
    const tables = new Set<string>();
    for (const key of advisedBefore) if (!advisedAfter.has(key)) tables.add(key.split('\u0000')[0]);
    for (const key of advisedAfter) if (!advisedBefore.has(key)) tables.add(key.split('\u0000')[0]);
    if (tables.size === 0) return [];
    const affected: string[] = [];
    for (const other of [...this.plannedFindingsCache.keys()]) {
      const onTable = (this.findingsCache.get(other) ?? []).some((finding) => finding.suggestion && tables.has(finding.suggestion.table.toLowerCase()));
      if (!onTable) continue;
      this.plannedFindingsCache.delete(other);
      affected.push(other);
    }
    return affected;
  }

  /** Workload findings per file, computed over the whole workspace on first use. */
  private workloadFindings(): Map<string, Finding[]> {
    if (this.releasedWorkload) return this.releasedWorkload;
    if (!this.workloadState) {
      const index = new WorkloadIndex(this.workspace.facts);
      this.workloadState = { index, byFile: groupByFile(workspaceFindings(this.workspace, index)) };
    }
    return this.workloadState.byFile;
  }

  /**
   * For a run that reports once and ends: makes the workload findings now, then drops what only they read (every
   * file's functions, calls, loops and connections, and the call graph), which is most of the heap after extraction
   * and would otherwise be carried through planning. The texts of the host files that were never parsed and hold
   * nothing go too: they only served the search for callers (workload/complete.ts), no finding or related location
   * can point into them (the call graph never held them), and no fix edits them. At 10,000 files that is more than
   * half of all the text; a session opened one-off never held them (workload/skipped.ts), and drops the names it
   * kept in their place. The session cannot be updated afterwards.
   */
  releaseWorkloadFacts(): void {
    this.releasedWorkload = this.workloadFindings();
    this.workloadState = undefined;
    this.workspace.workloadCompletion.skipped = undefined;
    const texts = this.workspace.texts;
    for (const [file, fact] of this.workspace.facts) {
      if (isUnparsedAndEmpty(fact)) texts.delete(file);
      delete fact.workload;
    }
  }

  /** Findings located in one file (query findings, schema findings and workload findings). */
  findingsFor(file: string): Finding[] {
    const queryFindings = this.preferPlannedIndexes(file, this.queryFindings(file));
    this.schemaFindingsCache ??= schemaFindings(this.workspace);
    return [
      ...queryFindings,
      ...this.schemaFindingsCache.filter((finding) => finding.file === file),
      ...(this.workloadFindings().get(file) ?? []),
    ].sort(compareFindings);
  }

  /** The workspace index plan: every query's index advice consolidated per table (built on first use). */
  indexPlan(): IndexPlan {
    if (!this.indexPlanCache) {
      this.planAllQueries();
      const advised: AdvisedQuery[] = [];
      for (const file of this.files()) {
        const statements = this.workspace.facts.get(file)?.statements ?? [];
        for (const finding of this.queryFindings(file)) {
          const statement = statementOf(statements, finding);
          if (statement && finding.suggestion && finding.fixes.length > 0) advised.push({ statement, suggestion: finding.suggestion });
        }
      }
      this.indexPlanCache = new IndexPlan(this.workspace.db, advised, this.indexPlanVerdicts);
    }
    return this.indexPlanCache;
  }

  /** Index findings whose query the index plan serves with a shared index: the fix adds that one instead. */
  private preferPlannedIndexes(file: string, findings: Finding[]): Finding[] {
    if (!findings.some((finding) => finding.suggestion && finding.fixes.length > 0)) return findings;
    let planned = this.plannedFindingsCache.get(file);
    if (!planned) {
      const plan = this.indexPlan();
      const statements = this.workspace.facts.get(file)?.statements ?? [];
      planned = findings.map((finding) => {
        const statement = statementOf(statements, finding);
        const shared = statement && finding.suggestion ? plan.forQuery(statement, finding.suggestion.table) : undefined;
        const table = shared && this.workspace.db.tables.get(shared.suggestion.table.toLowerCase());
        // Only worth saying when queries with different advice share it.
        const consolidated = shared?.serves.some((query) => query.suggestion.ddl !== shared.suggestion.ddl) === true;
        if (!statement || !shared || !table || !consolidated) return finding;
        const others = shared.serves.length - 1;
        const otherQueries = `${others} other ${others === 1 ? 'query' : 'queries'} on ${table.name}`;
        if (shared.suggestion.name === finding.suggestion?.name) {
          return { ...finding, message: `${finding.message} The same index also serves ${otherQueries}.` };
        }
        const note =
          ` The fix adds ${shared.suggestion.name} ON ${table.name}(${describeColumns(shared.suggestion.columns)}) instead, ` +
          `which serves this query as well and ${otherQueries} too.`;
        const fix = this.workspace.fixCache.get(table.name, shared.suggestion.ddl, () =>
          indexFix(shared.suggestion, table, fixEnvironment(this.workspace)),
        );
        return {
          ...finding,
          message: finding.message + note,
          suggestion: shared.suggestion,
          planAfter: plan.planAfter(statement, shared) ?? finding.planAfter,
          fixes: fix ? [fix] : [],
        };
      });
      this.plannedFindingsCache.set(file, planned);
    }
    return planned;
  }

  /** Findings of the per-query rules for one file, cached until the file or the schema changes. */
  private queryFindings(file: string): Finding[] {
    let cached = this.findingsCache.get(file);
    if (!cached) {
      cached = [];
      for (const statement of this.queryStatements(file)) {
        try {
          cached.push(...analyzeStatement(this.workspace, statement));
        } catch (error) {
          this.workspace.notes.push({ level: 'error', file, message: `could not analyse a query: ${errorMessage(error)}` });
        }
      }
      this.findingsCache.set(file, cached);
    }
    return cached;
  }

  /** The statements `queryFindings` analyses: the file's queries, each range once. */
  private *queryStatements(file: string): Generator<ExtractedSql> {
    // A constant executed at several call sites is one statement with several calls: plan it once.
    const seen = new Set<string>();
    for (const statement of this.workspace.facts.get(file)?.statements ?? []) {
      if (statement.role !== 'query') continue;
      // `query_file!` SQL from a workspace .sql file: that file reports it (the workload rules still see this call).
      if (statement.queryFile !== undefined && this.workspace.facts.has(statement.queryFile)) continue;
      const key = `${statement.range.start}:${statement.range.end}`;
      if (seen.has(key)) continue;
      seen.add(key);
      yield statement;
    }
  }

  /**
   * Query findings for every file, computed in runs of files: a run's SQL is planned first, then the texts whose
   * plans need the parser are parsed in one call (`parseQueryBatch`), then its findings are made as usual. The
   * parser's set-up costs about as much as a short query's parse, so this is one set-up per run instead of one per
   * text. With every rule that reads a shape off, nothing is parsed and the files are simply analysed in order.
   */
  planAllQueries(): void {
    const { config } = this.workspace;
    if (!DIAGNOSING_RULES.some((id) => severityFor(config, id) !== 'off')) {
      for (const file of this.files()) this.queryFindings(file);
      return;
    }
    const inputs = planInputs(this.workspace);
    let run: string[] = [];
    let toParse: string[] = [];
    let planned = 0;
    const finishRun = () => {
      parseQueryBatch(toParse);
      for (const file of run) this.queryFindings(file);
      run = [];
      toParse = [];
      planned = 0;
    };
    for (const file of this.files()) {
      if (this.findingsCache.has(file)) continue;
      run.push(file);
      planned += this.planFile(file, inputs, (sql) => toParse.push(sql));
      if (planned >= PLANNING_RUN) finishRun();
    }
    finishRun();
  }

  /** Plans a file's queries into the plan cache, and hands `wantsShape` each text whose diagnoses need its shape. */
  private planFile(file: string, inputs: PlanInputs, wantsShape: (sql: string) => void): number {
    let planned = 0;
    for (const statement of this.queryStatements(file)) {
      if (planningLimit(statement.sql) || parsingLimit(statement.sql)) continue;
      planned++;
      try {
        if (this.workspace.planCache.lookup(this.workspace.db, statement.sql, inputs).needsShape()) wantsShape(statement.sql);
      } catch {
        // queryFindings meets the same error and reports it.
      }
    }
    return planned;
  }

  /**
   * `planAllQueries` with the SQL parsed on the shape thread: while it parses a run's texts, this thread plans the
   * next run, then makes the findings of the run it got the shapes for. Same findings; a text the thread could not
   * answer for is parsed here when its findings need it.
   */
  async planAllQueriesWith(shapeThread: ShapeThread): Promise<void> {
    const { db, config, planCache } = this.workspace;
    if (!DIAGNOSING_RULES.some((id) => severityFor(config, id) !== 'off')) {
      this.planAllQueries();
      return;
    }
    shapeThread.setColumns([...db.tables.values()].map((table) => [table.name.toLowerCase(), table.columns.map((column) => column.name)]));
    const inputs = planInputs(this.workspace);
    const inFlight: Array<{ files: string[]; sqls: string[]; shapes: Promise<ReadonlyArray<QueryShape | null> | undefined> }> = [];
    const finishOldest = async () => {
      const run = inFlight.shift()!;
      const shapes = await run.shapes;
      if (shapes) run.sqls.forEach((sql, i) => planCache.lookup(db, sql, inputs).provideShape(shapes[i] ?? undefined));
      for (const file of run.files) this.queryFindings(file);
    };
    let files: string[] = [];
    let toParse = new Set<string>();
    let planned = 0;
    const send = async () => {
      const sqls = [...toParse];
      inFlight.push({ files, sqls, shapes: sqls.length > 0 ? shapeThread.shapes(sqls) : Promise.resolve([]) });
      files = [];
      toParse = new Set();
      planned = 0;
      // Up to three runs at a time: the thread parses while this thread plans, and this thread does not wait while
      // the thread loads its module (about 0.15 s) at the start. Three runs are well within the plan cache's limit.
      if (inFlight.length >= SHAPE_RUNS_IN_FLIGHT) await finishOldest();
    };
    for (const file of this.files()) {
      if (this.findingsCache.has(file)) continue;
      files.push(file);
      planned += this.planFile(file, inputs, (sql) => toParse.add(sql));
      if (planned >= PLANNING_RUN) await send();
    }
    await send();
    while (inFlight.length > 0) await finishOldest();
  }

  /** The query statement whose range contains the offset, if any. */
  statementAt(file: string, offset: number): ExtractedSql | undefined {
    return this.workspace.facts
      .get(file)
      ?.statements.find((statement) => statement.role === 'query' && statement.range.start <= offset && offset <= statement.range.end);
  }

  explainStatement(statement: ExtractedSql): ExplainReport {
    return explainPrepared(this.workspace, statement);
  }

  close(): void {
    this.workspace.db.close();
  }
}

function severityFor(config: PlanLensConfig, ruleId: string): Severity | 'off' {
  return config.rules[ruleId] ?? ruleMeta(ruleId)?.defaultSeverity ?? 'warning';
}

function isSuppressed(workspace: PreparedWorkspace, file: string, start: number, ruleId: string): boolean {
  const fact = workspace.facts.get(file);
  const text = workspace.texts.get(file);
  if (!fact || text === undefined || fact.suppressions.length === 0) return false;
  let lines = workspace.lineIndexes.get(file);
  if (!lines) {
    lines = new LineIndex(text);
    workspace.lineIndexes.set(file, lines);
  }
  const line = lines.positionAt(start).line;
  return fact.suppressions.some(
    (suppression) =>
      (suppression.line === line || suppression.line === line - 1) &&
      (suppression.rules.length === 0 || suppression.rules.includes(ruleId)),
  );
}

function fixEnvironment(workspace: PreparedWorkspace): FixEnvironment {
  return {
    readText: (file) => workspace.texts.get(file),
    statementsOf: (file) => workspace.facts.get(file)?.statements ?? [],
  };
}

/** Turns a rule's report into a Finding: severity from config, suppressions, related locations and the fix. */
function toFinding(
  workspace: PreparedWorkspace,
  ruleId: string,
  report: RuleReport,
  file: string,
  defaultRange: { start: number; end: number },
  diagnosis?: AccessDiagnosis,
): Finding | undefined {
  // A report's own severity (an info-level hint) applies unless the config sets one for the rule.
  const severity = report.severity && workspace.config.rules[ruleId] === undefined ? report.severity : severityFor(workspace.config, ruleId);
  if (severity === 'off') return undefined;
  const range = report.range ?? defaultRange;
  if (isSuppressed(workspace, file, range.start, ruleId)) return undefined;
  const related: Array<SourceLocation & { message: string }> = [...(report.related ?? [])];
  if (diagnosis?.table.definedAt) related.push({ ...diagnosis.table.definedAt, message: `${diagnosis.table.name} is created here` });
  if (diagnosis && diagnosis.problem.kind !== 'sort') {
    const usedIndex = diagnosis.problem.step.op.index?.name;
    const index = diagnosis.table.indexes.find((candidate) => candidate.name === usedIndex);
    if (index?.definedAt) related.push({ ...index.definedAt, message: `the planner uses ${index.name}, defined here` });
  }
  const advice = report.advice;
  // Several indexes at once (OR branches) have no single-edit fix yet: the message names them all.
  const fix =
    advice && diagnosis && advice.additional.length === 0
      ? workspace.fixCache.get(diagnosis.table.name, advice.suggestion.ddl, () =>
          indexFix(advice.suggestion, diagnosis.table, fixEnvironment(workspace)),
        )
      : undefined;
  return {
    ruleId,
    severity,
    file,
    range,
    message: report.message,
    table: report.table,
    related,
    planBefore: advice?.planBefore ?? report.planBefore,
    planAfter: advice?.planAfter,
    suggestion: advice?.suggestion,
    fixes: fix ? [fix] : report.fix ? [report.fix] : [],
    tags: ruleId === 'redundant-index' ? ['unnecessary'] : [],
  };
}

/** Plans one statement and runs the per-query rules on it. */
export function analyzeStatement(workspace: PreparedWorkspace, statement: ExtractedSql): Finding[] {
  const { db, config } = workspace;
  const findings: Finding[] = [];
  // sql.js and the SQL parser cannot be interrupted: statements over the limits are skipped, with a note.
  const overLimit = planningLimit(statement.sql);
  if (overLimit) {
    addFileNote(workspace, statement, overLimit);
    return findings;
  }
  const parseLimit = parsingLimit(statement.sql);
  if (parseLimit) addFileNote(workspace, statement, parseLimit);
  const planned = workspace.planCache.lookup(db, statement.sql, planInputs(workspace));
  const plan = planned.plan;
  if (!plan.ok) {
    for (const report of sqlErrorRule.checkPrepareError(statement, plan.error, db.tables.size > 0)) {
      const finding = toFinding(workspace, sqlErrorRule.meta.id, report, statement.file, statement.range);
      if (finding) findings.push(finding);
    }
    return findings;
  }
  const context: QueryRuleContext = {
    statement,
    planRoots: plan.roots,
    planFlat: plan.flat,
    // Parsing the SQL costs more than planning it: only rules that look at the shape pay for it.
    get shape() {
      return planned.shape();
    },
    db,
    config,
    diagnoses: planned.diagnoses,
  };
  for (const rule of QUERY_RULES) {
    if (severityFor(config, rule.meta.id) === 'off') continue;
    let reports: RuleReport[];
    try {
      reports = rule.checkQuery(context);
    } catch (error) {
      // Other rules' findings survive; the failing rule is reported once per run, not once per query.
      if (!workspace.failedRules.has(rule.meta.id)) {
        workspace.failedRules.add(rule.meta.id);
        workspace.notes.push({
          level: 'error',
          file: statement.file,
          message: `rule ${rule.meta.id} failed on a query (its findings are missing wherever it fails): ${errorMessage(error)}`,
        });
      }
      continue;
    }
    for (const report of reports) {
      const diagnosis = context.diagnoses().find((d) => d.advice === report.advice && d.table.name === report.table);
      const finding = toFinding(workspace, rule.meta.id, report, statement.file, statement.range, diagnosis);
      if (finding) findings.push(finding);
    }
  }
  return findings;
}

/** How the plan cache plans, parses and diagnoses SQL against this workspace's schema. */
function planInputs(workspace: PreparedWorkspace): PlanInputs {
  const { db, config, namingStyle } = workspace;
  const columnsOf = (table: string) => db.tables.get(table.toLowerCase())?.columns.map((c) => c.name) ?? [];
  return {
    explain: (sql) => db.explain(sql),
    shape: (sql) => (parsingLimit(sql) ? undefined : analyzeQueryShape(sql, { columnsOf })),
    diagnose: (sql, shape, plan) => diagnoseQuery({ sql, shape, planRoots: plan.roots, planFlat: plan.flat, db, config, namingStyle }),
  };
}

/**
 * The schema did not change, but the file's DDL statements are new objects whose literal and migration-list details
 * (where a fix is written) may have: tables whose home is a DDL string in this file point at the new statement.
 */
function refreshSchemaHomes(workspace: PreparedWorkspace, file: string): void {
  const statements = workspace.facts.get(file)?.statements ?? [];
  for (const table of workspace.db.tables.values()) {
    const home = table.home;
    if (home?.kind !== 'host-literal' || home.statement.file !== file) continue;
    const current = statements.find((statement) => statement.range.start === home.statement.range.start && statement.sql === home.statement.sql);
    if (current) table.home = { kind: 'host-literal', statement: current };
  }
}

/** A note about one statement, kept with its file's notes (replaced when the file changes), once per message. */
function addFileNote(workspace: PreparedWorkspace, statement: ExtractedSql, message: string): void {
  const notes = workspace.fileNotes.get(statement.file) ?? [];
  const source = workspace.texts.get(statement.file);
  let lines = workspace.lineIndexes.get(statement.file);
  if (!lines && source !== undefined) {
    lines = new LineIndex(source);
    workspace.lineIndexes.set(statement.file, lines);
  }
  const text = lines ? `line ${lines.positionAt(statement.range.start).line + 1}: ${message}` : message;
  if (!notes.some((note) => note.message === text)) notes.push({ level: 'info', file: statement.file, message: text });
  workspace.fileNotes.set(statement.file, notes);
}

function holdsSchema(fact: FileFacts | undefined): boolean {
  return fact?.statements.some((statement) => statement.role === 'schema') ?? false;
}

function schemaFindings(workspace: PreparedWorkspace): Finding[] {
  const findings: Finding[] = [];
  for (const rule of SCHEMA_RULES) {
    if (severityFor(workspace.config, rule.meta.id) === 'off') continue;
    try {
      const context = { tables: [...workspace.db.tables.values()], config: workspace.config, databases: workspace.db.databaseFiles };
      for (const report of rule.checkSchema(context)) {
        const finding = toFinding(workspace, rule.meta.id, report, report.file, report.range);
        if (finding) findings.push(finding);
      }
    } catch (error) {
      workspace.notes.push({ level: 'error', message: `rule ${rule.meta.id} failed: ${errorMessage(error)}` });
    }
  }
  return findings;
}

/** Runs the workload rules over every file's facts (or only for findings in `onlyFiles`); they share one call graph. */
function workspaceFindings(workspace: PreparedWorkspace, index: WorkloadIndex, onlyFiles?: ReadonlySet<string>): Finding[] {
  const findings: Finding[] = [];
  const context: WorkspaceRuleContext = {
    facts: workspace.facts,
    readText: (file) => workspace.texts.get(file),
    db: workspace.db,
    config: workspace.config,
    workload: () => index,
    onlyFiles,
  };
  for (const rule of WORKSPACE_RULES) {
    if (severityFor(workspace.config, rule.meta.id) === 'off') continue;
    try {
      for (const report of rule.checkWorkspace(context)) {
        if (onlyFiles && !onlyFiles.has(report.file)) continue;
        const finding = toFinding(workspace, rule.meta.id, report, report.file, report.range);
        if (finding) findings.push(finding);
      }
    } catch (error) {
      workspace.notes.push({ level: 'error', message: `rule ${rule.meta.id} failed: ${errorMessage(error)}` });
    }
  }
  return findings;
}

function groupByFile(findings: Finding[]): Map<string, Finding[]> {
  const byFile = new Map<string, Finding[]>();
  for (const finding of findings) {
    const list = byFile.get(finding.file);
    if (list) list.push(finding);
    else byFile.set(finding.file, [finding]);
  }
  return byFile;
}

/** The statement a query finding is about: the one whose range the finding has. */
function statementOf(statements: readonly ExtractedSql[], finding: Finding): ExtractedSql | undefined {
  return statements.find((candidate) => candidate.range.start === finding.range.start && candidate.range.end === finding.range.end);
}

/** A file's index advice that the index plan consolidates, one key per table, query and index (undefined: not known). */
function advisedKeys(workspace: PreparedWorkspace, file: string, findings: Finding[] | undefined): Set<string> | undefined {
  if (!findings) return undefined;
  const statements = workspace.facts.get(file)?.statements ?? [];
  const keys = new Set<string>();
  for (const finding of findings) {
    if (!finding.suggestion || finding.fixes.length === 0) continue;
    const statement = statementOf(statements, finding);
    keys.add(`${finding.suggestion.table.toLowerCase()}\u0000${finding.suggestion.ddl}\u0000${statement?.sql ?? finding.message}`);
  }
  return keys;
}

/**
 * Whether two versions of a file agree on what the workload rules read from it when they check other files,
 * positions and SQL text aside: its functions and their callees, the kind of each statement and where it runs,
 * imports and connections, and (to be safe) what its loops call. The rest of its loop facts only matter for findings
 * in the file itself, which is always checked again. When they agree, so does the call graph, and a finding in
 * another file can only read something else of this file if it points into it.
 */
function sameWorkloadStructure(before: FileFacts | undefined, after: FileFacts | undefined): boolean {
  if (!before || !after) return before === after;
  const same = <T>(a: readonly T[], b: readonly T[], equal: (x: T, y: T) => boolean) => a.length === b.length && a.every((x, i) => equal(x, b[i]));
  const statementsAgree = same(
    before.statements,
    after.statements,
    (a, b) => a.enclosingFunction === b.enclosingFunction && statementKind(a) === statementKind(b),
  );
  const a = before.workload;
  const b = after.workload;
  if (!statementsAgree || !a || !b) return statementsAgree && a === b;
  const sameCallee = (x: CalleeRef, y: CalleeRef) => x.name === y.name && x.receiver === y.receiver && (x.prepared === undefined) === (y.prepared === undefined);
  return (
    a.usesThreads === b.usesThreads &&
    same(a.functions, b.functions, (x, y) => x.name === y.name && x.qualifiedName === y.qualifiedName && x.owner === y.owner && same(x.callees, y.callees, sameCallee)) &&
    same(a.loopCalls, b.loopCalls, (x, y) => x.name === y.name && x.receiver === y.receiver) &&
    samePositionFree(a.imports, b.imports) &&
    samePositionFree(a.connections, b.connections)
  );
}

/** Deep equality of plain data, ignoring where ranges are (`range`, `…Range`): offsets move with every edit above. */
function samePositionFree(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  if (keys.length !== Object.keys(y).length) return false;
  return keys.every((key) => (key === 'range' || key.endsWith('Range') ? key in y : samePositionFree(x[key], y[key])));
}

function toRelative(root: string, paths: string[]): string[] {
  return paths
    .map((p) => path.relative(root, path.resolve(root, p)).split(path.sep).join('/'))
    .map((p) => (p === '' ? '.' : p));
}

function isReported(file: string, scopes: string[]): boolean {
  return scopes.length === 0 || scopes.some((scope) => scope === '.' || file === scope || file.startsWith(`${scope}/`));
}

function compareFindings(a: Finding, b: Finding): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.range.start - b.range.start || a.ruleId.localeCompare(b.ruleId);
}

/** A one-off run plans each file once: its cache only needs to catch SQL repeated nearby (shared constants, copies). */
const ONE_OFF_PLAN_CACHE_LIMIT = 2_000;

/**
 * Queries from which a check parses SQL on the shape thread. Its start costs about 0.15 s of CPU (its module) and
 * 20–30 MB; the 1,000-file bench workspace (2,148 queries) checked in 1.61–1.83 s with it against 1.67–1.84 s without
 * (6 interleaved pairs), so below this it would cost memory for nothing.
 */
const SHAPE_THREAD_MIN_QUERIES = 2_000;

/** Analyses the workspace. The schema always comes from the whole root; `paths` only limit what is reported. */
export async function analyzeWorkspace(options: AnalyzeOptions): Promise<AnalysisResult> {
  const session = await AnalysisSession.open(options.root, options.config, { onProgress: options.onProgress, jobs: options.jobs, oneOff: true });
  session.prepared.planCache = new PlanCache(ONE_OFF_PLAN_CACHE_LIMIT);
  let shapeThread: ShapeThread | undefined;
  try {
    const scopes = toRelative(options.root, options.paths);
    const files = session.files().filter((file) => isReported(file, scopes));
    // `--jobs 1` keeps the run on one thread. The shape thread's module loads while the workload findings are made.
    if (options.jobs !== 1 && session.queryCount() >= SHAPE_THREAD_MIN_QUERIES) shapeThread = ShapeThread.start();
    session.releaseWorkloadFacts();
    // Each full collection compacts a few more of the heap's fragmented pages (at 10,000 files, 155 → 144 → 118 →
    // 112 MB committed). The SQL parser made most of planning's garbage; with it on the shape thread, planning grows
    // the heap back to about 125 MB only (--trace-gc), and the room left pays for that thread's heap: peak 277–293 MB
    // in 8 runs with both, 296–302 MB in 3 runs with the thread after one collection.
    for (let collection = 0; collection < 3; collection++) collectGarbageNow();
    if (shapeThread) await session.planAllQueriesWith(shapeThread);
    else session.planAllQueries();
    // Its memory goes before the findings and the report are made (the `finally` below is for the error path).
    shapeThread?.close();
    if (shapeThread && shapeThread.answered > 0) {
      session.prepared.notes.push({ level: 'info', message: `a second thread parsed ${shapeThread.answered} SQL texts for their shape` });
    }
    // Planning leaves the heap mostly garbage (plans, parsed SQL, what-if schemas). Collected now, its space takes
    // the findings and the report; otherwise the heap grows once more at the end (10,000 files: last 0.4 s at
    // 267–278 MB against 276–280 MB in 3 interleaved pairs).
    collectGarbageNow();
    const findings = files.flatMap((file) => session.findingsFor(file)).sort(compareFindings);
    return {
      root: options.root,
      findings,
      notes: session.notes(),
      files,
      texts: session.prepared.texts,
    };
  } finally {
    shapeThread?.close();
    session.close();
  }
}

/** `planlens indexes`: the consolidated index plan of the workspace; `paths` limit it to indexes their queries need. */
export async function planWorkspaceIndexes(options: AnalyzeOptions): Promise<IndexPlanReport> {
  const session = await AnalysisSession.open(options.root, options.config, { onProgress: options.onProgress, jobs: options.jobs });
  try {
    const scopes = toRelative(options.root, options.paths);
    const report: IndexPlanReport = { root: options.root, indexes: [], texts: session.prepared.texts };
    for (const planned of session.indexPlan().indexes) {
      if (!planned.serves.some((query) => isReported(query.statement.file, scopes))) continue;
      report.indexes.push({
        suggestion: planned.suggestion,
        serves: planned.serves.map(({ statement }) => ({
          file: statement.file,
          range: statement.range,
          function: statement.enclosingFunction,
          sql: statement.sql,
        })),
        redundant: planned.redundant.map((index) => ({ name: index.name, columns: index.columns, definedAt: index.definedAt })),
      });
    }
    return report;
  } finally {
    session.close();
  }
}

/** Plan, findings and the verified suggestion for one statement. */
export function explainPrepared(workspace: PreparedWorkspace, statement: ExtractedSql): ExplainReport {
  const plan = workspace.db.explain(statement.sql);
  const findings = analyzeStatement(workspace, statement);
  const withSuggestion = findings.find((finding) => finding.suggestion);
  return {
    sql: statement.sql,
    location: statement.file === '<command line>' ? undefined : { file: statement.file, range: statement.range },
    planBefore: plan.ok ? formatPlanTree(plan.roots) : [],
    findings,
    planAfter: withSuggestion?.planAfter,
    suggestion: withSuggestion?.suggestion,
    error: plan.ok ? undefined : plan.error,
  };
}

/** A report for a request that names nothing to plan; the CLI shows `error` as a usage error. */
function emptyExplain(error: string): ExplainReport {
  return { sql: '', planBefore: [], findings: [], error };
}

/** `planlens explain`: the plan and advice for a SQL string, or for the query at a file's line. */
export async function explainQuery(options: {
  root: string;
  config: PlanLensConfig;
  sql?: string;
  file?: string;
  line?: number;
  jobs?: Jobs;
}): Promise<ExplainReport> {
  const workspace = await prepareWorkspace(options.root, options.config, { jobs: options.jobs });
  try {
    let statement: ExtractedSql | undefined;
    if (options.sql !== undefined) {
      statement = {
        file: '<command line>',
        language: 'sql',
        sql: options.sql,
        range: { start: 0, end: options.sql.length },
        role: 'query',
        certainty: 'executed',
      };
    } else if (options.file !== undefined) {
      const relative = toRelative(options.root, [options.file])[0];
      const fact = workspace.facts.get(relative);
      const text = workspace.texts.get(relative);
      if (!fact || text === undefined) return emptyExplain(`${relative}: no queries found in this file`);
      const lines = new LineIndex(text);
      const wanted = (options.line ?? 1) - 1;
      statement = fact.statements.find((candidate) => {
        const { start, end } = lines.rangeToLines(candidate.range);
        return candidate.role === 'query' && start.line <= wanted && wanted <= end.line;
      });
      if (!statement) return emptyExplain(`${relative}:${options.line ?? 1}: no query on this line`);
    } else {
      return emptyExplain('explain needs --sql or a file and line');
    }
    return explainPrepared(workspace, statement);
  } finally {
    workspace.db.close();
  }
}
