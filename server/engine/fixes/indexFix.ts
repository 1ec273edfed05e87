import * as path from 'node:path';
import type { ExtractedSql, FileEdit, Fix, IndexSuggestion, SchemaHome, StringLiteralInfo, TableInfo } from '../types';
import { describeColumns } from '../rules/describe';
import { maskSqlText } from '../sql/dialect';
import { quoteIdentifier } from '../sql/identifiers';
import { isTransactionControl, splitSqlStatements } from '../sql/split';
import { compareMigrationFiles } from '../schema/order';
import { hasMigrationVersion, learnMigrationNaming } from './migrationNaming';
import { ormFix } from './ormFix';

/** What placing a fix needs to know about the workspace. */
export interface FixEnvironment {
  /** Current text of a workspace file, or undefined when it does not exist. */
  readText(file: string): string | undefined;
  /** All extracted statements of a file (to find the entries of a migration list). */
  statementsOf(file: string): ExtractedSql[];
  now?: Date;
}

type Replacement = Extract<FileEdit, { kind: 'replace' }>;

/**
 * Writes an index suggestion where the table's schema lives. Returns undefined when the target already
 * mentions the index (applying twice adds nothing) or the place cannot be edited safely.
 */
export function indexFix(suggestion: IndexSuggestion, table: TableInfo, env: FixEnvironment): Fix | undefined {
  const home: SchemaHome | undefined = table.home;
  if (!home) return undefined;
  switch (home.kind) {
    case 'migrations-folder':
      return newMigrationFix(suggestion, table, home.dir, home.files, env);
    case 'schema-file':
      return schemaFileFix(suggestion, table, home.file, env);
    case 'host-literal':
      return home.statement.migrationContainer
        ? migrationEntryFix(suggestion, home.statement, env)
        : hostLiteralFix(suggestion, home.statement, env);
    case 'orm-model':
      return ormFix(suggestion, table, home, env);
  }
}

// ---------------------------------------------------------------------------------------------
// style of the surrounding text

/** The file's line ending, as its first line has it. */
function lineEnding(text: string): string {
  const newline = text.indexOf('\n');
  return newline > 0 && text[newline - 1] === '\r' ? '\r\n' : '\n';
}

function lineStartAt(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** Offset of the end of the line holding `offset`, before its `\r\n` or `\n`. */
function lineEndAt(text: string, offset: number): number {
  const newline = text.indexOf('\n', offset);
  if (newline === -1) return text.length;
  return text[newline - 1] === '\r' && newline - 1 >= offset ? newline - 1 : newline;
}

function indentOfLine(text: string, offset: number): string {
  return /^[ \t]*/.exec(text.slice(lineStartAt(text, offset)))?.[0] ?? '';
}

/** Keywords the DDL PlanLens writes can contain; identifiers that collide with them are always quoted. */
const DDL_KEYWORDS = new Set(['CREATE', 'INDEX', 'IF', 'NOT', 'EXISTS', 'ON', 'DESC', 'ASC', 'WHERE', 'AND', 'OR', 'IS', 'NULL', 'IN', 'COLLATE', 'UNIQUE', 'DROP']);

/** Whether the sample's DDL is written in lowercase (`create table …`); comments and strings do not count. */
function writesLowercase(sample: string): boolean {
  const keyword = /\b(create|alter|drop)\b/i.exec(maskSqlText(sample).code)?.[0];
  return keyword !== undefined && keyword === keyword.toLowerCase();
}

/** The DDL with its keywords lowercased when `lowercase`; quoted names and strings are left alone. */
function inKeywordCase(ddl: string, lowercase: boolean): string {
  if (!lowercase) return ddl;
  const code = maskSqlText(ddl).code;
  return ddl.replace(/[A-Za-z_]+/g, (word, offset: number) =>
    DDL_KEYWORDS.has(word) && code.startsWith(word, offset) ? word.toLowerCase() : word,
  );
}

/** Matches the keyword case of the surrounding DDL: `create index if not exists …` next to lowercase DDL. */
function inStyleOf(ddl: string, sample: string): string {
  return inKeywordCase(ddl, writesLowercase(sample));
}

function mentionsIndex(text: string, indexName: string): boolean {
  const escaped = indexName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![A-Za-z0-9_])${escaped}(?![A-Za-z0-9_])`, 'i').test(text);
}

const wordCache = new WeakMap<object, { sources: Array<string | undefined>; words: Set<string> }>();

/**
 * Whether any of `sources` mentions the index. Every finding on a table asks this of the same files, so their
 * lowercased words are kept on `owner` (the schema home or statement list, which live as long as the schema)
 * while the texts stay the same: a lookup instead of a scan of every migration per finding.
 */
function sourcesMentionIndex(owner: object, sources: Array<string | undefined>, indexName: string): boolean {
  if (!/^[A-Za-z0-9_]+$/.test(indexName)) return sources.some((source) => source !== undefined && mentionsIndex(source, indexName));
  let cached = wordCache.get(owner);
  if (!cached || cached.sources.length !== sources.length || cached.sources.some((source, i) => source !== sources[i])) {
    const words = new Set<string>();
    for (const source of sources) for (const word of source?.match(/[A-Za-z0-9_]+/g) ?? []) words.add(word.toLowerCase());
    cached = { sources, words };
    wordCache.set(owner, cached);
  }
  return cached.words.has(indexName.toLowerCase());
}

function title(suggestion: IndexSuggestion, where: string): string {
  return `Add index ${suggestion.name} ON ${suggestion.table}(${describeColumns(suggestion.columns)}) in ${where}`;
}

function insertion(file: string, at: number, newText: string): Replacement {
  return { kind: 'replace', file, range: { start: at, end: at }, newText };
}

// ---------------------------------------------------------------------------------------------
// migrations folder: a new file (or folder) that sorts last

function newMigrationFix(
  suggestion: IndexSuggestion,
  table: TableInfo,
  dir: string,
  files: string[],
  env: FixEnvironment,
): Fix | undefined {
  if (sourcesMentionIndex(files, files.map((file) => env.readText(file)), suggestion.name)) return undefined;
  const definedIn = table.definedAt?.file;
  const naming = learnMigrationNaming(files, env.now);
  // A folder of plain names (or a table created in one of them) cannot take a file that sorts after it:
  // the index goes into the file that creates the table, like a schema file.
  const editDefiningFile = () => (definedIn !== undefined && !hasMigrationVersion(definedIn) ? schemaFileFix(suggestion, table, definedIn, env) : undefined);
  if (!naming.versioned) return editDefiningFile();
  const { up, down } = naming.next(`add_${suggestion.name.replace(/[^A-Za-z0-9_]+/g, '_')}`);
  const upFile = path.posix.join(dir, up);
  // `files` are in apply order, so the last versioned one is the one to follow (R__ and plain names come after it).
  const lastVersioned = [...files].reverse().find(hasMigrationVersion);
  const mustFollow = definedIn === undefined ? [lastVersioned] : [lastVersioned, definedIn];
  if (mustFollow.some((file) => file !== undefined && compareMigrationFiles(file, upFile) >= 0)) return editDefiningFile();

  const newest = [...files].reverse().map((file) => env.readText(file)).find((text) => text !== undefined) ?? '';
  const eol = lineEnding(newest);
  const edits: FileEdit[] = [{ kind: 'create', file: upFile, text: `${inStyleOf(suggestion.ddl, newest)};${eol}` }];
  if (down !== undefined) {
    const drop = inStyleOf(`DROP INDEX IF EXISTS ${quoteIdentifier(suggestion.name)}`, newest);
    edits.push({ kind: 'create', file: path.posix.join(dir, down), text: `${drop};${eol}` });
  }
  return { title: title(suggestion, upFile), edits };
}

// ---------------------------------------------------------------------------------------------
// schema file: after the table's last CREATE INDEX, or after its CREATE TABLE

function schemaFileFix(suggestion: IndexSuggestion, table: TableInfo, file: string, env: FixEnvironment): Fix | undefined {
  const text = env.readText(file);
  if (text === undefined || sourcesMentionIndex(table.home ?? table, [text], suggestion.name)) return undefined;
  const anchors = [table.definedAt, ...table.indexes.map((index) => index.definedAt)]
    .filter((location): location is NonNullable<typeof location> => location?.file === file)
    .sort((a, b) => a.range.end - b.range.end);
  const anchor = anchors[anchors.length - 1];
  if (!anchor || anchor.range.end > text.length) return undefined;
  // Only the statement and the rest of its line are lexed (comments and strings blanked), so nothing below can
  // land inside a comment or a string, and the cost does not grow with the file.
  const statementCode = maskSqlText(text.slice(anchor.range.start, anchor.range.end)).code;
  const codeEnd = anchor.range.start + statementCode.replace(/\s+$/, '').length;
  let next = anchor.range.end; // a statement's range ends before the whitespace that precedes its semicolon
  while (next < text.length && /\s/.test(text[next])) next++;
  const semicolonEnd = text[next] === ';' ? next + 1 : undefined;
  const statementEnd = semicolonEnd ?? codeEnd;
  // After a trailing `-- comment` on the same line, unless a block comment runs on past the line.
  const lineEnd = lineEndAt(text, statementEnd);
  const restOfLine = text.slice(statementEnd, lineEnd);
  const rest = maskSqlText(restOfLine);
  const blockCommentRunsOn = rest.comments.some((comment) => {
    const commentText = restOfLine.slice(comment.start, comment.end);
    return commentText.startsWith('/*') && (commentText.length < 4 || !commentText.endsWith('*/'));
  });
  const insertAt = rest.code.trim() === '' && !blockCommentRunsOn ? lineEnd : statementEnd;

  const ddl = inStyleOf(suggestion.ddl, text.slice(anchor.range.start, anchor.range.end));
  const newText = `${lineEnding(text)}${indentOfLine(text, anchor.range.start)}${ddl};`;
  const edits: Replacement[] = [];
  if (semicolonEnd === undefined && insertAt !== codeEnd) edits.push(insertion(file, codeEnd, ';'));
  edits.push(insertion(file, insertAt, semicolonEnd === undefined && insertAt === codeEnd ? `;${newText}` : newText));
  return { title: title(suggestion, file), edits };
}

// ---------------------------------------------------------------------------------------------
// DDL in host-language string literals

/**
 * How a new statement joins a literal, worked out once per statement: it does not depend on the index, and
 * every finding on the table's queries asks again. Returns undefined when the DDL cannot be written there.
 */
type Placement = (ddl: string, indexName: string) => { where: string; edits: Replacement[] } | undefined;

const placements = new WeakMap<ExtractedSql, { text: string; place?: Placement }>();

function placementOf(statement: ExtractedSql, text: string, compute: () => Placement | undefined): Placement | undefined {
  const cached = placements.get(statement);
  if (cached?.text === text) return cached.place;
  const place = compute();
  placements.set(statement, { text, place });
  return place;
}

const TRIPLE_QUOTES = new Set(['"""', "'''"]);

/** Calls that run a whole script: Python's executescript, `exec` in better-sqlite3/node:sqlite/sqlite, rusqlite's execute_batch. */
const MULTI_STATEMENT_METHODS = new Set(['executescript', 'exec', 'execute_batch']);

/** Literals whose new statement goes on a line of its own: Python triple quotes and JS template literals. */
function takesLineBreaks(literal: StringLiteralInfo): boolean {
  return TRIPLE_QUOTES.has(literal.quote) || literal.quote === '`';
}

/** Where a statement's code ends (before trailing comments), and where its terminating semicolon ends, if any. */
function statementEnds(code: string, start: number, end: number): { codeEnd: number; semicolonEnd?: number } {
  let codeEnd = end;
  while (codeEnd > start && /\s/.test(code[codeEnd - 1])) codeEnd--;
  let next = codeEnd;
  while (next < code.length && /\s/.test(code[next])) next++;
  return code[next] === ';' ? { codeEnd, semicolonEnd: next + 1 } : { codeEnd };
}

/**
 * The DDL written as the body of a literal with this quote and prefix, or undefined when it cannot be
 * (a raw string that would need an escape, f-strings, quote styles this code does not know).
 */
function literalBody(ddl: string, quote: string, prefix: string): string | undefined {
  if (/[fbt]/.test(prefix)) return undefined;
  const raw = prefix.includes('r');
  if (TRIPLE_QUOTES.has(quote)) {
    if (ddl.includes(quote) || ddl.endsWith(quote[0])) return undefined;
    return raw ? ddl : ddl.replace(/\\/g, '\\\\');
  }
  if (quote === '`') return ddl.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${');
  if (quote !== '"' && quote !== "'") return undefined;
  if (raw) return ddl.includes(quote) || ddl.includes('\\') ? undefined : ddl;
  return ddl.replace(/\\/g, '\\\\').replace(new RegExp(quote, 'g'), `\\${quote}`);
}

/** The file already defines or mentions the index in its DDL (the literal itself, a sibling call, a later migration). */
function fileMentionsIndex(env: FixEnvironment, file: string, indexName: string): boolean {
  const statements = env.statementsOf(file);
  return sourcesMentionIndex(statements, statements.map((statement) => (statement.role === 'schema' ? statement.sql : undefined)), indexName);
}

/**
 * DDL inside a multi-statement literal (a SCHEMA constant or executescript): a new statement after the
 * last one, before the closing quote. A single statement run by `execute` gets a sibling call instead.
 */
function hostLiteralFix(suggestion: IndexSuggestion, statement: ExtractedSql, env: FixEnvironment): Fix | undefined {
  const text = env.readText(statement.file);
  if (text === undefined || fileMentionsIndex(env, statement.file, suggestion.name)) return undefined;
  const placed = placementOf(statement, text, () => literalPlacement(statement, text))?.(suggestion.ddl, suggestion.name);
  return placed && { title: title(suggestion, placed.where), edits: placed.edits };
}

function literalPlacement(statement: ExtractedSql, text: string): Placement | undefined {
  const literal = statement.literal;
  if (!literal || statement.range.end > text.length) return undefined;
  const spans = splitSqlStatements(statement.sql);
  // execute() runs one statement, so only a literal that already holds several, or is run as a script, may grow.
  if (!MULTI_STATEMENT_METHODS.has(statement.call?.method ?? '') && spans.length < 2) {
    return statement.language === 'python' ? executeCallPlacement(statement, literal, text) : undefined;
  }
  const ddlSpans = spans.filter((span) => !isTransactionControl(span.text));
  const anchor = ddlSpans[ddlSpans.length - 1];
  if (!anchor) return undefined;

  const toFile = (sqlOffset: number) => (statement.sqlToFile ? statement.sqlToFile(sqlOffset) : statement.range.start + sqlOffset);
  const { code, comments } = maskSqlText(statement.sql);
  const { codeEnd, semicolonEnd } = statementEnds(code, anchor.range.start, anchor.range.end);
  const lastCodeChar = toFile(codeEnd - 1);
  if (text[lastCodeChar] === '\\') return undefined; // ends in an escape: its length in the source is unknown here
  const afterCode = lastCodeChar + 1;
  const afterStatement = semicolonEnd === undefined ? afterCode : toFile(semicolonEnd - 1) + 1;

  const content = text.slice(literal.contentRange.start, literal.contentRange.end);
  const multiline = takesLineBreaks(literal) && content.includes('\n');
  let insertAt = afterStatement;
  let lead: string;
  if (multiline) {
    const statementEnd = semicolonEnd ?? codeEnd;
    const unterminatedComment = /\/\*(?![\s\S]*\*\/)/.test(statement.sql.slice(statementEnd));
    const trimmedEnd = literal.contentRange.start + content.trimEnd().length;
    const newline = statement.sql.indexOf('\n', statementEnd);
    const newlineInFile = newline === -1 ? -1 : toFile(newline);
    if (anchor === spans[spans.length - 1] && !unterminatedComment && afterStatement >= literal.contentRange.start) {
      // Before the closing quotes when only whitespace and finished comments follow the last statement.
      insertAt = Math.max(trimmedEnd, afterStatement);
    } else if (
      text[newlineInFile] === '\n' &&
      code.slice(statementEnd, newline).trim() === '' &&
      !comments.some((comment) => comment.start < newline && comment.end > newline)
    ) {
      // Otherwise on the next line, after a trailing `-- comment` rather than before it.
      insertAt = text[newlineInFile - 1] === '\r' ? newlineInFile - 1 : newlineInFile;
    }
    lead = `${lineEnding(text)}${indentOfLine(text, toFile(anchor.range.start))}`;
  } else {
    lead = !literal.prefix.includes('r') && content.includes('\\n') ? '\\n' : ' ';
  }
  const semicolonApart = semicolonEnd === undefined && insertAt !== afterCode;
  if (semicolonEnd === undefined && !semicolonApart) lead = `;${lead}`;
  const lowercase = writesLowercase(statement.sql);
  const file = statement.file;
  return (ddl) => {
    const body = literalBody(inKeywordCase(ddl, lowercase), literal.quote, literal.prefix);
    if (body === undefined) return undefined;
    const added = insertion(file, insertAt, `${lead}${body};`);
    return { where: `the schema string in ${file}`, edits: semicolonApart ? [insertion(file, afterCode, ';'), added] : [added] };
  };
}

/**
 * Bracket depth of Python source at `offset`, or undefined when the offset sits inside a string or a
 * comment. Only used to confirm that a call is a statement of its own before adding a line next to it.
 */
function pythonBracketDepth(text: string, offset: number): number | undefined {
  let depth = 0;
  let i = 0;
  while (i < offset) {
    const ch = text[i];
    if (ch === '#') {
      const newline = text.indexOf('\n', i);
      if (newline === -1 || newline >= offset) return undefined;
      i = newline;
    } else if (ch === '"' || ch === "'") {
      const quote = text.startsWith(ch.repeat(3), i) ? ch.repeat(3) : ch;
      let j = i + quote.length;
      while (j < text.length && !text.startsWith(quote, j) && (quote.length === 3 || text[j] !== '\n')) j += text[j] === '\\' ? 2 : 1;
      i = Math.min(j + quote.length, text.length);
      if (i > offset) return undefined;
    } else {
      if (ch === '(' || ch === '[' || ch === '{') depth++;
      else if (ch === ')' || ch === ']' || ch === '}') depth--;
      i++;
    }
  }
  return depth;
}

/**
 * A single-statement `execute("CREATE TABLE …")` call: add a sibling call for the index on the next line,
 * with the same receiver and `await`. Only when the call is a statement of its own, holding just the literal.
 */
function executeCallPlacement(statement: ExtractedSql, literal: StringLiteralInfo, text: string): Placement | undefined {
  const call = statement.call;
  if (!call || statement.range.start < call.range.start || statement.range.end > call.range.end) return undefined;
  const head = /^([A-Za-z_][\w.]*\.\w+)\(\s*$/.exec(text.slice(call.range.start, statement.range.start));
  if (!head || !/^\s*,?\s*\)$/.test(text.slice(statement.range.end, call.range.end))) return undefined;

  const lineStart = lineStartAt(text, call.range.start);
  const lead = /^([ \t]*)(?:[A-Za-z_][\w.]*[ \t]*=[ \t]*)?(await[ \t]+)?$/.exec(text.slice(lineStart, call.range.start));
  const lineEnd = lineEndAt(text, call.range.end);
  const trailing = text.slice(call.range.end, lineEnd);
  if (!lead || !/^[ \t]*(#.*)?$/.test(trailing)) return undefined;
  if (pythonBracketDepth(text, lineStart) !== 0 || /\\\r?\n$/.test(text.slice(0, lineStart))) return undefined;

  const quote = TRIPLE_QUOTES.has(literal.quote) ? literal.quote[0] : literal.quote;
  const prefix = literal.prefix.replace(/[^ru]/g, '');
  const lowercase = writesLowercase(statement.sql);
  const callStart = `${lineEnding(text)}${lead[1]}${lead[2] ?? ''}${head[1]}(${prefix}${quote}`;
  return (ddl) => {
    const body = literalBody(inKeywordCase(ddl, lowercase), quote, prefix);
    if (body === undefined) return undefined;
    return { where: statement.file, edits: [insertion(statement.file, lineEnd, `${callStart}${body}${quote})`)] };
  };
}

// ---------------------------------------------------------------------------------------------
// versioned migration lists and dicts (seed 000)

/**
 * The key of a new entry after `keys` (as written): integers count up, quoted versions keep their prefix
 * and padding (`"0003"` → `"0004"`, `'v2'` → `'v3'`), other quoted names get `fallback`. Undefined for
 * keys that are names or expressions.
 */
function nextKey(keys: string[], fallback: string): string | undefined {
  const last = keys[keys.length - 1]?.trim() ?? '';
  const quoted = /^(['"])(.*)\1$/.exec(last);
  const pattern = quoted ? /^(['"])([^'"]*?)(\d+)\1$/ : /^()()(\d+)$/;
  const versions = keys.map((key) => pattern.exec(key.trim())).filter((match) => match !== null);
  const newest = pattern.exec(last);
  if (!newest) return quoted && !quoted[2].includes(quoted[1]) ? `${quoted[1]}${fallback}${quoted[1]}` : undefined;
  const max = versions.reduce((highest, match) => (BigInt(match[3]) > highest ? BigInt(match[3]) : highest), 0n);
  return `${newest[1]}${newest[2]}${String(max + 1n).padStart(newest[3].length, '0')}${newest[1]}`;
}

/** A new literal in the style of `template`: triple-quoted blocks keep their layout and indentation. */
function literalLike(template: StringLiteralInfo, templateText: string, ddl: string, eol: string): string | undefined {
  const prefix = template.prefix.replace(/f/g, '');
  const body = literalBody(ddl, template.quote, prefix);
  if (body === undefined) return undefined;
  const opening = `${prefix}${template.quote}`;
  const lines = templateText.split(/\r?\n/);
  if (!TRIPLE_QUOTES.has(template.quote) || lines.length < 3 || lines[0].trim() !== opening.trim()) {
    return `${opening}${body}${template.quote}`;
  }
  const bodyIndent = /^[ \t]*/.exec(lines.slice(1).find((line) => line.trim() !== '') ?? '')?.[0] ?? '';
  const closingIndent = /^[ \t]*/.exec(lines[lines.length - 1])?.[0] ?? '';
  return `${opening}${eol}${bodyIndent}${body}${eol}${closingIndent}${template.quote}`;
}

/** Seed 000: a versioned migration list/dict gets a new entry after the last one, in the same shape. */
function migrationEntryFix(suggestion: IndexSuggestion, statement: ExtractedSql, env: FixEnvironment): Fix | undefined {
  const text = env.readText(statement.file);
  if (text === undefined || fileMentionsIndex(env, statement.file, suggestion.name)) return undefined;
  const placed = placementOf(statement, text, () => migrationEntryPlacement(statement, text, env))?.(suggestion.ddl, suggestion.name);
  return placed && { title: title(suggestion, placed.where), edits: placed.edits };
}

function migrationEntryPlacement(statement: ExtractedSql, text: string, env: FixEnvironment): Placement | undefined {
  const container = statement.migrationContainer;
  if (!container || container.entries.length === 0 || container.range.end > text.length) return undefined;
  const containerText = text.slice(container.range.start, container.range.end);
  const literals = env
    .statementsOf(statement.file)
    .filter((s) => s.literal && s.range.start >= container.range.start && s.range.end <= container.range.end);
  // The newest entry that holds migration SQL is the template; its value becomes the new statement.
  const template = [...container.entries]
    .reverse()
    .map((entry) => ({ entry, values: literals.filter((s) => s.range.start >= entry.range.start && s.range.end <= entry.range.end) }))
    .find((candidate) => candidate.values.length > 0);
  const first = template?.values[0];
  const last = template?.values[template.values.length - 1];
  if (!template || !first?.literal || !last) return undefined;

  const eol = lineEnding(text);
  const { entry } = template;
  const entryText = text.slice(entry.range.start, entry.range.end);
  const firstText = text.slice(first.range.start, first.range.end);
  const valueStart = first.range.start - entry.range.start;
  const valueEnd = last.range.end - entry.range.start;
  const keyOffset = entry.key === undefined ? -1 : entryText.indexOf(entry.key);
  if (entry.key !== undefined && (keyOffset < 0 || keyOffset + entry.key.length > valueStart)) return undefined;
  const keys = container.entries.map((candidate) => candidate.key ?? '');

  const lastEntry = container.entries[container.entries.length - 1];
  let afterLast = lastEntry.range.end;
  while (afterLast < text.length && (text[afterLast] === ' ' || text[afterLast] === '\t')) afterLast++;
  const trailingComma = text[afterLast] === ',';
  const multiline = text.slice(container.range.start, lastEntry.range.start).includes('\n');
  const file = statement.file;
  const lowercase = writesLowercase(first.sql);

  return (ddl, indexName) => {
    // A comment in the list that names the index (e.g. a note where it was dropped) also counts as a mention.
    if (mentionsIndex(containerText, indexName)) return undefined;
    const newLiteral = literalLike(first.literal!, firstText, inKeywordCase(ddl, lowercase), eol);
    if (newLiteral === undefined) return undefined;
    let newEntry = `${entryText.slice(0, valueStart)}${newLiteral}${entryText.slice(valueEnd)}`;
    if (entry.key !== undefined) {
      const key = nextKey(keys, `add_${indexName.replace(/[^A-Za-z0-9_]+/g, '_')}`);
      if (key === undefined) return undefined;
      newEntry = `${newEntry.slice(0, keyOffset)}${key}${newEntry.slice(keyOffset + entry.key.length)}`;
    }
    const edits: Replacement[] = [];
    if (!multiline) {
      edits.push(trailingComma ? insertion(file, afterLast + 1, ` ${newEntry},`) : insertion(file, lastEntry.range.end, `, ${newEntry}`));
    } else {
      // On a line of its own, after a trailing `# comment` of the last entry rather than before it.
      const anchorEnd = trailingComma ? afterLast + 1 : lastEntry.range.end;
      const lineEnd = lineEndAt(text, anchorEnd);
      const insertAt = /^[ \t]*(#.*)?$/.test(text.slice(anchorEnd, lineEnd)) ? lineEnd : anchorEnd;
      const entryLine = `${eol}${indentOfLine(text, lastEntry.range.start)}${newEntry}${trailingComma ? ',' : ''}`;
      if (!trailingComma && insertAt !== lastEntry.range.end) edits.push(insertion(file, lastEntry.range.end, ','));
      edits.push(insertion(file, insertAt, `${!trailingComma && insertAt === lastEntry.range.end ? ',' : ''}${entryLine}`));
    }
    return { where: `a new entry of the migration list in ${file}`, edits };
  };
}
