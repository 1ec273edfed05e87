import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MappedSqlBuilder, normalizeParameters, rewriteParameters } from '../../server/engine/extract/params';

const PYFORMAT = { pyformat: true };

test('rewrites pyformat placeholders into SQLite parameters of the same length', () => {
  const sql = 'SELECT * FROM t WHERE a = %s AND b = %(user_id)s AND c = %(x)s';
  const rewritten = rewriteParameters(sql, PYFORMAT);
  assert.equal(rewritten, 'SELECT * FROM t WHERE a = ?  AND b = :user_id    AND c = :x   ');
  assert.equal(rewritten.length, sql.length);
});

test('%% is a literal percent (SQLite modulo) and never starts a placeholder', () => {
  assert.equal(rewriteParameters('SELECT a %% 2, b FROM t WHERE c = %s', PYFORMAT), 'SELECT a %  2, b FROM t WHERE c = ? ');
  // `%%s` is a percent sign followed by the letter s, not a placeholder.
  assert.equal(rewriteParameters('SELECT x %%s', PYFORMAT), 'SELECT x % s');
});

test('a pyformat name that is not an SQLite identifier becomes an anonymous ? of the same length', () => {
  assert.equal(rewriteParameters('WHERE a = %(my-name)s', PYFORMAT), 'WHERE a = ?          ');
});

test('leaves % inside SQL strings, quoted identifiers and comments alone', () => {
  const sql = `SELECT "50%s", [a%s] FROM t WHERE name LIKE '%s%' -- %s\n/* %(x)s */ AND b = %s`;
  assert.equal(rewriteParameters(sql, PYFORMAT), `SELECT "50%s", [a%s] FROM t WHERE name LIKE '%s%' -- %s\n/* %(x)s */ AND b = ? `);
  assert.equal(rewriteParameters("WHERE a = 'it''s %s' AND b = %s", PYFORMAT), "WHERE a = 'it''s %s' AND b = ? ");
});

test("keeps SQLite's own parameter styles, including $1, and unclosed or unknown % forms", () => {
  const native = 'SELECT ?, ?12, :name, @name, $name, $1 FROM t WHERE a % 3 = 1 AND b = %(open AND c = %d';
  assert.equal(rewriteParameters(native, PYFORMAT), native);
  assert.equal(rewriteParameters('WHERE a = %s', {}), 'WHERE a = %s');
  assert.equal(rewriteParameters('', PYFORMAT), '');
  assert.equal(rewriteParameters('%', PYFORMAT), '%');
  assert.equal(rewriteParameters("SELECT 'unterminated %s", PYFORMAT), "SELECT 'unterminated %s");
});

test('the builder maps verbatim pieces one to one and replacements onto the span they stand for', () => {
  // Source: `"SELECT a\tb " 'FROM t'` — an escape in the first piece, a gap (quotes) between pieces.
  const source = `"SELECT a\\tb " 'FROM t'`;
  const builder = new MappedSqlBuilder();
  builder.appendVerbatim('SELECT a', 1);
  builder.appendReplacement('\t', 9, 11);
  builder.appendVerbatim('b ', 11);
  builder.appendVerbatim('FROM t', 16);
  const mapped = builder.build();
  assert.equal(mapped.sql, 'SELECT a\tb FROM t');
  assert.equal(mapped.toSource(0), 1);
  assert.equal(source[mapped.toSource(mapped.sql.indexOf('a'))], 'a');
  assert.equal(mapped.toSource(mapped.sql.indexOf('\t')), 9); // the backslash of `\t`
  assert.equal(source[mapped.toSource(mapped.sql.indexOf('b'))], 'b');
  assert.equal(mapped.toSource(mapped.sql.indexOf('FROM')), source.indexOf('FROM'));
  assert.equal(mapped.toSource(mapped.sql.length), source.length - 1); // end of the last piece's content
  // Out-of-range offsets are clamped rather than thrown on.
  assert.equal(mapped.toSource(-5), 1);
  assert.equal(mapped.toSource(1000), source.length - 1);
});

test('a removed line continuation (empty replacement) does not disturb the offsets after it', () => {
  const builder = new MappedSqlBuilder();
  builder.appendVerbatim('SELECT ', 10);
  builder.appendReplacement('', 17, 19); // backslash-newline
  builder.appendVerbatim('1', 19);
  const mapped = builder.build();
  assert.equal(mapped.sql, 'SELECT 1');
  assert.equal(mapped.toSource(7), 19);
  assert.equal(mapped.toSource(8), 20);
});

test('an empty builder maps everything to 0 and builds empty SQL', () => {
  const mapped = new MappedSqlBuilder().build();
  assert.equal(mapped.sql, '');
  assert.equal(mapped.toSource(3), 0);
});

test('normalizeParameters keeps the map, because rewrites keep the length', () => {
  const builder = new MappedSqlBuilder();
  builder.appendVerbatim('SELECT * FROM t WHERE a = %s AND archived = 0', 100);
  const mapped = builder.build();
  const normalized = normalizeParameters(mapped, PYFORMAT);
  assert.equal(normalized.sql, 'SELECT * FROM t WHERE a = ?  AND archived = 0');
  assert.equal(normalized.toSource(normalized.sql.indexOf('archived')), 100 + mapped.sql.indexOf('archived'));
  assert.equal(normalizeParameters(mapped, {}), mapped);
});
