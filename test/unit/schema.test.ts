import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildSchema, type SchemaDatabase, type SchemaUnit } from '../../server/engine/schema/schemaBuilder';
import {
  compareMigrationFiles,
  compareNatural,
  detectMigrationsFolder,
  isDownMigration,
  orderSchemaFiles,
} from '../../server/engine/schema/order';
import type { ExtractedSql, SchemaHome, SourceLocation } from '../../server/engine/types';

function sqlFile(file: string, text: string): ExtractedSql {
  return { file, language: 'sql', sql: text, range: { start: 0, end: text.length }, role: 'schema', certainty: 'executed' };
}

function fileUnit(file: string, text: string, home: SchemaHome = { kind: 'schema-file', file }): SchemaUnit {
  return { label: file, statements: [sqlFile(file, text)], home };
}

function build(units: SchemaUnit[]): Promise<SchemaDatabase> {
  return buildSchema(units, { defaultRowCount: 1_000_000 });
}

/** The location of `statement` (which must occur once) inside `text`. */
function at(file: string, text: string, statement: string): SourceLocation {
  const start = text.indexOf(statement);
  assert.notEqual(start, -1, statement);
  assert.equal(text.indexOf(statement, start + 1), -1, `${statement} occurs twice`);
  return { file, range: { start, end: start + statement.length } };
}

function plan(db: SchemaDatabase, sql: string): string[] {
  const result = db.explain(sql);
  assert.ok(result.ok, result.ok ? '' : result.error);
  return result.flat.map((node) => node.detail);
}

const CREATE_SESSIONS = `CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  parent_session_id TEXT REFERENCES sessions(id),
  title TEXT,
  archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0,1)),
  pinned INTEGER CHECK("pinned" IN (1, 0)),
  starred BOOL,
  created_at TEXT NOT NULL
)`;
const CREATE_PARENT_INDEX = 'CREATE INDEX idx_sessions_parent ON sessions(parent_session_id)';
const MIGRATION_1 = `-- 0001: initial schema
${CREATE_SESSIONS};
${CREATE_PARENT_INDEX};
`;
const ADD_WORKSPACE = 'ALTER TABLE sessions ADD COLUMN workspace_id TEXT';
const CREATE_WORKSPACE_INDEX = 'CREATE INDEX idx_sessions_workspace ON sessions(workspace_id DESC, created_at)';
const MIGRATION_2 = `BEGIN;
${ADD_WORKSPACE};
COMMIT;
BEGIN;
CREATE INDEX idx_bad ON sessions(nope);
CREATE INDEX CONCURRENTLY idx_pg ON sessions(title);
${CREATE_WORKSPACE_INDEX};
COMMIT;
`;
const CREATE_EXPRESSION_INDEX = 'CREATE INDEX idx_chats_title ON chats(lower(title) COLLATE NOCASE DESC, created_at)';
const CREATE_PARTIAL_INDEX = 'CREATE INDEX "idx chats active" ON chats(created_at) WHERE archived = 0';
const MIGRATION_3 = `ALTER TABLE sessions RENAME TO chats;
${CREATE_EXPRESSION_INDEX};
${CREATE_PARTIAL_INDEX};
INSERT INTO chats(id, created_at) VALUES ('seed', 'now');
INSERT INTO missing_table VALUES (1);
SELECT * FROM chats;
CREATE TRIGGER chats_touch AFTER UPDATE ON chats BEGIN
  UPDATE chats SET title = title WHERE id = NEW.id;
END;
`;
const MIGRATIONS_HOME: SchemaHome = {
  kind: 'migrations-folder',
  dir: 'migrations',
  files: ['migrations/0001_init.sql', 'migrations/0002_workspace.sql', 'migrations/0003_rename.sql'],
};

describe('buildSchema: migrations applied in order', () => {
  it('reads the final model with definedAt, renames, added columns, DESC, expression and partial indexes', async () => {
    const db = await build([
      fileUnit('migrations/0001_init.sql', MIGRATION_1, MIGRATIONS_HOME),
      fileUnit('migrations/0002_workspace.sql', MIGRATION_2, MIGRATIONS_HOME),
      fileUnit('migrations/0003_rename.sql', MIGRATION_3, MIGRATIONS_HOME),
    ]);
    try {
      assert.deepEqual([...db.tables.keys()], ['chats']);
      const chats = db.tables.get('chats')!;
      const tableLocation = at('migrations/0001_init.sql', MIGRATION_1, CREATE_SESSIONS);
      assert.deepEqual(chats.definedAt, tableLocation);
      assert.deepEqual(chats.home, MIGRATIONS_HOME);
      assert.equal(chats.withoutRowid, false);
      assert.deepEqual(chats.columns, [
        { name: 'id', type: 'TEXT', notNull: false, pk: 1, flagLike: false },
        { name: 'parent_session_id', type: 'TEXT', notNull: false, pk: 0, flagLike: false, references: 'chats' },
        { name: 'title', type: 'TEXT', notNull: false, pk: 0, flagLike: false },
        { name: 'archived', type: 'INTEGER', notNull: true, pk: 0, flagLike: true },
        { name: 'pinned', type: 'INTEGER', notNull: false, pk: 0, flagLike: true },
        { name: 'starred', type: 'BOOL', notNull: false, pk: 0, flagLike: true },
        { name: 'created_at', type: 'TEXT', notNull: true, pk: 0, flagLike: false },
        { name: 'workspace_id', type: 'TEXT', notNull: false, pk: 0, flagLike: false },
      ]);
      assert.deepEqual(chats.indexes, [
        {
          // The PRIMARY KEY autoindex was renamed with its table and is defined by the CREATE TABLE.
          name: 'sqlite_autoindex_chats_1',
          table: 'chats',
          columns: [{ name: 'id', desc: false }],
          unique: true,
          origin: 'pk',
          partial: false,
          definedAt: tableLocation,
        },
        {
          name: 'idx_sessions_parent',
          table: 'chats',
          columns: [{ name: 'parent_session_id', desc: false }],
          unique: false,
          origin: 'c',
          partial: false,
          definedAt: at('migrations/0001_init.sql', MIGRATION_1, CREATE_PARENT_INDEX),
        },
        {
          name: 'idx_sessions_workspace',
          table: 'chats',
          columns: [
            { name: 'workspace_id', desc: true },
            { name: 'created_at', desc: false },
          ],
          unique: false,
          origin: 'c',
          partial: false,
          definedAt: at('migrations/0002_workspace.sql', MIGRATION_2, CREATE_WORKSPACE_INDEX),
        },
        {
          name: 'idx_chats_title',
          table: 'chats',
          columns: [
            { name: null, expr: 'lower(title)', desc: true },
            { name: 'created_at', desc: false },
          ],
          unique: false,
          origin: 'c',
          partial: false,
          definedAt: at('migrations/0003_rename.sql', MIGRATION_3, CREATE_EXPRESSION_INDEX),
        },
        {
          name: 'idx chats active',
          table: 'chats',
          columns: [{ name: 'created_at', desc: false }],
          unique: false,
          origin: 'c',
          partial: true,
          definedAt: at('migrations/0003_rename.sql', MIGRATION_3, CREATE_PARTIAL_INDEX),
        },
      ]);
      // Failing statements are notes; the statements around them still applied.
      assert.deepEqual(db.notes, [
        { level: 'info', file: 'migrations/0002_workspace.sql', message: 'migrations/0002_workspace.sql: skipped `CREATE INDEX idx_bad ON sessions(nope)`: no such column: nope' },
        {
          level: 'info',
          file: 'migrations/0002_workspace.sql',
          message: 'migrations/0002_workspace.sql: skipped `CREATE INDEX CONCURRENTLY idx_pg ON sessions(title)`: near "idx_pg": syntax error',
        },
      ]);
      assert.deepEqual(plan(db, 'SELECT * FROM chats WHERE workspace_id = ?'), ['SEARCH chats USING INDEX idx_sessions_workspace (workspace_id=?)']);
      assert.deepEqual(plan(db, 'SELECT * FROM chats WHERE lower(title) = ? COLLATE NOCASE'), ['SEARCH chats USING INDEX idx_chats_title (<expr>=?)']);
    } finally {
      db.close();
    }
  });

  it('keeps the first definition under IF NOT EXISTS, and tracks DROP and re-CREATE', async () => {
    const first = 'CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT)';
    const firstIndex = 'CREATE INDEX IF NOT EXISTS idx_items_name ON items(name)';
    const again = `${first};\n${firstIndex};\nCREATE INDEX idx_items_name ON items(name);\n`;
    const recreate = 'CREATE TABLE logs (id INTEGER PRIMARY KEY, body TEXT)';
    const dropAndRecreate = `DROP TABLE IF EXISTS logs;\n${recreate};\nCREATE TABLE items (id INTEGER PRIMARY KEY);\n`;
    const text1 = `${first};\n${firstIndex};\nCREATE TABLE logs (id INTEGER PRIMARY KEY, old TEXT);\n`;
    const db = await build([fileUnit('a.sql', text1), fileUnit('b.sql', again), fileUnit('c.sql', dropAndRecreate)]);
    try {
      assert.deepEqual(db.tables.get('items')?.definedAt, at('a.sql', text1, first));
      assert.deepEqual(db.tables.get('items')?.home, { kind: 'schema-file', file: 'a.sql' });
      assert.deepEqual(db.tables.get('items')?.indexes[0].definedAt, at('a.sql', text1, firstIndex));
      assert.deepEqual(db.tables.get('logs')?.definedAt, at('c.sql', dropAndRecreate, recreate));
      assert.deepEqual(db.tables.get('logs')?.columns.map((c) => c.name), ['id', 'body']);
      // A plain duplicate CREATE TABLE is worth a note; a duplicate CREATE INDEX is routine and silent.
      assert.deepEqual(db.notes, [
        { level: 'info', file: 'c.sql', message: 'c.sql: skipped `CREATE TABLE items (id INTEGER PRIMARY KEY)`: table items already exists' },
      ]);
    } finally {
      db.close();
    }
  });

  it('maps statement ranges through sqlToFile for DDL inside host-language strings', async () => {
    const python = 'SCHEMA = """\nCREATE TABLE a (x TEXT, is_done INTEGER);\nCREATE INDEX a_x ON a(x);\n"""\n';
    const contentStart = python.indexOf('"""') + 3;
    const contentEnd = python.lastIndexOf('"""');
    const literal: ExtractedSql = {
      file: 'app/db.py',
      language: 'python',
      sql: python.slice(contentStart, contentEnd),
      range: { start: contentStart - 3, end: contentEnd + 3 },
      sqlToFile: (offset) => contentStart + offset,
      role: 'schema',
      certainty: 'executed',
    };
    const db = await build([{ label: 'app/db.py', statements: [literal], home: (statement) => ({ kind: 'host-literal', statement }) }]);
    try {
      const table = db.tables.get('a')!;
      assert.deepEqual(table.definedAt, at('app/db.py', python, 'CREATE TABLE a (x TEXT, is_done INTEGER)'));
      assert.deepEqual(table.indexes[0].definedAt, at('app/db.py', python, 'CREATE INDEX a_x ON a(x)'));
      assert.deepEqual(table.home, { kind: 'host-literal', statement: literal });
    } finally {
      db.close();
    }
  });

  it('handles WITHOUT ROWID tables and leaves virtual, shadow and internal tables out', async () => {
    const db = await build([
      fileUnit(
        'schema.sql',
        `CREATE TABLE kv (k TEXT, scope TEXT, v TEXT, PRIMARY KEY (k, scope)) WITHOUT ROWID;
         CREATE TABLE counters (id INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER);
         CREATE VIRTUAL TABLE docs USING fts4(body);`,
      ),
    ]);
    try {
      assert.deepEqual([...db.tables.keys()], ['kv', 'counters']);
      const kv = db.tables.get('kv')!;
      assert.equal(kv.withoutRowid, true);
      assert.deepEqual(kv.indexes.map((i) => [i.name, i.origin, i.unique, i.columns.map((c) => c.name)]), [
        ['sqlite_autoindex_kv_1', 'pk', true, ['k', 'scope']],
      ]);
      assert.deepEqual(kv.columns.map((c) => [c.name, c.pk]), [['k', 1], ['scope', 2], ['v', 0]]);
      assert.equal(db.tables.get('counters')?.indexes.length, 0);
    } finally {
      db.close();
    }
  });

  it('never throws on garbage and keeps what it can', async () => {
    const db = await build([
      fileUnit('junk.sql', "CREATE TABLE ok (id INTEGER PRIMARY KEY, v TEXT);\nCREATE TABL oops (;\nCREATE TABLE s (a TEXT DEFAULT 'unterminated"),
      fileUnit('pg.sql', 'CREATE TABLE pg (id SERIAL PRIMARY KEY, data JSONB, at TIMESTAMPTZ DEFAULT NOW() - INTERVAL \'1 day\');\nALTER TABLE pg ALTER COLUMN data TYPE TEXT;'),
      fileUnit('empty.sql', ''),
      fileUnit('comments.sql', '-- nothing here\n/* nor here */'),
      { label: 'none', statements: [], home: { kind: 'schema-file', file: 'none' } },
      fileUnit('later.sql', 'CREATE INDEX ok_v ON ok(v); DROP TABLE nothing; ALTER TABLE; CREATE;'),
    ]);
    try {
      assert.deepEqual([...db.tables.keys()], ['ok']);
      assert.deepEqual(db.tables.get('ok')?.indexes.map((i) => i.name), ['ok_v']);
      assert.deepEqual(
        db.notes.map((note) => note.file),
        ['junk.sql', 'junk.sql', 'pg.sql', 'pg.sql', 'later.sql', 'later.sql', 'later.sql'],
      );
      assert.match(db.notes[0].message, /^junk\.sql: skipped `CREATE TABL oops \(`: near "TABL": syntax error$/);
      assert.equal(db.notes[2].message, 'pg.sql: skipped `CREATE TABLE pg (id SERIAL PRIMARY KEY, data JSONB, at TI...`: near "(": syntax error');
    } finally {
      db.close();
    }
  });

  it('builds an empty schema from no units', async () => {
    const db = await build([]);
    try {
      assert.equal(db.tables.size, 0);
      assert.deepEqual(db.notes, []);
      assert.deepEqual(plan(db, 'SELECT 1'), ['SCAN CONSTANT ROW']);
    } finally {
      db.close();
    }
  });
});

const SESSIONS_SCHEMA = `CREATE TABLE sessions (id TEXT PRIMARY KEY, parent_session_id TEXT, archived INTEGER NOT NULL DEFAULT 0);
CREATE INDEX idx_sessions_parent ON sessions(parent_session_id);`;
const COUNT = 'SELECT COUNT(*) FROM sessions WHERE parent_session_id = ? AND archived = 0';

describe('SchemaDatabase', () => {
  it('prepareError returns SQLite messages without running anything', async () => {
    const db = await build([fileUnit('s.sql', SESSIONS_SCHEMA)]);
    try {
      assert.equal(db.prepareError('SELECT nope FROM sessions'), 'no such column: nope');
      assert.equal(db.prepareError('SELECT * FROM missing'), 'no such table: missing');
      assert.equal(db.prepareError('SELEC * FROM sessions'), 'near "SELEC": syntax error');
      assert.equal(db.prepareError("SELECT 'open"), 'unrecognized token: "\'open"');
      assert.equal(db.prepareError('SELECT * FROM sessions WHERE id = ?'), undefined);
      assert.equal(db.prepareError('DELETE FROM sessions'), undefined);
      assert.equal(db.prepareError(''), undefined);
      assert.equal(db.prepareError('  -- just a comment'), undefined);
      assert.deepEqual(plan(db, 'SELECT count(*) FROM sessions WHERE id = ?'), ['SEARCH sessions USING COVERING INDEX sqlite_autoindex_sessions_1 (id=?)']);
    } finally {
      db.close();
    }
  });

  it('withHypotheticalIndexes shows the candidate to fn and restores the original plan afterwards', async () => {
    const db = await build([fileUnit('s.sql', SESSIONS_SCHEMA)]);
    try {
      const before = ['SEARCH sessions USING INDEX idx_sessions_parent (parent_session_id=?)'];
      assert.deepEqual(plan(db, COUNT), before);
      const during = db.withHypotheticalIndexes(
        [
          'CREATE INDEX IF NOT EXISTS idx_sessions_parent_active ON sessions(parent_session_id, archived)',
          'CREATE INDEX broken ON sessions(nope)',
          'not even sql',
          'DROP TABLE sessions',
        ],
        () => plan(db, COUNT),
      );
      assert.deepEqual(during, ['SEARCH sessions USING COVERING INDEX idx_sessions_parent_active (parent_session_id=? AND archived=?)']);
      assert.deepEqual(plan(db, COUNT), before);
      assert.equal(db.prepareError('SELECT * FROM sessions INDEXED BY idx_sessions_parent_active'), 'no such index: idx_sessions_parent_active');
      assert.equal(db.tables.get('sessions')?.indexes.length, 2);
    } finally {
      db.close();
    }
  });

  it('withHypotheticalIndexes is exception-safe and can run again', async () => {
    const db = await build([fileUnit('s.sql', SESSIONS_SCHEMA)]);
    try {
      assert.throws(
        () =>
          db.withHypotheticalIndexes(['CREATE INDEX idx_tmp ON sessions(archived, parent_session_id)'], () => {
            throw new Error('advisor bug');
          }),
        /advisor bug/,
      );
      assert.deepEqual(plan(db, COUNT), ['SEARCH sessions USING INDEX idx_sessions_parent (parent_session_id=?)']);
      const again = db.withHypotheticalIndexes(['CREATE INDEX idx_tmp ON sessions(parent_session_id, archived)'], () => plan(db, COUNT));
      assert.deepEqual(again, ['SEARCH sessions USING COVERING INDEX idx_tmp (parent_session_id=? AND archived=?)']);
      assert.deepEqual(db.withHypotheticalIndexes([], () => plan(db, COUNT)), ['SEARCH sessions USING INDEX idx_sessions_parent (parent_session_id=?)']);
    } finally {
      db.close();
    }
  });

  it('withHypotheticalIndexes leaves existing indexes alone and runs only the first statement of a candidate', async () => {
    const db = await build([fileUnit('s.sql', SESSIONS_SCHEMA)]);
    try {
      const during = db.withHypotheticalIndexes(
        [
          'CREATE INDEX IF NOT EXISTS idx_sessions_parent ON sessions(archived)',
          'CREATE INDEX "odd ""name""" ON sessions(parent_session_id, archived); DROP TABLE sessions',
        ],
        () => plan(db, COUNT),
      );
      assert.deepEqual(during, ['SEARCH sessions USING COVERING INDEX odd "name" (parent_session_id=? AND archived=?)']);
      assert.deepEqual(plan(db, COUNT), ['SEARCH sessions USING INDEX idx_sessions_parent (parent_session_id=?)']);
      assert.equal(db.prepareError('SELECT * FROM sessions INDEXED BY "odd ""name"""'), 'no such index: odd "name"');
      const nested = db.withHypotheticalIndexes(['CREATE INDEX outer_idx ON sessions(archived, parent_session_id)'], () => [
        db.withHypotheticalIndexes(['CREATE INDEX inner_idx ON sessions(parent_session_id, archived)'], () => plan(db, COUNT)),
        plan(db, COUNT),
      ]);
      assert.deepEqual(nested, [
        ['SEARCH sessions USING COVERING INDEX inner_idx (parent_session_id=? AND archived=?)'],
        // Back in the outer what-if: the inner candidate is gone, the outer one is still there.
        ['SEARCH sessions USING COVERING INDEX outer_idx (archived=? AND parent_session_id=?)'],
      ]);
      assert.deepEqual(plan(db, COUNT), ['SEARCH sessions USING INDEX idx_sessions_parent (parent_session_id=?)']);
    } finally {
      db.close();
    }
  });

  it('judges a hypothetical index with the same heuristics as real ones', async () => {
    const db = await build([fileUnit('s.sql', SESSIONS_SCHEMA)]);
    try {
      // An index on the flag alone looks worse than the existing parent index, so the planner ignores it.
      const flagOnly = db.withHypotheticalIndexes(['CREATE INDEX idx_archived ON sessions(archived)'], () => plan(db, COUNT));
      assert.deepEqual(flagOnly, ['SEARCH sessions USING INDEX idx_sessions_parent (parent_session_id=?)']);
    } finally {
      db.close();
    }
  });
});

describe('migration ordering', () => {
  it('sorts numeric prefixes naturally', () => {
    assert.deepEqual(['10_y.sql', '2_x.sql', '1_init.sql', '0001_up.sql'].sort(compareNatural), ['1_init.sql', '0001_up.sql', '2_x.sql', '10_y.sql']);
    assert.deepEqual(['20240101120000_b.sql', '20231231235959_a.sql', '20240101120000_a.sql'].sort(compareNatural), [
      '20231231235959_a.sql',
      '20240101120000_a.sql',
      '20240101120000_b.sql',
    ]);
    assert.deepEqual(['b.sql', 'A.sql', '9.sql'].sort(compareNatural), ['9.sql', 'A.sql', 'b.sql']);
    assert.ok(compareNatural('123456789012345678901_a', '123456789012345678902_a') < 0, 'digit runs beyond 2^53');
    assert.equal(compareNatural('x', 'x'), 0);
  });

  it('orders Flyway versions and puts repeatables last', () => {
    assert.deepEqual(['R__views.sql', 'V10__c.sql', 'V2__b.sql', 'V1_1__a2.sql', 'V1__a.sql'].sort(compareMigrationFiles), [
      'V1__a.sql',
      'V1_1__a2.sql',
      'V2__b.sql',
      'V10__c.sql',
      'R__views.sql',
    ]);
  });

  it('recognises down and undo migrations', () => {
    assert.equal(isDownMigration('db/0001_init.down.sql'), true);
    assert.equal(isDownMigration('db/2024-01-01-000000_create/down.sql'), true);
    assert.equal(isDownMigration('db/U2__undo.sql'), true);
    assert.equal(isDownMigration('db/0001_init.up.sql'), false);
    assert.equal(isDownMigration('db/0001_up.sql'), false);
    assert.equal(isDownMigration('db/countdown.sql'), false);
  });

  it('detects migration folders of several layouts', () => {
    const files = [
      'README.md',
      'sql/schema.sql',
      'sql/queries.sql',
      'db/migrations/0001_init.sql',
      'db/migrate/20240101120000_create.up.sql',
      'db/migrate/20240101120000_create.down.sql',
      'db/migrate/20240202090000_more.up.sql',
      'schema/10_indexes.sql',
      'schema/2_tables.sql',
      'prisma/migrations/20240202_add/migration.sql',
      'prisma/migrations/20240101_init/migration.sql',
      'diesel/migrations/2024-01-01-000000_create/up.sql',
      'diesel/migrations/2024-01-01-000000_create/down.sql',
      'diesel/migrations/2024-02-01-000000_more/up.sql',
      'flyway/V2__b.sql',
      'flyway/V10__c.sql',
      'flyway/U2__b.sql',
      'single/0001_only.sql',
    ];
    assert.deepEqual(detectMigrationsFolder(files), [
      { dir: 'db/migrate', files: ['db/migrate/20240101120000_create.up.sql', 'db/migrate/20240202090000_more.up.sql'] },
      { dir: 'db/migrations', files: ['db/migrations/0001_init.sql'] },
      {
        dir: 'diesel/migrations',
        files: ['diesel/migrations/2024-01-01-000000_create/up.sql', 'diesel/migrations/2024-02-01-000000_more/up.sql'],
      },
      { dir: 'flyway', files: ['flyway/V2__b.sql', 'flyway/V10__c.sql'] },
      { dir: 'prisma/migrations', files: ['prisma/migrations/20240101_init/migration.sql', 'prisma/migrations/20240202_add/migration.sql'] },
      { dir: 'schema', files: ['schema/2_tables.sql', 'schema/10_indexes.sql'] },
    ]);
    assert.deepEqual(detectMigrationsFolder([]), []);
    assert.deepEqual(detectMigrationsFolder(['a.sql', 'b.SQL', 'migrations/readme.md']), []);
  });

  it('orders all schema files: folders keep their order, loose files sort naturally', () => {
    assert.deepEqual(
      orderSchemaFiles(['z.sql', 'migrations/2_b.sql', 'migrations/10_c.sql', 'migrations/1_a.sql', 'migrations/1_a.down.sql', 'a.sql', 'init.down.sql']),
      ['a.sql', 'migrations/1_a.sql', 'migrations/2_b.sql', 'migrations/10_c.sql', 'z.sql'],
    );
  });
});
