// Index fixes written into ORM models: exact text for each place a model can take the index, and code that
// still compiles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ormFix } from '../../server/engine/fixes/ormFix';
import { applyEdits } from '../../server/engine/fixes/applyEdits';
import type { Fix, IndexColumn, IndexSuggestion, TableInfo } from '../../server/engine/types';
import { assertPythonCompiles } from '../helpers/workspace';
import { homeOf, ormFacts } from '../helpers/orm';

function suggestion(table: string, name: string, columns: Array<[string, boolean?]>): IndexSuggestion {
  const indexColumns: IndexColumn[] = columns.map(([column, desc]) => ({ name: column, desc: desc === true }));
  const terms = indexColumns.map((column) => `${column.name}${column.desc ? ' DESC' : ''}`).join(', ');
  return { name, table, columns: indexColumns, ddl: `CREATE INDEX IF NOT EXISTS ${name} ON ${table}(${terms})` };
}

async function fixModel(
  files: Record<string, string>,
  model: string,
  wanted: IndexSuggestion,
): Promise<{ fix: Fix | undefined; texts: Map<string, string> }> {
  const facts = await ormFacts(files);
  const home = homeOf(facts, model);
  const table = { name: wanted.table, columns: [], indexes: [], withoutRowid: false } satisfies TableInfo;
  const fix = ormFix(wanted, table, home, { readText: (file) => files[file], now: new Date(Date.UTC(2025, 0, 2, 3, 4, 5)) });
  return { fix, texts: fix ? applyEdits(fix.edits, (file) => files[file]) : new Map() };
}

function compiles(text: string): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-orm-fix-'));
  try {
    fs.writeFileSync(path.join(dir, 'model.py'), text);
    assertPythonCompiles(path.join(dir, 'model.py'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const WORKER = `from sqlalchemy import Column, ForeignKey, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Worker(Base):
    __tablename__ = 'workers'

    worker_id = Column(String(32), primary_key=True)
    planner_id = Column(String(32), ForeignKey('planners.planner_id'), nullable=False, index=True)
    task_status = Column(
        String(50),
        nullable=False,
    )
`;

test('several columns: a new __table_args__ after __tablename__, and Index added to the sqlalchemy import', async () => {
  const { fix, texts } = await fixModel({ 'models.py': WORKER }, 'Worker', suggestion('workers', 'ix_w_ps', [['planner_id'], ['task_status']]));
  assert.equal(fix?.title, 'Add index ix_w_ps ON workers(planner_id, task_status): Worker.__table_args__ in models.py');
  const text = texts.get('models.py') ?? '';
  assert.ok(text.startsWith('from sqlalchemy import Column, ForeignKey, String, Index\n'), text);
  assert.ok(text.includes("    __tablename__ = 'workers'\n    __table_args__ = (Index('ix_w_ps', 'planner_id', 'task_status'),)\n\n    worker_id"), text);
  compiles(text);
});

test('one column: index=True on the column, in the call style it is written in', async () => {
  const { fix, texts } = await fixModel({ 'models.py': WORKER }, 'Worker', suggestion('workers', 'idx_workers_task_status', [['task_status']]));
  // SQLAlchemy names an index=True index itself: the title says which name it gets.
  assert.equal(fix?.title, 'Add index ix_workers_task_status ON workers(task_status): index=True on Worker.task_status in models.py');
  const text = texts.get('models.py') ?? '';
  assert.ok(text.includes('        nullable=False,\n        index=True,\n    )'), text);
  assert.ok(text.startsWith('from sqlalchemy import Column, ForeignKey, String\n'), 'no import needed');
  compiles(text);
});

test('DESC columns: a module-level Index(..., M.a.desc()) right after the class', async () => {
  const { fix, texts } = await fixModel(
    { 'models.py': WORKER },
    'Worker',
    suggestion('workers', 'ix_w_status_planner', [['task_status'], ['planner_id', true]]),
  );
  assert.equal(fix?.title, 'Add index ix_w_status_planner ON workers(task_status, planner_id DESC): after Worker in models.py');
  const text = texts.get('models.py') ?? '';
  assert.ok(text.endsWith("    )\n\n\nIndex('ix_w_status_planner', Worker.task_status, Worker.planner_id.desc())\n"), text);
  compiles(text);
});

test('an existing __table_args__ tuple gets the Index before its trailing dict; a dict becomes a tuple', async () => {
  const withTuple = `import sqlalchemy as sa
from app import Base


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        sa.UniqueConstraint("agent_id", "seq"),
        {"sqlite_autoincrement": True},
    )

    id = sa.Column(sa.Integer, primary_key=True)
    agent_id = sa.Column(sa.String(32))
    seq = sa.Column(sa.Integer)
    created_at = sa.Column(sa.DateTime)
`;
  const tuple = await fixModel({ 'm.py': withTuple }, 'Message', suggestion('messages', 'ix_m', [['agent_id'], ['created_at']]));
  const text = tuple.texts.get('m.py') ?? '';
  assert.ok(
    text.includes(
      '        sa.UniqueConstraint("agent_id", "seq"),\n        sa.Index("ix_m", "agent_id", "created_at"),\n        {"sqlite_autoincrement": True},\n',
    ),
    text,
  );
  compiles(text);

  const withDict = withTuple.replace(/__table_args__ = \([\s\S]*?\n    \)\n/, '__table_args__ = {"sqlite_autoincrement": True}\n');
  const dict = await fixModel({ 'm.py': withDict }, 'Message', suggestion('messages', 'ix_m', [['agent_id'], ['created_at']]));
  const dictText = dict.texts.get('m.py') ?? '';
  assert.ok(dictText.includes('    __table_args__ = (sa.Index("ix_m", "agent_id", "created_at"), {"sqlite_autoincrement": True})\n'), dictText);
  compiles(dictText);

  const single = withTuple.replace(/__table_args__ = \([\s\S]*?\n    \)\n/, '__table_args__ = (sa.UniqueConstraint("agent_id", "seq"))\n');
  // A parenthesised value that is not a tuple is not extended: the Index goes after the class instead.
  const plain = await fixModel({ 'm.py': single }, 'Message', suggestion('messages', 'ix_m', [['agent_id'], ['created_at']]));
  assert.equal(plain.fix?.title, 'Add index ix_m ON messages(agent_id, created_at): after Message in m.py');
  assert.ok((plain.texts.get('m.py') ?? '').endsWith('sa.Column(sa.DateTime)\n\n\nsa.Index("ix_m", Message.agent_id, Message.created_at)\n'));
});

test('Table objects: the Index joins the Table(...) arguments; a model that already names the index gets no fix', async () => {
  const source = `from sqlalchemy import Column, Integer, MetaData, String, Table

metadata = MetaData()

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20)),
    Column("actor", String(20)),
    sqlite_autoincrement=True,
)
`;
  const { fix, texts } = await fixModel({ 't.py': source }, 'events', suggestion('events', 'ix_events_kind_actor', [['kind'], ['actor']]));
  assert.equal(fix?.title, 'Add index ix_events_kind_actor ON events(kind, actor): the events Table in t.py');
  const text = texts.get('t.py') ?? '';
  assert.ok(
    text.includes('    Column("actor", String(20)),\n    Index("ix_events_kind_actor", "kind", "actor"),\n    sqlite_autoincrement=True,\n)'),
    text,
  );
  assert.ok(text.startsWith('from sqlalchemy import Column, Integer, MetaData, String, Table, Index\n'), text);
  compiles(text);

  const again = await fixModel({ 't.py': text }, 'events', suggestion('events', 'ix_events_kind_actor', [['kind'], ['actor']]));
  assert.equal(again.fix, undefined);
});

test('with Alembic revisions, the fix also adds a revision chained after the head', async () => {
  const revision = `from alembic import op
import sqlalchemy as sa

revision = "aaa111"
down_revision = None


def upgrade():
    op.create_table("audit", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("kind", sa.String(10)))
`;
  const { fix } = await fixModel(
    { 'app/models.py': WORKER, 'migrations/versions/aaa111_init.py': revision },
    'Worker',
    suggestion('workers', 'ix_w_ps', [['planner_id'], ['task_status', true]]),
  );
  assert.equal(
    fix?.title,
    'Add index ix_w_ps ON workers(planner_id, task_status DESC): after Worker in app/models.py and a new Alembic revision ' +
      'migrations/versions/2bc68f3192d5_add_ix_w_ps.py',
  );
  const created = fix?.edits.find((edit) => edit.kind === 'create');
  assert.deepEqual(created, {
    kind: 'create',
    file: 'migrations/versions/2bc68f3192d5_add_ix_w_ps.py',
    text: [
      '"""Add index ix_w_ps',
      '',
      'Revision ID: 2bc68f3192d5',
      'Revises: aaa111',
      'Create Date: 2025-01-02 03:04:05',
      '',
      '"""',
      'from alembic import op',
      'import sqlalchemy as sa',
      '',
      '# revision identifiers, used by Alembic.',
      "revision = '2bc68f3192d5'",
      "down_revision = 'aaa111'",
      'branch_labels = None',
      'depends_on = None',
      '',
      '',
      'def upgrade():',
      "    op.create_index('ix_w_ps', 'workers', ['planner_id', sa.text('task_status DESC')], unique=False)",
      '',
      '',
      'def downgrade():',
      "    op.drop_index('ix_w_ps', table_name='workers')",
      '',
    ].join('\n'),
  });
  compiles(created?.kind === 'create' ? created.text : '');
});

test('partial and expression indexes get no ORM fix', async () => {
  const partial = { ...suggestion('workers', 'ix_p', [['task_status']]), where: "task_status = 'pending'" };
  assert.equal((await fixModel({ 'models.py': WORKER }, 'Worker', partial)).fix, undefined);
  const expression: IndexSuggestion = { ...suggestion('workers', 'ix_e', []), columns: [{ name: null, expr: 'lower(task_status)', desc: false }] };
  assert.equal((await fixModel({ 'models.py': WORKER }, 'Worker', expression)).fix, undefined);
});

test('Django: a new entry in Meta.indexes, a new indexes list in Meta, or a new Meta; names Django accepts', async () => {
  const source = `from django.db import models


class Entry(models.Model):
    status = models.CharField(max_length=20)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["status"], name="entry_status"),
        ]


class Note(models.Model):
    kind = models.CharField(max_length=20)
    body = models.TextField()

    class Meta:
        ordering = ["kind"]


class Tag(models.Model):
    label = models.CharField(max_length=20)
`;
  const entry = await fixModel({ 'blog/models.py': source }, 'Entry', suggestion('blog_entry', 'ix_entry_sc', [['status'], ['created_at', true]]));
  assert.equal(
    entry.fix?.title,
    'Add index ix_entry_sc ON blog_entry(status, created_at DESC): Index(fields=["status", "-created_at"], name="ix_entry_sc") in Entry.Meta.indexes in blog/models.py',
  );
  const entryText = entry.texts.get('blog/models.py') ?? '';
  assert.ok(
    entryText.includes(
      '            models.Index(fields=["status"], name="entry_status"),\n            models.Index(fields=["status", "-created_at"], name="ix_entry_sc"),\n        ]',
    ),
    entryText,
  );
  compiles(entryText);

  const note = await fixModel({ 'blog/models.py': source }, 'Note', suggestion('blog_note', 'idx_blog_note_kind_body_and_more', [['kind'], ['body']]));
  const noteText = note.texts.get('blog/models.py') ?? '';
  // Over Django's 30-character limit: Django's own naming scheme instead.
  assert.ok(
    noteText.includes('        ordering = ["kind"]\n        indexes = [\n            models.Index(fields=["kind", "body"], name="blog_note_kind_962e99_idx"),\n        ]\n'),
    noteText,
  );
  compiles(noteText);

  const tag = await fixModel({ 'blog/models.py': source }, 'Tag', suggestion('blog_tag', 'ix_tag_label', [['label']]));
  const tagText = tag.texts.get('blog/models.py') ?? '';
  assert.ok(
    tagText.endsWith(
      '    label = models.CharField(max_length=20)\n\n    class Meta:\n        indexes = [\n            models.Index(fields=["label"], name="ix_tag_label"),\n        ]\n',
    ),
    tagText,
  );
  compiles(tagText);
  assert.equal((await fixModel({ 'blog/models.py': entryText }, 'Entry', suggestion('blog_entry', 'ix_entry_sc', [['status']]))).fix, undefined);
});

test('Prisma: @@index after the last block attribute, or after the fields with a blank line, named as Prisma will', async () => {
  const schema = `model Post {
  id        Int      @id @default(autoincrement())
  authorId  Int      @map("author_id")
  createdAt DateTime @default(now())

  @@map("posts")
}

model Comment {
  id     Int @id
  postId Int
}
`;
  const post = await fixModel({ 'schema.prisma': schema }, 'Post', suggestion('posts', 'ix_p', [['author_id'], ['createdAt', true]]));
  assert.equal(
    post.fix?.title,
    'Add index posts_author_id_createdAt_idx ON posts(author_id, createdAt DESC): @@index([authorId, createdAt(sort: Desc)]) on model Post in schema.prisma',
  );
  assert.ok((post.texts.get('schema.prisma') ?? '').includes('  @@map("posts")\n  @@index([authorId, createdAt(sort: Desc)])\n}'));
  const comment = await fixModel({ 'schema.prisma': schema }, 'Comment', suggestion('Comment', 'ix_c', [['postId']]));
  const commentText = comment.texts.get('schema.prisma') ?? '';
  assert.ok(commentText.endsWith('  postId Int\n\n  @@index([postId])\n}\n'), commentText);
  assert.equal((await fixModel({ 'schema.prisma': commentText }, 'Comment', suggestion('Comment', 'ix_c', [['postId']]))).fix, undefined);
});

test('Knex: a TypeScript ES-module migration gets a typed async migration next to it', async () => {
  const migration = `import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('events', (t) => {
    t.increments('id');
    t.string('kind');
  });
}
`;
  const { fix } = await fixModel({ 'db/migrations/20240101000000_init.ts': migration }, 'events', suggestion('events', 'events_kind_index', [['kind']]));
  assert.equal(fix?.title, 'Add index events_kind_index ON events(kind) in a new Knex migration db/migrations/20250102030405_add_events_kind_index.ts');
  assert.deepEqual(fix?.edits, [
    {
      kind: 'create',
      file: 'db/migrations/20250102030405_add_events_kind_index.ts',
      text: [
        "import type { Knex } from 'knex';",
        '',
        'export async function up(knex: Knex): Promise<void> {',
        "  await knex.schema.alterTable('events', (table) => {",
        "    table.index(['kind'], 'events_kind_index');",
        '  });',
        '}',
        '',
        'export async function down(knex: Knex): Promise<void> {',
        "  await knex.schema.alterTable('events', (table) => {",
        "    table.dropIndex(['kind'], 'events_kind_index');",
        '  });',
        '}',
        '',
      ].join('\n'),
    },
  ]);
});
