// The bundled language server over real stdio: diagnostics and ranges, quick fixes that clear the finding,
// hover, the explain request, and updates when a migration changes on disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CodeAction, Hover } from 'vscode-languageserver-protocol/node';
import { copyFixture, removeWorkspace } from '../helpers/workspace';
import { applyTextEdits, editsFor, startClient } from '../helpers/lspClient';

const DATABASE = 'computer/parachute/db/database.py';

test('seed 000 over stdio: diagnostic, quick fix through codeAction/resolve, hover, explain', async (t) => {
  const root = copyFixture('seed000');
  const client = await startClient(root);
  t.after(async () => {
    await client.stop();
    removeWorkspace(root);
  });

  const diagnostics = await client.waitForDiagnostics(DATABASE, (d) => d.length > 0);
  // The aiosqlite connection with SQLite's defaults is an info hint of pragma-config.
  assert.deepEqual(diagnostics.map((d) => [d.code, d.severity]), [['pragma-config', 3], ['incomplete-index', 2]]);
  const diagnostic = diagnostics[1];
  assert.equal(diagnostic.code, 'incomplete-index');
  assert.equal(diagnostic.source, 'planlens');
  assert.equal(diagnostic.severity, 2);
  assert.deepEqual(diagnostic.range, { start: { line: 38, character: 12 }, end: { line: 41, character: 15 } });
  assert.equal(diagnostic.codeDescription?.href, 'https://github.com/planlens/planlens/blob/main/docs/rules/incomplete-index.md');
  assert.deepEqual(
    diagnostic.relatedInformation?.map((info) => [info.location.range.start.line, info.message]),
    [
      [8, 'sessions is created here'],
      [16, 'the planner uses idx_sessions_parent_session, defined here'],
    ],
  );

  // Open the document as an editor would, then ask for code actions on the diagnostic.
  const uri = client.uri(DATABASE);
  const original = fs.readFileSync(path.join(root, DATABASE), 'utf8');
  await client.connection.sendNotification('textDocument/didOpen', {
    textDocument: { uri, languageId: 'python', version: 1, text: original },
  });
  const actions = (await client.connection.sendRequest('textDocument/codeAction', {
    textDocument: { uri },
    range: diagnostic.range,
    context: { diagnostics: [diagnostic] },
  })) as CodeAction[];
  assert.deepEqual(
    actions.map((action) => [action.title, action.kind, action.isPreferred ?? false, action.edit === undefined]),
    [
      [
        `Add index idx_sessions_parent_session_archived ON sessions(parent_session_id, archived) in a new entry of the migration list in ${DATABASE}`,
        'quickfix',
        true,
        true, // resolved lazily
      ],
      ['Ignore this incomplete-index finding here', 'quickfix', false, false],
      ['PlanLens: apply all verified index fixes in this file', 'source.fixAll.planlens', false, true],
    ],
  );
  // The suppression comment goes above the line, indented like it.
  assert.deepEqual(editsFor(actions[1].edit!, uri), [
    { range: { start: { line: 38, character: 0 }, end: { line: 38, character: 0 } }, newText: '            # planlens: ignore[incomplete-index]\n' },
  ]);

  const hover = (await client.connection.sendRequest('textDocument/hover', {
    textDocument: { uri },
    position: { line: 39, character: 20 },
  })) as Hover;
  const markdown = (hover.contents as { value: string }).value;
  assert.match(markdown, /SEARCH sessions USING INDEX idx_sessions_parent_session \(parent_session_id=\?\)/);
  assert.match(markdown, /Indexes used: `idx_sessions_parent_session`/);
  assert.match(markdown, /Plan with `idx_sessions_parent_session_archived`/);

  const explained = (await client.connection.sendRequest('planlens/explain', {
    textDocument: { uri },
    position: { line: 40, character: 14 },
  })) as { sql: string; planBefore: string[]; planAfter: string[]; fix?: { title: string } };
  assert.match(explained.sql, /SELECT COUNT\(\*\) FROM sessions/);
  assert.deepEqual(explained.planBefore, ['`--SEARCH sessions USING INDEX idx_sessions_parent_session (parent_session_id=?)']);
  assert.deepEqual(explained.planAfter, [
    '`--SEARCH sessions USING COVERING INDEX idx_sessions_parent_session_archived (parent_session_id=? AND archived=?)',
  ]);
  assert.ok(explained.fix?.title.startsWith('Add index idx_sessions_parent_session_archived'));

  const resolved = (await client.connection.sendRequest('codeAction/resolve', actions[0])) as CodeAction;
  const patched = applyTextEdits(original, editsFor(resolved.edit!, uri));
  assert.ok(patched.includes('    4: "CREATE INDEX IF NOT EXISTS idx_sessions_parent_session_archived ON sessions(parent_session_id, archived)",\n}'));
  await client.connection.sendNotification('textDocument/didChange', {
    textDocument: { uri, version: 2 },
    contentChanges: [{ text: patched }],
  });
  // The finding disappears; the single-column index is now reported as redundant on its migration entry.
  const after = await client.waitForDiagnostics(DATABASE, (d) => !d.some((x) => x.code === 'incomplete-index'));
  assert.deepEqual(
    after.map((d) => [d.code, d.range.start.line, d.tags]),
    [['redundant-index', 16, [1]], ['pragma-config', 28, undefined]],
  );
});

test('a migration added on disk re-plans queries in other files (watched-file event)', async (t) => {
  const root = copyFixture('seed001sql');
  const client = await startClient(root);
  t.after(async () => {
    await client.stop();
    removeWorkspace(root);
  });
  const queries = 'data/queries.sql';
  const before = await client.waitForDiagnostics(queries, (d) => d.length > 0);
  assert.deepEqual(before.map((d) => [d.code, d.range.start.line]), [['temp-sort', 1], ['incomplete-index', 6]]);

  const migration = path.join(root, 'data/migrations/003_sort.sql');
  fs.writeFileSync(migration, 'CREATE INDEX idx_task_queue_sorted ON task_queue(status, priority DESC, created_at);\n');
  await client.connection.sendNotification('workspace/didChangeWatchedFiles', {
    changes: [{ uri: client.uri('data/migrations/003_sort.sql'), type: 1 }],
  });
  const after = await client.waitForDiagnostics(queries, (d) => !d.some((x) => x.code === 'temp-sort'));
  assert.deepEqual(after.map((d) => [d.code, d.range.start.line]), [['incomplete-index', 6]]);
});

test('half-typed code and broken files never kill the server; other files keep their diagnostics', async (t) => {
  const root = copyFixture('seed000');
  fs.writeFileSync(path.join(root, 'broken.py'), 'def f(:\n    conn.execute("SELECT * FROM sessions WHERE archived = ')
  fs.writeFileSync(path.join(root, 'binary.sql'), Buffer.from([0, 1, 2, 3, 255, 254]));
  const client = await startClient(root);
  t.after(async () => {
    await client.stop();
    removeWorkspace(root);
  });
  await client.waitForDiagnostics(DATABASE, (d) => d.length === 2);
  const uri = client.uri('scratch.py');
  await client.connection.sendNotification('textDocument/didOpen', {
    textDocument: { uri, languageId: 'python', version: 1, text: '' },
  });
  const typed = 'import sqlite3\nconn.execute("SELECT id FROM sessions WHERE title = ?", (t,))\n';
  for (let i = 1; i <= typed.length; i++) {
    await client.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: i + 1 },
      contentChanges: [{ text: typed.slice(0, i) }],
    });
  }
  const scratch = await client.waitForDiagnostics('scratch.py', (d) => d.length > 0);
  assert.deepEqual(scratch.map((d) => d.code), ['missing-index']);
  assert.equal(client.process.exitCode, null, 'server still running');
  assert.equal(client.diagnostics.get(client.uri(DATABASE))?.length, 2);
});
