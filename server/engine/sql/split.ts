import type { OffsetRange } from '../types';

/** One statement of a multi-statement SQL text. */
export interface SqlStatementSpan {
  /** The statement text, trimmed, without its terminating semicolon. */
  text: string;
  /** Range of `text` within the input. */
  range: OffsetRange;
}

/**
 * Splits SQL text into statements at top-level semicolons.
 * Knows SQLite's lexical rules that can hide a semicolon: '…' strings, "…", `…` and […] identifiers,
 * -- and /* comments, and CREATE TRIGGER bodies (BEGIN … END). Never throws; an unterminated string or
 * comment simply runs to the end of the text.
 */
export function splitSqlStatements(sql: string): SqlStatementSpan[] {
  const spans: SqlStatementSpan[] = [];
  let statementStart = 0;
  let i = 0;
  // Trigger bodies: after CREATE … TRIGGER, a BEGIN opens a block that only END closes.
  let sawCreate = false;
  let inTriggerHeader = false;
  let blockDepth = 0;
  let tokenCountInStatement = 0;

  const pushStatement = (end: number) => {
    const raw = sql.slice(statementStart, end);
    const leading = raw.length - raw.trimStart().length;
    const text = raw.trim();
    if (text.length > 0 && !isOnlyComments(text)) {
      spans.push({ text, range: { start: statementStart + leading, end: statementStart + leading + text.length } });
    }
  };

  while (i < sql.length) {
    const ch = sql[i];
    if (ch === "'" || ch === '"' || ch === '`') {
      i = skipQuoted(sql, i, ch);
      tokenCountInStatement++;
      continue;
    }
    if (ch === '[') {
      const close = sql.indexOf(']', i + 1);
      i = close === -1 ? sql.length : close + 1;
      tokenCountInStatement++;
      continue;
    }
    if (ch === '-' && sql[i + 1] === '-') {
      const newline = sql.indexOf('\n', i);
      i = newline === -1 ? sql.length : newline + 1;
      continue;
    }
    if (ch === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close === -1 ? sql.length : close + 2;
      continue;
    }
    if (isWordStart(ch)) {
      let j = i + 1;
      while (j < sql.length && isWordPart(sql[j])) j++;
      const word = sql.slice(i, j).toUpperCase();
      if (tokenCountInStatement === 0 && word === 'CREATE') sawCreate = true;
      if (sawCreate && word === 'TRIGGER' && tokenCountInStatement <= 3) inTriggerHeader = true;
      if (inTriggerHeader && word === 'BEGIN') blockDepth++;
      else if (blockDepth > 0 && word === 'CASE') blockDepth++;
      else if (blockDepth > 0 && word === 'END') blockDepth--;
      tokenCountInStatement++;
      i = j;
      continue;
    }
    if (ch === ';' && blockDepth === 0) {
      pushStatement(i);
      statementStart = i + 1;
      sawCreate = false;
      inTriggerHeader = false;
      tokenCountInStatement = 0;
      i++;
      continue;
    }
    if (!/\s/.test(ch)) tokenCountInStatement++;
    i++;
  }
  pushStatement(sql.length);
  return spans;
}

function skipQuoted(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i += 2; // doubled quote is an escaped quote
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}

function isWordStart(ch: string): boolean {
  return /[A-Za-z_]/.test(ch);
}

function isWordPart(ch: string): boolean {
  return /[A-Za-z0-9_$]/.test(ch);
}

/** True when the text holds nothing but comments and whitespace. */
export function isOnlyComments(text: string): boolean {
  return stripLeadingComments(text).length === 0;
}

/** Removes leading whitespace and -- / block comments. */
export function stripLeadingComments(text: string): string {
  let rest = text;
  for (;;) {
    const trimmed = rest.trimStart();
    if (trimmed.startsWith('--')) {
      const newline = trimmed.indexOf('\n');
      rest = newline === -1 ? '' : trimmed.slice(newline + 1);
    } else if (trimmed.startsWith('/*')) {
      const close = trimmed.indexOf('*/');
      rest = close === -1 ? '' : trimmed.slice(close + 2);
    } else {
      return trimmed;
    }
  }
}

const DDL_PATTERN = /^(CREATE|ALTER|DROP)\b/i;

/** DDL statements are schema; everything else is a query. */
export function isDdl(statement: string): boolean {
  return DDL_PATTERN.test(stripLeadingComments(statement));
}

const TRANSACTION_CONTROL = /^(BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b/i;

/** BEGIN/COMMIT/… statements, which migration files sometimes contain and the schema builder drops. */
export function isTransactionControl(statement: string): boolean {
  return TRANSACTION_CONTROL.test(stripLeadingComments(statement));
}

/**
 * DDL, also when a script opens with transaction control (`BEGIN; CREATE TABLE …; COMMIT;`), which
 * executescript literals and migration files often do.
 */
export function isDdlScript(text: string): boolean {
  const head = stripLeadingComments(text);
  if (!isTransactionControl(head)) return isDdl(head);
  const first = splitSqlStatements(text).find((statement) => !isTransactionControl(statement.text));
  return first !== undefined && isDdl(first.text);
}
