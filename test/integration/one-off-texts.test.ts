// A one-off analysis (`planlens check`) lets go of the texts of host files that were never parsed and hold nothing
// (analyze.ts, releaseWorkloadFacts). Everything a report points at must keep its text: the file of every finding,
// of every related location and of every file a fix edits. Otherwise the CLI would print line 1, column 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateWorkspace } from '../../bench/generate';
import { analyze, FIXTURES, removeWorkspace, textAt, where, writeWorkspace } from '../helpers/workspace';
import { AnalysisSession } from '../../server/engine/analyze';
import { DEFAULT_CONFIG } from '../../server/engine/config';
import { calledNames, callsAnyOf } from '../../server/engine/workload/skipped';
import { startWorkerExtraction } from '../../server/engine/workspace/parallelExtract';
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

/** Findings of the workspace as the language server's session makes them: every text kept, nothing released. */
async function sessionFindings(root: string): Promise<string[]> {
  const session = await AnalysisSession.open(root, DEFAULT_CONFIG);
  try {
    const result = { texts: session.prepared.texts } as AnalysisResult;
    return session.files().flatMap((file) => session.findingsFor(file).map((finding) => `${where(result, finding)} ${finding.message}`));
  } finally {
    session.close();
  }
}

async function oneOffFindings(root: string): Promise<string[]> {
  const result = await analyze(root);
  return result.findings.map((finding) => `${where(result, finding)} ${finding.message}`);
}

// A one-off run keeps a file the first pass skipped as the names it calls (workload/skipped.ts), and reads its text
// again only when the search for callers must parse it.
const HELPER_WORKSPACE: Record<string, string> = {
  'migrations/001_users.sql': 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, team_id INTEGER);\n',
  'app/repo.py': 'def load_team_users(db, team_id):\n    return db.execute("SELECT id, email FROM users WHERE team_id = ?", (team_id,)).fetchall()\n',
  // No SQL in sight: the first pass skips it, and the N+1 through the helper is only found once it is parsed.
  'app/views.py': 'from app.repo import load_team_users\n\n\ndef show_teams(db, teams):\n    for team in teams:\n        print(load_team_users(db, team.id))\n',
  'app/plain.py': 'def unrelated(items):\n    return [str(item) for item in items]\n',
};

test('a skipped file that calls a querying helper is read again and parsed: same findings as a session, its text kept', async () => {
  const root = writeWorkspace('one-off-helper', HELPER_WORKSPACE);
  try {
    const result = await analyze(root);
    const nPlusOne = result.findings.filter((finding) => finding.ruleId === 'n-plus-one');
    assert.deepEqual(
      nPlusOne.map((finding) => where(result, finding)),
      ['app/views.py:6:15 n-plus-one'],
    );
    assert.equal(textAt(result, nPlusOne[0]), 'load_team_users(db, team.id)');
    assert.ok(result.texts.has('app/views.py'), 'the file read again keeps its text');
    assert.ok(!result.texts.has('app/plain.py'), 'a skipped file nobody needs holds no text');
    assert.deepEqual(await oneOffFindings(root), await sessionFindings(root));
  } finally {
    removeWorkspace(root);
  }
});

test('one-off runs and sessions find the same in every fixture and in a generated workspace', async () => {
  for (const name of fs.readdirSync(FIXTURES)) {
    const root = path.join(FIXTURES, name);
    assert.deepEqual(await oneOffFindings(root), await sessionFindings(root), name);
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-one-off-same-'));
  try {
    generateWorkspace(root, { files: 300, queries: 600, tables: 30 });
    const oneOff = await oneOffFindings(root);
    assert.ok(oneOff.length > 30, `${oneOff.length} findings in the generated workspace`);
    assert.deepEqual(oneOff, await sessionFindings(root));
  } finally {
    removeWorkspace(root);
  }
});

test('calledNames lists exactly the names the caller search would match in the text', () => {
  const text = 'def f(x):\n    helper (x)\n    obj.method(\tx)\n    if (x): pass\n    helper(x)\n    _private_2(x)\n';
  assert.deepEqual(calledNames(text), ['f', 'helper', 'method', 'if', '_private_2']);
  for (const name of ['f', 'helper', 'method', '_private_2']) assert.ok(callsAnyOf(text, new Set([name])), name);
  assert.ok(!callsAnyOf(text, new Set(['x', 'obj', 'pass'])));
});

test('an extraction worker sends a skipped file as the names it calls, and a file with SQL with its text', async () => {
  const script = path.resolve(__dirname, '../../dist/extractWorker.js'); // built by `npm test`
  const root = writeWorkspace('one-off-worker', HELPER_WORKSPACE);
  try {
    for (const indexSkippedTexts of [true, false]) {
      // The main thread claims nothing here, so the worker takes every file.
      const extraction = startWorkerExtraction(root, ['app/repo.py', 'app/views.py', 'app/plain.py'], 2, { script, indexSkippedTexts });
      assert.ok(extraction);
      const { results } = await extraction.results;
      extraction.terminate();
      const views = results.get('app/views.py');
      const repo = results.get('app/repo.py');
      assert.ok(views?.fact && repo?.fact);
      assert.equal(repo.text, HELPER_WORKSPACE['app/repo.py']);
      assert.equal(repo.calledNames, undefined);
      if (indexSkippedTexts) {
        assert.equal(views.text, undefined);
        assert.deepEqual(views.calledNames, ['show_teams', 'print', 'load_team_users']);
      } else {
        assert.equal(views.text, HELPER_WORKSPACE['app/views.py']);
        assert.equal(views.calledNames, undefined);
      }
    }
  } finally {
    removeWorkspace(root);
  }
});
