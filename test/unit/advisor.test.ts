// The index advisor through the real pipeline pieces: schema in sql.js with synthetic statistics, the query's shape,
// the plan, and the what-if confirmation. Asserts the exact suggested columns, order and directions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSchema } from '../../server/engine/schema/schemaBuilder';
import { analyzeQueryShape } from '../../server/engine/sql/shape';
import { diagnoseQuery } from '../../server/engine/rules/accessDiagnosis';
import { DEFAULT_CONFIG } from '../../server/engine/config';
import { detectNamingStyle } from '../../server/engine/advisor/naming';
import type { ExtractedSql } from '../../server/engine/types';

async function schema(ddl: string) {
  const statement: ExtractedSql = {
    file: 'schema.sql',
    language: 'sql',
    sql: ddl,
    range: { start: 0, end: ddl.length },
    role: 'schema',
    certainty: 'executed',
  };
  return buildSchema([{ label: 'schema.sql', statements: [statement], home: { kind: 'schema-file', file: 'schema.sql' } }], {
    defaultRowCount: 1_000_000,
  });
}

async function diagnose(ddl: string, sql: string) {
  const db = await schema(ddl);
  const plan = db.explain(sql);
  assert.ok(plan.ok, plan.ok ? '' : plan.error);
  const shape = analyzeQueryShape(sql, { columnsOf: (t) => db.tables.get(t.toLowerCase())?.columns.map((c) => c.name) ?? [] });
  assert.ok(shape);
  const diagnoses = diagnoseQuery({
    sql,
    shape,
    planRoots: plan.roots,
    planFlat: plan.flat,
    db,
    config: { ...DEFAULT_CONFIG },
    namingStyle: detectNamingStyle(db.tables.values()),
  });
  db.close();
  return diagnoses.map((d) => ({
    table: d.table.name,
    problem: d.problem.kind,
    index: d.advice?.suggestion.ddl,
    improvements: d.advice?.improvements,
    ...(d.advice && d.advice.additional.length > 0 ? { also: d.advice.additional.map((a) => a.ddl) } : {}),
  }));
}

const USERS = `CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, org_id INTEGER, status TEXT, is_admin INTEGER, created_at TEXT);
CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), total REAL, created_at TEXT);`;

test('expression index for a function-wrapped column', async () => {
  assert.deepEqual(await diagnose(USERS, 'SELECT id FROM users WHERE lower(email) = ?'), [
    {
      table: 'users',
      problem: 'scan',
      index: 'CREATE INDEX IF NOT EXISTS idx_users_lower_email ON users(lower(email))',
      improvements: ['SCAN → SEARCH'],
    },
  ]);
});

test('equality columns first, most selective first; then one range column', async () => {
  assert.deepEqual(await diagnose(USERS, 'SELECT * FROM users WHERE status = ? AND org_id = ? AND created_at > ?'), [
    {
      table: 'users',
      problem: 'scan',
      index: 'CREATE INDEX IF NOT EXISTS idx_users_org_id_status_created_at ON users(org_id, status, created_at)',
      improvements: ['SCAN → SEARCH'],
    },
  ]);
});

test('the inner table of a join gets an index on its join column', async () => {
  const result = await diagnose(
    `${USERS} CREATE INDEX idx_users_org_id ON users(org_id);`,
    'SELECT u.email, o.total FROM users u JOIN orders o ON o.user_id = u.id WHERE u.org_id = ?',
  );
  assert.deepEqual(
    result.map((r) => [r.table, r.problem, r.index]),
    [['orders', 'scan', 'CREATE INDEX IF NOT EXISTS idx_orders_user_id ON orders(user_id)']],
  );
});

test('ORDER BY … LIMIT with mixed directions gets an index with the same directions', async () => {
  const result = await diagnose(
    `${USERS} CREATE INDEX idx_orders_user ON orders(user_id);`,
    'SELECT * FROM orders WHERE user_id = ? ORDER BY created_at DESC, total ASC LIMIT 10',
  );
  assert.deepEqual(result, [
    {
      table: 'orders',
      problem: 'sort',
      index: 'CREATE INDEX IF NOT EXISTS idx_orders_user_created_at_desc_total ON orders(user_id, created_at DESC, total)',
      improvements: ['sort removed'],
    },
  ]);
});

test('silent: primary key, unique lookups, well-indexed queries, no WHERE, whole-table aggregates', async () => {
  const ddl = `${USERS} CREATE UNIQUE INDEX idx_users_email ON users(email); CREATE INDEX idx_orders_user_created ON orders(user_id, created_at);`;
  for (const sql of [
    'SELECT * FROM users WHERE id = ?',
    'SELECT * FROM users WHERE email = ? AND status = ?',
    'SELECT * FROM orders WHERE user_id = ? ORDER BY created_at',
    'SELECT * FROM users',
    'SELECT COUNT(*) FROM orders',
  ]) {
    assert.deepEqual(await diagnose(ddl, sql), [], sql);
  }
});

test('a flag column is not a useful seek: the planner keeps the selective index and the advisor extends it', async () => {
  const result = await diagnose(
    `${USERS} CREATE INDEX idx_users_admin ON users(is_admin); CREATE INDEX idx_users_org ON users(org_id);`,
    'SELECT * FROM users WHERE is_admin = 1 AND org_id = ?',
  );
  assert.deepEqual(result, [
    {
      table: 'users',
      problem: 'partial',
      index: 'CREATE INDEX IF NOT EXISTS idx_users_org_is_admin ON users(org_id, is_admin)',
      improvements: ['2 columns constrained instead of 1'],
    },
  ]);
});

test('an OR across columns needs an index per branch: verified as a MULTI-INDEX OR', async () => {
  const ddl = 'CREATE TABLE messages (id INTEGER PRIMARY KEY, sender TEXT, recipient TEXT, body TEXT);';
  assert.deepEqual(await diagnose(ddl, 'SELECT * FROM messages WHERE sender = ?1 OR recipient = ?1'), [
    {
      table: 'messages',
      problem: 'scan',
      index: 'CREATE INDEX IF NOT EXISTS idx_messages_sender ON messages(sender)',
      improvements: ['SCAN → MULTI-INDEX OR'],
      also: ['CREATE INDEX IF NOT EXISTS idx_messages_recipient ON messages(recipient)'],
    },
  ]);
  // With one branch indexed already, one index completes it.
  const partlyIndexed = await diagnose(
    `${ddl} CREATE INDEX idx_messages_sender ON messages(sender);`,
    'SELECT * FROM messages WHERE sender = ? OR recipient = ?',
  );
  assert.deepEqual(partlyIndexed.map((d) => d.index), ['CREATE INDEX IF NOT EXISTS idx_messages_recipient ON messages(recipient)']);
});

test('a filter on a flag column alone is not reported: half the table is read either way', async () => {
  const ddl = 'CREATE TABLE sessions (id TEXT PRIMARY KEY, title TEXT, archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)));';
  assert.deepEqual(await diagnose(ddl, 'SELECT COUNT(*) FROM sessions WHERE archived = 0'), []);
  // With a selective filter next to it, the scan is reported and the index leads with the selective column.
  assert.deepEqual(
    (await diagnose(ddl, 'SELECT * FROM sessions WHERE archived = 0 AND title = ?')).map((d) => d.index),
    ['CREATE INDEX IF NOT EXISTS idx_sessions_title_archived ON sessions(title, archived)'],
  );
});
