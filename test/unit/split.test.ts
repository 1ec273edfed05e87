import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitSqlStatements, isDdl, isDdlScript, isTransactionControl } from '../../server/engine/sql/split';

test('splits at top-level semicolons and keeps ranges exact', () => {
  const sql = "CREATE TABLE a(x);\n-- note; not a split\nINSERT INTO a VALUES('1;2');  SELECT \"we;ird\" FROM a /* ; */;";
  const spans = splitSqlStatements(sql);
  assert.deepEqual(spans.map((s) => s.text), [
    'CREATE TABLE a(x)',
    "-- note; not a split\nINSERT INTO a VALUES('1;2')",
    'SELECT "we;ird" FROM a /* ; */',
  ]);
  for (const span of spans) assert.equal(sql.slice(span.range.start, span.range.end), span.text);
});

test('keeps trigger bodies whole, including CASE … END inside them', () => {
  const sql = `CREATE TRIGGER t AFTER INSERT ON a BEGIN
  UPDATE b SET n = CASE WHEN 1 THEN 2 END;
  DELETE FROM c;
END;
SELECT 1;`;
  const spans = splitSqlStatements(sql);
  assert.equal(spans.length, 2);
  assert.ok(spans[0].text.endsWith('END'));
  assert.equal(spans[1].text, 'SELECT 1');
});

test('drops empty and comment-only statements; survives unterminated strings', () => {
  assert.deepEqual(splitSqlStatements(' ;; -- only\n;').map((s) => s.text), []);
  assert.deepEqual(splitSqlStatements("SELECT 'abc").map((s) => s.text), ["SELECT 'abc"]);
});

test('classifies DDL and transaction control', () => {
  assert.ok(isDdl('/* x */ create index i on t(a)'));
  assert.ok(!isDdl('SELECT 1'));
  assert.ok(isTransactionControl('COMMIT'));
  assert.ok(isTransactionControl('begin transaction'));
});

test('a script that opens with BEGIN is DDL when its first real statement is', () => {
  assert.ok(isDdlScript('BEGIN; CREATE TABLE users (id INTEGER PRIMARY KEY); COMMIT;'));
  assert.ok(isDdlScript('-- schema\nCREATE INDEX i ON t(a)'));
  assert.ok(!isDdlScript('BEGIN; INSERT INTO t VALUES (1); COMMIT;'));
  assert.ok(!isDdlScript('BEGIN'));
});
