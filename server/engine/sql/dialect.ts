// Recognises .sql files written for another database (PostgreSQL, MySQL), which are skipped instead of being
// reported as SQLite errors. Only syntax SQLite would reject counts, and only outside strings and comments.
import type { OffsetRange } from '../types';

/** SQL text with the insides of strings, quoted identifiers and comments blanked out, plus where the comments are. */
export interface MaskedSql {
  /** Same length as the input; quote characters stay, their contents and comments become spaces. */
  code: string;
  comments: OffsetRange[];
}

/**
 * Blanks out '…' strings, "…" `…` […] identifiers and -- / block comments, keeping every offset.
 * An unterminated string or comment runs to the end of the text.
 */
export function maskSqlText(text: string): MaskedSql {
  const out: string[] = [];
  const comments: OffsetRange[] = [];
  let copiedUpTo = 0;
  const blank = (start: number, end: number) => {
    const hidden = text.slice(start, end);
    out.push(text.slice(copiedUpTo, start), /[\r\n]/.test(hidden) ? hidden.replace(/[^\r\n]/g, ' ') : ' '.repeat(hidden.length));
    copiedUpTo = end;
  };
  // Jump from one place that opens a string, identifier or comment to the next.
  const opener = /['"`[]|--|\/\*/g;
  let match: RegExpExecArray | null;
  while ((match = opener.exec(text)) !== null) {
    const i = match.index;
    const token = match[0];
    let end: number;
    if (token === '--') {
      const newline = text.indexOf('\n', i);
      end = newline === -1 ? text.length : newline;
      if (text[end - 1] === '\r') end--;
      comments.push({ start: i, end });
      blank(i, end);
    } else if (token === '/*') {
      const close = text.indexOf('*/', i + 2);
      end = close === -1 ? text.length : close + 2;
      comments.push({ start: i, end });
      blank(i, end);
    } else {
      const closeIndex = closingQuote(text, i + 1, token === '[' ? ']' : token);
      blank(i + 1, closeIndex);
      end = Math.min(closeIndex + 1, text.length);
    }
    opener.lastIndex = end;
  }
  out.push(text.slice(copiedUpTo));
  return { code: out.join(''), comments };
}

/** Index of the quote that closes a string or identifier (doubled quotes escape themselves), or the text length. */
function closingQuote(text: string, from: number, close: string): number {
  let j = from;
  for (;;) {
    const found = text.indexOf(close, j);
    if (found === -1) return text.length;
    if (close !== ']' && text[found + 1] === close) {
      j = found + 2;
      continue;
    }
    return found;
  }
}

interface DialectSign {
  pattern: RegExp;
  reason: string;
}

// Each sign is something SQLite cannot parse, so a SQLite file never matches.
const CODE_SIGNS: DialectSign[] = [
  // SQLite allows `::` only inside Tcl-style $parameter names ($a::b), so those are excluded.
  { pattern: /::(?<!\$[\w:]*::)\s*[A-Za-z_"]/, reason: "PostgreSQL: '::' cast" },
  {
    // A column declared as SERIAL: `id SERIAL PRIMARY KEY`, `n bigserial,` (a column merely named serial has a type after it).
    pattern: /[(,]\s*(?:\w+|"[^"]*"|`[^`]*`|\[[^\]]*\])\s+(?:BIG|SMALL)?SERIAL\b(?=\s*(?:,|\)|PRIMARY\b|NOT\b|NULL\b|UNIQUE\b|REFERENCES\b|DEFAULT\b|CHECK\b|CONSTRAINT\b))/i,
    reason: 'PostgreSQL: SERIAL column',
  },
  { pattern: /\bCREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\b/i, reason: 'PostgreSQL: CREATE INDEX CONCURRENTLY' },
  { pattern: /\)\s*INCLUDE\s*\(/i, reason: 'PostgreSQL: INCLUDE (…) index columns' },
  { pattern: /\bNOW\s*\(\s*\)\s*[-+]\s*INTERVAL\b|\bINTERVAL\s+(?:'|\d)/i, reason: 'PostgreSQL/MySQL: INTERVAL arithmetic' },
  { pattern: /\$(?:[A-Za-z_]\w*)?\$/, reason: 'PostgreSQL: $$-quoted function body' },
  { pattern: /\bCREATE\s+EXTENSION\b/i, reason: 'PostgreSQL: CREATE EXTENSION' },
  { pattern: /\bCREATE\s+OR\s+REPLACE\b/i, reason: 'PostgreSQL/MySQL: CREATE OR REPLACE' },
  { pattern: /\bUSING\s+(?:gin|gist|btree|hash|brin|spgist)\b/i, reason: 'PostgreSQL/MySQL: index method USING …' },
  { pattern: /\)\s*ENGINE\s*=\s*\w+/i, reason: 'MySQL: ENGINE= table option' },
  { pattern: /\bAUTO_INCREMENT\b/i, reason: 'MySQL: AUTO_INCREMENT (SQLite spells it AUTOINCREMENT)' },
  { pattern: /^[ \t]*\\[A-Za-z]/m, reason: 'PostgreSQL: psql backslash command' },
  { pattern: /^[ \t]*DELIMITER\s+\S/im, reason: 'MySQL: DELIMITER command' },
];

// Dump tools announce themselves in the first comments.
const HEADER_SIGNS: DialectSign[] = [
  { pattern: /PostgreSQL database dump/i, reason: 'PostgreSQL: pg_dump header' },
  { pattern: /MySQL dump|MariaDB dump/i, reason: 'MySQL: mysqldump header' },
];
const HEADER_LENGTH = 2000;

const PATH_HINTS: Array<{ tokens: string[]; dialect: string }> = [
  { tokens: ['postgres', 'postgresql', 'pg', 'psql', 'pgsql'], dialect: 'PostgreSQL' },
  { tokens: ['mysql', 'mariadb'], dialect: 'MySQL' },
  { tokens: ['mssql', 'sqlserver', 'tsql'], dialect: 'SQL Server' },
  { tokens: ['oracle', 'plsql'], dialect: 'Oracle' },
];

/**
 * Returns why `text` is clearly not SQLite (e.g. "PostgreSQL: '::' cast"), or undefined when it may be SQLite.
 * `path` (workspace-relative) adds folder and file-name hints such as `migrations/postgres/`.
 */
export function detectForeignDialect(text: string, path?: string): string | undefined {
  const { code, comments } = maskSqlText(text);
  // Report the sign that comes first in the file: that is where a reader would look.
  let first: { index: number; reason: string } | undefined;
  for (const sign of CODE_SIGNS) {
    const index = code.search(sign.pattern);
    if (index !== -1 && (!first || index < first.index)) first = { index, reason: sign.reason };
  }
  if (first) return first.reason;
  const header = comments
    .filter((c) => c.start < HEADER_LENGTH)
    .map((c) => text.slice(c.start, c.end))
    .join('\n');
  for (const sign of HEADER_SIGNS) {
    if (sign.pattern.test(header)) return sign.reason;
  }
  return path === undefined ? undefined : dialectOfPath(path);
}

function dialectOfPath(path: string): string | undefined {
  const segments = path.split(/[\\/]/).filter((s) => s.length > 0);
  const tokens = segments.flatMap((segment) => segment.toLowerCase().split(/[^a-z0-9]+/));
  // A path that names SQLite too (sqlite_from_pg/) is not a hint either way.
  if (tokens.some((t) => t === 'sqlite' || t === 'sqlite3')) return undefined;
  for (const segment of segments) {
    const segmentTokens = segment.toLowerCase().split(/[^a-z0-9]+/);
    for (const hint of PATH_HINTS) {
      const token = segmentTokens.find((t) => hint.tokens.includes(t));
      if (token) return `${hint.dialect}: path segment '${segment}'`;
    }
  }
  return undefined;
}
