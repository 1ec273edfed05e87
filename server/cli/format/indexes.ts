// `planlens indexes`: the consolidated index plan as a SQL migration, each index with the queries it serves and the
// existing indexes it makes redundant (their DROP is left commented out: dropping an index is a decision).
import type { IndexPlanReport } from '../../engine/workload/indexPlan';
import { LineIndex } from '../../engine/text/lineIndex';
import { describeColumns } from '../../engine/rules/describe';

export function formatIndexPlan(report: IndexPlanReport, displayPath: (file: string) => string): string {
  if (report.indexes.length === 0) return '-- PlanLens index plan: no new index is needed.\n';
  const lineIndexes = new Map<string, LineIndex>();
  const where = (file: string, offset: number) => {
    const text = report.texts.get(file);
    if (text === undefined) return displayPath(file);
    let lines = lineIndexes.get(file);
    if (!lines) {
      lines = new LineIndex(text);
      lineIndexes.set(file, lines);
    }
    const position = lines.positionAt(offset);
    return `${displayPath(file)}:${position.line + 1}:${position.character + 1}`;
  };
  const queries = report.indexes.reduce((sum, index) => sum + index.serves.length, 0);
  const out = [
    `-- PlanLens index plan: ${count(report.indexes.length, 'index', 'indexes')} for ${count(queries, 'query', 'queries')}, ` +
      'each verified by planning every query it serves.',
  ];
  for (const index of report.indexes) {
    const suggestion = index.suggestion;
    out.push('', `-- ${suggestion.table}(${describeColumns(suggestion.columns)}) serves ${count(index.serves.length, 'query', 'queries')}:`);
    for (const query of index.serves) {
      const sql = query.sql.replace(/\s+/g, ' ').trim();
      out.push(`--   ${where(query.file, query.range.start)}${query.function ? ` ${query.function}` : ''}: ${sql.length > 80 ? `${sql.slice(0, 79)}…` : sql}`);
    }
    out.push(`${suggestion.ddl};`);
    for (const redundant of index.redundant) {
      const definedAt = redundant.definedAt ? ` (${where(redundant.definedAt.file, redundant.definedAt.range.start)})` : '';
      out.push(
        `-- ${redundant.name} ON ${suggestion.table}(${describeColumns(redundant.columns)})${definedAt} is redundant once ${suggestion.name} exists:`,
        `-- DROP INDEX IF EXISTS ${redundant.name};`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
