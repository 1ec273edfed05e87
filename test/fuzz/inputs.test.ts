// Hostile input through the real server over stdio: random bytes (on disk and in editor buffers), a 10 MB
// single-line file, 10,000 queries in one file, deeply nested SQL, unterminated strings and comments, CRLF and BOM.
// Expected: the server answers every document, logs no crash, keeps its memory bounded, and still reports the
// findings of the ordinary files next to all that.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Diagnostic } from 'vscode-languageserver-protocol/node';
import { startClient, type TestClient } from '../helpers/lspClient';
import { removeWorkspace } from '../helpers/workspace';
import { crashLines, peakRssMegabytes, waitForIdle } from './serverHelpers';

const SCHEMA = `CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL,
  status TEXT NOT NULL,
  account_id INTEGER NOT NULL
);
CREATE INDEX idx_users_account ON users(account_id);
`;
const SCAN = 'SELECT id FROM users WHERE email = ?';

/** Deterministic pseudo-random bytes. */
function randomBytes(length: number, seed: number): Buffer {
  let state = seed;
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

/** Random text: printable ASCII, quotes, brackets, SQL words, newlines, non-BMP characters and lone surrogates. */
function randomText(length: number, seed: number): string {
  const pieces = ['SELECT', ' FROM users', ' WHERE ', "'", '"', '"""', '`', '(', ')', '[', '{', '}', '\n', '\r\n', '--', '/*', '#', '\\', 'execute(', '🙂', '\ud800', 'é', ' '];
  let state = seed;
  let text = '';
  while (text.length < length) {
    state = (state * 1103515245 + 12345) >>> 0;
    text += state % 3 === 0 ? pieces[(state >>> 8) % pieces.length] : String.fromCharCode(32 + ((state >>> 16) % 95));
  }
  return text;
}

const LANGUAGE_IDS: Record<string, string> = { '.py': 'python', '.sql': 'sql', '.ts': 'typescript', '.rs': 'rust', '.js': 'javascript' };

describe('hostile input over stdio', () => {
  let root: string;
  let client: TestClient;
  let version = 1;

  /** Opens (or replaces) a document and waits for its diagnostics. */
  async function show(file: string, text: string, timeoutMs = 60_000): Promise<Diagnostic[]> {
    const uri = client.uri(file);
    const current = ++version;
    if (!client.versions.has(uri) || client.versions.get(uri) === undefined) {
      await client.connection.sendNotification('textDocument/didOpen', {
        textDocument: { uri, languageId: LANGUAGE_IDS[path.extname(file)] ?? 'plaintext', version: current, text },
      });
    } else {
      await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: current }, contentChanges: [{ text }] });
    }
    return client.waitForDiagnostics(file, (_, published) => published === current, timeoutMs);
  }

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-fuzz-'));
    const write = (file: string, content: string | Buffer) => {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), content);
    };
    write('db/migrations/0001_users.sql', SCHEMA);
    write('app/store.py', `def find(conn, email):\n    return conn.execute("${SCAN}", (email,)).fetchone()\n`);
    for (const [i, extension] of ['.py', '.sql', '.ts', '.rs'].entries()) write(`noise/bytes${extension}`, randomBytes(64 * 1024, i + 1));
    write('noise/huge.sql', `SELECT '${'x'.repeat(10 * 1024 * 1024)}';`);
    client = await startClient(root);
    await waitForIdle(client, 120_000);
  });

  after(async () => {
    await client?.stop();
    removeWorkspace(root);
  });

  it('starts on a workspace with binary and oversized files, and reports the ordinary file', async () => {
    const diagnostics = await client.waitForDiagnostics('app/store.py', (list) => list.length > 0);
    assert.deepEqual(diagnostics.map((d) => d.code), ['missing-index']);
  });

  it('answers editor buffers of random text in every language', async () => {
    for (const [i, extension] of ['.py', '.sql', '.ts', '.rs', '.js'].entries()) {
      for (let round = 0; round < 4; round++) await show(`buffers/random${i}${extension}`, randomText(2000 + round * 3000, i * 10 + round));
    }
  });

  it('skips a 10 MB single-line buffer and stays responsive', async () => {
    const started = Date.now();
    const diagnostics = await show('buffers/huge.py', `q = "${'SELECT 1 '.repeat((10 * 1024 * 1024) / 9)}"\n`);
    assert.deepEqual(diagnostics, []);
    assert.ok(Date.now() - started < 30_000);
    assert.deepEqual(await show('buffers/after-huge.py', `conn.execute("${SCAN}")\n`).then((list) => list.map((d) => d.code)), ['missing-index']);
  });

  it('reports all 10,000 queries of one file', async () => {
    const statements = Array.from({ length: 10_000 }, (_, i) => (i % 2 === 0 ? `${SCAN};` : `SELECT id FROM users WHERE id = ${i};`));
    const diagnostics = await show('buffers/many.sql', statements.join('\n'), 120_000);
    assert.equal(diagnostics.length, 5000);
    assert.ok(diagnostics.every((d) => d.code === 'missing-index'));
    const python = Array.from({ length: 10_000 }, (_, i) => `    conn.execute("SELECT id FROM users WHERE ${i % 2 === 0 ? 'email' : 'id'} = ?")`);
    const pythonDiagnostics = await show('buffers/many.py', `def run(conn):\n${python.join('\n')}\n`, 120_000);
    assert.equal(pythonDiagnostics.length, 5000);
  });

  it('survives deeply nested SQL, in a .sql file and in a Python string', async () => {
    let nested = 'SELECT id FROM users WHERE email = ?';
    for (let i = 0; i < 1000; i++) nested = `SELECT id FROM (${nested})`;
    const parens = `SELECT ${'('.repeat(1000)}1${')'.repeat(1000)} FROM users WHERE email = ?`;
    const sqlDiagnostics = await show('buffers/nested.sql', `${nested};\n${parens};\n${SCAN};\n`);
    assert.ok(sqlDiagnostics.some((d) => d.code === 'missing-index' && d.range.start.line === 2));
    const pyDiagnostics = await show('buffers/nested.py', `conn.execute("${parens}")\nconn.execute("${nested}")\nconn.execute("${SCAN}")\n`);
    assert.ok(pyDiagnostics.some((d) => d.code === 'missing-index' && d.range.start.line === 2));
  });

  it('survives unterminated strings, comments and literals in every language', async () => {
    const cases: Record<string, string[]> = {
      '.py': [`conn.execute("${SCAN}`, `conn.execute("""${SCAN}`, `conn.execute(f"SELECT {x`, `conn.execute('${SCAN}' +`, `conn.execute(${SCAN}`],
      '.sql': [`${SCAN} AND status = 'open`, `/* ${SCAN}`, `${SCAN} -- trailing`, `SELECT "unterminated FROM users`],
      '.ts': [`db.prepare(\`${SCAN}`, `db.prepare('${SCAN}`, `db.prepare(\`SELECT \${x`],
      '.rs': [`conn.execute(r#"${SCAN}`, `conn.execute("${SCAN}`, `sqlx::query!("${SCAN}`],
    };
    for (const [extension, texts] of Object.entries(cases)) {
      for (const [i, text] of texts.entries()) await show(`buffers/unterminated${i}${extension}`, text);
    }
  });

  it('places diagnostics right in CRLF and BOM buffers', async () => {
    const lines = ['import sqlite3', '', 'def find(conn, email):', `    return conn.execute("${SCAN}", (email,)).fetchone()`, ''];
    for (const [name, text] of [
      ['crlf.py', lines.join('\r\n')],
      ['bom.py', `\uFEFF${lines.join('\n')}`],
      ['bom-crlf.py', `\uFEFF${lines.join('\r\n')}`],
    ]) {
      const diagnostics = await show(`buffers/${name}`, text);
      assert.deepEqual(
        diagnostics.map((d) => [d.code, d.range]),
        [['missing-index', { start: { line: 3, character: 24 }, end: { line: 3, character: 24 + SCAN.length + 2 } }]],
        name,
      );
    }
  });

  it('logged no crash and kept its memory bounded', () => {
    assert.deepEqual(crashLines(client), []);
    assert.equal(client.process.exitCode, null);
    const peak = peakRssMegabytes(client);
    assert.ok(peak === undefined || peak < 600, `peak RSS ${peak} MB`);
  });
});
