// Requests about a document see its latest text: pending debounced edits are analysed first, and
// Analyze Workspace waits for the newest reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { copyFixture, removeWorkspace } from '../helpers/workspace';
import { startClient } from '../helpers/lspClient';

const DATABASE = 'computer/parachute/db/database.py';

test('explain right after an edit answers for the edited text, and analyzeWorkspace during start-up counts files', async (t) => {
  const root = copyFixture('seed000');
  const client = await startClient(root);
  t.after(async () => {
    await client.stop();
    removeWorkspace(root);
  });
  // Sent before the first analysis finished: it must still report the workspace.
  const counts = (await client.connection.sendRequest('planlens/analyzeWorkspace')) as { files: number; findings: number };
  assert.equal(counts.files, 1);
  assert.ok(counts.findings >= 1, JSON.stringify(counts));

  const uri = client.uri(DATABASE);
  const original = fs.readFileSync(path.join(root, DATABASE), 'utf8');
  await client.connection.sendNotification('textDocument/didOpen', {
    textDocument: { uri, languageId: 'python', version: 1, text: original },
  });
  const edited = original.replace('WHERE parent_session_id = ? AND archived = 0', 'WHERE title = ?');
  await client.connection.sendNotification('textDocument/didChange', {
    textDocument: { uri, version: 2 },
    contentChanges: [{ text: edited }],
  });
  // No waiting for the debounce: the request itself must bring the analysis up to date.
  const explained = (await client.connection.sendRequest('planlens/explain', {
    textDocument: { uri },
    position: { line: 40, character: 14 },
  })) as { sql: string; planBefore: string[] };
  assert.match(explained.sql, /WHERE title = \?/);
  assert.deepEqual(explained.planBefore, ['`--SCAN sessions']);
});
