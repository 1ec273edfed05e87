import type { QueryRule, RuleReport } from './rule';
import { describeAdvice } from './describe';

/** An index is used, but some filtered columns are checked row by row after the seek. */
export const incompleteIndexRule: QueryRule = {
  meta: {
    id: 'incomplete-index',
    defaultSeverity: 'warning',
    summary: 'An index is used, but other equality or range filters on the table are applied after the seek.',
    fixable: true,
  },
  checkQuery(context) {
    const reports: RuleReport[] = [];
    for (const diagnosis of context.diagnoses()) {
      const { problem, table, advice } = diagnosis;
      if (problem.kind !== 'partial') continue;
      // Without a verified better index this is only an observation, and noise for most code.
      if (!advice) continue;
      const index = problem.step.op.index?.name ?? 'its primary key';
      const seek = problem.step.op.constraints.map((c) => `${c.column}${c.op}?`).join(' AND ');
      reports.push({
        message:
          `${table.name} is searched with ${index}${seek ? ` (${seek})` : ''}, then ${problem.unconstrained.join(', ')} ` +
          `${problem.unconstrained.length === 1 ? 'is' : 'are'} checked row by row. ${describeAdvice(advice)}`,
        table: table.name,
        advice,
        planBefore: [problem.step.node.detail],
      });
    }
    return reports;
  },
};
