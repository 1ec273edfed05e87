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

/** Stands for the one array `jsonChunks` writes element by element. */
export const STREAMED_ARRAY = '\u0000planlens-streamed-array\u0000';

/**
 * `JSON.stringify(value, null, 2) + '\n'`, in pieces: `value` holds `STREAMED_ARRAY` once, where the elements of
 * `items` go, and each element is made and stringified only when its turn comes. A report of thousands of findings
 * is then never one string of several MB (two bytes a character once a message holds `…`) plus its UTF-8 copy.
 */
export function* jsonChunks(value: object, items: Iterable<unknown>): Generator<string> {
  const text = JSON.stringify(value, null, 2);
  const marker = JSON.stringify(STREAMED_ARRAY);
  const at = text.indexOf(marker);
  if (at < 0) throw new Error('jsonChunks: the value holds no STREAMED_ARRAY');
  // The array's elements sit one level deeper than the line that names it, as JSON.stringify would put them.
  const keyIndent = /^ */.exec(text.slice(text.lastIndexOf('\n', at) + 1))![0];
  const elementIndent = `${keyIndent}  `;
  yield text.slice(0, at);
  let empty = true;
  for (const item of items) {
    const element = JSON.stringify(item, null, 2).replace(/\n/g, `\n${elementIndent}`);
    yield `${empty ? '[\n' : ',\n'}${elementIndent}${element}`;
    empty = false;
  }
  yield empty ? '[]' : `\n${keyIndent}]`;
  yield `${text.slice(at + marker.length)}\n`;
}

/** Elements made one at a time, when a consumer asks for the next. */
export function* mapLazily<T, U>(items: readonly T[], make: (item: T) => U): Generator<U> {
  for (const item of items) yield make(item);
}
