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
