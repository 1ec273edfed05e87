// The command palette commands other than Explain (which seed000/examples cover).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activatePlanLens, planlensDiagnostics, waitFor, workspaceFile } from './helpers';

suite('commands', () => {
  suiteSetup(async () => {
    await activatePlanLens();
  });

  test('PlanLens: Analyze Workspace re-analyses every folder and counts what the Problems panel shows', async () => {
    // After the start-up analysis, so the counts are those of a settled workspace.
    await waitFor('the first analysis', () => planlensDiagnostics(workspaceFile('seed000', 'computer/parachute/db/database.py')).length > 0);
    const result = await vscode.commands.executeCommand<{ files: number; findings: number }>('planlens.analyzeWorkspace');
    // seed000: database.py; examples: app/store.py, app/workers.py and two migrations.
    assert.equal(result.files, 5);
    const published = () =>
      vscode.languages.getDiagnostics().reduce((sum, [uri]) => sum + planlensDiagnostics(uri).length, 0);
    await waitFor(`${result.findings} published diagnostics`, () => published() === result.findings);
    assert.ok(result.findings >= 7, `only ${result.findings} findings`);
  });

  test('PlanLens: Show Output runs', async () => {
    await vscode.commands.executeCommand('planlens.showOutput');
  });

  test('the three commands are registered', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['planlens.explainQuery', 'planlens.analyzeWorkspace', 'planlens.showOutput']) {
      assert.ok(commands.includes(id), id);
    }
  });
});
