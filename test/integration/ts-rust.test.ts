// End-to-end on TypeScript/JavaScript and Rust fixtures: exact findings, fixes that land where each ecosystem keeps
// its schema, and findings gone once the fix is applied.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze, applyFix, copyFixture, QUERY_FILE_WORKSPACE, removeWorkspace, textAt, where, writeWorkspace } from '../helpers/workspace';
import type { AnalysisResult } from '../../server/engine/types';

function summary(result: AnalysisResult): string[] {
  return result.findings.map((finding) => where(result, finding));
}

function infoNotes(result: AnalysisResult): string[] {
  return result.notes.map((note) => `${note.level} ${note.file ?? ''}: ${note.message}`);
}

test('better-sqlite3: composite index with ORDER BY, a column from a later ALTER TABLE, @name parameters', async (t) => {
  const root = copyFixture('ts-better-sqlite3');
  t.after(() => removeWorkspace(root));
  const file = 'src/db.ts';
  const before = await analyze(root);
  // Silent: the unique email lookup, the indexed user_id queries (TS and node:sqlite in .mjs), the WAL pragma,
  // the suppressed report, and the PostgreSQL script. The node:sqlite script's connection sets nothing: a hint.
  const script = 'scripts/userOrders.mjs:3:12 pragma-config';
  assert.deepEqual(summary(before), [script, `${file}:6:26 missing-index`, `${file}:19:21 missing-index`]);
  assert.deepEqual(infoNotes(before), ['info scripts/warehouse.js: skipped: imports pg (PostgreSQL) and no SQLite driver']);

  const [, recent, region] = before.findings;
  assert.match(textAt(before, recent), /^`\n {2}SELECT id, user_id, total_cents, created_at\n[^`]*LIMIT @limit\n`$/);
  assert.deepEqual(recent.suggestion?.columns, [
    { name: 'status', desc: false },
    { name: 'created_at', desc: true },
  ]);
  assert.deepEqual(recent.planBefore, ['|--SCAN orders', '`--USE TEMP B-TREE FOR ORDER BY']);
  assert.match(recent.message, /SCAN → SEARCH, sort removed/);
  assert.deepEqual(recent.fixes[0].edits, [
    {
      kind: 'create',
      file: 'migrations/003_add_idx_orders_status_created_at_desc.sql',
      text: 'CREATE INDEX IF NOT EXISTS idx_orders_status_created_at_desc ON orders(status, created_at DESC);\n',
    },
  ]);

  // `region` only exists after migrations/002_user_region.sql.
  assert.equal(textAt(before, region), "'SELECT id, email FROM users WHERE region = @region'");
  assert.deepEqual(region.suggestion?.columns, [{ name: 'region', desc: false }]);
  assert.equal(region.fixes[0].title, 'Add index idx_users_region ON users(region) in migrations/003_add_idx_users_region.sql');

  applyFix(root, recent.fixes[0]);
  const afterFirst = await analyze(root);
  assert.deepEqual(summary(afterFirst), [script, `${file}:19:21 missing-index`]);
  // The region fix is recomputed against the new folder: it now takes number 004.
  applyFix(root, afterFirst.findings[1].fixes[0]);
  assert.ok(fs.existsSync(path.join(root, 'migrations/004_add_idx_users_region.sql')));
  assert.deepEqual(summary(await analyze(root)), [script]);
});

test('better-sqlite3: the suppression comment is what keeps the nightly report silent', async (t) => {
  const root = copyFixture('ts-better-sqlite3');
  t.after(() => removeWorkspace(root));
  const file = path.join(root, 'src/db.ts');
  const text = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(file, text.replace('  // planlens: ignore[missing-index] reporting job, runs nightly\n', '  // nightly\n'));
  const result = await analyze(root);
  assert.deepEqual(summary(result), [
    'scripts/userOrders.mjs:3:12 pragma-config',
    'src/db.ts:6:26 missing-index',
    'src/db.ts:19:21 missing-index',
    'src/db.ts:29:21 missing-index',
  ]);
  assert.equal(
    textAt(result, result.findings[3]),
    '"SELECT status, SUM(total_cents) FROM orders WHERE total_cents > $min GROUP BY status"',
  );
});

test('sqlx (seed 003): the unindexed log query is found through query_as! ($1) and query_as::<_, T> (?)', async (t) => {
  const root = copyFixture('rust-sqlx-seed003');
  t.after(() => removeWorkspace(root));
  const file = 'crates/db/src/models/execution_process_logs.rs';
  const before = await analyze(root);
  // The pool's options set nothing: a hint to use WAL (pragma-config tests cover it).
  const options = 'crates/db/src/lib.rs:6:41 pragma-config';
  assert.deepEqual(summary(before), [options, `${file}:21:13 missing-index`, `${file}:42:13 missing-index`]);
  assert.deepEqual(infoNotes(before), [
    'info crates/analytics/src/lib.rs: skipped: crates/analytics/Cargo.toml depends on tokio-postgres (PostgreSQL) and no SQLite driver',
  ]);

  const [, macroQuery, runtimeQuery] = before.findings;
  const macroText = textAt(before, macroQuery);
  assert.ok(macroText.startsWith('r#"SELECT\n                execution_id as "execution_id!: Uuid",'), macroText);
  assert.ok(macroText.endsWith('WHERE execution_id = $1\n               ORDER BY inserted_at ASC"#'), macroText);
  assert.ok(textAt(before, runtimeQuery).includes('WHERE execution_id = ? AND inserted_at > ? ORDER BY inserted_at ASC'));
  for (const finding of [macroQuery, runtimeQuery]) {
    assert.equal(finding.table, 'execution_process_logs');
    assert.deepEqual(finding.suggestion?.columns, [
      { name: 'execution_id', desc: false },
      { name: 'inserted_at', desc: false },
    ]);
  }
  assert.deepEqual(macroQuery.planBefore, ['|--SCAN execution_process_logs', '`--USE TEMP B-TREE FOR ORDER BY']);

  // The fix is a new sqlx migration whose timestamped name sorts after every existing one.
  const [edit] = macroQuery.fixes[0].edits;
  assert.equal(edit.kind, 'create');
  assert.match(edit.file, /^crates\/db\/migrations\/\d{14}_add_idx_execution_process_logs_execution_id_inserted_at\.sql$/);
  const existing = fs.readdirSync(path.join(root, 'crates/db/migrations'));
  assert.ok(existing.every((name) => name < path.posix.basename(edit.file)), `${edit.file} sorts last`);
  assert.equal(
    edit.kind === 'create' ? edit.text : '',
    'CREATE INDEX IF NOT EXISTS idx_execution_process_logs_execution_id_inserted_at ON execution_process_logs(execution_id, inserted_at);\n',
  );

  applyFix(root, macroQuery.fixes[0]);
  assert.deepEqual(summary(await analyze(root)), [options]);
});

test('rusqlite: a scan through an OR across sender and recipient; the index lands in the schema.rs string', async (t) => {
  const root = copyFixture('rust-rusqlite');
  t.after(() => removeWorkspace(root));
  const before = await analyze(root);
  assert.deepEqual(summary(before), ['src/store.rs:11:9 missing-index']);
  const [finding] = before.findings;
  assert.equal(textAt(before, finding), '"SELECT id, body FROM messages WHERE sender = ?1 OR recipient = ?1"');
  assert.match(finding.message, /^Full scan of messages: the query filters on sender, recipient but scans every row\./);
  assert.match(finding.message, /SCAN → MULTI-INDEX OR/);
  assert.deepEqual(finding.suggestion?.columns, [{ name: 'recipient', desc: false }]);
  assert.equal(finding.fixes.length, 1);

  applyFix(root, finding.fixes[0]);
  const schema = fs.readFileSync(path.join(root, 'src/schema.rs'), 'utf8');
  assert.ok(
    schema.includes(
      '    CREATE INDEX IF NOT EXISTS idx_messages_sender ON messages(sender); ' +
        'CREATE INDEX IF NOT EXISTS idx_messages_recipient ON messages(recipient);\n";',
    ),
    schema,
  );
  assert.deepEqual(summary(await analyze(root)), []);
});

test('ES module and CommonJS TypeScript (.mts, .cts) are analysed like .ts', async (t) => {
  const root = copyFixture('ts-better-sqlite3');
  t.after(() => removeWorkspace(root));
  const source = fs.readFileSync(path.join(root, 'src/db.ts'), 'utf8');
  fs.renameSync(path.join(root, 'src/db.ts'), path.join(root, 'src/db.mts'));
  fs.writeFileSync(path.join(root, 'src/copy.cts'), source);
  const result = await analyze(root);
  const found = summary(result).filter((line) => line.includes('missing-index'));
  assert.deepEqual(found, [
    'src/copy.cts:6:26 missing-index',
    'src/copy.cts:19:21 missing-index',
    'src/db.mts:6:26 missing-index',
    'src/db.mts:19:21 missing-index',
  ]);
});

test('sqlx query_file!: a query in a workspace .sql file is reported once, in that file; excluded, on the macro', async (t) => {
  const root = writeWorkspace('query-file', QUERY_FILE_WORKSPACE);
  t.after(() => removeWorkspace(root));
  assert.deepEqual(summary(await analyze(root)), ['queries/by_email.sql:1:1 missing-index']);
  // Not analysed itself: the macro's path literal carries the finding.
  assert.deepEqual(summary(await analyze(root, { exclude: ['queries/**'] })), ['src/lib.rs:2:31 missing-index']);
});
