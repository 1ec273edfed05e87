// What-if indexes must leave no trace: after any number of them, the planner sees the same statistics as before.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildSchema, type SchemaDatabase } from '../../server/engine/schema/schemaBuilder';

const SCHEMA = `CREATE TABLE jobs (
  id INTEGER PRIMARY KEY,
  owner_id INTEGER NOT NULL,
  archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
  created_at TEXT NOT NULL
);
CREATE INDEX idx_jobs_owner ON jobs(owner_id);
CREATE INDEX idx_jobs_archived ON jobs(archived);`;

const QUERY = 'SELECT * FROM jobs WHERE archived = 0 AND owner_id = ?';

async function build(): Promise<SchemaDatabase> {
  return buildSchema(
    [{ label: 's.sql', statements: [{ file: 's.sql', language: 'sql', sql: SCHEMA, range: { start: 0, end: SCHEMA.length }, role: 'schema', certainty: 'executed' }], home: { kind: 'schema-file', file: 's.sql' } }],
    { defaultRowCount: 1_000_000 },
  );
}

function details(db: SchemaDatabase, sql: string): string[] {
  const plan = db.explain(sql);
  assert.ok(plan.ok);
  return plan.flat.map((node) => node.detail);
}

describe('withHypotheticalIndexes', () => {
  it('uses the synthetic statistics for candidates and keeps them for real indexes afterwards', async () => {
    const db = await build();
    try {
      // With the statistics, the selective owner index wins over the two-valued flag (without them, SQLite picks
      // the flag index here): the statistics must survive every what-if.
      const before = ['SEARCH jobs USING INDEX idx_jobs_owner (owner_id=?)'];
      assert.deepEqual(details(db, QUERY), before);
      for (let round = 0; round < 5; round++) {
        const during = db.withHypotheticalIndexes(
          ['CREATE INDEX cand_archived_created ON jobs(archived, created_at)', 'CREATE INDEX cand_owner_archived ON jobs(owner_id, archived)'],
          () => details(db, QUERY),
        );
        assert.deepEqual(during, ['SEARCH jobs USING INDEX cand_owner_archived (owner_id=? AND archived=?)']);
        assert.deepEqual(details(db, QUERY), before);
      }
      // A candidate on the flag alone is judged with the same statistics as the real flag index: not chosen.
      const flagOnly = db.withHypotheticalIndexes(['CREATE INDEX cand_flag ON jobs(archived, id)'], () => details(db, QUERY));
      assert.deepEqual(flagOnly, before);
      const plan = db.explain('SELECT * FROM jobs INDEXED BY cand_flag');
      assert.deepEqual(plan, { ok: false, error: 'no such index: cand_flag' });
    } finally {
      db.close();
    }
  });

  it('resolves the table of a candidate the plan names, inside nested what-ifs too', async () => {
    const db = await build();
    try {
      const tables = db.withHypotheticalIndexes(['CREATE INDEX outer_created ON jobs(created_at)'], () =>
        db.withHypotheticalIndexes(['CREATE INDEX inner_owner ON jobs(owner_id, created_at)'], () => {
          const plan = db.explain('SELECT id FROM jobs j WHERE j.created_at > ? AND j.archived = 1');
          assert.ok(plan.ok);
          return plan.flat.map((node) => (node.op.kind === 'search' || node.op.kind === 'scan' ? [node.op.table, node.op.index?.name] : []));
        }),
      );
      assert.deepEqual(tables, [['jobs', 'outer_created']]);
    } finally {
      db.close();
    }
  });
});

const SHOP = `CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, country TEXT, deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)));
CREATE UNIQUE INDEX idx_users_email ON users(email);
CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), status TEXT NOT NULL, created_at TEXT NOT NULL, total INTEGER);
CREATE INDEX idx_orders_user ON orders(user_id);
CREATE TABLE items (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL, sku TEXT NOT NULL, qty INTEGER NOT NULL);
CREATE INDEX idx_items_order ON items(order_id);
CREATE VIEW open_orders AS SELECT o.*, u.email FROM orders o JOIN users u ON u.id = o.user_id WHERE o.status = 'open';
CREATE TABLE audit (id INTEGER PRIMARY KEY, at TEXT);`;

async function buildShop(scratchDatabases: boolean): Promise<SchemaDatabase> {
  return buildSchema(
    [{ label: 's.sql', statements: [{ file: 's.sql', language: 'sql', sql: SHOP, range: { start: 0, end: SHOP.length }, role: 'schema', certainty: 'executed' }], home: { kind: 'schema-file', file: 's.sql' } }],
    { defaultRowCount: 1_000_000, scratchDatabases },
  );
}

describe('what-if indexes in scratch databases', () => {
  const cases: Array<{ sql: string; ddl: string[] }> = [
    { sql: 'SELECT * FROM orders WHERE status = ? ORDER BY created_at', ddl: ['CREATE INDEX c1 ON orders(status, created_at)'] },
    // Joins and subqueries read tables the candidate is not on: they are copied in on first use.
    { sql: 'SELECT u.email, o.total FROM orders o JOIN users u ON u.id = o.user_id WHERE o.status = ? AND u.country = ?', ddl: ['CREATE INDEX c2 ON orders(status)'] },
    { sql: 'SELECT * FROM items WHERE order_id IN (SELECT id FROM orders WHERE created_at > ?) AND sku = ?', ddl: ['CREATE INDEX c3 ON items(sku)', 'CREATE INDEX c4 ON orders(created_at)'] },
    { sql: 'SELECT * FROM open_orders WHERE created_at > ? ORDER BY total', ddl: ['CREATE INDEX c5 ON orders(status, created_at)'] },
    { sql: 'SELECT count(*) FROM users WHERE deleted = 0 AND country = ?', ddl: ['CREATE INDEX c6 ON users(deleted)', 'CREATE INDEX c7 ON users(country)'] },
    { sql: 'UPDATE orders SET status = ? WHERE user_id = ? AND status = ?', ddl: ['CREATE INDEX c8 ON orders(user_id, status)'] },
    // The statement's own errors are the full schema's.
    { sql: 'SELECT nope FROM orders WHERE status = ?', ddl: ['CREATE INDEX c9 ON orders(status)'] },
    { sql: 'SELECT * FROM missing_table', ddl: ['CREATE INDEX c10 ON orders(status)'] },
  ];

  it('plans every statement exactly as the full schema does, before, during and after', async () => {
    const scratch = await buildShop(true);
    const full = await buildShop(false);
    try {
      for (let round = 0; round < 2; round++) {
        for (const { sql, ddl } of cases) {
          const inScratch = scratch.withHypotheticalIndexes(ddl, () => scratch.explain(sql));
          const inFull = full.withHypotheticalIndexes(ddl, () => full.explain(sql));
          assert.deepEqual(inScratch, inFull, sql);
          assert.deepEqual(scratch.explain(sql), full.explain(sql), sql);
        }
      }
      // The candidates really were used somewhere (the comparison is not between two plans that ignore them).
      const used = scratch.withHypotheticalIndexes(cases[0].ddl, () => scratch.explain(cases[0].sql));
      assert.ok(used.ok && used.flat.some((node) => node.detail.includes('USING INDEX c1')));
      // Nested what-ifs on another table see both candidates.
      const nested = scratch.withHypotheticalIndexes(['CREATE INDEX n1 ON orders(status)'], () =>
        scratch.withHypotheticalIndexes(['CREATE INDEX n2 ON users(country)'], () =>
          scratch.explain('SELECT * FROM orders o JOIN users u ON u.id = o.user_id WHERE o.status = ? AND u.country = ?'),
        ),
      );
      const nestedFull = full.withHypotheticalIndexes(['CREATE INDEX n1 ON orders(status)'], () =>
        full.withHypotheticalIndexes(['CREATE INDEX n2 ON users(country)'], () =>
          full.explain('SELECT * FROM orders o JOIN users u ON u.id = o.user_id WHERE o.status = ? AND u.country = ?'),
        ),
      );
      assert.deepEqual(nested, nestedFull);
    } finally {
      scratch.close();
      full.close();
    }
  });

  it('plans in the full schema when a scratch database cannot hold what the query reads', async () => {
    const db = await buildShop(true);
    const full = await buildShop(false);
    try {
      // Only the candidates' own table gets into a scratch database: the join's other table must come from the full schema.
      const copy = (db as unknown as { copyIntoScratch: (scratch: unknown, name: string) => boolean }).copyIntoScratch.bind(db);
      (db as unknown as { copyIntoScratch: (scratch: unknown, name: string) => boolean }).copyIntoScratch = (scratch, name) =>
        name.toLowerCase() === 'orders' && copy(scratch, name);
      const sql = 'SELECT u.email FROM orders o JOIN users u ON u.id = o.user_id WHERE o.status = ?';
      const ddl = ['CREATE INDEX fb ON orders(status)'];
      const plan = db.withHypotheticalIndexes(ddl, () => db.explain(sql));
      assert.deepEqual(plan, full.withHypotheticalIndexes(ddl, () => full.explain(sql)));
      assert.ok(plan.ok && plan.flat.some((node) => node.detail.includes('USING INDEX fb')));
      // The candidate is gone again from the full schema.
      assert.deepEqual(db.explain(sql), full.explain(sql));
    } finally {
      db.close();
      full.close();
    }
  });
});
