// Connection settings written in the driver's own idiom: a PRAGMA value changed in place, or (Python sqlite3 and
// aiosqlite) one `conn.execute("PRAGMA …")` line right after the connection is opened, at the same indentation.
import type { ConnectionFact, Fix, HostLanguage, OffsetRange, PragmaSetting } from '../types';

/** Replaces a setting's value where it is written: `journal_mode=DELETE` → `journal_mode=WAL`. */
export function replaceSettingFix(file: string, setting: PragmaSetting, language: HostLanguage, value: string, title: string): Fix | undefined {
  if (!setting.valueRange) return undefined;
  // Python's `timeout=` argument is in seconds; PRAGMA busy_timeout in milliseconds.
  const seconds = setting.source === 'argument' && language === 'python' && setting.name === 'busy_timeout';
  const written = seconds ? (Number(value) / 1000).toFixed(1) : value;
  return { title, edits: [{ kind: 'replace', file, range: setting.valueRange, newText: written }] };
}

function lineIndent(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const before = text.slice(lineStart, offset);
  return /^[ \t]*$/.test(before) ? before : '';
}

/** End of the line holding `offset`, before `\r\n`; undefined when code other than a comment follows on that line. */
function endOfStatementLine(text: string, offset: number): number | undefined {
  const newline = text.indexOf('\n', offset);
  let end = newline === -1 ? text.length : newline;
  if (end > offset && text[end - 1] === '\r') end--;
  return /^\s*(?:#.*)?$/.test(text.slice(offset, end)) ? end : undefined;
}

/**
 * Adds `PRAGMA <setting>` right after the connection is opened. Python only, for connections stored in a name
 * (`conn = sqlite3.connect(…)`, `with … as conn:`) or returned (`return sqlite3.connect(…)`, which becomes three
 * lines). Undefined for anything else (SQLAlchemy engines take settings in a connect listener).
 */
export function addPragmaFix(
  file: string,
  text: string,
  language: HostLanguage,
  connection: ConnectionFact,
  setting: string,
  scope: OffsetRange,
): Fix | undefined {
  if (language !== 'python' || (connection.driver !== 'sqlite3' && connection.driver !== 'aiosqlite')) return undefined;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const awaitPrefix = connection.awaited ? 'await ' : '';
  const execute = (target: string) => `${awaitPrefix}${target}.execute("PRAGMA ${setting}")`;
  const title = `Set PRAGMA ${setting} after ${connection.driver}.connect`;
  const statement = connection.statementRange;
  switch (connection.form) {
    case 'assignment': {
      if (!connection.target) return undefined;
      const at = endOfStatementLine(text, statement.end);
      if (at === undefined) return undefined;
      const indent = lineIndent(text, statement.start);
      return { title, edits: [{ kind: 'replace', file, range: { start: at, end: at }, newText: `${eol}${indent}${execute(connection.target)}` }] };
    }
    case 'with': {
      const body = connection.bodyRange;
      if (!connection.target || !body) return undefined;
      const indent = lineIndent(text, body.start);
      if (indent === '') return undefined; // the body shares the `with` line
      return { title, edits: [{ kind: 'replace', file, range: { start: body.start, end: body.start }, newText: `${execute(connection.target)}${eol}${indent}` }] };
    }
    case 'return': {
      const indent = lineIndent(text, statement.start);
      const returned = text.slice(statement.start, statement.end).replace(/^return\s+/, '');
      if (returned === text.slice(statement.start, statement.end)) return undefined;
      const name = freshName(text.slice(scope.start, scope.end));
      const lines = [`${name} = ${returned}`, execute(name), `return ${name}`];
      return { title, edits: [{ kind: 'replace', file, range: statement, newText: lines.join(`${eol}${indent}`) }] };
    }
    default:
      return undefined;
  }
}

function freshName(scopeText: string): string {
  for (const candidate of ['conn', 'connection', 'db_connection']) {
    if (!new RegExp(`\\b${candidate}\\b`).test(scopeText)) return candidate;
  }
  let suffix = 2;
  while (new RegExp(`\\bconn_${suffix}\\b`).test(scopeText)) suffix++;
  return `conn_${suffix}`;
}
