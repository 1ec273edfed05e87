// Compiler-style output: `path:line:col severity message [rule-id]`, one line per finding, then a summary.
import type { AnalysisResult, Finding, Note, Severity } from '../../engine/types';
import { RegionMapper, reportableFindings, summarize, type FindingSummary } from './common';

export interface TextFormatOptions {
  /** Adds plans, related locations and fix titles under each finding, and prints every note. */
  verbose: boolean;
  /** ANSI colors on severity words. */
  color: boolean;
  /** How a workspace-relative path is shown (the CLI makes paths relative to the current folder). */
  displayPath?: (file: string) => string;
}

/** `stdout` carries findings and the summary; `stderr` carries notes. */
export function formatText(result: AnalysisResult, options: TextFormatOptions): { stdout: string; stderr: string } {
  const show = options.displayPath ?? ((file: string) => file);
  const regions = new RegionMapper(result.texts);
  const findings = reportableFindings(result.findings);
  const lines: string[] = [];
  for (const finding of findings) {
    const { startLine, startColumn } = regions.region(finding.file, finding.range);
    const severity = options.color ? colorSeverity(finding.severity) : finding.severity;
    lines.push(`${show(finding.file)}:${startLine}:${startColumn} ${severity} ${indentContinuation(finding.message, 2)} [${finding.ruleId}]`);
    if (options.verbose) lines.push(...verboseDetails(finding, regions, show));
  }
  if (findings.length > 0) lines.push('');
  lines.push(summaryLine(summarize(findings, result.files.length)));
  return { stdout: lines.join('\n') + '\n', stderr: formatNotes(result.notes, options.verbose, show) };
}

/** `3 findings (2 warnings, 1 info) in 2 files.` or `No findings in 14 files.` */
export function summaryLine(summary: FindingSummary): string {
  if (summary.findings === 0) return `No findings in ${plural(summary.filesAnalyzed, 'file')}.`;
  const parts = [
    summary.errors && plural(summary.errors, 'error'),
    summary.warnings && plural(summary.warnings, 'warning'),
    summary.info && `${summary.info} info`,
    summary.hints && plural(summary.hints, 'hint'),
  ].filter(Boolean);
  return `${plural(summary.findings, 'finding')} (${parts.join(', ')}) in ${plural(summary.filesWithFindings, 'file')}.`;
}

function verboseDetails(finding: Finding, regions: RegionMapper, show: (file: string) => string): string[] {
  const lines: string[] = [];
  const block = (title: string, body: string[]) => {
    if (body.length > 0) lines.push(`    ${title}:`, ...body.map((line) => `      ${line}`));
  };
  block('plan before', finding.planBefore ?? []);
  block('plan after', finding.planAfter ?? []);
  for (const related of finding.related) {
    const { startLine, startColumn } = regions.region(related.file, related.range);
    lines.push(`    related: ${show(related.file)}:${startLine}:${startColumn} ${related.message}`);
  }
  for (const fix of finding.fixes) lines.push(`    fix: ${fix.title}`);
  return lines;
}

/**
 * Notes go to stderr (in every format): errors always, the rest only when verbose. Without --verbose,
 * hidden warnings are counted in one line so skipped files are never silently lost.
 */
export function formatNotes(notes: readonly Note[], verbose: boolean, show: (file: string) => string = (file) => file): string {
  const shown = verbose ? notes : notes.filter((note) => note.level === 'error');
  const lines = shown.map((note) => `${note.file ? `${show(note.file)}: ` : ''}${note.level}: ${note.message}`);
  const hiddenWarnings = verbose ? 0 : notes.filter((note) => note.level === 'warning').length;
  if (hiddenWarnings > 0) lines.push(`${plural(hiddenWarnings, 'warning')} about skipped input not shown; run with --verbose to see them.`);
  return lines.length > 0 ? lines.join('\n') + '\n' : '';
}

const SEVERITY_COLORS: Record<Severity, string> = {
  error: '\x1b[31m', // red
  warning: '\x1b[33m', // yellow
  info: '\x1b[36m', // cyan
  hint: '\x1b[2m', // dim
};

function colorSeverity(severity: Severity): string {
  return `${SEVERITY_COLORS[severity]}${severity}\x1b[0m`;
}

function indentContinuation(message: string, spaces: number): string {
  return message.replace(/\r?\n/g, '\n' + ' '.repeat(spaces));
}

function plural(count: number, word: string): string {
  return `${count.toLocaleString('en-US')} ${word}${count === 1 ? '' : 's'}`;
}
