import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectForeignDialect, maskSqlText } from '../../server/engine/sql/dialect';

test('PostgreSQL and MySQL syntax outside strings is recognised', () => {
  const cases: Array<[string, string]> = [
    ["SELECT created_at::date FROM events", "PostgreSQL: '::' cast"],
    ["SELECT '2024-01-01' :: timestamptz", "PostgreSQL: '::' cast"],
    ['CREATE TABLE users (id SERIAL PRIMARY KEY, name TEXT)', 'PostgreSQL: SERIAL column'],
    ['CREATE TABLE users (\n  "id" bigserial,\n  name text\n)', 'PostgreSQL: SERIAL column'],
    ['CREATE INDEX CONCURRENTLY idx_a ON a (b)', 'PostgreSQL: CREATE INDEX CONCURRENTLY'],
    ['CREATE UNIQUE INDEX concurrently idx_a ON a (b)', 'PostgreSQL: CREATE INDEX CONCURRENTLY'],
    ['CREATE INDEX idx_a ON a (b) INCLUDE (c, d)', 'PostgreSQL: INCLUDE (…) index columns'],
    ["DELETE FROM sessions WHERE seen < NOW() - INTERVAL '7 days'", 'PostgreSQL/MySQL: INTERVAL arithmetic'],
    ['SELECT * FROM t WHERE ts > now() - interval 1 day', 'PostgreSQL/MySQL: INTERVAL arithmetic'],
    ['CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql', 'PostgreSQL: $$-quoted function body'],
    ['CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1 $body$ LANGUAGE sql', 'PostgreSQL: $$-quoted function body'],
    ['CREATE EXTENSION IF NOT EXISTS pgcrypto', 'PostgreSQL: CREATE EXTENSION'],
    ['CREATE INDEX idx_doc ON docs USING gin (body)', 'PostgreSQL/MySQL: index method USING …'],
    ['CREATE TABLE t (id INT) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4', 'MySQL: ENGINE= table option'],
    ['CREATE TABLE t (id INT NOT NULL AUTO_INCREMENT, PRIMARY KEY (id))', 'MySQL: AUTO_INCREMENT (SQLite spells it AUTOINCREMENT)'],
    ['\\connect app\nCREATE TABLE t (id int);', 'PostgreSQL: psql backslash command'],
    ['DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END //', 'MySQL: DELIMITER command'],
    ['CREATE OR REPLACE VIEW v AS SELECT 1', 'PostgreSQL/MySQL: CREATE OR REPLACE'],
    ['--\n-- PostgreSQL database dump\n--\nCREATE TABLE public.t (id integer);', 'PostgreSQL: pg_dump header'],
    ['-- MySQL dump 10.13  Distrib 8.0.36\nCREATE TABLE t (id int);', 'MySQL: mysqldump header'],
  ];
  for (const [sql, reason] of cases) assert.equal(detectForeignDialect(sql), reason, sql);
});

test('SQLite-valid text is never flagged', () => {
  const sqlite = [
    "SELECT '::' AS sep, 'a::b' FROM t",
    'SELECT "weird::name" FROM t -- a comment with ::int and SERIAL PRIMARY KEY',
    '/* CREATE INDEX CONCURRENTLY; ENGINE=InnoDB; $$ */ SELECT 1',
    'CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, serial TEXT NOT NULL, engine TEXT)',
    "UPDATE machines SET engine = 'v8', serial = ? WHERE id = ?",
    'SELECT serial, engine FROM machines ORDER BY serial',
    'CREATE VIRTUAL TABLE docs USING fts5(body)',
    'SELECT * FROM a JOIN b USING (id)',
    'SELECT * FROM t WHERE x = $a::b',
    'SELECT * FROM t WHERE x = $1 AND y = :name AND z = @z',
    "SELECT datetime('now', '-7 days'), interval FROM jobs WHERE interval > 5",
    'CREATE INDEX idx_a ON a (b) WHERE c IS NOT NULL',
    "INSERT INTO notes (body) VALUES ('C:\\path\\to')",
    "SELECT 'it''s ::fine' FROM t",
    '',
    "SELECT 'unterminated ::int",
  ];
  for (const sql of sqlite) assert.equal(detectForeignDialect(sql), undefined, sql);
  assert.equal(detectForeignDialect('SELECT 1', 'db/schema.sql'), undefined);
});

test('folder and file-name hints', () => {
  assert.equal(detectForeignDialect('SELECT 1', 'db/postgres/001_init.sql'), "PostgreSQL: path segment 'postgres'");
  assert.equal(detectForeignDialect('SELECT 1', 'migrations/pg/001.sql'), "PostgreSQL: path segment 'pg'");
  assert.equal(detectForeignDialect('SELECT 1', 'db/pg_migrations/001.sql'), "PostgreSQL: path segment 'pg_migrations'");
  assert.equal(detectForeignDialect('SELECT 1', 'schema.mysql.sql'), "MySQL: path segment 'schema.mysql.sql'");
  assert.equal(detectForeignDialect('SELECT 1', 'sql\\mariadb\\init.sql'), "MySQL: path segment 'mariadb'");
  // Not hints: substrings of longer words, or a path that names SQLite as well.
  assert.equal(detectForeignDialect('SELECT 1', 'src/pgvector_demo/schema.sql'), undefined);
  assert.equal(detectForeignDialect('SELECT 1', 'pages/upgrade/001.sql'), undefined);
  assert.equal(detectForeignDialect('SELECT 1', 'migrations/sqlite_from_pg/001.sql'), undefined);
});

test('the first sign in the text is reported, and text signs win over path hints', () => {
  assert.equal(detectForeignDialect('CREATE TABLE t (id SERIAL);\nSELECT now()::date;'), 'PostgreSQL: SERIAL column');
  assert.equal(detectForeignDialect('SELECT x::int', 'mysql/a.sql'), "PostgreSQL: '::' cast");
});

test('maskSqlText blanks strings, identifiers and comments but keeps offsets and newlines', () => {
  const text = "SELECT 'a;b', \"c\" -- note\r\nFROM [t] /* x\ny */ WHERE `d` = 1";
  const masked = maskSqlText(text);
  assert.equal(masked.code.length, text.length);
  assert.equal(masked.code, "SELECT '   ', \" \"        \r\nFROM [ ]     \n     WHERE ` ` = 1");
  assert.deepEqual(
    masked.comments.map((c) => text.slice(c.start, c.end)),
    ['-- note', '/* x\ny */'],
  );
  assert.deepEqual(maskSqlText("SELECT 'open").code, "SELECT '    ");
  assert.deepEqual(maskSqlText('/* open').comments, [{ start: 0, end: 7 }]);
});
