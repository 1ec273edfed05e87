import type { ExtractedSql, FileFacts, PlanResult } from '../types';
import type { WorkspaceReport, WorkspaceRule, WorkspaceRuleContext } from './rule';
import { isFullScan, lookupTable, tableSteps } from '../plan/queryPlanView';
import { mayBeCountQuery, mergeCounts, mergedSql, parseCountQuery, sameResults, type CountQuery, type MergedCount } from '../workload/countMerge';
import { countRewriteFix } from '../fixes/countRewriteFix';
import { countRewriteFixTs } from '../fixes/countRewriteFixTs';

/** Several COUNT/SUM queries on one table in one function, differing only in their WHERE. */
export const countAggregationRule: WorkspaceRule = {
  meta: {
    id: 'count-aggregation',
    defaultSeverity: 'info',
    summary: 'Several COUNT queries on the same table in one function differ only in their WHERE; one conditional aggregation reads the table once.',
    fixable: true,
  },
  checkWorkspace(context) {
    const reports: WorkspaceReport[] = [];
    for (const [file, facts] of context.facts) {
      if (context.onlyFiles && !context.onlyFiles.has(file)) continue;
      for (const group of countGroups(facts)) {
        const report = checkGroup(context, file, facts, group);
        if (report) reports.push(report);
      }
    }
    return reports;
  },
};

/** COUNT queries of each function, by table; only groups of two or more distinct queries. */
function countGroups(facts: FileFacts): CountQuery[][] {
  const candidates: ExtractedSql[] = [];
  const seenCalls = new Set<string>();
  // Distinct COUNT-like texts per function: a function with fewer than two cannot hold a group, and is not parsed.
  const textsPerFunction = new Map<string, Set<string>>();
  for (const statement of facts.statements) {
    if (statement.role !== 'query' || statement.certainty !== 'executed' || statement.dynamic || !statement.call) continue;
    const callKey = `${statement.call.range.start}:${statement.call.range.end}`;
    if (seenCalls.has(callKey)) continue;
    seenCalls.add(callKey);
    if (!mayBeCountQuery(statement.sql)) continue;
    candidates.push(statement);
    const functionKey = statement.enclosingFunction ?? '';
    const texts = textsPerFunction.get(functionKey) ?? new Set<string>();
    texts.add(statement.sql);
    textsPerFunction.set(functionKey, texts);
  }
  const groups = new Map<string, CountQuery[]>();
  for (const statement of candidates) {
    if (textsPerFunction.get(statement.enclosingFunction ?? '')!.size < 2) continue;
    const query = parseCountQuery(statement);
    if (!query) continue;
    const key = `${statement.enclosingFunction ?? ''}\u0000${query.table.toLowerCase()}`;
    const group = groups.get(key) ?? [];
    // The same SQL twice is not a second condition to merge.
    if (!group.some((other) => other.statement.sql === statement.sql)) group.push(query);
    groups.set(key, group);
  }
  return [...groups.values()].filter((group) => group.length >= 2);
}

function checkGroup(context: WorkspaceRuleContext, file: string, facts: FileFacts, queries: CountQuery[]): WorkspaceReport | undefined {
  const table = lookupTable(context.db, queries[0].table);
  const merged = mergeCounts(queries, context.config.countFilterSyntax);
  const oneQuery = mergedSql(merged);
  const mergedPlan = context.db.explain(oneQuery);
  if (!mergedPlan.ok || !table) return undefined;
  // Several index searches merged into one full scan is slower, not faster: keep them apart.
  const searchesOnly = queries.every((query) => seeksTable(context.db.explain(query.statement.sql), table.name));
  if (searchesOnly && !seeksTable(mergedPlan, table.name)) return undefined;

  const [first, ...others] = queries;
  const where = first.statement.enclosingFunction ? ` in ${first.statement.enclosingFunction}` : '';
  const kind = queries.every((query) => query.aggregate === 'COUNT') ? 'COUNT' : 'aggregate';
  const report: WorkspaceReport = {
    file,
    range: first.statement.range,
    table: table.name,
    message:
      `${queries.length} ${kind} queries on ${table.name}${where} differ only in their WHERE; one query reads the table once ` +
      `instead of ${queries.length} times: ${oneQuery}`,
    related: others.map((query) => ({ file, range: query.statement.range, message: `also counts ${table.name}` })),
  };
  // The rewrite is offered only when the SQL it writes plans here and gives the same values as the separate queries.
  const rewritten = rewrite(context, file, facts, merged, first.statement);
  if (rewritten && context.db.explain(rewritten.sql).ok && sameResults(merged, table) === true) report.fix = rewritten.fix;
  return report;
}

/** Every read of the table is an index search (or a rowid lookup), never a full scan. */
function seeksTable(plan: PlanResult, table: string): boolean {
  if (!plan.ok) return false;
  const steps = tableSteps(plan.flat).filter((step) => step.op.table.toLowerCase() === table.toLowerCase());
  return steps.length > 0 && steps.every((step) => !isFullScan(step.op));
}

function rewrite(context: WorkspaceRuleContext, file: string, facts: FileFacts, merged: MergedCount, first: ExtractedSql) {
  const text = context.readText(file);
  if (text === undefined || !facts.workload) return undefined;
  const scope = facts.workload.functions.find((fn) => fn.qualifiedName === first.enclosingFunction)?.range ?? { start: 0, end: text.length };
  const input = { file, text, merged, scalarReads: facts.workload.scalarReads, scope };
  if (facts.language === 'python') return countRewriteFix(input);
  if (facts.language === 'typescript' || facts.language === 'javascript') return countRewriteFixTs(input);
  return undefined;
}
