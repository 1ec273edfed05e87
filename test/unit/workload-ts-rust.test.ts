// Workload facts from the TypeScript/JavaScript and Rust extractors (loops, calls per iteration, prepared-statement
// handles, imports, connections and their settings), name resolution across their modules, and the pragma fixes in
// each driver's idiom.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractRust } from '../../server/engine/extract/rust';
import { extractTypeScript } from '../../server/engine/extract/typescript';
import { WorkloadIndex } from '../../server/engine/workload/callGraph';
import { addPragmaFix, replaceSettingFix } from '../../server/engine/fixes/pragmaFix';
import { applyEdits } from '../../server/engine/fixes/applyEdits';
import { identifierReads } from '../../server/engine/extract/workloadBase';
import type { FileFacts, HostLanguage, OffsetRange, WorkloadFacts } from '../../server/engine/types';

function slice(text: string, range: OffsetRange | undefined): string | undefined {
  return range ? text.slice(range.start, range.end) : undefined;
}

async function rust(text: string, path = 'src/lib.rs'): Promise<FileFacts> {
  return extractRust({ path, language: 'rust', text }, { always: true });
}

async function script(text: string, path = 'src/app.ts'): Promise<FileFacts> {
  const language: HostLanguage = /\.[cm]?js$/.test(path) ? 'javascript' : 'typescript';
  return extractTypeScript({ path, language, text }, { always: true });
}

function loopsOf(text: string, workload: WorkloadFacts) {
  return workload.loops.map((loop) => [loop.kind, loop.header, slice(text, loop.headerRange), loop.variables, loop.polling, loop.function ?? null, loop.transaction ?? false]);
}

function loopCallsOf(text: string, workload: WorkloadFacts) {
  return workload.loopCalls.map((call) => [call.loop, slice(text, call.range), call.argumentNames.sort(), slice(text, call.prepared) ?? null]);
}

test('Rust loops: for, while let over a channel and loop with a sleep (polls), iterator and stream closures, transactions', async () => {
  const text = `use std::thread;

impl Worker {
    async fn run(&self, pool: &SqlitePool, deltas: Vec<String>, rx: Receiver<Job>) {
        for (i, delta) in deltas.iter().enumerate() {
            let line = format!("{}{}", i, delta);
            sqlx::query("INSERT INTO logs (line) VALUES (?)").bind(&line).execute(pool).await;
        }
        while let Some(job) = rx.recv().await {
            self.handle(job);
        }
        loop {
            self.tick(pool);
            thread::sleep(Duration::from_secs(1));
        }
        loop {
            if self.step() { break; }
        }
        let names: Vec<_> = deltas.iter().map(|d| self.lookup(d)).collect();
        let maybe = names.first().map(|n| self.lookup(n));
        futures::stream::iter(names).for_each(|n| async move { self.lookup(&n); }).await;
        let mut tx = pool.begin().await?;
        for d in deltas {
            sqlx::query("INSERT INTO logs (line) VALUES (?)").bind(d).execute(&mut *tx).await?;
        }
    }
}
`;
  const workload = (await rust(text)).workload!;
  assert.deepEqual(loopsOf(text, workload), [
    ['for', 'for (i, delta) in deltas.iter().enumerate()', 'for (i, delta) in deltas.iter().enumerate()', ['i', 'delta', 'line'], false, 'Worker::run', false],
    ['while', 'while let Some(job) = rx.recv().await', 'while let Some(job) = rx.recv().await', ['job'], true, 'Worker::run', false],
    ['loop', 'loop', 'loop', [], true, 'Worker::run', false],
    ['loop', 'loop', 'loop', [], false, 'Worker::run', false],
    ['callback', 'deltas.iter().map(|d| …)', 'deltas.iter().map(|d|', ['d'], false, 'Worker::run', false],
    ['callback', 'futures::stream::iter(names).for_each(|n| …)', 'futures::stream::iter(names).for_each(|n|', ['n'], false, 'Worker::run', false],
    ['for', 'for d in deltas', 'for d in deltas', ['d'], false, 'Worker::run', true],
  ]);
  // The sqlx chain's `.bind(&line)` flows into the query call; `Option::map` is not a loop.
  const query = loopCallsOf(text, workload).find(([loop, call]) => loop === 0 && call === 'sqlx::query("INSERT INTO logs (line) VALUES (?)")');
  assert.deepEqual(query, [0, 'sqlx::query("INSERT INTO logs (line) VALUES (?)")', ['line', 'pool'], null]);
  assert.equal(workload.loopCalls.filter((call) => call.loop === 4).length, 1); // self.lookup(d), not Option::map's
  assert.deepEqual(
    workload.functions.map((fn) => [fn.qualifiedName, fn.owner, slice(text, fn.nameRange)]),
    [['Worker::run', 'Worker', 'run']],
  );
  assert.equal(workload.usesThreads, true);
});

test('Rust calls, imports and prepared statements: paths name types, modules are bare names; a handle runs its prepare call', async () => {
  const text = `use db::models::logs::{ExecutionProcessLogs, self};
use crate::store::save as persist;
use std::collections::{HashMap as Map};

fn flush(conn: &Connection, ids: &[i64]) -> Result<()> {
    let mut stmt = conn.prepare("DELETE FROM logs WHERE id = ?1")?;
    for id in ids {
        stmt.execute([id])?;
        ExecutionProcessLogs::append_log_line(conn, *id);
        store::save(conn, id);
        Self::helper(id);
        persist(id);
    }
    Ok(())
}
`;
  const facts = await rust(text);
  const workload = facts.workload!;
  assert.deepEqual(workload.imports, [
    { local: 'ExecutionProcessLogs', module: 'db::models::logs', name: 'ExecutionProcessLogs' },
    { local: 'logs', module: 'db::models', name: 'logs' },
    { local: 'persist', module: 'crate::store', name: 'save' },
    { local: 'Map', module: 'std::collections', name: 'HashMap' },
  ]);
  assert.deepEqual(
    workload.loopCalls.map((call) => [call.name, call.receiver ?? null, slice(text, call.prepared) ?? null]),
    [
      ['execute', 'stmt', 'conn.prepare("DELETE FROM logs WHERE id = ?1")'],
      ['append_log_line', 'ExecutionProcessLogs', null],
      ['save', null, null],
      ['helper', 'Self', null],
      ['persist', null, null],
    ],
  );
  // The handle's run is an edge of the function too, so callers of flush reach the DELETE.
  assert.ok(workload.functions[0].callees.some((callee) => callee.name === 'execute' && slice(text, callee.prepared) !== undefined));
  assert.equal(facts.statements[0].call && slice(text, facts.statements[0].call.range), 'conn.prepare("DELETE FROM logs WHERE id = ?1")');
});

test('Rust connections: sqlx options chains and pools, typed parse, URL connects, rusqlite open with settings, r2d2', async () => {
  const text = `use std::time::Duration;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};

async fn pool(url: &str) -> Result<SqlitePool> {
    let options = SqliteConnectOptions::from_str(url)?
        .journal_mode(SqliteJournalMode::Truncate)
        .busy_timeout(Duration::from_millis(250))
        .pragma("synchronous", "EXTRA");
    SqlitePoolOptions::new().max_connections(4).connect_with(options).await
}

async fn parsed(url: &str) -> Result<SqliteConnection> {
    let options: SqliteConnectOptions = url.parse()?;
    let options = options.busy_timeout(Duration::ZERO);
    SqliteConnection::connect_with(&options).await
}

async fn memory() -> Result<SqlitePool> {
    SqlitePool::connect("sqlite::memory:").await
}

fn open(path: &str) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", &"wal")?;
    conn.busy_timeout(Duration::from_secs(2))?;
    conn.execute_batch("PRAGMA synchronous=NORMAL;")?;
    Ok(conn)
}

fn shared() -> Pool<SqliteConnectionManager> {
    let manager = SqliteConnectionManager::file("app.db").with_init(|c| c.execute_batch("PRAGMA journal_mode=WAL;"));
    Pool::new(manager).unwrap()
}
`;
  const workload = (await rust(text, 'src/db.rs')).workload!;
  assert.deepEqual(
    workload.connections.map((connection) => [
      connection.driver,
      slice(text, connection.range),
      connection.form,
      connection.target ?? null,
      connection.function,
      connection.inMemory,
      connection.concurrency,
      connection.defaultBusyTimeoutMs,
      slice(text, connection.builderRange) ?? null,
      connection.settings.map((setting) => [setting.name, setting.value, setting.source, slice(text, setting.range), slice(text, setting.valueRange) ?? null]),
    ]),
    [
      [
        'sqlx',
        'SqliteConnectOptions::from_str(url)',
        'assignment',
        'options',
        'pool',
        false,
        ['a sqlx connection pool'],
        5000,
        text.slice(text.indexOf('SqliteConnectOptions::from_str'), text.indexOf(';', text.indexOf('"EXTRA"'))),
        [
          ['journal_mode', 'TRUNCATE', 'option', 'journal_mode(SqliteJournalMode::Truncate)', 'Truncate'],
          ['busy_timeout', '250', 'option', 'busy_timeout(Duration::from_millis(250))', 'from_millis(250)'],
          ['synchronous', 'EXTRA', 'pragma', 'pragma("synchronous", "EXTRA")', 'EXTRA'],
        ],
      ],
      ['sqlx', 'url.parse()', 'assignment', 'options', 'parsed', false, ['a sqlx connection pool'], 5000, null, [['busy_timeout', '0', 'option', 'busy_timeout(Duration::ZERO)', 'ZERO']]],
      ['sqlx', 'SqlitePool::connect("sqlite::memory:")', 'other', null, 'memory', true, ['a sqlx connection pool'], 5000, null, []],
      [
        'rusqlite',
        'Connection::open(path)',
        'assignment',
        'conn',
        'open',
        false,
        [],
        5000,
        null,
        [
          ['journal_mode', 'WAL', 'pragma', 'pragma_update(None, "journal_mode", &"wal")', 'wal'],
          ['busy_timeout', '2000', 'option', 'busy_timeout(Duration::from_secs(2))', 'from_secs(2)'],
          ['synchronous', 'NORMAL', 'pragma', '"PRAGMA synchronous=NORMAL;"', 'NORMAL'],
        ],
      ],
      [
        'rusqlite',
        'SqliteConnectionManager::file("app.db")',
        'assignment',
        'manager',
        'shared',
        false,
        ['an r2d2 connection pool'],
        5000,
        null,
        [['journal_mode', 'WAL', 'pragma', '"PRAGMA journal_mode=WAL;"', 'WAL']],
      ],
    ],
  );
  assert.equal(workload.connections.every((connection) => connection.autocommit), true);
});

test('TypeScript loops: for…of, for await, for…in, C-style, while/do/for(;;) polls, array callbacks, transaction callbacks', async () => {
  const text = `export async function run(ids: number[], rows: Row[], byId: Record<string, Row>) {
  for (const [i, { id }] of ids.entries()) {
    const key = String(id);
    load(key);
  }
  for await (const row of stream) {}
  for (const k in byId) {}
  for (let i = 0; i < ids.length; i++) load(ids[i]);
  while (true) {
    load(1);
    await sleep(1000);
  }
  while (pending.length) { load(pending.pop()); }
  do { await delay(5); } while (!stopped);
  for (;;) { load(2); }
  await Promise.all(ids.map(async (id) => load(id)));
  rows.forEach(function (row) { save(row); });
  ids.flatMap((id) => [id]);
  promise.then((value) => load(value));
  db.transaction((all: Row[]) => { for (const row of all) save(row); })(rows);
}
`;
  const workload = (await script(text)).workload!;
  assert.deepEqual(loopsOf(text, workload), [
    ['for', 'for (const [i, { id }] of ids.entries())', 'for (const [i, { id }] of ids.entries())', ['i', 'id', 'key'], false, 'run', false],
    ['async-for', 'for await (const row of stream)', 'for await (const row of stream)', ['row'], false, 'run', false],
    ['for', 'for (const k in byId)', 'for (const k in byId)', ['k'], false, 'run', false],
    ['for', 'for (let i = 0; i < ids.length; i++)', 'for (let i = 0; i < ids.length; i++)', ['i'], false, 'run', false],
    ['while', 'while (true)', 'while (true)', [], true, 'run', false],
    ['while', 'while (pending.length)', 'while (pending.length)', [], false, 'run', false],
    ['while', 'do … while (!stopped)', 'do', [], true, 'run', false],
    ['for', 'for (;;)', 'for (;;)', [], false, 'run', false],
    ['callback', 'ids.map(async (id) => …)', 'ids.map(async (id) =>', ['id'], false, 'run', false],
    ['callback', 'rows.forEach(function (row) …)', 'rows.forEach(function (row)', ['row'], false, 'run', false],
    ['callback', 'ids.flatMap((id) => …)', 'ids.flatMap((id) =>', ['id'], false, 'run', false],
    ['for', 'for (const row of all)', 'for (const row of all)', ['row'], false, 'run', true],
  ]);
  // `key` is assigned from the loop variable, so it flows into load(key).
  assert.deepEqual(loopCallsOf(text, workload)[1], [0, 'load(key)', ['key'], null]);
});

test('TypeScript handles, imports and functions: module, field and constructor statements; require; import type is skipped', async () => {
  const text = `import Database from 'better-sqlite3';
import { save as persist, type Row } from './store';
import * as repo from '../repo';
import type { Options } from './options';
const { load, other: renamed } = require('./legacy');
const cp = require('node:child_process');

const db = new Database('app.db');
const byId = db.prepare('SELECT * FROM users WHERE id = ?');

export class Users {
  private readonly insert = db.prepare('INSERT INTO users (name) VALUES (?)');
  private update;
  constructor() {
    this.update = db.prepare('UPDATE users SET name = ? WHERE id = ?');
  }
  add(names: string[]) {
    for (const name of names) this.insert.run(name);
  }
  rename = (id: number, name: string) => this.update.run(name, id);
  find(ids: number[]) {
    return ids.map((id) => byId.pluck().get(id));
  }
}
`;
  const facts = await script(text);
  const workload = facts.workload!;
  assert.deepEqual(workload.imports, [
    { local: 'Database', module: 'better-sqlite3', name: 'default' },
    { local: 'persist', module: './store', name: 'save' },
    { local: 'repo', module: '../repo', name: '' },
    { local: 'load', module: './legacy', name: 'load' },
    { local: 'renamed', module: './legacy', name: 'other' },
    { local: 'cp', module: 'node:child_process', name: '' },
  ]);
  assert.deepEqual(
    workload.functions.map((fn) => [fn.qualifiedName, fn.name, fn.owner ?? null, fn.callees.filter((callee) => callee.prepared).map((callee) => slice(text, callee.prepared))]),
    [
      ['Users.constructor', 'constructor', 'Users', []],
      ['Users.add', 'add', 'Users', ["db.prepare('INSERT INTO users (name) VALUES (?)')"]],
      ['Users.rename', 'rename', 'Users', ["db.prepare('UPDATE users SET name = ? WHERE id = ?')"]],
      ['Users.find', 'find', 'Users', ["db.prepare('SELECT * FROM users WHERE id = ?')"]],
    ],
  );
  assert.deepEqual(loopCallsOf(text, workload), [
    [0, 'this.insert.run(name)', ['name'], "db.prepare('INSERT INTO users (name) VALUES (?)')"],
    [1, 'byId.pluck().get(id)', ['byId', 'id'], "db.prepare('SELECT * FROM users WHERE id = ?')"],
    [1, 'byId.pluck()', ['byId', 'id'], null],
  ]);
});

test('TypeScript connections: better-sqlite3 (new, call, require, options, memory), node:sqlite (named, namespace), targets and forms', async () => {
  const text = `import Database from 'better-sqlite3';
import { DatabaseSync } from 'node:sqlite';
import * as sqlite from 'node:sqlite';

export const main = new Database(process.env.DB ?? 'app.db', { timeout: 0, readonly: false });
main.pragma('journal_mode = DELETE');
main.pragma('cache_size = 2000');
const temp = new Database();
const anonymous = new Database('');
const legacy = require('better-sqlite3')('legacy.db');

class Store {
  db = new DatabaseSync('store.db');
  other;
  constructor() {
    this.other = new sqlite.DatabaseSync(':memory:');
    this.db.exec('PRAGMA busy_timeout = 250');
  }
}

function open() {
  return new DatabaseSync('x.db', { timeout: 1500 });
}
`;
  const workload = (await script(text, 'src/db.ts')).workload!;
  assert.deepEqual(
    workload.connections.map((connection) => [
      connection.driver,
      connection.form,
      connection.target ?? null,
      connection.function ?? null,
      connection.inMemory,
      connection.defaultBusyTimeoutMs ?? null,
      slice(text, connection.statementRange),
      connection.settings.map((setting) => [setting.name, setting.value, setting.source, slice(text, setting.valueRange) ?? null]),
    ]),
    [
      [
        'better-sqlite3',
        'assignment',
        'main',
        null,
        false,
        5000,
        "export const main = new Database(process.env.DB ?? 'app.db', { timeout: 0, readonly: false });",
        [
          ['busy_timeout', '0', 'argument', '0'],
          ['journal_mode', 'DELETE', 'pragma', 'DELETE'],
        ],
      ],
      ['better-sqlite3', 'assignment', 'temp', null, true, 5000, 'const temp = new Database();', []],
      ['better-sqlite3', 'assignment', 'anonymous', null, true, 5000, "const anonymous = new Database('');", []],
      ['better-sqlite3', 'assignment', 'legacy', null, false, 5000, "const legacy = require('better-sqlite3')('legacy.db');", []],
      ['node:sqlite', 'other', 'this.db', null, false, null, "new DatabaseSync('store.db')", [['busy_timeout', '250', 'pragma', '250']]],
      ['node:sqlite', 'assignment', 'this.other', 'Store.constructor', true, null, "this.other = new sqlite.DatabaseSync(':memory:');", []],
      ['node:sqlite', 'return', null, 'open', false, null, "return new DatabaseSync('x.db', { timeout: 1500 });", [['busy_timeout', '1500', 'argument', '1500']]],
    ],
  );
});

test('half-typed and broken code gives partial facts and never throws', async () => {
  for (const broken of [
    'for (const id of ids) { db.prepare("SELECT * FROM t WHERE id = ?").get(',
    'const db = new Database(',
    'while (',
    'ids.map((id) => ',
    'import Database from',
    '\u0000\u0001garbage',
  ]) {
    const facts = await script(broken, 'src/broken.ts');
    assert.ok(facts.workload, broken);
  }
  for (const broken of [
    'fn f() { for d in deltas { sqlx::query("INSERT INTO t VALUES (?)").bind(',
    'fn f() { let o = SqliteConnectOptions::new().journal_mode(',
    'use a::{b, ',
    'impl X { fn y(&self) { loop { ',
    'fn f() { ids.iter().map(|',
  ]) {
    const facts = await rust(broken, 'src/broken.rs');
    assert.ok(facts.workload, broken);
  }
  // Files without SQL or connections are not parsed on the first pass.
  assert.equal((await extractTypeScript({ path: 'a.ts', language: 'typescript', text: 'export const x = 1;\n' })).workload, undefined);
  assert.equal((await extractRust({ path: 'a.rs', language: 'rust', text: 'fn main() {}\n' })).workload, undefined);
  assert.ok((await extractTypeScript({ path: 'a.ts', language: 'typescript', text: "import Database from 'better-sqlite3';\n" })).workload);
  // A driver imported for its types only cannot open a connection: such files (`db: Database` parameters) are not parsed.
  const ts = (text: string) => extractTypeScript({ path: 'a.ts', language: 'typescript', text });
  assert.equal((await ts("import type { Database } from 'better-sqlite3';\nexport function f(db: Database) {}\n")).workload, undefined);
  assert.equal((await ts("import type Database from 'better-sqlite3';\nexport type { DatabaseSync } from 'node:sqlite';\n")).workload, undefined);
  // Any other mention may construct one: a value import next to a type import, require, the ciphers fork.
  const opened = async (text: string) => (await ts(text)).workload?.connections.length;
  assert.equal(await opened("import type { Options } from 'better-sqlite3';\nimport Database from 'better-sqlite3';\nconst db = new Database('a.db');\n"), 1);
  assert.equal(await opened("const Database = require('better-sqlite3');\nconst db = new Database('a.db');\n"), 1);
  assert.equal(await opened("import Database from 'better-sqlite3-multiple-ciphers';\nconst db = new Database('a.db');\n"), 1);
  assert.equal(await opened("import { type StatementSync, DatabaseSync } from 'node:sqlite';\nconst db = new DatabaseSync('a.db');\n"), 1);
  assert.ok((await extractRust({ path: 'a.rs', language: 'rust', text: 'fn f() { let c = Connection::open("a.db"); }\n' })).workload);
});

test('call graph: TS relative and namespace imports, Rust `use … as` and impl types resolve to their files', async () => {
  const files: Record<string, string> = {
    'src/store.ts': "export function save(db, x) { db.prepare('INSERT INTO t (x) VALUES (?)').run(x); }\n",
    'src/other/store.ts': "export function save(db, x) { db.prepare('DELETE FROM t WHERE x = ?').run(x); }\n",
    'src/jobs/run.ts': "import * as store from '../store';\nimport { save as keep } from '../store.js';\nexport function run(db, xs) { for (const x of xs) { store.save(db, x); keep(db, x); } }\n",
    'crates/db/src/store.rs': 'pub fn save(c: &Connection, x: i64) { c.execute("INSERT INTO t (x) VALUES (?1)", [x]).unwrap(); }\n',
    'crates/db/src/logs.rs': 'impl Logs { pub fn add(c: &Connection) { c.execute("INSERT INTO logs DEFAULT VALUES", []).unwrap(); } }\n',
    'crates/app/src/main.rs': 'use db::store::save as persist;\nuse db::logs::Logs;\nfn main() { for x in xs { persist(&c, x); Logs::add(&c); } }\n',
  };
  const facts = new Map<string, FileFacts>();
  for (const [file, text] of Object.entries(files)) facts.set(file, file.endsWith('.rs') ? await rust(text, file) : await script(text, file));
  const index = new WorkloadIndex(facts);
  const resolved = (file: string) =>
    facts.get(file)!.workload!.loopCalls.map((call) => {
      const caller = index.functionNamed(file, facts.get(file)!.workload!.loops[call.loop].function);
      return [call.name, index.resolve(file, caller, call).map((node) => `${node.file}:${node.fact.qualifiedName}`)];
    });
  assert.deepEqual(resolved('src/jobs/run.ts'), [
    ['save', ['src/store.ts:save']],
    ['keep', ['src/store.ts:save']],
  ]);
  assert.deepEqual(resolved('crates/app/src/main.rs'), [
    ['persist', ['crates/db/src/store.rs:save']],
    ['add', ['crates/db/src/logs.rs:Logs::add']],
  ]);
});

test('pragma fixes in the driver idiom: Rust option values, TS return form, rusqlite expect, sqlx one-line chains', async () => {
  const sqlx = `use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
fn o() -> SqliteConnectOptions {
    let options = SqliteConnectOptions::new().filename("a.db").journal_mode(SqliteJournalMode::Delete);
    options
}
`;
  const sqlxFacts = await rust(sqlx);
  const [options] = sqlxFacts.workload!.connections;
  const journal = options.settings[0];
  assert.deepEqual(replaceSettingFix('src/lib.rs', journal, 'rust', 'WAL', 'Set journal_mode=WAL')?.edits[0], {
    kind: 'replace',
    file: 'src/lib.rs',
    range: journal.valueRange,
    newText: 'Wal',
  });
  // A one-line chain gets the option on the same line; the type is imported, so it is written bare.
  const added = addPragmaFix('src/lib.rs', sqlx, 'rust', { ...options, settings: [] }, 'journal_mode=WAL', { start: 0, end: sqlx.length });
  assert.ok(applyEdits(added!.edits, () => sqlx).get('src/lib.rs')!.includes('.journal_mode(SqliteJournalMode::Delete).journal_mode(SqliteJournalMode::Wal);'));

  const rusqlite = 'fn f() {\n    let conn = Connection::open("a.db").expect("open");\n    let other = Connection::open("b.db").map_err(wrap)?;\n}\n';
  const [expecting, mapped] = (await rust(`use rusqlite::Connection;\n${rusqlite}`)).workload!.connections;
  const text = `use rusqlite::Connection;\n${rusqlite}`;
  const fix = addPragmaFix('src/lib.rs', text, 'rust', expecting, 'journal_mode=WAL', { start: 0, end: text.length });
  assert.ok(applyEdits(fix!.edits, () => text).get('src/lib.rs')!.includes('conn.pragma_update(None, "journal_mode", "WAL").expect("set PRAGMA");\n'));
  // Other error handling may not convert rusqlite's error: no fix rather than code that does not compile.
  assert.equal(addPragmaFix('src/lib.rs', text, 'rust', mapped, 'journal_mode=WAL', { start: 0, end: text.length }), undefined);

  const ts = "function open() {\n  const db = 1;\n  return new Database('a.sqlite');\n}\n";
  const tsText = `import Database from 'better-sqlite3';\n${ts}`;
  const [returned] = (await script(tsText)).workload!.connections;
  const scope = { start: tsText.indexOf('function open'), end: tsText.length };
  const tsFix = addPragmaFix('src/app.ts', tsText, 'typescript', returned, 'journal_mode=WAL', scope);
  assert.equal(
    applyEdits(tsFix!.edits, () => tsText).get('src/app.ts'),
    "import Database from 'better-sqlite3';\nfunction open() {\n  const db = 1;\n  const database = new Database('a.sqlite');\n  database.pragma('journal_mode = WAL');\n  return database;\n}\n",
  );
});

test('names read by an expression, from its text: strings, comments, template holes, Rust raw strings and chars', () => {
  const reads = (text: string, rust: boolean) => identifierReads(text, 0, text.length, rust);
  assert.deepEqual(reads('(session.name, "id = ?", `x ${key} y`, 1e5, obj?.field, { status, limit: max }) // id', false), [
    'session',
    'key',
    'obj',
    'status',
    'limit',
    'max',
  ]);
  assert.deepEqual(reads("('it\\'s id', /* id */ a . b, 0x1F, x2)", false), ['a', 'x2']);
  assert.deepEqual(reads('(&delta, r#"SELECT "q" id"#, \'c\', b"id", \'\\n\', x.0, self.pool, Foo::bar(y) /* z */)', true), [
    'delta',
    'x',
    'self',
    'Foo',
    'bar',
    'y',
  ]);
  // Unterminated literals and comments end the scan instead of running past the range.
  assert.deepEqual(reads('(a, "open', false), ['a']);
  assert.deepEqual(reads('(a, r#"open', true), ['a']);
  assert.deepEqual(reads('(a /* open', true), ['a']);
});
