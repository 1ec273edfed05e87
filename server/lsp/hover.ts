import type { ExplainReport } from '../engine/analyzeTypes';

function codeBlock(lines: string[]): string {
  return ['```text', ...lines, '```'].join('\n');
}

/** Hover Markdown for a query: its plan tree, the indexes it uses, and the advice with the plan after the fix. */
export function hoverMarkdown(report: ExplainReport): string {
  const parts: string[] = ['**PlanLens** query plan'];
  if (report.error) {
    parts.push(`SQLite cannot prepare this statement: \`${report.error}\``);
    return parts.join('\n\n');
  }
  parts.push(codeBlock(report.planBefore));
  const indexes = [...new Set(report.planBefore.flatMap((line) => /USING (?:COVERING )?INDEX (\S+)/.exec(line)?.[1] ?? []))];
  parts.push(indexes.length > 0 ? `Indexes used: ${indexes.map((name) => `\`${name}\``).join(', ')}` : 'Indexes used: none');
  for (const finding of report.findings) parts.push(`**${finding.ruleId}**: ${finding.message}`);
  if (report.suggestion && report.planAfter) {
    parts.push(`Plan with \`${report.suggestion.name}\`:`);
    parts.push(codeBlock(report.planAfter));
  }
  return parts.join('\n\n');
}
