// Rewrites separate COUNT queries into one conditional aggregation in TypeScript/JavaScript (better-sqlite3,
// node:sqlite): consecutive `const n = db.prepare(…).pluck().get()` / `.get().n` declarations become one destructuring
// declaration of the merged row, and the values of an object literal (`{ pending: db.prepare(…).get().n, … }`) read
// the keys of one row fetched just before it. Column aliases are the names, so the row's keys are the same names.
import type { FileEdit, OffsetRange, ScalarReadFact } from '../types';
import { mergedSql, mergedSqlBlock, type MergedCount } from '../workload/countMerge';
import { groupReads, reorder, type CountRewrite, type CountRewriteInput } from './countRewriteFix';

/** A name that is the same in JavaScript and, as a column alias, in SQL. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Longer single-line statements are written as a multi-line template literal. */
const MAX_LINE = 120;
const COMMENTS_AND_SPACE = /^(?:\s|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*$/;

/** The rewrite, or undefined when the code is not in a shape it can rewrite safely. */
export function countRewriteFixTs(input: CountRewriteInput): CountRewrite | undefined {
  const group = groupReads(input);
  if (!group || !group.every((read, i) => readsTheCount(input, read, i))) return undefined;
  const eol = input.text.includes('\r\n') ? '\r\n' : '\n';
  return group[0].into.kind === 'dict-entry' ? objectRewrite(input, group, eol) : declarationRewrite(input, group, eol);
}

/** `.pluck().get()` reads the only column; `.get().n` must name the original column, or it read undefined. */
function readsTheCount(input: CountRewriteInput, read: ScalarReadFact, position: number): boolean {
  const readText = input.text.slice(read.range.start, read.range.end);
  if (readText.endsWith(')')) return true;
  const property = /\??\.\s*([A-Za-z_$][\w$]*)$/.exec(readText)?.[1];
  return property !== undefined && property === columnAlias(input.merged.queries[position].statement.sql);
}

/** `SELECT COUNT(*) AS n FROM …` → n (the query is known to select one aggregate). */
function columnAlias(sql: string): string | undefined {
  const match = /^\s*select\s+[^;]*?\)\s*(?:as\s+)?(?:"([^"]+)"|`([^`]+)`|\[([^\]]+)\]|([A-Za-z_]\w*))\s+from\b/i.exec(sql);
  const alias = match?.[1] ?? match?.[2] ?? match?.[3] ?? match?.[4];
  return alias === undefined || /^from$/i.test(alias) ? undefined : alias;
}

function lineIndent(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart, offset))?.[0] ?? '';
}

/** The file's indentation step: a tab, or the first indented line's spaces (2 or 4). */
function indentUnit(text: string): string {
  const first = /^([ \t]+)\S/m.exec(text)?.[1] ?? '  ';
  if (first.includes('\t')) return '\t';
  return first.length >= 4 ? '    ' : '  ';
}

/** The quote of the first query's SQL literal, reused when the merged SQL fits on one line. */
function quoteOf(input: CountRewriteInput, read: ScalarReadFact): string {
  return /prepare\s*\(\s*(['"`])/.exec(input.text.slice(read.callRange.start, read.callRange.end))?.[1] ?? "'";
}

function literal(sql: string, quote: string): string {
  const escaped = sql.replace(/\\/g, '\\\\');
  if (quote === '`') return `\`${escaped.replace(/`/g, '\\`').replace(/\$\{/g, '\\${')}\``;
  return `${quote}${escaped.replace(new RegExp(quote, 'g'), `\\${quote}`)}${quote}`;
}

/**
 * `db.prepare("SELECT … AS a, … AS b FROM t").get(args) as { a: number; b: number }` and the SQL it runs, on one line
 * when `lead` + the call fits, else as a template literal laid out on lines under `indent`.
 */
function mergedCall(input: CountRewriteInput, merged: MergedCount, read: ScalarReadFact, aliases: string[], lead: string, indent: string, eol: string) {
  const typed = /\.[cm]?tsx?$/i.test(input.file) ? ` as { ${aliases.map((alias) => `${alias}: number`).join('; ')} }` : '';
  const get = `.get(${read.argumentsText ?? ''})${typed}`;
  const oneLine = mergedSql(merged, aliases);
  const single = `${read.receiver}.prepare(${literal(oneLine, quoteOf(input, read))})${get}`;
  if (indent.length + lead.length + single.length + 1 <= MAX_LINE) return { code: single, sql: oneLine };
  const unit = indentUnit(input.text);
  const lines = mergedSqlBlock(merged, aliases, `${indent}${unit}`, unit);
  const sql = `${eol}${lines.join(eol)}${eol}${indent}`;
  return { code: `${read.receiver}.prepare(${literal(sql, '`')})${get}`, sql };
}

/** `promptsCounts`, or `promptsCounts2` when the function already uses that name. */
function freshName(input: CountRewriteInput): string {
  const words = input.merged.table.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  const base = `${[words[0] ?? 'row', ...words.slice(1).map((word) => word[0].toUpperCase() + word.slice(1))].join('')}Counts`;
  const scope = input.text.slice(input.scope.start, input.scope.end);
  let name = /^[0-9]/.test(base) ? `_${base}` : base;
  const start = name;
  for (let suffix = 2; new RegExp(`(?<![\\w$])${name}(?![\\w$])`).test(scope); suffix++) name = `${start}${suffix}`;
  return name;
}

/** `pending` / `'pending'` / `"pending"` → pending, when it is a plain identifier. */
function keyName(key: string): string | undefined {
  const name = /^(['"]?)([^'"\\]*)\1$/.exec(key)?.[2];
  return name !== undefined && IDENTIFIER.test(name) ? name : undefined;
}

function objectRewrite(input: CountRewriteInput, group: ScalarReadFact[], eol: string): CountRewrite | undefined {
  const statement = group[0].into.statementRange;
  if (group.some((read) => read.into.statementRange.start !== statement.start)) return undefined;
  const keys = group.map((read) => (read.into.kind === 'dict-entry' ? keyName(read.into.key) : undefined));
  if (keys.some((key) => key === undefined) || new Set(keys).size !== keys.length) return undefined;
  const names = keys as string[];
  const indent = lineIndent(input.text, statement.start);
  const name = freshName(input);
  const semicolon = input.text.slice(statement.start, statement.end).trimEnd().endsWith(';') ? ';' : '';
  const lead = `const ${name} = `;
  const call = mergedCall(input, input.merged, group[0], names, lead, indent, eol);
  const edits: FileEdit[] = [
    { kind: 'replace', file: input.file, range: { start: statement.start, end: statement.start }, newText: `${lead}${call.code}${semicolon}${eol}${indent}` },
    ...group.map((read, i): FileEdit => ({ kind: 'replace', file: input.file, range: read.range, newText: `${name}.${names[i]}` })),
  ];
  return {
    fix: { title: `Count ${input.merged.table} in one query (${group.length} COUNTs → ${name}), same keys`, edits },
    sql: call.sql,
  };
}

function declarationRewrite(input: CountRewriteInput, group: ScalarReadFact[], eol: string): CountRewrite | undefined {
  const { text } = input;
  const ordered = [...group].sort((a, b) => a.into.statementRange.start - b.into.statementRange.start);
  const names = ordered.map((read) => (read.into.kind === 'assignment' ? read.into.name : ''));
  if (new Set(names).size !== names.length || !names.every((name) => IDENTIFIER.test(name))) return undefined;
  // `const x = …` as written (a type annotation would need a type for the whole pattern), the same keyword for all.
  const keywords = ordered.map((read, i) => new RegExp(`^(const|let|var)\\s+${names[i]}\\s*=`).exec(text.slice(read.into.statementRange.start, read.into.statementRange.end))?.[1]);
  if (keywords.some((keyword) => keyword !== keywords[0]) || keywords[0] === undefined) return undefined;
  // Only comments and other single-value reads may sit between them: moving reads across reads changes nothing.
  const readStatements = input.scalarReads.filter((read) => read.into.kind === 'assignment').map((read) => read.into.statementRange);
  for (let i = 1; i < ordered.length; i++) {
    const from = ordered[i - 1].into.statementRange.end;
    const to = ordered[i].into.statementRange.start;
    let gap = text.slice(from, to);
    for (const range of readStatements) if (range.start >= from && range.end <= to) gap = gap.replace(text.slice(range.start, range.end), '');
    if (!COMMENTS_AND_SPACE.test(gap)) return undefined;
  }
  const firstStatement = ordered[0].into.statementRange;
  const indent = lineIndent(text, firstStatement.start);
  const semicolon = text.slice(firstStatement.start, firstStatement.end).trimEnd().endsWith(';') ? ';' : '';
  const lead = `${keywords[0]} { ${names.join(', ')} } = `;
  const call = mergedCall(input, reorder(input.merged, group, ordered), ordered[0], names, lead, indent, eol);
  const edits: FileEdit[] = [{ kind: 'replace', file: input.file, range: firstStatement, newText: `${lead}${call.code}${semicolon}` }];
  for (const read of ordered.slice(1)) {
    const range = wholeLines(text, read.into.statementRange);
    if (!range) return undefined;
    edits.push({ kind: 'replace', file: input.file, range, newText: '' });
  }
  return { fix: { title: `Count ${input.merged.table} in one query (${names.join(', ')})`, edits }, sql: call.sql };
}

/** The lines a statement occupies, newline included, when nothing else shares them (a trailing comment may). */
function wholeLines(text: string, range: OffsetRange): OffsetRange | undefined {
  const lineStart = text.lastIndexOf('\n', range.start - 1) + 1;
  if (text.slice(lineStart, range.start).trim() !== '') return undefined;
  const newline = text.indexOf('\n', range.end);
  const lineEnd = newline === -1 ? text.length : newline + 1;
  if (!/^[ \t]*(?:\/\/[^\n]*)?\s*$/.test(text.slice(range.end, lineEnd))) return undefined;
  return { start: lineStart, end: lineEnd };
}
