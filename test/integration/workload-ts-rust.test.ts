// Workload rules on TypeScript/JavaScript and Rust: N+1 in `for…of`, through a prepared statement and in
// `Promise.all(ids.map(…))`; writes per row without a transaction (silent inside `db.transaction(…)`); polling
// loops; connection settings of better-sqlite3, node:sqlite, sqlx and rusqlite with fixes in each driver's idiom,
// applied until the finding is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze, applyFix, copyFixture, removeWorkspace, textAt, where } from '../helpers/workspace';
import type { AnalysisResult, Finding } from '../../server/engine/types';

const WORKLOAD_RULES = ['n-plus-one', 'write-in-loop', 'count-aggregation', 'pragma-config'];

function summary(result: AnalysisResult, rules = WORKLOAD_RULES): string[] {
  return result.findings.filter((finding) => rules.includes(finding.ruleId)).map((finding) => where(result, finding));
}

function only(result: AnalysisResult, location: string): Finding {
  const found = result.findings.filter((finding) => where(result, finding) === location);
  assert.equal(found.length, 1, `one finding at ${location}: ${summary(result).join(', ')}`);
  return found[0];
}

function workspace(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-workload-ts-rust-'));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  return root;
}

function edit(root: string, file: string, from: string, to: string): void {
  const absolute = path.join(root, file);
  const text = fs.readFileSync(absolute, 'utf8');
  assert.ok(text.includes(from), `${file} holds ${from}`);
  fs.writeFileSync(absolute, text.replace(from, to));
}

test('better-sqlite3: N+1 in for…of (prepared handle and inline), in Promise.all(ids.map(…)); a write per row; DELETE journal with a connection per call', async (t) => {
  const root = copyFixture('ts-workload');
  t.after(() => removeWorkspace(root));
  const result = await analyze(root);
  // Silent: the loop inside db.transaction(…), the polling `while (true)` with a sleep, the indexed lookups.
  assert.deepEqual(summary(result, [...WORKLOAD_RULES, 'missing-index', 'temp-sort', 'incomplete-index']), [
    'src/db.ts:8:13 pragma-config',
    'src/importer.js:9:5 write-in-loop',
    'src/routes.ts:8:20 n-plus-one',
    'src/routes.ts:14:44 n-plus-one',
    'src/users.ts:10:16 n-plus-one',
  ]);

  const handle = only(result, 'src/users.ts:10:16 n-plus-one');
  assert.equal(textAt(result, handle), 'userById.get(id)');
  assert.equal(
    handle.message,
    'N+1 query: `SELECT id, email, region FROM users WHERE id = ?` runs on every iteration of `for (const id of ids)`, with id ' +
      'in its arguments. Collect the keys first and run one query with IN (...) or a JOIN, then look rows up in a Map.',
  );
  assert.deepEqual(
    handle.related.map((related) => [related.file, result.texts.get(related.file)?.slice(related.range.start, related.range.end), related.message]),
    [
      ['src/users.ts', 'for (const id of ids)', 'the loop: for (const id of ids)'],
      ['src/users.ts', "'SELECT id, email, region FROM users WHERE id = ?'", 'the query'],
    ],
  );

  const inline = only(result, 'src/routes.ts:8:20 n-plus-one');
  assert.equal(textAt(result, inline), "db.prepare('SELECT id, total_cents FROM orders WHERE user_id = ?')");
  assert.match(inline.message, /^N\+1 query: `SELECT id, total_cents FROM orders WHERE user_id = \?` runs on every iteration of `for \(const userId of userIds\)`, with userId in its arguments\./);

  const mapped = only(result, 'src/routes.ts:14:44 n-plus-one');
  assert.equal(textAt(result, mapped), 'loadUser(id)');
  assert.equal(
    mapped.message,
    'N+1 query: `ids.map(async (id) => …)` calls loadUser(id) on every iteration, which runs `SELECT id, email FROM users ' +
      'WHERE id = ?` (in loadUser), with id in its arguments. Collect the keys first and run one query with IN (...) or a JOIN, ' +
      'then look rows up in a Map.',
  );
  assert.deepEqual(
    mapped.related.map((related) => [related.file, result.texts.get(related.file)?.slice(related.range.start, related.range.end)]),
    [
      ['src/routes.ts', 'ids.map(async (id) =>'],
      ['src/users.ts', 'loadUser'],
      ['src/users.ts', "'SELECT id, email FROM users WHERE id = ?'"],
    ],
  );

  const write = only(result, 'src/importer.js:9:5 write-in-loop');
  assert.equal(textAt(result, write), 'insert.run(line)');
  assert.equal(
    write.message,
    'Write in a loop: `INSERT INTO logs (line) VALUES (?)` runs on every iteration of `for (const line of lines)`. The connection ' +
      'is in autocommit mode, so each write is its own transaction with its own sync to disk. Batch it: wrap the loop in ' +
      'db.transaction(...) so all rows share one commit, or write one multi-row INSERT.',
  );

  const journal = only(result, 'src/db.ts:8:13 pragma-config');
  assert.equal(journal.severity, 'warning');
  assert.equal(textAt(result, journal), "'journal_mode = DELETE'");
  assert.equal(
    journal.message,
    'journal_mode=DELETE with concurrent access (a new connection on every call of openDb(), from 5 functions): a writer ' +
      'locks out every reader and readers hold off the writer. journal_mode=WAL lets readers and one writer work at the same time.',
  );
  assert.equal(journal.fixes.length, 1);
  applyFix(root, journal.fixes[0]);
  assert.ok(fs.readFileSync(path.join(root, 'src/db.ts'), 'utf8').includes("  db.pragma('journal_mode = WAL');\n"));
  const fixed = await analyze(root);
  assert.deepEqual(summary(fixed, ['pragma-config']), []);

  // Wrapping the loop in db.transaction(…), as the message says, silences the write.
  edit(
    root,
    'src/importer.js',
    '  for (const line of lines) {\n    insert.run(line);\n  }\n',
    '  db.transaction(() => {\n    for (const line of lines) {\n      insert.run(line);\n    }\n  })();\n',
  );
  assert.deepEqual(summary(await analyze(root), ['write-in-loop']), []);
});

test('better-sqlite3 and node:sqlite: a connection with nothing set gets a hint; the fix adds the pragma line once', async (t) => {
  const root = workspace({
    'schema.sql': 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n',
    'src/store.ts': `import Database from "better-sqlite3";

export const db = new Database("notes.db")
`,
    'src/cache.mjs': `import { DatabaseSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';

export function open() {
  return new DatabaseSync('cache.sqlite');
}

const memory = new DatabaseSync(':memory:');
`,
  });
  t.after(() => removeWorkspace(root));
  const before = await analyze(root);
  assert.deepEqual(summary(before), ['src/cache.mjs:5:10 pragma-config', 'src/store.ts:3:19 pragma-config']);
  const [nodeSqlite, better] = before.findings;
  assert.equal(better.severity, 'info');
  assert.match(better.message, /^This better-sqlite3 connection keeps SQLite's defaults: a rollback journal/);
  // Double quotes and no semicolon, like the statement it follows.
  assert.deepEqual(better.fixes[0].edits, [
    { kind: 'replace', file: 'src/store.ts', range: { start: 82, end: 82 }, newText: '\ndb.pragma("journal_mode = WAL")' },
  ]);
  assert.match(nodeSqlite.message, /\(threads in the same module\)/);
  assert.equal(nodeSqlite.fixes[0].title, 'Set journal_mode = WAL after new DatabaseSync()');
  applyFix(root, better.fixes[0]);
  applyFix(root, nodeSqlite.fixes[0]);
  assert.ok(
    fs.readFileSync(path.join(root, 'src/cache.mjs'), 'utf8').includes(
      "export function open() {\n  const db = new DatabaseSync('cache.sqlite');\n  db.exec('PRAGMA journal_mode = WAL');\n  return db;\n}\n",
    ),
  );
  // Now journal_mode is set: node:sqlite does not wait for locks by default, and the module starts threads.
  const middle = await analyze(root);
  assert.deepEqual(summary(middle), ['src/cache.mjs:5:14 pragma-config']);
  const busy = middle.findings[0];
  assert.equal(textAt(middle, busy), "new DatabaseSync('cache.sqlite')");
  assert.match(busy.message, /^busy_timeout is not set on a database with concurrent access \(threads in the same module\)/);
  applyFix(root, busy.fixes[0]);
  // Right after the connection is opened, like every added setting.
  assert.ok(
    fs
      .readFileSync(path.join(root, 'src/cache.mjs'), 'utf8')
      .includes("  const db = new DatabaseSync('cache.sqlite');\n  db.exec('PRAGMA busy_timeout = 5000');\n  db.exec('PRAGMA journal_mode = WAL');\n"),
  );
  assert.deepEqual(summary(await analyze(root)), []);
});

test('better-sqlite3: a zero timeout option with several connections is fixed in place; COUNTs in one function are found', async (t) => {
  const root = workspace({
    'schema.sql': `CREATE TABLE jobs (id INTEGER PRIMARY KEY, state TEXT NOT NULL);\n`,
    'src/jobs.ts': `import Database from 'better-sqlite3';
import { Worker } from 'worker_threads';

const db = new Database('jobs.db', { timeout: 0 });
db.pragma('journal_mode = WAL');

export function stats() {
  const queued = db.prepare("SELECT COUNT(*) FROM jobs WHERE state = 'queued'").pluck().get();
  const failed = db.prepare("SELECT COUNT(*) FROM jobs WHERE state = 'failed'").pluck().get();
  return { queued, failed };
}
`,
  });
  t.after(() => removeWorkspace(root));
  const before = await analyze(root);
  assert.deepEqual(summary(before), ['src/jobs.ts:4:38 pragma-config', 'src/jobs.ts:8:29 count-aggregation']);
  const [busy, counts] = before.findings;
  assert.equal(textAt(before, busy), 'timeout: 0');
  assert.match(busy.message, /^The connect timeout is 0 on a database with concurrent access \(threads in the same module\)/);
  assert.match(counts.message, /^2 COUNT queries on jobs in stats differ only in their WHERE/);
  applyFix(root, busy.fixes[0]);
  assert.ok(fs.readFileSync(path.join(root, 'src/jobs.ts'), 'utf8').includes("new Database('jobs.db', { timeout: 5000 })"));
  assert.deepEqual(summary(await analyze(root)), ['src/jobs.ts:8:29 count-aggregation']);
});

test('seed 003 (sqlx): WAL in place of DELETE, then NORMAL in place of FULL; the options keep compiling as one chain', async (t) => {
  const root = copyFixture('seed003-workload');
  t.after(() => removeWorkspace(root));
  const file = 'crates/db/src/lib.rs';
  const before = await analyze(root);
  const journal = only(before, `${file}:12:10 pragma-config`);
  assert.equal(textAt(before, journal), 'journal_mode(SqliteJournalMode::Delete)');
  assert.match(journal.message, /^journal_mode=DELETE with concurrent access \(a sqlx connection pool\)/);
  applyFix(root, journal.fixes[0]);
  // WAL with synchronous=FULL now syncs every commit: the next finding, fixed in place too.
  const middle = await analyze(root);
  assert.deepEqual(summary(middle, ['pragma-config']), [`${file}:13:10 pragma-config`]);
  assert.match(middle.findings.find((finding) => finding.ruleId === 'pragma-config')!.message, /^synchronous=FULL with journal_mode=WAL/);
  applyFix(root, middle.findings.find((finding) => finding.ruleId === 'pragma-config')!.fixes[0]);
  assert.ok(
    fs.readFileSync(path.join(root, file), 'utf8').includes(
      '        .journal_mode(SqliteJournalMode::Wal)\n        .synchronous(SqliteSynchronous::Normal);\n',
    ),
  );
  assert.deepEqual(summary(await analyze(root), ['pragma-config']), []);
});

test('sqlx: options with nothing set get .journal_mode(…) appended to the chain; a zero busy_timeout becomes 5000 ms', async (t) => {
  const root = workspace({
    'Cargo.toml': '[package]\nname = "app"\nversion = "0.1.0"\n\n[dependencies]\nsqlx = { version = "0.8", features = ["sqlite"] }\n',
    'migrations/0001_init.sql': 'CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT NOT NULL);\n',
    'src/db.rs': `use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::SqlitePool;

pub async fn pool(path: &str) -> Result<SqlitePool, sqlx::Error> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true);
    SqlitePoolOptions::new().connect_with(options).await
}

pub async fn strict(path: &str) -> Result<SqlitePool, sqlx::Error> {
    let options = SqliteConnectOptions::new().filename(path).busy_timeout(Duration::from_secs(0));
    SqlitePool::connect_with(options).await
}

pub async fn memory() -> Result<SqlitePool, sqlx::Error> {
    SqlitePool::connect("sqlite::memory:").await
}
`,
  });
  t.after(() => removeWorkspace(root));
  const before = await analyze(root);
  assert.deepEqual(summary(before), ['src/db.rs:7:19 pragma-config', 'src/db.rs:14:62 pragma-config']);
  const [hint, busy] = before.findings;
  assert.equal(hint.severity, 'info');
  assert.equal(textAt(before, hint), 'SqliteConnectOptions::new()');
  assert.equal(textAt(before, busy), 'busy_timeout(Duration::from_secs(0))');
  assert.match(busy.message, /^busy_timeout is 0 on a database with concurrent access \(a sqlx connection pool\)/);
  applyFix(root, hint.fixes[0]);
  // Offsets are of the analysed text: analyse again before the second fix in the same file.
  applyFix(root, only(await analyze(root), 'src/db.rs:15:62 pragma-config').fixes[0]);
  const patched = fs.readFileSync(path.join(root, 'src/db.rs'), 'utf8');
  assert.ok(
    patched.includes(
      '        .create_if_missing(true)\n        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);\n',
    ),
    patched,
  );
  assert.ok(patched.includes('.busy_timeout(Duration::from_millis(5000));'), patched);
  assert.deepEqual(summary(await analyze(root)), []);
});

test('rusqlite: a write through a prepared statement per row, N+1 in an iterator closure; polling, queue and transaction loops stay silent', async (t) => {
  const root = workspace({
    'Cargo.toml': '[package]\nname = "store"\nversion = "0.1.0"\n\n[dependencies]\nrusqlite = "0.31"\n',
    'src/schema.rs': `pub const SCHEMA: &str = "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);";\n`,
    'src/store.rs': `use std::sync::mpsc::Receiver;
use std::thread;
use std::time::Duration;

use rusqlite::{params, Connection, Result};

pub fn open(path: &str) -> Result<Connection> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "DELETE")?;
    Ok(conn)
}

pub struct Store {
    conn: Connection,
}

impl Store {
    fn name_of(&self, id: i64) -> Result<String> {
        self.conn.query_row("SELECT name FROM items WHERE id = ?1", [id], |row| row.get(0))
    }

    pub fn names(&self, ids: &[i64]) -> Vec<String> {
        ids.iter().map(|id| self.name_of(*id).unwrap_or_default()).collect()
    }

    pub fn save_all(&self, names: &[String]) -> Result<()> {
        let mut insert = self.conn.prepare("INSERT INTO items (name) VALUES (?1)")?;
        for name in names {
            insert.execute(params![name])?;
        }
        Ok(())
    }

    pub fn save_batched(&mut self, names: &[String]) -> Result<()> {
        let tx = self.conn.transaction()?;
        for name in names {
            tx.execute("INSERT INTO items (name) VALUES (?1)", params![name])?;
        }
        tx.commit()
    }

    pub fn watch(&self) {
        loop {
            let _ = self.name_of(1);
            thread::sleep(Duration::from_secs(5));
        }
    }

    pub fn consume(&self, rx: Receiver<String>) {
        while let Ok(name) = rx.recv() {
            let _ = self.conn.execute("INSERT INTO items (name) VALUES (?1)", [name]);
        }
    }
}
`,
  });
  t.after(() => removeWorkspace(root));
  const before = await analyze(root);
  assert.deepEqual(summary(before), ['src/store.rs:9:10 pragma-config', 'src/store.rs:23:29 n-plus-one', 'src/store.rs:29:13 write-in-loop']);
  const [journal, mapped, write] = before.findings;
  assert.equal(textAt(before, mapped), 'self.name_of(*id)');
  assert.equal(
    mapped.message,
    'N+1 query: `ids.iter().map(|id| …)` calls self.name_of(*id) on every iteration, which runs `SELECT name FROM items WHERE ' +
      'id = ?1` (in Store::name_of), with id in its arguments. Collect the keys first and run one query with IN (...) or a JOIN, ' +
      'then look rows up in a HashMap.',
  );
  assert.equal(textAt(before, write), 'insert.execute(params![name])');
  assert.match(
    write.message,
    /^Write in a loop: `INSERT INTO items \(name\) VALUES \(\?1\)` runs on every iteration of `for name in names`\. The connection is in autocommit mode, .* Batch it: run the loop in one transaction \(conn\.transaction\(\), then tx\.commit\(\)\) with one prepared statement, or write one multi-row INSERT\.$/,
  );
  assert.equal(textAt(before, journal), 'pragma_update(None, "journal_mode", "DELETE")');
  assert.match(journal.message, /^journal_mode=DELETE with concurrent access \(threads in the same module\)/);
  applyFix(root, journal.fixes[0]);
  assert.ok(fs.readFileSync(path.join(root, 'src/store.rs'), 'utf8').includes('conn.pragma_update(None, "journal_mode", "WAL")?;'));
  assert.deepEqual(summary(await analyze(root), ['pragma-config']), []);
});

test('rusqlite: Connection::open with nothing set gets pragma_update after it, with the same error handling', async (t) => {
  const root = workspace({
    'Cargo.toml': '[package]\nname = "cli"\nversion = "0.1.0"\n\n[dependencies]\nrusqlite = "0.31"\n',
    'src/main.rs': `use rusqlite::Connection;

fn main() {
    let conn = Connection::open("app.db").unwrap(); // the app's database
    let scratch = Connection::open_in_memory().unwrap();
    conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY)", []).unwrap();
}
`,
  });
  t.after(() => removeWorkspace(root));
  const before = await analyze(root);
  assert.deepEqual(summary(before), ['src/main.rs:4:16 pragma-config']);
  assert.equal(before.findings[0].fixes[0].title, 'Set PRAGMA journal_mode=WAL after Connection::open');
  applyFix(root, before.findings[0].fixes[0]);
  assert.ok(
    fs
      .readFileSync(path.join(root, 'src/main.rs'), 'utf8')
      .includes('    let conn = Connection::open("app.db").unwrap(); // the app\'s database\n    conn.pragma_update(None, "journal_mode", "WAL").unwrap();\n'),
  );
  assert.deepEqual(summary(await analyze(root)), []);
});
