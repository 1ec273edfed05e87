// Workload facts from the Python extractor, the call graph's name resolution, COUNT merging and its proof by
// running, the code rewrites of count-aggregation and pragma-config, and the consolidated index plan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractPython } from '../../server/engine/extract/python';
import { WorkloadIndex, statementKind } from '../../server/engine/workload/callGraph';
import { mergeCounts, mergedSql, parseCountQuery, prepareCountVerification, sameResults } from '../../server/engine/workload/countMerge';
import { countRewriteFix } from '../../server/engine/fixes/countRewriteFix';
import { addPragmaFix, replaceSettingFix } from '../../server/engine/fixes/pragmaFix';
import { IndexPlan } from '../../server/engine/workload/indexPlan';
import { applyEdits } from '../../server/engine/fixes/applyEdits';
import { buildSchema } from '../../server/engine/schema/schemaBuilder';
import type { ExtractedSql, FileFacts, OffsetRange, TableInfo } from '../../server/engine/types';

async function facts(text: string, path = 'app/db.py', always = false): Promise<FileFacts> {
  return extractPython({ path, language: 'python', text }, { always });
}

function slice(text: string, range: OffsetRange): string {
  return text.slice(range.start, range.end);
}

function query(sql: string, extra: Partial<ExtractedSql> = {}): ExtractedSql {
  return { file: 'app/db.py', language: 'python', sql, range: { start: 0, end: sql.length }, role: 'query', certainty: 'executed', ...extra };
}

test('loops: kinds, headers, per-iteration ranges, loop variables (also assigned from them), polling', async () => {
  const text = `import time

def scan(self, sessions, q):
    for session in sessions:
        name = session.name
        self.db.get_session(name)
    while True:
        self.db.get_all()
        time.sleep(5)
    while self.running:
        item = q.get()
    async for row in cursor:
        pass
    while pending:
        handle(pending.pop())
    totals = {s: count(s, 1) for s in sessions if s}
`;
  const workload = (await facts(text, 'app/w.py', true)).workload!;
  assert.deepEqual(
    workload.loops.map((loop) => [loop.kind, loop.header, slice(text, loop.headerRange), loop.variables, loop.polling, loop.function]),
    [
      ['for', 'for session in sessions', 'for session in sessions', ['session', 'name'], false, 'scan'],
      ['while', 'while True', 'while True', [], true, 'scan'],
      ['while', 'while self.running', 'while self.running', [], true, 'scan'],
      ['async-for', 'async for row in cursor', 'async for row in cursor', ['row'], false, 'scan'],
      ['while', 'while pending', 'while pending', [], false, 'scan'],
      ['comprehension', 'for s in sessions', 'for s in sessions', ['s'], false, 'scan'],
    ],
  );
  // The comprehension's first iterable runs once; its element and filter run per element.
  const comprehension = workload.loops[5];
  assert.deepEqual(comprehension.body.map((part) => slice(text, part)), ['{s: count(s, 1) for s in ', ' if s}']);
  assert.deepEqual(
    workload.loopCalls.map((call) => [call.receiver ?? '', call.name, call.loop, call.argumentNames]),
    [
      ['self.db', 'get_session', 0, ['name']],
      ['self.db', 'get_all', 1, []],
      ['time', 'sleep', 1, ['time']],
      ['q', 'get', 2, ['q']],
      ['', 'handle', 4, ['pending']],
      ['pending', 'pop', 4, ['pending']],
      ['', 'count', 5, ['s']],
    ],
  );
});

test('functions, callees, imports, scalar reads, connections and their settings', async () => {
  const text = `import sqlite3, threading
from .store import load as fetch
import app.models as models
from sqlalchemy import create_engine, event

engine = create_engine("sqlite:///app.db")

@event.listens_for(engine, "connect")
def on_connect(dbapi_connection, record):
    dbapi_connection.execute("PRAGMA synchronous=FULL")

class Repo:
    def open(self):
        self.conn = sqlite3.connect("app.db", timeout=0, check_same_thread=False, isolation_level=None)

    def tune(self):
        self.conn.execute("PRAGMA journal_mode = 'wal'")

    def stats(self, conn, owner):
        a = conn.execute("SELECT COUNT(*) FROM t WHERE o = ? AND x = 1", (owner,)).fetchone()[0]
        return {"b": conn.execute("SELECT COUNT(*) FROM t").fetchone()[0]}

def scratch():
    with sqlite3.connect(":memory:") as mem:
        mem.execute("PRAGMA busy_timeout(250)")
`;
  const workload = (await facts(text)).workload!;
  assert.deepEqual(
    workload.functions.map((fn) => [fn.qualifiedName, fn.owner, slice(text, fn.nameRange), fn.callees.map((c) => `${c.receiver ?? ''}.${c.name}`)]),
    [
      ['on_connect', undefined, 'on_connect', ['dbapi_connection.execute']],
      ['Repo.open', 'Repo', 'open', ['sqlite3.connect']],
      ['Repo.tune', 'Repo', 'tune', ['self.conn.execute']],
      ['Repo.stats', 'Repo', 'stats', ['….fetchone', 'conn.execute']],
      ['scratch', undefined, 'scratch', ['sqlite3.connect', 'mem.execute']],
    ],
  );
  assert.deepEqual(workload.imports, [
    { local: 'fetch', module: '.store', name: 'load' },
    { local: 'models', module: 'app.models', name: '' },
    { local: 'create_engine', module: 'sqlalchemy', name: 'create_engine' },
    { local: 'event', module: 'sqlalchemy', name: 'event' },
  ]);
  assert.equal(workload.usesThreads, true);
  assert.deepEqual(
    workload.scalarReads.map((read) => [slice(text, read.range), read.receiver, read.argumentsText, read.into.kind, read.into.kind === 'assignment' ? read.into.name : read.into.key]),
    [
      ['conn.execute("SELECT COUNT(*) FROM t WHERE o = ? AND x = 1", (owner,)).fetchone()[0]', 'conn', '(owner,)', 'assignment', 'a'],
      ['conn.execute("SELECT COUNT(*) FROM t").fetchone()[0]', 'conn', undefined, 'dict-entry', '"b"'],
    ],
  );
  assert.deepEqual(
    workload.connections.map((c) => [c.driver, c.target, c.form, c.awaited, c.autocommit, c.inMemory, c.concurrency, c.settings.map((s) => [s.name, s.value, s.source, s.valueRange && slice(text, s.valueRange)])]),
    [
      ['sqlalchemy', 'engine', 'assignment', false, false, false, ['a SQLAlchemy connection pool'], [['synchronous', 'FULL', 'pragma', 'FULL']]],
      [
        'sqlite3',
        'self.conn',
        'assignment',
        false,
        true,
        false,
        ['check_same_thread=False (shared across threads)'],
        [
          ['busy_timeout', '0', 'argument', '0'],
          ['journal_mode', 'WAL', 'pragma', "'wal'"],
        ],
      ],
      ['sqlite3', 'mem', 'with', false, false, true, [], [['busy_timeout', '250', 'pragma', '250']]],
    ],
  );
});

test('files without SQL are not parsed unless asked; broken code never throws', async () => {
  const loops = 'for x in xs:\n    helper(x)\n';
  assert.equal((await facts(loops)).workload, undefined);
  assert.equal((await facts(loops, 'app/db.py', true)).workload?.loopCalls.length, 1);
  for (const broken of ['for x in :\n    f(x', 'while True\n  time.sleep(', 'def f(:\n  for a in b: conn.execute("SELECT', '\0\0for']) {
    await assert.doesNotReject(facts(broken, 'app/x.py', true));
  }
});

test('statement kinds: reads, writes, CTE writes; batches, PRAGMA and schema are neither', () => {
  assert.equal(statementKind(query('SELECT 1')), 'read');
  assert.equal(statementKind(query('  -- c\n insert into t values (1)')), 'write');
  assert.equal(statementKind(query('WITH x AS (SELECT 1) DELETE FROM t WHERE id IN x')), 'write');
  assert.equal(statementKind(query('WITH x AS (SELECT 1) SELECT * FROM x')), 'read');
  assert.equal(statementKind(query('INSERT INTO t VALUES (?)', { call: { method: 'executemany', range: { start: 0, end: 1 } } })), 'other');
  assert.equal(statementKind(query('PRAGMA journal_mode=WAL')), 'other');
  assert.equal(statementKind(query('CREATE TABLE t (a)', { role: 'schema' })), 'other');
});

test('the call graph resolves by receiver: self, bare names, imports, modules, types; generic names are not guessed', async () => {
  const store = await facts(
    `class Store:
    def get(self, key):
        return self.conn.execute("SELECT * FROM t WHERE k = ?", (key,)).fetchone()

    def fetch_item(self, key):
        return self.get(key)

def save(conn, v):
    conn.execute("INSERT INTO t VALUES (?)", (v,))
`,
    'app/store.py',
  );
  const jobs = await facts(
    `from .store import save as persist

def run(repo, items, cache):
    for item in items:
        repo.fetch_item(item)
        cache.get(item)
        persist(None, item)
`,
    'app/jobs.py',
    true,
  );
  const index = new WorkloadIndex(new Map([['app/store.py', store], ['app/jobs.py', jobs]]));
  const [load, get, persist] = jobs.workload!.loopCalls.filter((call) => call.name !== 'get' || call.receiver === 'cache');
  const caller = index.functionNamed('app/jobs.py', 'run');
  assert.deepEqual(index.resolve('app/jobs.py', caller, load).map((node) => node.fact.qualifiedName), ['Store.fetch_item']);
  assert.deepEqual(index.resolve('app/jobs.py', caller, get), [], 'cache.get is a dict lookup, not Store.get');
  assert.deepEqual(index.resolve('app/jobs.py', caller, persist).map((node) => node.fact.qualifiedName), ['save']);
  const read = index.queryThroughCall('app/jobs.py', caller, load, 'read');
  assert.deepEqual(read?.chain.map((step) => step.target.fact.qualifiedName), ['Store.fetch_item', 'Store.get']);
  assert.equal(index.queryThroughCall('app/jobs.py', caller, load, 'write'), undefined);
  assert.equal(index.queryThroughCall('app/jobs.py', caller, persist, 'write')?.statement.sql, 'INSERT INTO t VALUES (?)');
  // Callers are counted by name: self.get in Store.fetch_item and cache.get in run.
  assert.equal(index.callerCount('get'), 2);
  assert.equal(index.callerCount('fetch_item'), 1);
});

test('COUNT queries: what parses, shared conditions, OR in parentheses, FILTER syntax, SUM kept as SUM', () => {
  for (const sql of [
    'SELECT COUNT(*) FROM a JOIN b ON a.id = b.id',
    'SELECT COUNT(*) FROM t GROUP BY x',
    'SELECT COUNT(*) FROM t LIMIT 1',
    'SELECT COUNT(DISTINCT x) FROM t',
    'SELECT COUNT(*), SUM(x) FROM t',
    'SELECT x FROM t',
    'SELECT COUNT(*) FROM t t1',
    'SELECT COUNT(* FROM',
  ]) {
    assert.equal(parseCountQuery(query(sql)), undefined, sql);
  }
  const queries = [
    "SELECT COUNT(*) FROM jobs WHERE owner = ? AND state = 'a'",
    "SELECT COUNT(*) FROM jobs WHERE owner = ? AND (state = 'b' OR state = 'c') AND  prio > 1",
    'SELECT SUM(cost) FROM jobs WHERE owner = ?',
    "SELECT COUNT(id) AS n FROM jobs WHERE owner = ? AND state = 'a' OR state = 'z'",
  ].map((sql) => parseCountQuery(query(sql))!);
  assert.deepEqual(queries[1].conjuncts.map((c) => [c.text, c.hasParameter, c.isOr]), [
    ['owner = ?', true, false],
    ["(state = 'b' OR state = 'c')", false, false],
    ['prio > 1', false, false],
  ]);
  // `a AND b OR c` is one OR condition: nothing is shared with it.
  const merged = mergeCounts(queries.slice(0, 3), false);
  assert.deepEqual(merged.shared.map((c) => c.text), ['owner = ?']);
  assert.equal(merged.conditionsHaveParameters, false);
  assert.equal(
    mergedSql(merged),
    "SELECT COUNT(CASE WHEN state = 'a' THEN 1 END), COUNT(CASE WHEN (state = 'b' OR state = 'c') AND prio > 1 THEN 1 END), SUM(cost) FROM jobs WHERE owner = ?",
  );
  assert.equal(
    mergedSql(mergeCounts([queries[0], queries[3]], true)),
    "SELECT COUNT(*) FILTER (WHERE owner = ? AND state = 'a'), COUNT(id) FILTER (WHERE (owner = ? AND state = 'a') OR state = 'z') FROM jobs".replace(
      "(owner = ? AND state = 'a') OR state = 'z'",
      "owner = ? AND state = 'a' OR state = 'z'",
    ),
  );
  assert.equal(mergeCounts([queries[0], parseCountQuery(query('SELECT COUNT(*) FROM jobs WHERE state = ?'))!], false).conditionsHaveParameters, true);
});

const JOBS: TableInfo = {
  name: 'jobs',
  columns: [
    { name: 'id', type: 'INTEGER', notNull: false, pk: 1 },
    { name: 'owner', type: 'TEXT', notNull: false, pk: 0 },
    { name: 'state', type: 'TEXT', notNull: false, pk: 0 },
    { name: 'cost', type: 'REAL', notNull: false, pk: 0 },
  ],
  indexes: [],
  withoutRowid: false,
};

test('the merged query gives the same values as the separate ones on an empty and a filled table', async () => {
  await prepareCountVerification();
  const queries = [
    "SELECT COUNT(*) FROM jobs WHERE state = 'a'",
    "SELECT COUNT(*) FROM jobs WHERE state IN ('b', 'c') AND cost > 1",
    'SELECT SUM(cost) FROM jobs WHERE state IS NULL',
    'SELECT COUNT(*) FROM jobs',
  ].map((sql) => parseCountQuery(query(sql))!);
  const merged = mergeCounts(queries, false);
  assert.equal(sameResults(merged, JOBS), true);
  assert.equal(sameResults(mergeCounts(queries, true), JOBS), true);
  // A wrong rewrite is caught: SUM(CASE … ELSE 0 END) is not COUNT on an empty table, and a dropped condition differs.
  const broken = { ...merged, columns: ["SUM(CASE WHEN state = 'a' THEN 1 ELSE 0 END)", ...merged.columns.slice(1)] };
  assert.equal(sameResults(broken, JOBS), false);
  const dropped = { ...merged, columns: [merged.columns[0], 'COUNT(*)', ...merged.columns.slice(2)] };
  assert.equal(sameResults(dropped, JOBS), false);
  assert.equal(sameResults(merged, { ...JOBS, columns: [] }), undefined);
});

test('count rewrite: consecutive assignments become one unpacking; anything else in between blocks it', async () => {
  const text = `def stats(conn):
    a = conn.execute("SELECT COUNT(*) FROM jobs WHERE state = 'a'").fetchone()[0]
    # the other state
    b = conn.execute("SELECT COUNT(*) FROM jobs WHERE state = 'b'").fetchone()[0]
    return a, b
`;
  const fileFacts = await facts(text);
  const merged = mergeCounts(fileFacts.statements.map((statement) => parseCountQuery(statement)!), false);
  const rewrite = countRewriteFix({ file: 'app/db.py', text, merged, scalarReads: fileFacts.workload!.scalarReads, scope: { start: 0, end: text.length } });
  const patched = applyEdits(rewrite!.fix.edits, () => text).get('app/db.py');
  assert.equal(
    patched,
    `def stats(conn):
    a, b = conn.execute("""
        SELECT
            COUNT(CASE WHEN state = 'a' THEN 1 END) AS a,
            COUNT(CASE WHEN state = 'b' THEN 1 END) AS b
        FROM jobs
    """).fetchone()
    # the other state
    return a, b
`,
  );
  assert.equal(rewrite!.sql.trim().split(/\s+/).join(' '), "SELECT COUNT(CASE WHEN state = 'a' THEN 1 END) AS a, COUNT(CASE WHEN state = 'b' THEN 1 END) AS b FROM jobs");

  const interleaved = text.replace('    # the other state\n', '    log(a)\n');
  const interleavedFacts = await facts(interleaved);
  const blocked = countRewriteFix({
    file: 'app/db.py',
    text: interleaved,
    merged: mergeCounts(interleavedFacts.statements.map((statement) => parseCountQuery(statement)!), false),
    scalarReads: interleavedFacts.workload!.scalarReads,
    scope: { start: 0, end: interleaved.length },
  });
  assert.equal(blocked, undefined);
});

test('pragma fixes: a line after an assignment or inside a with block, a returned connect split in three, values in place', async () => {
  const text = `import sqlite3, aiosqlite

class Db:
    async def open(self):
        self.conn = await aiosqlite.connect(self.path)  # shared

def scoped(path):
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT 1").fetchone()

def make(path, conn):
    return sqlite3.connect(path, timeout=0)
`;
  const workload = (await facts(text)).workload!;
  const [assigned, scoped, returned] = workload.connections;
  const apply = (fix: ReturnType<typeof addPragmaFix>) => applyEdits(fix!.edits, () => text).get('app/db.py')!;
  assert.ok(
    apply(addPragmaFix('app/db.py', text, 'python', assigned, 'journal_mode=WAL', { start: 0, end: text.length })).includes(
      '        self.conn = await aiosqlite.connect(self.path)  # shared\n        await self.conn.execute("PRAGMA journal_mode=WAL")\n',
    ),
  );
  assert.ok(
    apply(addPragmaFix('app/db.py', text, 'python', scoped, 'journal_mode=WAL', { start: 0, end: text.length })).includes(
      '    with sqlite3.connect(path) as conn:\n        conn.execute("PRAGMA journal_mode=WAL")\n        return conn.execute',
    ),
  );
  const makeScope = workload.functions.find((fn) => fn.name === 'make')!.range;
  assert.ok(
    apply(addPragmaFix('app/db.py', text, 'python', returned, 'journal_mode=WAL', makeScope)).includes(
      '    connection = sqlite3.connect(path, timeout=0)\n    connection.execute("PRAGMA journal_mode=WAL")\n    return connection\n',
    ),
    'conn is taken in make(), so the new name is connection',
  );
  const timeout = returned.settings[0];
  assert.deepEqual(replaceSettingFix('app/db.py', timeout, 'python', '5000', 't')!.edits, [
    { kind: 'replace', file: 'app/db.py', range: timeout.valueRange, newText: '5.0' },
  ]);
  assert.equal(addPragmaFix('app/db.py', text, 'rust', assigned, 'journal_mode=WAL', { start: 0, end: 1 }), undefined);
});

test('index plan: a prefix folds into the longer index when planning proves it; other shapes stay apart', async () => {
  const db = await buildSchema(
    [
      {
        label: 'schema.sql',
        statements: [
          query(
            'CREATE TABLE sessions (id TEXT PRIMARY KEY, parent_session_id TEXT, archived INTEGER NOT NULL DEFAULT 0, created_at TEXT, title TEXT)',
            { role: 'schema', file: 'schema.sql' },
          ),
          query('CREATE INDEX idx_sessions_parent ON sessions(parent_session_id)', { role: 'schema', file: 'schema.sql' }),
        ],
        home: { kind: 'schema-file', file: 'schema.sql' },
      },
    ],
    { defaultRowCount: 1_000_000 },
  );
  try {
    const suggestion = (name: string, columns: Array<[string, boolean]>) => ({
      name,
      table: 'sessions',
      columns: columns.map(([column, desc]) => ({ name: column, desc })),
      ddl: `CREATE INDEX IF NOT EXISTS ${name} ON sessions(${columns.map(([c, d]) => `${c}${d ? ' DESC' : ''}`).join(', ')})`,
    });
    const count = query('SELECT COUNT(*) FROM sessions WHERE parent_session_id = ? AND archived = 0', { range: { start: 0, end: 1 } });
    const last = query('SELECT created_at FROM sessions WHERE parent_session_id = ? AND archived = 0 ORDER BY created_at DESC LIMIT 1', {
      range: { start: 2, end: 3 },
    });
    const titled = query('SELECT id FROM sessions WHERE title = ?', { range: { start: 4, end: 5 } });
    const plan = new IndexPlan(db, [
      { statement: count, suggestion: suggestion('idx_pa', [['parent_session_id', false], ['archived', false]]) },
      { statement: last, suggestion: suggestion('idx_pac', [['parent_session_id', false], ['archived', false], ['created_at', true]]) },
      { statement: titled, suggestion: suggestion('idx_title', [['title', false]]) },
    ]);
    assert.deepEqual(
      plan.indexes.map((planned) => [planned.suggestion.name, planned.serves.map((q) => q.statement.range.start), planned.redundant.map((i) => i.name)]),
      [
        ['idx_pac', [0, 2], ['idx_sessions_parent']],
        ['idx_title', [4], []],
      ],
    );
    assert.equal(plan.forQuery(count, 'SESSIONS')?.suggestion.name, 'idx_pac');
    assert.deepEqual(plan.planAfter(count, plan.indexes[0]), ['`--SEARCH sessions USING COVERING INDEX idx_pac (parent_session_id=? AND archived=?)']);
    // A longer index that cannot serve the shorter one's query as well is not used for it.
    const range = query('SELECT COUNT(*) FROM sessions WHERE parent_session_id = ? AND created_at > ?', { range: { start: 6, end: 7 } });
    const apart = new IndexPlan(db, [
      { statement: range, suggestion: suggestion('idx_pc', [['parent_session_id', false], ['created_at', false]]) },
      { statement: last, suggestion: suggestion('idx_pac', [['parent_session_id', false], ['archived', false], ['created_at', true]]) },
    ]);
    assert.deepEqual(apart.indexes.map((planned) => planned.suggestion.name), ['idx_pac', 'idx_pc']);
  } finally {
    db.close();
  }
});
