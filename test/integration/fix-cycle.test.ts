// The fix cycle, end to end through analyzeWorkspace: finding → apply its fix → check again. Every fix must make
// its finding disappear, offer nothing more, refuse to apply twice, keep every existing statement intact (nothing
// lands in a comment or breaks a string), keep the file's style, and leave Python that still compiles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze as analyzeAll, applyFix, assertPythonCompiles, copyFixture, removeWorkspace, textAt, where } from '../helpers/workspace';
import { prepareWorkspace, type PreparedWorkspace } from '../../server/engine/analyze';
import { DEFAULT_CONFIG, mergeConfig } from '../../server/engine/config';
import { indexFix } from '../../server/engine/fixes/indexFix';
import { detectMigrationsFolder } from '../../server/engine/schema/order';
import { maskSqlText } from '../../server/engine/sql/dialect';
import { splitSqlStatements } from '../../server/engine/sql/split';
import type { AnalysisResult, Finding, Fix } from '../../server/engine/types';

type Files = Record<string, string>;

/** The rules whose findings index fixes answer; workload rules that may also fire on these fixtures are not under test. */
const INDEX_RULES = new Set(['missing-index', 'incomplete-index', 'temp-sort', 'redundant-index', 'sql-error']);

async function analyze(root: string): Promise<AnalysisResult> {
  const result = await analyzeAll(root);
  return { ...result, findings: result.findings.filter((finding) => INDEX_RULES.has(finding.ruleId)) };
}
type TestContext = { after(fn: () => void): void };

function workspaceFrom(t: TestContext, files: Files): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-fix-cycle-'));
  t.after(() => removeWorkspace(root));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  return root;
}

function read(root: string, file: string): string {
  return fs.readFileSync(path.join(root, file), 'utf8');
}

async function prepared<T>(root: string, use: (workspace: PreparedWorkspace) => T): Promise<T> {
  const workspace = await prepareWorkspace(root, mergeConfig(DEFAULT_CONFIG, {}));
  try {
    return use(workspace);
  } finally {
    workspace.db.close();
  }
}

/** Every statement the extractors see, schema split into single statements, without comments, normalised and sorted. */
function statementInventory(workspace: PreparedWorkspace): string[] {
  const normalise = (sql: string) => {
    const withoutComments = maskSqlText(sql)
      .comments.reverse()
      .reduce((text, comment) => text.slice(0, comment.start) + ' ' + text.slice(comment.end), sql);
    return withoutComments.replace(/\s+/g, ' ').trim().toLowerCase();
  };
  const all: string[] = [];
  for (const facts of workspace.facts.values()) {
    for (const statement of facts.statements) {
      if (statement.role === 'query') all.push(normalise(statement.sql));
      else all.push(...splitSqlStatements(statement.sql).map((span) => normalise(span.text)));
    }
  }
  return all.filter((sql) => sql !== '').sort();
}

interface Cycle {
  root: string;
  finding: Finding;
  fix: Fix;
  after: AnalysisResult;
}

/**
 * Runs the cycle for the finding on the query containing `query`: exactly one fix; after applying it the query
 * has no finding and nothing offers that index again; indexFix on the patched text gives nothing; the
 * statements are the old ones plus the new DDL (and `alsoAdded`, e.g. a down migration's DROP INDEX).
 */
async function fixCycle(root: string, query: string, alsoAdded: string[] = []): Promise<Cycle> {
  const before = await analyze(root);
  const finding = before.findings.find((candidate) => candidate.suggestion && textAt(before, candidate).includes(query));
  assert.ok(finding, `no finding with a suggestion on ${query}: ${before.findings.map((f) => where(before, f)).join(', ')}`);
  assert.equal(finding.fixes.length, 1, `expected one fix on ${query}`);
  const [fix] = finding.fixes;
  const suggestion = finding.suggestion!;
  const statementsBefore = await prepared(root, statementInventory);

  applyFix(root, fix);
  for (const edit of fix.edits) if (edit.file.endsWith('.py')) assertPythonCompiles(path.join(root, edit.file));

  const after = await analyze(root);
  const onQuery = after.findings.filter((candidate) => textAt(after, candidate).includes(query));
  assert.deepEqual(onQuery.map((f) => f.ruleId), [], `the finding on ${query} is still there: ${onQuery.map((f) => f.message).join('; ')}`);
  assert.deepEqual(after.findings.filter((f) => f.suggestion?.name === suggestion.name).map((f) => where(after, f)), []);
  assert.deepEqual(after.notes.filter((note) => note.level !== 'info' || /skipped/.test(note.message)), []);

  await prepared(root, (workspace) => {
    const table = workspace.db.tables.get(suggestion.table.toLowerCase());
    assert.ok(table, `table ${suggestion.table} after the fix`);
    const env = { readText: (file: string) => workspace.texts.get(file), statementsOf: (file: string) => workspace.facts.get(file)?.statements ?? [] };
    assert.equal(indexFix(suggestion, table, env), undefined, 'a second application must add nothing');
    assert.ok(table.indexes.some((index) => index.name === suggestion.name), `${suggestion.name} exists after the fix`);
    const expected = [...statementsBefore, suggestion.ddl.toLowerCase(), ...alsoAdded].sort();
    assert.deepEqual(statementInventory(workspace), expected);
  });
  return { root, finding, fix, after };
}

const USERS_TABLE = 'CREATE TABLE users (\n    id INTEGER PRIMARY KEY,\n    email TEXT NOT NULL,\n    name TEXT\n);\n';
const USERS_QUERY = 'SELECT * FROM users WHERE email = ?';
const QUERIES = { 'app/queries.sql': `-- Queries the app runs.\n${USERS_QUERY};\n` };
const USERS_DDL = 'CREATE INDEX IF NOT EXISTS idx_users_email ON users(email)';

// ---------------------------------------------------------------------------------------------
// migrations folders

test('zero-padded numbered migrations: 0007 → 0008_add_<index>.sql', async (t) => {
  const root = workspaceFrom(t, {
    ...QUERIES,
    'db/migrations/0001_init.sql': USERS_TABLE,
    'db/migrations/0007_posts.sql': 'CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER);\n',
  });
  const { fix, after } = await fixCycle(root, USERS_QUERY);
  assert.equal(fix.title, 'Add index idx_users_email ON users(email) in db/migrations/0008_add_idx_users_email.sql');
  assert.deepEqual(fix.edits, [{ kind: 'create', file: 'db/migrations/0008_add_idx_users_email.sql', text: `${USERS_DDL};\n` }]);
  assert.deepEqual(after.findings, []);
});

test('plain numbers 1 … 12: the new file is 13, after 12 in natural order', async (t) => {
  const files: Files = { ...QUERIES, 'schema/1_init.sql': USERS_TABLE };
  for (let n = 2; n <= 12; n++) files[`schema/${n}_t${n}.sql`] = `CREATE TABLE t${n} (id INTEGER PRIMARY KEY);\n`;
  const root = workspaceFrom(t, files);
  const { fix } = await fixCycle(root, USERS_QUERY);
  assert.deepEqual(fix.edits, [{ kind: 'create', file: 'schema/13_add_idx_users_email.sql', text: `${USERS_DDL};\n` }]);
});

test('timestamps: a clock behind the newest migration still sorts last', async (t) => {
  const root = workspaceFrom(t, {
    ...QUERIES,
    'migrations/20240101120000_init.sql': USERS_TABLE,
    'migrations/20991231235959_from_the_future.sql': 'CREATE TABLE posts (id INTEGER PRIMARY KEY);\n',
  });
  const { fix } = await fixCycle(root, USERS_QUERY);
  assert.deepEqual(fix.edits.map((edit) => edit.file), ['migrations/20991231235960_add_idx_users_email.sql']);
});

test('Flyway: V3__ → V4__, repeatable R__ files do not get in the way', async (t) => {
  const root = workspaceFrom(t, {
    ...QUERIES,
    'db/sql/V1__init.sql': USERS_TABLE,
    'db/sql/V3__posts.sql': 'CREATE TABLE posts (id INTEGER PRIMARY KEY);\n',
    'db/sql/R__views.sql': 'CREATE VIEW IF NOT EXISTS named_users AS SELECT id, name FROM users;\n',
  });
  const { fix } = await fixCycle(root, USERS_QUERY);
  assert.deepEqual(fix.edits, [{ kind: 'create', file: 'db/sql/V4__add_idx_users_email.sql', text: `${USERS_DDL};\n` }]);
});

test('up/down pairs: a new .up.sql with CREATE INDEX and a .down.sql with DROP INDEX', async (t) => {
  const root = workspaceFrom(t, {
    ...QUERIES,
    'migrations/0001_init.up.sql': USERS_TABLE,
    'migrations/0001_init.down.sql': 'DROP TABLE users;\n',
  });
  const { fix, after } = await fixCycle(root, USERS_QUERY, ['drop index if exists idx_users_email']);
  assert.deepEqual(fix.edits, [
    { kind: 'create', file: 'migrations/0002_add_idx_users_email.up.sql', text: `${USERS_DDL};\n` },
    { kind: 'create', file: 'migrations/0002_add_idx_users_email.down.sql', text: 'DROP INDEX IF EXISTS idx_users_email;\n' },
  ]);
  // The down file is never applied: the index stays.
  assert.deepEqual(after.findings, []);
});

test('CRLF and lowercase migrations: the new file uses CRLF and lowercase keywords, down file too', async (t) => {
  const root = workspaceFrom(t, {
    ...QUERIES,
    'migrations/001_init.up.sql': 'create table users (\r\n  id integer primary key,\r\n  email text not null\r\n);\r\n',
    'migrations/001_init.down.sql': 'drop table users;\r\n',
  });
  const { fix } = await fixCycle(root, USERS_QUERY, ['drop index if exists idx_users_email']);
  assert.deepEqual(fix.edits, [
    {
      kind: 'create',
      file: 'migrations/002_add_idx_users_email.up.sql',
      text: 'create index if not exists idx_users_email on users(email);\r\n',
    },
    { kind: 'create', file: 'migrations/002_add_idx_users_email.down.sql', text: 'drop index if exists idx_users_email;\r\n' },
  ]);
});

test('lowercase keywords: DESC and quoted names keep their meaning', async (t) => {
  const root = workspaceFrom(t, {
    'app/queries.sql': 'select * from "order" where status = ? order by placed_at desc;\n',
    'migrations/0001_init.sql': '-- Create the tables\ncreate table "order" (\n  id integer primary key,\n  status text,\n  placed_at text\n);\n',
    'migrations/0002_more.sql': 'create table other (id integer primary key);\n',
  });
  const { fix } = await fixCycle(root, 'from "order"');
  assert.deepEqual(fix.edits, [
    {
      kind: 'create',
      file: 'migrations/0003_add_idx_order_status_placed_at_desc.sql',
      text: 'create index if not exists idx_order_status_placed_at_desc on "order"(status, placed_at desc);\n',
    },
  ]);
});

test('Prisma: migrations/<stamp>_name/migration.sql folders get a new folder, sorted last', async (t) => {
  const root = workspaceFrom(t, {
    ...QUERIES,
    'prisma/migrations/20240101000000_init/migration.sql': USERS_TABLE,
    'prisma/migrations/20990101000000_future/migration.sql': 'CREATE TABLE posts (id INTEGER PRIMARY KEY);\n',
    'prisma/migrations/migration_lock.toml': 'provider = "sqlite"\n',
  });
  assert.deepEqual(
    detectMigrationsFolder(['prisma/migrations/20240101000000_init/migration.sql', 'prisma/migrations/20990101000000_future/migration.sql']).map(
      (folder) => folder.dir,
    ),
    ['prisma/migrations'],
  );
  const { fix, after } = await fixCycle(root, USERS_QUERY);
  assert.deepEqual(fix.edits, [
    { kind: 'create', file: 'prisma/migrations/20990101000001_add_idx_users_email/migration.sql', text: `${USERS_DDL};\n` },
  ]);
  assert.deepEqual(after.findings, []);
});

test('Diesel: <yyyy-mm-dd-hhmmss>_name/up.sql folders get up.sql and down.sql', async (t) => {
  const root = workspaceFrom(t, {
    ...QUERIES,
    'migrations/2099-01-01-000000_create_users/up.sql': USERS_TABLE,
    'migrations/2099-01-01-000000_create_users/down.sql': 'DROP TABLE users;\n',
  });
  const { fix } = await fixCycle(root, USERS_QUERY, ['drop index if exists idx_users_email']);
  assert.deepEqual(fix.edits, [
    { kind: 'create', file: 'migrations/2099-01-01-000001_add_idx_users_email/up.sql', text: `${USERS_DDL};\n` },
    { kind: 'create', file: 'migrations/2099-01-01-000001_add_idx_users_email/down.sql', text: 'DROP INDEX IF EXISTS idx_users_email;\n' },
  ]);
});

test('a migrations folder of plain names: the index goes after the table in the file that creates it', async (t) => {
  const root = workspaceFrom(t, { ...QUERIES, 'db/migrations/schema.sql': USERS_TABLE });
  const { fix } = await fixCycle(root, USERS_QUERY);
  assert.equal(read(root, 'db/migrations/schema.sql'), `${USERS_TABLE.trimEnd()}\n${USERS_DDL};\n`);
  assert.equal(fix.title, 'Add index idx_users_email ON users(email) in db/migrations/schema.sql');
});

test('a table created in an unversioned file that runs after the numbered ones: no new number that would run first', async (t) => {
  const root = workspaceFrom(t, {
    ...QUERIES,
    'migrations/0001_a.sql': 'CREATE TABLE a (id INTEGER PRIMARY KEY);\n',
    'migrations/0002_b.sql': 'CREATE TABLE b (id INTEGER PRIMARY KEY);\n',
    'migrations/users.sql': USERS_TABLE,
  });
  const { fix } = await fixCycle(root, USERS_QUERY);
  assert.deepEqual(fix.edits.map((edit) => edit.file), ['migrations/users.sql']);
});

// ---------------------------------------------------------------------------------------------
// a single schema file

test('schema file: after the table’s last CREATE INDEX, past its trailing comment, with its indentation', async (t) => {
  const root = copyFixture('fix-schema-file');
  t.after(() => removeWorkspace(root));
  const original = read(root, 'db/schema.sql');
  const { fix } = await fixCycle(root, USERS_QUERY);
  assert.equal(fix.title, 'Add index idx_users_email ON users(email) in db/schema.sql');
  assert.equal(
    read(root, 'db/schema.sql'),
    original.replace(
      '  CREATE INDEX idx_users_created ON users(created_at); -- recent signups\n',
      `  CREATE INDEX idx_users_created ON users(created_at); -- recent signups\n  ${USERS_DDL};\n`,
    ),
  );
});

test('schema file: a table without indexes gets it right after its CREATE TABLE', async (t) => {
  const root = copyFixture('fix-schema-file');
  t.after(() => removeWorkspace(root));
  const original = read(root, 'db/schema.sql');
  await fixCycle(root, 'FROM posts');
  assert.equal(
    read(root, 'db/schema.sql'),
    original.replace(
      '    title TEXT\n  );\n',
      '    title TEXT\n  );\n  CREATE INDEX IF NOT EXISTS idx_posts_author_id ON posts(author_id);\n',
    ),
  );
});

test('schema file: a semicolon on its own line, after a block comment, stays the terminator', async (t) => {
  const root = copyFixture('fix-schema-file');
  t.after(() => removeWorkspace(root));
  const original = read(root, 'db/schema.sql');
  await fixCycle(root, 'FROM tags');
  assert.equal(
    read(root, 'db/schema.sql'),
    original.replace('label TEXT)\n  ;\n', 'label TEXT)\n  ;\n  CREATE INDEX IF NOT EXISTS idx_tags_post_id ON tags(post_id);\n'),
  );
});

test('schema file: a last statement without semicolon gets one, outside its trailing comment', async (t) => {
  const root = copyFixture('fix-schema-file');
  t.after(() => removeWorkspace(root));
  await fixCycle(root, 'FROM audit');
  assert.equal(
    read(root, 'db/legacy.sql'),
    'CREATE TABLE audit (\n\tid INTEGER PRIMARY KEY,\n\tactor TEXT NOT NULL\n); -- written by the legacy importer, no semicolon\n' +
      'CREATE INDEX IF NOT EXISTS idx_audit_actor ON audit(actor);',
  );
});

test('schema file: every fix of the fixture, one after another, leaves nothing to fix', async (t) => {
  const root = copyFixture('fix-schema-file');
  t.after(() => removeWorkspace(root));
  for (const query of ['FROM tags', 'FROM audit', USERS_QUERY, 'FROM posts']) await fixCycle(root, query);
  assert.deepEqual((await analyze(root)).findings, []);
});

test('schema file: CRLF, tabs and lowercase are kept; a block comment opened after the statement is not entered', async (t) => {
  const schema =
    'create table users (\r\n\tid integer primary key,\r\n\temail text\r\n);\r\n' +
    '\tcreate index idx_users_id_email on users(id, email); /* more indexes\r\n   will follow */\r\n';
  const root = workspaceFrom(t, { ...QUERIES, 'schema.sql': schema });
  await fixCycle(root, USERS_QUERY);
  assert.equal(
    read(root, 'schema.sql'),
    schema.replace('email); /*', 'email);\r\n\tcreate index if not exists idx_users_email on users(email); /*'),
  );
});

test('schema file: a file that already mentions the index offers no fix', async (t) => {
  const root = workspaceFrom(t, { ...QUERIES, 'schema.sql': `${USERS_TABLE}-- TODO: idx_users_email once signups grow\n` });
  const result = await analyze(root);
  assert.deepEqual(result.findings.map((f) => [where(result, f), f.fixes.length]), [['app/queries.sql:2:1 missing-index', 0]]);
});

// ---------------------------------------------------------------------------------------------
// Python: schema strings, execute calls, migration lists

const FIND_USER = '\n\ndef find_user(conn, email):\n    return conn.execute("SELECT * FROM users WHERE email = ?", (email,)).fetchall()\n';

async function pythonCycle(t: TestContext, source: string): Promise<{ patched: string; fix: Fix; after: AnalysisResult }> {
  const root = workspaceFrom(t, { 'app/db.py': source });
  const { fix, after } = await fixCycle(root, USERS_QUERY);
  return { patched: read(root, 'app/db.py'), fix, after };
}

test('Python SCHEMA run by executescript: appended before the closing quotes; a missing semicolon is added', async (t) => {
  const schema =
    'SCHEMA = """\nCREATE TABLE users (\n    id INTEGER PRIMARY KEY,\n    email TEXT NOT NULL\n);\n' +
    'CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER)\n"""\n\n\ndef init(conn):\n    conn.executescript(SCHEMA)\n';
  const { patched, fix, after } = await pythonCycle(t, schema + FIND_USER);
  assert.equal(fix.title, 'Add index idx_users_email ON users(email) in the schema string in app/db.py');
  assert.equal(
    patched,
    schema.replace('author_id INTEGER)\n"""', `author_id INTEGER);\n${USERS_DDL};\n"""`) + FIND_USER,
  );
  assert.deepEqual(after.findings, []);
});

test('Python executescript literal inside a function: the indentation of the statements, after trailing comments', async (t) => {
  const init =
    'def init(conn):\n    conn.executescript(\n        """\n        CREATE TABLE users (\n            id INTEGER PRIMARY KEY,\n' +
    '            email TEXT NOT NULL\n        );  -- users first\n        -- more tables later\n        """\n    )\n';
  const { patched } = await pythonCycle(t, init + FIND_USER);
  assert.equal(patched, init.replace('later\n', `later\n        ${USERS_DDL};\n`) + FIND_USER);
});

test('Python schema string before COMMIT: the index goes inside the transaction, on its own line', async (t) => {
  const init =
    "def init(conn):\n    conn.executescript('''\n        CREATE TABLE posts (id INTEGER PRIMARY KEY);\n        BEGIN;\n        CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);  -- v1\n        COMMIT;\n    ''')\n";
  const { patched } = await pythonCycle(t, init + FIND_USER);
  assert.equal(patched, init.replace('-- v1\n', `-- v1\n        ${USERS_DDL};\n`) + FIND_USER);
});

test('Python CRLF schema string: the new line uses CRLF', async (t) => {
  const init = 'SCHEMA = """\r\nCREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);\r\n"""\r\n\r\ndef init(conn):\r\n    conn.executescript(SCHEMA)\r\n';
  const find = FIND_USER.replace(/\n/g, '\r\n');
  const { patched } = await pythonCycle(t, init + find);
  assert.equal(patched, init.replace('TEXT);\r\n', `TEXT);\r\n${USERS_DDL};\r\n`) + find);
});

test('Python one-line schema strings: same line, escapes for the quote, \\n separators kept', async (t) => {
  const init =
    'def init(conn):\n    conn.executescript("CREATE TABLE \\"order\\" (id INTEGER PRIMARY KEY, customer TEXT);\\nCREATE TABLE other (id INTEGER PRIMARY KEY);\\n")\n' +
    '\n\ndef orders_of(conn, customer):\n    return conn.execute(\'SELECT * FROM "order" WHERE customer = ?\', (customer,)).fetchall()\n';
  const root = workspaceFrom(t, { 'app/db.py': init });
  await fixCycle(root, 'FROM "order"');
  assert.equal(
    read(root, 'app/db.py'),
    init.replace(
      'PRIMARY KEY);\\n")',
      'PRIMARY KEY);\\nCREATE INDEX IF NOT EXISTS idx_order_customer ON \\"order\\"(customer);\\n")',
    ),
  );
});

test('Python implicit concatenation: the index joins the last piece', async (t) => {
  const schema =
    'SCHEMA = (\n    "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);"\n    "CREATE TABLE posts (id INTEGER PRIMARY KEY)"\n)\n\n\ndef init(conn):\n    conn.executescript(SCHEMA)\n';
  const { patched } = await pythonCycle(t, schema + FIND_USER);
  assert.equal(patched, schema.replace('PRIMARY KEY)"\n)', `PRIMARY KEY); ${USERS_DDL};"\n)`) + FIND_USER);
});

test('Python single-statement execute: a sibling call on the next line, same receiver and await', async (t) => {
  const init =
    'import aiosqlite\n\n\nasync def init(db):\n    await db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL)")  # v1\n    await db.commit()\n' +
    '\n\nasync def find_user(db, email):\n    async with db.execute("SELECT * FROM users WHERE email = ?", (email,)) as cursor:\n        return await cursor.fetchall()\n';
  const root = workspaceFrom(t, { 'app/db.py': init });
  await fixCycle(root, USERS_QUERY);
  assert.equal(read(root, 'app/db.py'), init.replace('  # v1\n', `  # v1\n    await db.execute("${USERS_DDL}")\n`));
});

test('Python multi-line execute call with a triple-quoted CREATE TABLE, assigned: a plain sibling call after it', async (t) => {
  const init =
    "def init(conn):\n    cur = conn.cursor()\n    created = cur.execute(\n        '''\n        CREATE TABLE users (\n            id INTEGER PRIMARY KEY,\n            email TEXT NOT NULL\n        )\n        ''',\n    )\n    return created\n";
  const { patched } = await pythonCycle(t, init + FIND_USER);
  assert.equal(patched, init.replace("''',\n    )\n", `''',\n    )\n    cur.execute('${USERS_DDL}')\n`) + FIND_USER);
});

test('Python execute calls that are not statements of their own get no fix (the finding stays)', async (t) => {
  const sources = [
    'def init(conn):\n    results = [\n        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL)")\n    ]\n',
    'def init(conn):\n    return conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL)")\n',
    'def init(conn, ready):\n    if ready: conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL)")\n',
    'def init(conn):\n    conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL)"); conn.commit()\n',
    'def init(conn):\n    x = 1 + \\\n        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL)")\n',
    'CREATE_USERS = "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL)"\n\n\ndef init(conn):\n    conn.execute(CREATE_USERS)\n',
  ];
  for (const source of sources) {
    const root = workspaceFrom(t, { 'app/db.py': source + FIND_USER });
    const result = await analyze(root);
    assert.deepEqual(result.findings.map((f) => [where(result, f), f.fixes.length]), [[`app/db.py:${source.split('\n').length + 3}:25 missing-index`, 0]], source);
  }
});

test('Python f-string schema: the finding is reported, no fix is offered, nothing crashes', async (t) => {
  const schema = 'VERSION = 3\nSCHEMA = f"""\n-- schema version {VERSION}\nCREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n"""\n\n\ndef init(conn):\n    conn.executescript(SCHEMA)\n';
  const root = workspaceFrom(t, { 'app/db.py': schema + FIND_USER });
  const result = await analyze(root);
  assert.deepEqual(result.findings.map((f) => [where(result, f), f.fixes.length]), [['app/db.py:13:25 missing-index', 0]]);
});

const MIGRATE = '\n\ndef migrate(conn):\n    for statement in MIGRATIONS:\n        conn.execute(statement)\n';
const MIGRATE_ITEMS = '\n\ndef migrate(conn):\n    for _version, statement in sorted(MIGRATIONS.items()):\n        conn.execute(statement)\n';
const MIGRATE_PAIRS = '\n\ndef migrate(conn):\n    for _version, statement in MIGRATIONS:\n        conn.execute(statement)\n';

test('migration list of strings, no trailing comma, a comment after the last entry: comma added, comment kept', async (t) => {
  const list =
    'MIGRATIONS = [\n    "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL)",\n    \'ALTER TABLE users ADD COLUMN name TEXT\'  # v2\n]\n';
  const { patched, fix } = await pythonCycle(t, list + MIGRATE + FIND_USER);
  assert.equal(fix.title, 'Add index idx_users_email ON users(email) in a new entry of the migration list in app/db.py');
  assert.equal(patched, list.replace("TEXT'  # v2\n", `TEXT',  # v2\n    '${USERS_DDL}'\n`) + MIGRATE + FIND_USER);
});

test('migration list of (version, sql) tuples on one line: a new tuple with the next version', async (t) => {
  const list = 'MIGRATIONS = [(1, "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)"), (2, "ALTER TABLE users ADD COLUMN name TEXT")]\n';
  const { patched } = await pythonCycle(t, list + MIGRATE_PAIRS + FIND_USER);
  assert.equal(patched, list.replace('name TEXT")]', `name TEXT"), (3, "${USERS_DDL}")]`) + MIGRATE_PAIRS + FIND_USER);
});

test('migration dict with a trailing comma and triple-quoted entries: the block layout and indentation are kept', async (t) => {
  const dict =
    'MIGRATIONS = {\n    1: """\n        CREATE TABLE users (\n            id INTEGER PRIMARY KEY,\n            email TEXT NOT NULL\n        )\n    """,\n' +
    '    2: """\n        ALTER TABLE users ADD COLUMN name TEXT\n    """,\n}\n';
  const { patched } = await pythonCycle(t, dict + MIGRATE_ITEMS + FIND_USER);
  assert.equal(patched, dict.replace('    """,\n}', `    """,\n    3: """\n        ${USERS_DDL}\n    """,\n}`) + MIGRATE_ITEMS + FIND_USER);
});

test('migration dict on one line, no trailing comma, single quotes', async (t) => {
  const dict = "MIGRATIONS = {1: 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)', 2: 'ALTER TABLE users ADD COLUMN name TEXT'}\n";
  const { patched } = await pythonCycle(t, dict + MIGRATE_ITEMS + FIND_USER);
  assert.equal(patched, dict.replace("TEXT'}", `TEXT', 3: '${USERS_DDL}'}`) + MIGRATE_ITEMS + FIND_USER);
});

test('migration dict with string keys "0001" and raw strings: "0003", r"…"', async (t) => {
  const dict =
    'MIGRATIONS = {\n    "0001": r"CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)",\n    "0002": r"ALTER TABLE users ADD COLUMN name TEXT",\n}\n';
  const { patched } = await pythonCycle(t, dict + MIGRATE_ITEMS + FIND_USER);
  assert.equal(patched, dict.replace('TEXT",\n}', `TEXT",\n    "0003": r"${USERS_DDL}",\n}`) + MIGRATE_ITEMS + FIND_USER);
});

test('one-line list of tuples with a trailing comma and named versions', async (t) => {
  const list = "MIGRATIONS = [('v1', 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)'),]\n";
  const { patched } = await pythonCycle(t, list + MIGRATE_PAIRS + FIND_USER);
  assert.equal(patched, list.replace("TEXT)'),]", `TEXT)'), ('v2', '${USERS_DDL}'),]`) + MIGRATE_PAIRS + FIND_USER);
});

test('dict of statement lists: the new entry holds just the new statement', async (t) => {
  const dict =
    'MIGRATIONS = {\n    1: [\n        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL)",\n        "CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER)",\n    ],\n}\n';
  const migrate = '\n\ndef migrate(conn):\n    for _version, statements in sorted(MIGRATIONS.items()):\n        for statement in statements:\n            conn.execute(statement)\n';
  const { patched } = await pythonCycle(t, dict + migrate + FIND_USER);
  assert.equal(patched, dict.replace('    ],\n}', `    ],\n    2: [\n        "${USERS_DDL}",\n    ],\n}`) + migrate + FIND_USER);
});

test('migration list: quoted identifiers are escaped inside double-quoted entries; CRLF kept', async (t) => {
  const list =
    'MIGRATIONS = [\r\n    \'CREATE TABLE "order" (id INTEGER PRIMARY KEY, customer TEXT)\',\r\n    "ALTER TABLE \\"order\\" ADD COLUMN note TEXT",\r\n]\r\n';
  const query = '\r\n\r\ndef orders_of(conn, customer):\r\n    return conn.execute(\'SELECT * FROM "order" WHERE customer = ?\', (customer,)).fetchall()\r\n';
  const root = workspaceFrom(t, { 'app/db.py': list + MIGRATE.replace(/\n/g, '\r\n') + query });
  await fixCycle(root, 'FROM "order"');
  assert.equal(
    read(root, 'app/db.py'),
    list.replace('TEXT",\r\n]', 'TEXT",\r\n    "CREATE INDEX IF NOT EXISTS idx_order_customer ON \\"order\\"(customer)",\r\n]') +
      MIGRATE.replace(/\n/g, '\r\n') +
      query,
  );
});

test('Python lowercase DDL gets lowercase DDL, in a schema string and in a sibling execute call', async (t) => {
  const schema = "SCHEMA = '''\ncreate table users (id integer primary key, email text);\n'''\n\n\ndef init(conn):\n    conn.executescript(SCHEMA)\n";
  const { patched } = await pythonCycle(t, schema + FIND_USER);
  assert.equal(patched, schema.replace('text);\n', 'text);\ncreate index if not exists idx_users_email on users(email);\n') + FIND_USER);

  const call = "def init(conn):\n    conn.execute('create table users (id integer primary key, email text)')\n";
  const second = await pythonCycle(t, call + FIND_USER);
  assert.equal(second.patched, call + "    conn.execute('create index if not exists idx_users_email on users(email)')\n" + FIND_USER);
});
