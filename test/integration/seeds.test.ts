// End-to-end on fixtures rebuilt from the seed investigations: exact findings and ranges, verified fixes that
// make the finding disappear, and patched Python that still compiles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze, applyFix, assertPythonCompiles, copyFixture, removeWorkspace, textAt, where } from '../helpers/workspace';
import type { AnalysisResult } from '../../server/engine/types';

function summary(result: AnalysisResult): string[] {
  return result.findings.map((finding) => where(result, finding));
}

test('seed 000: COUNT on parent_session_id + archived extends the parent index through a new migration entry', async (t) => {
  const root = copyFixture('seed000');
  t.after(() => removeWorkspace(root));
  const file = 'computer/parachute/db/database.py';
  const before = await analyze(root);
  // The aiosqlite connection keeps SQLite's defaults: an info hint (workload rules, test/integration/workload.test.ts).
  assert.deepEqual(summary(before), [`${file}:28:33 pragma-config`, `${file}:39:13 incomplete-index`]);
  const [, finding] = before.findings;
  assert.match(textAt(before, finding), /^"""\s+SELECT COUNT\(\*\) FROM sessions\s+WHERE parent_session_id = \? AND archived = 0\s+"""$/);
  assert.equal(finding.severity, 'warning');
  assert.deepEqual(finding.suggestion?.columns, [
    { name: 'parent_session_id', desc: false },
    { name: 'archived', desc: false },
  ]);
  assert.equal(finding.suggestion?.name, 'idx_sessions_parent_session_archived');
  assert.equal(finding.suggestion?.replaces, 'idx_sessions_parent_session');
  assert.deepEqual(finding.planBefore, ['`--SEARCH sessions USING INDEX idx_sessions_parent_session (parent_session_id=?)']);
  assert.deepEqual(finding.planAfter, [
    '`--SEARCH sessions USING COVERING INDEX idx_sessions_parent_session_archived (parent_session_id=? AND archived=?)',
  ]);
  // Prose that starts with "Select", the primary-key lookup and the suppressed query stay silent.
  assert.equal(before.findings.filter((f) => f.ruleId !== 'pragma-config').length, 1);

  assert.equal(finding.fixes.length, 1);
  assert.equal(
    finding.fixes[0].title,
    `Add index idx_sessions_parent_session_archived ON sessions(parent_session_id, archived) in a new entry of the migration list in ${file}`,
  );
  applyFix(root, finding.fixes[0]);
  const patched = fs.readFileSync(path.join(root, file), 'utf8');
  assert.ok(
    patched.includes(
      '    3: "ALTER TABLE sessions ADD COLUMN workspace_id TEXT",\n' +
        '    4: "CREATE INDEX IF NOT EXISTS idx_sessions_parent_session_archived ON sessions(parent_session_id, archived)",\n}',
    ),
    patched,
  );
  assertPythonCompiles(path.join(root, file));

  const after = await analyze(root);
  // The finding is gone; the old single-column index is now a prefix of the new one.
  assert.deepEqual(summary(after), [`${file}:17:9 redundant-index`, `${file}:29:33 pragma-config`]);
  assert.match(after.findings[0].message, /^idx_sessions_parent_session ON sessions\(parent_session_id\) is redundant/);
  assert.deepEqual(after.findings[0].tags, ['unnecessary']);
});

test('seed 001: pending prompts ordered by priority DESC get (status, priority DESC, created_at) inside the schema string', async (t) => {
  const root = copyFixture('seed001');
  t.after(() => removeWorkspace(root));
  const file = 'workers/assigner_worker.py';
  const before = await analyze(root);
  // Also the workload rules: the default connection (info) and two groups of COUNTs to merge (info).
  assert.deepEqual(summary(before), [
    `${file}:21:16 missing-index`,
    `${file}:36:16 pragma-config`,
    `${file}:53:17 missing-index`,
    `${file}:60:49 count-aggregation`,
    `${file}:60:49 missing-index`,
    `${file}:61:51 missing-index`,
    `${file}:62:48 count-aggregation`,
    `${file}:63:47 missing-index`,
  ]);
  const nextPrompts = before.findings[0];
  assert.match(textAt(before, nextPrompts), /ORDER BY priority DESC, created_at ASC/);
  assert.deepEqual(nextPrompts.suggestion?.columns, [
    { name: 'status', desc: false },
    { name: 'priority', desc: true },
    { name: 'created_at', desc: false },
  ]);
  assert.deepEqual(nextPrompts.planBefore, ['|--SCAN prompts', '`--USE TEMP B-TREE FOR ORDER BY']);
  assert.match(nextPrompts.message, /SCAN → SEARCH, sort removed/);
  // %s parameters are planned too: the target_session query is found.
  assert.deepEqual(before.findings[2].suggestion?.columns.map((c) => c.name), ['target_session', 'status']);

  applyFix(root, nextPrompts.fixes[0]);
  const patched = fs.readFileSync(path.join(root, file), 'utf8');
  assert.ok(
    patched.includes(
      '    last_activity TEXT\n);\nCREATE INDEX IF NOT EXISTS idx_prompts_status_priority_desc_created_at ON prompts(status, priority DESC, created_at);\n"""',
    ),
    patched,
  );
  assertPythonCompiles(path.join(root, file));
  const after = await analyze(root);
  // The ORDER BY query and the status COUNTs are served by the new index. The target_session query now seeks on
  // status and checks target_session row by row; the sessions COUNT is another table. The prompts COUNTs are now
  // index searches each, which one merged full scan would be slower than: only the sessions COUNTs are merged.
  assert.deepEqual(summary(after), [
    `${file}:37:16 pragma-config`,
    `${file}:54:17 incomplete-index`,
    `${file}:63:48 count-aggregation`,
    `${file}:64:47 missing-index`,
  ]);
});

test('seed 001 (SQL migrations): the all-ascending index still sorts; a new numbered migration fixes it', async (t) => {
  const root = copyFixture('seed001sql');
  t.after(() => removeWorkspace(root));
  const before = await analyze(root);
  assert.deepEqual(summary(before), [
    'data/migrations/002_task_queue_indexes.sql:6:1 redundant-index',
    'data/queries.sql:2:1 temp-sort',
    'data/queries.sql:7:1 incomplete-index',
  ]);
  const sort = before.findings[1];
  assert.equal(textAt(before, sort), "SELECT * FROM task_queue WHERE status = 'pending' ORDER BY priority DESC, created_at ASC LIMIT 50");
  assert.deepEqual(sort.planBefore, [
    '|--SEARCH task_queue USING INDEX idx_task_queue_status_priority (status=?)',
    '`--USE TEMP B-TREE FOR LAST TERM OF ORDER BY',
  ]);
  assert.deepEqual(sort.fixes[0].edits, [
    {
      kind: 'create',
      file: 'data/migrations/003_add_idx_task_queue_status_priority_desc_created_at.sql',
      text: 'CREATE INDEX IF NOT EXISTS idx_task_queue_status_priority_desc_created_at ON task_queue(status, priority DESC, created_at);\n',
    },
  ]);
  applyFix(root, sort.fixes[0]);
  const after = await analyze(root);
  assert.ok(!summary(after).includes('data/queries.sql:2:1 temp-sort'), summary(after).join('\n'));
});

test('seed 004: filter and sort in different tables: says no single index serves both, suggests denormalising', async (t) => {
  const root = copyFixture('seed004');
  t.after(() => removeWorkspace(root));
  const file = 'tracing/sqlite_store.py';
  const result = await analyze(root);
  assert.deepEqual(summary(result), [`${file}:11:26 pragma-config`, `${file}:30:13 redundant-index`, `${file}:42:17 temp-sort`]);
  const [, redundant, sort] = result.findings;
  assert.equal(textAt(result, redundant), 'CREATE INDEX IF NOT EXISTS idx_trace_sessions_trace ON trace_sessions(trace_id)');
  assert.match(redundant.message, /the primary key \(trace_id, session_uid\)/);
  assert.equal(
    sort.message,
    'Sort in a temp B-tree: the filter is on trace_sessions(session_uid) but the ORDER BY is on traces(created_at DESC), ' +
      'so no single index serves both. Denormalise created_at into trace_sessions and index trace_sessions(session_uid, created_at DESC).',
  );
  assert.equal(sort.fixes.length, 0, 'a schema change is advice, not an automatic fix');
  // The f-string with a dynamic table name stays silent, as does the primary-key lookup.
});
