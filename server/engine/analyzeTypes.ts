import type { Finding, IndexSuggestion, Severity, SourceLocation } from './types';

/** Validated planlens.json merged with defaults (see config.ts). */
export interface PlanLensConfig {
  /** Globs (relative to the root) of files to analyse. */
  include: string[];
  /** Globs excluded from analysis; node_modules, .git and build output are always excluded. */
  exclude: string[];
  /** Extra schema paths (files or folders), relative to the root, applied before code-defined DDL. */
  schema: string[];
  /** Per-rule severity override, or 'off'. */
  rules: Record<string, Severity | 'off'>;
  /** Tables known to stay small: never flagged for scans or sorts. */
  smallTables: string[];
  /** Row count assumed for every table in synthetic statistics. */
  defaultRowCount: number;
  /** Use COUNT(*) FILTER (WHERE …) in count-aggregation rewrites (SQLite ≥ 3.30). */
  countFilterSyntax: boolean;
  /** SQLite database files (relative to the root) whose schema and sqlite_stat1 statistics are used. Opt-in. */
  databases: string[];
  /** Also use every `*.db`, `*.sqlite`, `*.sqlite3` file in the workspace that has the SQLite header. Opt-in. */
  useDatabaseFiles: boolean;
  /** Database files larger than this are skipped with a note. */
  maxDatabaseBytes: number;
}

/** How many threads read and parse files: a number, or 'auto' (one per core, at most 4, when there is enough to parse). */
export type Jobs = number | 'auto';

export interface AnalyzeOptions {
  /** Absolute workspace root (where planlens.json lives). */
  root: string;
  /** Paths (absolute or relative to root) to report on; empty means the whole root. Schema always comes from the whole root. */
  paths: string[];
  config: PlanLensConfig;
  /** Called with progress while files are processed. */
  onProgress?: (done: number, total: number) => void;
  /** Threads that read and parse files (see workspace/parallelExtract.ts). */
  jobs?: Jobs;
}

/** What `planlens explain` prints for one query. */
export interface ExplainReport {
  /** The SQL as SQLite saw it. */
  sql: string;
  /** Where it came from, if a file/line was given. */
  location?: SourceLocation;
  /** Formatted plan tree lines. */
  planBefore: string[];
  /** Findings for this query. */
  findings: Finding[];
  /** Plan with the suggested index, when there is one. */
  planAfter?: string[];
  suggestion?: IndexSuggestion;
  /** SQLite's message when it could not be planned. */
  error?: string;
}
