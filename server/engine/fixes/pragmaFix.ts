// Connection settings written in the driver's own idiom: a PRAGMA value changed in place, or one line right after
// the connection is opened, at the same indentation: Python sqlite3/aiosqlite `conn.execute("PRAGMA …")`,
// better-sqlite3 `db.pragma('…')`, node:sqlite `db.exec('PRAGMA …')`, rusqlite `conn.pragma_update(…)`; sqlx
// options get one more builder call (`.journal_mode(SqliteJournalMode::Wal)`).
import type { ConnectionFact, Fix, HostLanguage, OffsetRange, PragmaSetting } from '../types';

/** Replaces a setting's value where it is written: `journal_mode=DELETE` → `journal_mode=WAL`. */
export function replaceSettingFix(file: string, setting: PragmaSetting, language: HostLanguage, value: string, title: string): Fix | undefined {
  if (!setting.valueRange) return undefined;
  let written = value;
  if (setting.source === 'argument' && language === 'python' && setting.name === 'busy_timeout') {
    // Python's `timeout=` argument is in seconds; PRAGMA busy_timeout in milliseconds.
    written = (Number(value) / 1000).toFixed(1);
  } else if (setting.source === 'option' && language === 'rust') {
    // sqlx builder options: an enum variant (`Delete` → `Wal`) or a Duration (`from_secs(0)` → `from_millis(5000)`).
    written = setting.name === 'busy_timeout' ? `from_millis(${value})` : variantName(value);
  }
  return { title, edits: [{ kind: 'replace', file, range: setting.valueRange, newText: written }] };
}

/** `WAL` → `Wal`, `NORMAL` → `Normal`: sqlx's enum variants. */
function variantName(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1).toLowerCase();
}

function lineIndent(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const before = text.slice(lineStart, offset);
  return /^[ \t]*$/.test(before) ? before : '';
}

/** End of the line holding `offset`, before `\r\n`; undefined when code other than a comment follows on that line. */
function endOfStatementLine(text: string, offset: number, language: HostLanguage): number | undefined {
  const newline = text.indexOf('\n', offset);
  let end = newline === -1 ? text.length : newline;
  if (end > offset && text[end - 1] === '\r') end--;
  const comment = language === 'python' ? /^\s*(?:#.*)?$/ : /^\s*(?:\/\/.*|\/\*.*\*\/\s*)?$/;
  return comment.test(text.slice(offset, end)) ? end : undefined;
}

/**
 * Adds a setting (`journal_mode=WAL`, `busy_timeout=5000`) right after the connection is opened, in the driver's
 * idiom: Python sqlite3/aiosqlite connections stored in a name (`conn = sqlite3.connect(…)`, `with … as conn:`) or
 * returned (`return sqlite3.connect(…)`, which becomes three lines); better-sqlite3 and node:sqlite connections
 * stored in a name or returned; sqlx options built in a chain (or stored in a name); rusqlite
 * `let conn = Connection::open(…)?;`. Undefined for anything else (SQLAlchemy engines take settings in a connect
 * listener, r2d2 managers in their `with_init`).
 */
export function addPragmaFix(
  file: string,
  text: string,
  language: HostLanguage,
  connection: ConnectionFact,
  setting: string,
  scope: OffsetRange,
): Fix | undefined {
  if (language === 'typescript' || language === 'javascript') return addScriptSetting(file, text, connection, setting, scope);
  if (language === 'rust') return connection.driver === 'sqlx' ? addSqlxOption(file, text, connection, setting) : addRusqliteSetting(file, text, connection, setting);
  if (language !== 'python' || (connection.driver !== 'sqlite3' && connection.driver !== 'aiosqlite')) return undefined;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const awaitPrefix = connection.awaited ? 'await ' : '';
  const execute = (target: string) => `${awaitPrefix}${target}.execute("PRAGMA ${setting}")`;
  const title = `Set PRAGMA ${setting} after ${connection.driver}.connect`;
  const statement = connection.statementRange;
  switch (connection.form) {
    case 'assignment': {
      if (!connection.target) return undefined;
      const at = endOfStatementLine(text, statement.end, language);
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
      const name = freshName(text.slice(scope.start, scope.end), PYTHON_NAMES);
      const lines = [`${name} = ${returned}`, execute(name), `return ${name}`];
      return { title, edits: [{ kind: 'replace', file, range: statement, newText: lines.join(`${eol}${indent}`) }] };
    }
    default:
      return undefined;
  }
}

const PYTHON_NAMES = ['conn', 'connection', 'db_connection'];
const SCRIPT_NAMES = ['db', 'database', 'connection', 'conn'];

/** The first candidate name the scope does not use yet, else the first one numbered. */
function freshName(scopeText: string, candidates: string[]): string {
  for (const candidate of candidates) {
    if (!new RegExp(`\\b${candidate}\\b`).test(scopeText)) return candidate;
  }
  let suffix = 2;
  while (new RegExp(`\\b${candidates[0]}_${suffix}\\b`).test(scopeText)) suffix++;
  return `${candidates[0]}_${suffix}`;
}

/** `journal_mode=WAL` → [journal_mode, WAL]. */
function splitSetting(setting: string): [string, string] {
  const [name, value = ''] = setting.split('=').map((part) => part.trim());
  return [name, value];
}

/** A new line after the statement holding the connection, at its indentation; undefined when code follows on its line. */
function lineAfter(file: string, text: string, language: HostLanguage, statement: OffsetRange, line: string, title: string): Fix | undefined {
  const at = endOfStatementLine(text, statement.end, language);
  if (at === undefined) return undefined;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indent = lineIndent(text, statement.start);
  return { title, edits: [{ kind: 'replace', file, range: { start: at, end: at }, newText: `${eol}${indent}${line}` }] };
}

/**
 * better-sqlite3 `db.pragma('journal_mode = WAL');` or node:sqlite `db.exec('PRAGMA journal_mode = WAL');` after
 * `const db = new Database(…);` (or `this.db = …;`), in the statement's quotes and semicolon style; a returned
 * `new Database(…)` is stored in a name first.
 */
function addScriptSetting(file: string, text: string, connection: ConnectionFact, setting: string, scope: OffsetRange): Fix | undefined {
  if (connection.driver !== 'better-sqlite3' && connection.driver !== 'node:sqlite') return undefined;
  const [name, value] = splitSetting(setting);
  const statementText = text.slice(connection.statementRange.start, connection.statementRange.end);
  const quote = statementText.includes('"') && !statementText.includes("'") ? '"' : "'";
  const semicolon = /;\s*$/.test(statementText) ? ';' : '';
  const call = (target: string) =>
    connection.driver === 'better-sqlite3'
      ? `${target}.pragma(${quote}${name} = ${value}${quote})${semicolon}`
      : `${target}.exec(${quote}PRAGMA ${name} = ${value}${quote})${semicolon}`;
  const title = `Set ${name} = ${value} after ${connection.driver === 'better-sqlite3' ? 'new Database()' : 'new DatabaseSync()'}`;
  if (connection.form === 'assignment' && connection.target) {
    return lineAfter(file, text, 'typescript', connection.statementRange, call(connection.target), title);
  }
  if (connection.form !== 'return') return undefined;
  const opened = /^return\s+([^]*?);?\s*$/.exec(statementText)?.[1];
  if (opened === undefined) return undefined;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indent = lineIndent(text, connection.statementRange.start);
  const local = freshName(text.slice(scope.start, scope.end), SCRIPT_NAMES);
  const lines = [`const ${local} = ${opened}${semicolon}`, call(local), `return ${local}${semicolon}`];
  return { title, edits: [{ kind: 'replace', file, range: connection.statementRange, newText: lines.join(`${eol}${indent}`) }] };
}

/** sqlx builder calls: `.journal_mode(SqliteJournalMode::Wal)`, `.busy_timeout(Duration::from_millis(5000))`. */
function sqlxOption(text: string, name: string, value: string): string | undefined {
  const imported = (type: string) => (new RegExp(`\\buse\\s[^;]*\\b${type}\\b`).test(text) ? type : `sqlx::sqlite::${type}`);
  switch (name) {
    case 'journal_mode':
      return `.journal_mode(${imported('SqliteJournalMode')}::${variantName(value)})`;
    case 'synchronous':
      return `.synchronous(${imported('SqliteSynchronous')}::${variantName(value)})`;
    case 'busy_timeout':
      return `.busy_timeout(${/\buse\s[^;]*\bDuration\b/.test(text) ? 'Duration' : 'std::time::Duration'}::from_millis(${value}))`;
    default:
      return undefined;
  }
}

/**
 * One more option on a sqlx builder: appended to the chain (on a new line when the chain puts one call per line),
 * or, for options parsed into a typed name (`let options: SqliteConnectOptions = url.parse()?;`), a shadowing
 * `let options = options.journal_mode(…);` on the next line.
 */
function addSqlxOption(file: string, text: string, connection: ConnectionFact, setting: string): Fix | undefined {
  const [name, value] = splitSetting(setting);
  const option = sqlxOption(text, name, value);
  if (!option) return undefined;
  const title = `Set ${option.slice(1)} on the sqlx connect options`;
  const builder = connection.builderRange;
  if (builder && builder.end > connection.range.end) {
    const lastLineStart = text.lastIndexOf('\n', builder.end - 1) + 1;
    const lastLine = text.slice(lastLineStart, builder.end);
    const onOwnLine = lastLineStart > builder.start && /^\s*\./.test(lastLine);
    const newText = onOwnLine ? `${text.includes('\r\n') ? '\r\n' : '\n'}${/^\s*/.exec(lastLine)![0]}${option}` : option;
    return { title, edits: [{ kind: 'replace', file, range: { start: builder.end, end: builder.end }, newText }] };
  }
  if (connection.form !== 'assignment' || !connection.target) return undefined;
  const mutable = /^let\s+mut\b/.test(text.slice(connection.statementRange.start, connection.statementRange.end)) ? 'mut ' : '';
  return lineAfter(file, text, 'rust', connection.statementRange, `let ${mutable}${connection.target} = ${connection.target}${option};`, title);
}

/**
 * rusqlite `conn.pragma_update(None, "journal_mode", "WAL")?;` after `let conn = Connection::open(…)?;`, with the
 * same error handling as the open (`?`, `.unwrap()`, `.expect(…)`).
 */
function addRusqliteSetting(file: string, text: string, connection: ConnectionFact, setting: string): Fix | undefined {
  if (connection.form !== 'assignment' || !connection.target) return undefined;
  if (!/^(?:[\w:]*::)?Connection::open/.test(text.slice(connection.range.start, connection.range.end))) return undefined;
  // Only the open's own error handling: after `.map_err(…)` a `?` on rusqlite's error may not convert.
  const after = text.slice(connection.range.end, connection.statementRange.end);
  const handling = /^\s*\?\s*;$/.test(after)
    ? '?'
    : /^\s*\.unwrap\(\)\s*;$/.test(after)
      ? '.unwrap()'
      : /^\s*\.expect\([^()]*\)\s*;$/.test(after)
        ? '.expect("set PRAGMA")'
        : undefined;
  if (handling === undefined) return undefined;
  const [name, value] = splitSetting(setting);
  const written = /^\d+$/.test(value) ? value : `"${value}"`;
  const line = `${connection.target}.pragma_update(None, "${name}", ${written})${handling};`;
  return lineAfter(file, text, 'rust', connection.statementRange, line, `Set PRAGMA ${name}=${value} after Connection::open`);
}
