import type { HostLanguage } from '../types';
import type { WorkspaceReport, WorkspaceRule } from './rule';
import { callPreview, chainPreview, listNames, loopQueryRelated, queriesInLoops, sqlPreview } from '../workload/loopQueries';

/** A read query run once per iteration of a loop, directly or through the functions the loop calls. */
export const nPlusOneRule: WorkspaceRule = {
  meta: {
    id: 'n-plus-one',
    defaultSeverity: 'warning',
    summary: 'A query runs once per loop iteration (directly or through called functions) where one query for all of them would do.',
    fixable: false,
  },
  checkWorkspace(context) {
    const reports: WorkspaceReport[] = [];
    for (const query of queriesInLoops(context.workload(), 'read', context.onlyFiles)) {
      const text = context.readText(query.file);
      const sql = `\`${sqlPreview(query.path.statement)}\``;
      const loop = `\`${query.loop.header}\``;
      const what =
        query.path.chain.length === 0
          ? `N+1 query: ${sql} runs on every iteration of ${loop}`
          : `N+1 query: ${loop} calls ${callPreview(text, query.call.range)} on every iteration, which runs ${sql} ` +
            `(${chainPreview(query)})`;
      const lookup = LOOKUP[context.facts.get(query.file)?.language ?? 'python'] ?? 'a dict';
      const advice =
        query.flowing.length > 0
          ? `, with ${listNames(query.flowing)} in its arguments. Collect the keys first and run one query with ` +
            `IN (...) or a JOIN, then look rows up in ${lookup}.`
          : `. It does not depend on the loop: run it once before the loop and look rows up in ${lookup}.`;
      reports.push({
        file: query.file,
        range: query.call.range,
        message: `${what}${advice}`,
        related: loopQueryRelated(query),
      });
    }
    return reports;
  },
};

/** What each language looks rows up in once they are fetched together. */
const LOOKUP: Partial<Record<HostLanguage, string>> = { python: 'a dict', typescript: 'a Map', javascript: 'a Map', rust: 'a HashMap' };
