// Rewrites separate COUNT queries into one conditional aggregation in Python code: the row of the merged query is
// unpacked into the same names (consecutive `n = conn.execute(…).fetchone()[0]` assignments) or the same dict keys
// (`{"key": conn.execute(…).fetchone()[0], …}`), so the code around keeps working.
import type { Fix, FileEdit, OffsetRange, ScalarReadFact } from '../types';
import { mergedSqlBlock, type MergedCount } from '../workload/countMerge';

export interface CountRewriteInput {
  file: string;
  text: string;
  merged: MergedCount;
  /** Every scalar read of the file (the group's own are matched by call range). */
  scalarReads: ScalarReadFact[];
  /** The function holding the queries (where new names must not clash), else the whole file. */
  scope: OffsetRange;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A rewrite and the SQL it writes (to be planned before it is offered). */
export interface CountRewrite {
  fix: Fix;
  sql: string;
}

/** The rewrite, or undefined when the code is not in a shape it can rewrite safely. */
export function countRewriteFix(input: CountRewriteInput): CountRewrite | undefined {
  const group = groupReads(input);
  if (!group) return undefined;
  const eol = input.text.includes('\r\n') ? '\r\n' : '\n';
  return group[0].into.kind === 'dict-entry' ? dictRewrite(input, group, eol) : assignmentRewrite(input, group, eol);
}

/**
 * The scalar read of each query, in the queries' order, when all of them can share one execute: the same
 * receiver, the same arguments and the same kind of target. Shared by the Python and TypeScript rewrites.
 */
export function groupReads(input: CountRewriteInput): ScalarReadFact[] | undefined {
  const { merged } = input;
  if (merged.conditionsHaveParameters) return undefined;
  const reads = merged.queries.map((query) =>
    input.scalarReads.find(
      (read) => query.statement.call !== undefined && read.callRange.start === query.statement.call.range.start && read.callRange.end === query.statement.call.range.end,
    ),
  );
  if (reads.some((read) => read === undefined)) return undefined;
  const group = reads as ScalarReadFact[];
  const first = group[0];
  if (group.some((read) => read.receiver !== first.receiver || read.argumentsText !== first.argumentsText || read.into.kind !== first.into.kind)) {
    return undefined;
  }
  // Parameters are only allowed in the shared conditions, with the same arguments everywhere.
  if (first.argumentsText !== undefined && !merged.shared.some((conjunct) => conjunct.hasParameter)) return undefined;
  return group;
}

function lineIndent(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart, offset))?.[0] ?? '';
}

function indentUnit(indent: string): string {
  return indent.includes('\t') ? '\t' : '    ';
}

/** `conn.execute("""…""").fetchone()` and the SQL inside; backslashes and triple quotes are escaped in the literal. */
function executeCall(
  input: CountRewriteInput,
  read: ScalarReadFact,
  aliases: Array<string | undefined>,
  indent: string,
  eol: string,
): { code: string; sql: string } {
  const unit = indentUnit(indent);
  const lines = mergedSqlBlock(input.merged, aliases, `${indent}${unit}`, unit);
  const escaped = lines.map((line) => line.replace(/\\/g, '\\\\').replace(/"""/g, '\\"\\"\\"'));
  const args = read.argumentsText !== undefined ? `, ${read.argumentsText}` : '';
  return {
    code: `${read.receiver}.execute("""${eol}${escaped.join(eol)}${eol}${indent}"""${args}).fetchone()`,
    sql: `${eol}${lines.join(eol)}${eol}${indent}`,
  };
}

/** `prompts_counts`, or `prompts_counts_2` when the function already uses that name. */
function freshName(input: CountRewriteInput): string {
  const base = `${input.merged.table.toLowerCase().replace(/[^a-z0-9_]+/g, '_')}_counts`;
  const scope = input.text.slice(input.scope.start, input.scope.end);
  let name = base;
  for (let suffix = 2; new RegExp(`\\b${name}\\b`).test(scope); suffix++) name = `${base}_${suffix}`;
  return name;
}

/** Dict keys that are plain identifiers become column aliases: the merged SQL documents itself. */
function aliasesOf(names: string[]): Array<string | undefined> {
  const unique = new Set(names);
  return names.map((name) => (IDENTIFIER.test(name) && unique.size === names.length ? name : undefined));
}

function dictRewrite(input: CountRewriteInput, group: ScalarReadFact[], eol: string): CountRewrite | undefined {
  const statement = group[0].into.statementRange;
  if (group.some((read) => read.into.statementRange.start !== statement.start)) return undefined;
  const keys = group.map((read) => (read.into.kind === 'dict-entry' ? plainStringValue(read.into.key) : undefined));
  const indent = lineIndent(input.text, statement.start);
  const name = freshName(input);
  const call = executeCall(input, group[0], aliasesOf(keys.map((key) => key ?? '')), indent, eol);
  const edits: FileEdit[] = [
    {
      kind: 'replace',
      file: input.file,
      range: { start: statement.start, end: statement.start },
      newText: `${name} = ${call.code}${eol}${indent}`,
    },
    ...group.map((read, i): FileEdit => ({ kind: 'replace', file: input.file, range: read.range, newText: `${name}[${i}]` })),
  ];
  return {
    fix: { title: `Count ${input.merged.table} in one query (${group.length} COUNTs → ${name}), same dict keys`, edits },
    sql: call.sql,
  };
}

function assignmentRewrite(input: CountRewriteInput, group: ScalarReadFact[], eol: string): CountRewrite | undefined {
  const { text } = input;
  const ordered = [...group].sort((a, b) => a.into.statementRange.start - b.into.statementRange.start);
  const names = ordered.map((read) => (read.into.kind === 'assignment' ? read.into.name : ''));
  if (new Set(names).size !== names.length) return undefined;
  // Only other single-value reads may sit between them: moving reads across reads changes nothing.
  const readStatements = input.scalarReads
    .filter((read) => read.into.kind === 'assignment')
    .map((read) => read.into.statementRange)
    .sort((a, b) => a.start - b.start);
  for (let i = 1; i < ordered.length; i++) {
    let gap = text.slice(ordered[i - 1].into.statementRange.end, ordered[i].into.statementRange.start);
    for (const range of readStatements) {
      if (range.start >= ordered[i - 1].into.statementRange.end && range.end <= ordered[i].into.statementRange.start) {
        gap = gap.replace(text.slice(range.start, range.end), '');
      }
    }
    if (!/^(?:\s|#[^\n]*)*$/.test(gap)) return undefined;
  }
  const firstStatement = ordered[0].into.statementRange;
  const indent = lineIndent(text, firstStatement.start);
  const merged = reorder(input.merged, group, ordered);
  const call = executeCall({ ...input, merged }, ordered[0], aliasesOf(names), indent, eol);
  const edits: FileEdit[] = [{ kind: 'replace', file: input.file, range: firstStatement, newText: `${names.join(', ')} = ${call.code}` }];
  for (const read of ordered.slice(1)) {
    const range = wholeLines(text, read.into.statementRange);
    if (!range) return undefined;
    edits.push({ kind: 'replace', file: input.file, range, newText: '' });
  }
  return { fix: { title: `Count ${input.merged.table} in one query (${names.join(', ')})`, edits }, sql: call.sql };
}

/** The merged query with its columns in the order of `ordered` (the names on the left of the assignment). */
export function reorder(merged: MergedCount, group: ScalarReadFact[], ordered: ScalarReadFact[]): MergedCount {
  const positions = ordered.map((read) => group.indexOf(read));
  return {
    ...merged,
    queries: positions.map((position) => merged.queries[position]),
    columns: positions.map((position) => merged.columns[position]),
  };
}

/** The lines a statement occupies, newline included, when nothing else shares them (a trailing comment may). */
function wholeLines(text: string, range: OffsetRange): OffsetRange | undefined {
  const lineStart = text.lastIndexOf('\n', range.start - 1) + 1;
  if (text.slice(lineStart, range.start).trim() !== '') return undefined;
  const newline = text.indexOf('\n', range.end);
  const lineEnd = newline === -1 ? text.length : newline + 1;
  if (!/^\s*(?:#[^\n]*)?\s*$/.test(text.slice(range.end, lineEnd))) return undefined;
  return { start: lineStart, end: lineEnd };
}

/** `"pending"` / `'pending'` → pending; anything with a prefix or an escape → undefined. */
function plainStringValue(literalText: string): string | undefined {
  const match = /^(['"])([^'"\\]*)\1$/.exec(literalText);
  return match?.[2];
}
