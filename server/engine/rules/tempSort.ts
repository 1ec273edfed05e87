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
        const filtered = context.shape?.tables.find((other) => other !== access && other.equality.length > 0);
        const order = access.orderBy.map((term) => `${term.column}${term.desc ? ' DESC' : ''}`).join(', ');
        const orderColumns = access.orderBy.map((term) => term.column).join(', ');
        const filterTable = filtered?.table ?? 'another table';
        const filterColumns = filtered ? filtered.equality.join(', ') : '';
        reports.push({
          message:
            `Sort in a temp B-tree: the filter is on ${filterTable}${filterColumns ? `(${filterColumns})` : ''} but the ` +
            `${problem.purpose} is on ${table.name}${order ? `(${order})` : ''}, so no single index serves both. ` +
            `Denormalise ${orderColumns || 'the sort column'} into ${filterTable} and index ` +
            `${filterTable}(${[filterColumns, order].filter(Boolean).join(', ')}).`,
          table: table.name,
          planBefore: [problem.sortNode.detail],
        });
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
