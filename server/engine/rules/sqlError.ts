import type { ExtractedSql, OffsetRange } from '../types';
import type { RuleMeta, RuleReport } from './rule';

const SYNTAX_ERROR = /syntax error|incomplete input|unrecognized token/i;
const UNKNOWN_TABLE = /^no such table/i;

/** For "no such column: x" / "no such table: x", the range of that name inside the string, when it occurs once. */
function nameRange(statement: ExtractedSql, error: string): OffsetRange | undefined {
  const name = /^no such (?:column|table): (?:\w+\.)?(\w+)$/i.exec(error)?.[1];
  if (!name) return undefined;
  const pattern = new RegExp(`\\b${name}\\b`, 'gi');
  const matches = [...statement.sql.matchAll(pattern)];
  if (matches.length !== 1 || matches[0].index === undefined) return undefined;
  const toFile = statement.sqlToFile ?? ((offset: number) => statement.range.start + offset);
  const start = toFile(matches[0].index);
  const end = toFile(matches[0].index + name.length - 1) + 1;
  return start >= statement.range.start && end <= statement.range.end && start < end ? { start, end } : undefined;
}

/** SQL that is certainly executed but that SQLite cannot prepare against the rebuilt schema. */
export const sqlErrorRule = {
  meta: {
    id: 'sql-error',
    defaultSeverity: 'error',
    summary: 'SQLite cannot prepare SQL that the code executes: unknown table or column, or a syntax error.',
    fixable: false,
  } satisfies RuleMeta,
  /**
   * @param schemaIsKnown false when the workspace defines no tables at all: then every query would be
   *   "no such table", which says nothing about the code.
   */
  checkPrepareError(statement: ExtractedSql, error: string, schemaIsKnown: boolean): RuleReport[] {
    if (statement.certainty !== 'executed') return [];
    // Assembled SQL (f-string holes for table names) may not parse with placeholders: stay silent.
    if (statement.dynamic && SYNTAX_ERROR.test(error)) return [];
    if (UNKNOWN_TABLE.test(error) && !schemaIsKnown) return [];
    return [{ message: `SQLite cannot prepare this statement: ${error}.`, range: nameRange(statement, error) }];
  },
};
