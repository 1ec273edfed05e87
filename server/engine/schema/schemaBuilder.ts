// Rebuilds the workspace's schema in an in-memory sql.js database, reads back the model SQLite ends up
// with (tables, columns, indexes), writes synthetic statistics and answers plan questions against it.
import type { Database, SqlValue, Statement } from 'sql.js';
import { buildPlanTree, errorText, explainRows } from '../plan/explain';
import { isDdl, isTransactionControl, splitSqlStatements, stripLeadingComments } from '../sql/split';
import type {
  ColumnInfo,
  ExtractedSql,
  IndexColumn,
  IndexInfo,
  Note,
  OffsetRange,
  PlanNode,
  PlanResult,
  SchemaHome,
  SourceLocation,
  TableInfo,
} from '../types';
import { loadSqlJs } from './sqlite';
import { measuredStatsByTable, statRowForIndex, writeSyntheticStats, type MeasuredTableStats } from './stats';
import type { DatabaseFileSchema } from './databaseFile';

export interface SchemaUnit {
  /** Display label for notes, e.g. 'migrations/0003_add.sql' */
  label: string;
  /** DDL statements in order; each ExtractedSql may hold several statements. */
  statements: ExtractedSql[];
  /** Where new indexes for tables defined by this unit should go. */
  home: SchemaHome | ((statement: ExtractedSql) => SchemaHome);
}

export interface BuildSchemaOptions {
  /** Table size assumed by the synthetic statistics. */
  defaultRowCount: number;
  /** Database files read for their schema and sqlite_stat1, in order (see `applyDatabaseFiles`). */
  databases?: DatabaseFileSchema[];
  /** What-if indexes in scratch databases (see Scratch); false plans them in the full schema (for comparisons). */
  scratchDatabases?: boolean;
}

/**
 * Applies the units in order, each inside its own SAVEPOINT (files that say `COMMIT; … BEGIN;` have those
 * statements dropped). Every statement runs on its own, so one that fails (a Postgres-ism, an index on a
 * missing column) becomes an info note and the rest still apply. Only DDL runs: data statements cannot
 * change a plan here, because the statistics are synthetic (or measured, from a database file). Then adds
 * what database files define beyond the code, and their statistics. Never throws on bad input.
 */
export async function buildSchema(units: SchemaUnit[], options: BuildSchemaOptions): Promise<SchemaDatabase> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database();
  // sql.js keeps the database in a file of its in-memory file system, with the default locking and rollback
  // journal: every schema change then pays for lock and journal file calls. No other connection can see this
  // file, so one exclusive lock and a journal in memory (savepoints still roll back) make a what-if index about
  // 7x cheaper to create and drop.
  db.exec('PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF');
  const applier = new SchemaApplier(db);
  try {
    for (const unit of units) applier.applyUnit(unit);
  } finally {
    applier.dispose();
  }
  const databases = options.databases ?? [];
  const createdByDatabase = applyDatabaseFiles(db, databases, applier.notes);
  const queries = new CachedQueries(db);
  const tables = readTables(queries, applier.tableOrigins, applier.indexOrigins);
  for (const [key, file] of createdByDatabase) {
    const table = tables.get(key);
    if (table) table.fromDatabaseFile = file;
  }
  const measured = pickMeasuredStats(databases, tables);
  writeSyntheticStats(db, tables.values(), options.defaultRowCount, new Map([...measured].map(([key, pick]) => [key, pick.stats])));
  const notes = [...applier.notes, ...databaseSourceNotes(databases, tables, measured)];
  const measuredRowCounts = new Map([...measured].map(([key, pick]) => [key, pick.stats.rowCount]));
  return new SchemaDatabase(db, queries, tables, notes, options.defaultRowCount, measuredRowCounts, databases, options.scratchDatabases === false ? undefined : () => new SQL.Database());
}

export class SchemaDatabase {
  /** Index name (lowercased) → its table and whether it is partial, for resolving plan output. */
  private readonly indexesByName = new Map<string, IndexInfo>();
  /** The what-if indexes that exist right now (inside withHypotheticalIndexes), by lowercased name. */
  private readonly hypothetical = new Map<string, Pick<IndexInfo, 'table' | 'partial'>>();
  /** Candidate DDL → the index SQLite made of it and its statistics row. */
  private readonly hypotheticalStats = new Map<string, { index: IndexInfo; stat: string }>();
  /** Scratch databases for what-if indexes, by their tables (see Scratch); least recently used first. */
  private readonly scratches = new Map<string, Scratch>();
  /** Set while a what-if runs in a scratch database: `explain` plans there. */
  private activeScratch: Scratch | undefined;
  /** How many what-ifs in the full schema are running: what-ifs nested in them stay there too. */
  private fullWhatIfDepth = 0;

  constructor(
    private readonly db: Database,
    private readonly queries: CachedQueries,
    /** Keyed by lowercased table name. */
    readonly tables: Map<string, TableInfo>,
    readonly notes: Note[],
    private readonly rowCount: number,
    /** Lowercased table name → its size from a database file's sqlite_stat1, for the tables that have one. */
    private readonly measuredRowCounts: ReadonlyMap<string, number> = new Map(),
    /** The database files the schema was built with (for schema drift). */
    readonly databaseFiles: readonly DatabaseFileSchema[] = [],
    /** Opens an empty database of the same sql.js module (for scratch databases). */
    private readonly openDatabase?: () => Database,
  ) {
    for (const table of tables.values()) {
      for (const index of table.indexes) this.indexesByName.set(index.name.toLowerCase(), index);
    }
  }

  /**
   * The plan of one statement. SQLite prints aliases instead of table names (`SCAN t` for `traces t`);
   * `aliases` (alias → table, any case) lets the caller restore them. Without it, a table read through a
   * named index is still resolved through the index; a plain `SCAN alias` keeps the alias as `table`.
   */
  explain(sql: string, aliases?: ReadonlyMap<string, string>): PlanResult {
    const result = this.activeScratch ? this.explainInScratch(this.activeScratch, sql) : explainRows(this.db, sql);
    if ('error' in result) return { ok: false, error: result.error };
    const { roots, flat } = buildPlanTree(result.rows);
    const aliasToTable = new Map<string, string>();
    for (const [alias, table] of aliases ?? []) aliasToTable.set(alias.toLowerCase(), table);
    for (const node of flat) this.resolveTable(node, aliasToTable);
    return { ok: true, roots, flat };
  }

  private resolveTable(node: PlanNode, aliasToTable: Map<string, string>): void {
    const op = node.op;
    if (op.kind !== 'scan' && op.kind !== 'search' && op.kind !== 'bloom-filter') return;
    const printed = op.table;
    let table = aliasToTable.get(printed.toLowerCase());
    if ((op.kind === 'scan' || op.kind === 'search') && op.index && !op.index.automatic) {
      const index = this.lookupIndex(op.index.name);
      if (index) {
        op.index.partial = index.partial;
        table ??= index.table;
      }
    }
    if (table === undefined || table.toLowerCase() === printed.toLowerCase()) return;
    op.table = table;
    if (op.kind !== 'bloom-filter') op.alias ??= printed;
  }

  /** Indexes of the built schema, or (for what-if candidates) whatever the database holds right now. */
  private lookupIndex(name: string): Pick<IndexInfo, 'table' | 'partial'> | undefined {
    const known = this.indexesByName.get(name.toLowerCase()) ?? this.hypothetical.get(name.toLowerCase());
    if (known) return known;
    const [row] = this.queries.all(
      "SELECT s.tbl_name, l.partial FROM sqlite_schema s, pragma_index_list(s.tbl_name) l WHERE s.type = 'index' AND s.name = ?1 AND l.name = s.name",
      [name],
    );
    return row ? { table: String(row[0]), partial: row[1] === 1 } : undefined;
  }

  /**
   * Per lowercased table or view name: everything about it that can change a plan (its DDL, its indexes' and
   * triggers' DDL, its statistics). A query plans the same against two schemas when every name it mentions
   * has the same signature in both.
   */
  planningSignatures(): Map<string, string> {
    const signatures = new Map<string, string>();
    const add = (owner: unknown, text: string) => {
      const key = String(owner).toLowerCase();
      signatures.set(key, `${signatures.get(key) ?? ''}\u0000${text}`);
    };
    for (const [type, name, owner, sql] of this.queries.all('SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name')) {
      add(owner, `${String(type)} ${String(name)} ${String(sql)}`);
    }
    for (const [owner, index, stat] of this.queries.all('SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY tbl, idx')) {
      add(owner, `stat ${String(index)} ${String(stat)}`);
    }
    return signatures;
  }

  /** SQLite's message when `sql` cannot be prepared (`no such column: x`), else undefined. Nothing runs. */
  prepareError(sql: string): string | undefined {
    if (stripLeadingComments(sql).length === 0) return undefined;
    try {
      this.db.prepare(sql).free();
      return undefined;
    } catch (error) {
      return errorText(error);
    }
  }

  /**
   * Runs `fn` while the candidate indexes exist, with statistics from the same heuristics as the real ones,
   * then restores the original schema and statistics (also when `fn` throws). Candidates SQLite rejects, and
   * anything that is not a CREATE INDEX, are skipped: the planner simply cannot use them. `fn` may run twice
   * (see Scratch), so it must only plan.
   */
  withHypotheticalIndexes<T>(ddl: string[], fn: () => T): T {
    // Only CREATE INDEX statements become candidates; their heads are read once for both places they may run.
    const candidates: Candidate[] = [];
    for (const statement of ddl) {
      const head = parseDdlHead(statement);
      if (head?.action === 'create' && head.objectType === 'index') candidates.push({ statement, head });
    }
    // A nested what-if adds its candidates where the enclosing one made its own.
    const scratch = this.activeScratch ?? (this.fullWhatIfDepth > 0 ? undefined : this.scratchFor(candidates));
    if (scratch) {
      try {
        return this.whatIf({ db: scratch.db, queries: scratch.queries, scratch }, candidates, fn);
      } catch (error) {
        // Nested: the enclosing what-if starts over in the full schema.
        if (!(error instanceof ScratchMiss) || this.activeScratch) throw error;
        this.discardScratch(scratch);
      }
    }
    this.fullWhatIfDepth++;
    try {
      return this.whatIf({ db: this.db, queries: this.queries }, candidates, fn);
    } finally {
      this.fullWhatIfDepth--;
    }
  }

  private whatIf<T>(target: PlanningTarget, candidates: Candidate[], fn: () => T): T {
    const outerScratch = this.activeScratch;
    target.db.run('SAVEPOINT planlens_what_if');
    const created: string[] = [];
    try {
      for (const { statement, head } of candidates) {
        if (this.indexesByName.has(head.name.toLowerCase())) continue;
        // A scratch database holds no index the full schema lacks: the check above is the whole answer there.
        if (!target.scratch && indexExists(target.queries, head.name)) continue;
        // A nested what-if may name a table the scratch database does not hold yet.
        const scratch = target.scratch;
        if (scratch && head.table !== undefined && !scratch.tables.has(head.table.toLowerCase()) && !this.copyIntoScratch(scratch, head.table)) {
          throw new ScratchMiss();
        }
        try {
          runFirstStatement(target.db, statement); // never whatever follows a `;` in a candidate
        } catch {
          continue;
        }
        created.push(head.name);
        const index = this.writeHypotheticalStat(target, head, statement);
        if (index) this.hypothetical.set(head.name.toLowerCase(), index);
      }
      if (created.length > 0) target.db.run('ANALYZE sqlite_schema');
      this.activeScratch = target.scratch;
      return fn();
    } finally {
      this.activeScratch = outerScratch;
      const cleaned = this.removeHypotheticalIndexes(target, created);
      // A scratch database that could not be cleaned is thrown away (the next what-if makes a new one).
      if (!cleaned && target.scratch) this.discardScratch(target.scratch);
    }
  }

  private writeHypotheticalStat(target: PlanningTarget, head: DdlHead, ddl: string): IndexInfo | undefined {
    const table = head.table === undefined ? undefined : this.tables.get(head.table.toLowerCase());
    if (!table) return undefined;
    // The advisor tries the same candidate on many queries: what SQLite made of its DDL is read once.
    let known = this.hypotheticalStats.get(ddl);
    if (!known) {
      const [index] = readIndexes(target.queries, table.name, new Map(), undefined, (name) => indexSql(target.queries, name), head.name);
      if (!index) return undefined;
      // A table measured by a database file is judged at its measured size, like its real indexes.
      const rowCount = this.measuredRowCounts.get(table.name.toLowerCase()) ?? this.rowCount;
      known = { index, stat: statRowForIndex(table, index, rowCount) };
      if (this.hypotheticalStats.size >= HYPOTHETICAL_STATS_LIMIT) this.hypotheticalStats.clear();
      this.hypotheticalStats.set(ddl, known);
    }
    // Already inside the what-if savepoint: one plain INSERT (insertStatRows would open a savepoint of its own).
    target.db.run('INSERT INTO sqlite_stat1(tbl, idx, stat) VALUES (?1, ?2, ?3)', [table.name, known.index.name, known.stat]);
    return known.index;
  }

  /**
   * Drops the candidates (DROP INDEX also deletes their sqlite_stat1 rows), then releases the savepoint. The
   * statistics SQLite holds in memory for the other indexes are untouched by a DROP, so they need no reload
   * (a reload costs as much as the rest of a what-if on a 200-table schema). Rolling back instead would give
   * the same result, but makes SQLite re-read the whole schema: about 5x slower on a 1,000-table schema.
   * The rollback remains the fallback if the explicit clean-up fails. Returns whether the drops worked.
   */
  private removeHypotheticalIndexes(target: PlanningTarget, created: string[]): boolean {
    for (const name of created) this.hypothetical.delete(name.toLowerCase());
    try {
      for (const name of created) target.db.run(`DROP INDEX ${quoteIdentifier(name)}`);
      target.db.run('RELEASE planlens_what_if');
      return true;
    } catch {
      target.db.run('ROLLBACK TO planlens_what_if');
      target.db.run('RELEASE planlens_what_if');
      if (created.length > 0) target.db.run('ANALYZE sqlite_schema');
      return false;
    }
  }

  // ---- scratch databases -------------------------------------------------------------------------------------

  /**
   * The scratch database for what-if indexes on these candidates' tables, made on first use. Undefined when the
   * candidates name no known table (the full schema then decides what happens to them).
   */
  private scratchFor(candidates: Candidate[]): Scratch | undefined {
    if (!this.openDatabase) return undefined;
    const tables = new Set<string>();
    for (const { head } of candidates) {
      const table = head.table === undefined ? undefined : this.tables.get(head.table.toLowerCase());
      if (!table) return undefined;
      tables.add(table.name.toLowerCase());
    }
    if (tables.size === 0) return undefined;
    const key = [...tables].sort().join('\u0000');
    let scratch = this.scratches.get(key);
    if (scratch) {
      this.scratches.delete(key); // most recently used last
      this.scratches.set(key, scratch);
      return scratch;
    }
    const db = this.openDatabase();
    db.exec(FAST_PRIVATE_DATABASE);
    scratch = { key, db, queries: new CachedQueries(db), tables: new Set() };
    try {
      for (const table of tables) if (!this.copyIntoScratch(scratch, table)) throw new ScratchMiss();
    } catch {
      scratch.queries.free();
      db.close();
      return undefined;
    }
    this.scratches.set(key, scratch);
    for (const old of this.scratches.values()) {
      if (this.scratches.size <= SCRATCH_LIMIT) break;
      this.discardScratch(old);
    }
    return scratch;
  }

  /** Copies a table (with its indexes and statistics) or a view of the full schema into a scratch database. */
  private copyIntoScratch(scratch: Scratch, name: string): boolean {
    const [object] = this.queries.all(
      "SELECT type, name, sql FROM sqlite_schema WHERE type IN ('table', 'view') AND sql IS NOT NULL AND lower(name) = lower(?1)",
      [name],
    );
    if (!object) return false;
    const [type, objectName, sql] = object;
    try {
      runFirstStatement(scratch.db, String(sql));
    } catch {
      return false;
    }
    scratch.tables.add(String(objectName).toLowerCase());
    if (type !== 'table') return true;
    for (const [indexSql] of this.queries.all("SELECT sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL ORDER BY rowid", [objectName])) {
      try {
        runFirstStatement(scratch.db, String(indexSql));
      } catch {
        throw new ScratchMiss(); // the table is there without all its indexes: this copy is unusable
      }
    }
    const stats = this.queries.all("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = ?1", [objectName]);
    if (stats.length > 0) {
      scratch.db.run('ANALYZE sqlite_schema'); // creates sqlite_stat1 when missing
      for (const [index, stat] of stats) scratch.db.run('INSERT INTO sqlite_stat1(tbl, idx, stat) VALUES (?1, ?2, ?3)', [objectName, index, stat]);
      scratch.db.run('ANALYZE sqlite_schema');
    }
    return true;
  }

  /** Plans in the active scratch database, copying in the tables and views the statement names as they turn up. */
  private explainInScratch(scratch: Scratch, sql: string): ReturnType<typeof explainRows> {
    for (let copied = 0; copied <= SCRATCH_COPIES_PER_STATEMENT; copied++) {
      const result = explainRows(scratch.db, sql);
      if (!('error' in result)) return result;
      const missing = NO_SUCH_TABLE.exec(result.error)?.[1];
      if (missing === undefined || !this.copyIntoScratch(scratch, missing)) break;
    }
    // Either the statement's own error (the full schema gives the same one) or something the copy lacks.
    const full = explainRows(this.db, sql);
    if ('error' in full) return full;
    throw new ScratchMiss();
  }

  private discardScratch(scratch: Scratch): void {
    if (this.scratches.get(scratch.key) === scratch) this.scratches.delete(scratch.key);
    if (scratch.closed) return;
    scratch.closed = true;
    scratch.queries.free();
    scratch.db.close();
  }

  close(): void {
    for (const scratch of [...this.scratches.values()]) this.discardScratch(scratch);
    this.queries.free();
    this.db.close();
  }
}

/**
 * sql.js keeps a database in a file of its in-memory file system, with the default locking and rollback journal:
 * every schema change then pays for lock and journal file calls. No other connection can see these files, so one
 * exclusive lock and a journal in memory (savepoints still roll back) make schema changes several times cheaper.
 */
const FAST_PRIVATE_DATABASE = 'PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF';

/**
 * What-if indexes are made in a scratch database holding only the tables the query reads: creating, analysing and
 * dropping an index scans the schema table, so on a 200-table schema it costs as much as planning 50 queries, and
 * on a handful of tables a tenth of that. Each scratch database is made for the candidates' tables and gets the
 * other tables a query reads (and views) copied in on first use, with their indexes and statistics: the planner
 * sees exactly what it sees in the full schema for those tables.
 */
interface Scratch {
  key: string;
  db: Database;
  queries: CachedQueries;
  /** Lowercased names of the tables and views copied in. */
  tables: Set<string>;
  closed?: boolean;
}

/** A CREATE INDEX handed to withHypotheticalIndexes, with its parsed head. */
interface Candidate {
  statement: string;
  head: DdlHead;
}

/** The database a what-if runs in: the full schema, or a scratch one. */
interface PlanningTarget {
  db: Database;
  queries: CachedQueries;
  scratch?: Scratch;
}

const HYPOTHETICAL_STATS_LIMIT = 10_000;

/** Raised when a scratch database cannot plan what the full schema can: the what-if runs again in the full schema. */
class ScratchMiss extends Error {}

/** Scratch databases kept, least recently used dropped first (each a few pages of WASM memory). */
const SCRATCH_LIMIT = 32;
/** Tables and views copied into a scratch database for one statement before giving up on it. */
const SCRATCH_COPIES_PER_STATEMENT = 16;
const NO_SUCH_TABLE = /^no such table: (?:main\.)?(.+)$/;

function indexExists(queries: CachedQueries, name: string): boolean {
  return queries.all('SELECT 1 FROM pragma_index_info(?1) LIMIT 1', [name]).length > 0;
}

// ---------------------------------------------------------------------------------------------
// applying units

interface TableOrigin {
  definedAt: SourceLocation;
  home: SchemaHome;
}

class SchemaApplier {
  readonly notes: Note[] = [];
  /** Lowercased table name → the CREATE TABLE that made it (follows renames). */
  readonly tableOrigins = new Map<string, TableOrigin>();
  /** Lowercased index name → the CREATE INDEX that made it. */
  readonly indexOrigins = new Map<string, SourceLocation>();
  // Pragma lookups go through SQLite's in-memory hash tables; scanning sqlite_schema per statement
  // made large schemas quadratic.
  private readonly tableExists;
  private readonly indexExists;

  constructor(private readonly db: Database) {
    this.tableExists = db.prepare('SELECT 1 FROM pragma_table_info(?1) LIMIT 1');
    this.indexExists = db.prepare('SELECT 1 FROM pragma_index_info(?1) LIMIT 1');
  }

  applyUnit(unit: SchemaUnit): void {
    this.db.run('SAVEPOINT planlens_unit');
    try {
      for (const extracted of unit.statements) {
        const home = typeof unit.home === 'function' ? unit.home(extracted) : unit.home;
        for (const span of splitSqlStatements(extracted.sql)) {
          if (isTransactionControl(span.text) || !isDdl(span.text)) continue;
          // Locations point at the statement itself, not at the comments above it.
          const text = stripLeadingComments(span.text);
          const statementRange = { start: span.range.end - text.length, end: span.range.end };
          const location: SourceLocation = { file: extracted.file, range: fileRange(extracted, statementRange) };
          this.applyStatement(text, location, home, unit.label);
        }
      }
    } finally {
      releaseSavepoint(this.db, 'planlens_unit');
    }
  }

  private applyStatement(sql: string, location: SourceLocation, home: SchemaHome, label: string): void {
    const head = parseDdlHead(sql);
    const tracked = head?.objectType === 'table' || head?.objectType === 'index';
    const existedBefore = head !== undefined && head.action === 'create' && tracked && this.exists(head);
    try {
      this.db.run(sql);
    } catch (error) {
      const message = errorText(error);
      // Schema code often re-runs CREATE INDEX for an index it already made; that is not worth a note.
      if (head?.objectType === 'index' && head.action === 'create' && existedBefore) return;
      this.notes.push({ level: 'info', file: location.file, message: `${label}: skipped ${preview(sql)}: ${message}` });
      return;
    }
    if (!head || !tracked) return;
    const key = head.name.toLowerCase();
    if (head.action === 'create' && !existedBefore) {
      if (head.objectType === 'table') this.tableOrigins.set(key, { definedAt: location, home });
      else this.indexOrigins.set(key, location);
    } else if (head.action === 'drop') {
      if (head.objectType === 'table') this.tableOrigins.delete(key);
      else this.indexOrigins.delete(key);
    } else if (head.action === 'rename' && head.newName !== undefined) {
      const origin = this.tableOrigins.get(key);
      this.tableOrigins.delete(key);
      if (origin) this.tableOrigins.set(head.newName.toLowerCase(), origin);
    }
  }

  private exists(head: DdlHead): boolean {
    const statement = head.objectType === 'table' ? this.tableExists : this.indexExists;
    try {
      statement.bind([head.name]);
      return statement.step();
    } catch {
      return false; // e.g. a view whose tables are gone: not a table or index we track
    } finally {
      statement.reset();
    }
  }

  dispose(): void {
    this.tableExists.free();
    this.indexExists.free();
  }
}

/** Ends a savepoint; a statement that already ended the transaction leaves nothing to release. */
function releaseSavepoint(db: Database, name: string): void {
  try {
    db.run(`RELEASE ${name}`);
  } catch {
    // no transaction open any more: nothing to do
  }
}

/** Maps a statement's range inside `extracted.sql` to file offsets. */
function fileRange(extracted: ExtractedSql, range: OffsetRange): OffsetRange {
  if (!extracted.sqlToFile) return { start: extracted.range.start + range.start, end: extracted.range.start + range.end };
  const start = extracted.sqlToFile(range.start);
  // Map the last character rather than the end offset, which may sit on a closing quote or escape.
  const end = range.end > range.start ? extracted.sqlToFile(range.end - 1) + 1 : start;
  return { start, end: Math.max(start, end) };
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function preview(sql: string): string {
  const oneLine = sql.replace(/\s+/g, ' ');
  return `\`${oneLine.length > 60 ? `${oneLine.slice(0, 57)}...` : oneLine}\``;
}

// ---------------------------------------------------------------------------------------------
// database files

/**
 * Adds what the database files define and the code does not: their tables (with their indexes) and views, the
 * first file first. The code-defined schema wins for every table it defines, because fixes land there; a
 * file's own indexes on such a table are schema drift, not applied. Triggers never change a plan and are left
 * out. Returns lowercased table name → the file that created it.
 */
function applyDatabaseFiles(db: Database, databases: DatabaseFileSchema[], notes: Note[]): Map<string, string> {
  const createdBy = new Map<string, string>();
  if (databases.length === 0) return createdBy;
  // Tables, indexes and views share one namespace.
  const existing = new Set(db.exec('SELECT lower(name) FROM sqlite_schema')[0]?.values.map(([name]) => String(name)) ?? []);
  for (const database of databases) {
    for (const object of database.objects) {
      const key = object.name.toLowerCase();
      if (existing.has(key)) continue;
      if (object.type === 'index' && createdBy.get(object.table.toLowerCase()) !== database.file) continue;
      try {
        runFirstStatement(db, object.sql);
      } catch (error) {
        notes.push({ level: 'info', file: database.file, message: `skipped ${preview(object.sql)}: ${errorText(error)}` });
        continue;
      }
      existing.add(key);
      if (object.type === 'table') createdBy.set(key, database.file);
    }
  }
  return createdBy;
}

/** For each table of the schema, the first database file (in order) whose sqlite_stat1 measured it. */
function pickMeasuredStats(
  databases: DatabaseFileSchema[],
  tables: Map<string, TableInfo>,
): Map<string, { file: string; stats: MeasuredTableStats }> {
  const picked = new Map<string, { file: string; stats: MeasuredTableStats }>();
  for (const database of databases) {
    for (const [key, stats] of measuredStatsByTable(database.stats)) {
      if (tables.has(key) && !picked.has(key)) picked.set(key, { file: database.file, stats });
    }
  }
  return picked;
}

/** One info note per file: which source the schema and the statistics came from. */
function databaseSourceNotes(
  databases: DatabaseFileSchema[],
  tables: Map<string, TableInfo>,
  measured: Map<string, { file: string; stats: MeasuredTableStats }>,
): Note[] {
  const codeDefinesTables = [...tables.values()].some((table) => table.fromDatabaseFile === undefined);
  return databases.map((database) => {
    const added = [...tables.values()].filter((table) => table.fromDatabaseFile === database.file).map((table) => table.name);
    const shared = database.tables
      .map((model) => tables.get(model.name.toLowerCase()))
      .filter((table): table is TableInfo => table !== undefined && table.fromDatabaseFile === undefined)
      .map((table) => table.name);
    const measuredHere = [...measured].filter(([, pick]) => pick.file === database.file).map(([key]) => tables.get(key)!.name);
    const schema = codeDefinesTables
      ? `the code-defined schema wins for ${countOf(shared, 'table')} also in this file${nameList(shared)}` +
        (added.length > 0 ? `; this file adds ${countOf(added, 'table')} only it defines${nameList(added)}` : '')
      : `no schema is defined in code: ${countOf(added, 'table')} come${added.length === 1 ? 's' : ''} from this file`;
    const statistics =
      database.stats.length === 0
        ? 'statistics stay synthetic: the file has no sqlite_stat1 (run ANALYZE on it to record them)'
        : `its sqlite_stat1 replaces the synthetic statistics for ${countOf(measuredHere, 'table')}${nameList(measuredHere)}`;
    return { level: 'info', file: database.file, message: `${schema}; ${statistics}` };
  });
}

function countOf(names: string[], noun: string): string {
  return `${names.length} ${noun}${names.length === 1 ? '' : 's'}`;
}

/** ` (a, b, c)`, or the first five and how many more. */
function nameList(names: string[]): string {
  if (names.length === 0) return '';
  const shown = names.slice(0, 5).join(', ');
  return ` (${names.length > 5 ? `${shown} and ${names.length - 5} more` : shown})`;
}

// ---------------------------------------------------------------------------------------------
// reading DDL heads

interface Token {
  text: string;
  /** Unquoted identifier value, or the word itself. */
  value: string;
  quoted: boolean;
  start: number;
  end: number;
}

/** Tokens of a SQL text: words, quoted names/strings, and single punctuation characters. Comments skipped. */
function* tokens(sql: string): Generator<Token> {
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i];
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const newline = sql.indexOf('\n', i);
      i = newline === -1 ? sql.length : newline + 1;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close === -1 ? sql.length : close + 2;
    } else if (ch === '"' || ch === '`' || ch === "'" || ch === '[') {
      const close = ch === '[' ? ']' : ch;
      let j = i + 1;
      let value = '';
      while (j < sql.length) {
        if (sql[j] === close) {
          if (close !== ']' && sql[j + 1] === close) {
            value += close;
            j += 2;
            continue;
          }
          break;
        }
        value += sql[j++];
      }
      const end = Math.min(j + 1, sql.length);
      yield { text: sql.slice(i, end), value, quoted: true, start: i, end };
      i = end;
    } else if (/[A-Za-z0-9_$\u0080-\uffff]/.test(ch)) {
      let j = i + 1;
      while (j < sql.length && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[j])) j++;
      yield { text: sql.slice(i, j), value: sql.slice(i, j), quoted: false, start: i, end: j };
      i = j;
    } else {
      yield { text: ch, value: ch, quoted: false, start: i, end: i + 1 };
      i++;
    }
  }
}

interface DdlHead {
  action: 'create' | 'drop' | 'rename' | 'alter';
  objectType: 'table' | 'index' | 'other';
  /** Object name, unquoted, without schema. */
  name: string;
  /** ALTER TABLE … RENAME TO newName. */
  newName?: string;
  /** The table of a CREATE INDEX. */
  table?: string;
}

/** Reads `CREATE [TEMP] [UNIQUE|VIRTUAL] TABLE|INDEX [IF NOT EXISTS] [schema.]name`, DROP and ALTER TABLE heads. */
function parseDdlHead(sql: string): DdlHead | undefined {
  const head: Token[] = [];
  for (const token of tokens(sql)) {
    head.push(token);
    if (head.length >= 16) break;
  }
  let i = 0;
  const word = (offset = 0) => (head[i + offset] && !head[i + offset].quoted ? head[i + offset].value.toUpperCase() : '');
  const readName = (): string | undefined => {
    const first = head[i];
    if (!first || (!first.quoted && !/^[A-Za-z_\u0080-\uffff]/.test(first.value))) return undefined;
    i++;
    if (head[i]?.text === '.' && head[i + 1]) {
      i += 2;
      return head[i - 1].value;
    }
    return first.value;
  };
  const action = word();
  i++;
  if (action === 'CREATE' || action === 'DROP') {
    while (['TEMP', 'TEMPORARY', 'UNIQUE', 'VIRTUAL'].includes(word())) i++;
    const kind = word();
    i++;
    if (word() === 'IF') i += word(1) === 'NOT' ? 3 : 2;
    const name = readName();
    if (name === undefined) return undefined;
    const objectType = kind === 'TABLE' ? 'table' : kind === 'INDEX' ? 'index' : 'other';
    const parsed: DdlHead = { action: action === 'CREATE' ? 'create' : 'drop', objectType, name };
    if (objectType === 'index' && word() === 'ON') {
      i++;
      parsed.table = readName();
    }
    return parsed;
  }
  if (action === 'ALTER' && word() === 'TABLE') {
    i++;
    const name = readName();
    if (name === undefined) return undefined;
    if (word() === 'RENAME' && word(1) === 'TO') {
      i += 2;
      const newName = readName();
      if (newName !== undefined) return { action: 'rename', objectType: 'table', name, newName };
    }
    return { action: 'alter', objectType: 'table', name };
  }
  return undefined;
}

/**
 * The key terms of a CREATE INDEX as written, e.g. `lower(email)` for an expression column, with
 * COLLATE and ASC/DESC removed. Used to name expression columns, which PRAGMA index_xinfo leaves null.
 */
function indexTermTexts(createIndexSql: string): string[] {
  const all = [...tokens(createIndexSql)];
  const onAt = all.findIndex((token) => !token.quoted && token.value.toUpperCase() === 'ON');
  const open = all.findIndex((token, i) => i > onAt && token.text === '(');
  if (onAt === -1 || open === -1) return [];
  const terms: string[] = [];
  let depth = 0;
  let termStart = all[open].end;
  for (let i = open + 1; i < all.length; i++) {
    const token = all[i];
    if (token.text === '(') depth++;
    else if (token.text === ')' && depth > 0) depth--;
    else if ((token.text === ',' || token.text === ')') && depth === 0) {
      terms.push(stripOrdering(createIndexSql.slice(termStart, token.start)));
      if (token.text === ')') break;
      termStart = token.end;
    }
  }
  return terms;
}

function stripOrdering(term: string): string {
  return term
    .trim()
    .replace(/\s+(ASC|DESC)$/i, '')
    .replace(/\s+COLLATE\s+("[^"]*"|\S+)$/i, '')
    .trim();
}

// ---------------------------------------------------------------------------------------------
// reading the model back

/** Read queries, each SQL text prepared once: reading a schema runs the same few queries per table and index. */
class CachedQueries {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  all(sql: string, params: SqlValue[] = []): SqlValue[][] {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    try {
      statement.bind(params);
      const rows: SqlValue[][] = [];
      while (statement.step()) rows.push(statement.get());
      return rows;
    } finally {
      statement.reset();
    }
  }

  free(): void {
    for (const statement of this.statements.values()) statement.free();
    this.statements.clear();
  }
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function runFirstStatement(db: Database, sql: string): void {
  const statement = db.prepare(sql);
  try {
    statement.step();
  } finally {
    statement.free();
  }
}

function indexSql(queries: CachedQueries, name: string): string | undefined {
  const [row] = queries.all("SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?1", [name]);
  return row?.[0] == null ? undefined : String(row[0]);
}

/** Ordinary tables of the main schema; virtual tables, their shadow tables and sqlite_* are left out. */
function readTables(
  queries: CachedQueries,
  tableOrigins: Map<string, TableOrigin>,
  indexOrigins: Map<string, SourceLocation>,
): Map<string, TableInfo> {
  const tables = new Map<string, TableInfo>();
  const indexSqlByName = new Map<string, string>();
  for (const [name, sql] of queries.all("SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL")) {
    indexSqlByName.set(String(name), String(sql));
  }
  const rows = queries.all(
    "SELECT l.name, l.wr, s.sql FROM pragma_table_list l JOIN sqlite_schema s ON s.name = l.name AND s.type = 'table' " +
      "WHERE l.schema = 'main' AND l.type = 'table' AND l.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY s.rowid",
  );
  for (const [name, withoutRowid, sql] of rows) {
    const tableName = String(name);
    const origin = tableOrigins.get(tableName.toLowerCase());
    const table: TableInfo = {
      name: tableName,
      columns: readColumns(queries, tableName, String(sql ?? '')),
      indexes: [],
      withoutRowid: withoutRowid === 1,
    };
    if (origin) {
      table.definedAt = origin.definedAt;
      table.home = origin.home;
    }
    // Constraint indexes (PRIMARY KEY, UNIQUE) are defined by the table's CREATE TABLE.
    table.indexes = readIndexes(queries, tableName, indexOrigins, origin?.definedAt, (name) => indexSqlByName.get(name));
    tables.set(tableName.toLowerCase(), table);
  }
  return tables;
}

function readColumns(queries: CachedQueries, table: string, createSql: string): ColumnInfo[] {
  const flagColumns = checkedFlagColumns(createSql);
  const references = new Map<string, string>();
  for (const [from, target] of queries.all('SELECT "from", "table" FROM pragma_foreign_key_list(?1)', [table])) {
    references.set(String(from).toLowerCase(), String(target));
  }
  const columns: ColumnInfo[] = [];
  // hidden: 1 = virtual-table hidden column (not a real column); 2/3 = generated columns, which are.
  for (const [name, type, notNull, pk, hidden] of queries.all('SELECT name, type, "notnull", pk, hidden FROM pragma_table_xinfo(?1)', [table])) {
    if (hidden === 1) continue;
    const columnName = String(name);
    const column: ColumnInfo = {
      name: columnName,
      type: String(type ?? ''),
      notNull: notNull === 1,
      pk: Number(pk),
      flagLike: flagColumns.has(columnName.toLowerCase()) || /^BOOL(EAN)?$/i.test(String(type ?? '').trim()),
    };
    const target = references.get(columnName.toLowerCase());
    if (target !== undefined) column.references = target;
    columns.push(column);
  }
  return columns;
}

/** Columns constrained by `CHECK (col IN (0, 1))` (either order, any quoting) anywhere in the CREATE TABLE. */
function checkedFlagColumns(createSql: string): Set<string> {
  const found = new Set<string>();
  const pattern = /CHECK\s*\(\s*("(?:[^"]|"")+"|`[^`]+`|\[[^\]]+\]|[A-Za-z_][A-Za-z0-9_$]*)\s+IN\s*\(\s*([01])\s*,\s*([01])\s*\)\s*\)/gi;
  for (const match of createSql.matchAll(pattern)) {
    if (match[2] === match[3]) continue;
    found.add(unquote(match[1]).toLowerCase());
  }
  return found;
}

function unquote(identifier: string): string {
  const first = identifier[0];
  if (first === '"') return identifier.slice(1, -1).replace(/""/g, '"');
  if (first === '`' || first === '[') return identifier.slice(1, -1);
  return identifier;
}

function readIndexes(
  queries: CachedQueries,
  table: string,
  indexOrigins: Map<string, SourceLocation>,
  tableDefinedAt: SourceLocation | undefined,
  createSqlOf: (indexName: string) => string | undefined,
  /** Read only this index of the table. */
  onlyIndex?: string,
): IndexInfo[] {
  const indexes: IndexInfo[] = [];
  // Oldest first: pragma_index_list numbers the newest index 0.
  const rows = queries.all('SELECT name, "unique", origin, partial FROM pragma_index_list(?1) ORDER BY seq DESC', [table]);
  for (const [name, unique, origin, partial] of rows) {
    const indexName = String(name);
    if (onlyIndex !== undefined && !sameName(indexName, onlyIndex)) continue;
    const columns: IndexColumn[] = [];
    const keyColumns = queries.all('SELECT seqno, cid, name, "desc" FROM pragma_index_xinfo(?1) WHERE key = 1 ORDER BY seqno', [indexName]);
    let expressionTexts: string[] | undefined;
    for (const [seqno, cid, columnName, desc] of keyColumns) {
      const column: IndexColumn = { name: columnName === null ? null : String(columnName), desc: desc === 1 };
      if (cid === -2) {
        // Expression columns have no name; take their text from the CREATE INDEX statement.
        expressionTexts ??= indexTermTexts(createSqlOf(indexName) ?? '');
        const expression = expressionTexts[Number(seqno)];
        if (expression) column.expr = expression;
      }
      columns.push(column);
    }
    const index: IndexInfo = {
      name: indexName,
      table,
      columns,
      unique: unique === 1,
      origin: origin === 'u' || origin === 'pk' ? origin : 'c',
      partial: partial === 1,
    };
    const definedAt = index.origin === 'c' ? indexOrigins.get(indexName.toLowerCase()) : tableDefinedAt;
    if (definedAt) index.definedAt = definedAt;
    indexes.push(index);
  }
  return indexes;
}
