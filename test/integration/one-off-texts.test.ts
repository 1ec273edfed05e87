// A one-off analysis (`planlens check`) lets go of the texts of host files that were never parsed and hold nothing
// (analyze.ts, releaseWorkloadFacts). Everything a report points at must keep its text: the file of every finding,
// of every related location and of every file a fix edits. Otherwise the CLI would print line 1, column 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateWorkspace } from '../../bench/generate';
import { analyze, FIXTURES, removeWorkspace } from '../helpers/workspace';
import type { AnalysisResult } from '../../server/engine/types';

/** Files the report refers to whose text the result does not hold. */
function missingTexts(result: AnalysisResult): string[] {
  const missing = new Set<string>();
  const need = (file: string) => {
    if (!result.texts.has(file)) missing.add(file);
  };
  for (const finding of result.findings) {
    need(finding.file);
    for (const related of finding.related) need(related.file);
    for (const fix of finding.fixes) for (const edit of fix.edits) if (edit.kind === 'replace') need(edit.file);
  }
  return [...missing].sort();
}

test('every fixture: each file a finding, a related location or a fix edit names keeps its text', async () => {
  for (const name of fs.readdirSync(FIXTURES)) {
    const result = await analyze(path.join(FIXTURES, name));
    assert.ok(result.findings.length > 0, `${name} has findings`);
    assert.deepEqual(missingTexts(result), [], name);
  }
});

test('a generated workspace: plain files lose their text, and every file the report names keeps it', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-one-off-texts-'));
  try {
    const workspace = generateWorkspace(root, { files: 300, queries: 600, tables: 30 });
    const result = await analyze(root);
    assert.ok(result.findings.some((finding) => finding.related.length > 0), 'some findings have related locations');
    assert.deepEqual(missingTexts(result), []);
    // Plain code (no SQL, no call into code that queries) is not held any more; every .sql file is.
    const hostFiles = workspace.files.filter((file) => file.language !== 'sql').map((file) => file.file);
    const dropped = hostFiles.filter((file) => !result.texts.has(file));
    assert.ok(dropped.length > hostFiles.length / 3, `${dropped.length} of ${hostFiles.length} host files dropped`);
    for (const file of dropped) assert.doesNotMatch(fs.readFileSync(path.join(root, file), 'utf8'), /execute|\.prepare\(|sqlx::|query\(/);
    for (const { file } of workspace.files.filter((entry) => entry.language === 'sql')) assert.ok(result.texts.has(file), file);
  } finally {
    removeWorkspace(root);
  }
});
