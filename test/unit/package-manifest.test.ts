import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ALL_RULES } from '../../server/engine/rules/registry';
import { RULE_IDS } from '../../server/engine/types';

const manifest = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8'));

test('the planlens.rules setting lists exactly the registered rules, and every rule has a docs page', () => {
  const configuration = Array.isArray(manifest.contributes.configuration)
    ? manifest.contributes.configuration[0]
    : manifest.contributes.configuration;
  const settingIds = Object.keys(configuration.properties['planlens.rules'].properties).sort();
  const ruleIds = ALL_RULES.map((meta) => meta.id).sort();
  assert.deepEqual(settingIds, ruleIds);
  assert.deepEqual([...RULE_IDS].sort(), ruleIds);
  for (const id of ruleIds) {
    assert.ok(fs.existsSync(path.resolve(__dirname, '..', '..', 'docs', 'rules', `${id}.md`)), `docs/rules/${id}.md`);
  }
});

test('engines.vscode accepts the VS Code inside code-server used by the real-editor tests', () => {
  assert.match(manifest.engines.vscode, /^\^1\.(\d+)\.0$/);
  assert.ok(Number(/^\^1\.(\d+)/.exec(manifest.engines.vscode)![1]) <= 139);
});
