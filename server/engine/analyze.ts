// The engine's pipeline, end to end: discover → read → extract → schema → plan → rules → fixes.
// Nothing here knows about editors or terminals; the CLI and the language server render AnalysisResult.
import * as path from 'node:path';
import type { AnalyzeOptions, Jobs, PlanLensConfig, ExplainReport } from './analyzeTypes';
import type {
  AnalysisResult,
  ExtractedSql,
  FileFacts,
  Finding,
  Note,
  SchemaHome,
  Severity,
  SourceFile,
  SourceLocation,
} from './types';
import { discoverFiles, languageForPath } from './workspace/files';
import { readAndExtract, type ExtractedFile } from './extract/fileFacts';
import { startWorkerExtraction } from './workspace/parallelExtract';
import { compareNatural, detectMigrationsFolder, isDownMigration } from './schema/order';
import { buildSchema, type SchemaDatabase, type SchemaUnit } from './schema/schemaBuilder';
import { DatabaseFiles } from './schema/databaseFile';
import { analyzeQueryShape } from './sql/shape';
import { formatPlanTree } from './plan/explain';
import { detectNamingStyle } from './advisor/naming';
import { diagnoseQuery, type AccessDiagnosis } from './rules/accessDiagnosis';
import { QUERY_RULES, SCHEMA_RULES, WORKSPACE_RULES, ruleMeta } from './rules/registry';
import { sqlErrorRule } from './rules/sqlError';
import type { QueryRuleContext, RuleReport, WorkspaceRuleContext } from './rules/rule';
import { WorkloadIndex } from './workload/callGraph';
import { completeWorkloadFacts, completesLanguage, type CompletionState } from './workload/complete';
import { IndexPlan, type AdvisedQuery, type IndexPlanReport } from './workload/indexPlan';
import { describeColumns } from './rules/describe';
import { indexFix, type FixEnvironment } from './fixes/indexFix';
import { ormSchemaUnits, resolveOrmQueries } from './orm';
import { LineIndex } from './text/lineIndex';
import { FixCache, PlanCache, type PlanInputs } from './planCache';
import { parsingLimit, planningLimit } from './sql/limits';

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

/** Reads and extracts every file under the root, then rebuilds the schema. */
export async function prepareWorkspace(
  root: string,
  config: PlanLensConfig,
  onProgress?: (done: number, total: number) => void,
  isCancelled?: () => boolean,
  jobs?: Jobs,
): Promise<PreparedWorkspace> {
  const discovered = await discoverFiles(root, config);
  const fileNotes = new Map<string, Note[]>([['', discovered.notes]]);
  const extracted = new Map<string, ExtractedFile>();
  const total = discovered.files.length;
  const workers = startWorkerExtraction(root, discovered.files, jobs);
  try {
    const extractHere = async (files: string[]) => {
      for (const relative of files) {
        if (isCancelled?.()) return;
        extracted.set(relative, await readAndExtract(root, relative));
        onProgress?.(extracted.size, total);
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
  for (const relative of discovered.files) {
    const result = extracted.get(relative);
    if (!result) continue;
    if (result.text !== undefined) texts.set(relative, result.text);
    if (result.fact) facts.set(relative, result.fact);
    if (result.notes.length > 0) fileNotes.set(relative, result.notes);
  }
  extracted.clear();
  resolveOrmQueries(facts, texts);
  const workloadCompletion: CompletionState = { searched: new Set() };
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

/**
 * A workspace kept up to date file by file (the language server's model). Findings are computed lazily per
 * file and cached until that file, or the schema, changes.
 */
export class AnalysisSession {
  private findingsCache = new Map<string, Finding[]>();
  private schemaFindingsCache: Finding[] | undefined;
  /** Workload rule findings for all files; any file change can change them (a helper starts to query). */
  private workspaceFindingsCache: Finding[] | undefined;
  /** The consolidated index plan, and per file the index findings rewritten to prefer it. */
  private indexPlanCache: IndexPlan | undefined;
  private plannedFindingsCache = new Map<string, Finding[]>();
  /** Whether a consolidated index serves a query as well as its own one: kept until the schema changes. */
  private indexPlanVerdicts = new Map<string, boolean>();
  private fingerprint: string;

  private constructor(private workspace: PreparedWorkspace) {
    this.fingerprint = schemaFingerprint(workspace.facts, workspace.config, workspace.databases);
  }

  static async open(
    root: string,
    config: PlanLensConfig,
    onProgress?: (done: number, total: number) => void,
    isCancelled?: () => boolean,
    jobs?: Jobs,
  ): Promise<AnalysisSession> {
    return new AnalysisSession(await prepareWorkspace(root, config, onProgress, isCancelled, jobs));
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
   * Whether the last `updateFile` changed what the workload rules see (functions, calls, loops, queries): their
   * findings may then have moved in any file, as after a schema change.
   */
  lastUpdateChangedWorkload = false;

  /**
   * Replaces a file's text (an editor buffer, or the disk after a watched-file event); `undefined` removes it.
   * Returns whether the schema changed, in which case every file's findings may have changed.
   */
  async updateFile(file: string, text: string | undefined): Promise<{ schemaChanged: boolean }> {
    const ws = this.workspace;
    ws.lineIndexes.delete(file);
    this.findingsCache.delete(file);
    this.workspaceFindingsCache = undefined;
    this.indexPlanCache = undefined;
    this.plannedFindingsCache.clear();
    const workloadBefore = workloadSignature(ws.facts.get(file));
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
    for (const changed of resolveOrmQueries(ws.facts, ws.texts)) this.findingsCache.delete(changed);
    // A new querying function makes the files that call it worth parsing for their loops, and a file without SQL
    // may call one. Nothing to look for when what the workload rules see did not change.
    const workloadChanged = workloadSignature(ws.facts.get(file)) !== workloadBefore;
    const updated = ws.facts.get(file);
    const unparsed = updated !== undefined && completesLanguage(updated.language) && !updated.workload;
    const completed =
      workloadChanged || unparsed ? await completeWorkloadFacts(ws.facts, ws.texts, ws.workloadCompletion, unparsed ? [file] : []) : [];
    this.lastUpdateChangedWorkload = workloadChanged || completed.length > 0;
    const fingerprint = schemaFingerprint(ws.facts, ws.config, ws.databases);
    if (fingerprint === this.fingerprint) {
      refreshSchemaHomes(ws, file);
      return { schemaChanged: false };
    }
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
    this.schemaFindingsCache = undefined;
    this.indexPlanVerdicts.clear();
    return { schemaChanged: true };
  }

  /** Findings located in one file (query findings, schema findings and workload findings). */
  findingsFor(file: string): Finding[] {
    const queryFindings = this.preferPlannedIndexes(file, this.queryFindings(file));
    this.schemaFindingsCache ??= schemaFindings(this.workspace);
    this.workspaceFindingsCache ??= workspaceFindings(this.workspace);
    return [
      ...queryFindings,
      ...this.schemaFindingsCache.filter((finding) => finding.file === file),
      ...this.workspaceFindingsCache.filter((finding) => finding.file === file),
    ].sort(compareFindings);
  }

  /** The workspace index plan: every query's index advice consolidated per table (built on first use). */
  indexPlan(): IndexPlan {
    if (!this.indexPlanCache) {
      const advised: AdvisedQuery[] = [];
      for (const file of this.files()) {
        const statements = this.workspace.facts.get(file)?.statements ?? [];
        for (const finding of this.queryFindings(file)) {
          const statement = statements.find((candidate) => candidate.range.start === finding.range.start && candidate.range.end === finding.range.end);
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
        const statement = statements.find((candidate) => candidate.range.start === finding.range.start && candidate.range.end === finding.range.end);
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
      // A constant executed at several call sites is one statement with several calls: plan it once.
      const seen = new Set<string>();
      for (const statement of this.workspace.facts.get(file)?.statements ?? []) {
        if (statement.role !== 'query') continue;
        const key = `${statement.range.start}:${statement.range.end}`;
        if (seen.has(key)) continue;
        seen.add(key);
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

/** Runs the workload rules over every file's facts; they share one call graph. */
function workspaceFindings(workspace: PreparedWorkspace): Finding[] {
  const findings: Finding[] = [];
  let index: WorkloadIndex | undefined;
  const context: WorkspaceRuleContext = {
    facts: workspace.facts,
    readText: (file) => workspace.texts.get(file),
    db: workspace.db,
    config: workspace.config,
    workload: () => (index ??= new WorkloadIndex(workspace.facts)),
  };
  for (const rule of WORKSPACE_RULES) {
    if (severityFor(workspace.config, rule.meta.id) === 'off') continue;
    try {
      for (const report of rule.checkWorkspace(context)) {
        const finding = toFinding(workspace, rule.meta.id, report, report.file, report.range);
        if (finding) findings.push(finding);
      }
    } catch (error) {
      workspace.notes.push({ level: 'error', message: `rule ${rule.meta.id} failed: ${errorMessage(error)}` });
    }
  }
  return findings;
}

/** What the workload rules read from a file, without positions: when it changes, their findings elsewhere may too. */
function workloadSignature(fact: FileFacts | undefined): string {
  if (!fact) return '';
  const workload = fact.workload;
  return JSON.stringify([
    fact.statements.map((statement) => [statement.enclosingFunction, statement.sql]),
    workload?.functions.map((fn) => [fn.qualifiedName, fn.owner, fn.callees.map((callee) => `${callee.receiver}.${callee.name}`)]),
    workload?.loopCalls.map((call) => [call.receiver, call.name]),
    workload?.imports,
    workload?.connections.map((connection) => [connection.function, connection.settings.map((setting) => `${setting.name}=${setting.value}`)]),
  ]);
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

/** Analyses the workspace. The schema always comes from the whole root; `paths` only limit what is reported. */
/** A one-off run plans each file once: its cache only needs to catch SQL repeated nearby (shared constants, copies). */
const ONE_OFF_PLAN_CACHE_LIMIT = 2_000;

export async function analyzeWorkspace(options: AnalyzeOptions): Promise<AnalysisResult> {
  const session = await AnalysisSession.open(options.root, options.config, options.onProgress, undefined, options.jobs);
  session.prepared.planCache = new PlanCache(ONE_OFF_PLAN_CACHE_LIMIT);
  try {
    const scopes = toRelative(options.root, options.paths);
    const files = session.files().filter((file) => isReported(file, scopes));
    const findings = files.flatMap((file) => session.findingsFor(file)).sort(compareFindings);
    return {
      root: options.root,
      findings,
      notes: session.notes(),
      files,
      texts: session.prepared.texts,
    };
  } finally {
    session.close();
  }
}

/** `planlens indexes`: the consolidated index plan of the workspace; `paths` limit it to indexes their queries need. */
export async function planWorkspaceIndexes(options: AnalyzeOptions): Promise<IndexPlanReport> {
  const session = await AnalysisSession.open(options.root, options.config, options.onProgress, undefined, options.jobs);
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
  const workspace = await prepareWorkspace(options.root, options.config, undefined, undefined, options.jobs);
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
