import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeQueryShape, parseQueryBatch } from '../../server/engine/sql/shape';
import type { QueryShape, TableAccess } from '../../server/engine/types';
import { generateWorkspace } from '../../bench/generate';

function shapeOf(sql: string, columns?: Record<string, string[]>): QueryShape {
  const shape = analyzeQueryShape(sql, columns ? { columnsOf: (table) => columns[table] } : {});
  assert.ok(shape, `expected a shape for: ${sql}`);
  return shape;
}

function access(shape: QueryShape, alias: string): TableAccess {
  const found = shape.tables.find((t) => t.alias === alias);
  assert.ok(found, `no table access with alias ${alias}`);
  return found;
}

const EMPTY_TERMS = {
  equality: [],
  inList: [],
  range: [],
  isNull: [],
  join: [],
  expressions: [],
  orColumns: [],
  orderBy: [],
  groupBy: [],
};

test('seed 000: COUNT(*) with parent_session_id = ? AND archived = 0', () => {
  const shape = shapeOf(`
        SELECT COUNT(*) FROM sessions
        WHERE parent_session_id = ? AND archived = 0
        `);
  assert.deepEqual(shape, {
    kind: 'select',
    tables: [
      {
        ...EMPTY_TERMS,
        table: 'sessions',
        alias: 'sessions',
        equality: ['parent_session_id', 'archived'],
        used: ['parent_session_id', 'archived'],
      },
    ],
    hasWhere: true,
    orderBySpansTables: false,
    hasLimit: false,
    aggregateOnly: true,
  });
});

test('seed 001: equality on status, ORDER BY priority DESC, created_at ASC, LIMIT', () => {
  const shape = shapeOf("SELECT * FROM task_queue WHERE status = 'pending' ORDER BY priority DESC, created_at ASC LIMIT 50");
  const queue = access(shape, 'task_queue');
  assert.deepEqual(queue.equality, ['status']);
  assert.deepEqual(queue.orderBy, [
    { column: 'priority', desc: true },
    { column: 'created_at', desc: false },
  ]);
  assert.equal(queue.used, '*');
  assert.equal(shape.hasLimit, true);
  assert.equal(shape.aggregateOnly, false);
  assert.equal(shape.orderBySpansTables, false);
});

test('seed 001: IN list, CASE aggregates and whole-table COUNT', () => {
  const inList = shapeOf("SELECT COUNT(*) FROM prompts WHERE status IN ('assigned', 'in_progress')");
  assert.deepEqual(access(inList, 'prompts').inList, ['status']);
  assert.deepEqual(access(inList, 'prompts').equality, []);

  const stats = shapeOf(`SELECT
      COUNT(CASE WHEN status = 'pending' THEN 1 END) AS pending_prompts,
      COUNT(CASE WHEN status IN ('assigned', 'in_progress') THEN 1 END) AS active_assignments
    FROM prompts`);
  assert.equal(stats.aggregateOnly, true);
  assert.equal(stats.hasWhere, false);
  assert.deepEqual(access(stats, 'prompts'), { ...EMPTY_TERMS, table: 'prompts', alias: 'prompts', used: ['status'] });

  const total = shapeOf('SELECT COUNT(*) FROM sessions');
  assert.equal(total.aggregateOnly, true);
  assert.equal(total.hasWhere, false);
  assert.deepEqual(access(total, 'sessions').used, []);
});

test('seed 001: AND/OR precedence in the sqlite_master query gives OR branches', () => {
  const shape = shapeOf(`SELECT name, tbl_name FROM sqlite_master
WHERE type = 'index'
  AND name LIKE 'idx_task_queue%'
   OR name LIKE 'idx_session_pool%'
   OR name LIKE 'idx_errors_%'
ORDER BY tbl_name, name`);
  const master = access(shape, 'sqlite_master');
  // The top level is an OR, so nothing is a plain conjunct.
  assert.deepEqual(master.equality, []);
  assert.deepEqual(master.range, []);
  assert.deepEqual(master.orColumns, [['type', 'name'], ['name'], ['name']]);
  assert.deepEqual(master.orderBy, [
    { column: 'tbl_name', desc: false },
    { column: 'name', desc: false },
  ]);
});

test('seed 002: SELECT * FROM planner_messages WHERE agent_id = ? ORDER BY created_at', () => {
  const shape = shapeOf('SELECT * FROM planner_messages WHERE agent_id = ? ORDER BY created_at');
  assert.deepEqual(shape.tables, [
    {
      ...EMPTY_TERMS,
      table: 'planner_messages',
      alias: 'planner_messages',
      equality: ['agent_id'],
      orderBy: [{ column: 'created_at', desc: false }],
      used: '*',
    },
  ]);
  const workers = shapeOf("SELECT worker_id FROM workers WHERE planner_id = ? AND task_status IN ('completed', 'failed_validation')");
  assert.deepEqual(access(workers, 'workers').equality, ['planner_id']);
  assert.deepEqual(access(workers, 'workers').inList, ['task_status']);
  assert.deepEqual(access(workers, 'workers').used, ['worker_id', 'planner_id', 'task_status']);
});

test('seed 004: filter on trace_sessions, sort on traces → orderBySpansTables', () => {
  const shape = shapeOf(`SELECT t.* FROM traces t
INNER JOIN trace_sessions ts ON t.id = ts.trace_id
WHERE ts.session_uid = ? AND t.created_at >= ?
ORDER BY t.created_at DESC`);
  assert.equal(shape.orderBySpansTables, true);
  assert.deepEqual(shape.tables, [
    {
      ...EMPTY_TERMS,
      table: 'traces',
      alias: 't',
      range: ['created_at'],
      join: ['id'],
      orderBy: [{ column: 'created_at', desc: true }],
      used: '*',
    },
    {
      ...EMPTY_TERMS,
      table: 'trace_sessions',
      alias: 'ts',
      equality: ['session_uid'],
      join: ['trace_id'],
      used: ['trace_id', 'session_uid'],
    },
  ]);
});

test('seed 004: optimized query with comments, ts.created_at range and LIMIT ?', () => {
  const shape = shapeOf(`SELECT t.* FROM traces t
INNER JOIN trace_sessions ts ON t.id = ts.trace_id
WHERE ts.session_uid = ? AND ts.created_at >= ?  -- Filter on junction table
ORDER BY t.created_at DESC
LIMIT ?  -- Stop early once we have enough results`);
  assert.equal(shape.hasLimit, true);
  assert.equal(shape.orderBySpansTables, true);
  assert.deepEqual(access(shape, 'ts').equality, ['session_uid']);
  assert.deepEqual(access(shape, 'ts').range, ['created_at']);
  assert.deepEqual(access(shape, 't').range, []);
});

test('ORDER BY terms from two tables: no orderBy anywhere, spans tables', () => {
  const shape = shapeOf('SELECT * FROM a JOIN b ON b.a_id = a.id WHERE a.k = ? ORDER BY a.x, b.y DESC');
  assert.equal(shape.orderBySpansTables, true);
  assert.deepEqual(access(shape, 'a').orderBy, []);
  assert.deepEqual(access(shape, 'b').orderBy, []);
  assert.deepEqual(access(shape, 'a').equality, ['k']);
  assert.deepEqual(access(shape, 'a').join, ['id']);
  assert.deepEqual(access(shape, 'b').join, ['a_id']);
});

test('ORDER BY on the filtered table of a join does not span tables', () => {
  const shape = shapeOf('SELECT * FROM a JOIN b ON b.a_id = a.id WHERE a.k = ? ORDER BY a.created DESC');
  assert.equal(shape.orderBySpansTables, false);
  assert.deepEqual(access(shape, 'a').orderBy, [{ column: 'created', desc: true }]);
});

test('ORDER BY with an expression leaves orderBy empty', () => {
  const shape = shapeOf('SELECT * FROM t WHERE a = ? ORDER BY lower(name)');
  assert.deepEqual(access(shape, 't').orderBy, []);
  assert.equal(shape.orderBySpansTables, false);
  const collated = shapeOf('SELECT * FROM t ORDER BY name COLLATE NOCASE');
  assert.deepEqual(access(collated, 't').orderBy, []);
});

test('ORDER BY position and result alias resolve to the column', () => {
  const shape = shapeOf('SELECT name, created_at AS c FROM t ORDER BY c DESC, 1');
  assert.deepEqual(access(shape, 't').orderBy, [
    { column: 'created_at', desc: true },
    { column: 'name', desc: false },
  ]);
});

test('LEFT JOIN with unqualified columns resolved through columnsOf', () => {
  const columns = { users: ['id', 'email', 'org_id'], orders: ['id', 'user_id', 'status', 'total'] };
  const shape = shapeOf("SELECT email, total FROM users u LEFT JOIN orders o ON user_id = u.id WHERE org_id = ? AND status = 'open'", columns);
  assert.deepEqual(access(shape, 'u'), {
    ...EMPTY_TERMS,
    table: 'users',
    alias: 'u',
    equality: ['org_id'],
    join: ['id'],
    used: ['id', 'email', 'org_id'],
  });
  assert.deepEqual(access(shape, 'o'), {
    ...EMPTY_TERMS,
    table: 'orders',
    alias: 'o',
    equality: ['status'],
    join: ['user_id'],
    used: ['user_id', 'total', 'status'],
  });
});

test('unqualified columns in a join are left out when nothing says whose they are', () => {
  const shape = shapeOf('SELECT * FROM a JOIN b ON a.id = b.a_id WHERE k = ?');
  assert.deepEqual(access(shape, 'a').equality, []);
  assert.deepEqual(access(shape, 'b').equality, []);
});

test('JOIN … USING gives both sides a join column', () => {
  const shape = shapeOf('SELECT * FROM a JOIN b USING (tenant_id) WHERE a.x = 1');
  assert.deepEqual(access(shape, 'a').join, ['tenant_id']);
  assert.deepEqual(access(shape, 'b').join, ['tenant_id']);
});

test('range, BETWEEN, LIKE prefix, GLOB prefix, IS NULL, IS value, == and reversed comparisons', () => {
  const shape = shapeOf(
    "SELECT id FROM t WHERE ? < a AND b BETWEEN ? AND ? AND c LIKE 'ab%' AND d LIKE '%x' AND e GLOB 'src/*' " +
      'AND f IS NULL AND g ISNULL AND h IS ? AND i == 3 AND 5 = j AND k IS NOT NULL AND l NOT IN (1, 2) AND m != 4 AND n NOT BETWEEN 1 AND 2',
  );
  const t = access(shape, 't');
  assert.deepEqual(t.range, ['a', 'b', 'c', 'e']);
  assert.deepEqual(t.isNull, ['f', 'g']);
  assert.deepEqual(t.equality, ['h', 'i', 'j']);
  assert.deepEqual(t.inList, []);
  assert.deepEqual(t.used, ['id', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n']);
});

test('row values pair up, and IN a table name is an IN term', () => {
  assert.deepEqual(access(shapeOf('SELECT a FROM t WHERE (a, b) = (?, ?)'), 't').equality, ['a', 'b']);
  assert.deepEqual(access(shapeOf('SELECT a FROM t WHERE x IN t2'), 't').inList, ['x']);
});

test('function-wrapped columns become expressions, without table qualifiers', () => {
  const shape = shapeOf("SELECT * FROM users u WHERE lower(u.email) = ? AND json_extract(data, '$.kind') = 'a' AND date(created) >= ?");
  assert.deepEqual(access(shape, 'u').expressions, [
    { expr: 'lower(email)', column: 'email' },
    { expr: "json_extract(data, '$.kind')", column: 'data' },
    { expr: 'date(created)', column: 'created' },
  ]);
  assert.deepEqual(access(shape, 'u').equality, []);
});

test('OR disjunction lists this table’s columns per branch', () => {
  const shape = shapeOf('SELECT * FROM t WHERE owner = ? AND (a = 1 OR b = 2 OR (c = 3 AND d = 4))');
  const t = access(shape, 't');
  assert.deepEqual(t.equality, ['owner']);
  assert.deepEqual(t.orColumns, [['a'], ['b'], ['c', 'd']]);
});

test('IN (SELECT …) subquery: inList outside, its own terms inside', () => {
  const shape = shapeOf("SELECT * FROM orders WHERE user_id IN (SELECT id FROM users WHERE org_id = ? AND role = 'admin')");
  assert.deepEqual(shape.tables.map((t) => t.table), ['orders', 'users']);
  assert.deepEqual(access(shape, 'orders').inList, ['user_id']);
  assert.deepEqual(access(shape, 'users').equality, ['org_id', 'role']);
  assert.deepEqual(access(shape, 'users').used, ['id', 'org_id', 'role']);
});

test('correlated EXISTS: inner.x = outer.y is a join term for the inner table only', () => {
  const shape = shapeOf('SELECT * FROM a WHERE a.k = ? AND EXISTS (SELECT 1 FROM b WHERE b.a_id = a.id AND b.flag = 1)');
  assert.deepEqual(access(shape, 'b').join, ['a_id']);
  assert.deepEqual(access(shape, 'b').equality, ['flag']);
  assert.deepEqual(access(shape, 'a').join, []);
  assert.deepEqual(access(shape, 'a').equality, ['k']);
});

test('correlated scalar subquery is not a value for equality; uncorrelated one is', () => {
  // The subquery depends on a itself, so a.n = (…) cannot drive an index search on a.
  const correlated = shapeOf('SELECT * FROM a WHERE a.n = (SELECT max(n) FROM b WHERE b.a_id = a.id)');
  assert.deepEqual(access(correlated, 'a').equality, []);
  assert.deepEqual(access(correlated, 'a').join, []);
  assert.deepEqual(access(correlated, 'b').join, ['a_id']);
  const plain = shapeOf('SELECT * FROM a WHERE a.n = (SELECT max(n) FROM b)');
  assert.deepEqual(access(plain, 'a').equality, ['n']);
});

test('CTE and derived tables: tables inside get their own terms, CTE names are not tables', () => {
  const shape = shapeOf(
    'WITH recent AS (SELECT id FROM events WHERE ts > ?) SELECT * FROM recent r JOIN (SELECT id, n FROM stats WHERE day = ?) s ON s.id = r.id',
  );
  assert.deepEqual(shape.tables.map((t) => t.table), ['events', 'stats']);
  assert.deepEqual(access(shape, 'events').range, ['ts']);
  assert.deepEqual(access(shape, 'stats').equality, ['day']);
  const cteInDerived = shapeOf('WITH c AS (SELECT id FROM base) SELECT * FROM (SELECT id FROM c WHERE id > 3) d');
  assert.deepEqual(cteInDerived.tables.map((t) => t.table), ['base']);
});

test('GROUP BY of one table, and aggregateOnly is false with GROUP BY', () => {
  const shape = shapeOf('SELECT status, COUNT(*) FROM jobs WHERE queue = ? GROUP BY status');
  assert.deepEqual(access(shape, 'jobs').groupBy, ['status']);
  assert.equal(shape.aggregateOnly, false);
  const mixed = shapeOf('SELECT COUNT(*), name FROM jobs');
  assert.equal(mixed.aggregateOnly, false);
  const windowed = shapeOf('SELECT count(*) OVER () FROM jobs');
  assert.equal(windowed.aggregateOnly, false);
});

test('window function and CASE columns count as used', () => {
  const shape = shapeOf("SELECT id, row_number() OVER (PARTITION BY grp ORDER BY ts DESC) AS rn, CASE WHEN n > 0 THEN 'p' END FROM a");
  assert.deepEqual(access(shape, 'a').used, ['id', 'grp', 'ts', 'n']);
  assert.deepEqual(access(shape, 'a').orderBy, []);
});

test('UPDATE and DELETE give their target a table access', () => {
  const update = shapeOf('UPDATE tasks AS t SET status = ?, updated_at = ? WHERE t.worker_id = ? AND t.status IN (1, 2) RETURNING id');
  assert.equal(update.kind, 'update');
  assert.equal(update.hasWhere, true);
  assert.deepEqual(update.tables, [
    {
      ...EMPTY_TERMS,
      table: 'tasks',
      alias: 't',
      equality: ['worker_id'],
      inList: ['status'],
      used: ['status', 'updated_at', 'worker_id', 'id'],
    },
  ]);
  const del = shapeOf('DELETE FROM logs WHERE created_at < ?');
  assert.equal(del.kind, 'delete');
  assert.deepEqual(access(del, 'logs').range, ['created_at']);
  const unbounded = shapeOf('DELETE FROM logs');
  assert.equal(unbounded.hasWhere, false);
});

test('INSERT … SELECT analyses the SELECT; INSERT VALUES and UPSERT have no table access', () => {
  const insertSelect = shapeOf('INSERT INTO archive (id, body) SELECT id, body FROM posts WHERE deleted = 1');
  assert.equal(insertSelect.kind, 'insert');
  assert.deepEqual(insertSelect.tables.map((t) => t.table), ['posts']);
  assert.deepEqual(access(insertSelect, 'posts').equality, ['deleted']);
  const upsert = shapeOf('INSERT INTO kv (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v');
  assert.equal(upsert.kind, 'insert');
  assert.deepEqual(upsert.tables, []);
});

test('quoted identifiers are unquoted, INDEXED BY and schema prefixes are looked through', () => {
  const shape = shapeOf('SELECT "x", [y], `z` FROM main."Order Items" AS "oi" INDEXED BY idx WHERE [y] = 1 AND "oi".`z` > 2');
  const items = access(shape, 'oi');
  assert.equal(items.table, 'Order Items');
  assert.deepEqual(items.equality, ['y']);
  assert.deepEqual(items.range, ['z']);
  assert.deepEqual(items.used, ['x', 'y', 'z']);
});

test('all parameter styles parse: ?, ?NNN, :name, @name, $name, $1', () => {
  const shape = shapeOf('SELECT * FROM t WHERE a = ? AND b = ?2 AND c = :c AND d = @d AND e = $e AND f = $1');
  assert.deepEqual(access(shape, 't').equality, ['a', 'b', 'c', 'd', 'e', 'f']);
});

test('EXPLAIN QUERY PLAN is looked through; other statements are kind other', () => {
  assert.deepEqual(access(shapeOf('EXPLAIN QUERY PLAN SELECT * FROM t WHERE a = 1'), 't').equality, ['a']);
  const ddl = shapeOf('CREATE INDEX i ON t(a)');
  assert.equal(ddl.kind, 'other');
  assert.deepEqual(ddl.tables, []);
  assert.equal(shapeOf('PRAGMA journal_mode = WAL').kind, 'other');
});

test('compound SELECT: both sides analysed, LIMIT of the whole', () => {
  const shape = shapeOf('SELECT id FROM a WHERE x = 1 UNION ALL SELECT id FROM b WHERE y = 2 ORDER BY 1 LIMIT 10');
  assert.deepEqual(shape.tables.map((t) => [t.table, t.equality]), [
    ['a', ['x']],
    ['b', ['y']],
  ]);
  assert.equal(shape.hasLimit, true);
  assert.deepEqual(access(shape, 'b').orderBy, []);
});

test('self join keeps one access per alias', () => {
  const shape = shapeOf('SELECT c.id FROM nodes p JOIN nodes c ON c.parent_id = p.id WHERE p.name = ?');
  assert.deepEqual(shape.tables.map((t) => [t.alias, t.equality, t.join]), [
    ['p', ['name'], ['id']],
    ['c', [], ['parent_id']],
  ]);
});

test('bad input gives undefined and never throws', () => {
  for (const sql of ['', '   ', '-- only a comment', 'SELECT * FROM', "SELECT 'unterminated", 'garbage ( ;', 'SELEC * FROM t', 'Select the rows you want.']) {
    assert.equal(analyzeQueryShape(sql), undefined, sql);
  }
  const throwing = analyzeQueryShape('SELECT * FROM a JOIN b ON x = y', {
    columnsOf: () => {
      throw new Error('schema not ready');
    },
  });
  assert.ok(throwing);
});

/**
 * Texts parsed together must get the shapes they get alone. Each text is asked about twice: alone with a trailing
 * space (its own cache entry, the same statement), and after a batch parse of the texts as they are.
 */
function assertBatchMatchesAlone(texts: string[]): number {
  const alone = texts.map((sql) => analyzeQueryShape(`${sql} `));
  parseQueryBatch(texts);
  texts.forEach((sql, i) => assert.deepEqual(analyzeQueryShape(sql), alone[i], sql));
  return alone.filter((shape) => shape !== undefined).length;
}

test('a batch parse gives each text the shape it has alone, whatever its neighbours hold', () => {
  const described = assertBatchMatchesAlone([
    'SELECT id FROM batch_a WHERE email = ? ORDER BY created_at DESC',
    'SELECT id FROM batch_b WHERE x = 1 -- a trailing comment',
    "SELECT id FROM batch_c WHERE name = 'unterminated",
    'SELECT * FROM batch_d WHERE y = ?',
    'SELECT id FROM batch_e /* an unclosed comment',
    'SELECT c.id FROM batch_f p JOIN batch_g c ON c.parent_id = p.id WHERE p.name = ?',
    'SELECT id FROM batch_h WHERE a = 1; SELECT id FROM batch_i WHERE b = 2',
    'SELECT DISTINCT ON (a) a FROM batch_j', // Postgres: the parser rejects it
    '-- only a comment',
    'SELECT status, COUNT(*) FROM batch_k WHERE account_id = ? GROUP BY status;',
    'UPDATE batch_l SET status = ? WHERE owner_id = ?',
    'SELECT id FROM batch_m WHERE note = \'it\'\'s\' AND kind IN (1, 2)',
    // Pairs that parse as one statement across the two texts, and not at all apart.
    "SELECT id FROM batch_n WHERE label = 'open",
    "' AND batch_n.owner = 1",
    'SELECT id FROM batch_o /* an opening',
    '*/ WHERE archived = 0',
  ]);
  assert.equal(described, 8);
});

test("a batch parse matches parsing alone on every query of a generated workspace", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-batch-'));
  try {
    const texts = [...new Set(generateWorkspace(root, { files: 120, queries: 400, tables: 12 }).queries.map((query) => query.sql))];
    assert.ok(texts.length > 200, `${texts.length} texts`);
    let described = 0;
    for (let start = 0; start < texts.length; start += 37) described += assertBatchMatchesAlone(texts.slice(start, start + 37));
    assert.equal(described, texts.length);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a batch larger than the parse cache still gives every text its own shape', () => {
  const texts = Array.from({ length: 1_300 }, (_, i) => `SELECT id FROM big_batch_${i % 7} WHERE c${i} = ? ORDER BY created_at`);
  assert.equal(assertBatchMatchesAlone(texts), texts.length);
});
