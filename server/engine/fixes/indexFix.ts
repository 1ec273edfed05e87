import * as path from 'node:path';
import type { ExtractedSql, Fix, IndexSuggestion, SchemaHome, TableInfo } from '../types';
import { describeColumns } from '../rules/describe';
import { learnMigrationNaming } from './migrationNaming';

/** What placing a fix needs to know about the workspace. */
export interface FixEnvironment {
  /** Current text of a workspace file, or undefined when it does not exist. */
  readText(file: string): string | undefined;
  /** All extracted statements of a file (to find the entries of a migration list). */
  statementsOf(file: string): ExtractedSql[];
  now?: Date;
}

function lineEnding(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

function indentOfLine(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? '';
}

/** Matches the keyword case of the surrounding DDL: `create index if not exists …` next to lowercase DDL. */
function inStyleOf(ddl: string, sample: string): string {
  const keyword = /\b(create|alter)\b/i.exec(sample)?.[0];
  if (keyword && keyword === keyword.toLowerCase()) {
    return ddl.replace(/^CREATE INDEX IF NOT EXISTS/, 'create index if not exists').replace(/ DESC\b/g, ' desc').replace(/ ON /, ' on ').replace(/ WHERE /, ' where ');
  }
  return ddl;
}

function mentionsIndex(text: string, indexName: string): boolean {
  return new RegExp(`\\b${indexName.replace(/[^A-Za-z0-9_]/g, '.')}\\b`, 'i').test(text);
}

function title(suggestion: IndexSuggestion, where: string): string {
  return `Add index ${suggestion.name} ON ${suggestion.table}(${describeColumns(suggestion.columns)}) in ${where}`;
}

/** Finds the end of a statement including its terminating semicolon, if there is one. */
function endIncludingSemicolon(text: string, statementEnd: number): { end: number; hasSemicolon: boolean } {
  let i = statementEnd;
  while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  return text[i] === ';' ? { end: i + 1, hasSemicolon: true } : { end: statementEnd, hasSemicolon: false };
}

/**
 * Writes an index suggestion where the table's schema lives. Returns undefined when the target already
 * mentions the index (applying twice adds nothing) or the place cannot be edited safely.
 */
export function indexFix(suggestion: IndexSuggestion, table: TableInfo, env: FixEnvironment): Fix | undefined {
  const home: SchemaHome | undefined = table.home;
  if (!home) return undefined;
  switch (home.kind) {
    case 'migrations-folder':
      return newMigrationFix(suggestion, home.dir, home.files, env);
    case 'schema-file':
      return schemaFileFix(suggestion, table, home.file, env);
    case 'host-literal':
      return home.statement.migrationContainer
        ? migrationEntryFix(suggestion, home.statement, env)
        : hostLiteralFix(suggestion, home.statement, env);
  }
}

function newMigrationFix(suggestion: IndexSuggestion, dir: string, files: string[], env: FixEnvironment): Fix | undefined {
  if (files.some((file) => mentionsIndex(env.readText(file) ?? '', suggestion.name))) return undefined;
  const lastText = files.length > 0 ? env.readText(files[files.length - 1]) ?? '' : '';
  const eol = lineEnding(lastText);
  const naming = learnMigrationNaming(files, env.now);
  const { up, down } = naming.next(`add_${suggestion.name}`);
  const upFile = path.posix.join(dir, up);
  const edits: Fix['edits'] = [{ kind: 'create', file: upFile, text: `${inStyleOf(suggestion.ddl, lastText)};${eol}` }];
  if (down) {
    edits.push({ kind: 'create', file: path.posix.join(dir, down), text: `DROP INDEX IF EXISTS ${suggestion.name};${eol}` });
  }
  return { title: title(suggestion, upFile), edits };
}

function schemaFileFix(suggestion: IndexSuggestion, table: TableInfo, file: string, env: FixEnvironment): Fix | undefined {
  const text = env.readText(file);
  if (text === undefined || mentionsIndex(text, suggestion.name)) return undefined;
  // After the table's last CREATE INDEX in this file, else after its CREATE TABLE.
  const anchors = [table.definedAt, ...table.indexes.map((index) => index.definedAt)]
    .filter((location): location is NonNullable<typeof location> => location?.file === file)
    .sort((a, b) => a.range.end - b.range.end);
  const anchor = anchors[anchors.length - 1];
  if (!anchor) return undefined;
  const eol = lineEnding(text);
  const { end } = endIncludingSemicolon(text, anchor.range.end);
  const indent = indentOfLine(text, anchor.range.start);
  const ddl = inStyleOf(suggestion.ddl, text.slice(anchor.range.start, anchor.range.end));
  return {
    title: title(suggestion, file),
    edits: [{ kind: 'replace', file, range: { start: end, end }, newText: `${eol}${indent}${ddl};` }],
  };
}

/** Escapes DDL for a host string literal with the given quote (DDL has no newlines or backslashes). */
function literalText(ddl: string, quote: string, prefix: string): string {
  const closing = quote.startsWith('r#') ? quote.slice(1).split('').reverse().join('') : quote;
  const body = quote.length === 1 ? ddl.replace(new RegExp(quote, 'g'), `\\${quote}`) : ddl;
  return `${prefix}${quote}${body}${closing}`;
}

/** DDL inside a multi-statement literal (a SCHEMA constant or executescript): append a statement before the closing quote. */
function hostLiteralFix(suggestion: IndexSuggestion, statement: ExtractedSql, env: FixEnvironment): Fix | undefined {
  const text = env.readText(statement.file);
  const literal = statement.literal;
  if (text === undefined || !literal || literal.prefix.includes('f')) return undefined;
  if (mentionsIndex(text.slice(literal.range.start, literal.range.end), suggestion.name)) return undefined;
  const content = text.slice(literal.contentRange.start, literal.contentRange.end);
  const multiStatement = statement.call?.method === 'executescript' || /;\s*\S/.test(content) || !statement.call;
  if (!multiStatement) return executeCallFix(suggestion, statement, text);
  const trimmedEnd = content.replace(/\s+$/, '').length;
  const insertAt = literal.contentRange.start + trimmedEnd;
  const needsSemicolon = !content.slice(0, trimmedEnd).endsWith(';');
  const isMultiline = literal.quote.length === 3 || literal.quote === '`' || literal.quote.startsWith('r');
  const lastLineStart = content.lastIndexOf('\n', trimmedEnd - 1) + 1;
  const indent = /^[ \t]*/.exec(content.slice(lastLineStart))?.[0] ?? '';
  const ddl = inStyleOf(suggestion.ddl, content);
  const newText = isMultiline ? `${needsSemicolon ? ';' : ''}\n${indent}${ddl};` : `${needsSemicolon ? ';' : ''} ${ddl};`;
  return {
    title: title(suggestion, `the schema string in ${statement.file}`),
    edits: [{ kind: 'replace', file: statement.file, range: { start: insertAt, end: insertAt }, newText }],
  };
}

/** A single-statement execute("CREATE TABLE …") call: add a sibling execute call for the index on the next line. */
function executeCallFix(suggestion: IndexSuggestion, statement: ExtractedSql, text: string): Fix | undefined {
  const literal = statement.literal;
  const call = statement.call;
  if (!literal || !call) return undefined;
  const lineStart = text.lastIndexOf('\n', call.range.start - 1) + 1;
  const lineEndIndex = text.indexOf('\n', call.range.end);
  const lineEnd = lineEndIndex === -1 ? text.length : lineEndIndex;
  const lineText = text.slice(lineStart, lineEnd);
  const callText = text.slice(call.range.start, call.range.end);
  // Only when the call is simple: `<receiver>.<method>(<literal>)`, optionally awaited.
  const literalInCall = text.slice(literal.range.start, literal.range.end);
  const literalStart = callText.indexOf(literalInCall);
  if (literalStart < 0 || !/^\s*\)$/.test(callText.slice(literalStart + literalInCall.length).replace(/,\s*\)$/, ')'))) return undefined;
  const newLiteral = literalText(suggestion.ddl, literal.quote.length === 3 ? literal.quote[0] : literal.quote, literal.prefix);
  const newCall = `${callText.slice(0, literalStart)}${newLiteral})`;
  const newLine = `${lineText.slice(0, call.range.start - lineStart)}${newCall}${lineText.slice(call.range.end - lineStart)}`;
  const eol = lineEnding(text);
  return {
    title: title(suggestion, statement.file),
    edits: [{ kind: 'replace', file: statement.file, range: { start: lineEnd, end: lineEnd }, newText: `${eol}${newLine}` }],
  };
}

function nextKey(keys: string[]): string | undefined {
  const numeric = keys.map((key) => /^(['"]?)([A-Za-z_]*)(\d+)(['"]?)$/.exec(key.trim()));
  const last = numeric[numeric.length - 1];
  if (!last) return undefined;
  const max = Math.max(...numeric.map((match) => (match ? Number(match[3]) : 0)));
  return `${last[1]}${last[2]}${String(max + 1).padStart(last[3].length, '0')}${last[4]}`;
}

/** Seed 000: a versioned migration list/dict gets a new entry after the last one, in the same shape. */
function migrationEntryFix(suggestion: IndexSuggestion, statement: ExtractedSql, env: FixEnvironment): Fix | undefined {
  const container = statement.migrationContainer;
  const text = env.readText(statement.file);
  if (!container || text === undefined || container.entries.length === 0) return undefined;
  if (mentionsIndex(text.slice(container.range.start, container.range.end), suggestion.name)) return undefined;
  const lastEntry = container.entries[container.entries.length - 1];
  const lastStatement = env
    .statementsOf(statement.file)
    .find((s) => s.literal && s.range.start >= lastEntry.range.start && s.range.end <= lastEntry.range.end);
  if (!lastStatement?.literal) return undefined;
  const entryText = text.slice(lastEntry.range.start, lastEntry.range.end);
  const literalStart = lastStatement.range.start - lastEntry.range.start;
  const literalEnd = lastStatement.range.end - lastEntry.range.start;
  const { quote, prefix } = lastStatement.literal;
  const cleanPrefix = prefix.replace(/f/g, '');
  const newLiteral =
    quote.length === 3 && text.slice(lastStatement.range.start, lastStatement.range.end).includes('\n')
      ? `${cleanPrefix}${quote}\n${indentOfLine(text, lastStatement.range.end)}${suggestion.ddl}\n${indentOfLine(text, lastStatement.range.end)}${quote}`
      : literalText(suggestion.ddl, quote, cleanPrefix);
  let newEntry = `${entryText.slice(0, literalStart)}${newLiteral}${entryText.slice(literalEnd)}`;
  if (lastEntry.key !== undefined) {
    const key = nextKey(container.entries.map((entry) => entry.key ?? ''));
    const keyOffset = newEntry.indexOf(lastEntry.key);
    if (key === undefined || keyOffset < 0 || keyOffset >= literalStart) return undefined;
    newEntry = `${newEntry.slice(0, keyOffset)}${key}${newEntry.slice(keyOffset + lastEntry.key.length)}`;
  }
  const eol = lineEnding(text);
  const multiline = text.slice(container.range.start, lastEntry.range.start).includes('\n');
  let after = lastEntry.range.end;
  while (after < text.length && (text[after] === ' ' || text[after] === '\t')) after++;
  const hasTrailingComma = text[after] === ',';
  const indent = indentOfLine(text, lastEntry.range.start);
  const edit = hasTrailingComma
    ? { start: after + 1, text: multiline ? `${eol}${indent}${newEntry},` : ` ${newEntry},` }
    : { start: lastEntry.range.end, text: multiline ? `,${eol}${indent}${newEntry}` : `, ${newEntry}` };
  return {
    title: title(suggestion, `a new entry of the migration list in ${statement.file}`),
    edits: [{ kind: 'replace', file: statement.file, range: { start: edit.start, end: edit.start }, newText: edit.text }],
  };
}
