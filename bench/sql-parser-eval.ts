// Evidence for docs/decisions/sql-parser.md: which SQL parser handles the seed queries and SQLite features,
// whether it reports source ranges, and how long a parse takes. Run: node --import tsx bench/sql-parser-eval.ts
import { parse as parseCst } from 'sql-parser-cst';
import { Parser as NodeSqlParser } from 'node-sql-parser';
import { analyzeQueryShape } from '../server/engine/sql/shape';

interface Case {
  source: string;
  sql: string;
}

const seedCases: Case[] = [
  { source: '000', sql: 'SELECT COUNT(*) FROM sessions\n        WHERE parent_session_id = ? AND archived = 0' },
  { source: '000', sql: 'CREATE INDEX idx_sessions_parent_active ON sessions(parent_session_id, archived)' },
  { source: '000', sql: 'CREATE INDEX IF NOT EXISTS idx_sessions_parent_active ON sessions(parent_session_id, archived)' },
  { source: '001', sql: 'CREATE INDEX idx_task_queue_status_priority ON task_queue(status, priority, created_at)' },
  { source: '001', sql: 'CREATE INDEX idx_prompts_status_priority_created ON prompts(status, priority DESC, created_at ASC)' },
  { source: '001', sql: "SELECT COUNT(*) FROM prompts WHERE status = 'pending'" },
  { source: '001', sql: "SELECT COUNT(*) FROM prompts WHERE status IN ('assigned', 'in_progress')" },
  { source: '001', sql: 'SELECT COUNT(*) FROM sessions' },
  { source: '001', sql: "SELECT COUNT(*) FROM sessions WHERE status = 'busy'" },
  {
    source: '001',
    sql: `SELECT
                COUNT(CASE WHEN status = 'pending' THEN 1 END) AS pending_prompts,
                COUNT(CASE WHEN status IN ('assigned', 'in_progress') THEN 1 END) AS active_assignments,
                COUNT(CASE WHEN status = 'completed' THEN 1 END) AS completed_prompts,
                COUNT(CASE WHEN status = 'failed' THEN 1 END) AS failed_prompts
            FROM prompts`,
  },
  {
    source: '001',
    sql: `SELECT name, tbl_name FROM sqlite_master
WHERE type = 'index'
  AND name LIKE 'idx_task_queue%'
   OR name LIKE 'idx_session_pool%'
   OR name LIKE 'idx_errors_%'
ORDER BY tbl_name, name`,
  },
  { source: '001', sql: "SELECT * FROM task_queue WHERE status = 'pending' ORDER BY priority DESC, created_at ASC LIMIT 50" },
  { source: '001', sql: "SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name" },
  { source: '001', sql: 'DROP INDEX IF EXISTS idx_task_queue_status_priority' },
  { source: '001', sql: 'PRAGMA optimize' },
  { source: '001', sql: 'ANALYZE' },
  { source: '001', sql: "EXPLAIN QUERY PLAN SELECT * FROM task_queue WHERE status = 'pending' ORDER BY priority DESC LIMIT 50" },
  { source: '002', sql: "SELECT worker_id FROM workers \nWHERE planner_id = ? AND task_status = 'pending'" },
  { source: '002', sql: "SELECT * FROM workers \nWHERE planner_id = ? AND task_status IN ('completed', 'failed_validation')" },
  { source: '002', sql: 'SELECT * FROM planner_messages WHERE agent_id = ? ORDER BY created_at' },
  { source: '002', sql: 'SELECT * FROM planners WHERE planner_id = ?' },
  { source: '002', sql: 'CREATE INDEX idx_router_messages_conv_time ON router_messages(conversation_id, created_at)' },
  { source: '002', sql: 'PRAGMA journal_mode = WAL' },
  { source: '002', sql: 'PRAGMA cache_size = 10000' },
  {
    source: '003',
    sql: `CREATE TABLE execution_process_logs (
    execution_id      BLOB NOT NULL,
    logs              TEXT NOT NULL,      -- Single JSONL line (could be ONE TOKEN!)
    byte_size         INTEGER NOT NULL,
    inserted_at       TEXT NOT NULL DEFAULT (datetime('now', 'subsec')),
    FOREIGN KEY (execution_id) REFERENCES execution_processes(id) ON DELETE CASCADE
)`,
  },
  { source: '003', sql: 'SELECT COUNT(*) FROM execution_process_logs' },
  {
    source: '004',
    sql: `CREATE TABLE traces (
    id TEXT PRIMARY KEY,
    context_type TEXT NOT NULL,
    namespace TEXT NOT NULL,
    data TEXT NOT NULL,
    metadata TEXT DEFAULT '{}',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
)`,
  },
  {
    source: '004',
    sql: `CREATE TABLE trace_sessions (
    trace_id TEXT NOT NULL,
    session_uid TEXT NOT NULL,
    created_at REAL NOT NULL,  -- NEW: denormalized for query performance
    PRIMARY KEY (trace_id, session_uid),
    FOREIGN KEY (trace_id) REFERENCES traces(id) ON DELETE CASCADE
)`,
  },
  {
    source: '004',
    sql: `SELECT t.* FROM traces t
INNER JOIN trace_sessions ts ON t.id = ts.trace_id
WHERE ts.session_uid = ? AND t.created_at >= ?
ORDER BY t.created_at DESC`,
  },
  {
    source: '004',
    sql: `SELECT t.* FROM traces t
INNER JOIN trace_sessions ts ON t.id = ts.trace_id
WHERE ts.session_uid = ? AND ts.created_at >= ?  -- Filter on junction table
ORDER BY t.created_at DESC
LIMIT ?  -- Stop early once we have enough results`,
  },
  { source: '004', sql: 'CREATE INDEX idx_trace_sessions_uid_time\nON trace_sessions(session_uid, created_at DESC)' },
];

const featureCases: Case[] = [
  { source: 'LEFT JOIN', sql: 'SELECT a.x, b.y FROM a LEFT JOIN b ON b.a_id = a.id WHERE a.k = ?' },
  { source: 'IN (SELECT …)', sql: 'SELECT * FROM a WHERE a.id IN (SELECT a_id FROM b WHERE b.k = ?)' },
  { source: 'NOT IN', sql: 'SELECT * FROM a WHERE status NOT IN (1, 2)' },
  { source: 'CTE', sql: 'WITH recent AS (SELECT id FROM a WHERE ts > ?) SELECT * FROM b JOIN recent ON recent.id = b.a_id' },
  { source: 'UPSERT', sql: 'INSERT INTO kv (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v' },
  { source: 'RETURNING', sql: 'UPDATE a SET n = n + 1 WHERE id = ? RETURNING n' },
  { source: 'window function', sql: 'SELECT id, row_number() OVER (PARTITION BY grp ORDER BY ts DESC) AS rn FROM a' },
  { source: 'json_extract()', sql: "SELECT * FROM a WHERE json_extract(data, '$.kind') = ?" },
  { source: 'IS NOT NULL', sql: 'SELECT * FROM a WHERE deleted_at IS NOT NULL' },
  { source: 'BETWEEN', sql: 'SELECT * FROM a WHERE ts BETWEEN ? AND ?' },
  { source: "LIKE 'x%'", sql: "SELECT * FROM a WHERE name LIKE 'x%'" },
  { source: 'CASE', sql: "SELECT CASE WHEN n > 0 THEN 'pos' ELSE 'neg' END FROM a" },
  { source: 'GLOB', sql: "SELECT * FROM a WHERE path GLOB 'src/*'" },
  { source: 'quoted identifiers', sql: 'SELECT "x", [y], `z` FROM "t" WHERE [y] = 1' },
  { source: 'INDEXED BY', sql: 'SELECT * FROM a INDEXED BY idx_a_k WHERE k = ?' },
  { source: 'param ?NNN', sql: 'SELECT * FROM a WHERE x = ?1 AND y = ?2' },
  { source: 'param :name', sql: 'SELECT * FROM a WHERE x = :x' },
  { source: 'param @name', sql: 'SELECT * FROM a WHERE x = @x' },
  { source: 'param $name', sql: 'SELECT * FROM a WHERE x = $x' },
  { source: 'param $1', sql: 'SELECT * FROM a WHERE x = $1' },
];

const cstOptions = {
  dialect: 'sqlite' as const,
  includeRange: true,
  paramTypes: ['?', '?nr', ':name', '@name', '$name', '$nr'] as Array<'?' | '?nr' | ':name' | '@name' | '$name' | '$nr'>,
};
const nodeSqlParser = new NodeSqlParser();
const nodeSqlOptions = { database: 'sqlite', parseOptions: { includeLocations: true } };

function tryCst(sql: string): { ok: boolean; range: boolean; error?: string } {
  try {
    const program = parseCst(sql, cstOptions);
    const statement = program.statements[0];
    return { ok: true, range: Array.isArray(statement?.range) };
  } catch (error) {
    return { ok: false, range: false, error: firstLine(error) };
  }
}

function tryNodeSql(sql: string): { ok: boolean; range: boolean; error?: string } {
  try {
    const ast = nodeSqlParser.astify(sql, nodeSqlOptions) as unknown;
    const first = Array.isArray(ast) ? ast[0] : ast;
    return { ok: true, range: JSON.stringify(first).includes('"loc"') };
  } catch (error) {
    return { ok: false, range: false, error: firstLine(error) };
  }
}

function firstLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error).split('\n')[0].slice(0, 80);
}

function mark(result: { ok: boolean; range: boolean }): string {
  if (!result.ok) return 'no';
  return result.range ? 'yes (ranges)' : 'yes';
}

function report(title: string, cases: Case[]): void {
  console.log(`\n### ${title}\n`);
  console.log('| Source | Statement | sql-parser-cst | node-sql-parser |');
  console.log('|---|---|---|---|');
  for (const { source, sql } of cases) {
    const cst = tryCst(sql);
    const nsp = tryNodeSql(sql);
    const shown = sql.replace(/\s+/g, ' ').replace(/\|/g, '\\|').slice(0, 70);
    console.log(`| ${source} | \`${shown}\` | ${mark(cst)} | ${mark(nsp)}${nsp.error ? ` (${nsp.error.replace(/\|/g, '\\|')})` : ''} |`);
    if (cst.error) console.error(`cst error on ${source}: ${cst.error}`);
  }
}

/** CPU time, not wall time: other processes on a shared machine then distort the numbers less. */
function cpuMicros(run: () => void): number {
  const before = process.cpuUsage();
  run();
  const used = process.cpuUsage(before);
  return used.user + used.system;
}

function timePerParse(label: string, parse: (sql: string) => unknown, cases: Case[], rounds: number): void {
  const attempt = (sql: string) => {
    try {
      parse(sql);
    } catch {
      // a failed parse still costs time, which is what we measure
    }
  };
  const sqls = cases.map((c) => c.sql);
  const warmUp = cpuMicros(() => sqls.forEach(attempt)) / sqls.length;
  for (let round = 0; round < rounds; round++) sqls.forEach(attempt);
  const steady = cpuMicros(() => {
    for (let round = 0; round < rounds; round++) sqls.forEach(attempt);
  });
  const micros = steady / (rounds * sqls.length);
  console.log(`${label}: first parses ${warmUp.toFixed(0)} µs each; warmed up ${micros.toFixed(1)} µs per statement (CPU)`);
}

report('Seed statements', seedCases);
report('SQLite features', featureCases);
console.log('');
const queries = [...seedCases, ...featureCases].filter((c) => /^\s*(SELECT|WITH|INSERT|UPDATE|DELETE)/i.test(c.sql));
timePerParse('sql-parser-cst', (sql) => parseCst(sql, cstOptions), queries, 200);
timePerParse('node-sql-parser', (sql) => nodeSqlParser.astify(sql, nodeSqlOptions), queries, 200);

// The whole analyzeQueryShape on 20,000 distinct strings (its parse cache never hits), then repeated strings (all hits).
const distinct: string[] = [];
for (let i = 0; distinct.length < 20000; i++) {
  for (const { sql } of queries) distinct.push(`${sql} /* ${i} */`);
}
distinct.length = 20000;
let parsed = 0;
const coldSeconds =
  cpuMicros(() => {
    for (const sql of distinct) if (analyzeQueryShape(sql)) parsed++;
  }) / 1e6;
const cachedMicros = cpuMicros(() => distinct.slice(-1000).forEach((sql) => analyzeQueryShape(sql))) / 1000;
console.log(`analyzeQueryShape: 20,000 distinct queries in ${coldSeconds.toFixed(2)} s CPU (${parsed} parsed); a cached repeat ${cachedMicros.toFixed(1)} µs`);
