// End-to-end with real SQLite database files: their sqlite_stat1 changes plans, their schema adds tables the code
// lacks, drift is reported, and files that are not SQLite, truncated or too big are notes while everything else survives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AnalysisSession, explainQuery } from '../../server/engine/analyze';
import { DEFAULT_CONFIG, mergeConfig } from '../../server/engine/config';
import { loadSqlJs } from '../../server/engine/schema/sqlite';
import type { AnalysisResult, Finding, Note } from '../../server/engine/types';
import type { PlanLensConfig } from '../../server/engine/analyzeTypes';
import { analyze, applyFix, removeWorkspace, where } from '../helpers/workspace';

const INIT = `CREATE TABLE events (id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL, kind TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE INDEX idx_events_account ON events(account_id);
CREATE INDEX idx_events_kind ON events(kind);
`;
const SESSIONS = `CREATE TABLE sessions (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, started_at TEXT NOT NULL);
`;
const QUERIES = `SELECT * FROM events WHERE account_id = ? AND kind = ?;
SELECT * FROM audit_log WHERE actor = ?;
SELECT id FROM sessions WHERE user_id = ?;
`;
/** The production database: the same events table, an extra column, an index made by hand, a table of its own. */
const DATABASE_DDL = `${INIT}${SESSIONS}
ALTER TABLE events ADD COLUMN payload TEXT;
CREATE INDEX idx_events_created ON events(created_at);
CREATE TABLE audit_log (id INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT);`;
/** Few accounts with many events each, and a kind that is nearly unique: the opposite of what the names suggest. */
const MEASURED: Array<[string, string]> = [
  ['idx_events_account', '1000000 200000'],
  ['idx_events_kind', '1000000 2'],
];

async function databaseBytes(ddl: string, stats: Array<[string, string]>): Promise<Buffer> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database();
  try {
    db.run(ddl);
    db.run('ANALYZE');
    for (const [index, stat] of stats) db.run("INSERT INTO sqlite_stat1(tbl, idx, stat) VALUES ('events', ?, ?)", [index, stat]);
    return Buffer.from(db.export()); // tests only: creating fixtures
  } finally {
    db.close();
  }
}

async function workspace(): Promise<string> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-dbfile-'));
  const files: Record<string, string | Buffer> = {
    'migrations/0001_init.sql': INIT,
    'migrations/0002_sessions.sql': SESSIONS,
    'app/queries.sql': QUERIES,
    'data/app.db': await databaseBytes(DATABASE_DDL, MEASURED),
  };
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), content);
  }
  return root;
}

function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function summary(result: AnalysisResult): string[] {
  return result.findings.map((finding) => `${where(result, finding)}: ${finding.message}`);
}

/** The message of the finding about a table SQLite does not know, if any. */
function noSuchTable(findings: Finding[], table: string): string | undefined {
  return findings.find((finding) => finding.ruleId === 'sql-error' && finding.message.includes(`no such table: ${table}`))?.message;
}

function notesAbout(result: { notes: Note[] }, file: string): Note[] {
  return result.notes.filter((note) => note.file === file);
}

const EVENTS_QUERY = 'SELECT * FROM events WHERE account_id = ? AND kind = ?';
const SOURCE_NOTE: Note = {
  level: 'info',
  file: 'data/app.db',
  message:
    'the code-defined schema wins for 2 tables also in this file (events, sessions); this file adds 1 table only it defines (audit_log); ' +
    'its sqlite_stat1 replaces the synthetic statistics for 1 table (events)',
};

test('the same query plans differently with the file\'s sqlite_stat1, and the file is never written', async (t) => {
  const root = await workspace();
  t.after(() => removeWorkspace(root));
  const database = path.join(root, 'data', 'app.db');
  const before = sha256(database);
  const modified = fs.statSync(database).mtimeMs;

  const synthetic = await explainQuery({ root, config: mergeConfig(DEFAULT_CONFIG, {}), sql: EVENTS_QUERY });
  assert.deepEqual(synthetic.planBefore, ['`--SEARCH events USING INDEX idx_events_account (account_id=?)']);
  const measured = await explainQuery({ root, config: mergeConfig(DEFAULT_CONFIG, { databases: ['data/app.db'] }), sql: EVENTS_QUERY });
  assert.deepEqual(measured.planBefore, ['`--SEARCH events USING INDEX idx_events_kind (kind=?)']);
  assert.match(measured.findings[0].message, /^events is searched with idx_events_kind \(kind=\?\), then account_id is checked row by row\./);

  const result = await analyze(root, { databases: ['data/app.db'] });
  assert.deepEqual(notesAbout(result, 'data/app.db'), [SOURCE_NOTE]);
  assert.equal(sha256(database), before, 'byte for byte the same');
  assert.equal(fs.statSync(database).mtimeMs, modified);
  assert.deepEqual(fs.readdirSync(path.join(root, 'data')), ['app.db'], 'no journal, -wal or -shm file');
});

test('useDatabaseFiles: a file that is not SQLite and a truncated copy are notes; every other finding survives', async (t) => {
  const root = await workspace();
  t.after(() => removeWorkspace(root));
  const good = fs.readFileSync(path.join(root, 'data', 'app.db'));
  fs.writeFileSync(path.join(root, 'x.db'), 'key=value\nthis is a key/value store, not SQLite\n');
  fs.mkdirSync(path.join(root, 'backup'));
  fs.writeFileSync(path.join(root, 'backup', 'app.sqlite3'), good.subarray(0, good.length / 2));
  fs.mkdirSync(path.join(root, 'node_modules', 'dep'), { recursive: true });
  fs.writeFileSync(path.join(root, 'node_modules', 'dep', 'test.db'), 'never looked at');

  const result = await analyze(root, { useDatabaseFiles: true });
  const pageSize = good.readUInt16BE(16);
  assert.deepEqual(
    result.notes.filter((note) => note.file !== undefined && /\.(db|sqlite3?)$/.test(note.file)),
    [
      {
        level: 'warning',
        file: 'backup/app.sqlite3',
        message:
          `skipped: truncated SQLite database: ${(good.length / 2).toLocaleString('en-US')} bytes, but its header says ` +
          `${good.length / pageSize} pages of ${pageSize.toLocaleString('en-US')} bytes (${good.length.toLocaleString('en-US')} bytes)`,
      },
      { level: 'info', file: 'x.db', message: 'skipped: not a SQLite database (it does not start with the "SQLite format 3" header)' },
      SOURCE_NOTE,
    ],
  );
  assert.deepEqual(summary(result), [
    'app/queries.sql:1:1 incomplete-index: events is searched with idx_events_kind (kind=?), then account_id is checked row by row. ' +
      'Extend idx_events_account to idx_events_account_kind ON events(account_id, kind): 2 columns constrained instead of 1.',
    'app/queries.sql:2:1 missing-index: Full scan of audit_log: the query filters on actor but scans every row. ' +
      'Add idx_audit_log_actor ON audit_log(actor): SCAN → SEARCH.',
    'app/queries.sql:3:1 missing-index: Full scan of sessions: the query filters on user_id but scans every row. ' +
      'Add idx_sessions_user_id ON sessions(user_id): SCAN → SEARCH.',
    'migrations/0001_init.sql:1:1 schema-drift: Schema drift: column events.payload is in data/app.db but not in the migrations in migrations/.',
    'migrations/0001_init.sql:1:1 schema-drift: Schema drift: index idx_events_created ON events(created_at) is in data/app.db ' +
      'but not in the migrations in migrations/; plans use the code-defined indexes only.',
    'migrations/0002_sessions.sql:1:1 schema-drift: Schema drift: table audit_log is in data/app.db but not in the migrations in migrations/.',
  ]);
  const [events, audit, sessions, ...drift] = result.findings;
  assert.deepEqual(drift.map((finding) => [finding.severity, finding.fixes.length]), [
    ['info', 0],
    ['info', 0],
    ['info', 0],
  ]);
  assert.deepEqual(audit.fixes, [], 'audit_log exists only in the database file: nowhere to write an index');
  assert.equal(sessions.fixes.length, 1);
  assert.equal(events.fixes.length, 1);
});

test('a fix for a table both sources define lands in the migrations and removes the finding', async (t) => {
  const root = await workspace();
  t.after(() => removeWorkspace(root));
  const config = { databases: ['data/app.db'] };
  const before = await analyze(root, config);
  const sessions = before.findings.find((finding) => finding.table === 'sessions' && finding.ruleId === 'missing-index')!;
  assert.deepEqual(sessions.fixes[0].edits.map((edit) => edit.file), ['migrations/0003_add_idx_sessions_user_id.sql']);
  applyFix(root, sessions.fixes[0]);
  const after = await analyze(root, config);
  assert.equal(after.findings.find((finding) => finding.table === 'sessions' && finding.ruleId === 'missing-index'), undefined);
  // The new index is in the code and not in the file: that is drift now.
  assert.ok(
    summary(after).includes(
      'migrations/0003_add_idx_sessions_user_id.sql:1:1 schema-drift: Schema drift: index idx_sessions_user_id ON sessions(user_id) ' +
        'is in the migrations in migrations/ but not in data/app.db.',
    ),
    summary(after).join('\n'),
  );
});

test('over maxDatabaseBytes: a note, and the plans are the synthetic ones', async (t) => {
  const root = await workspace();
  t.after(() => removeWorkspace(root));
  const size = fs.statSync(path.join(root, 'data', 'app.db')).size;
  const config = mergeConfig(DEFAULT_CONFIG, { databases: ['data/app.db'], maxDatabaseBytes: size - 1 });
  const report = await explainQuery({ root, config, sql: EVENTS_QUERY });
  assert.deepEqual(report.planBefore, ['`--SEARCH events USING INDEX idx_events_account (account_id=?)']);
  const result = await analyze(root, { databases: ['data/app.db'], maxDatabaseBytes: size - 1 });
  assert.deepEqual(notesAbout(result, 'data/app.db'), [
    { level: 'warning', file: 'data/app.db', message: 'skipped: 0.0 MB is over the 0.0 MB limit ("maxDatabaseBytes")' },
  ]);
  assert.equal(result.findings.filter((finding) => finding.ruleId === 'schema-drift').length, 0);
  assert.match(noSuchTable(result.findings, 'audit_log') ?? '', /no such table: audit_log/, 'audit_log only exists in the skipped file');
});

test('schema-drift obeys suppression comments and "off"', async (t) => {
  const root = await workspace();
  t.after(() => removeWorkspace(root));
  fs.writeFileSync(path.join(root, 'migrations', '0001_init.sql'), `-- planlens-ignore:schema-drift payload is written by another service\n${INIT}`);
  const suppressed = await analyze(root, { databases: ['data/app.db'] });
  assert.deepEqual(
    suppressed.findings.filter((finding) => finding.ruleId === 'schema-drift').map((finding) => where(suppressed, finding)),
    ['migrations/0002_sessions.sql:1:1 schema-drift'],
  );
  const off = await analyze(root, { databases: ['data/app.db'], rules: { 'schema-drift': 'off' } });
  assert.equal(off.findings.filter((finding) => finding.ruleId === 'schema-drift').length, 0);
});

test('a session rebuilds the schema when the database file changes on disk, and only then', async (t) => {
  const root = await workspace();
  const config: PlanLensConfig = mergeConfig(DEFAULT_CONFIG, { databases: ['data/app.db'] });
  const session = await AnalysisSession.open(root, config);
  t.after(() => {
    session.close();
    removeWorkspace(root);
  });
  const plan = () => session.explainStatement(session.statementAt('app/queries.sql', 0)!).planBefore;
  assert.deepEqual(plan(), ['`--SEARCH events USING INDEX idx_events_kind (kind=?)']);
  assert.deepEqual(await session.updateFile('app/queries.sql', QUERIES), { schemaChanged: false });

  // ANALYZE run again in production: now accounts are selective and kinds are not.
  const database = path.join(root, 'data', 'app.db');
  fs.writeFileSync(database, await databaseBytes(DATABASE_DDL, [['idx_events_account', '1000000 3'], ['idx_events_kind', '1000000 100000']]));
  fs.utimesSync(database, new Date(), new Date(Date.now() + 10_000));
  assert.deepEqual(await session.updateFile('app/queries.sql', QUERIES), { schemaChanged: true });
  assert.deepEqual(plan(), ['`--SEARCH events USING INDEX idx_events_account (account_id=?)']);

  // Garbage written over it: a note, the synthetic statistics, and no crash.
  fs.writeFileSync(database, 'SQLite format 3\0 but nothing else');
  fs.utimesSync(database, new Date(), new Date(Date.now() + 20_000));
  assert.deepEqual(await session.updateFile('app/queries.sql', QUERIES), { schemaChanged: true });
  assert.deepEqual(notesAbout({ notes: session.notes() }, 'data/app.db'), [
    { level: 'warning', file: 'data/app.db', message: 'skipped: truncated SQLite database: 33 bytes, shorter than its 100-byte header' },
  ]);
  assert.match(noSuchTable(session.findingsFor('app/queries.sql'), 'audit_log') ?? '', /no such table: audit_log/);
  assert.equal(session.findingsFor('app/queries.sql').filter((finding) => finding.table === 'sessions').length, 1, 'other findings survive');
});
