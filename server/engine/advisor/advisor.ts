import type { IndexColumn, IndexInfo, IndexSuggestion, PlanNode, TableAccess, TableInfo } from '../types';
import { estimateRowsPerKey } from '../schema/stats';
import { formatPlanTree } from '../plan/explain';
import {
  constrainedColumns,
  isFullScan,
  sortSteps,
  stepsForAccess,
  type PlanningDatabase,
} from '../plan/queryPlanView';
import { nameIndex, type detectNamingStyle } from './naming';
import { quoteIdentifier } from '../sql/identifiers';

/** An index suggestion whose effect was confirmed by planning the query again with only that index added. */
export interface IndexAdvice {
  suggestion: IndexSuggestion;
  /**
   * Further indexes needed together with `suggestion` (an OR across columns needs one index per branch to become
   * a MULTI-INDEX OR). Verified together; fixes are only offered when this is empty.
   */
  additional: IndexSuggestion[];
  planBefore: string[];
  planAfter: string[];
  /** What got better, in words: "SCAN → SEARCH", "sort removed", "2 columns constrained instead of 1". */
  improvements: string[];
}

/** How well a plan serves one table access. */
interface AccessScore {
  fullScan: boolean;
  constrained: number;
  sorts: number;
  covering: boolean;
  indexName?: string;
}

function scoreAccess(flat: PlanNode[], access: TableAccess): AccessScore | undefined {
  const steps = stepsForAccess(flat, access);
  if (steps.length === 0) return undefined;
  // A table can be read more than once (subqueries); the worst step decides.
  const worst = steps.find((step) => isFullScan(step.op)) ?? steps[0];
  return {
    fullScan: isFullScan(worst.op),
    constrained: constrainedColumns(worst.op).size,
    sorts: sortSteps(flat).length,
    covering: worst.op.index?.covering === true || worst.op.rowid,
    indexName: worst.op.index?.automatic ? undefined : worst.op.index?.name,
  };
}

function improvementsOf(before: AccessScore, after: AccessScore): string[] {
  if (after.fullScan && !before.fullScan) return [];
  if (after.sorts > before.sorts) return [];
  const improvements: string[] = [];
  if (before.fullScan && !after.fullScan) improvements.push('SCAN → SEARCH');
  else if (!after.fullScan && after.constrained > before.constrained) {
    improvements.push(`${after.constrained} columns constrained instead of ${before.constrained}`);
  }
  if (after.sorts < before.sorts) improvements.push('sort removed');
  return improvements;
}

/** Lowercased column name → the schema's spelling, for columns that really exist. */
function columnResolver(table: TableInfo): (name: string) => string | undefined {
  const byLower = new Map(table.columns.map((column) => [column.name.toLowerCase(), column.name]));
  return (name) => byLower.get(name.toLowerCase());
}

function uniqueColumns(names: Array<string | undefined>): string[] {
  const seen = new Set<string>();
  const result: string[] = [];
  for (const name of names) {
    if (!name || seen.has(name.toLowerCase())) continue;
    seen.add(name.toLowerCase());
    result.push(name);
  }
  return result;
}

function keyColumns(index: IndexInfo): string[] {
  return index.columns.map((column) => column.name ?? '').filter((name) => name.length > 0);
}

/**
 * Orders equality columns for a composite index: columns of an existing index that they extend come first
 * (so the old index becomes a prefix and can go), then the most selective columns by the shared statistics
 * heuristics, then query order.
 */
function orderEqualityColumns(table: TableInfo, columns: string[]): { ordered: string[]; extends?: IndexInfo } {
  const wanted = new Set(columns.map((c) => c.toLowerCase()));
  let extended: IndexInfo | undefined;
  for (const index of table.indexes) {
    if (index.partial) continue;
    const keys = keyColumns(index);
    if (keys.length === 0 || keys.length !== index.columns.length) continue;
    if (!keys.every((key) => wanted.has(key.toLowerCase()))) continue;
    // Prefer the longest prefix; among equals, the one that starts with the more selective column.
    const better =
      !extended ||
      keys.length > keyColumns(extended).length ||
      (keys.length === keyColumns(extended).length &&
        estimateRowsPerKey(table, keys[0]) < estimateRowsPerKey(table, keyColumns(extended)[0]));
    if (better) extended = index;
  }
  const prefix = extended ? keyColumns(extended) : [];
  const prefixLower = new Set(prefix.map((c) => c.toLowerCase()));
  const rest = columns
    .filter((column) => !prefixLower.has(column.toLowerCase()))
    .map((column, position) => ({ column, position, rows: estimateRowsPerKey(table, column) }))
    .sort((a, b) => a.rows - b.rows || a.position - b.position)
    .map((entry) => entry.column);
  return { ordered: [...prefix, ...rest], extends: extended };
}

interface Candidate {
  columns: IndexColumn[];
  extends?: IndexInfo;
}

function asc(name: string): IndexColumn {
  return { name, desc: false };
}

/** Candidate indexes for one table access, best guesses first. */
export function candidateIndexes(table: TableInfo, access: TableAccess, isJoinInner: boolean): Candidate[] {
  const resolve = columnResolver(table);
  const equality = uniqueColumns([...access.equality, ...access.isNull].map(resolve));
  const inList = uniqueColumns(access.inList.map(resolve)).filter((c) => !equality.includes(c));
  const join = isJoinInner ? uniqueColumns(access.join.map(resolve)).filter((c) => !equality.includes(c)) : [];
  const ranges = uniqueColumns(access.range.map(resolve)).filter((c) => !equality.includes(c) && !inList.includes(c));
  const equalityLower = new Set([...equality, ...join].map((c) => c.toLowerCase()));
  const orderTerms = access.orderBy
    .map((term) => ({ name: resolve(term.column), desc: term.desc }))
    .filter((term): term is IndexColumn & { name: string } => term.name !== undefined);
  // ORDER BY terms pinned by equality do not need to be in the index.
  const order = orderTerms.filter((term) => !equalityLower.has(term.name.toLowerCase()));
  const orderUsable = orderTerms.length === access.orderBy.length;
  const groupBy = uniqueColumns(access.groupBy.map(resolve)).filter((c) => !equalityLower.has(c.toLowerCase()));

  const { ordered: equalityOrdered, extends: extended } = orderEqualityColumns(table, [...equality, ...join]);
  const seek = [...equalityOrdered, ...inList].map(asc);
  const candidates: Candidate[] = [];
  const add = (columns: IndexColumn[]) => {
    if (columns.length === 0) return;
      const keyOf = (list: IndexColumn[]) => list.map((c) => `${c.name ?? c.expr}${c.desc ? ' DESC' : ''}`).join(',');
    const key = keyOf(columns);
    if (candidates.some((existing) => keyOf(existing.columns) === key)) return;
    const extendsExisting = extended && keyColumns(extended).every((name, i) => columns[i]?.name === name);
    candidates.push({ columns, extends: extendsExisting ? extended : undefined });
  };

  // Equality seek, then the sort order: removes both the scan and the sort (seed 001).
  if (orderUsable && order.length > 0 && inList.length === 0) add([...equalityOrdered.map(asc), ...order]);
  if (groupBy.length > 0 && inList.length === 0) add([...equalityOrdered.map(asc), ...groupBy.map(asc)]);
  // Equality seek, then one range column.
  for (const range of ranges.slice(0, 2)) add([...seek, asc(range)]);
  add(seek);
  if (orderUsable && order.length > 0 && seek.length > 0) add([...seek, ...order]);
  // `lower(email) = ?` can only seek on an expression index over exactly that expression.
  for (const expression of access.expressions.slice(0, 2)) {
    if (resolve(expression.column)) add([...seek, { name: null, expr: expression.expr, desc: false }]);
  }
  return candidates.filter((candidate) => !duplicatesExistingIndex(table, candidate.columns));
}

function duplicatesExistingIndex(table: TableInfo, columns: IndexColumn[]): boolean {
  return table.indexes.some(
    (index) =>
      !index.partial &&
      index.columns.length >= columns.length &&
      columns.every((column, i) => {
        const existing = index.columns[i];
        const sameKey =
          column.name !== null
            ? existing.name?.toLowerCase() === column.name.toLowerCase()
            : existing.name === null && normalizeExpression(existing.expr) === normalizeExpression(column.expr);
        return sameKey && existing.desc === column.desc;
      }),
  );
}

function normalizeExpression(expr: string | undefined): string {
  return (expr ?? '').replace(/\s+/g, '').toLowerCase();
}

export function indexDdl(name: string, table: string, columns: IndexColumn[], where?: string): string {
  const columnList = columns
    .map((column) => `${column.name ? quoteIdentifier(column.name) : column.expr ?? ''}${column.desc ? ' DESC' : ''}`)
    .join(', ');
  return `CREATE INDEX IF NOT EXISTS ${quoteIdentifier(name)} ON ${quoteIdentifier(table)}(${columnList})${where ? ` WHERE ${where}` : ''}`;
}

/**
 * Finds an index that makes this table access clearly better, and proves it: all candidates are created
 * together in the in-memory copy (with synthetic statistics), the one the planner picks is kept, and it is
 * then confirmed on its own against the original plan.
 */
export function adviseIndex(
  db: PlanningDatabase,
  sql: string,
  access: TableAccess,
  table: TableInfo,
  beforeFlat: PlanNode[],
  beforeRoots: PlanNode[],
  namingStyle: ReturnType<typeof detectNamingStyle>,
  isJoinInner: boolean,
): IndexAdvice | undefined {
  const before = scoreAccess(beforeFlat, access);
  if (!before) return undefined;
  const hasAndSeek = access.equality.length + access.inList.length + access.isNull.length + access.range.length > 0;
  if (!hasAndSeek && access.orColumns.length > 1 && before.fullScan) {
    return adviseOrBranches(db, sql, access, table, before, beforeRoots, namingStyle);
  }
  const candidates = candidateIndexes(table, access, isJoinInner);
  if (candidates.length === 0) return undefined;

  const named = candidates.map((candidate, i) => ({
    ...candidate,
    probeName: `planlens_candidate_${i}`,
  }));
  // A lone candidate needs no contest: the confirmation below is the same plan with its final name.
  const chosenName =
    named.length === 1
      ? named[0].probeName
      : db.withHypotheticalIndexes(
          named.map((candidate) => indexDdl(candidate.probeName, table.name, candidate.columns)),
          () => {
            const plan = db.explain(sql);
            if (!plan.ok) return undefined;
            return scoreAccess(plan.flat, access)?.indexName;
          },
        );
  const winner = named.find((candidate) => candidate.probeName === chosenName);
  if (!winner) return undefined;

  const extending = winner.extends ? { name: winner.extends.name, columnCount: winner.extends.columns.length } : undefined;
  const name = nameIndex(namingStyle, table, winner.columns, extending);
  const ddl = indexDdl(name, table.name, winner.columns);
  const confirmed = db.withHypotheticalIndexes([ddl], () => {
    const plan = db.explain(sql);
    return plan.ok ? plan : undefined;
  });
  if (!confirmed) return undefined;
  const after = scoreAccess(confirmed.flat, access);
  if (!after || after.indexName?.toLowerCase() !== name.toLowerCase()) return undefined;
  const improvements = improvementsOf(before, after);
  if (improvements.length === 0) return undefined;
  return {
    suggestion: {
      name,
      table: table.name,
      columns: winner.columns,
      ddl,
      replaces: winner.extends?.origin === 'c' ? winner.extends.name : undefined,
    },
    additional: [],
    planBefore: formatPlanTree(beforeRoots),
    planAfter: formatPlanTree(confirmed.roots),
    improvements,
  };
}

/**
 * `WHERE a = ? OR b = ?` can only avoid the scan through a MULTI-INDEX OR, which needs an index for every branch.
 * Proposes one index per branch that no existing index serves, and keeps them only if together they end the scan.
 */
function adviseOrBranches(
  db: PlanningDatabase,
  sql: string,
  access: TableAccess,
  table: TableInfo,
  before: AccessScore,
  beforeRoots: PlanNode[],
  namingStyle: ReturnType<typeof detectNamingStyle>,
): IndexAdvice | undefined {
  const resolve = columnResolver(table);
  const needed: IndexSuggestion[] = [];
  for (const branch of access.orColumns) {
    const columns = uniqueColumns(branch.map(resolve));
    if (columns.length === 0) return undefined; // a branch on something no index can serve
    const served = table.indexes.some(
      (index) => !index.partial && columns.some((column) => index.columns[0]?.name?.toLowerCase() === column.toLowerCase()),
    );
    if (served) continue;
    const ordered = orderEqualityColumns(table, columns).ordered.map(asc);
    const name = nameIndex(namingStyle, { ...table, indexes: [...table.indexes, ...needed.map(toIndexInfo)] }, ordered);
    if (needed.some((suggestion) => suggestion.name === name)) continue;
    needed.push({ name, table: table.name, columns: ordered, ddl: indexDdl(name, table.name, ordered) });
  }
  if (needed.length === 0) return undefined;
  const confirmed = db.withHypotheticalIndexes(
    needed.map((suggestion) => suggestion.ddl),
    () => {
      const plan = db.explain(sql);
      return plan.ok ? plan : undefined;
    },
  );
  const after = confirmed ? scoreAccess(confirmed.flat, access) : undefined;
  if (!confirmed || !after) return undefined;
  const improvements = improvementsOf(before, after);
  if (improvements.length === 0) return undefined;
  return {
    suggestion: needed[0],
    additional: needed.slice(1),
    planBefore: formatPlanTree(beforeRoots),
    planAfter: formatPlanTree(confirmed.roots),
    improvements: improvements.map((text) => (text === 'SCAN → SEARCH' ? 'SCAN → MULTI-INDEX OR' : text)),
  };
}

function toIndexInfo(suggestion: IndexSuggestion): IndexInfo {
  return { name: suggestion.name, table: suggestion.table, columns: suggestion.columns, unique: false, origin: 'c', partial: false };
}
