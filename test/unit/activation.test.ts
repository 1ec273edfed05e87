// The extension's activation stays light: vscode-languageclient, most of the client's code, is a bundle of its own
// that `activate` leaves to the next turn of the event loop (src/languageClient.ts). Runs the built dist/ (npm test
// builds it) through the bench's probe, in a fresh process with a stand-in `vscode` module.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..');
const PROBE = path.join(REPO, 'bench', 'activationProbe.cjs');
const VSCODE_TYPES = require.resolve('@types/vscode/index.d.ts');

function probe(...extra: string[]): Record<string, unknown> {
  const result = spawnSync(process.execPath, [PROBE, path.join(REPO, 'dist', 'extension.js'), VSCODE_TYPES, ...extra], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

test('activate() does not load the language client, and the extension loads it right after', () => {
  assert.deepEqual(probe('--deferred-check'), { duringActivate: false, afterActivate: true });
});

test('the extension bundle holds no copy of vscode-languageclient, and the client bundle does', () => {
  const extension = fs.readFileSync(path.join(REPO, 'dist', 'extension.js'), 'utf8');
  const client = fs.readFileSync(path.join(REPO, 'dist', 'languageClient.js'), 'utf8');
  assert.doesNotMatch(extension, /vscode-languageclient/);
  assert.match(client, /vscode-languageclient/);
  // The .vsix must carry the client bundle too.
  assert.match(fs.readFileSync(path.join(REPO, '.vscodeignore'), 'utf8'), /^!dist\/languageClient\.js$/m);
});

test('the probe times the load, the activate() call and the deferred client load', () => {
  const timing = probe();
  for (const key of ['loadMs', 'activateMs', 'clientLoadMs']) {
    assert.equal(typeof timing[key], 'number', key);
    assert.ok((timing[key] as number) >= 0, key);
  }
});
