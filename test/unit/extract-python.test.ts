import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractPython } from '../../server/engine/extract/python';
import { parseSuppression } from '../../server/engine/extract/suppressions';
import { getParser, withSyntaxTree } from '../../server/engine/extract/treeSitter';
import type { ExtractedSql, OffsetRange } from '../../server/engine/types';

function extract(text: string) {
  return extractPython({ path: 'app/db.py', language: 'python', text });
}

function slice(text: string, range: OffsetRange): string {
  return text.slice(range.start, range.end);
}

/** Asserts that `word` (first occurrence in the SQL) maps to its first occurrence in the file at or after `from`. */
function assertMapsWord(statement: ExtractedSql, text: string, word: string, from: number): void {
  const sqlOffset = statement.sql.indexOf(word);
  assert.ok(sqlOffset >= 0, `${word} not in ${statement.sql}`);
  assert.ok(statement.sqlToFile, 'sqlToFile is set');
  const fileOffset = statement.sqlToFile(sqlOffset);
  assert.equal(fileOffset, text.indexOf(word, from), `offset of ${word}`);
  assert.equal(text.slice(fileOffset, fileOffset + word.length), word);
}

// Seed 000: an aiosqlite database class with a versioned migrations dict.
const SEED_000 = `import aiosqlite

SCHEMA_VERSION = 3

MIGRATIONS = {
    1: """
        CREATE TABLE IF NOT EXISTS sessions (
            id TEXT PRIMARY KEY,
            parent_session_id TEXT,
            archived INTEGER NOT NULL DEFAULT 0,
            created_at TEXT
        )
    """,
    2: "CREATE INDEX IF NOT EXISTS idx_sessions_parent_session ON sessions(parent_session_id)",
    # v3 adds titles
    3: "ALTER TABLE sessions ADD COLUMN title TEXT",
}


class Database:
    def __init__(self, path: str):
        self.path = path
        self.connection = None

    async def migrate(self):
        for version, sql in sorted(MIGRATIONS.items()):
            await self.connection.execute(sql)

    async def count_children(self, parent_session_id: str) -> int:
        async with self.connection.execute(
            """
            SELECT COUNT(*) FROM sessions
            WHERE parent_session_id = ? AND archived = 0
            """,
            (parent_session_id,),
        ) as cursor:
            row = await cursor.fetchone()
            return row[0]

    async def get_last_child_created(self, parent_session_id: str):
        query = "SELECT MAX(created_at) FROM sessions WHERE parent_session_id = ? AND archived = 0"
        async with self.connection.execute(query, (parent_session_id,)) as cursor:
            return await cursor.fetchone()
`;

test('seed 000: the aiosqlite query, a name-bound query, and each migration entry', async () => {
  const facts = await extract(SEED_000);
  assert.equal(facts.file, 'app/db.py');
  assert.equal(facts.language, 'python');
  assert.deepEqual(
    facts.statements.map((s) => [s.role, s.certainty]),
    [
      ['schema', 'constant'],
      ['schema', 'constant'],
      ['schema', 'constant'],
      ['query', 'executed'],
      ['query', 'executed'],
    ],
  );
  const [create, index, alter, countChildren, lastChild] = facts.statements;

  assert.equal(
    create.sql,
    `
        CREATE TABLE IF NOT EXISTS sessions (
            id TEXT PRIMARY KEY,
            parent_session_id TEXT,
            archived INTEGER NOT NULL DEFAULT 0,
            created_at TEXT
        )
    `,
  );
  assert.equal(slice(SEED_000, create.range), `"""${create.sql}"""`);
  assert.equal(index.sql, 'CREATE INDEX IF NOT EXISTS idx_sessions_parent_session ON sessions(parent_session_id)');
  assert.equal(slice(SEED_000, index.range), `"${index.sql}"`);
  assert.equal(alter.sql, 'ALTER TABLE sessions ADD COLUMN title TEXT');

  // All three share the dict as their migration container, with entries and keys as written.
  const container = create.migrationContainer;
  assert.ok(container);
  assert.equal(container.kind, 'dict');
  assert.ok(slice(SEED_000, container.range).startsWith('{\n    1: """'));
  assert.ok(slice(SEED_000, container.range).endsWith('TEXT",\n}'));
  assert.deepEqual(container.entries.map((entry) => entry.key), ['1', '2', '3']);
  assert.equal(slice(SEED_000, container.entries[1].range), `2: "${index.sql}"`);
  assert.equal(slice(SEED_000, container.entries[2].range), `3: "${alter.sql}"`);
  assert.deepEqual(index.migrationContainer, container);
  assert.deepEqual(alter.migrationContainer, container);
  assert.equal(create.call, undefined);
  assert.equal(create.enclosingFunction, undefined);

  // The literal's style, for fixes that write into it.
  assert.deepEqual(create.literal, {
    range: create.range,
    contentRange: { start: create.range.start + 3, end: create.range.end - 3 },
    quote: '"""',
    prefix: '',
  });
  assert.equal(index.literal?.quote, '"');

  // count_children: the triple-quoted literal inside `async with self.connection.execute(...) as cursor`.
  assert.equal(
    countChildren.sql,
    `
            SELECT COUNT(*) FROM sessions
            WHERE parent_session_id = ? AND archived = 0
            `,
  );
  assert.equal(slice(SEED_000, countChildren.range), `"""${countChildren.sql}"""`);
  assert.equal(countChildren.call?.method, 'execute');
  assert.ok(countChildren.call);
  const callText = slice(SEED_000, countChildren.call.range);
  assert.ok(callText.startsWith('self.connection.execute(\n'));
  assert.ok(callText.endsWith('(parent_session_id,),\n        )'));
  assert.equal(countChildren.enclosingFunction, 'Database.count_children');
  assert.equal(countChildren.dynamic, undefined);
  assertMapsWord(countChildren, SEED_000, 'archived', countChildren.range.start);
  assertMapsWord(countChildren, SEED_000, 'parent_session_id', countChildren.range.start);

  // get_last_child_created: `query` is resolved to its closest preceding assignment.
  assert.equal(lastChild.sql, 'SELECT MAX(created_at) FROM sessions WHERE parent_session_id = ? AND archived = 0');
  assert.equal(slice(SEED_000, lastChild.range), `"${lastChild.sql}"`);
  assert.equal(lastChild.enclosingFunction, 'Database.get_last_child_created');
  assert.ok(lastChild.call && slice(SEED_000, lastChild.call.range).startsWith('self.connection.execute(query,'));
  assertMapsWord(lastChild, SEED_000, 'archived', lastChild.range.start);

  // migrate() runs `sql` from a for loop: unresolvable, so nothing beyond the entries themselves.
  assert.equal(facts.statements.filter((s) => s.enclosingFunction === 'Database.migrate').length, 0);
});

// Seed 001: sqlite3 stats queries inside a dict literal, a module-level query constant, and prose.
const SEED_001 = `import sqlite3
import logging

logger = logging.getLogger(__name__)
DB_PATH = "data/assigner/assigner.db"

NEXT_PROMPT_QUERY = """
    SELECT id, content, priority FROM prompts
    WHERE status = 'pending'
    ORDER BY priority DESC, created_at ASC
    LIMIT 1
"""


class AssignerDatabase:
    """Select prompts and assign them. Create tables on first use."""

    def _get_conn(self):
        return sqlite3.connect(DB_PATH)

    def init_schema(self):
        with self._get_conn() as conn:
            conn.executescript("""
                CREATE TABLE IF NOT EXISTS prompts (
                    id INTEGER PRIMARY KEY,
                    content TEXT NOT NULL,
                    status TEXT DEFAULT 'pending',
                    priority INTEGER DEFAULT 0,
                    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
                );
                CREATE INDEX IF NOT EXISTS idx_prompts_status_priority ON prompts(status, priority, created_at);
            """)

    def get_next_prompt(self):
        with self._get_conn() as conn:
            return conn.execute(NEXT_PROMPT_QUERY).fetchone()

    def get_stats(self):
        with self._get_conn() as conn:
            stats = {
                "pending_prompts": conn.execute("SELECT COUNT(*) FROM prompts WHERE status = 'pending'").fetchone()[0],
                "active_assignments": conn.execute("SELECT COUNT(*) FROM prompts WHERE status IN ('assigned', 'in_progress')").fetchone()[0],
                "total_sessions": conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0],
            }
            return stats

    def menu(self):
        print("Select an option:")
        choice = input("Select a prompt to delete: ")
        logger.info("Update complete for %s", choice)
        logger.warning("Create table failed, retrying")
        return choice
`;

test('seed 001: stats queries inside a dict literal, a module constant, an executescript schema; prose is ignored', async () => {
  const facts = await extract(SEED_001);
  assert.deepEqual(
    facts.statements.map((s) => [s.role, s.certainty, s.call?.method, s.enclosingFunction]),
    [
      ['query', 'executed', 'execute', 'AssignerDatabase.get_next_prompt'],
      ['schema', 'executed', 'executescript', 'AssignerDatabase.init_schema'],
      ['query', 'executed', 'execute', 'AssignerDatabase.get_stats'],
      ['query', 'executed', 'execute', 'AssignerDatabase.get_stats'],
      ['query', 'executed', 'execute', 'AssignerDatabase.get_stats'],
    ],
  );
  const [next, schema, pending, active, sessions] = facts.statements;

  // The constant is reported at its definition; the call is where it runs.
  assert.equal(slice(SEED_001, next.range), `"""${next.sql}"""`);
  assert.ok(next.sql.includes('ORDER BY priority DESC, created_at ASC'));
  assert.ok(next.call && slice(SEED_001, next.call.range) === 'conn.execute(NEXT_PROMPT_QUERY)');
  assertMapsWord(next, SEED_001, 'created_at ASC', next.range.start);

  // One schema statement holding both DDL statements, mapped exactly across the whole literal.
  assert.ok(schema.sql.trimStart().startsWith('CREATE TABLE IF NOT EXISTS prompts ('));
  assert.ok(schema.sql.trimEnd().endsWith('ON prompts(status, priority, created_at);'));
  assert.equal(slice(SEED_001, schema.range), `"""${schema.sql}"""`);
  assertMapsWord(schema, SEED_001, 'idx_prompts_status_priority', schema.range.start);
  assert.equal(schema.migrationContainer, undefined);

  assert.equal(pending.sql, "SELECT COUNT(*) FROM prompts WHERE status = 'pending'");
  assert.equal(slice(SEED_001, pending.range), `"${pending.sql}"`);
  assert.equal(active.sql, "SELECT COUNT(*) FROM prompts WHERE status IN ('assigned', 'in_progress')");
  assert.equal(sessions.sql, 'SELECT COUNT(*) FROM sessions');
  assert.ok(pending.call && slice(SEED_001, pending.call.range) === `conn.execute("${pending.sql}")`);
  assertMapsWord(active, SEED_001, 'in_progress', active.range.start);

  // Nothing from the docstring, the DB path, print/input/log messages.
  for (const statement of facts.statements) {
    assert.ok(!/Select an|Update complete|Create table failed|assigner\.db|Select prompts/.test(statement.sql));
  }
});

test('concatenation, escapes and %s rewriting keep every SQL offset mapped to the file', async () => {
  const text = `def find(conn, name):
    return conn.execute(
        "SELECT id FROM users\\t"  # the table
        'WHERE name = %s AND note = \\'it\\\\s\\' '
        "AND archived = 0",
        (name,),
    )
`;
  const [statement, ...rest] = (await extract(text)).statements;
  assert.equal(rest.length, 0);
  assert.equal(statement.sql, "SELECT id FROM users\tWHERE name = ?  AND note = 'it\\s' AND archived = 0");
  assert.equal(
    slice(text, statement.range),
    `"SELECT id FROM users\\t"  # the table\n        'WHERE name = %s AND note = \\'it\\\\s\\' '\n        "AND archived = 0"`,
  );
  assert.equal(statement.role, 'query');
  assert.equal(statement.enclosingFunction, 'find');
  const map = statement.sqlToFile!;
  assertMapsWord(statement, text, 'archived', 0);
  assertMapsWord(statement, text, 'WHERE', 0);
  assertMapsWord(statement, text, 'note', 0);
  // The `?` stands where `%s` was; the tab and the quote map to their escape sequences.
  assert.equal(text.slice(map(statement.sql.indexOf('?')), map(statement.sql.indexOf('?')) + 2), '%s');
  assert.equal(text.slice(map(statement.sql.indexOf('\t')), map(statement.sql.indexOf('\t')) + 2), '\\t');
  assert.equal(text.slice(map(statement.sql.indexOf("'")), map(statement.sql.indexOf("'")) + 2), "\\'");
  assert.equal(map(statement.sql.indexOf('s\'')), text.indexOf('\\\\s') + 2);
  // Literal info: the first piece as a whole, the last piece's content.
  assert.deepEqual(statement.literal, {
    range: { start: statement.range.start, end: statement.range.start + '"SELECT id FROM users\\t"'.length },
    contentRange: { start: text.indexOf('AND archived'), end: text.indexOf('AND archived') + 'AND archived = 0'.length },
    quote: '"',
    prefix: '',
  });
});

test('f-strings: holes become same-length ? placeholders and mark the SQL dynamic', async () => {
  const text = `def page(conn, user, limit):
    conn.execute(f"SELECT * FROM t WHERE owner = {user.id} AND tag = '{{x}}' LIMIT {limit!r}")
`;
  const [statement] = (await extract(text)).statements;
  // `{user.id}` and `{limit!r}` (9 characters each) become `?` and 8 spaces.
  assert.equal(statement.sql, "SELECT * FROM t WHERE owner = ?         AND tag = '{x}' LIMIT ?        ");
  assert.equal(statement.dynamic, true);
  assert.equal(statement.literal?.prefix, 'f');
  assertMapsWord(statement, text, 'LIMIT', 0);
  assertMapsWord(statement, text, 'AND tag', 0);
  const map = statement.sqlToFile!;
  assert.equal(text[map(statement.sql.indexOf('?'))], '{');
  assert.equal(text.slice(map(statement.sql.indexOf('{x}')), map(statement.sql.indexOf('{x}') + 1)), '{{');
});

test('literal forms: + of literals in parentheses, raw strings, strip/dedent wrappers; bytes are skipped', async () => {
  const text = `import textwrap
def queries(conn):
    conn.execute(("SELECT a FROM t " + "WHERE b = ?"), (1,))
    conn.execute(r"SELECT a FROM t WHERE b LIKE '\\d%'")
    conn.execute(textwrap.dedent("""
        SELECT c FROM t
    """))
    conn.execute("  SELECT d FROM t  ".strip())
    conn.execute(b"SELECT e FROM t")
    conn.executemany(u'INSERT INTO t(a) VALUES (?)', rows)
`;
  const statements = (await extract(text)).statements;
  assert.deepEqual(
    statements.map((s) => [s.sql, slice(text, s.range), s.call?.method]),
    [
      ['SELECT a FROM t WHERE b = ?', '"SELECT a FROM t " + "WHERE b = ?"', 'execute'],
      ["SELECT a FROM t WHERE b LIKE '\\d%'", `r"SELECT a FROM t WHERE b LIKE '\\d%'"`, 'execute'],
      ['\n        SELECT c FROM t\n    ', '"""\n        SELECT c FROM t\n    """', 'execute'],
      ['  SELECT d FROM t  ', '"  SELECT d FROM t  "', 'execute'],
      ['INSERT INTO t(a) VALUES (?)', "u'INSERT INTO t(a) VALUES (?)'", 'executemany'],
    ],
  );
  assert.equal(statements[1].literal?.prefix, 'r');
  assert.equal(statements[4].literal?.prefix, 'u');
});

test('names: closest preceding local assignment, module constants defined later, class attributes; shadowing wins', async () => {
  const text = `Q_LATER_USER = "SELECT name FROM users WHERE id = ?"

def twice(conn):
    q = "SELECT 1 FROM a"
    q = "SELECT 2 FROM b"
    conn.execute(q)

def uses_later(conn):
    conn.execute(LATER)
    conn.execute(Q_LATER_USER)

def shadowed(conn, Q_LATER_USER):
    conn.execute(Q_LATER_USER)

class Repo:
    BY_ID = "SELECT * FROM repos WHERE id = ?"

    def __init__(self, db):
        self.db = db
        self.by_owner = "SELECT * FROM repos WHERE owner = ?"

    def get(self, repo_id):
        return self.db.conn.execute(self.BY_ID, (repo_id,))

    def get_again(self, repo_id):
        return self.db.conn.execute(Repo.BY_ID, (repo_id,))

    def owned(self, owner):
        return self.db.conn.execute(self.by_owner, (owner,))

def composed(conn):
    base = "SELECT a FROM t"
    conn.execute(base + " WHERE b = ?")

LATER = "DELETE FROM sessions WHERE archived = 1"
`;
  const statements = (await extract(text)).statements;
  assert.deepEqual(
    statements.map((s) => [s.sql, s.enclosingFunction]),
    [
      ['SELECT name FROM users WHERE id = ?', 'uses_later'],
      ['SELECT 2 FROM b', 'twice'],
      ['SELECT * FROM repos WHERE id = ?', 'Repo.get'],
      ['SELECT * FROM repos WHERE id = ?', 'Repo.get_again'],
      ['SELECT * FROM repos WHERE owner = ?', 'Repo.owned'],
      ['SELECT a FROM t WHERE b = ?', 'composed'],
      ['DELETE FROM sessions WHERE archived = 1', 'uses_later'],
    ],
  );
  for (const statement of statements) assert.equal(statement.certainty, 'executed');
  const composed = statements[5];
  assert.equal(slice(text, composed.range), 'base + " WHERE b = ?"');
  assertMapsWord(composed, text, 'FROM t', 0);
  assert.equal(composed.literal, undefined, 'no literal info when a piece lives elsewhere');
  assert.equal(slice(text, statements[1].range), '"SELECT 2 FROM b"');
});

test('dynamic SQL that cannot be resolved stays silent', async () => {
  const text = `def dynamic(conn, sql, table, make):
    conn.execute(sql)
    conn.execute(make())
    conn.execute("SELECT * FROM t WHERE id = %s" % table)
    conn.execute("SELECT * FROM {}".format(table))
    conn.execute("SELECT * FROM " + table)
    query = "SELECT * FROM t WHERE 1 = 1"
    query += " AND a = ?"
    conn.execute(query)
    built = "SELECT * FROM t WHERE id = ?".replace("id", table)
    conn.execute(built)
    conn.execute(*args)
    conn.execute(statement="SELECT 1")
    conn.execute()
    conn.execute("Hello world")
    executor.execute("Select the best option")
    run("SELECT 1 FROM nowhere")
`;
  assert.deepEqual((await extract(text)).statements, []);
});

test('SQLAlchemy text(): reported once, on the execute call when wrapped, and on text() alone otherwise', async () => {
  const text = `import sqlalchemy as sa
from sqlalchemy import text

def load(session, user_id):
    session.execute(text("SELECT * FROM users WHERE id = :id"), {"id": user_id})
    stmt = sa.text("DELETE FROM sessions WHERE archived = 1")
    session.execute(stmt)
    session.connection().exec_driver_sql("PRAGMA optimize")
    label = text("Select a file")
`;
  const statements = (await extract(text)).statements;
  assert.deepEqual(
    statements.map((s) => [s.sql, s.call?.method, s.call && slice(text, s.call.range).split('(')[0]]),
    [
      ['SELECT * FROM users WHERE id = :id', 'execute', 'session.execute'],
      ['DELETE FROM sessions WHERE archived = 1', 'text', 'sa.text'],
      ['PRAGMA optimize', 'exec_driver_sql', 'session.connection'],
    ],
  );
});

test('DDL as schema: SCHEMA constants, migration lists of strings and of (version, sql) tuples, source order', async () => {
  const text = `SCHEMA = """
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);
CREATE UNIQUE INDEX idx_users_email ON users(email);
"""

MIGRATIONS = ["CREATE TABLE a (x INTEGER)", "CREATE INDEX idx_a_x ON a(x)"]

VERSIONED = [
    (1, """CREATE TABLE b (y TEXT)"""),
    (2, "ALTER TABLE b ADD COLUMN z INTEGER"),
    (3, "UPDATE b SET z = 0"),
]

def make_table(name):
    return f"CREATE TABLE {name} (id INTEGER PRIMARY KEY)"

NOT_SCHEMA = ["Create a new user", "drop me a line", "CREATE TABLE %s (x)" % "t", "CREATE TABLE " + "c"]
`;
  const statements = (await extract(text)).statements;
  assert.deepEqual(
    statements.map((s) => [s.role, s.certainty, slice(text, s.range)]),
    [
      ['schema', 'constant', text.slice(text.indexOf('"""'), text.indexOf('"""\n\nMIGRATIONS') + 3)],
      ['schema', 'constant', '"CREATE TABLE a (x INTEGER)"'],
      ['schema', 'constant', '"CREATE INDEX idx_a_x ON a(x)"'],
      ['schema', 'constant', '"""CREATE TABLE b (y TEXT)"""'],
      ['schema', 'constant', '"ALTER TABLE b ADD COLUMN z INTEGER"'],
      ['schema', 'constant', 'f"CREATE TABLE {name} (id INTEGER PRIMARY KEY)"'],
      ['schema', 'constant', '"CREATE TABLE " + "c"'],
    ],
  );
  const [schema, listA, listB, tupleB, tupleAlter, dynamicTable, concatenated] = statements;
  assert.equal(schema.migrationContainer, undefined);
  assertMapsWord(schema, text, 'idx_users_email', 0);

  assert.equal(listA.migrationContainer?.kind, 'list');
  assert.equal(slice(text, listA.migrationContainer!.range), text.slice(text.indexOf('["CREATE'), text.indexOf(')"]') + 3));
  assert.deepEqual(
    listA.migrationContainer!.entries.map((entry) => [slice(text, entry.range), entry.key]),
    [
      ['"CREATE TABLE a (x INTEGER)"', undefined],
      ['"CREATE INDEX idx_a_x ON a(x)"', undefined],
    ],
  );
  assert.deepEqual(listB.migrationContainer, listA.migrationContainer);

  assert.equal(tupleB.migrationContainer?.kind, 'list');
  assert.deepEqual(
    tupleB.migrationContainer!.entries.map((entry) => [slice(text, entry.range), entry.key]),
    [
      ['(1, """CREATE TABLE b (y TEXT)""")', '1'],
      ['(2, "ALTER TABLE b ADD COLUMN z INTEGER")', '2'],
      ['(3, "UPDATE b SET z = 0")', '3'],
    ],
  );
  assert.deepEqual(tupleAlter.migrationContainer, tupleB.migrationContainer);

  assert.equal(dynamicTable.sql, 'CREATE TABLE ?      (id INTEGER PRIMARY KEY)'); // `{name}` → `?` + 5 spaces
  assert.equal(dynamicTable.dynamic, true);
  assert.equal(dynamicTable.enclosingFunction, 'make_table');
  // "CREATE TABLE " + "c" is a literal-only expression; that it is invalid SQL is the schema stage's business.
  assert.equal(concatenated.sql, 'CREATE TABLE c');
});

test('DDL that reaches an execute call is schema, executed, and emitted once even when run twice', async () => {
  const text = `SCHEMA = "CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT); CREATE INDEX IF NOT EXISTS idx_kv_v ON kv(v)"

def init(conn):
    conn.executescript(SCHEMA)
    conn.executescript(SCHEMA)
    conn.execute("create index if not exists idx_kv_k on kv(k)")
    conn.execute("DROP VIEW IF EXISTS kv_view")
`;
  const statements = (await extract(text)).statements;
  assert.deepEqual(
    statements.map((s) => [s.role, s.certainty, s.call?.method, slice(text, s.call!.range)]),
    [
      ['schema', 'executed', 'executescript', 'conn.executescript(SCHEMA)'],
      ['schema', 'executed', 'execute', 'conn.execute("create index if not exists idx_kv_k on kv(k)")'],
      ['schema', 'executed', 'execute', 'conn.execute("DROP VIEW IF EXISTS kv_view")'],
    ],
  );
  assert.equal(statements[0].sql, text.slice(10, text.indexOf('"\n')));
  assert.equal(statements[0].enclosingFunction, 'init');
});

test('a dict of version → list of statements uses the dict as the container', async () => {
  const text = `MIGRATIONS = {
    "0001": ["CREATE TABLE a (x)", "CREATE INDEX idx_a_x ON a(x)"],
    "0002": ["ALTER TABLE a ADD COLUMN y"],
}
`;
  const statements = (await extract(text)).statements;
  assert.equal(statements.length, 3);
  for (const statement of statements) {
    assert.equal(statement.migrationContainer?.kind, 'dict');
    assert.deepEqual(
      statement.migrationContainer!.entries.map((entry) => entry.key),
      ['"0001"', '"0002"'],
    );
  }
});

test('suppression comments: rule lists, all rules, combined directives; strings are not comments', async () => {
  const text = `def f(conn):
    # planlens: ignore[missing-index]
    conn.execute("SELECT a FROM t WHERE b = ?")
    conn.execute("SELECT c FROM t ORDER BY d")  # planlens: ignore[temp-sort, missing-index]
    x = 1  # type: ignore  # planlens: ignore
    y = "# planlens: ignore[sql-error]"
    # planlens: ignored
    #planlens:ignore[n-plus-one] the loop is bounded
`;
  const facts = await extract(text);
  assert.deepEqual(facts.suppressions, [
    { line: 1, rules: ['missing-index'] },
    { line: 3, rules: ['temp-sort', 'missing-index'] },
    { line: 4, rules: [] },
    { line: 7, rules: ['n-plus-one'] },
  ]);
});

test('parseSuppression takes the comment prefix as a parameter (TypeScript and Rust use //)', () => {
  assert.deepEqual(parseSuppression('// planlens: ignore[redundant-index]', 12, '//'), { line: 12, rules: ['redundant-index'] });
  assert.deepEqual(parseSuppression('// eslint-disable-line // planlens: ignore', 3, '//'), { line: 3, rules: [] });
  assert.equal(parseSuppression('// planlens: ignore-me', 3, '//'), undefined);
  assert.equal(parseSuppression('# planlens: ignore', 3, '//'), undefined);
  assert.equal(parseSuppression('// nothing to see', 3, '//'), undefined);
  assert.deepEqual(parseSuppression('# planlens: ignore[ , temp-sort,]', 0, '#'), { line: 0, rules: ['temp-sort'] });
});

test('bad input never throws: empty, half-typed code, unterminated strings, binary garbage', async () => {
  assert.deepEqual(await extract(''), { file: 'app/db.py', language: 'python', statements: [], suppressions: [] });

  const halfTyped = `def a(conn):
    conn.execute("SELECT * FROM t WHERE

def b(conn):
    conn.execute("SELECT x FROM u")

def c(conn):
    conn.execute(
        "SELECT y FROM v WHERE
    conn.execute("""SELECT z FROM w
`;
  const statements = (await extract(halfTyped)).statements;
  // Broken literals are never reported; the intact one still is.
  assert.deepEqual(
    statements.map((s) => s.sql),
    ['SELECT x FROM u'],
  );
  assert.equal(slice(halfTyped, statements[0].range), '"SELECT x FROM u"');

  let seed = 7;
  const garbage = Array.from({ length: 20000 }, () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return String.fromCharCode(seed % 256);
  }).join('');
  const withCode = `${garbage}\nconn.execute("SELECT 1 FROM t")\0\uFFFD${garbage}`;
  await assert.doesNotReject(extract(withCode));
  await assert.doesNotReject(extract('execute(\0\0\0"""CREATE TABLE'));
  await assert.doesNotReject(extract('x = "\\N{BROKEN" + "\\U99999999" + "\\x4" + "\\\n" f"{"\nexecute'));
});

test('a 2 MB module is handled and every query in it is found', async () => {
  const block = (i: number) => `
class Repo${i}:
    """Select things for repo ${i}."""
    BY_ID = "SELECT a FROM t${i} WHERE id = ?"

    def get(self, conn, key):
        rows = conn.execute(self.BY_ID, (key,)).fetchall()
        logger.info("Fetched %d rows", len(rows))
        return conn.execute("""
            SELECT b FROM t${i}
            WHERE a = ? AND archived = 0
        """, (key,)).fetchone()
`;
  const parts: string[] = [];
  let length = 0;
  let count = 0;
  while (length < 2_000_000) {
    const text = block(count++);
    parts.push(text);
    length += text.length;
  }
  const text = parts.join('');
  const statements = (await extract(text)).statements;
  assert.equal(statements.length, count * 2);
  const last = statements[statements.length - 1];
  assert.ok(last.sql.includes(`FROM t${count - 1}`));
  assertMapsWord(last, text, 'archived', last.range.start);
});

test('getParser caches one parser per language, and withSyntaxTree hands out a usable tree', async () => {
  const [first, second] = await Promise.all([getParser('python'), getParser('python')]);
  assert.equal(first, second);
  const rootType = await withSyntaxTree('python', 'x = 1\n', (tree) => tree.rootNode.type);
  assert.equal(rootType, 'module');
});
