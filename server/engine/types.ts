// Data that flows between the engine's stages: extract → schema → plan → rules → fixes.
// Every position inside the engine is a UTF-16 offset into the file's text (what JS strings index);
// conversion to line/column happens only at the edges (CLI output, LSP), through LineIndex.
import type { OrmFacts } from './orm/ormTypes';
import type { OrmFixAnchors } from './orm/fixAnchors';

/** Half-open [start, end) range of UTF-16 offsets into one file's text. */
export interface OffsetRange {
  start: number;
  end: number;
}

/** A place in the workspace. `file` is a workspace-relative POSIX path. */
export interface SourceLocation {
  file: string;
  range: OffsetRange;
}

export type HostLanguage = 'sql' | 'python' | 'typescript' | 'javascript' | 'rust' | 'prisma';

/** A file's text as the engine sees it: decoded, and with a workspace-relative path. */
export interface SourceFile {
  /** Workspace-relative POSIX path, used in every finding. */
  path: string;
  language: HostLanguage;
  text: string;
}

// ---------------------------------------------------------------------------------------------
// extract

/** How a Python/TS/Rust string literal is written, so fixes can edit inside it in the same style. */
export interface StringLiteralInfo {
  /** The whole literal, prefix and quotes included (for concatenations: the first piece's literal). */
  range: OffsetRange;
  /** Only the characters between the quotes of the last piece (where appended text goes). */
  contentRange: OffsetRange;
  /** Opening quote as written: `"""`, `'''`, `"`, `'`, `` ` ``, `r#"` … */
  quote: string;
  /** String prefix such as `f`, `r`, `b`, `rb` (lowercased); empty when none. */
  prefix: string;
}

/**
 * A sequence or mapping literal that holds versioned migration strings (seed 000:
 * `MIGRATIONS = [ (1, "CREATE …"), … ]` or `{1: "…", 2: "…"}`). A fix appends a new entry.
 */
export interface MigrationContainer {
  kind: 'list' | 'tuple' | 'dict';
  /** Range of the container literal, brackets included. */
  range: OffsetRange;
  /** Each entry in source order. `key` is the dict key or the first tuple element, as written. */
  entries: Array<{ range: OffsetRange; key?: string }>;
}

export interface ExtractedSql {
  file: string;
  language: HostLanguage;
  /**
   * The SQL as SQLite should see it. Host-language placeholders (`%s`, `%(name)s`, f-string holes, template holes)
   * are already rewritten to SQLite parameters of the same length where possible.
   */
  sql: string;
  /** Where diagnostics go: the string literal (or the statement, in a .sql file). */
  range: OffsetRange;
  /**
   * Maps an offset inside `sql` to an offset in the file, for precise sub-ranges.
   * Absent when `sql` is a verbatim copy of file text starting at `range.start`.
   */
  sqlToFile?: (sqlOffset: number) => number;
  /** `schema` for DDL (CREATE/ALTER/DROP …), `query` for everything else. */
  role: 'query' | 'schema';
  /**
   * `executed`: the text certainly reaches SQLite (passed to an execute-like call directly or through a name the
   * extractor resolved, or a statement in a .sql file); `constant`: picked up by its shape only (DDL in a SCHEMA
   * constant or a migration list with no call in sight). `sql-error` only fires on executed SQL.
   */
  certainty: 'executed' | 'constant';
  /** Host-language literal details, for fixes that edit inside the string. Absent for .sql files. */
  literal?: StringLiteralInfo;
  /** Set when the literal is an entry of a versioned migration list/dict. */
  migrationContainer?: MigrationContainer;
  /** The execute-like call that runs this SQL, when known (used by workload rules). */
  call?: { method: string; range: OffsetRange };
  /** Name of the enclosing function/method, when any. */
  enclosingFunction?: string;
  /**
   * True when the SQL was assembled from dynamic parts (f-string or template holes, `+` of non-literals).
   * Such SQL is silently skipped when SQLite cannot prepare it, instead of reporting `sql-error`.
   */
  dynamic?: boolean;
  /**
   * The workspace `.sql` file the SQL was read from (sqlx `query_file!`), relative to the root. When that file is
   * analysed itself, its per-query findings are reported there, not a second time on the path literal.
   */
  queryFile?: string;
  /** DDL generated from an ORM model or migration: where index fixes for the tables it creates are written. */
  home?: SchemaHome;
}

/** A `planlens-ignore` / `planlens: ignore[...]` comment. `rules` empty means every rule. */
export interface Suppression {
  /** 0-based line the comment sits on; it applies to that line and the next one. */
  line: number;
  rules: string[];
}

/** Everything the extract stage learns from one file. */
export interface FileFacts {
  file: string;
  language: HostLanguage;
  statements: ExtractedSql[];
  suppressions: Suppression[];
  /** Set when the file was skipped as another SQL dialect; the text says why (for --verbose). */
  skippedDialect?: string;
  /** ORM models and query chains (orm/), resolved into statements once every file's models are known. */
  orm?: OrmFacts;
  /**
   * How the code runs its queries (functions, loops, calls, connections), for the workload rules. Absent when the
   * extractor did not look: a Python file without SQL is only parsed for it when it calls a function that queries.
   */
  workload?: WorkloadFacts;
}

// ---------------------------------------------------------------------------------------------
// workload: how the code runs its queries. Filled by the host-language extractors (Python today; TypeScript and
// Rust fill the same shapes), read by n-plus-one, write-in-loop, count-aggregation and pragma-config.

/** How a call names what it calls: `self.db.get_all_sessions()` → name `get_all_sessions`, receiver `self.db`. */
export interface CalleeRef {
  name: string;
  /**
   * Receiver or path as written (`self`, `self.db`, `conn`, `Self`, `ExecutionProcessLogs`); `…` when it is an
   * expression such as a call result; absent for a bare name.
   */
  receiver?: string;
  /** The whole call expression. */
  range: OffsetRange;
  /**
   * The call runs a statement prepared elsewhere (`stmt.run(x)` after `const stmt = db.prepare(sql)`, rusqlite
   * `stmt.execute(…)` after `conn.prepare(sql)`): the range of the prepare call, which is the statement's `call`.
   */
  prepared?: OffsetRange;
}

/** A function or method definition that code can call by name. */
export interface FunctionFact {
  /** Name as written at call sites: `get_all_sessions`. */
  name: string;
  /** Same spelling as ExtractedSql.enclosingFunction: `AssignerDatabase.get_all_sessions`, `outer.inner`. */
  qualifiedName: string;
  /** Class (Python, TypeScript) or impl type (Rust) a method belongs to; absent for free functions. */
  owner?: string;
  range: OffsetRange;
  nameRange: OffsetRange;
  /** Distinct callees of its body (nested definitions excluded), each with its first call: the call graph's edges. */
  callees: CalleeRef[];
}

/**
 * `for`/`async-for`/`while` statements, comprehensions; `callback` for JS `.forEach/.map` callbacks and Rust
 * iterator adaptors; `loop` for Rust's `loop {}`.
 */
export type LoopKind = 'for' | 'async-for' | 'while' | 'comprehension' | 'callback' | 'loop';

/** A loop: what runs once per iteration, and what it walks. */
export interface LoopFact {
  kind: LoopKind;
  range: OffsetRange;
  /** Short text naming it in messages: `for session in sessions`, `while True`. */
  header: string;
  headerRange: OffsetRange;
  /** Ranges evaluated on every iteration: the body, a while condition, a comprehension's element and filters. */
  body: OffsetRange[];
  /** Names bound per iteration: loop targets, callback parameters, and names the body assigns from them. */
  variables: string[];
  /** Waits between rounds (`while True:` with a sleep, wait or blocking get) instead of walking a collection. */
  polling: boolean;
  /** `qualifiedName` of the enclosing function; absent at module level. */
  function?: string;
  /**
   * The loop runs inside one explicit transaction (a better-sqlite3 `db.transaction(…)` callback, after sqlx
   * `pool.begin()` or rusqlite `conn.transaction()`): its writes share one commit.
   */
  transaction?: boolean;
}

/** A call made on every iteration of a loop (the innermost loop of its own function). */
export interface LoopCallFact extends CalleeRef {
  /** Index into WorkloadFacts.loops. */
  loop: number;
  /** Plain names the arguments read (`session.name` → `session`): does the loop variable flow in? */
  argumentNames: string[];
}

/**
 * `from app.db import get_user as load` → { local: 'load', module: 'app.db', name: 'get_user' };
 * `import app.db as db` → { local: 'db', module: 'app.db', name: '' } (the module itself).
 */
export interface ImportFact {
  local: string;
  /** Module as written; relative modules keep their dots (`.db`). */
  module: string;
  name: string;
}

/**
 * A query whose single value is read on the spot and stored under a name: `n = conn.execute(sql).fetchone()[0]`,
 * or `"key": conn.execute(sql).fetchone()[0]` inside a dict literal. count-aggregation rewrites these.
 */
export interface ScalarReadFact {
  /** The execute call (matches ExtractedSql.call.range). */
  callRange: OffsetRange;
  /** The whole expression that yields the value, replaced by the rewrite. */
  range: OffsetRange;
  /** What the query runs on, as written: `conn`, `self.connection`. */
  receiver: string;
  /** Text of the arguments after the SQL (`(owner_id,)`), when there are any. */
  argumentsText?: string;
  /** Where the value goes; `statementRange` is the whole statement holding it (assignment, return, …). */
  into: { kind: 'assignment'; name: string; statementRange: OffsetRange } | { kind: 'dict-entry'; key: string; statementRange: OffsetRange };
}

export type SqliteDriver = 'sqlite3' | 'aiosqlite' | 'sqlalchemy' | 'better-sqlite3' | 'node:sqlite' | 'sqlx' | 'rusqlite';

/** A connection setting: a PRAGMA statement, a builder option (sqlx) or a connect argument (Python `timeout`). */
export interface PragmaSetting {
  /** Lowercased pragma name: `journal_mode`, `synchronous`, `busy_timeout`. */
  name: string;
  /** Value as SQLite would take it, keywords upper-cased: `WAL`, `DELETE`, `FULL`, `0`, `5000` (milliseconds). */
  value: string;
  /** Where it is set: the PRAGMA string, the builder call, the keyword argument. */
  range: OffsetRange;
  /** Exactly the value's text in the file, when a fix can replace it in place. */
  valueRange?: OffsetRange;
  /** `pragma`: SQL text; `option`: a builder method; `argument`: a connect argument (Python `timeout` is in seconds). */
  source: 'pragma' | 'option' | 'argument';
}

/** Where a database connection (or pool, or engine) is opened, and how it is set up. */
export interface ConnectionFact {
  driver: SqliteDriver;
  /** The connect / create_engine / options call. */
  range: OffsetRange;
  /** What the connection is stored in, as written: `conn`, `self.connection`, `engine`. */
  target?: string;
  /** How the call is used, which decides where a fix adds a setting. */
  form: 'assignment' | 'with' | 'return' | 'other';
  /** The statement holding the call (the assignment, the `with` statement, the `return`). */
  statementRange: OffsetRange;
  /** For `with … as conn:`, the block the connection is used in. */
  bodyRange?: OffsetRange;
  /** The connect call is awaited (aiosqlite): settings must be awaited too. */
  awaited: boolean;
  /** `qualifiedName` of the enclosing function; absent at module level. */
  function?: string;
  /** Settings applied to this connection. */
  settings: PragmaSetting[];
  /** Each statement is its own transaction (Python isolation_level=None; sqlx, rusqlite, better-sqlite3 by default). */
  autocommit?: boolean;
  /** Busy timeout in milliseconds when nothing sets one (Python's sqlite3 waits 5 s by default). */
  defaultBusyTimeoutMs?: number;
  /** Signs of concurrent access seen at the call itself: `aiosqlite (async)`, `a connection pool`, `check_same_thread=False`. */
  concurrency: string[];
  /** `:memory:` databases: journal mode and timeouts do not matter. */
  inMemory: boolean;
  /**
   * A builder the settings are chained on (sqlx `SqliteConnectOptions::from_str(url)?.create_if_missing(true)`):
   * a fix appends one more option call at its end.
   */
  builderRange?: OffsetRange;
}

export interface WorkloadFacts {
  functions: FunctionFact[];
  loops: LoopFact[];
  loopCalls: LoopCallFact[];
  imports: ImportFact[];
  scalarReads: ScalarReadFact[];
  connections: ConnectionFact[];
  /** The file starts threads or processes (threading, concurrent.futures, multiprocessing, worker_threads, spawn). */
  usesThreads: boolean;
}

// ---------------------------------------------------------------------------------------------
// schema

export interface IndexColumn {
  /** Column name, or null for an expression column. */
  name: string | null;
  /** Expression text for expression indexes. */
  expr?: string;
  desc: boolean;
}

export interface IndexInfo {
  name: string;
  table: string;
  columns: IndexColumn[];
  unique: boolean;
  /** `c` CREATE INDEX, `u` UNIQUE constraint, `pk` PRIMARY KEY (from PRAGMA index_list). */
  origin: 'c' | 'u' | 'pk';
  partial: boolean;
  /** The CREATE INDEX statement (or the constraint's table) that defines it, when known. */
  definedAt?: SourceLocation;
}

export interface ColumnInfo {
  name: string;
  type: string;
  notNull: boolean;
  /** Position in a PRIMARY KEY, 0 when not part of it. */
  pk: number;
  /** Declared CHECK (col IN (0,1)) or similar: a two-valued column. */
  flagLike?: boolean;
  /** Table named by this column's FOREIGN KEY (REFERENCES) constraint, when it has one. */
  references?: string;
}

export interface TableInfo {
  name: string;
  columns: ColumnInfo[];
  indexes: IndexInfo[];
  withoutRowid: boolean;
  /** The CREATE TABLE statement that defines it. */
  definedAt?: SourceLocation;
  /** Where a new index for this table should be written. */
  home?: SchemaHome;
  /** The database file that defines the table when no code does; such a table has no `home`, so no fix. */
  fromDatabaseFile?: string;
}

/** Where a table's DDL lives, which decides where an index fix is written. */
export type SchemaHome =
  | { kind: 'migrations-folder'; dir: string; files: string[] }
  | { kind: 'schema-file'; file: string }
  | { kind: 'host-literal'; statement: ExtractedSql }
  | OrmModelHome;

/** A table defined by an ORM model (or only by Alembic or Knex migrations): fixes/ormFix.ts writes the index there. */
export interface OrmModelHome {
  kind: 'orm-model';
  orm: 'sqlalchemy' | 'django' | 'prisma' | 'alembic' | 'knex';
  file: string;
  /** Class name, `Table(...)` variable, Prisma model name, or (Alembic) the table name. */
  model: string;
  /** The class, model block or call that defines the table. */
  range: OffsetRange;
  anchors: OrmFixAnchors;
}

// ---------------------------------------------------------------------------------------------
// plan

export type PlanOp =
  | {
      kind: 'scan' | 'search';
      table: string;
      /** Alias as SQLite printed it (`SCAN t` for `FROM traces t` prints the alias only when it differs). */
      alias?: string;
      index?: {
        name: string;
        covering: boolean;
        automatic: boolean;
        partial: boolean;
      };
      /** `INTEGER PRIMARY KEY (rowid=?)` and friends. */
      rowid: boolean;
      /** Constraint terms from the parentheses, e.g. `parent_session_id=?`, `created_at>?`. */
      constraints: Array<{ column: string; op: string }>;
    }
  | { kind: 'temp-btree'; purpose: string }
  | { kind: 'subquery'; correlated: boolean; subqueryKind: string }
  | { kind: 'co-routine' | 'materialize'; name: string }
  | { kind: 'bloom-filter'; table: string; columns: string[] }
  | { kind: 'multi-index-or' }
  | { kind: 'constant-row' }
  | { kind: 'compound'; detail: string }
  | { kind: 'other' };

export interface PlanNode {
  id: number;
  parent: number;
  detail: string;
  op: PlanOp;
  children: PlanNode[];
}

export type PlanResult =
  | { ok: true; roots: PlanNode[]; flat: PlanNode[] }
  | { ok: false; error: string };

// ---------------------------------------------------------------------------------------------
// query shape (what the SQL asks of each table; from the SQL parser)

export interface OrderTerm {
  column: string;
  desc: boolean;
}

export interface TableAccess {
  /** Real table name as written in FROM (unquoted). */
  table: string;
  /** Alias if any, else the table name. */
  alias: string;
  /** Columns compared with `=`, `==`, `IS` to a value that does not depend on this table. */
  equality: string[];
  /** Columns in `col IN (...)`. */
  inList: string[];
  /** Columns with `<`, `<=`, `>`, `>=`, `BETWEEN`, or a prefix `LIKE`. */
  range: string[];
  /** Columns tested with `IS NULL`. */
  isNull: string[];
  /** Columns compared to another table's column (join terms). */
  join: string[];
  /** Columns wrapped in a function inside a comparison: `lower(email) = ?`. */
  expressions: Array<{ expr: string; column: string }>;
  /** This table's columns referenced inside OR disjunctions of the WHERE (for MULTI-INDEX OR). */
  orColumns: string[][];
  /** ORDER BY terms, only when all of them are plain columns of this table. */
  orderBy: OrderTerm[];
  /** GROUP BY columns, only when all belong to this table. */
  groupBy: string[];
  /** Columns of this table used in the result/elsewhere; '*' when all. */
  used: string[] | '*';
}

export interface QueryShape {
  kind: 'select' | 'insert' | 'update' | 'delete' | 'other';
  tables: TableAccess[];
  hasWhere: boolean;
  /** ORDER BY mentions columns of more than one table (seed 004: filter in one, sort in another). */
  orderBySpansTables: boolean;
  hasLimit: boolean;
  /** Only aggregate functions in the result list, no GROUP BY (e.g. SELECT COUNT(*)). */
  aggregateOnly: boolean;
}

// ---------------------------------------------------------------------------------------------
// findings and fixes

export type Severity = 'error' | 'warning' | 'info' | 'hint';

// Every rule id; config naming an id not listed here is rejected.
export const RULE_IDS = [
  'missing-index',
  'incomplete-index',
  'temp-sort',
  'redundant-index',
  'sql-error',
  'n-plus-one',
  'write-in-loop',
  'count-aggregation',
  'pragma-config',
  'schema-drift',
] as const;
export type RuleId = (typeof RULE_IDS)[number];

export type FileEdit =
  | { kind: 'replace'; file: string; range: OffsetRange; newText: string }
  | { kind: 'create'; file: string; text: string };

export interface Fix {
  /** Says exactly what it does: "Add index idx_x ON t(a, b) in migrations/0018_add_idx_x.sql". */
  title: string;
  edits: FileEdit[];
}

/** A proposed index, already checked by planning again. */
export interface IndexSuggestion {
  name: string;
  table: string;
  columns: IndexColumn[];
  /** `WHERE` clause of a partial index, without the keyword. */
  where?: string;
  /** Full DDL as it will be written: CREATE INDEX IF NOT EXISTS … */
  ddl: string;
  /** Existing index that the new one extends (and so makes redundant). */
  replaces?: string;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  file: string;
  range: OffsetRange;
  message: string;
  table?: string;
  related: Array<SourceLocation & { message: string }>;
  /** Plan lines before and, when a fix was verified, after. */
  planBefore?: string[];
  planAfter?: string[];
  suggestion?: IndexSuggestion;
  fixes: Fix[];
  /** `unnecessary` renders faded in editors (redundant indexes). */
  tags: Array<'unnecessary'>;
}

// ---------------------------------------------------------------------------------------------
// whole-run results (what the CLI and the language server render)

/** Something the user may want to know that is not a finding: skipped files, config problems, schema errors. */
export interface Note {
  level: 'info' | 'warning' | 'error';
  file?: string;
  message: string;
}

export interface AnalysisResult {
  /** Absolute path of the workspace root; every `file` below is relative to it. */
  root: string;
  findings: Finding[];
  notes: Note[];
  /** Files that were analysed (relative paths). */
  files: string[];
  /** Text of every file a finding or fix refers to, so edges can convert offsets to lines. */
  texts: Map<string, string>;
}
