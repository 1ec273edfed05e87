// COUNT/SUM queries that differ only in their WHERE, merged into one conditional aggregation:
// `COUNT(CASE WHEN <condition> THEN 1 END)` per query (or `COUNT(*) FILTER (WHERE …)` on SQLite ≥ 3.30), with the
// conditions every query shares kept in the WHERE. COUNT(CASE …) keeps COUNT's 0 on an empty table, where the
// popular SUM(CASE WHEN … THEN 1 ELSE 0 END) gives NULL.
import { parse } from 'sql-parser-cst';
import type { Node } from 'sql-parser-cst';
import type { SqlJsStatic } from 'sql.js';
import type { ExtractedSql, TableInfo } from '../types';
import { quoteIdentifier } from '../sql/identifiers';
import { loadSqlJs } from '../schema/sqlite';

/** One condition of a WHERE split on its top-level ANDs. */
export interface Conjunct {
  /** As written, whitespace collapsed: the key for "same condition". */
  text: string;
  hasParameter: boolean;
  /** An OR at its top level: needs parentheses once ANDed with another condition. */
  isOr: boolean;
}

/** `SELECT COUNT(*) FROM t WHERE …` (or COUNT(x), SUM(x), TOTAL(x)) and nothing else. */
export interface CountQuery {
  statement: ExtractedSql;
  /** Table as written in FROM. */
  table: string;
  /** Upper-cased aggregate function: COUNT, SUM, TOTAL. */
  aggregate: string;
  /** `*` or the argument expression as written. */
  argument: string;
  conjuncts: Conjunct[];
}

export interface MergedCount {
  table: string;
  queries: CountQuery[];
  /** Conditions every query has: they stay in the WHERE. */
  shared: Conjunct[];
  /** One aggregate expression per query, in the queries' order. */
  columns: string[];
  /** A query's own conditions hold a parameter: rewriting the code would have to reorder its arguments. */
  conditionsHaveParameters: boolean;
}

const PARSER_OPTIONS = {
  dialect: 'sqlite' as const,
  includeRange: true,
  paramTypes: ['?', '?nr', ':name', '@name', '$name', '$nr'] as Array<'?' | '?nr' | ':name' | '@name' | '$name' | '$nr'>,
};

const AGGREGATES = new Set(['COUNT', 'SUM', 'TOTAL']);
const CANDIDATE = /^\s*select\s+(?:count|sum|total)\s*\(/i;

type Ranged = Node & { range?: [number, number] };

function textOf(sql: string, node: Ranged): string {
  return node.range ? sql.slice(node.range[0], node.range[1]) : '';
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function containsParameter(node: unknown): boolean {
  if (!node || typeof node !== 'object') return false;
  if ((node as { type?: string }).type === 'parameter') return true;
  return Object.values(node as Record<string, unknown>).some((value) =>
    Array.isArray(value) ? value.some(containsParameter) : containsParameter(value),
  );
}

function isKeyword(node: unknown, name: string): boolean {
  return typeof node === 'object' && node !== null && (node as { name?: string }).name === name;
}

function splitAnd(sql: string, node: Ranged, into: Conjunct[]): void {
  if (node.type === 'binary_expr' && isKeyword(node.operator, 'AND')) {
    splitAnd(sql, node.left as Ranged, into);
    splitAnd(sql, node.right as Ranged, into);
    return;
  }
  into.push({
    text: collapse(textOf(sql, node)),
    hasParameter: containsParameter(node),
    isOr: node.type === 'binary_expr' && isKeyword(node.operator, 'OR'),
  });
}

// The workload rules run again after every edit; parsing is the expensive part, so it is kept per SQL text.
const PARSE_CACHE_LIMIT = 2000;
const parseCache = new Map<string, Omit<CountQuery, 'statement'> | null>();

/** Whether the SQL starts like a single-aggregate SELECT (`parseCountQuery` may read it); no parse. */
export function mayBeCountQuery(sql: string): boolean {
  return CANDIDATE.test(sql);
}

/** Reads a single-aggregate SELECT on one table; undefined for anything else (joins, GROUP BY, LIMIT, DISTINCT…). */
export function parseCountQuery(statement: ExtractedSql): CountQuery | undefined {
  const sql = statement.sql;
  if (!CANDIDATE.test(sql)) return undefined;
  let parsed = parseCache.get(sql);
  if (parsed === undefined) {
    parsed = parseAggregate(sql) ?? null;
    if (parseCache.size >= PARSE_CACHE_LIMIT) parseCache.delete(parseCache.keys().next().value as string);
    parseCache.set(sql, parsed);
  }
  return parsed ? { statement, ...parsed } : undefined;
}

function parseAggregate(sql: string): Omit<CountQuery, 'statement'> | undefined {
  let statements: Node[];
  try {
    statements = parse(sql, PARSER_OPTIONS).statements.filter((node) => node.type !== 'empty');
  } catch {
    return undefined;
  }
  const select = statements[0];
  if (statements.length !== 1 || select.type !== 'select_stmt') return undefined;
  const clauses = select.clauses as Ranged[];
  const [selectClause, fromClause, whereClause, ...rest] = clauses;
  if (rest.length > 0 || selectClause?.type !== 'select_clause' || fromClause?.type !== 'from_clause') return undefined;
  if (whereClause && whereClause.type !== 'where_clause') return undefined;
  const items = selectClause.columns?.items ?? [];
  if (selectClause.modifiers.length > 0 || items.length !== 1) return undefined;
  let column = items[0] as Ranged;
  if (column.type === 'alias') column = column.expr as Ranged;
  if (column.type !== 'func_call' || column.name.type !== 'identifier' || column.over || column.filter) return undefined;
  const aggregate = column.name.name.toUpperCase();
  const args = column.args?.expr;
  if (!AGGREGATES.has(aggregate) || args?.type !== 'func_args' || args.distinctKw || args.args.items.length !== 1) return undefined;
  const from = fromClause.expr as Ranged;
  if (from.type !== 'identifier') return undefined;
  const conjuncts: Conjunct[] = [];
  if (whereClause?.type === 'where_clause') splitAnd(sql, whereClause.expr as Ranged, conjuncts);
  const argument = args.args.items[0] as Ranged;
  return {
    table: from.name,
    aggregate,
    argument: argument.type === 'all_columns' ? '*' : collapse(textOf(sql, argument)),
    conjuncts,
  };
}

/** One aggregate per query; conditions shared by all of them stay in the WHERE. */
export function mergeCounts(queries: CountQuery[], useFilter: boolean): MergedCount {
  const sharedTexts = queries
    .map((query) => new Set(query.conjuncts.map((conjunct) => conjunct.text)))
    .reduce((common, next) => new Set([...common].filter((text) => next.has(text))));
  const shared = queries[0].conjuncts.filter((conjunct) => sharedTexts.has(conjunct.text));
  let conditionsHaveParameters = false;
  const columns = queries.map((query) => {
    const own = query.conjuncts.filter((conjunct) => !sharedTexts.has(conjunct.text));
    if (own.some((conjunct) => conjunct.hasParameter)) conditionsHaveParameters = true;
    const plain = `${query.aggregate}(${query.argument})`;
    if (own.length === 0) return plain;
    const condition = own.map((conjunct) => (own.length > 1 && conjunct.isOr ? `(${conjunct.text})` : conjunct.text)).join(' AND ');
    if (useFilter) return `${plain} FILTER (WHERE ${condition})`;
    const value = query.argument === '*' ? '1' : query.argument;
    return `${query.aggregate}(CASE WHEN ${condition} THEN ${value} END)`;
  });
  return { table: queries[0].table, queries, shared, columns, conditionsHaveParameters };
}

/** The merged query on one line (messages, planning). */
export function mergedSql(merged: MergedCount, aliases: Array<string | undefined> = []): string {
  const columns = merged.columns.map((column, i) => (aliases[i] ? `${column} AS ${quoteIdentifier(aliases[i])}` : column));
  const where = merged.shared.length > 0 ? ` WHERE ${merged.shared.map((c) => (merged.shared.length > 1 && c.isOr ? `(${c.text})` : c.text)).join(' AND ')}` : '';
  return `SELECT ${columns.join(', ')} FROM ${merged.table}${where}`;
}

/** The merged query laid out on lines, each prefixed with `indent` (for a triple-quoted literal). */
export function mergedSqlBlock(merged: MergedCount, aliases: Array<string | undefined>, indent: string, unit: string): string[] {
  const lines = [`${indent}SELECT`];
  merged.columns.forEach((column, i) => {
    const alias = aliases[i] ? ` AS ${quoteIdentifier(aliases[i])}` : '';
    lines.push(`${indent}${unit}${column}${alias}${i < merged.columns.length - 1 ? ',' : ''}`);
  });
  lines.push(`${indent}FROM ${merged.table}`);
  if (merged.shared.length > 0) {
    const conditions = merged.shared.map((c) => (merged.shared.length > 1 && c.isOr ? `(${c.text})` : c.text));
    lines.push(`${indent}WHERE ${conditions.join(' AND ')}`);
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// proof by running: the merged query gives what the separate queries gave, on an empty table and on sample rows

let sqlJs: SqlJsStatic | undefined;

/** Loads sql.js for `sameResults` (which must stay synchronous); the workspace calls this while it prepares. */
export async function prepareCountVerification(): Promise<void> {
  sqlJs ??= await loadSqlJs();
}

const SAMPLE_ROWS = 48;

/**
 * Runs every original query and the merged one on a scratch copy of the table (declared columns only): empty,
 * then filled with rows built from the literals the conditions compare against. True when every value matches;
 * undefined when this cannot be checked (sql.js not loaded, the scratch table cannot be built).
 */
export function sameResults(merged: MergedCount, table: TableInfo): boolean | undefined {
  if (!sqlJs || table.columns.length === 0) return undefined;
  // The rules run again after every edit: the answer only depends on the SQL and the table's declared columns.
  const key = [mergedSql(merged), ...merged.queries.map((query) => query.statement.sql), ...table.columns.map((c) => `${c.name} ${c.type}`)].join('\u0000');
  if (!verdicts.has(key)) {
    if (verdicts.size >= PARSE_CACHE_LIMIT) verdicts.delete(verdicts.keys().next().value as string);
    verdicts.set(key, runBoth(sqlJs, merged, table));
  }
  return verdicts.get(key);
}

const verdicts = new Map<string, boolean | undefined>();

function runBoth(engine: SqlJsStatic, merged: MergedCount, table: TableInfo): boolean | undefined {
  const db = new engine.Database();
  try {
    const columns = table.columns.map((column) => `${quoteIdentifier(column.name)} ${column.type}`.trim());
    db.run(`CREATE TABLE ${quoteIdentifier(merged.table)} (${columns.join(', ')})`);
    const compare = (): boolean => {
      const combined = db.exec(mergedSql(merged))[0]?.values[0];
      if (!combined) return false;
      return merged.queries.every((query, i) => {
        const alone = db.exec(query.statement.sql)[0]?.values[0]?.[0];
        return alone === combined[i];
      });
    };
    if (!compare()) return false;
    const domain = sampleValues(merged);
    const placeholders = table.columns.map(() => '?').join(', ');
    const insert = db.prepare(`INSERT INTO ${quoteIdentifier(merged.table)} VALUES (${placeholders})`);
    try {
      for (let row = 0; row < SAMPLE_ROWS; row++) {
        insert.run(table.columns.map((_, column) => domain[(row * (column + 3) + column + (row >> 3)) % domain.length]));
      }
    } finally {
      insert.free();
    }
    return compare();
  } catch {
    return undefined;
  } finally {
    db.close();
  }
}

/** NULL, 0, 1, '' and every literal the conditions mention. */
function sampleValues(merged: MergedCount): Array<string | number | null> {
  const values: Array<string | number | null> = [null, 0, 1, ''];
  const conditions = merged.queries.flatMap((query) => query.conjuncts.map((conjunct) => conjunct.text));
  for (const condition of conditions) {
    for (const match of condition.matchAll(/'((?:[^']|'')*)'|\b(\d+(?:\.\d+)?)\b/g)) {
      const value = match[1] !== undefined ? match[1].replace(/''/g, "'") : Number(match[2]);
      if (!values.includes(value)) values.push(value);
    }
  }
  return values;
}
