import type { QueryRule, RuleReport } from './rule';
import { describeAdvice } from './describe';

/** A temp B-tree sorts the rows although an index could deliver them in order. */
export const tempSortRule: QueryRule = {
  meta: {
    id: 'temp-sort',
    defaultSeverity: 'warning',
    summary: 'The query sorts its rows in a temporary B-tree (ORDER BY, GROUP BY, DISTINCT) that an index could remove.',
    fixable: true,
  },
  checkQuery(context) {
    const reports: RuleReport[] = [];
    for (const diagnosis of context.diagnoses()) {
      const { problem, table, advice, access } = diagnosis;
      if (problem.kind !== 'sort') continue;
      if (problem.splitAcrossTables) {
        reports.push({ message: splitSortMessage(context, access, table.name, problem.purpose), table: table.name, planBefore: [problem.sortNode.detail] });
        continue;
      }
      if (!advice) continue; // a sort no index can remove (expressions, several tables) is not actionable
      reports.push({
        message: `${table.name} rows are sorted in a temp B-tree for ${problem.purpose}. ${describeAdvice(advice)}`,
        table: table.name,
        advice,
        planBefore: [problem.sortNode.detail],
      });
    }
    return reports;
  },
};

/** Seed 004: no single index can deliver an order that depends on another table's filter or columns. */
function splitSortMessage(
  context: Parameters<QueryRule['checkQuery']>[0],
  access: import('../types').TableAccess,
  tableName: string,
  purpose: string,
): string {
  const filtered = context.shape?.tables.find((other) => other !== access && other.equality.length > 0);
  const order = access.orderBy.map((term) => `${term.column}${term.desc ? ' DESC' : ''}`).join(', ');
  const orderColumns = access.orderBy.map((term) => term.column).join(', ');
  if (!filtered || !order) {
    const tables = [...new Set(context.shape?.tables.map((t) => t.table) ?? [tableName])].join(', ');
    return (
      `Sort in a temp B-tree: the ${purpose} depends on several tables (${tables}), so no single index can deliver ` +
      `that order. Order by one table's columns, or narrow the rows before they are sorted.`
    );
  }
  const filterColumns = filtered.equality.join(', ');
  return (
    `Sort in a temp B-tree: the filter is on ${filtered.table}(${filterColumns}) but the ${purpose} is on ` +
    `${tableName}(${order}), so no single index serves both. Denormalise ${orderColumns} into ${filtered.table} ` +
    `and index ${filtered.table}(${filterColumns}, ${order}).`
  );
}
