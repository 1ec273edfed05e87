// The examples workspace (SQL migrations folder + a Python store): every finding is published, including in files
// that are not open, and a fix that creates a new migration file works from the Explain view.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { PlanLensApi } from '../../../src/extension';
import {
  activatePlanLens,
  describeRange,
  indexRuleDiagnostics,
  planlensDiagnostics,
  ruleId,
  waitFor,
  workspaceFile,
} from './helpers';

const NEW_MIGRATION = 'migrations/0003_add_idx_task_queue_assigned_worker.sql';
const FIX_TITLE = `Add index idx_task_queue_assigned_worker ON task_queue(assigned_worker) in ${NEW_MIGRATION}`;

suite('examples: a migrations folder and a Python store', () => {
  let api: PlanLensApi;
  let store: vscode.Uri;

  suiteSetup(async () => {
    store = workspaceFile('examples', 'app/store.py');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(store));
    api = await activatePlanLens();
  });

  test('every index finding of app/store.py is published with its rule id, range and severity', async () => {
    const describe = () =>
      indexRuleDiagnostics(store)
        .map((d) => `${describeRange(d.range)} ${ruleId(d)} ${vscode.DiagnosticSeverity[d.severity]}`)
        .sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
    await waitFor('the diagnostics of app/store.py', () => describe().length > 0);
    assert.deepEqual(describe(), [
      '11:12-11:88 incomplete-index Warning',
      '19:12-24:15 temp-sort Warning',
      '30:12-30:79 missing-index Warning',
      '36:12-41:15 temp-sort Warning',
      '47:41-47:46 sql-error Error',
    ]);
  });

  test('a file that is not open gets its diagnostics too (redundant index, tagged unnecessary)', async () => {
    const migration = workspaceFile('examples', 'migrations/0002_indexes.sql');
    assert.ok(!vscode.workspace.textDocuments.some((d) => d.uri.toString() === migration.toString()));
    const diagnostic = await waitFor('the redundant-index diagnostic', () =>
      planlensDiagnostics(migration).find((d) => ruleId(d) === 'redundant-index'),
    );
    assert.equal(describeRange(diagnostic.range), '3:0-3:65');
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Information);
    assert.deepEqual(diagnostic.tags, [vscode.DiagnosticTag.Unnecessary]);
  });

  test('"Apply fix" in the Explain view creates the migration file and the finding goes away', async () => {
    await vscode.commands.executeCommand('planlens.explainQuery', store.toString(), { line: 30, character: 30 });
    const before = api.lastExplain();
    assert.equal(before?.fix?.title, FIX_TITLE);
    assert.deepEqual(before?.planBefore, ['`--SCAN task_queue']);

    await api.applyShownFix();

    const created = await vscode.workspace.openTextDocument(workspaceFile('examples', NEW_MIGRATION));
    assert.equal(created.getText(), 'CREATE INDEX IF NOT EXISTS idx_task_queue_assigned_worker ON task_queue(assigned_worker);\n');
    // The panel planned the query again once the server had seen the new file.
    const after = api.lastExplain();
    assert.deepEqual(after?.planBefore, ['`--SEARCH task_queue USING INDEX idx_task_queue_assigned_worker (assigned_worker=?)']);
    assert.equal(after?.fix, undefined);
    await waitFor('the missing-index diagnostic to go away', () =>
      planlensDiagnostics(store).every((d) => ruleId(d) !== 'missing-index'),
    );
  });
});
