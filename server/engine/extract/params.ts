// Host-language SQL text → what SQLite can prepare, with a map back to the host file.
// Language-neutral: the Python extractor uses it now, the TypeScript and Rust extractors later.

/** SQL assembled from pieces of a host file, and where each SQL offset came from. */
export interface MappedSql {
  sql: string;
  /** Maps an offset in `sql` (0…sql.length) to an offset in the host file. */
  toSource: (sqlOffset: number) => number;
}

/**
 * Builds SQL from host-file pieces. A verbatim piece maps character by character; a replacement piece
 * (a decoded escape sequence, a `{{` in an f-string, a template hole) maps its characters onto the
 * source span it replaces, clamped to that span.
 */
export class MappedSqlBuilder {
  private readonly parts: string[] = [];
  private length = 0;
  // One entry per segment, in parallel arrays to keep allocations low.
  private readonly sqlStarts: number[] = [];
  private readonly sqlLengths: number[] = [];
  private readonly sourceStarts: number[] = [];
  private readonly sourceEnds: number[] = [];

  /** Appends text copied unchanged from the source at `sourceStart`. */
  appendVerbatim(text: string, sourceStart: number): void {
    if (text.length === 0) return;
    const last = this.sqlStarts.length - 1;
    const extendsLast =
      last >= 0 &&
      this.sourceEnds[last] === sourceStart &&
      this.sqlStarts[last] + this.sqlLengths[last] === this.length &&
      this.sqlLengths[last] === this.sourceEnds[last] - this.sourceStarts[last];
    if (extendsLast) {
      this.sqlLengths[last] += text.length;
      this.sourceEnds[last] += text.length;
    } else {
      this.pushSegment(text.length, sourceStart, sourceStart + text.length);
    }
    this.parts.push(text);
    this.length += text.length;
  }

  /** Appends `text` standing for the source span [sourceStart, sourceEnd), whose length may differ. */
  appendReplacement(text: string, sourceStart: number, sourceEnd: number): void {
    this.pushSegment(text.length, sourceStart, sourceEnd);
    this.parts.push(text);
    this.length += text.length;
  }

  build(): MappedSql {
    const sql = this.parts.join('');
    const count = this.sqlStarts.length;
    if (count === 0) return { sql, toSource: () => 0 };
    // The map lives as long as its statement: one exactly sized array of (sql start, sql length, source start,
    // source end) per segment, not the four growable arrays of the builder (about 0.5 KB per statement).
    const segments = new Array<number>(count * 4);
    for (let index = 0; index < count; index++) {
      segments[index * 4] = this.sqlStarts[index];
      segments[index * 4 + 1] = this.sqlLengths[index];
      segments[index * 4 + 2] = this.sourceStarts[index];
      segments[index * 4 + 3] = this.sourceEnds[index];
    }
    const sqlLength = sql.length;
    const toSource = (sqlOffset: number): number => {
      const offset = Math.max(0, Math.min(sqlOffset, sqlLength));
      // Last segment starting at or before the offset; zero-length segments (a removed line continuation)
      // share their start with the next one, and the later one wins.
      let low = 0;
      let high = count - 1;
      while (low < high) {
        const mid = (low + high + 1) >> 1;
        if (segments[mid * 4] <= offset) low = mid;
        else high = mid - 1;
      }
      const at = low * 4;
      const within = offset - segments[at];
      const sourceLength = segments[at + 3] - segments[at + 2];
      if (within >= segments[at + 1]) return segments[at + 3];
      return segments[at + 2] + Math.min(within, sourceLength);
    };
    return { sql, toSource };
  }

  private pushSegment(sqlLength: number, sourceStart: number, sourceEnd: number): void {
    this.sqlStarts.push(this.length);
    this.sqlLengths.push(sqlLength);
    this.sourceStarts.push(sourceStart);
    this.sourceEnds.push(sourceEnd);
  }
}

/** Host placeholder syntaxes to rewrite. SQLite's own (`?`, `?NNN`, `:name`, `@name`, `$name`, `$1`) never need it. */
export interface ParameterStyles {
  /** DB-API `pyformat`: `%s`, `%(name)s`, and `%%` for a literal percent. */
  pyformat?: boolean;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Rewrites host placeholders that SQLite cannot prepare into SQLite parameters of the SAME length
 * (padded with spaces), so every offset map built for the input still holds for the output.
 * `%s` → `? `, `%(name)s` → `:name   `, `%%` → `% ` (SQLite's modulo operator). Text inside SQL string
 * literals, quoted identifiers and comments is left alone: there a `%` is data, not a placeholder.
 */
export function rewriteParameters(sql: string, styles: ParameterStyles): string {
  if (!styles.pyformat || !sql.includes('%')) return sql;
  let out = '';
  let copiedUpTo = 0;
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i];
    if (ch === "'" || ch === '"' || ch === '`') {
      i = skipQuoted(sql, i, ch);
    } else if (ch === '[') {
      const close = sql.indexOf(']', i + 1);
      i = close === -1 ? sql.length : close + 1;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const newline = sql.indexOf('\n', i);
      i = newline === -1 ? sql.length : newline + 1;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close === -1 ? sql.length : close + 2;
    } else if (ch === '%') {
      const placeholder = pyformatAt(sql, i);
      if (placeholder) {
        out += sql.slice(copiedUpTo, i) + placeholder.replacement;
        i += placeholder.replacement.length;
        copiedUpTo = i;
      } else {
        i++;
      }
    } else {
      i++;
    }
  }
  return copiedUpTo === 0 ? sql : out + sql.slice(copiedUpTo);
}

/** The same-length replacement for a pyformat token starting at `start`, if one starts there. */
function pyformatAt(sql: string, start: number): { replacement: string } | undefined {
  const next = sql[start + 1];
  if (next === '%') return { replacement: '% ' };
  if (next === 's') return { replacement: '? ' };
  if (next !== '(') return undefined;
  const close = sql.indexOf(')', start + 2);
  if (close === -1 || sql[close + 1] !== 's') return undefined;
  const name = sql.slice(start + 2, close);
  const tokenLength = close + 2 - start;
  const parameter = IDENTIFIER.test(name) ? `:${name}` : '?';
  return { replacement: parameter.padEnd(tokenLength, ' ') };
}

function skipQuoted(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i += 2; // a doubled quote is an escaped quote
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}

/** Rewrites the placeholders of mapped SQL; the map is unchanged because rewrites keep the length. */
export function normalizeParameters(mapped: MappedSql, styles: ParameterStyles): MappedSql {
  const sql = rewriteParameters(mapped.sql, styles);
  return sql === mapped.sql ? mapped : { sql, toSource: mapped.toSource };
}
