// Simulated typing through the real server over stdio: every fixture file is typed into an open document one
// character at a time. Every character is sent as a didChange; at evenly spaced prefixes (every one for small
// files) the test waits for the diagnostics of that exact version, so those prefixes are certainly analysed.
// Once fully typed, the diagnostics must equal those of the same text opened in one go, and the server must
// have logged no crash.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic } from 'vscode-languageserver-protocol/node';
import { copyFixture, FIXTURES, removeWorkspace } from '../helpers/workspace';
import { startClient, type TestClient } from '../helpers/lspClient';
import { languageForPath } from '../../server/engine/workspace/files';
import { crashLines, peakRssMegabytes, positionAfter, waitForIdle } from './serverHelpers';

/** Prefixes per file whose diagnostics the test waits for; keeps the suite within a few minutes. */
const WAITED_PREFIXES_PER_FILE = 120;
const LANGUAGE_IDS: Record<string, string> = { sql: 'sql', python: 'python', typescript: 'typescript', javascript: 'javascript', rust: 'rust' };

function sourceFiles(root: string, dir = ''): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const relative = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...sourceFiles(root, relative));
    else if (languageForPath(relative)) files.push(relative);
  }
  return files.sort();
}

/** Diagnostics without the parts that legitimately differ between two runs (none should). */
function comparable(diagnostics: Diagnostic[]): unknown {
  return diagnostics.map(({ range, severity, code, message, relatedInformation, tags }) => ({ range, severity, code, message, relatedInformation, tags }));
}

async function typeFile(client: TestClient, file: string, text: string): Promise<void> {
  const uri = client.uri(file);
  const languageId = LANGUAGE_IDS[languageForPath(file)!];
  const opened = await openAndWait(client, file, text);
  await client.connection.sendNotification('textDocument/didChange', {
    textDocument: { uri, version: 2 },
    contentChanges: [{ text: '' }],
  });
  const step = Math.max(1, Math.ceil(text.length / WAITED_PREFIXES_PER_FILE));
  let typed = '';
  for (let i = 0; i < text.length; i++) {
    const version = i + 3;
    const at = positionAfter(typed);
    typed += text[i];
    await client.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version },
      contentChanges: [{ range: { start: at, end: at }, text: text[i] }],
    });
    if ((i + 1) % step === 0 || i === text.length - 1) {
      await client.waitForDiagnostics(file, (_, published) => published === version, 30_000);
    }
  }
  const final = client.diagnostics.get(uri) ?? [];
  assert.deepEqual(comparable(final), comparable(opened), `${file}: typed character by character vs opened at once (${languageId})`);
  await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
}

async function openAndWait(client: TestClient, file: string, text: string): Promise<Diagnostic[]> {
  await client.connection.sendNotification('textDocument/didOpen', {
    textDocument: { uri: client.uri(file), languageId: LANGUAGE_IDS[languageForPath(file)!], version: 1, text },
  });
  return client.waitForDiagnostics(file, (_, version) => version === 1, 30_000);
}

describe('typing every fixture file', () => {
  const fixtures = fs.readdirSync(FIXTURES, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  for (const fixture of fixtures) {
    it(`${fixture}: no crash, and the typed file ends with the diagnostics of a single open`, async () => {
      const root = copyFixture(fixture);
      const client = await startClient(root);
      try {
        await waitForIdle(client, 60_000);
        for (const file of sourceFiles(root)) {
          await typeFile(client, file, fs.readFileSync(path.join(root, file), 'utf8'));
        }
        assert.deepEqual(crashLines(client), []);
        assert.equal(client.process.exitCode, null, 'the server is still running');
        const peak = peakRssMegabytes(client);
        assert.ok(peak === undefined || peak < 600, `peak RSS ${peak} MB`);
      } finally {
        await client.stop();
        removeWorkspace(root);
      }
    });
  }
});
