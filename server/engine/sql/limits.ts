// Bounds on the SQL a run plans and parses. sql.js and the SQL parser cannot be interrupted, so the only way to keep
// one pathological statement (generated bulk SQL, thousands of nested parentheses) from stalling a file is to
// not hand it to them. Statements over a limit are skipped with a note that names the limit.
import { maskSqlText } from './dialect';

/** Longest statement handed to SQLite for a plan. */
export const MAX_PLANNED_SQL_CHARS = 100_000;
/** Longest statement parsed for its shape (index advice); the parser takes about 1 ms per 150 characters. */
export const MAX_PARSED_SQL_CHARS = 10_000;
/** Deepest parenthesis nesting parsed for its shape: the parser recurses once per level. */
export const MAX_PARSED_SQL_NESTING = 32;

/** Deepest parenthesis nesting outside strings and comments. */
export function nestingDepth(sql: string): number {
  const code = sql.includes("'") || sql.includes('"') || sql.includes('-') || sql.includes('/') ? maskSqlText(sql).code : sql;
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < code.length; i++) {
    const char = code.charCodeAt(i);
    if (char === 40 /* ( */) deepest = Math.max(deepest, ++depth);
    else if (char === 41 /* ) */ && depth > 0) depth--;
  }
  return deepest;
}

/** Why a statement is not planned at all, or undefined when it is within the limits. */
export function planningLimit(sql: string): string | undefined {
  if (sql.length <= MAX_PLANNED_SQL_CHARS) return undefined;
  return `query not planned: ${sql.length.toLocaleString('en-US')} characters is over the limit of ${MAX_PLANNED_SQL_CHARS.toLocaleString('en-US')}`;
}

/** Why a statement is planned but not parsed for index advice, or undefined when it is within the limits. */
export function parsingLimit(sql: string): string | undefined {
  if (sql.length > MAX_PARSED_SQL_CHARS) {
    return `query not checked for indexes: ${sql.length.toLocaleString('en-US')} characters is over the limit of ${MAX_PARSED_SQL_CHARS.toLocaleString('en-US')}`;
  }
  if (!sql.includes('(')) return undefined;
  const depth = nestingDepth(sql);
  if (depth <= MAX_PARSED_SQL_NESTING) return undefined;
  return `query not checked for indexes: parentheses nested ${depth.toLocaleString('en-US')} deep, over the limit of ${MAX_PARSED_SQL_NESTING}`;
}
