// Real SQLite database files as a schema and statistics source: reading (and refusing) files, measured statistics,
// how the file's schema joins the code-defined one, and schema drift between the two.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DatabaseFiles, readDatabaseFile, type DatabaseFileSchema } from '../../server/engine/schema/databaseFile';
import { buildSchema, type SchemaDatabase, type SchemaUnit } from '../../server/engine/schema/schemaBuilder';
import { measuredStatsByTable, statRowsForTables } from '../../server/engine/schema/stats';
import { loadSqlJs } from '../../server/engine/schema/sqlite';
import { schemaDriftRule } from '../../server/engine/rules/schemaDrift';
import { DEFAULT_CONFIG, mergeConfig } from '../../server/engine/config';
import type { ExtractedSql, SchemaHome } from '../../server/engine/types';

const tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-dbfile-'));
after(() => fs.rmSync(tempRoot, { recursive: true, force: true }));

let counter = 0;
function tempPath(name: string): string {
  const dir = path.join(tempRoot, `t${counter++}`);
  fs.mkdirSync(dir);
  return path.join(dir, name);
}

/** A real database file made by SQLite itself (export() to a temp path is only ever done by tests). */
async function databaseBytes(ddl: string, stats: Array<[string, string | null, unknown]> = []): Promise<Buffer> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database();
  try {
    db.run(ddl);
    if (stats.length > 0) {
      db.run('ANALYZE'); // creates sqlite_stat1 (empty tables get no rows)
      for (const row of stats) db.run('INSERT INTO sqlite_stat1(tbl, idx, stat) VALUES (?, ?, ?)', row as never);
    }
    return Buffer.from(db.export());
  } finally {
    db.close();
  }
}

async function writeDatabase(name: string, ddl: string, stats: Array<[string, string | null, unknown]> = []): Promise<string> {
  const file = tempPath(name);
  fs.writeFileSync(file, await databaseBytes(ddl, stats));
  return file;
}

function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

const EVENTS_DDL = `CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, account_id INTEGER NOT NULL, kind TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE INDEX idx_events_account ON events(account_id);
CREATE INDEX idx_events_kind ON events(kind);
CREATE TABLE tags (name TEXT PRIMARY KEY, color TEXT) WITHOUT ROWID;
CREATE VIEW recent_events AS SELECT * FROM events ORDER BY created_at DESC LIMIT 10;
CREATE TRIGGER events_touch AFTER INSERT ON events BEGIN SELECT 1; END;
CREATE VIRTUAL TABLE docs USING fts3(body);
CREATE INDEX idx_events_lower_kind ON events(lower(kind), created_at);`;

const MEASURED: Array<[string, string | null, unknown]> = [
  ['events', 'idx_events_account', '1000000 200000'],
  ['events', 'idx_events_kind', '1000000 2'],
  ['events', null, 42], // not text: ignored
];

// ---------------------------------------------------------------------------------------------
// reading

test('a real file: tables, then indexes, then views; internal, shadow and trigger objects left out; stats and models', async () => {
  const file = await writeDatabase('app.db', EVENTS_DDL, MEASURED);
  const before = sha256(file);
  const { schema, notes } = await readDatabaseFile(file, 'data/app.db', { maxBytes: 1 << 20, explicit: true });
  assert.deepEqual(notes, []);
  assert.ok(schema);
  assert.equal(schema.file, 'data/app.db');
  assert.deepEqual(
    schema.objects.map((object) => `${object.type} ${object.name} ON ${object.table}`),
    [
      'table events ON events',
      'table tags ON tags',
      'table docs ON docs',
      'index idx_events_account ON events',
      'index idx_events_kind ON events',
      'index idx_events_lower_kind ON events',
      'view recent_events ON recent_events',
    ],
  );
  assert.equal(schema.objects[2].sql, 'CREATE VIRTUAL TABLE docs USING fts3(body)');
  assert.deepEqual(schema.stats, [
    { tbl: 'events', idx: 'idx_events_account', stat: '1000000 200000' },
    { tbl: 'events', idx: 'idx_events_kind', stat: '1000000 2' },
  ]);
  assert.deepEqual(schema.tables, [
    {
      name: 'events',
      columns: ['id', 'account_id', 'kind', 'created_at'],
      indexes: [
        { name: 'idx_events_account', columns: ['account_id'] },
        { name: 'idx_events_kind', columns: ['kind'] },
        { name: 'idx_events_lower_kind', columns: [null, 'created_at'] },
      ],
    },
    { name: 'tags', columns: ['name', 'color'], indexes: [] },
    { name: 'docs', columns: ['body'], indexes: [] },
  ]);
  assert.equal(sha256(file), before, 'the file is never written');
});

test('a file that was never analysed has no stats', async () => {
  const file = await writeDatabase('plain.sqlite', 'CREATE TABLE a (x)');
  const { schema } = await readDatabaseFile(file, 'plain.sqlite', { maxBytes: 1 << 20, explicit: false });
  assert.deepEqual(schema?.stats, []);
  assert.deepEqual(schema?.tables, [{ name: 'a', columns: ['x'], indexes: [] }]);
});

test('a file that is not SQLite: info when found by its name, warning when configured', async () => {
  const file = tempPath('x.db');
  fs.writeFileSync(file, 'Berkeley DB, or just text that happens to end in .db\n');
  const message = 'skipped: not a SQLite database (it does not start with the "SQLite format 3" header)';
  assert.deepEqual(await readDatabaseFile(file, 'x.db', { maxBytes: 1 << 20, explicit: false }), {
    notes: [{ level: 'info', file: 'x.db', message }],
  });
  assert.deepEqual(await readDatabaseFile(file, 'x.db', { maxBytes: 1 << 20, explicit: true }), {
    notes: [{ level: 'warning', file: 'x.db', message }],
  });
  const empty = tempPath('empty.db');
  fs.writeFileSync(empty, '');
  assert.deepEqual((await readDatabaseFile(empty, 'empty.db', { maxBytes: 1 << 20, explicit: false })).notes, [
    { level: 'info', file: 'empty.db', message: 'skipped: empty file, no schema to read' },
  ]);
});

test('truncated files: the header says how long the file should be', async () => {
  const bytes = await databaseBytes(EVENTS_DDL, MEASURED);
  const pageSize = bytes.readUInt16BE(16);
  const pages = bytes.length / pageSize;
  assert.ok(Number.isInteger(pages) && pages > 3, 'a multi-page fixture');

  const half = tempPath('half.db');
  fs.writeFileSync(half, bytes.subarray(0, 2 * pageSize));
  assert.deepEqual((await readDatabaseFile(half, 'half.db', { maxBytes: 1 << 20, explicit: false })).notes, [
    {
      level: 'warning',
      file: 'half.db',
      message:
        `skipped: truncated SQLite database: ${(2 * pageSize).toLocaleString('en-US')} bytes, but its header says ` +
        `${pages} pages of ${pageSize.toLocaleString('en-US')} bytes (${bytes.length.toLocaleString('en-US')} bytes)`,
    },
  ]);

  const headerOnly = tempPath('header.db');
  fs.writeFileSync(headerOnly, bytes.subarray(0, 40));
  assert.deepEqual((await readDatabaseFile(headerOnly, 'header.db', { maxBytes: 1 << 20, explicit: false })).notes, [
    { level: 'warning', file: 'header.db', message: 'skipped: truncated SQLite database: 40 bytes, shorter than its 100-byte header' },
  ]);

  // Files written by old SQLite versions have no trustworthy page count: a partial page still gives it away.
  const untrusted = Buffer.from(bytes.subarray(0, bytes.length - 10));
  untrusted.writeUInt32BE(untrusted.readUInt32BE(24) + 1, 92);
  const odd = tempPath('odd.db');
  fs.writeFileSync(odd, untrusted);
  assert.deepEqual((await readDatabaseFile(odd, 'odd.db', { maxBytes: 1 << 20, explicit: false })).notes, [
    {
      level: 'warning',
      file: 'odd.db',
      message: `skipped: truncated SQLite database: ${(bytes.length - 10).toLocaleString('en-US')} bytes is not a whole number of ${pageSize.toLocaleString('en-US')} bytes pages`,
    },
  ]);
});

test('a corrupt schema page is SQLite\'s own message; a bad page size is caught before', async () => {
  const bytes = await databaseBytes(EVENTS_DDL);
  const corrupt = Buffer.from(bytes);
  corrupt.fill(0xab, 100, corrupt.readUInt16BE(16)); // page 1 holds sqlite_schema
  const file = tempPath('corrupt.db');
  fs.writeFileSync(file, corrupt);
  assert.deepEqual((await readDatabaseFile(file, 'corrupt.db', { maxBytes: 1 << 20, explicit: true })).notes, [
    { level: 'warning', file: 'corrupt.db', message: 'skipped: SQLite cannot read this database: database disk image is malformed' },
  ]);

  const badPageSize = Buffer.from(bytes);
  badPageSize.writeUInt16BE(1000, 16);
  const other = tempPath('pagesize.db');
  fs.writeFileSync(other, badPageSize);
  assert.deepEqual((await readDatabaseFile(other, 'pagesize.db', { maxBytes: 1 << 20, explicit: true })).notes, [
    { level: 'warning', file: 'pagesize.db', message: 'skipped: corrupt SQLite header: invalid page size 1000' },
  ]);
});

test('over the size cap, missing and folder paths are notes', async () => {
  const file = await writeDatabase('big.db', EVENTS_DDL);
  const size = fs.statSync(file).size;
  assert.deepEqual((await readDatabaseFile(file, 'big.db', { maxBytes: size - 1, explicit: false })).notes, [
    { level: 'warning', file: 'big.db', message: `skipped: 0.0 MB is over the 0.0 MB limit ("maxDatabaseBytes")` },
  ]);
  assert.ok((await readDatabaseFile(file, 'big.db', { maxBytes: size, explicit: false })).schema, 'exactly at the cap is read');
  assert.deepEqual((await readDatabaseFile(path.join(tempRoot, 'nope.db'), 'nope.db', { maxBytes: 10, explicit: true })).notes, [
    { level: 'warning', file: 'nope.db', message: 'cannot read database file: no such file' },
  ]);
  const folder = tempPath('folder.db');
  fs.mkdirSync(folder);
  assert.deepEqual((await readDatabaseFile(folder, 'folder.db', { maxBytes: 10, explicit: true })).notes, [
    { level: 'warning', file: 'folder.db', message: 'cannot read database file: not a regular file' },
  ]);
});

test('a WAL-mode file is read from its main file, which stays untouched', async () => {
  const bytes = await databaseBytes('CREATE TABLE a (x); CREATE INDEX ia ON a(x)');
  bytes[18] = 2; // file format versions 2 = WAL
  bytes[19] = 2;
  const file = tempPath('wal.db');
  fs.writeFileSync(file, bytes);
  const before = sha256(file);
  const { schema, notes } = await readDatabaseFile(file, 'wal.db', { maxBytes: 1 << 20, explicit: true });
  assert.deepEqual(notes, []);
  assert.deepEqual(schema?.objects.map((object) => object.name), ['a', 'ia']);
  assert.equal(sha256(file), before);
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['wal.db'], 'no -wal or -shm file appears');
});

// ---------------------------------------------------------------------------------------------
// measured statistics

test('measuredStatsByTable: the table row gives the size, else the largest index; sizeless tables are left out', () => {
  const measured = measuredStatsByTable([
    { tbl: 'Events', idx: 'idx_a', stat: '500 5' },
    { tbl: 'events', idx: 'idx_partial', stat: '800 2' },
    { tbl: 'logs', idx: null, stat: '70' },
    { tbl: 'logs', idx: 'idx_logs', stat: '90 3' },
    { tbl: 'junk', idx: 'idx_junk', stat: 'unordered' },
  ]);
  assert.deepEqual([...measured.keys()], ['events', 'logs']);
  assert.equal(measured.get('events')?.rowCount, 800);
  assert.equal(measured.get('logs')?.rowCount, 70);
  assert.equal(measured.get('events')?.rows.length, 2);
});

test('statRowsForTables: recorded rows verbatim, other indexes synthesized at the measured size', () => {
  const table = {
    name: 'events',
    columns: [
      { name: 'id', type: 'INTEGER', notNull: false, pk: 1 },
      { name: 'account_id', type: 'INTEGER', notNull: true, pk: 0 },
      { name: 'kind', type: 'TEXT', notNull: true, pk: 0 },
    ],
    indexes: [
      { name: 'idx_events_account', table: 'events', columns: [{ name: 'account_id', desc: false }], unique: false, origin: 'c' as const, partial: false },
      { name: 'idx_events_kind', table: 'events', columns: [{ name: 'kind', desc: false }], unique: false, origin: 'c' as const, partial: false },
    ],
    withoutRowid: false,
  };
  const bare = { ...table, name: 'bare', indexes: [] };
  const measured = measuredStatsByTable([
    { tbl: 'events', idx: 'IDX_EVENTS_KIND', stat: '5000 2 unordered' },
    { tbl: 'bare', idx: null, stat: '12' },
  ]);
  assert.deepEqual(statRowsForTables([table, bare], 1_000_000, measured), [
    { tbl: 'events', idx: 'idx_events_account', stat: '5000 10' }, // `*_id`: a few rows per key, at 5,000 rows
    { tbl: 'events', idx: 'idx_events_kind', stat: '5000 2 unordered' },
    { tbl: 'bare', idx: null, stat: '12' },
  ]);
  assert.deepEqual(statRowsForTables([table], 1_000_000), [
    { tbl: 'events', idx: 'idx_events_account', stat: '1000000 10' },
    { tbl: 'events', idx: 'idx_events_kind', stat: '1000000 100000' }, // `kind`: a tenth of the table
  ]);
});

// ---------------------------------------------------------------------------------------------
// building the schema with database files

function sqlFile(file: string, text: string): ExtractedSql {
  return { file, language: 'sql', sql: text, range: { start: 0, end: text.length }, role: 'schema', certainty: 'executed' };
}

const MIGRATIONS_HOME: SchemaHome = { kind: 'migrations-folder', dir: 'migrations', files: ['migrations/0001_init.sql'] };
const CODE_DDL = `CREATE TABLE events (id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL, kind TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE INDEX idx_events_account ON events(account_id);
CREATE INDEX idx_events_kind ON events(kind);
CREATE TABLE sessions (id INTEGER PRIMARY KEY, user_id INTEGER);
`;
const codeUnit: SchemaUnit = { label: 'migrations/0001_init.sql', statements: [sqlFile('migrations/0001_init.sql', CODE_DDL)], home: MIGRATIONS_HOME };

const FILE_DDL = `CREATE TABLE events (id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL, kind TEXT NOT NULL, created_at TEXT NOT NULL, payload TEXT);
CREATE INDEX idx_events_account ON events(account_id);
CREATE INDEX idx_events_kind ON events(kind, created_at);
CREATE INDEX idx_events_created ON events(created_at);
CREATE TABLE audit_log (id INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT);
CREATE INDEX idx_audit_at ON audit_log(at);`;

async function fileSchema(ddl: string, stats: Array<[string, string | null, unknown]>, label = 'data/app.db'): Promise<DatabaseFileSchema> {
  const file = await writeDatabase('app.db', ddl, stats);
  const { schema } = await readDatabaseFile(file, label, { maxBytes: 1 << 20, explicit: true });
  assert.ok(schema);
  return schema;
}

function plan(db: SchemaDatabase, sql: string): string[] {
  const result = db.explain(sql);
  assert.ok(result.ok, result.ok ? '' : result.error);
  return result.flat.map((node) => node.detail);
}

test('the code wins for its tables; the file adds its own tables and its statistics drive the planner', async (t) => {
  const database = await fileSchema(FILE_DDL, [
    ['events', 'idx_events_account', '1000000 200000'],
    ['events', 'idx_events_kind', '1000000 2 1'],
    ['audit_log', 'idx_audit_at', '300 1'],
  ]);
  const synthetic = await buildSchema([codeUnit], { defaultRowCount: 1_000_000 });
  const withFile = await buildSchema([codeUnit], { defaultRowCount: 1_000_000, databases: [database] });
  t.after(() => {
    synthetic.close();
    withFile.close();
  });
  const query = 'SELECT * FROM events WHERE account_id = ? AND kind = ?';
  assert.deepEqual(plan(synthetic, query), ['SEARCH events USING INDEX idx_events_account (account_id=?)']);
  assert.deepEqual(plan(withFile, query), ['SEARCH events USING INDEX idx_events_kind (kind=?)']);

  const events = withFile.tables.get('events')!;
  assert.deepEqual(events.columns.map((column) => column.name), ['id', 'account_id', 'kind', 'created_at'], 'the code defines events');
  assert.deepEqual(events.indexes.map((index) => index.name), ['idx_events_account', 'idx_events_kind']);
  assert.equal(events.fromDatabaseFile, undefined);
  assert.deepEqual(events.home, MIGRATIONS_HOME);

  const audit = withFile.tables.get('audit_log')!;
  assert.equal(audit.fromDatabaseFile, 'data/app.db');
  assert.equal(audit.home, undefined, 'no fix for a table only the file defines');
  assert.equal(audit.definedAt, undefined);
  assert.deepEqual(audit.indexes.map((index) => index.name), ['idx_audit_at']);
  assert.deepEqual(plan(withFile, 'SELECT * FROM audit_log WHERE actor = ?'), ['SCAN audit_log']);
  assert.deepEqual(withFile.notes, [
    {
      level: 'info',
      file: 'data/app.db',
      message:
        'the code-defined schema wins for 1 table also in this file (events); this file adds 1 table only it defines (audit_log); ' +
        'its sqlite_stat1 replaces the synthetic statistics for 2 tables (events, audit_log)',
    },
  ]);
  assert.deepEqual([...withFile.databaseFiles], [database]);
});

test('without schema in code the file is the schema; without sqlite_stat1 statistics stay synthetic', async (t) => {
  const database = await fileSchema(FILE_DDL, []);
  const db = await buildSchema([], { defaultRowCount: 1_000_000, databases: [database] });
  t.after(() => db.close());
  assert.deepEqual([...db.tables.keys()], ['events', 'audit_log']);
  assert.deepEqual(db.tables.get('events')?.indexes.map((index) => index.name), ['idx_events_account', 'idx_events_kind', 'idx_events_created']);
  assert.deepEqual(db.notes, [
    {
      level: 'info',
      file: 'data/app.db',
      message:
        'no schema is defined in code: 2 tables come from this file; ' +
        'statistics stay synthetic: the file has no sqlite_stat1 (run ANALYZE on it to record them)',
    },
  ]);
});

test('two files: the first one defines a table, a later one only adds what is still missing', async (t) => {
  const first = await fileSchema('CREATE TABLE a (x); CREATE INDEX ia ON a(x)', [], 'one.db');
  const second = await fileSchema('CREATE TABLE a (x, y); CREATE INDEX ia2 ON a(y); CREATE TABLE b (z)', [['a', 'ia2', '10 1']], 'two.db');
  const db = await buildSchema([], { defaultRowCount: 1000, databases: [first, second] });
  t.after(() => db.close());
  assert.deepEqual(db.tables.get('a')?.columns.map((column) => column.name), ['x']);
  assert.deepEqual(db.tables.get('a')?.indexes.map((index) => index.name), ['ia']);
  assert.equal(db.tables.get('a')?.fromDatabaseFile, 'one.db');
  assert.equal(db.tables.get('b')?.fromDatabaseFile, 'two.db');
  assert.deepEqual(
    db.notes.map((note) => `${note.file}: ${note.message}`),
    [
      'one.db: no schema is defined in code: 1 table comes from this file; statistics stay synthetic: the file has no sqlite_stat1 (run ANALYZE on it to record them)',
      'two.db: no schema is defined in code: 1 table comes from this file; its sqlite_stat1 replaces the synthetic statistics for 1 table (a)',
    ],
  );
});

test('a statement SQLite rejects in the file becomes a note, the rest still applies', async (t) => {
  const database = await fileSchema('CREATE TABLE a (x)', []);
  database.objects.push({ type: 'index', name: 'broken', table: 'a', sql: 'CREATE INDEX broken ON a(nope)' });
  const db = await buildSchema([], { defaultRowCount: 1000, databases: [database] });
  t.after(() => db.close());
  assert.deepEqual([...db.tables.keys()], ['a']);
  assert.deepEqual(db.tables.get('a')?.indexes, []);
  assert.deepEqual(db.notes[0], {
    level: 'info',
    file: 'data/app.db',
    message: 'skipped `CREATE INDEX broken ON a(nope)`: no such column: nope',
  });
});

// ---------------------------------------------------------------------------------------------
// schema drift

test('schema drift: tables, columns and indexes in one source and not the other, located in code', async (t) => {
  const database = await fileSchema(FILE_DDL, []);
  const db = await buildSchema([codeUnit], { defaultRowCount: 1_000_000, databases: [database] });
  t.after(() => db.close());
  const config = mergeConfig(DEFAULT_CONFIG, {});
  const reports = schemaDriftRule.checkSchema({ tables: [...db.tables.values()], config, databases: db.databaseFiles });
  // Each report as `file@<the statement it covers>`, the statement shortened to its head.
  const located = reports.map((report) => {
    const covered = CODE_DDL.slice(report.range.start, report.range.end);
    assert.ok(covered === '' || /\)$/.test(covered), `a whole statement: ${covered}`);
    return `${report.file}@${/^CREATE (TABLE|INDEX) \w+/.exec(covered)?.[0] ?? '<file start>'}: ${report.message}`;
  });
  assert.deepEqual(located, [
    'migrations/0001_init.sql@CREATE TABLE events: Schema drift: column events.payload is in data/app.db but not in the migrations in migrations/.',
    'migrations/0001_init.sql@CREATE INDEX idx_events_kind: Schema drift: index idx_events_kind is ON events(kind) in the migrations in migrations/ but ON events(kind, created_at) in data/app.db.',
    'migrations/0001_init.sql@CREATE TABLE events: Schema drift: index idx_events_created ON events(created_at) is in data/app.db but not in the migrations in migrations/; plans use the code-defined indexes only.',
    'migrations/0001_init.sql@CREATE TABLE sessions: Schema drift: table sessions is in the migrations in migrations/ but not in data/app.db.',
    'migrations/0001_init.sql@<file start>: Schema drift: table audit_log is in data/app.db but not in the migrations in migrations/.',
  ]);
  assert.deepEqual(reports[4].range, { start: 0, end: 0 }, 'a table missing in code: the start of the last migration file');
  assert.deepEqual(reports.map((report) => report.table), ['events', 'events', 'events', 'sessions', 'audit_log']);
  assert.equal(schemaDriftRule.meta.defaultSeverity, 'info');
});

test('schema drift: silent without a database file, without schema in code, and when both agree', async (t) => {
  const config = mergeConfig(DEFAULT_CONFIG, {});
  const same = await fileSchema(CODE_DDL, []);
  const agreeing = await buildSchema([codeUnit], { defaultRowCount: 1000, databases: [same] });
  const codeOnly = await buildSchema([codeUnit], { defaultRowCount: 1000 });
  const fileOnly = await buildSchema([], { defaultRowCount: 1000, databases: [await fileSchema(FILE_DDL, [])] });
  t.after(() => [agreeing, codeOnly, fileOnly].forEach((db) => db.close()));
  for (const db of [agreeing, codeOnly, fileOnly]) {
    assert.deepEqual(schemaDriftRule.checkSchema({ tables: [...db.tables.values()], config, databases: db.databaseFiles }), []);
  }
});

// ---------------------------------------------------------------------------------------------
// the workspace's set of files

test('DatabaseFiles: configured files first, discovered ones only when opted in, read again only when changed', async () => {
  const root = path.dirname(tempPath('placeholder'));
  fs.mkdirSync(path.join(root, 'data'));
  fs.writeFileSync(path.join(root, 'data', 'app.db'), await databaseBytes('CREATE TABLE a (x)'));
  fs.writeFileSync(path.join(root, 'cache.sqlite'), 'not sqlite');
  const discovered = ['cache.sqlite', 'data/app.db'];

  const optedOut = new DatabaseFiles(root, mergeConfig(DEFAULT_CONFIG, { databases: ['./data/app.db'] }), discovered);
  assert.deepEqual(optedOut.files(), ['data/app.db']);

  const files = new DatabaseFiles(
    root,
    mergeConfig(DEFAULT_CONFIG, { databases: ['data/app.db', 'missing.db'], useDatabaseFiles: true }),
    discovered,
  );
  assert.deepEqual(files.files(), ['data/app.db', 'missing.db', 'cache.sqlite']);
  const first = await files.load();
  assert.deepEqual(first.schemas.map((schema) => schema.file), ['data/app.db']);
  assert.deepEqual([...first.notes], [
    ['missing.db', [{ level: 'warning', file: 'missing.db', message: 'cannot read database file: no such file' }]],
    [
      'cache.sqlite',
      [{ level: 'info', file: 'cache.sqlite', message: 'skipped: not a SQLite database (it does not start with the "SQLite format 3" header)' }],
    ],
  ]);

  const stamp = files.stamp();
  const again = await files.load();
  assert.equal(again.schemas[0], first.schemas[0], 'unchanged: the cached read is reused');
  assert.equal(files.stamp(), stamp);

  fs.writeFileSync(path.join(root, 'data', 'app.db'), await databaseBytes('CREATE TABLE a (x); CREATE TABLE b (y)'));
  fs.utimesSync(path.join(root, 'data', 'app.db'), new Date(), new Date(Date.now() + 5000));
  assert.notEqual(files.stamp(), stamp);
  const changed = await files.load();
  assert.deepEqual(changed.schemas[0].tables.map((table) => table.name), ['a', 'b']);
});
