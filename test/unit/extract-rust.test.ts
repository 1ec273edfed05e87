import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { extractRust } from '../../server/engine/extract/rust';
import type { ExtractedSql, FileFacts, OffsetRange } from '../../server/engine/types';

function extract(text: string, options: { root?: string; path?: string } = {}): Promise<FileFacts> {
  return extractRust({ path: options.path ?? 'src/db.rs', language: 'rust', text }, { root: options.root });
}

function slice(text: string, range: OffsetRange): string {
  return text.slice(range.start, range.end);
}

function rangeOf(text: string, needle: string, occurrence = 0): OffsetRange {
  let start = -1;
  for (let i = 0; i <= occurrence; i++) start = text.indexOf(needle, start + 1);
  assert.ok(start >= 0, `${needle} not found`);
  return { start, end: start + needle.length };
}

function assertMapsWord(statement: ExtractedSql, text: string, word: string, from = statement.range.start): void {
  const sqlOffset = statement.sql.indexOf(word);
  assert.ok(sqlOffset >= 0, `${word} not in ${statement.sql}`);
  assert.equal(statement.sqlToFile?.(sqlOffset), text.indexOf(word, from), `offset of ${word}`);
}

function summary(facts: FileFacts): Array<[string, string, string, string | undefined, string | undefined]> {
  return facts.statements.map((s) => [s.sql, s.role, s.certainty, s.call?.method, s.enclosingFunction]);
}

/** A temporary workspace with the given files; removed after the test. */
function workspace(t: { after: (fn: () => void) => void }, files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-rust-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  return root;
}

// Seed 003: vibe-kanban's log model on sqlx, with type overrides in quoted aliases.
const SEED_003 = `use sqlx::SqlitePool;
use uuid::Uuid;

impl ExecutionProcessLogs {
    pub async fn find_by_execution_id(pool: &SqlitePool, execution_id: Uuid) -> Result<Vec<Self>, sqlx::Error> {
        sqlx::query_as!(
            ExecutionProcessLogs,
            r#"SELECT execution_id as "execution_id!: Uuid", logs, byte_size, inserted_at as "inserted_at!: DateTime<Utc>"
               FROM execution_process_logs
               WHERE execution_id = $1
               ORDER BY inserted_at ASC"#,
            execution_id
        )
        .fetch_all(pool)
        .await
    }

    pub async fn count(pool: &SqlitePool) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar!("SELECT count(*) as \\"n!\\" FROM execution_process_logs").fetch_one(pool).await
    }

    pub async fn append(pool: &SqlitePool, id: Uuid, line: &str) -> Result<(), sqlx::Error> {
        query!("INSERT INTO execution_process_logs (execution_id, logs, byte_size) VALUES (?, ?, ?)", id, line, 1)
            .execute(pool)
            .await?;
        Ok(())
    }
}

pub async fn runtime(pool: &SqlitePool, id: Uuid) {
    let rows = sqlx::query_as::<_, Row>("SELECT * FROM execution_process_logs WHERE execution_id = ?")
        .bind(id)
        .fetch_all(pool)
        .await;
    sqlx::query("DELETE FROM execution_process_logs WHERE execution_id = ?1").bind(id).execute(pool).await;
    sqlx::raw_sql("CREATE INDEX IF NOT EXISTS idx_logs_execution ON execution_process_logs(execution_id)").execute(pool).await;
    sqlx::migrate!("./migrations").run(pool).await;
}
`;

test('sqlx: query_as! with raw strings and type overrides, query_scalar!, query!, query/query_as::<_, T>/raw_sql', async () => {
  const text = SEED_003;
  const facts = await extract(text);
  assert.equal(facts.language, 'rust');
  assert.equal(facts.skippedDialect, undefined);
  const logsQuery =
    'SELECT execution_id as "execution_id!: Uuid", logs, byte_size, inserted_at as "inserted_at!: DateTime<Utc>"\n' +
    '               FROM execution_process_logs\n' +
    '               WHERE execution_id = $1\n' +
    '               ORDER BY inserted_at ASC';
  assert.deepEqual(summary(facts), [
    [logsQuery, 'query', 'executed', 'query_as', 'ExecutionProcessLogs::find_by_execution_id'],
    ['SELECT count(*) as "n!" FROM execution_process_logs', 'query', 'executed', 'query_scalar', 'ExecutionProcessLogs::count'],
    [
      'INSERT INTO execution_process_logs (execution_id, logs, byte_size) VALUES (?, ?, ?)',
      'query',
      'executed',
      'query',
      'ExecutionProcessLogs::append',
    ],
    ['SELECT * FROM execution_process_logs WHERE execution_id = ?', 'query', 'executed', 'query_as', 'runtime'],
    ['DELETE FROM execution_process_logs WHERE execution_id = ?1', 'query', 'executed', 'query', 'runtime'],
    [
      'CREATE INDEX IF NOT EXISTS idx_logs_execution ON execution_process_logs(execution_id)',
      'schema',
      'executed',
      'raw_sql',
      'runtime',
    ],
  ]);
  const [logs, count, , runtimeQuery] = facts.statements;
  assert.equal(slice(text, logs.range), `r#"${logsQuery}"#`);
  assert.deepEqual(logs.literal, {
    range: logs.range,
    contentRange: { start: logs.range.start + 3, end: logs.range.end - 2 },
    quote: 'r#"',
    prefix: '',
  });
  assert.ok(slice(text, logs.call!.range).startsWith('sqlx::query_as!(\n            ExecutionProcessLogs,'));
  assert.ok(slice(text, logs.call!.range).endsWith('execution_id\n        )'));
  assertMapsWord(logs, text, 'ORDER BY');
  assertMapsWord(logs, text, '"inserted_at!: DateTime<Utc>"');

  // Escaped quotes decode, and offsets after them still map exactly.
  assert.deepEqual(count.range, rangeOf(text, '"SELECT count(*) as \\"n!\\" FROM execution_process_logs"'));
  assertMapsWord(count, text, 'FROM');
  assert.equal(count.literal?.quote, '"');

  assert.deepEqual(runtimeQuery.range, rangeOf(text, '"SELECT * FROM execution_process_logs WHERE execution_id = ?"'));
  assert.equal(slice(text, runtimeQuery.call!.range), `sqlx::query_as::<_, Row>(${slice(text, runtimeQuery.range)})`);
});

test('rusqlite: execute, prepare, prepare_cached, query_row, execute_batch; names, consts, Self:: paths, concat!, format!', async () => {
  const text = `use rusqlite::{params, Connection};

const BY_SENDER: &str = "SELECT id FROM messages WHERE sender = ?1";
static UNREAD: &'static str = concat!("SELECT id FROM messages ", "WHERE read_at IS NULL");

struct Store;

impl Store {
    const COUNT: &'static str = r"SELECT count(*) FROM messages";

    fn run(&self, conn: &Connection, table: &str, sql: &str) -> rusqlite::Result<()> {
        conn.execute("UPDATE messages SET read_at = ?1 WHERE id = ?2", params![1, 2])?;
        let mut by_sender = conn.prepare(BY_SENDER)?;
        let mut unread = conn.prepare_cached(UNREAD)?;
        let n: i64 = conn.query_row(Self::COUNT, [], |row| row.get(0))?;
        let local = "SELECT body FROM messages WHERE id = :id";
        conn.query_row(local, &[(":id", &1)], |row| row.get::<_, String>(0))?;
        conn.execute(&format!("DELETE FROM {} WHERE id = ?", table), [])?;
        conn.execute(sql, [])?;
        let mut grown = String::from("SELECT * FROM messages");
        grown.push_str(" WHERE id = 1");
        conn.prepare(&grown)?;
        let owned = "SELECT 1 FROM messages".to_string();
        conn.prepare(owned.as_str())?;
        let rows = by_sender.query_map(params!["a"], |row| row.get::<_, i64>(0))?;
        Ok(())
    }
}
`;
  const facts = await extract(text);
  assert.deepEqual(summary(facts), [
    ['SELECT id FROM messages WHERE sender = ?1', 'query', 'executed', 'prepare', 'Store::run'],
    ['SELECT id FROM messages WHERE read_at IS NULL', 'query', 'executed', 'prepare_cached', 'Store::run'],
    ['SELECT count(*) FROM messages', 'query', 'executed', 'query_row', 'Store::run'],
    ['UPDATE messages SET read_at = ?1 WHERE id = ?2', 'query', 'executed', 'execute', 'Store::run'],
    ['SELECT body FROM messages WHERE id = :id', 'query', 'executed', 'query_row', 'Store::run'],
    ['DELETE FROM ?  WHERE id = ?', 'query', 'executed', 'execute', 'Store::run'],
    ['SELECT 1 FROM messages', 'query', 'executed', 'prepare', 'Store::run'],
  ]);
  const [bySender, unread, count, , , dynamic] = facts.statements;
  assert.deepEqual(bySender.range, rangeOf(text, '"SELECT id FROM messages WHERE sender = ?1"'));
  assert.deepEqual(bySender.call?.range, rangeOf(text, 'conn.prepare(BY_SENDER)'));
  // concat!: one statement on the macro, mapped piece by piece.
  assert.equal(slice(text, unread.range), 'concat!("SELECT id FROM messages ", "WHERE read_at IS NULL")');
  assertMapsWord(unread, text, 'WHERE read_at');
  assert.deepEqual(unread.literal?.contentRange, rangeOf(text, 'WHERE read_at IS NULL'));
  // r"…": the raw prefix on a plain quote.
  assert.deepEqual(count.literal, {
    range: rangeOf(text, 'r"SELECT count(*) FROM messages"'),
    contentRange: rangeOf(text, 'SELECT count(*) FROM messages'),
    quote: '"',
    prefix: 'r',
  });
  // format!: `{}` becomes a padded `?`, `{{`/`}}` would be braces; the SQL is dynamic.
  assert.equal(dynamic.dynamic, true);
  assert.equal(slice(text, dynamic.range), 'format!("DELETE FROM {} WHERE id = ?", table)');
  assert.equal(dynamic.sqlToFile?.(dynamic.sql.indexOf('?')), text.indexOf('{}'));
});

test('schema.rs: version-gated DDL constants are schema in source order; unused DDL is constant; down is ignored', async () => {
  const text = `const SCHEMA_V1: &str = "
    CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, sender TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS idx_messages_sender ON messages(sender);
";
const MIGRATION_V2: &str = r#"ALTER TABLE messages ADD COLUMN read_at INTEGER"#;
const MIGRATION_V3: &str = "ALTER TABLE messages ADD COLUMN \\
                            recipient TEXT";
const HELP: &str = "Create a message by typing";

pub fn migrate(conn: &Connection) -> Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if version < 1 {
        conn.execute_batch(SCHEMA_V1)?;
    }
    if version < 2 {
        conn.execute_batch(MIGRATION_V2)?;
    }
    Ok(())
}

pub fn down(conn: &Connection) -> Result<()> {
    conn.execute_batch("DROP TABLE messages")
}
`;
  const facts = await extract(text);
  assert.deepEqual(summary(facts), [
    [
      '\n    CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, sender TEXT NOT NULL);\n' +
        '    CREATE INDEX IF NOT EXISTS idx_messages_sender ON messages(sender);\n',
      'schema',
      'executed',
      'execute_batch',
      'migrate',
    ],
    ['ALTER TABLE messages ADD COLUMN read_at INTEGER', 'schema', 'executed', 'execute_batch', 'migrate'],
    // A line continuation drops the newline and the next line's indentation.
    ['ALTER TABLE messages ADD COLUMN recipient TEXT', 'schema', 'constant', undefined, undefined],
    ['PRAGMA user_version', 'query', 'executed', 'query_row', 'migrate'],
  ]);
  const [v1, v2, v3] = facts.statements;
  assert.deepEqual(v1.literal, {
    range: v1.range,
    contentRange: { start: v1.range.start + 1, end: v1.range.end - 1 },
    quote: '"',
    prefix: '',
  });
  assert.equal(slice(text, v2.range), 'r#"ALTER TABLE messages ADD COLUMN read_at INTEGER"#');
  assert.equal(v2.literal?.quote, 'r#"');
  assertMapsWord(v3, text, 'recipient');
});

test('query_file!: the SQL comes from the file relative to the crate root; missing files and no root give nothing', async (t) => {
  const root = workspace(t, {
    'crates/db/Cargo.toml': '[package]\nname = "db"\n\n[dependencies]\nsqlx = { version = "0.8", features = ["sqlite"] }\n',
    'crates/db/queries/logs_by_execution.sql': '\uFEFFSELECT * FROM execution_process_logs WHERE execution_id = ?\n',
  });
  // Next to the workspace, not in it: never read.
  const outside = path.join(path.dirname(root), `${path.basename(root)}-outside.sql`);
  fs.writeFileSync(outside, 'SELECT 1 FROM outside_table');
  t.after(() => fs.rmSync(outside, { force: true }));
  const text = `async fn logs(pool: &SqlitePool, id: Uuid) {
    let rows = sqlx::query_file_as!(Log, "queries/logs_by_execution.sql", id).fetch_all(pool).await;
    let missing = sqlx::query_file!("queries/missing.sql").fetch_all(pool).await;
    let outside = sqlx::query_file!("../../../${path.basename(outside)}").fetch_all(pool).await;
}
`;
  const file = 'crates/db/src/models/logs.rs';
  const facts = await extract(text, { root, path: file });
  assert.equal(facts.statements.length, 1);
  const [statement] = facts.statements;
  assert.equal(statement.sql, 'SELECT * FROM execution_process_logs WHERE execution_id = ?\n');
  assert.deepEqual(statement.range, rangeOf(text, '"queries/logs_by_execution.sql"'));
  assert.equal(statement.role, 'query');
  assert.equal(statement.call?.method, 'query_file_as');
  assert.equal(statement.enclosingFunction, 'logs');
  assert.equal(statement.literal, undefined);
  assert.equal(statement.sqlToFile?.(7), statement.range.start);
  assert.equal(statement.sqlToFile?.(statement.sql.length), statement.range.end);

  assert.deepEqual((await extract(text, { path: file })).statements, []);
});

test('dialect: crates on PostgreSQL or MySQL are skipped; SQLite, mixed and manifest-less crates are not', async (t) => {
  const query = 'fn f(c: &Client) { c.execute("SELECT * FROM users WHERE id = 1", &[]); }\n';
  const cases: Array<[string, Record<string, string>, string | undefined]> = [
    ['sqlx postgres', { 'Cargo.toml': '[dependencies]\nsqlx = { version = "0.8", features = ["runtime-tokio", "postgres"] }\n' }, 'Cargo.toml depends on sqlx with the "postgres" feature and not "sqlite" (PostgreSQL)'],
    ['sqlx mysql table', { 'Cargo.toml': '[dependencies.sqlx]\nversion = "0.8"\nfeatures = [\n  "mysql",\n]\n' }, 'Cargo.toml depends on sqlx with the "mysql" feature and not "sqlite" (MySQL)'],
    ['tokio-postgres', { 'Cargo.toml': '[dependencies]\ntokio-postgres = "0.7"\n' }, 'Cargo.toml depends on tokio-postgres (PostgreSQL) and no SQLite driver'],
    ['diesel postgres', { 'Cargo.toml': '[dependencies]\ndiesel = { version = "2", features = ["postgres"] }\n' }, 'Cargo.toml depends on diesel with the "postgres" feature and not "sqlite" (PostgreSQL)'],
    ['postgres and rusqlite', { 'Cargo.toml': '[dependencies]\npostgres = "0.19"\nrusqlite = "0.31"\n' }, undefined],
    ['sqlx sqlite', { 'Cargo.toml': '[dependencies]\nsqlx = { version = "0.8", features = ["postgres", "sqlite"] }\n' }, undefined],
    ['sqlx without a database feature', { 'Cargo.toml': '[dependencies]\nsqlx = "0.8"\n' }, undefined],
    ['no manifest', {}, undefined],
    ['garbage manifest', { 'Cargo.toml': '\u0000[[[ = = "postgres' }, undefined],
    [
      'workspace-inherited features',
      {
        'Cargo.toml': '[workspace.dependencies]\nsqlx = { version = "0.8", features = ["postgres"] }\n',
        'crates/Cargo.toml': '[package]\nname = "not-the-workspace"\n',
        'crates/app/Cargo.toml': '[package]\nname = "app"\n\n[dependencies]\nsqlx = { workspace = true, features = ["uuid"] }\n',
      },
      'crates/app/Cargo.toml depends on sqlx with the "postgres" feature and not "sqlite" (PostgreSQL)',
    ],
  ];
  for (const [name, files, reason] of cases) {
    const root = workspace(t, files);
    const file = files['crates/app/Cargo.toml'] ? 'crates/app/src/lib.rs' : 'src/lib.rs';
    const facts = await extract(query, { root, path: file });
    assert.equal(facts.skippedDialect, reason, name);
    assert.equal(facts.statements.length, reason ? 0 : 1, name);
  }
});

test('dialect: a changed Cargo.toml is read again', async (t) => {
  const root = workspace(t, { 'Cargo.toml': '[dependencies]\nrusqlite = "0.31"\n' });
  const query = 'fn f(c: &Connection) { c.execute("DELETE FROM users", []); }\n';
  assert.equal((await extract(query, { root })).skippedDialect, undefined);
  const manifest = path.join(root, 'Cargo.toml');
  fs.writeFileSync(manifest, '[dependencies]\npostgres = "0.19"\n');
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(manifest, later, later);
  assert.equal((await extract(query, { root })).skippedDialect, 'Cargo.toml depends on postgres (PostgreSQL) and no SQLite driver');
});

test('suppressions, byte strings, prose and non-SQL macros', async () => {
  const text = `// planlens: ignore[missing-index]
fn f(conn: &Connection) {
    /* planlens: ignore */ conn.execute("DELETE FROM t WHERE a = 1", [])?;
    conn.execute(b"SELECT 1", []);
    let label = "Select a user";
    println!("CREATE TABLE {}", name);
    cache.get("select");
    conn.execute("select", []);
    /// planlens is doc text, not a directive
}
`;
  const facts = await extract(text);
  assert.deepEqual(facts.suppressions, [
    { line: 0, rules: ['missing-index'] },
    { line: 2, rules: [] },
  ]);
  assert.deepEqual(facts.statements.map((s) => s.sql), ['DELETE FROM t WHERE a = 1']);
});

test('bad input: half-typed code, unterminated strings and raw strings, garbage, a huge file: no throw', async () => {
  // Complete statements around the one being typed survive.
  const halfTyped =
    'fn f(conn: &Connection) {\n    conn.execute("DELETE FROM t WHERE a = ?1", [])?;\n    let x = conn.prep\n}\n' +
    'fn g(conn: &Connection) {\n    conn.execute("DELETE FROM u", [])?;\n    conn.execute("SELECT\n}\n';
  assert.deepEqual(
    (await extract(halfTyped)).statements.map((s) => [s.sql, s.enclosingFunction]),
    [
      ['DELETE FROM t WHERE a = ?1', 'f'],
      ['DELETE FROM u', 'g'],
    ],
  );

  for (const broken of [
    'fn f() { sqlx::query!(r#"SELECT * FROM t',
    'fn f() { conn.execute("SELECT * FROM t WHERE a = ',
    'const SCHEMA: &str = r##"CREATE TABLE t (a)"#;',
    'fn f() { sqlx::query_file!("',
    '\u0000 select }}} r#" create table {{{ "',
    'fn f() { conn.execute("SELECT \\',
    '',
  ]) {
    const result = await extract(broken, { root: os.tmpdir() });
    assert.deepEqual(result.statements, [], broken);
  }

  const lines: string[] = [];
  for (let i = 0; i < 5000; i++) {
    lines.push(`pub fn q${i}(c: &Connection) { c.execute("UPDATE t${i % 50} SET a = 1 WHERE c${i % 7} = ?1", [1]); }`);
  }
  const started = Date.now();
  const huge = await extract(lines.join('\n'));
  assert.equal(huge.statements.length, 5000);
  assert.equal(huge.statements[4999].sql, 'UPDATE t49 SET a = 1 WHERE c1 = ?1');
  assert.equal(huge.statements[4999].enclosingFunction, 'q4999');
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
});
