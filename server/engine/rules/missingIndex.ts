import type { QueryRule, RuleReport } from './rule';
import { describeAdvice } from './describe';

/** A table the query filters on is read in full. */
export const missingIndexRule: QueryRule = {
  meta: {
    id: 'missing-index',
    defaultSeverity: 'warning',
    summary: 'A table the query filters, joins or sorts on is read in full because no index serves it.',
    fixable: true,
  },
  checkQuery(context) {
    const reports: RuleReport[] = [];
    for (const diagnosis of context.diagnoses()) {
      const { problem, table, advice } = diagnosis;
      if (problem.kind !== 'scan') continue;
      const how = problem.step.op.index?.automatic ? 'builds a temporary automatic index on every run' : 'scans every row';
      const head = `Full scan of ${table.name}: the query filters on ${problem.filterColumns.join(', ')} but ${how}.`;
      reports.push({
        message: advice ? `${head} ${describeAdvice(advice)}` : `${head} No single index removes the scan.`,
        table: table.name,
        advice,
        planBefore: [problem.step.node.detail],
      });
    }
    return reports;
  },
};
