// indexFix on hand-built inputs (injected clock, refusals, stale or garbage positions) and applyEdits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { indexFix, type FixEnvironment } from '../../server/engine/fixes/indexFix';
import { applyEdits } from '../../server/engine/fixes/applyEdits';
import { extractPython } from '../../server/engine/extract/python';
import { extractTypeScript } from '../../server/engine/extract/typescript';
import { extractRust } from '../../server/engine/extract/rust';
import type { ExtractedSql, FileEdit, IndexSuggestion, SchemaHome, TableInfo } from '../../server/engine/types';

const SUGGESTION: IndexSuggestion = {
  name: 'idx_users_email',
  table: 'users',
  columns: [{ name: 'email', desc: false }],
  ddl: 'CREATE INDEX IF NOT EXISTS idx_users_email ON users(email)',
};

const ORDER_SUGGESTION: IndexSuggestion = {
  name: 'idx_order_customer',
  table: 'order',
  columns: [{ name: 'customer', desc: false }],
  ddl: 'CREATE INDEX IF NOT EXISTS idx_order_customer ON "order"(customer)',
};

function table(home: SchemaHome | undefined, definedAt?: TableInfo['definedAt']): TableInfo {
  return { name: 'users', columns: [], indexes: [], withoutRowid: false, home, definedAt };
}

function environment(files: Record<string, string>, statements: ExtractedSql[] = [], now?: Date): FixEnvironment {
  return { readText: (file) => files[file], statementsOf: (file) => statements.filter((s) => s.file === file), now };
}

async function pythonStatements(text: string): Promise<ExtractedSql[]> {
  return (await extractPython({ path: 'db.py', language: 'python', text })).statements;
}

test('no home, or a home whose text is gone: no fix, no throw', () => {
  assert.equal(indexFix(SUGGESTION, table(undefined), environment({})), undefined);
  assert.equal(indexFix(SUGGESTION, table({ kind: 'schema-file', file: 'gone.sql' }), environment({})), undefined);
});

test('migrations folder: the injected clock names the new file; a folder that mentions the index gets nothing', () => {
  const files = { 'db/20240101120000_init.sql': 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);\n' };
  const home: SchemaHome = { kind: 'migrations-folder', dir: 'db', files: Object.keys(files) };
  const now = new Date(Date.UTC(2024, 5, 7, 8, 9, 10));
  assert.deepEqual(indexFix(SUGGESTION, table(home), environment(files, [], now)), {
    title: 'Add index idx_users_email ON users(email) in db/20240607080910_add_idx_users_email.sql',
    edits: [{ kind: 'create', file: 'db/20240607080910_add_idx_users_email.sql', text: `${SUGGESTION.ddl};\n` }],
  });
  const mentioned = { ...files, 'db/20240102000000_drop.sql': 'DROP INDEX IF EXISTS idx_users_email;\n' };
  const homeWithDrop: SchemaHome = { kind: 'migrations-folder', dir: 'db', files: Object.keys(mentioned) };
  assert.equal(indexFix(SUGGESTION, table(homeWithDrop), environment(mentioned, [], now)), undefined);
  // A longer name that merely starts with the index name is a different index.
  const other = { ...files, 'db/20240102000000_x.sql': 'CREATE INDEX idx_users_email_name ON users(email, name);\n' };
  const homeWithOther: SchemaHome = { kind: 'migrations-folder', dir: 'db', files: Object.keys(other) };
  assert.equal(indexFix(SUGGESTION, table(homeWithOther), environment(other, [], now))?.edits.length, 1);
});

test('cached lookups follow the text: the same home sees a mention added later', () => {
  const files: Record<string, string> = { 'db/0001_init.sql': 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);\n' };
  const folder = table({ kind: 'migrations-folder', dir: 'db', files: Object.keys(files) });
  assert.equal(indexFix(SUGGESTION, folder, environment(files))?.edits.length, 1);
  files['db/0001_init.sql'] += '-- idx_users_email is added by hand in production\n';
  assert.equal(indexFix(SUGGESTION, folder, environment(files)), undefined);

  const schema: Record<string, string> = { 'schema.sql': 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);' };
  const schemaTable = table({ kind: 'schema-file', file: 'schema.sql' }, { file: 'schema.sql', range: { start: 0, end: 55 } });
  assert.equal(indexFix(SUGGESTION, schemaTable, environment(schema))?.edits.length, 1);
  schema['schema.sql'] += '\n-- IDX_USERS_EMAIL: see ticket 12';
  assert.equal(indexFix(SUGGESTION, schemaTable, environment(schema)), undefined);
});

test('schema file: a stale anchor beyond the end of the text is refused', () => {
  const files = { 'schema.sql': 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);' };
  const stale = table({ kind: 'schema-file', file: 'schema.sql' }, { file: 'schema.sql', range: { start: 0, end: 500 } });
  assert.equal(indexFix(SUGGESTION, stale, environment(files)), undefined);
  const fresh = table({ kind: 'schema-file', file: 'schema.sql' }, { file: 'schema.sql', range: { start: 0, end: 55 } });
  assert.deepEqual(indexFix(SUGGESTION, fresh, environment(files))?.edits, [
    { kind: 'replace', file: 'schema.sql', range: { start: 56, end: 56 }, newText: `\n${SUGGESTION.ddl};` },
  ]);
});

/** The fix for the table created by the first schema statement of `source`. */
async function fixFor(source: string, suggestion = SUGGESTION) {
  const statements = await pythonStatements(source);
  const schema = statements.find((statement) => statement.role === 'schema');
  assert.ok(schema, 'a schema statement');
  return indexFix(suggestion, table({ kind: 'host-literal', statement: schema }), environment({ 'db.py': source }, statements));
}

test('Python literals that cannot take the DDL verbatim are refused: raw strings needing an escape, f-strings', async () => {
  // The table is quoted with brackets, but the DDL quotes it with ", which a raw "…" string cannot hold.
  const raw = 'def init(conn):\n    conn.executescript(r"CREATE TABLE [order] (id INTEGER PRIMARY KEY, customer TEXT);")\n';
  assert.equal(await fixFor(raw, ORDER_SUGGESTION), undefined);
  const rawSingle = "def init(conn):\n    conn.executescript(r'CREATE TABLE \"order\" (id INTEGER PRIMARY KEY, customer TEXT);')\n";
  const afterSemicolon = rawSingle.indexOf('TEXT);') + 'TEXT);'.length;
  assert.deepEqual((await fixFor(rawSingle, ORDER_SUGGESTION))?.edits, [
    { kind: 'replace', file: 'db.py', range: { start: afterSemicolon, end: afterSemicolon }, newText: ` ${ORDER_SUGGESTION.ddl};` },
  ]);
  const rawDouble = 'def init(conn):\n    conn.executescript(r"CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT); CREATE TABLE t (x);")\n';
  assert.equal((await fixFor(rawDouble))?.edits.length, 1);
  const fString = 'V = 1\nSCHEMA = f"""\n-- v{V}\nCREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);\n"""\n\ndef init(conn):\n    conn.executescript(SCHEMA)\n';
  assert.equal(await fixFor(fString), undefined);
});

test('Python: a single statement passed by name to execute() cannot grow and has no call to copy', async () => {
  const byName = 'CREATE_USERS = "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)"\n\ndef init(conn):\n    conn.execute(CREATE_USERS)\n';
  assert.equal(await fixFor(byName), undefined);
  const wrapped = 'from sqlalchemy import text\n\ndef init(session):\n    session.execute(text("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)"))\n';
  assert.equal(await fixFor(wrapped), undefined);
});

test('Python: the index already in the file (a sibling call, a later migration) means no second fix', async () => {
  const sibling =
    'def init(conn):\n    conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)")\n    conn.execute("CREATE INDEX IF NOT EXISTS idx_users_email ON users(email)")\n';
  assert.equal(await fixFor(sibling), undefined);
  const migrations = 'MIGRATIONS = [\n    "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)",\n    "CREATE INDEX idx_users_email ON users(email)",\n]\n';
  assert.equal(await fixFor(migrations), undefined);
});

test('Python migration dicts keyed by names or expressions get no new entry', async () => {
  const byConstant = 'V1 = 1\nMIGRATIONS = {\n    V1: "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)",\n}\n';
  assert.equal(await fixFor(byConstant), undefined);
  const named = 'MIGRATIONS = {\n    "create_users": "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)",\n}\n';
  const fix = await fixFor(named);
  assert.deepEqual(fix?.edits.map((edit) => (edit.kind === 'replace' ? edit.newText : '')), [
    `\n    "add_idx_users_email": "${SUGGESTION.ddl}",`,
  ]);
});

test('Python: garbage positions from a stale extraction are refused without throwing', async () => {
  const source = 'SCHEMA = """\nCREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);\n"""\n\ndef init(conn):\n    conn.executescript(SCHEMA)\n';
  const [statement] = await pythonStatements(source);
  const shorter = source.slice(0, 20);
  const env = environment({ 'db.py': shorter }, [statement]);
  assert.doesNotThrow(() => indexFix(SUGGESTION, table({ kind: 'host-literal', statement }), env));
  assert.equal(indexFix(SUGGESTION, table({ kind: 'host-literal', statement }), env), undefined);
  const noLiteral: ExtractedSql = { ...statement, literal: undefined };
  assert.equal(indexFix(SUGGESTION, table({ kind: 'host-literal', statement: noLiteral }), environment({ 'db.py': source })), undefined);
  const unknownQuote: ExtractedSql = { ...statement, literal: { ...statement.literal!, quote: '<<<' } };
  assert.equal(indexFix(SUGGESTION, table({ kind: 'host-literal', statement: unknownQuote }), environment({ 'db.py': source })), undefined);
});

/** Applies the fix for the table created by the first schema statement and returns the new text. */
async function patched(file: string, source: string, statements: ExtractedSql[], suggestion = SUGGESTION): Promise<string | undefined> {
  const schema = statements.find((statement) => statement.role === 'schema');
  assert.ok(schema, 'a schema statement');
  const fix = indexFix(suggestion, table({ kind: 'host-literal', statement: schema }), environment({ [file]: source }, statements));
  return fix && applyEdits(fix.edits, () => source).get(file);
}

test('TypeScript: exec() runs scripts, so even a one-statement literal grows; template literals keep their lines', async () => {
  const source =
    "import Database from 'better-sqlite3';\nconst db = new Database('app.db');\n" +
    'db.exec(`\n  CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);\n  CREATE TABLE posts (id INTEGER PRIMARY KEY);\n`);\n';
  const statements = (await extractTypeScript({ path: 'db.ts', language: 'typescript', text: source })).statements;
  assert.equal(await patched('db.ts', source, statements), source.replace('KEY);\n`', `KEY);\n  ${SUGGESTION.ddl};\n\``));
  const single = "db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)');\n";
  const singleStatements = (await extractTypeScript({ path: 'db.ts', language: 'typescript', text: single })).statements;
  assert.equal(await patched('db.ts', single, singleStatements), single.replace("TEXT)'", `TEXT); ${SUGGESTION.ddl};'`));
});

test('Rust: execute_batch strings take the statement on the same line; raw r#"…"# strings are left alone', async () => {
  const source =
    'fn init(conn: &rusqlite::Connection) {\n    conn.execute_batch("\n        CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);\n    ").unwrap();\n}\n';
  const statements = (await extractRust({ path: 'src/db.rs', language: 'rust', text: source })).statements;
  assert.equal(await patched('src/db.rs', source, statements), source.replace('TEXT);\n', `TEXT); ${SUGGESTION.ddl};\n`));
  const raw = 'fn init(conn: &rusqlite::Connection) {\n    conn.execute_batch(r#"CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);"#).unwrap();\n}\n';
  const rawStatements = (await extractRust({ path: 'src/db.rs', language: 'rust', text: raw })).statements;
  assert.equal(await patched('src/db.rs', raw, rawStatements), undefined);
});

test('one literal, two different indexes: each fix carries its own DDL', async () => {
  const source = 'SCHEMA = """\nCREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, name TEXT);\n"""\n\ndef init(conn):\n    conn.executescript(SCHEMA)\n';
  const statements = await pythonStatements(source);
  const byName: IndexSuggestion = {
    ...SUGGESTION,
    name: 'idx_users_name',
    columns: [{ name: 'name', desc: false }],
    ddl: 'CREATE INDEX IF NOT EXISTS idx_users_name ON users(name)',
  };
  assert.equal(await patched('db.py', source, statements), source.replace('TEXT);\n', `TEXT);\n${SUGGESTION.ddl};\n`));
  assert.equal(await patched('db.py', source, statements, byName), source.replace('TEXT);\n', `TEXT);\n${byName.ddl};\n`));
});

// ---------------------------------------------------------------------------------------------
// applyEdits

function replace(start: number, end: number, newText: string, file = 'a.sql'): FileEdit {
  return { kind: 'replace', file, range: { start, end }, newText };
}

test('applyEdits: replacements apply from the end; insertions at one offset keep their order', () => {
  const texts: Record<string, string> = { 'a.sql': 'abcdef', 'b.sql': 'untouched' };
  const result = applyEdits([replace(1, 2, 'B'), replace(4, 4, '1'), replace(4, 4, '2'), replace(6, 6, '!')], (file) => texts[file]);
  assert.deepEqual([...result], [['a.sql', 'aBcd12ef!']]);
  // An insertion where a replacement starts lands before the replacement's text; one where it ends, after.
  assert.equal(applyEdits([replace(2, 4, 'XY'), replace(2, 2, '<'), replace(4, 4, '>')], (file) => texts[file]).get('a.sql'), 'ab<XY>ef');
});

test('applyEdits: overlapping edits are rejected, including an insertion inside a replaced range', () => {
  const read = () => 'abcdef';
  assert.throws(() => applyEdits([replace(1, 4, 'x'), replace(3, 5, 'y')], read), /overlapping edits in a\.sql/);
  assert.throws(() => applyEdits([replace(1, 4, 'x'), replace(2, 2, 'y')], read), /overlapping edits/);
  assert.throws(() => applyEdits([replace(1, 4, 'x'), replace(1, 3, 'y')], read), /overlapping edits/);
});

test('applyEdits: ranges outside the file, missing files and creates over existing files are rejected', () => {
  const read = (file: string) => (file === 'a.sql' ? 'abc' : undefined);
  assert.throws(() => applyEdits([replace(2, 9, 'x')], read), /edit outside a\.sql: 2\.\.9 of 3/);
  assert.throws(() => applyEdits([replace(2, 1, 'x')], read), /edit outside/);
  assert.throws(() => applyEdits([replace(-1, 0, 'x')], read), /edit outside/);
  assert.throws(() => applyEdits([replace(0.5, 1, 'x')], read), /edit outside/);
  assert.throws(() => applyEdits([replace(0, 0, 'x', 'missing.sql')], read), /cannot edit missing\.sql: it does not exist/);
  assert.throws(() => applyEdits([{ kind: 'create', file: 'a.sql', text: 'new' }], read), /cannot create a\.sql: it already exists/);
  assert.throws(
    () => applyEdits([{ kind: 'create', file: 'n.sql', text: '1' }, { kind: 'create', file: 'n.sql', text: '2' }], read),
    /cannot create n\.sql/,
  );
  // A created file can be edited by a later edit of the same fix.
  const created = applyEdits([{ kind: 'create', file: 'n.sql', text: 'CREATE INDEX i ON t(a);' }, replace(0, 0, '-- new\n', 'n.sql')], read);
  assert.deepEqual([...created], [['n.sql', '-- new\nCREATE INDEX i ON t(a);']]);
});
