import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractSqlFile } from '../../server/engine/extract/sqlFile';
import type { SourceFile } from '../../server/engine/types';

function sqlFile(text: string, path = 'db/schema.sql'): SourceFile {
  return { path, language: 'sql', text };
}

test('seed 004 schema file: DDL is schema, the query is a query, ranges are exact', () => {
  const text = `-- Main traces table
CREATE TABLE traces (
    id TEXT PRIMARY KEY,
    created_at REAL NOT NULL
);

CREATE INDEX idx_traces_created_at ON traces(created_at);

SELECT t.* FROM traces t
INNER JOIN trace_sessions ts ON t.id = ts.trace_id
WHERE ts.session_uid = ? AND t.created_at >= ?
ORDER BY t.created_at DESC;
`;
  const facts = extractSqlFile(sqlFile(text));
  assert.equal(facts.file, 'db/schema.sql');
  assert.equal(facts.language, 'sql');
  assert.equal(facts.skippedDialect, undefined);
  assert.deepEqual(
    facts.statements.map((s) => [s.role, s.certainty, s.language, s.file]),
    [
      ['schema', 'executed', 'sql', 'db/schema.sql'],
      ['schema', 'executed', 'sql', 'db/schema.sql'],
      ['query', 'executed', 'sql', 'db/schema.sql'],
    ],
  );
  for (const statement of facts.statements) {
    assert.equal(text.slice(statement.range.start, statement.range.end), statement.sql);
  }
  // The leading comment is not part of the statement: diagnostics land on CREATE.
  assert.equal(facts.statements[0].range.start, text.indexOf('CREATE TABLE'));
  assert.ok(facts.statements[0].sql.startsWith('CREATE TABLE traces ('));
  assert.ok(facts.statements[0].sql.endsWith(')'));
  assert.equal(facts.statements[1].sql, 'CREATE INDEX idx_traces_created_at ON traces(created_at)');
  assert.ok(facts.statements[2].sql.endsWith('ORDER BY t.created_at DESC'));
  assert.equal(facts.statements[0].literal, undefined);
  assert.equal(facts.statements[0].sqlToFile, undefined);
  assert.deepEqual(facts.suppressions, []);
});

test('transaction control is skipped; PRAGMA, INSERT and DROP keep their roles', () => {
  const text = 'BEGIN;\nPRAGMA foreign_keys = ON;\nCREATE TABLE a (x);\nCOMMIT;\nBEGIN TRANSACTION;\nINSERT INTO a VALUES (1);\nDROP INDEX IF EXISTS i;\nSAVEPOINT s;\nRELEASE s;\nROLLBACK;\nEND;';
  const facts = extractSqlFile(sqlFile(text));
  assert.deepEqual(
    facts.statements.map((s) => [s.sql, s.role]),
    [
      ['PRAGMA foreign_keys = ON', 'query'],
      ['CREATE TABLE a (x)', 'schema'],
      ['INSERT INTO a VALUES (1)', 'query'],
      ['DROP INDEX IF EXISTS i', 'schema'],
    ],
  );
});

test('suppressions: all rules, one rule with a reason, several rules; 0-based comment line', () => {
  const text = [
    'SELECT * FROM a WHERE x = 1; -- planlens-ignore',
    '-- planlens-ignore:missing-index small lookup table',
    'SELECT * FROM b WHERE y = 2;',
    '/* planlens-ignore:missing-index, temp-sort reviewed */',
    'SELECT * FROM c ORDER BY z;',
    "SELECT '-- planlens-ignore in a string' FROM d;",
    '-- planlens-ignored is not a suppression; neither is planlens-ignorexyz',
  ].join('\n');
  const facts = extractSqlFile(sqlFile(text));
  assert.deepEqual(facts.suppressions, [
    { line: 0, rules: [] },
    { line: 1, rules: ['missing-index'] },
    { line: 3, rules: ['missing-index', 'temp-sort'] },
  ]);
  assert.equal(facts.statements.length, 4);
});

test('foreign dialect: no statements, reason recorded', () => {
  const pg = extractSqlFile(sqlFile('CREATE TABLE t (id SERIAL PRIMARY KEY);\nSELECT now()::date;'));
  assert.deepEqual(pg.statements, []);
  assert.equal(pg.skippedDialect, 'PostgreSQL: SERIAL column');
  const byFolder = extractSqlFile(sqlFile('CREATE TABLE t (id INTEGER);', 'db/mysql/001.sql'));
  assert.deepEqual(byFolder.statements, []);
  assert.equal(byFolder.skippedDialect, "MySQL: path segment 'mysql'");
});

test('UTF-8 BOM and CRLF: ranges are offsets into the text as given', () => {
  const text = '\uFEFF-- planlens-ignore:temp-sort\r\nSELECT * FROM a ORDER BY b;\r\n\r\nCREATE INDEX i ON a(b);\r\n';
  const facts = extractSqlFile(sqlFile(text));
  assert.deepEqual(
    facts.statements.map((s) => [s.sql, s.range]),
    [
      ['SELECT * FROM a ORDER BY b', { start: 31, end: 57 }],
      ['CREATE INDEX i ON a(b)', { start: 62, end: 84 }],
    ],
  );
  for (const statement of facts.statements) assert.equal(text.slice(statement.range.start, statement.range.end), statement.sql);
  assert.deepEqual(facts.suppressions, [{ line: 0, rules: ['temp-sort'] }]);
});

test('bad input: empty, comments only, unterminated string and half-typed statements never throw', () => {
  assert.deepEqual(extractSqlFile(sqlFile('')).statements, []);
  assert.deepEqual(extractSqlFile(sqlFile('-- nothing here\n/* still nothing */')).statements, []);
  const unterminated = extractSqlFile(sqlFile("SELECT * FROM a WHERE x = 'oops;\nSELECT 2;"));
  assert.deepEqual(unterminated.statements.map((s) => s.sql), ["SELECT * FROM a WHERE x = 'oops;\nSELECT 2;"]);
  const halfTyped = extractSqlFile(sqlFile('SELECT * FROM a WHERE;\nCREATE TABLE'));
  assert.deepEqual(halfTyped.statements.map((s) => [s.sql, s.role]), [
    ['SELECT * FROM a WHERE', 'query'],
    ['CREATE TABLE', 'schema'],
  ]);
});
