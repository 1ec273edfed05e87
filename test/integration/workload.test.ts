// Workload rules end to end on fixtures rebuilt from seeds 000 and 001: N+1 through helpers and directly in loops,
// writes in loops, COUNT queries merged into one aggregation (rewritten code that compiles and returns the same
// values, on an empty and a filled database), connection pragmas, and the consolidated workspace index plan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { analyze, applyFix, assertPythonCompiles, copyFixture, removeWorkspace, textAt, where } from '../helpers/workspace';
import { planWorkspaceIndexes } from '../../server/engine/analyze';
import { DEFAULT_CONFIG, mergeConfig } from '../../server/engine/config';
import { runCli } from '../../server/cli/main';
import type { AnalysisResult, Finding } from '../../server/engine/types';

function summary(result: AnalysisResult, rules?: string[]): string[] {
  return result.findings.filter((finding) => !rules || rules.includes(finding.ruleId)).map((finding) => where(result, finding));
}

function only(result: AnalysisResult, location: string): Finding {
  const found = result.findings.filter((finding) => where(result, finding) === location);
  assert.equal(found.length, 1, `one finding at ${location}: ${summary(result).join(', ')}`);
  return found[0];
}

const WORKLOAD_RULES = ['n-plus-one', 'write-in-loop', 'count-aggregation', 'pragma-config'];

test('seed 001: N+1 through self.db.get_all_sessions(), a direct query in a loop, a two-hop chain; polling and the fixed loop stay silent', async (t) => {
  const root = copyFixture('seed001-workload');
  t.after(() => removeWorkspace(root));
  const result = await analyze(root);
  assert.deepEqual(summary(result), [
    'workers/assigner_db.py:30:16 pragma-config',
    'workers/assigner_db.py:47:49 count-aggregation',
    'workers/assigner_db.py:47:49 missing-index',
    'workers/assigner_db.py:48:52 missing-index',
    'workers/assigner_db.py:49:51 missing-index',
    'workers/assigner_db.py:50:48 missing-index',
    'workers/assigner_db.py:51:48 count-aggregation',
    'workers/assigner_db.py:52:52 missing-index',
    'workers/assigner_db.py:53:47 missing-index',
    'workers/assigner_worker.py:18:24 n-plus-one',
    'workers/assigner_worker.py:27:13 write-in-loop',
    'workers/assigner_worker.py:32:19 n-plus-one',
    'workers/reporting.py:7:22 n-plus-one',
  ]);

  const throughHelper = only(result, 'workers/assigner_worker.py:18:24 n-plus-one');
  assert.equal(textAt(result, throughHelper), 'self.db.get_all_sessions()');
  assert.equal(throughHelper.severity, 'warning');
  assert.equal(
    throughHelper.message,
    'N+1 query: `for session in sessions` calls self.db.get_all_sessions() on every iteration, which runs ' +
      '`SELECT * FROM sessions` (in AssignerDatabase.get_all_sessions). It does not depend on the loop: run it once ' +
      'before the loop and look rows up in a dict.',
  );
  assert.deepEqual(
    throughHelper.related.map((related) => [related.file, result.texts.get(related.file)?.slice(related.range.start, related.range.end), related.message]),
    [
      ['workers/assigner_worker.py', 'for session in sessions', 'the loop: for session in sessions'],
      ['workers/assigner_db.py', 'get_all_sessions', 'AssignerDatabase.get_all_sessions runs the query'],
      ['workers/assigner_db.py', '"SELECT * FROM sessions"', 'the query'],
    ],
  );

  const direct = only(result, 'workers/assigner_worker.py:32:19 n-plus-one');
  assert.equal(textAt(result, direct), 'conn.execute("SELECT content FROM prompts WHERE id = ?", (prompt_id,))');
  assert.equal(
    direct.message,
    'N+1 query: `SELECT content FROM prompts WHERE id = ?` runs on every iteration of `for prompt_id in prompt_ids`, ' +
      'with prompt_id in its arguments. Collect the keys first and run one query with IN (...) or a JOIN, then look rows up in a dict.',
  );

  // reporting.py holds no SQL: it is parsed because it calls get_session, two hops from the loop.
  const chained = only(result, 'workers/reporting.py:7:22 n-plus-one');
  assert.match(chained.message, /\(via format_session → AssignerDatabase\.get_session\), with name in its arguments\./);

  const write = only(result, 'workers/assigner_worker.py:27:13 write-in-loop');
  assert.equal(
    write.message,
    'Write in a loop: `UPDATE sessions SET status = ? WHERE name = ?` runs on every iteration of `for session in sessions` ' +
      '(in AssignerDatabase.set_session_status). AssignerDatabase.set_session_status opens a new connection on every call ' +
      '(_get_conn()), so each write is its own transaction with its own sync to disk. Batch it: executemany() with all rows, ' +
      'a multi-row INSERT, or one explicit transaction around the loop.',
  );
  // The `while True:` poll (line 40), the loop after the one-time query (line 55) and the suppressed loop are silent.
  assert.deepEqual(summary(result, ['n-plus-one']).filter((location) => /assigner_worker\.py:(4\d|5\d|6\d)/.test(location)), []);
});

test('seed 001: 7 COUNTs become two aggregations with the same dict keys; the code compiles and returns the same stats', async (t) => {
  const root = copyFixture('seed001-workload');
  const original = copyFixture('seed001-workload');
  t.after(() => {
    removeWorkspace(root);
    removeWorkspace(original);
  });
  const file = 'workers/assigner_db.py';
  const before = await analyze(root);
  const prompts = only(before, `${file}:47:49 count-aggregation`);
  assert.equal(prompts.severity, 'info');
  assert.equal(
    prompts.message,
    '4 COUNT queries on prompts in AssignerDatabase.get_stats differ only in their WHERE; one query reads the table once ' +
      "instead of 4 times: SELECT COUNT(CASE WHEN status = 'pending' THEN 1 END), COUNT(CASE WHEN status IN ('assigned', " +
      "'in_progress') THEN 1 END), COUNT(CASE WHEN status = 'completed' THEN 1 END), COUNT(CASE WHEN status = 'failed' THEN 1 END) FROM prompts",
  );
  assert.deepEqual(prompts.related.map((related) => related.message), ['also counts prompts', 'also counts prompts', 'also counts prompts']);
  const sessions = only(before, `${file}:51:48 count-aggregation`);
  assert.match(sessions.message, /^3 COUNT queries on sessions .*: SELECT COUNT\(\*\), COUNT\(CASE WHEN status IN \('idle', 'waiting_input'\) AND current_task_id IS NULL THEN 1 END\), COUNT\(CASE WHEN status = 'busy' THEN 1 END\) FROM sessions$/);

  assert.equal(prompts.fixes[0].title, 'Count prompts in one query (4 COUNTs → prompts_counts), same dict keys');
  applyFix(root, prompts.fixes[0]);
  const middle = await analyze(root);
  assert.deepEqual(summary(middle, ['count-aggregation']), [`${file}:59:48 count-aggregation`]);
  applyFix(root, middle.findings.find((finding) => finding.ruleId === 'count-aggregation')!.fixes[0]);
  const after = await analyze(root);
  assert.deepEqual(summary(after, ['count-aggregation']), []);

  const patched = fs.readFileSync(path.join(root, file), 'utf8');
  assert.ok(
    patched.includes(
      `            prompts_counts = conn.execute("""
                SELECT
                    COUNT(CASE WHEN status = 'pending' THEN 1 END) AS pending_prompts,
                    COUNT(CASE WHEN status IN ('assigned', 'in_progress') THEN 1 END) AS active_assignments,
                    COUNT(CASE WHEN status = 'completed' THEN 1 END) AS completed_prompts,
                    COUNT(CASE WHEN status = 'failed' THEN 1 END) AS failed_prompts
                FROM prompts
            """).fetchone()
            sessions_counts = conn.execute("""
                SELECT
                    COUNT(*) AS total_sessions,
                    COUNT(CASE WHEN status IN ('idle', 'waiting_input') AND current_task_id IS NULL THEN 1 END) AS available_sessions,
                    COUNT(CASE WHEN status = 'busy' THEN 1 END) AS busy_sessions
                FROM sessions
            """).fetchone()
            stats = {
                "pending_prompts": prompts_counts[0],
                "active_assignments": prompts_counts[1],
                "completed_prompts": prompts_counts[2],
                "failed_prompts": prompts_counts[3],
                "total_sessions": sessions_counts[0],
                "available_sessions": sessions_counts[1],
                "busy_sessions": sessions_counts[2],
            }`,
    ),
    patched,
  );
  assertPythonCompiles(path.join(root, file));
  // Same keys, same values, 0 on empty tables: run both versions with python3 and sqlite3.
  const stats = (workspace: string) => JSON.parse(runStats(path.join(workspace, 'workers'))) as Array<Record<string, number>>;
  const expected = stats(original);
  assert.deepEqual(expected[0], {
    pending_prompts: 0,
    active_assignments: 0,
    completed_prompts: 0,
    failed_prompts: 0,
    total_sessions: 0,
    available_sessions: 0,
    busy_sessions: 0,
  });
  assert.deepEqual(expected[1], {
    pending_prompts: 2,
    active_assignments: 2,
    completed_prompts: 1,
    failed_prompts: 1,
    total_sessions: 5,
    available_sessions: 2,
    busy_sessions: 2,
  });
  assert.deepEqual(stats(root), expected);
});

/** Calls get_stats() on an empty database, then on one with rows; prints both as JSON. */
function runStats(workersDir: string): string {
  const database = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-stats-')), 'assigner.db');
  const script = `
import json, sqlite3, sys
sys.path.insert(0, sys.argv[1])
import assigner_db
db = assigner_db.AssignerDatabase(sys.argv[2])
out = [db.get_stats()]
conn = sqlite3.connect(sys.argv[2])
conn.executemany("INSERT INTO prompts (content, status, created_at) VALUES (?, ?, '2026-01-01')",
    [("a", "pending"), ("b", "pending"), ("c", "assigned"), ("d", "in_progress"), ("e", "completed"), ("f", "failed"), ("g", "held")])
conn.executemany("INSERT INTO sessions (name, status, current_task_id) VALUES (?, ?, ?)",
    [("s1", "idle", None), ("s2", "waiting_input", 3), ("s3", "busy", 1), ("s4", "busy", None), ("s5", "waiting_input", None)])
conn.commit()
out.append(db.get_stats())
print(json.dumps(out))
`;
  try {
    return execFileSync('python3', ['-c', script, workersDir, database], { encoding: 'utf8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  } finally {
    fs.rmSync(path.dirname(database), { recursive: true, force: true });
  }
}

test('seed 001: a connection with no settings gets an info hint; the fix turns `return connect()` into WAL setup', async (t) => {
  const root = copyFixture('seed001-workload');
  t.after(() => removeWorkspace(root));
  const file = 'workers/assigner_db.py';
  const before = await analyze(root);
  const hint = only(before, `${file}:30:16 pragma-config`);
  assert.equal(hint.severity, 'info');
  assert.equal(textAt(before, hint), 'sqlite3.connect(self.path)');
  assert.match(hint.message, /\(a new connection on every call of _get_conn\(\), from 5 functions\)/);
  assert.equal(hint.fixes[0].title, 'Set PRAGMA journal_mode=WAL after sqlite3.connect');
  applyFix(root, hint.fixes[0]);
  const patched = fs.readFileSync(path.join(root, file), 'utf8');
  assert.ok(
    patched.includes(
      '    def _get_conn(self):\n        conn = sqlite3.connect(self.path)\n        conn.execute("PRAGMA journal_mode=WAL")\n        return conn\n',
    ),
    patched,
  );
  assertPythonCompiles(path.join(root, file));
  const after = await analyze(root);
  assert.deepEqual(summary(after, ['pragma-config']), []);
});

test('seed 000: the two queries on sessions get one consolidated index; applying it clears both', async (t) => {
  const root = copyFixture('seed000-workload');
  t.after(() => removeWorkspace(root));
  const file = 'computer/parachute/db/database.py';
  const before = await analyze(root);
  assert.deepEqual(summary(before), [`${file}:25:39 pragma-config`, `${file}:33:13 incomplete-index`, `${file}:45:13 incomplete-index`]);
  const [, countChildren, lastChild] = before.findings;
  const consolidated = 'idx_sessions_parent_session_archived_created_at_desc';
  for (const finding of [countChildren, lastChild]) {
    assert.equal(finding.suggestion?.name, consolidated);
    assert.deepEqual(finding.suggestion?.columns, [
      { name: 'parent_session_id', desc: false },
      { name: 'archived', desc: false },
      { name: 'created_at', desc: true },
    ]);
    assert.equal(
      finding.fixes[0].title,
      `Add index ${consolidated} ON sessions(parent_session_id, archived, created_at DESC) in a new entry of the migration list in ${file}`,
    );
  }
  // count_children alone would get (parent_session_id, archived); the plan proves the longer index serves it too.
  assert.match(
    countChildren.message,
    new RegExp(`Extend idx_sessions_parent_session to idx_sessions_parent_session_archived ON sessions\\(parent_session_id, archived\\): 2 columns constrained instead of 1\\. The fix adds ${consolidated} ON sessions\\(parent_session_id, archived, created_at DESC\\) instead, which serves this query as well and 1 other query on sessions too\\.$`),
  );
  assert.deepEqual(countChildren.planAfter, [
    `\`--SEARCH sessions USING COVERING INDEX ${consolidated} (parent_session_id=? AND archived=?)`,
  ]);
  assert.match(lastChild.message, /sort removed\. The same index also serves 1 other query on sessions\.$/);

  applyFix(root, countChildren.fixes[0]);
  assertPythonCompiles(path.join(root, file));
  const after = await analyze(root);
  assert.deepEqual(summary(after), [`${file}:14:9 redundant-index`, `${file}:26:39 pragma-config`]);
});

test('seed 000: journal_mode=DELETE on an aiosqlite connection is a warning; the fix sets WAL in place', async (t) => {
  const root = copyFixture('seed000-workload');
  t.after(() => removeWorkspace(root));
  const file = 'computer/parachute/db/database.py';
  const before = await analyze(root);
  const journal = only(before, `${file}:25:39 pragma-config`);
  assert.equal(journal.severity, 'warning');
  assert.equal(textAt(before, journal), '"PRAGMA journal_mode=DELETE"');
  assert.equal(
    journal.message,
    'journal_mode=DELETE with concurrent access (aiosqlite (async)): a writer locks out every reader and readers hold off ' +
      'the writer. journal_mode=WAL lets readers and one writer work at the same time.',
  );
  applyFix(root, journal.fixes[0]);
  assert.ok(fs.readFileSync(path.join(root, file), 'utf8').includes('await self.connection.execute("PRAGMA journal_mode=WAL")'));
  const after = await analyze(root);
  assert.deepEqual(summary(after, WORKLOAD_RULES), []);
});

test('planlens indexes prints one migration for the workspace and the queries each index serves', async (t) => {
  const root = copyFixture('seed000-workload');
  t.after(() => removeWorkspace(root));
  const report = await planWorkspaceIndexes({ root, paths: [], config: mergeConfig(DEFAULT_CONFIG, {}) });
  assert.deepEqual(
    report.indexes.map((index) => [index.suggestion.name, index.serves.map((query) => query.function), index.redundant.map((r) => r.name)]),
    [['idx_sessions_parent_session_archived_created_at_desc', ['Database.count_children', 'Database.get_last_child_created'], ['idx_sessions_parent_session']]],
  );
  let stdout = '';
  const code = await runCli(['indexes'], { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: () => true }, cwd: root, isTTY: false });
  assert.equal(code, 0);
  assert.equal(
    stdout,
    `-- PlanLens index plan: 1 index for 2 queries, each verified by planning every query it serves.

-- sessions(parent_session_id, archived, created_at DESC) serves 2 queries:
--   computer/parachute/db/database.py:33:13 Database.count_children: SELECT COUNT(*) FROM sessions WHERE parent_session_id = ? AND archived = 0
--   computer/parachute/db/database.py:45:13 Database.get_last_child_created: SELECT created_at FROM sessions WHERE parent_session_id = ? AND archived = 0 OR…
CREATE INDEX IF NOT EXISTS idx_sessions_parent_session_archived_created_at_desc ON sessions(parent_session_id, archived, created_at DESC);
-- idx_sessions_parent_session ON sessions(parent_session_id) (computer/parachute/db/database.py:14:9) is redundant once idx_sessions_parent_session_archived_created_at_desc exists:
-- DROP INDEX IF EXISTS idx_sessions_parent_session;
`,
  );
  // A path with no advised query in it gets an empty plan.
  fs.writeFileSync(path.join(root, 'other.py'), 'x = 1\n');
  stdout = '';
  await runCli(['indexes', 'other.py'], { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: () => true }, cwd: root, isTTY: false });
  assert.equal(stdout, '-- PlanLens index plan: no new index is needed.\n');
});

/** A workspace made of the given files. */
function workspace(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-workload-'));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  return root;
}

test('COUNTs over different tables, or over one indexed WHERE each, are not merged', async (t) => {
  const schema = `SCHEMA = """
CREATE TABLE jobs (id INTEGER PRIMARY KEY, state TEXT, owner TEXT);
CREATE TABLE runs (id INTEGER PRIMARY KEY, state TEXT);
CREATE INDEX idx_jobs_state ON jobs(state);
CREATE INDEX idx_jobs_owner ON jobs(owner);
"""
`;
  const root = workspace({
    'app/stats.py': `${schema}
def across_tables(conn):
    jobs = conn.execute("SELECT COUNT(*) FROM jobs WHERE state = 'queued'").fetchone()[0]
    runs = conn.execute("SELECT COUNT(*) FROM runs WHERE state = 'queued'").fetchone()[0]
    return jobs, runs


def indexed(conn):
    queued = conn.execute("SELECT COUNT(*) FROM jobs WHERE state = 'queued'").fetchone()[0]
    mine = conn.execute("SELECT COUNT(*) FROM jobs WHERE owner = 'me'").fetchone()[0]
    return queued, mine


def shared_prefix(conn, owner):
    queued = conn.execute("SELECT COUNT(*) FROM jobs WHERE owner = ? AND id > 10", (owner,)).fetchone()[0]
    old = conn.execute("SELECT COUNT(*) FROM jobs WHERE owner = ? AND id <= 10", (owner,)).fetchone()[0]
    return queued, old
`,
  });
  t.after(() => removeWorkspace(root));
  const result = await analyze(root);
  // Only the group that keeps its indexed WHERE (owner = ?) is merged, into one SEARCH.
  assert.deepEqual(summary(result, ['count-aggregation']), ['app/stats.py:21:27 count-aggregation']);
  const [merged] = result.findings.filter((finding) => finding.ruleId === 'count-aggregation');
  assert.match(merged.message, /: SELECT COUNT\(CASE WHEN id > 10 THEN 1 END\), COUNT\(CASE WHEN id <= 10 THEN 1 END\) FROM jobs WHERE owner = \?$/);
  applyFix(root, merged.fixes[0]);
  const patched = fs.readFileSync(path.join(root, 'app/stats.py'), 'utf8');
  assert.ok(
    patched.includes(`    queued, old = conn.execute("""
        SELECT
            COUNT(CASE WHEN id > 10 THEN 1 END) AS queued,
            COUNT(CASE WHEN id <= 10 THEN 1 END) AS old
        FROM jobs
        WHERE owner = ?
    """, (owner,)).fetchone()
    return queued, old
`),
    patched,
  );
  assertPythonCompiles(path.join(root, 'app/stats.py'));
  assert.deepEqual(summary(await analyze(root), ['count-aggregation']), []);
});

test('write-in-loop says when each write commits, and polling loops with sleep or a blocking get stay silent', async (t) => {
  const root = workspace({
    'app/log.py': `import queue
import sqlite3
import time

conn = sqlite3.connect("app.db", isolation_level=None)
conn.execute("PRAGMA journal_mode=WAL")
conn.execute("CREATE TABLE IF NOT EXISTS logs (id INTEGER PRIMARY KEY, line TEXT)")


def append(line):
    conn.execute("INSERT INTO logs (line) VALUES (?)", (line,))


def store(lines):
    for line in lines:
        append(line)


def store_each(db, lines):
    for line in lines:
        db.execute("INSERT INTO logs (line) VALUES (?)", (line,))
        db.commit()


def consume(jobs: queue.Queue):
    while True:
        line = jobs.get()
        append(line)


def poll():
    while running:
        append("tick")
        time.sleep(1)


def batched(rows):
    for chunk in rows:
        conn.executemany("INSERT INTO logs (line) VALUES (?)", chunk)
`,
  });
  t.after(() => removeWorkspace(root));
  const result = await analyze(root);
  assert.deepEqual(summary(result, WORKLOAD_RULES), ['app/log.py:16:9 write-in-loop', 'app/log.py:21:9 write-in-loop']);
  const [throughAppend, direct] = result.findings.filter((finding) => finding.ruleId === 'write-in-loop');
  assert.match(throughAppend.message, /\(in append\)\. The connection is in autocommit mode, so each write is its own transaction/);
  assert.match(direct.message, /^Write in a loop: `INSERT INTO logs \(line\) VALUES \(\?\)` runs on every iteration of `for line in lines`\. commit\(\) also runs on every iteration/);
});

test('chains resolve self methods, module functions and imports up to three calls deep, and no further', async (t) => {
  const root = workspace({
    'app/store.py': `import sqlite3

def load(conn, key):
    return conn.execute("SELECT * FROM items WHERE key = ?", (key,)).fetchone()

def one(conn, key):
    return load(conn, key)

def two(conn, key):
    return one(conn, key)

def three(conn, key):
    return two(conn, key)
`,
    'app/jobs.py': `from .store import two, three
from . import store


class Job:
    def fetch(self, conn, key):
        return two(conn, key)

    def run(self, conn, keys):
        found = [self.fetch(conn, key) for key in keys]
        for key in keys:
            two(conn, key)
        for key in keys:
            three(conn, key)
        for key in keys:
            store.load(conn, key)
        return found
`,
    'schema.sql': 'CREATE TABLE items (key TEXT PRIMARY KEY, value TEXT);\n',
  });
  t.after(() => removeWorkspace(root));
  const result = await analyze(root);
  // two → one → load is three calls deep: found. fetch → two → one → load and three → two → one → load are four: not.
  assert.deepEqual(summary(result, WORKLOAD_RULES), ['app/jobs.py:12:13 n-plus-one', 'app/jobs.py:16:13 n-plus-one']);
  const [deep, viaModule] = result.findings;
  assert.match(deep.message, /calls two\(conn, key\) on every iteration, which runs `SELECT \* FROM items WHERE key = \?` \(via two → one → load\), with key in its arguments/);
  assert.match(viaModule.message, /calls store\.load\(conn, key\) on every iteration, which runs `SELECT \* FROM items WHERE key = \?` \(in load\), with key in its arguments/);
});

test(
  'seed 003 (Rust, sqlx): the per-delta INSERT through ExecutionProcessLogs::append_log_line in a loop, and the DELETE journal mode',
  async (t) => {
    const root = copyFixture('seed003-workload');
    t.after(() => removeWorkspace(root));
    const result = await analyze(root);
    assert.deepEqual(summary(result, WORKLOAD_RULES), [
      'crates/db/src/lib.rs:12:10 pragma-config',
      'crates/services/src/lib.rs:8:9 write-in-loop',
    ]);
    const write = only(result, 'crates/services/src/lib.rs:8:9 write-in-loop');
    assert.match(write.message, /runs on every iteration of `for delta in deltas` \(in ExecutionProcessLogs::append_log_line\)\. The connection is in autocommit mode/);
    assert.match(only(result, 'crates/db/src/lib.rs:12:10 pragma-config').message, /^journal_mode=DELETE with concurrent access/);
  },
);
