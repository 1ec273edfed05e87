// The CLI writes JSON and SARIF reports in pieces (one per finding) so that a large run never holds the whole report
// as one string; the pieces must join to exactly what JSON.stringify(report, null, 2) gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { jsonChunks, STREAMED_ARRAY } from '../../server/cli/format/common';
import { buildJsonReport, formatJson, jsonReportChunks } from '../../server/cli/format/json';
import { buildSarifLog, formatSarif, sarifLogChunks } from '../../server/cli/format/sarif';
import { analyzeWorkspace } from '../../server/engine/analyze';
import { loadConfig } from '../../server/engine/config';

function streamed(value: object, items: unknown[]): string {
  return [...jsonChunks(value, items)].join('');
}

test('jsonChunks joins to JSON.stringify(value, null, 2) wherever the array sits, empty or not', () => {
  const items = [
    { message: 'a scan of "users"…\nsecond line', range: [1, 2], nested: { deeper: [{ x: null }], empty: [] } },
    'a bare string',
    42,
    [],
  ];
  const shapes: Array<(array: unknown) => object> = [
    (array) => ({ version: 1, findings: array, notes: [], summary: { total: 3 } }),
    (array) => ({ runs: [{ tool: { name: 'x' }, results: array }] }),
    (array) => ({ only: array }),
  ];
  for (const shape of shapes) {
    for (const list of [items, [], [items[0]]]) {
      assert.equal(streamed(shape(STREAMED_ARRAY), list), `${JSON.stringify(shape(list), null, 2)}\n`);
    }
  }
  assert.throws(() => [...jsonChunks({ findings: [] }, [])], /no STREAMED_ARRAY/);
});

test('the JSON and SARIF reports of the examples come in pieces that join to the whole report', async () => {
  const root = path.resolve(__dirname, '..', '..', 'examples');
  const result = await analyzeWorkspace({ root, paths: [root], config: loadConfig(root).config });
  assert.ok(result.findings.length >= 5, `${result.findings.length} findings`);
  const json = [...jsonReportChunks(result, '9.9.9')];
  assert.ok(json.length > result.findings.length, 'a piece per finding');
  assert.equal(json.join(''), `${JSON.stringify(buildJsonReport(result, '9.9.9'), null, 2)}\n`);
  assert.equal(formatJson(result, '9.9.9'), json.join(''));
  const sarif = [...sarifLogChunks(result, '9.9.9')];
  assert.ok(sarif.length > result.findings.length, 'a piece per result');
  assert.equal(sarif.join(''), `${JSON.stringify(buildSarifLog(result, '9.9.9'), null, 2)}\n`);
  assert.equal(formatSarif(result, '9.9.9'), sarif.join(''));
  // No findings: the arrays are written as [] like JSON.stringify does.
  const none = { ...result, findings: [] };
  assert.equal([...jsonReportChunks(none, '1')].join(''), `${JSON.stringify(buildJsonReport(none, '1'), null, 2)}\n`);
  assert.equal([...sarifLogChunks(none, '1')].join(''), `${JSON.stringify(buildSarifLog(none, '1'), null, 2)}\n`);
});
