import type { ExtractedSql } from '../types';
import type { RuleMeta, RuleReport } from './rule';

const SYNTAX_ERROR = /syntax error|incomplete input|unrecognized token/i;
const UNKNOWN_TABLE = /^no such table/i;

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
    return [{ message: `SQLite cannot prepare this statement: ${error}.` }];
  },
};
