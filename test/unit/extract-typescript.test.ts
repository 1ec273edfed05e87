import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractTypeScript } from '../../server/engine/extract/typescript';
import { grammarForPath } from '../../server/engine/extract/treeSitter';
import type { ExtractedSql, FileFacts, HostLanguage, OffsetRange } from '../../server/engine/types';

function extract(text: string, path = 'src/db.ts'): Promise<FileFacts> {
  const language: HostLanguage = /\.[mc]?jsx?$/.test(path) ? 'javascript' : 'typescript';
  return extractTypeScript({ path, language, text });
}

function slice(text: string, range: OffsetRange): string {
  return text.slice(range.start, range.end);
}

/** Range of the `occurrence`-th (0-based) appearance of `needle` in `text`. */
function rangeOf(text: string, needle: string, occurrence = 0): OffsetRange {
  let start = -1;
  for (let i = 0; i <= occurrence; i++) start = text.indexOf(needle, start + 1);
  assert.ok(start >= 0, `${needle} not found`);
  return { start, end: start + needle.length };
}

/** `word` (first occurrence in the SQL) maps onto its first occurrence in the file at or after `from`. */
function assertMapsWord(statement: ExtractedSql, text: string, word: string, from = statement.range.start): void {
  const sqlOffset = statement.sql.indexOf(word);
  assert.ok(sqlOffset >= 0, `${word} not in ${statement.sql}`);
  assert.ok(statement.sqlToFile);
  assert.equal(statement.sqlToFile(sqlOffset), text.indexOf(word, from), `offset of ${word}`);
}

function summary(facts: FileFacts): Array<[string, string, string, string | undefined]> {
  return facts.statements.map((s) => [s.sql, s.role, s.certainty, s.call?.method]);
}

const BETTER_SQLITE3 = `import Database from 'better-sqlite3';

const db = new Database('app.db');
db.pragma('journal_mode = WAL');

const SCHEMA = \`
  CREATE TABLE IF NOT EXISTS posts (id INTEGER PRIMARY KEY, user_id INTEGER, created_at TEXT);
\`;
db.exec(SCHEMA);

const BY_USER = 'SELECT * FROM posts WHERE user_id = @userId ' +
  "ORDER BY created_at DESC";

export function postsOf(userId: number) {
  // planlens: ignore[temp-sort]
  return db.prepare(BY_USER).all({ userId });
}

export class PostRepo {
  count(): number {
    return db.prepare('SELECT count(*) FROM posts WHERE user_id = :id').pluck().get({ id: 1 }) as number;
  }
}

export const latest = (limit: number) =>
  db.prepare(\`SELECT * FROM posts ORDER BY created_at DESC LIMIT \${limit}\`).all();
`;

test('better-sqlite3: prepare/exec/pragma, names, concatenation, classes and arrow functions', async () => {
  const text = BETTER_SQLITE3;
  const facts = await extract(text);
  assert.equal(facts.file, 'src/db.ts');
  assert.equal(facts.language, 'typescript');
  assert.equal(facts.skippedDialect, undefined);
  assert.deepEqual(summary(facts), [
    ['PRAGMA journal_mode = WAL', 'query', 'executed', 'pragma'],
    ['\n  CREATE TABLE IF NOT EXISTS posts (id INTEGER PRIMARY KEY, user_id INTEGER, created_at TEXT);\n', 'schema', 'executed', 'exec'],
    ['SELECT * FROM posts WHERE user_id = @userId ORDER BY created_at DESC', 'query', 'executed', 'prepare'],
    ['SELECT count(*) FROM posts WHERE user_id = :id', 'query', 'executed', 'prepare'],
    ['SELECT * FROM posts ORDER BY created_at DESC LIMIT ?       ', 'query', 'executed', 'prepare'],
  ]);
  const [pragma, schema, byUser, count, latest] = facts.statements;

  // The pragma keyword is added; the range is the literal, and the body maps back into it.
  assert.deepEqual(pragma.range, rangeOf(text, "'journal_mode = WAL'"));
  assert.equal(pragma.sqlToFile?.(0), pragma.range.start);
  assertMapsWord(pragma, text, 'WAL');
  assert.deepEqual(pragma.call?.range, rangeOf(text, "db.pragma('journal_mode = WAL')"));
  assert.equal(pragma.enclosingFunction, undefined);

  assert.deepEqual(schema.range, { start: text.indexOf('`\n  CREATE TABLE'), end: text.indexOf('`;\ndb.exec') + 1 });
  assert.equal(slice(text, schema.range), `\`${schema.sql}\``);
  assert.deepEqual(schema.literal, {
    range: schema.range,
    contentRange: { start: schema.range.start + 1, end: schema.range.end - 1 },
    quote: '`',
    prefix: '',
  });
  assert.deepEqual(schema.call?.range, rangeOf(text, 'db.exec(SCHEMA)'));

  // A module constant concatenated with `+`, used inside a function: one statement on the whole expression.
  assert.equal(slice(text, byUser.range), `'SELECT * FROM posts WHERE user_id = @userId ' +\n  "ORDER BY created_at DESC"`);
  assert.equal(byUser.enclosingFunction, 'postsOf');
  assert.deepEqual(byUser.literal, {
    range: rangeOf(text, "'SELECT * FROM posts WHERE user_id = @userId '"),
    contentRange: rangeOf(text, 'ORDER BY created_at DESC'),
    quote: '"',
    prefix: '',
  });
  assertMapsWord(byUser, text, '@userId');
  assertMapsWord(byUser, text, 'ORDER BY');
  assert.equal(byUser.dynamic, undefined);

  assert.equal(count.enclosingFunction, 'PostRepo.count');
  assert.equal(slice(text, count.call!.range), "db.prepare('SELECT count(*) FROM posts WHERE user_id = :id')");

  // A template hole becomes `?` padded to the hole's length, so later offsets stay exact.
  assert.equal(latest.enclosingFunction, 'latest');
  assert.equal(latest.dynamic, true);
  assert.equal(latest.sqlToFile?.(latest.sql.indexOf('?')), text.indexOf('${limit}'));
  assert.equal(latest.sqlToFile?.(latest.sql.length), latest.range.end - 1);

  assert.deepEqual(facts.suppressions, [{ line: 14, rules: ['temp-sort'] }]);
});

test('tags and markers: sql, Prisma.sql, $queryRaw/$executeRaw, /* sql */; fragments and other tags ignored', async () => {
  const text = `import { PrismaClient, Prisma } from '@prisma/client';
import { sql } from 'drizzle-orm';
import Database from 'better-sqlite3';

export async function find(id: number) {
  await prisma.$queryRaw<User[]>\`SELECT * FROM users WHERE id = \${id}\`;
  await this.prisma.$executeRaw\`DELETE FROM sessions WHERE user_id = \${id}\`;
  const where = Prisma.sql\`WHERE id = \${id}\`;
  const count = sql\`count(*)\`;
  const page = gql\`query { users { id } }\`;
  db.all(sql\`SELECT name FROM users\`);
  const q = Prisma.sql\`select email from users where id = \${id}\`;
}

const BY_NAME = /* sql */ \`SELECT id FROM users WHERE name = $name\`;
const NOT_SQL = /* sql */ \`name = $name\`;
const plain = \`SELECT id FROM users\`;
`;
  const facts = await extract(text, 'src/users.ts');
  assert.deepEqual(summary(facts), [
    ['SELECT * FROM users WHERE id = ?    ', 'query', 'executed', '$queryRaw'],
    ['DELETE FROM sessions WHERE user_id = ?    ', 'query', 'executed', '$executeRaw'],
    // Reported once, on the call that runs it.
    ['SELECT name FROM users', 'query', 'executed', 'all'],
    ['select email from users where id = ?    ', 'query', 'executed', 'sql'],
    ['SELECT id FROM users WHERE name = $name', 'query', 'executed', undefined],
  ]);
  const [queryRaw, executeRaw, all, , marked] = facts.statements;
  assert.equal(slice(text, queryRaw.range), '`SELECT * FROM users WHERE id = ${id}`');
  assert.equal(slice(text, executeRaw.call!.range), 'this.prisma.$executeRaw`DELETE FROM sessions WHERE user_id = ${id}`');
  assert.equal(queryRaw.dynamic, true);
  assert.equal(queryRaw.enclosingFunction, 'find');
  assert.equal(slice(text, all.range), '`SELECT name FROM users`');
  assert.equal(slice(text, all.call!.range), 'db.all(sql`SELECT name FROM users`)');
  assert.deepEqual(marked.range, rangeOf(text, '`SELECT id FROM users WHERE name = $name`'));
  assert.equal(marked.enclosingFunction, undefined);
  assert.equal(marked.dynamic, undefined);
});

test('knex raw, libsql execute({ sql }), Prisma unsafe calls, sqlite npm methods, dedent and .trim()', async () => {
  const text = `import knex from 'knex';
import { open } from 'sqlite';

export async function report(db, client, region) {
  await knex.raw('SELECT count(*) FROM users WHERE region = ?', [region]);
  await client.execute({ sql: "SELECT * FROM users WHERE email = ?", args: [region] });
  await prisma.$queryRawUnsafe('SELECT * FROM users WHERE name = $1', region);
  await db.each('SELECT id FROM users', (err, row) => {});
  await db.run(\`  UPDATE users SET seen = 1  \`.trim());
  return db.get(dedent\`
    SELECT * FROM users WHERE id = 1\`);
}
`;
  const facts = await extract(text, 'lib/report.js');
  assert.equal(facts.language, 'javascript');
  assert.deepEqual(summary(facts), [
    ['SELECT count(*) FROM users WHERE region = ?', 'query', 'executed', 'raw'],
    ['SELECT * FROM users WHERE email = ?', 'query', 'executed', 'execute'],
    ['SELECT * FROM users WHERE name = $1', 'query', 'executed', '$queryRawUnsafe'],
    ['SELECT id FROM users', 'query', 'executed', 'each'],
    ['  UPDATE users SET seen = 1  ', 'query', 'executed', 'run'],
    ['\n    SELECT * FROM users WHERE id = 1', 'query', 'executed', 'get'],
  ]);
  assert.deepEqual(facts.statements[1].range, rangeOf(text, '"SELECT * FROM users WHERE email = ?"'));
  assert.deepEqual(facts.statements[4].range, rangeOf(text, '`  UPDATE users SET seen = 1  `'));
  assert.ok(facts.statements.every((s) => s.enclosingFunction === 'report'));
});

test('names: closest binding, parameters shadow module constants, += and loops stop resolution, object properties', async () => {
  const text = `const sql = 'SELECT 1';
const QUERIES = {
  byId: 'SELECT * FROM users WHERE id = ?',
  nested: { recent: \`SELECT * FROM users ORDER BY created_at DESC\` },
  'quoted-key': "SELECT 2",
} as const;

function shadowed(sql: string) {
  return db.prepare(sql).get();
}
function grown(filter: boolean) {
  let q = 'SELECT * FROM users';
  if (filter) q += ' WHERE active = 1';
  return db.prepare(q).all();
}
function reassigned() {
  let q = 'SELECT a FROM t';
  q = 'SELECT b FROM t';
  return db.prepare(q).all();
}
function looped(list: string[]) {
  for (const statement of list) db.exec(statement);
}
function properties() {
  db.prepare(QUERIES.byId).get(1);
  db.prepare(QUERIES.nested.recent).all();
  db.prepare(QUERIES.missing).all();
}
db.prepare(sql).get();
`;
  const facts = await extract(text);
  assert.deepEqual(
    facts.statements.map((s) => [s.sql, s.enclosingFunction]),
    [
      ['SELECT 1', undefined],
      ['SELECT * FROM users WHERE id = ?', 'properties'],
      ['SELECT * FROM users ORDER BY created_at DESC', 'properties'],
      ['SELECT b FROM t', 'reassigned'],
    ],
  );
  assert.deepEqual(facts.statements[0].range, rangeOf(text, "'SELECT 1'"));
  assert.deepEqual(facts.statements[0].call?.range, rangeOf(text, 'db.prepare(sql)', 1));
});

test('DDL: executed, constant, migration arrays and objects; down migrations and prose are not schema', async () => {
  const text = `export const migrations = [
  "CREATE TABLE a (x)",
  'ALTER TABLE a ADD COLUMN y',
];
const versions = { 1: 'CREATE TABLE b (x)', 2: 'CREATE INDEX b_x ON b(x)' };
const knexStyle = { up: 'CREATE TABLE c (x)', down: 'DROP TABLE c' };
export async function down(db) {
  db.exec('DROP TABLE a');
}
const message = "Create a new account";
const notice = 'drop me a line';
`;
  const facts = await extract(text);
  assert.deepEqual(
    facts.statements.map((s) => [s.sql, s.role, s.certainty, s.migrationContainer?.kind, s.migrationContainer?.entries.map((e) => e.key ?? '-').join()]),
    [
      ['CREATE TABLE a (x)', 'schema', 'constant', 'list', '-,-'],
      ['ALTER TABLE a ADD COLUMN y', 'schema', 'constant', 'list', '-,-'],
      ['CREATE TABLE b (x)', 'schema', 'constant', 'dict', '1,2'],
      ['CREATE INDEX b_x ON b(x)', 'schema', 'constant', 'dict', '1,2'],
      ['CREATE TABLE c (x)', 'schema', 'constant', undefined, undefined],
    ],
  );
  const list = facts.statements[0].migrationContainer!;
  assert.equal(slice(text, list.range), text.slice(text.indexOf('['), text.indexOf('];') + 1));
  assert.deepEqual(list.entries.map((e) => slice(text, e.range)), ['"CREATE TABLE a (x)"', "'ALTER TABLE a ADD COLUMN y'"]);
  assert.deepEqual(facts.statements[2].migrationContainer?.entries.map((e) => slice(text, e.range)), [
    "1: 'CREATE TABLE b (x)'",
    "2: 'CREATE INDEX b_x ON b(x)'",
  ]);
});

test('escapes decode, and map back to the escape sequence', async () => {
  const text = "db.prepare('SELECT \\x41, \\u{1F600}, \\'q\\' FROM t WHERE a = \\\n1 AND b = \"\\n\"').get();\n";
  const facts = await extract(text);
  assert.equal(facts.statements.length, 1);
  const [statement] = facts.statements;
  assert.equal(statement.sql, "SELECT A, \u{1F600}, 'q' FROM t WHERE a = 1 AND b = \"\n\"");
  assert.equal(statement.sqlToFile?.(statement.sql.indexOf('A')), text.indexOf('\\x41'));
  assertMapsWord(statement, text, 'FROM');
  assertMapsWord(statement, text, 'AND b');
});

test('suppressions: line and block comments, with and without rules', async () => {
  const text = `// planlens: ignore
db.prepare('SELECT 1').get();
/* planlens: ignore[missing-index, temp-sort] */ db.prepare('SELECT 2').get();
// TODO planlens is great
`;
  const facts = await extract(text);
  assert.deepEqual(facts.suppressions, [
    { line: 0, rules: [] },
    { line: 2, rules: ['missing-index', 'temp-sort'] },
  ]);
});

test('dialect: PostgreSQL and MySQL drivers without a SQLite one skip the file', async () => {
  const query = "\nexport const q = () => db.prepare('SELECT * FROM users WHERE id = 1').get();\n";
  const cases: Array<[string, string | undefined]> = [
    ["import { Pool } from 'pg';", 'imports pg (PostgreSQL) and no SQLite driver'],
    ["const mysql = require('mysql2/promise');", 'imports mysql2/promise (MySQL) and no SQLite driver'],
    ["import { pgTable } from 'drizzle-orm/pg-core';", 'imports drizzle-orm/pg-core (PostgreSQL) and no SQLite driver'],
    ["import postgres from 'postgres';", 'imports postgres (PostgreSQL) and no SQLite driver'],
    ["import { Pool } from 'pg';\nimport Database from 'better-sqlite3';", undefined],
    ["import { sqliteTable } from 'drizzle-orm/sqlite-core';\nimport { Pool } from 'pg';", undefined],
    ["import { DatabaseSync } from 'node:sqlite';", undefined],
    ["import { Kysely } from 'kysely';", undefined],
  ];
  for (const [imports, reason] of cases) {
    const facts = await extract(imports + query);
    assert.equal(facts.skippedDialect, reason, imports);
    assert.equal(facts.statements.length, reason ? 0 : 1, imports);
  }
});

test('grammars: tsx for .tsx/.jsx, typescript for .ts/.mts/.cts, javascript otherwise; JSX and casts parse', async () => {
  assert.equal(grammarForPath('a/b.tsx'), 'tsx');
  assert.equal(grammarForPath('a/b.JSX'), 'tsx');
  assert.equal(grammarForPath('a/b.ts'), 'typescript');
  assert.equal(grammarForPath('a/b.mts'), 'typescript');
  assert.equal(grammarForPath('a/b.cts'), 'typescript');
  assert.equal(grammarForPath('a/b.js'), 'javascript');
  assert.equal(grammarForPath('a/b.cjs'), 'javascript');

  const component = `export function Users() {
  const rows = db.prepare('SELECT name FROM users').all() as Array<{ name: string }>;
  return <ul>{rows.map((row) => <li key={row.name}>{row.name}</li>)}</ul>;
}
`;
  const tsx = await extract(component, 'src/Users.tsx');
  assert.deepEqual(tsx.statements.map((s) => [s.sql, s.enclosingFunction]), [['SELECT name FROM users', 'Users']]);
  const jsx = await extract(component.replace(' as Array<{ name: string }>', ''), 'src/Users.jsx');
  assert.deepEqual(jsx.statements.map((s) => s.sql), ['SELECT name FROM users']);
  const js = await extract(component.replace(' as Array<{ name: string }>', ''), 'src/Users.js');
  assert.deepEqual(js.statements.map((s) => s.sql), ['SELECT name FROM users']);
  // An angle-bracket cast is TypeScript, not JSX.
  const cast = await extract("const q = <string>'SELECT 1';\ndb.prepare(q).get();\n", 'src/cast.ts');
  assert.deepEqual(cast.statements.map((s) => s.sql), ['SELECT 1']);
});

test('not SQL: routes, shell commands, prose, regexes and unknown names', async () => {
  const text = `import express from 'express';
import { exec } from 'node:child_process';
router.get('/users', handler);
exec('ls -la');
cache.get('select');
const label = "Select an option";
db.prepare(buildQuery()).all();
db.prepare(\`\${base} WHERE id = ?\`).all();
db.exec(readFileSync('schema.sql', 'utf8'));
`;
  const facts = await extract(text);
  assert.deepEqual(facts.statements, []);
});

test('bad input: half-typed code, unterminated templates and strings, garbage, a huge file: no throw', async () => {
  const halfTyped = "export function f() {\n  return db.prepare('SELECT * FROM users WHERE id = ?').get(\n";
  const facts = await extract(halfTyped);
  assert.deepEqual(facts.statements.map((s) => s.sql), ['SELECT * FROM users WHERE id = ?']);

  for (const broken of [
    'db.prepare(`SELECT * FROM users WHERE id = ${',
    'db.prepare(`SELECT * FROM users',
    "db.prepare('SELECT * FROM users",
    'const SCHEMA = `CREATE TABLE t (a',
    '\u0000\u0001 select }}}{{{ `` ${ create table',
    "db.prepare('SELECT \\",
    '',
  ]) {
    const result = await extract(broken);
    assert.deepEqual(result.statements, [], broken);
  }

  const lines: string[] = ["import Database from 'better-sqlite3';"];
  for (let i = 0; i < 5000; i++) {
    lines.push(`export const q${i} = (id: number) => db.prepare('SELECT * FROM t${i % 50} WHERE c${i % 7} = ?').get(id);`);
  }
  const started = Date.now();
  const huge = await extract(lines.join('\n'));
  assert.equal(huge.statements.length, 5000);
  assert.equal(huge.statements[4999].sql, 'SELECT * FROM t49 WHERE c1 = ?');
  assert.equal(huge.statements[4999].enclosingFunction, 'q4999');
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
});
