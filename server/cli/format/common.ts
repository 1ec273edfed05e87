// What the three output formats share: ordering, counting, and offsets → 1-based line/column.
import type { Finding, OffsetRange, Severity } from '../../engine/types';
import { LineIndex } from '../../engine/text/lineIndex';

/** 1-based lines and columns; columns count UTF-16 code units and the end is exclusive (as in SARIF). */
export interface Region {
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}

export const SEVERITY_ORDER: readonly Severity[] = ['error', 'warning', 'info', 'hint'];

/** Converts offset ranges with one LineIndex per file, built on first use. */
export class RegionMapper {
  private readonly indexes = new Map<string, LineIndex>();

  constructor(private readonly texts: ReadonlyMap<string, string>) {}

  region(file: string, range: OffsetRange): Region {
    const index = this.indexFor(file);
    // The engine promises the text of every file it refers to; without it, point at the file's start.
    if (!index) return { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 };
    const { start, end } = index.rangeToLines(range);
    return { startLine: start.line + 1, startColumn: start.character + 1, endLine: end.line + 1, endColumn: end.character + 1 };
  }

  private indexFor(file: string): LineIndex | undefined {
    let index = this.indexes.get(file);
    if (!index) {
      const text = this.texts.get(file);
      if (text === undefined) return undefined;
      index = new LineIndex(text);
      this.indexes.set(file, index);
    }
    return index;
  }
}

/**
 * The findings that count: everything but severity 'off' (the engine drops those already; this keeps
 * output and exit code in agreement if one slips through). Sorted by file, position and rule for stable output.
 */
export function reportableFindings(findings: readonly Finding[]): Finding[] {
  return findings
    .filter((finding) => (finding.severity as string) !== 'off')
    .sort(
      (a, b) =>
        compareCodePoints(a.file, b.file) ||
        a.range.start - b.range.start ||
        a.range.end - b.range.end ||
        compareCodePoints(a.ruleId, b.ruleId),
    );
}

export interface FindingSummary {
  findings: number;
  errors: number;
  warnings: number;
  info: number;
  hints: number;
  filesWithFindings: number;
  filesAnalyzed: number;
}

export function summarize(findings: readonly Finding[], filesAnalyzed: number): FindingSummary {
  const count = (severity: Severity) => findings.filter((finding) => finding.severity === severity).length;
  return {
    findings: findings.length,
    errors: count('error'),
    warnings: count('warning'),
    info: count('info'),
    hints: count('hint'),
    filesWithFindings: new Set(findings.map((finding) => finding.file)).size,
    filesAnalyzed,
  };
}

export function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
