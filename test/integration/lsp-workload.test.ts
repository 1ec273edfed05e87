// Workload findings follow the call graph across files: when a helper in one file starts querying, the loop that
// calls it in another file gets its n-plus-one diagnostic without being edited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { removeWorkspace } from '../helpers/workspace';
import { startClient } from '../helpers/lspClient';

const DB_BEFORE = `import sqlite3

conn = sqlite3.connect("app.db")
conn.executescript("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);")


def load(item_id):
    return None
`;

const APP = `from db import load


def names(ids):
    result = []
    for item_id in ids:
        result.append(load(item_id))
    return result
`;

test('a helper that starts querying makes the loop in another file an N+1', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-lsp-workload-'));
  fs.writeFileSync(path.join(root, 'db.py'), DB_BEFORE);
  fs.writeFileSync(path.join(root, 'app.py'), APP);
  const client = await startClient(root);
  t.after(async () => {
    await client.stop();
    removeWorkspace(root);
  });
  const uri = client.uri('db.py');
  await client.connection.sendNotification('textDocument/didOpen', {
    textDocument: { uri, languageId: 'python', version: 1, text: DB_BEFORE },
  });
  // Settle the first analysis, then edit the helper so it queries.
  await client.connection.sendRequest('planlens/analyzeWorkspace');
  assert.ok(!(client.diagnostics.get(client.uri('app.py')) ?? []).some((d) => d.code === 'n-plus-one'));
  const after = DB_BEFORE.replace(
    '    return None',
    '    return conn.execute("SELECT name FROM items WHERE id = ?", (item_id,)).fetchone()',
  );
  await client.connection.sendNotification('textDocument/didChange', {
    textDocument: { uri, version: 2 },
    contentChanges: [{ text: after }],
  });
  const app = await client.waitForDiagnostics('app.py', (d) => d.some((x) => x.code === 'n-plus-one'));
  const nPlusOne = app.find((d) => d.code === 'n-plus-one')!;
  assert.equal(nPlusOne.range.start.line, 6);
});

test('TypeScript: a file without SQL is parsed for loops when it is edited to call a querying helper in a loop', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-lsp-workload-ts-'));
  const db = `import Database from 'better-sqlite3';

const db = new Database('app.db');
db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)');

export function load(id: number) {
  return db.prepare('SELECT name FROM items WHERE id = ?').get(id);
}
`;
  const appBefore = `import { load } from './db';

export function first(ids: number[]) {
  return load(ids[0]);
}
`;
  const appAfter = `import { load } from './db';

export function names(ids: number[]) {
  const result = [];
  for (const id of ids) {
    result.push(load(id));
  }
  return result;
}
`;
  fs.writeFileSync(path.join(root, 'db.ts'), db);
  fs.writeFileSync(path.join(root, 'app.ts'), appBefore);
  const client = await startClient(root);
  t.after(async () => {
    await client.stop();
    removeWorkspace(root);
  });
  const uri = client.uri('app.ts');
  await client.connection.sendNotification('textDocument/didOpen', {
    textDocument: { uri, languageId: 'typescript', version: 1, text: appBefore },
  });
  await client.connection.sendRequest('planlens/analyzeWorkspace');
  assert.ok(!(client.diagnostics.get(uri) ?? []).some((d) => d.code === 'n-plus-one'));
  await client.connection.sendNotification('textDocument/didChange', {
    textDocument: { uri, version: 2 },
    contentChanges: [{ text: appAfter }],
  });
  const diagnostics = await client.waitForDiagnostics('app.ts', (d) => d.some((x) => x.code === 'n-plus-one'));
  assert.equal(diagnostics.find((d) => d.code === 'n-plus-one')!.range.start.line, 5);
});
