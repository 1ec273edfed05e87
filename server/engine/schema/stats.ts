// Synthetic sqlite_stat1 rows. An empty database makes SQLite assume ~1M rows per table and ~10 rows per
// index key, so an index on a 0/1 `archived` column looks as selective as one on `parent_session_id`.
// These heuristics give each column a plausible "rows per distinct value" instead; real plans and what-if
// plans both use them, so a suggested index is judged with the same numbers as the existing ones.
import type { Database } from 'sql.js';
import type { ColumnInfo, IndexColumn, IndexInfo, TableInfo } from '../types';

export type ColumnRole = 'unique' | 'flag' | 'foreign-key' | 'low-cardinality' | 'timestamp' | 'other';

interface ColumnRule {
  role: ColumnRole;
  /** Average number of rows sharing one value of the column, for a table of `rowCount` rows. */
  rowsPerKey: (rowCount: number) => number;
  applies: (column: ColumnInfo, table: TableInfo) => boolean;
}

const FLAG_NAMES = new Set([
  'archived', 'deleted', 'enabled', 'disabled', 'active', 'inactive', 'important', 'hidden', 'pinned',
  'read', 'done', 'starred', 'visible', 'published', 'locked', 'verified', 'processed', 'completed',
]);
const FLAG_NAME_PATTERN = /^(is|has|can|should)_|_flag$/;
const BOOLEAN_TYPE = /^BOOL(EAN)?$/i;

const LOW_CARDINALITY_WORDS = [
  'status', 'type', 'kind', 'state', 'role', 'level', 'category', 'priority', 'severity', 'mode', 'stage',
  'phase', 'health',
];
const LOW_CARDINALITY_PATTERN = new RegExp(`(^|_)(${LOW_CARDINALITY_WORDS.join('|')})$`);

const FOREIGN_KEY_NAME_PATTERN = /_(id|uid|uuid|key)$/;

const TIMESTAMP_NAME_PATTERN = /(_at|_time|_date|_ts)$|^(created|updated|modified|timestamp|time|date|ts)$/;
const TIMESTAMP_TYPE = /DATE|TIME/i;

/** Rows per key when nothing is known about a column: SQLite's own default guess. */
const DEFAULT_ROWS_PER_KEY = 10;
/** Rows per key of a foreign key: "a few children per parent". */
const FOREIGN_KEY_ROWS_PER_KEY = 10;

/** First matching rule wins; the order is the precedence. */
const COLUMN_RULES: readonly ColumnRule[] = [
  { role: 'unique', rowsPerKey: () => 1, applies: (column, table) => isSingleColumnKey(column.name, table) },
  {
    role: 'flag',
    rowsPerKey: (rowCount) => rowCount / 2,
    applies: (column) =>
      column.flagLike === true ||
      BOOLEAN_TYPE.test(column.type.trim()) ||
      FLAG_NAMES.has(lower(column.name)) ||
      FLAG_NAME_PATTERN.test(lower(column.name)),
  },
  {
    role: 'foreign-key',
    rowsPerKey: () => FOREIGN_KEY_ROWS_PER_KEY,
    applies: (column) => column.references !== undefined || FOREIGN_KEY_NAME_PATTERN.test(lower(column.name)),
  },
  {
    role: 'low-cardinality',
    rowsPerKey: (rowCount) => rowCount / 10,
    applies: (column) => LOW_CARDINALITY_PATTERN.test(lower(column.name)),
  },
  {
    role: 'timestamp',
    rowsPerKey: () => 1,
    applies: (column) => TIMESTAMP_NAME_PATTERN.test(lower(column.name)) || TIMESTAMP_TYPE.test(column.type),
  },
  { role: 'other', rowsPerKey: () => DEFAULT_ROWS_PER_KEY, applies: () => true },
];

function lower(text: string): string {
  return text.toLowerCase();
}

/** The whole PRIMARY KEY, or the only column of a UNIQUE index: one row per value. */
function isSingleColumnKey(columnName: string, table: TableInfo): boolean {
  const name = lower(columnName);
  const primaryKey = table.columns.filter((column) => column.pk > 0);
  if (primaryKey.length === 1 && lower(primaryKey[0].name) === name) return true;
  return table.indexes.some(
    (index) => index.unique && !index.partial && index.columns.length === 1 && lower(index.columns[0].name ?? '') === name,
  );
}

/** The rule that decides a column's estimate (exported so messages and tests can say why). */
export function classifyColumn(table: TableInfo, columnName: string): ColumnRole {
  const column = findColumn(table, columnName);
  if (!column) return 'other';
  return COLUMN_RULES.find((rule) => rule.applies(column, table))!.role;
}

function findColumn(table: TableInfo, columnName: string): ColumnInfo | undefined {
  const name = lower(columnName);
  return table.columns.find((column) => lower(column.name) === name);
}

/** Table size used when the caller does not pass one (planlens.json's default `defaultRowCount`). */
export const DEFAULT_ROW_COUNT = 1_000_000;

/**
 * Average rows that share one value of `column` in a table of `rowCount` rows, between 1 and rowCount.
 * An expression column (`name` null) is judged by the first table column its expression mentions.
 */
export function estimateRowsPerKey(table: TableInfo, column: string | IndexColumn, rowCount = DEFAULT_ROW_COUNT): number {
  const columnName = typeof column === 'string' ? column : column.name ?? firstColumnInExpression(table, column.expr);
  const info = columnName === undefined ? undefined : findColumn(table, columnName);
  const rule = info ? COLUMN_RULES.find((candidate) => candidate.applies(info, table))! : COLUMN_RULES[COLUMN_RULES.length - 1];
  return Math.min(Math.max(rule.rowsPerKey(rowCount), 1), Math.max(rowCount, 1));
}

function firstColumnInExpression(table: TableInfo, expression: string | undefined): string | undefined {
  if (!expression) return undefined;
  for (const word of expression.match(/[A-Za-z_][A-Za-z0-9_$]*/g) ?? []) {
    if (findColumn(table, word)) return word;
  }
  return undefined;
}

/** The part of a table a partial index covers: unknown, so assume half. */
const PARTIAL_INDEX_FRACTION = 0.5;

/**
 * The sqlite_stat1 `stat` text for an index: "N a b c", where N is the rows in the index and each
 * following number is the average rows matching equality on the first 1, 2, 3 … key columns.
 * Column selectivities multiply (independence), the result is floored at 1 and never increases,
 * and the full key of a UNIQUE index matches exactly one row.
 */
export function statRowForIndex(
  table: TableInfo,
  index: Pick<IndexInfo, 'columns' | 'unique' | 'partial'>,
  rowCount: number,
): string {
  const indexRows = Math.max(1, Math.round(index.partial ? rowCount * PARTIAL_INDEX_FRACTION : rowCount));
  const perPrefix: number[] = [];
  let matching = indexRows;
  let previous = indexRows;
  for (const column of index.columns) {
    matching *= estimateRowsPerKey(table, column, rowCount) / Math.max(rowCount, 1);
    previous = Math.min(previous, Math.max(1, Math.round(matching)));
    perPrefix.push(previous);
  }
  if (index.unique && perPrefix.length > 0) perPrefix[perPrefix.length - 1] = 1;
  return [indexRows, ...perPrefix].join(' ');
}

export interface StatRow {
  tbl: string;
  idx: string | null;
  stat: string;
}

/** A table's sqlite_stat1 rows as a real database file recorded them, and the table size they give. */
export interface MeasuredTableStats {
  rowCount: number;
  rows: StatRow[];
}

/**
 * Groups a database file's sqlite_stat1 rows by lowercased table name. A table's size is its table-only row
 * when there is one, else its largest index; tables whose rows give no size are left out.
 */
export function measuredStatsByTable(rows: StatRow[]): Map<string, MeasuredTableStats> {
  const byTable = new Map<string, StatRow[]>();
  for (const row of rows) {
    const key = row.tbl.toLowerCase();
    byTable.set(key, [...(byTable.get(key) ?? []), row]);
  }
  const measured = new Map<string, MeasuredTableStats>();
  for (const [table, tableRows] of byTable) {
    const tableOnly = tableRows.filter((row) => row.idx === null);
    const sizes = (tableOnly.length > 0 ? tableOnly : tableRows)
      .map((row) => Number.parseInt(row.stat, 10)) // "N a b …": N is the row count
      .filter((size) => Number.isSafeInteger(size) && size >= 0);
    if (sizes.length > 0) measured.set(table, { rowCount: Math.max(...sizes), rows: tableRows });
  }
  return measured;
}

/**
 * Rows for every index (autoindexes included), plus a table-only row for tables without an index that
 * covers every row (the planner takes a table's size from its first full index, else from this row).
 * A table with measured statistics keeps the recorded row of each index it has, and its other indexes get
 * synthetic rows computed for its measured size, so one table never mixes two sizes.
 */
export function statRowsForTables(
  tables: Iterable<TableInfo>,
  rowCount: number,
  measured?: ReadonlyMap<string, MeasuredTableStats>,
): StatRow[] {
  const rows: StatRow[] = [];
  for (const table of tables) {
    const recorded = measured?.get(table.name.toLowerCase());
    const tableRows = recorded?.rowCount ?? rowCount;
    for (const index of table.indexes) {
      const name = index.name.toLowerCase();
      const stat = recorded?.rows.find((row) => row.idx?.toLowerCase() === name)?.stat;
      rows.push({ tbl: table.name, idx: index.name, stat: stat ?? statRowForIndex(table, index, tableRows) });
    }
    if (!table.indexes.some((index) => !index.partial)) {
      rows.push({ tbl: table.name, idx: null, stat: String(Math.max(1, Math.round(tableRows))) });
    }
  }
  return rows;
}

/** sqlite_stat1 cannot be created with CREATE TABLE; ANALYZE creates it (empty, for an empty schema). */
function ensureStatTable(db: Database): void {
  if (db.exec("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1'").length === 0) {
    db.run('ANALYZE sqlite_schema');
  }
}

/** Adds rows to sqlite_stat1. Callers reload them into the planner with `ANALYZE sqlite_schema`. */
export function insertStatRows(db: Database, rows: StatRow[]): void {
  ensureStatTable(db);
  // One transaction for all rows: outside one, every INSERT would commit on its own.
  db.run('SAVEPOINT planlens_stats');
  const insert = db.prepare('INSERT INTO sqlite_stat1(tbl, idx, stat) VALUES (?, ?, ?)');
  try {
    for (const row of rows) insert.run([row.tbl, row.idx, row.stat]);
  } finally {
    insert.free();
    db.run('RELEASE planlens_stats');
  }
}

/**
 * Replaces all statistics with synthetic ones for `tables` (measured ones where a database file recorded them)
 * and makes the planner load them.
 */
export function writeSyntheticStats(
  db: Database,
  tables: Iterable<TableInfo>,
  rowCount: number,
  measured?: ReadonlyMap<string, MeasuredTableStats>,
): void {
  ensureStatTable(db);
  db.run('DELETE FROM sqlite_stat1');
  insertStatRows(db, statRowsForTables(tables, rowCount, measured));
  db.run('ANALYZE sqlite_schema');
}
