import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadSqlJs } from '../../server/engine/schema/sqlite';
import { buildSchema, type SchemaDatabase } from '../../server/engine/schema/schemaBuilder';
import {
  classifyColumn,
  estimateRowsPerKey,
  insertStatRows,
  statRowForIndex,
  statRowsForTables,
  writeSyntheticStats,
} from '../../server/engine/schema/stats';
import type { ColumnInfo, ExtractedSql, IndexInfo, TableInfo } from '../../server/engine/types';

const MILLION = 1_000_000;

function column(name: string, type = 'TEXT', extra: Partial<ColumnInfo> = {}): ColumnInfo {
  return { name, type, notNull: false, pk: 0, ...extra };
}

function index(name: string, table: string, columns: string[], extra: Partial<IndexInfo> = {}): IndexInfo {
  return { name, table, columns: columns.map((c) => ({ name: c, desc: false })), unique: false, origin: 'c', partial: false, ...extra };
}

const SESSIONS: TableInfo = {
  name: 'sessions',
  withoutRowid: false,
  columns: [
    column('id', 'TEXT', { pk: 1 }),
    column('parent_session_id'),
    column('workspace', 'TEXT', { references: 'workspaces' }),
    column('archived', 'INTEGER'),
    column('is_pinned', 'INTEGER'),
    column('visible_flag', 'INTEGER'),
    column('muted', 'BOOLEAN'),
    column('quiet', 'INTEGER', { flagLike: true }),
    column('status'),
    column('context_type'),
    column('log_level'),
    column('created_at'),
    column('seen', 'DATETIME'),
    column('email'),
    column('title'),
  ],
  indexes: [index('sqlite_autoindex_sessions_2', 'sessions', ['email'], { unique: true, origin: 'u' })],
};

function sqlFile(file: string, text: string): ExtractedSql {
  return { file, language: 'sql', sql: text, range: { start: 0, end: text.length }, role: 'schema', certainty: 'executed' };
}

async function schema(sql: string): Promise<SchemaDatabase> {
  return buildSchema([{ label: 'schema.sql', statements: [sqlFile('schema.sql', sql)], home: { kind: 'schema-file', file: 'schema.sql' } }], {
    defaultRowCount: MILLION,
  });
}

function planOf(db: SchemaDatabase, sql: string): string[] {
  const result = db.explain(sql);
  assert.ok(result.ok, result.ok ? '' : result.error);
  return result.flat.map((node) => node.detail);
}

describe('column heuristics', () => {
  it('classifies every kind of column', () => {
    const roles = Object.fromEntries(SESSIONS.columns.map((c) => [c.name, classifyColumn(SESSIONS, c.name)]));
    assert.deepEqual(roles, {
      id: 'unique',
      parent_session_id: 'foreign-key',
      workspace: 'foreign-key',
      archived: 'flag',
      is_pinned: 'flag',
      visible_flag: 'flag',
      muted: 'flag',
      quiet: 'flag',
      status: 'low-cardinality',
      context_type: 'low-cardinality',
      log_level: 'low-cardinality',
      created_at: 'timestamp',
      seen: 'timestamp',
      email: 'unique',
      title: 'other',
    });
    assert.equal(classifyColumn(SESSIONS, 'ARCHIVED'), 'flag');
    assert.equal(classifyColumn(SESSIONS, 'no_such_column'), 'other');
  });

  it('estimates rows per key from the rules, clamped to [1, rowCount]', () => {
    const estimate = (name: string) => estimateRowsPerKey(SESSIONS, name, MILLION);
    assert.equal(estimate('id'), 1);
    assert.equal(estimate('archived'), 500_000);
    assert.equal(estimate('status'), 100_000);
    assert.equal(estimate('parent_session_id'), 10);
    assert.equal(estimate('created_at'), 1);
    assert.equal(estimate('title'), 10);
    assert.equal(estimateRowsPerKey(SESSIONS, 'title', 4), 4);
    assert.equal(estimateRowsPerKey(SESSIONS, 'archived', 1), 1);
    assert.equal(estimateRowsPerKey(SESSIONS, 'archived', 0), 1);
    assert.equal(estimateRowsPerKey(SESSIONS, 'archived'), 500_000, 'defaults to a million rows');
  });

  it('judges an expression column by the column inside it', () => {
    assert.equal(estimateRowsPerKey(SESSIONS, { name: null, expr: 'lower(status)', desc: false }, MILLION), 100_000);
    assert.equal(estimateRowsPerKey(SESSIONS, { name: null, expr: "json_extract(data, '$.x')", desc: false }, MILLION), 10);
    assert.equal(estimateRowsPerKey(SESSIONS, { name: null, desc: false }, MILLION), 10);
  });

  it('a composite primary key makes no single column unique', () => {
    const junction: TableInfo = {
      name: 'trace_sessions',
      withoutRowid: false,
      columns: [column('trace_id', 'TEXT', { pk: 1 }), column('session_uid', 'TEXT', { pk: 2 })],
      indexes: [],
    };
    assert.equal(classifyColumn(junction, 'trace_id'), 'foreign-key');
    assert.equal(classifyColumn(junction, 'session_uid'), 'foreign-key');
  });
});

describe('statRowForIndex', () => {
  const stat = (columns: string[], extra: Partial<IndexInfo> = {}) => statRowForIndex(SESSIONS, index('i', 'sessions', columns, extra), MILLION);

  it('multiplies selectivities per prefix', () => {
    assert.equal(stat(['parent_session_id']), '1000000 10');
    assert.equal(stat(['archived']), '1000000 500000');
    assert.equal(stat(['parent_session_id', 'archived']), '1000000 10 5');
    assert.equal(stat(['status', 'archived', 'title']), '1000000 100000 50000 1');
  });

  it('floors at 1 and never increases', () => {
    assert.equal(stat(['created_at', 'archived']), '1000000 1 1');
    assert.equal(stat(['parent_session_id', 'title', 'archived']), '1000000 10 1 1');
  });

  it('ends a UNIQUE index at exactly one row', () => {
    assert.equal(stat(['status', 'archived'], { unique: true }), '1000000 100000 1');
  });

  it('counts half the table for a partial index', () => {
    assert.equal(stat(['status'], { partial: true }), '500000 50000');
  });

  it('handles an index without key columns and tiny tables', () => {
    assert.equal(stat([]), '1000000');
    assert.equal(statRowForIndex(SESSIONS, index('i', 'sessions', ['status']), 0), '1 1');
  });
});

describe('statRowsForTables', () => {
  it('writes one row per index and a table row only when no full index exists', () => {
    const bare: TableInfo = { name: 'events', withoutRowid: false, columns: [column('id', 'INTEGER', { pk: 1 })], indexes: [] };
    const onlyPartial: TableInfo = {
      name: 'jobs',
      withoutRowid: false,
      columns: [column('state')],
      indexes: [index('jobs_open', 'jobs', ['state'], { partial: true })],
    };
    assert.deepEqual(statRowsForTables([SESSIONS, bare, onlyPartial], 1000), [
      { tbl: 'sessions', idx: 'sqlite_autoindex_sessions_2', stat: '1000 1' },
      { tbl: 'events', idx: null, stat: '1000' },
      { tbl: 'jobs', idx: 'jobs_open', stat: '500 50' },
      { tbl: 'jobs', idx: null, stat: '1000' },
    ]);
  });
});

const SEED_000 = `
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY,
  parent_session_id TEXT,
  title TEXT,
  archived INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_sessions_archived ON sessions(archived);
CREATE INDEX IF NOT EXISTS idx_sessions_parent_session ON sessions(parent_session_id);
`;
const COUNT_CHILDREN = 'SELECT COUNT(*) FROM sessions WHERE parent_session_id = ? AND archived = 0';

describe('synthetic statistics change the plan (seed 000)', () => {
  it('an empty database picks the archived index; synthetic stats pick parent_session_id', async () => {
    const SQL = await loadSqlJs();
    const plain = new SQL.Database();
    try {
      plain.exec(SEED_000);
      const [result] = plain.exec(`EXPLAIN QUERY PLAN ${COUNT_CHILDREN}`);
      assert.deepEqual(result.values.map((row) => row[3]), ['SEARCH sessions USING INDEX idx_sessions_archived (archived=?)']);
    } finally {
      plain.close();
    }

    const db = await schema(SEED_000);
    try {
      assert.deepEqual(planOf(db, COUNT_CHILDREN), ['SEARCH sessions USING INDEX idx_sessions_parent_session (parent_session_id=?)']);
      assert.deepEqual(statRowsForTables(db.tables.values(), MILLION), [
        { tbl: 'sessions', idx: 'sqlite_autoindex_sessions_1', stat: '1000000 1' },
        { tbl: 'sessions', idx: 'idx_sessions_archived', stat: '1000000 500000' },
        { tbl: 'sessions', idx: 'idx_sessions_parent_session', stat: '1000000 10' },
      ]);
      // The seed's fix, judged with the same heuristics, wins and constrains both columns.
      const fixed = db.withHypotheticalIndexes(
        ['CREATE INDEX IF NOT EXISTS idx_sessions_parent_active ON sessions(parent_session_id, archived)'],
        () => planOf(db, COUNT_CHILDREN),
      );
      assert.deepEqual(fixed, ['SEARCH sessions USING COVERING INDEX idx_sessions_parent_active (parent_session_id=? AND archived=?)']);
    } finally {
      db.close();
    }
  });

  it('writeSyntheticStats replaces whatever statistics were there', async () => {
    const SQL = await loadSqlJs();
    const raw = new SQL.Database();
    try {
      raw.exec(SEED_000);
      insertStatRows(raw, [{ tbl: 'sessions', idx: 'idx_sessions_parent_session', stat: '1000000 900000' }]);
      raw.exec('ANALYZE sqlite_schema');
      const db = await schema(SEED_000);
      const tables = [...db.tables.values()];
      db.close();
      writeSyntheticStats(raw, tables, MILLION);
      const [stats] = raw.exec('SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY idx');
      assert.deepEqual(stats.values, [
        ['sessions', 'idx_sessions_archived', '1000000 500000'],
        ['sessions', 'idx_sessions_parent_session', '1000000 10'],
        ['sessions', 'sqlite_autoindex_sessions_1', '1000000 1'],
      ]);
      const [plan] = raw.exec(`EXPLAIN QUERY PLAN ${COUNT_CHILDREN}`);
      assert.deepEqual(plan.values.map((row) => row[3]), ['SEARCH sessions USING INDEX idx_sessions_parent_session (parent_session_id=?)']);
    } finally {
      raw.close();
    }
  });
});

describe('seed plans with synthetic statistics', () => {
  it('seed 001: the all-ascending index still sorts for priority DESC; the DESC index does not', async () => {
    const db = await schema(`
      CREATE TABLE task_queue (
        id INTEGER PRIMARY KEY, task_type TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending',
        priority INTEGER NOT NULL DEFAULT 0, assigned_worker TEXT, created_at TEXT NOT NULL
      );
      CREATE INDEX idx_task_queue_status_priority ON task_queue(status, priority, created_at);
      CREATE TABLE prompts (
        id INTEGER PRIMARY KEY AUTOINCREMENT, content TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending',
        priority INTEGER NOT NULL DEFAULT 0, target_session TEXT, created_at TEXT NOT NULL
      );
      CREATE TABLE sessions (name TEXT PRIMARY KEY, status TEXT NOT NULL, current_task_id INTEGER, last_activity TEXT);
    `);
    try {
      const next = "SELECT * FROM task_queue WHERE status = 'pending' ORDER BY priority DESC, created_at ASC LIMIT 50";
      assert.deepEqual(planOf(db, next), [
        'SEARCH task_queue USING INDEX idx_task_queue_status_priority (status=?)',
        'USE TEMP B-TREE FOR LAST TERM OF ORDER BY',
      ]);
      const withDesc = db.withHypotheticalIndexes(
        ['CREATE INDEX idx_task_queue_status_priority_desc ON task_queue(status, priority DESC, created_at)'],
        () => planOf(db, next),
      );
      assert.deepEqual(withDesc, ['SEARCH task_queue USING INDEX idx_task_queue_status_priority_desc (status=?)']);
      const prompts = "SELECT * FROM prompts WHERE status = 'pending' ORDER BY priority DESC, created_at ASC LIMIT 50";
      assert.deepEqual(planOf(db, prompts), ['SCAN prompts', 'USE TEMP B-TREE FOR ORDER BY']);
      assert.deepEqual(planOf(db, 'SELECT * FROM sessions WHERE name = ?'), [
        'SEARCH sessions USING INDEX sqlite_autoindex_sessions_1 (name=?)',
      ]);
    } finally {
      db.close();
    }
  });

  it('seed 004: the join filters on one table and sorts on the other, so a sort remains', async () => {
    const db = await schema(`
      CREATE TABLE IF NOT EXISTS traces (
        id TEXT PRIMARY KEY, context_type TEXT NOT NULL, namespace TEXT NOT NULL, data TEXT NOT NULL,
        metadata TEXT DEFAULT '{}', created_at REAL NOT NULL, updated_at REAL NOT NULL
      );
      CREATE TABLE IF NOT EXISTS trace_sessions (
        trace_id TEXT NOT NULL, session_uid TEXT NOT NULL,
        PRIMARY KEY (trace_id, session_uid),
        FOREIGN KEY (trace_id) REFERENCES traces(id) ON DELETE CASCADE
      );
      CREATE INDEX IF NOT EXISTS idx_trace_sessions_uid ON trace_sessions(session_uid);
      CREATE INDEX IF NOT EXISTS idx_trace_sessions_trace ON trace_sessions(trace_id);
      CREATE INDEX IF NOT EXISTS idx_traces_created_at ON traces(created_at);
      CREATE INDEX IF NOT EXISTS idx_traces_type ON traces(context_type);
      CREATE INDEX IF NOT EXISTS idx_traces_namespace ON traces(namespace);
    `);
    try {
      const byUid = `SELECT t.* FROM traces t INNER JOIN trace_sessions ts ON t.id = ts.trace_id
        WHERE ts.session_uid = ? AND t.created_at >= ? ORDER BY t.created_at DESC`;
      assert.deepEqual(planOf(db, byUid), [
        'SEARCH ts USING INDEX idx_trace_sessions_uid (session_uid=?)',
        'SEARCH t USING INDEX sqlite_autoindex_traces_1 (id=?)',
        'USE TEMP B-TREE FOR ORDER BY',
      ]);
      const traceSessions = db.tables.get('trace_sessions')!;
      assert.equal(traceSessions.columns.find((c) => c.name === 'trace_id')?.references, 'traces');
      assert.equal(
        statRowForIndex(traceSessions, traceSessions.indexes.find((i) => i.origin === 'pk')!, MILLION),
        '1000000 10 1',
      );
    } finally {
      db.close();
    }
  });
});
