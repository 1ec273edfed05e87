// ORM models as schema and ORM query chains as planned SQL, end to end: exact findings, fixes written into the
// model, the finding gone on re-check, and patched code that still compiles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze, applyFix, assertPythonCompiles, copyFixture, removeWorkspace, textAt, where } from '../helpers/workspace';
import { AnalysisSession } from '../../server/engine/analyze';
import { DEFAULT_CONFIG } from '../../server/engine/config';
import type { AnalysisResult, Finding } from '../../server/engine/types';

/** The index rules only: other rule families are tested on their own fixtures. */
const INDEX_RULES = new Set(['missing-index', 'incomplete-index', 'temp-sort', 'redundant-index', 'sql-error']);

function summary(result: AnalysisResult): string[] {
  return result.findings.filter((finding) => INDEX_RULES.has(finding.ruleId)).map((finding) => where(result, finding));
}

function findingAt(result: AnalysisResult, location: string): Finding {
  const finding = result.findings.find((candidate) => where(result, candidate) === location);
  assert.ok(finding, `no finding at ${location}: ${summary(result).join(', ')}`);
  return finding;
}

test('seed 002 (SQLAlchemy): TaskManager queries get their indexes in the models, and the findings go away', async (t) => {
  const root = copyFixture('seed002');
  t.after(() => removeWorkspace(root));
  const models = 'agent_state/agent_database.py';
  const planner = 'agent_state/planner.py';
  const before = await analyze(root);
  // The PK lookups (session.get, filter on the primary key), the already-indexed worker_messages chain and the
  // dynamic filter(*filters) stay silent.
  assert.deepEqual(summary(before), [
    `${planner}:16:22 incomplete-index`,
    `${planner}:24:20 incomplete-index`,
    `${planner}:32:17 temp-sort`,
    `${planner}:54:22 missing-index`,
  ]);

  const pending = findingAt(before, `${planner}:16:22 incomplete-index`);
  assert.equal(
    textAt(before, pending),
    'session.query(Worker).filter(\n                Worker.planner_id == self.planner_id,\n                Worker.task_status == "pending",\n            ).first()',
  );
  assert.deepEqual(pending.suggestion?.columns, [
    { name: 'planner_id', desc: false },
    { name: 'task_status', desc: false },
  ]);
  assert.deepEqual(pending.planBefore, ['`--SEARCH workers USING INDEX ix_workers_planner_id (planner_id=?)']);
  assert.deepEqual(pending.related.map((related) => `${related.file} ${related.message}`), [
    `${models} workers is created here`,
    `${models} the planner uses ix_workers_planner_id, defined here`,
  ]);
  assert.equal(
    pending.fixes[0]?.title,
    `Add index ix_workers_planner_id_task_status ON workers(planner_id, task_status): Worker.__table_args__ in ${models}`,
  );

  const messages = findingAt(before, `${planner}:32:17 temp-sort`);
  assert.match(textAt(before, messages), /^session\.query\(PlannerMessage\)\n\s+\.filter\(PlannerMessage\.agent_id == agent_id\)\n\s+\.order_by\(PlannerMessage\.created_at\)\n\s+\.all\(\)$/);
  assert.deepEqual(messages.suggestion?.columns.map((column) => column.name), ['agent_id', 'created_at']);
  assert.deepEqual(messages.planBefore, [
    '|--SEARCH planner_messages USING INDEX ix_planner_messages_agent_id (agent_id=?)',
    '`--USE TEMP B-TREE FOR ORDER BY',
  ]);

  // text("… :status") against a model-defined table is planned too; one column → index=True on the column.
  const counted = findingAt(before, `${planner}:54:22 missing-index`);
  assert.equal(textAt(before, counted), '"SELECT COUNT(*) FROM workers WHERE task_status = :status"');
  assert.equal(counted.fixes[0]?.title, `Add index ix_workers_task_status ON workers(task_status): index=True on Worker.task_status in ${models}`);

  // Fixes carry offsets into the text they were computed on: analyse again between them.
  applyFix(root, pending.fixes[0]);
  applyFix(root, findingAt(await analyze(root), `${planner}:32:17 temp-sort`).fixes[0]);
  const patched = fs.readFileSync(path.join(root, models), 'utf8');
  assert.ok(patched.includes('from sqlalchemy import JSON, Column, DateTime, ForeignKey, Integer, String, Text, create_engine, Index\n'), patched);
  assert.ok(
    patched.includes(
      "    __tablename__ = 'workers'\n    __table_args__ = (Index('ix_workers_planner_id_task_status', 'planner_id', 'task_status'),)\n",
    ),
    patched,
  );
  assert.ok(
    patched.includes(
      "    __tablename__ = 'planner_messages'\n    __table_args__ = (Index('ix_planner_messages_agent_id_created_at', 'agent_id', 'created_at'),)\n",
    ),
    patched,
  );
  assertPythonCompiles(path.join(root, models));

  const after = await analyze(root);
  // Both findings are gone; the single-column indexes are now prefixes of the new ones.
  assert.deepEqual(summary(after), [
    `${models}:44:5 redundant-index`,
    `${models}:67:5 redundant-index`,
    `${planner}:54:22 missing-index`,
  ]);
  applyFix(root, findingAt(after, `${planner}:54:22 missing-index`).fixes[0]);
  assertPythonCompiles(path.join(root, models));
  const last = await analyze(root);
  assert.ok(!summary(last).some((line) => line.startsWith(planner)), summary(last).join('\n'));
});

test('Django: queryset findings get models.Index entries in Meta.indexes (Meta created when missing), then go away', async (t) => {
  const root = copyFixture('django');
  t.after(() => removeWorkspace(root));
  const models = 'blog/models.py';
  const views = 'blog/views.py';
  const before = await analyze(root);
  // get(pk=…), get_object_or_404 and the unique email lookup stay silent.
  assert.deepEqual(summary(before), [`${views}:8:15 incomplete-index`, `${views}:14:16 temp-sort`, `${views}:19:12 missing-index`]);

  const entries = findingAt(before, `${views}:8:15 incomplete-index`);
  assert.equal(textAt(before, entries), 'Entry.objects.filter(author=author, status="published")[:20]');
  // Meta.ordering = ["-created_at"] is part of the query, so the index serves the sort too.
  assert.deepEqual(entries.suggestion?.columns, [
    { name: 'author_id', desc: false },
    { name: 'status', desc: false },
    { name: 'created_at', desc: true },
  ]);
  assert.equal(
    entries.fixes[0]?.title,
    'Add index blog_entry_author__2e6d87_idx ON blog_entry(author_id, status, created_at DESC): ' +
      `Index(fields=["author", "status", "-created_at"], name="blog_entry_author__2e6d87_idx") in Entry.Meta.indexes in ${models}`,
  );
  applyFix(root, entries.fixes[0]);
  let patched = fs.readFileSync(path.join(root, models), 'utf8');
  assert.ok(
    patched.includes(
      '        verbose_name_plural = "entries"\n        indexes = [\n' +
        '            models.Index(fields=["author", "status", "-created_at"], name="blog_entry_author__2e6d87_idx"),\n        ]\n',
    ),
    patched,
  );

  applyFix(root, findingAt(await analyze(root), `${views}:14:16 temp-sort`).fixes[0]);
  applyFix(root, findingAt(await analyze(root), `${views}:19:12 missing-index`).fixes[0]);
  patched = fs.readFileSync(path.join(root, models), 'utf8');
  assert.ok(
    patched.endsWith(
      '    created_at = models.DateTimeField(auto_now_add=True)\n\n    class Meta:\n        indexes = [\n' +
        '            models.Index(fields=["entry", "created_at"], name="blog_commen_entry_i_e47435_idx"),\n' +
        '            models.Index(fields=["author_email"], name="blog_comment_author_email_idx"),\n        ]\n',
    ),
    patched,
  );
  assertPythonCompiles(path.join(root, models));
  const after = await analyze(root);
  assert.ok(!summary(after).some((line) => line.startsWith(views)), summary(after).join('\n'));
});

test('Prisma: client queries get @@index lines in schema.prisma, then go away', async (t) => {
  const root = copyFixture('prisma');
  t.after(() => removeWorkspace(root));
  const schema = 'prisma/schema.prisma';
  const posts = 'src/posts.ts';
  const before = await analyze(root);
  // findUnique on a @unique field, findFirst on the id and the count with a variable filter stay silent.
  assert.deepEqual(summary(before), [`${posts}:6:10 incomplete-index`, `${posts}:14:10 missing-index`]);
  const published = findingAt(before, `${posts}:6:10 incomplete-index`);
  assert.match(textAt(before, published), /^prisma\.post\.findMany\(\{\n\s+where: \{ authorId, status: 'PUBLISHED' \},/);
  assert.deepEqual(published.suggestion?.columns, [
    { name: 'author_id', desc: false },
    { name: 'status', desc: false },
    { name: 'createdAt', desc: true },
  ]);
  assert.equal(
    published.fixes[0]?.title,
    'Add index Post_author_id_status_createdAt_idx ON Post(author_id, status, createdAt DESC): ' +
      `@@index([authorId, status, createdAt(sort: Desc)]) on model Post in ${schema}`,
  );
  applyFix(root, published.fixes[0]);
  applyFix(root, findingAt(await analyze(root), `${posts}:14:10 missing-index`).fixes[0]);
  const patched = fs.readFileSync(path.join(root, schema), 'utf8');
  assert.ok(patched.includes('  @@index([authorId])\n  @@index([authorId, status, createdAt(sort: Desc)])\n}'), patched);
  assert.ok(patched.includes('  body   String\n\n  @@index([postId])\n}'), patched);
  const after = await analyze(root);
  // Only the old single-column index, now a prefix of the new one, is left to report.
  assert.deepEqual(summary(after), [`${schema}:35:3 redundant-index`]);
});

test('an editor session re-plans ORM queries in other files when a model changes', async (t) => {
  const root = copyFixture('seed002');
  t.after(() => removeWorkspace(root));
  const models = 'agent_state/agent_database.py';
  const planner = 'agent_state/planner.py';
  const session = await AnalysisSession.open(root, DEFAULT_CONFIG);
  t.after(() => session.close());
  const indexRules = (file: string) =>
    session
      .findingsFor(file)
      .filter((finding) => INDEX_RULES.has(finding.ruleId))
      .map((finding) => finding.ruleId);
  assert.deepEqual(indexRules(planner), ['incomplete-index', 'incomplete-index', 'temp-sort', 'missing-index']);
  const text = session.textOf(models) ?? '';
  const indexed = text.replace(
    "task_status = Column(String(50), nullable=False, default='pending')",
    "task_status = Column(String(50), nullable=False, default='pending', index=True)",
  );
  assert.notEqual(indexed, text);
  assert.equal((await session.updateFile(models, indexed)).schemaChanged, true);
  assert.deepEqual(indexRules(planner), ['incomplete-index', 'incomplete-index', 'temp-sort']);
  // Renaming the mapped attribute (not the column) changes the SQL of the chains that use it: they are skipped now.
  await session.updateFile(models, indexed.replace('    planner_id = Column(String(32), ForeignKey', '    planner = Column("planner_id", String(32), ForeignKey'));
  assert.deepEqual(indexRules(planner), ['temp-sort']);
});

test('Knex: tables built by migrations get a new migration with table.index (or raw SQL for DESC), then the finding goes away', async (t) => {
  const root = copyFixture('knex');
  t.after(() => removeWorkspace(root));
  const queries = 'src/orders.py';
  const before = await analyze(root, {});
  assert.deepEqual(summary(before), [`${queries}:3:9 incomplete-index`, `${queries}:8:25 missing-index`]);
  const users = findingAt(before, `${queries}:8:25 missing-index`);
  const fix = users.fixes[0];
  assert.match(fix?.title ?? '', /^Add index users_status_idx ON users\(status\) in a new Knex migration db\/migrations\/\d{14}_add_users_status_idx\.js$/);
  assert.equal(fix?.edits.length, 1);
  assert.equal(
    fix?.edits[0].kind === 'create' ? fix.edits[0].text : '',
    [
      'exports.up = function (knex) {',
      "  return knex.schema.alterTable('users', (table) => {",
      "    table.index(['status'], 'users_status_idx');",
      '  });',
      '};',
      '',
      'exports.down = function (knex) {',
      "  return knex.schema.alterTable('users', (table) => {",
      "    table.dropIndex(['status'], 'users_status_idx');",
      '  });',
      '};',
      '',
    ].join('\n'),
  );
  applyFix(root, fix);
  const orders = findingAt(await analyze(root), `${queries}:3:9 incomplete-index`);
  assert.deepEqual(orders.suggestion?.columns.map((column) => `${column.name}${column.desc ? ' DESC' : ''}`), ['user_id', 'state', 'placed_at DESC']);
  assert.match(orders.fixes[0]?.edits[0].kind === 'create' ? orders.fixes[0].edits[0].text : '', /return knex\.raw\('CREATE INDEX IF NOT EXISTS orders_user_id_state_placed_at_desc_idx ON orders\(user_id, state, placed_at DESC\)'\);/);
  applyFix(root, orders.fixes[0]);
  const after = await analyze(root);
  assert.ok(!summary(after).some((line) => line.startsWith(queries)), summary(after).join('\n'));
});
