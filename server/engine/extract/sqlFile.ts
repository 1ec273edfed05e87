// A .sql file: every statement is certainly executed; DDL is schema, everything else a query.
import type { ExtractedSql, FileFacts, SourceFile, Suppression } from '../types';
import { detectForeignDialect, maskSqlText } from '../sql/dialect';
import { isDdl, isTransactionControl, splitSqlStatements, stripLeadingComments } from '../sql/split';
import { LineIndex } from '../text/lineIndex';

/** `planlens-ignore`, `planlens-ignore:missing-index reason`, `planlens-ignore:missing-index,temp-sort reason`. */
const SUPPRESSION = /planlens-ignore(?::([A-Za-z0-9_-]+(?:\s*,\s*[A-Za-z0-9_-]+)*))?(?![\w-])/g;

export function extractSqlFile(file: SourceFile): FileFacts {
  const facts: FileFacts = { file: file.path, language: 'sql', statements: [], suppressions: [] };
  const text = file.text;
  const foreign = detectForeignDialect(text, file.path);
  if (foreign !== undefined) {
    facts.skippedDialect = foreign;
    return facts;
  }
  for (const span of splitSqlStatements(text)) {
    const body = stripLeadingComments(span.text);
    if (body.length === 0 || isTransactionControl(body)) continue;
    // Diagnostics go on the statement itself, not on the comments above it.
    const start = span.range.end - body.length;
    const statement: ExtractedSql = {
      file: file.path,
      language: 'sql',
      sql: body,
      range: { start, end: span.range.end },
      role: isDdl(body) ? 'schema' : 'query',
      certainty: 'executed',
    };
    facts.statements.push(statement);
  }
  facts.suppressions = findSuppressions(text);
  return facts;
}

function findSuppressions(text: string): Suppression[] {
  if (!text.includes('planlens-ignore')) return [];
  const lines = new LineIndex(text);
  const suppressions: Suppression[] = [];
  for (const comment of maskSqlText(text).comments) {
    const commentText = text.slice(comment.start, comment.end);
    for (const match of commentText.matchAll(SUPPRESSION)) {
      const rules = match[1] ? match[1].split(',').map((rule) => rule.trim().toLowerCase()) : [];
      suppressions.push({ line: lines.positionAt(comment.start + (match.index ?? 0)).line, rules });
    }
  }
  return suppressions;
}
