// Seed 000 (parachute): count_children filters sessions on parent_session_id AND archived, but the index only has
// parent_session_id. In a real VS Code: the squiggle, the Explain Query Plan panel, and the one-click fix.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
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

const DATABASE_PY = 'computer/parachute/db/database.py';
const NEW_INDEX = 'idx_sessions_parent_session_archived';
const NEW_MIGRATION_ENTRY = `    4: "CREATE INDEX IF NOT EXISTS ${NEW_INDEX} ON sessions(parent_session_id, archived)",`;
const FIX_TITLE = `Add index ${NEW_INDEX} ON sessions(parent_session_id, archived) in a new entry of the migration list in ${DATABASE_PY}`;
const PLAN_BEFORE = ['`--SEARCH sessions USING INDEX idx_sessions_parent_session (parent_session_id=?)'];
const PLAN_AFTER = [`\`--SEARCH sessions USING COVERING INDEX ${NEW_INDEX} (parent_session_id=? AND archived=?)`];
/** The query of count_children: `SELECT COUNT(*) FROM sessions` starts on line 39 (0-based 38), column 13. */
const QUERY_START = new vscode.Position(38, 12);

suite('seed 000: incomplete index on sessions(parent_session_id)', () => {
  let api: PlanLensApi;
  let uri: vscode.Uri;

  suiteSetup(async () => {
    uri = workspaceFile('seed000', DATABASE_PY);
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    api = await activatePlanLens();
  });

  test('the incomplete-index diagnostic appears on the query', async () => {
    const diagnostic = await waitFor('the incomplete-index diagnostic', () =>
      planlensDiagnostics(uri).find((d) => ruleId(d) === 'incomplete-index'),
    );
    assert.equal(describeRange(diagnostic.range), '38:12-41:15');
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Warning);
    assert.match(diagnostic.message, /^sessions is searched with idx_sessions_parent_session \(parent_session_id=\?\), then archived is checked row by row\./);
    assert.deepEqual(indexRuleDiagnostics(uri).map(ruleId), ['incomplete-index']);
  });

  test('Explain Query Plan on the cursor opens the panel with the plan before and after the index', async () => {
    const editor = await vscode.window.showTextDocument(uri);
    editor.selection = new vscode.Selection(QUERY_START.translate(1, 4), QUERY_START.translate(1, 4));
    await vscode.commands.executeCommand('planlens.explainQuery');

    const result = api.lastExplain();
    assert.ok(result, 'no explain result');
    assert.equal(result.error, undefined);
    assert.match(result.sql, /SELECT COUNT\(\*\) FROM sessions\s+WHERE parent_session_id = \? AND archived = 0/);
    assert.deepEqual(result.planBefore, PLAN_BEFORE);
    assert.deepEqual(result.planAfter, PLAN_AFTER);
    assert.equal(result.suggestion?.name, NEW_INDEX);
    assert.equal(result.fix?.title, FIX_TITLE);
    assert.deepEqual(result.findings.map((f) => f.ruleId), ['incomplete-index']);
    assert.ok(api.panelVisible(), 'the Query Plan panel is not visible');
    // One node in each of the two trees, drawn by the webview itself.
    await waitFor('the webview to draw both plans', () => api.renderedPlanNodes() === 2);
  });

  test('Explain Query Plan with code lens arguments explains the same query', async () => {
    await vscode.commands.executeCommand('planlens.explainQuery', uri.toString(), { line: 40, character: 20 });
    assert.deepEqual(api.lastExplain()?.planBefore, PLAN_BEFORE);
  });

  test('Explain Query Plan outside any query leaves the panel as it was', async () => {
    const shown = api.lastExplain();
    await vscode.commands.executeCommand('planlens.explainQuery', uri.toString(), { line: 0, character: 3 });
    assert.equal(api.lastExplain(), shown);
  });

  test('Explain Query Plan on a selection of SQL plans the selected text', async () => {
    const editor = await vscode.window.showTextDocument(uri);
    // From `SELECT` to the end of `archived = 0`, inside the triple-quoted string.
    editor.selection = new vscode.Selection(new vscode.Position(39, 12), new vscode.Position(40, 56));
    assert.equal(editor.document.getText(editor.selection), 'SELECT COUNT(*) FROM sessions\n            WHERE parent_session_id = ? AND archived = 0');
    await vscode.commands.executeCommand('planlens.explainQuery');
    const result = api.lastExplain();
    assert.equal(result?.error, undefined);
    assert.deepEqual(result?.planBefore, PLAN_BEFORE);
    assert.deepEqual(result?.planAfter, PLAN_AFTER);
  });

  test('hovering the query shows its plan, the index used and the plan with the suggested index', async () => {
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, QUERY_START.translate(1, 10));
    const markdown = hovers
      .flatMap((hover) => hover.contents)
      .map((content) => (typeof content === 'string' ? content : content.value))
      .join('\n');
    assert.ok(markdown.includes(PLAN_BEFORE[0]), markdown);
    assert.ok(markdown.includes('Indexes used: `idx_sessions_parent_session`'), markdown);
    assert.ok(markdown.includes(`Plan with \`${NEW_INDEX}\`:`), markdown);
    assert.ok(markdown.includes(PLAN_AFTER[0]), markdown);
  });

  test('with planlens.codeLens.enabled, an "Explain plan" lens runs the explain command on its query', async () => {
    await vscode.workspace.getConfiguration('planlens').update('codeLens.enabled', true, vscode.ConfigurationTarget.Workspace);
    try {
      let lenses: vscode.CodeLens[] = [];
      await waitFor('an Explain plan code lens', async () => {
        lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 10);
        return lenses.some((lens) => lens.command?.command === 'planlens.explainQuery');
      });
      const lens = lenses.find((l) => l.command?.command === 'planlens.explainQuery' && l.range.start.line === QUERY_START.line);
      assert.ok(lens?.command, `no lens on line ${QUERY_START.line}: ${lenses.map((l) => describeRange(l.range)).join(', ')}`);
      assert.equal(lens.command.title, 'Explain plan');
      assert.deepEqual(lens.command.arguments, [uri.toString(), { line: 38, character: 12 }]);
      await vscode.commands.executeCommand(lens.command.command, ...(lens.command.arguments ?? []));
      assert.deepEqual(api.lastExplain()?.planBefore, PLAN_BEFORE);
    } finally {
      await vscode.workspace.getConfiguration('planlens').update('codeLens.enabled', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  test('the quick fix adds the index to the migration list and the diagnostic goes away', async () => {
    const diagnostic = await waitFor('the incomplete-index diagnostic', () =>
      planlensDiagnostics(uri).find((d) => ruleId(d) === 'incomplete-index'),
    );
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      uri,
      diagnostic.range,
      vscode.CodeActionKind.QuickFix.value,
      10, // resolve the (lazily computed) edits of up to 10 actions
    );
    const fix = actions.find((action) => action.title === FIX_TITLE);
    assert.ok(fix, `no "${FIX_TITLE}" among: ${actions.map((a) => a.title).join(' | ')}`);
    assert.equal(fix.isPreferred, true);
    assert.ok(fix.edit, 'the quick fix has no edit');
    assert.ok(await vscode.workspace.applyEdit(fix.edit), 'applyEdit failed');

    const document = await vscode.workspace.openTextDocument(uri);
    const lines = document.getText().split('\n');
    assert.equal(lines[17], '    3: "ALTER TABLE sessions ADD COLUMN workspace_id TEXT",');
    assert.equal(lines[18], NEW_MIGRATION_ENTRY);
    assert.equal(lines[19], '}');
    assert.ok(await document.save(), 'saving the file failed');
    assert.ok(fs.readFileSync(uri.fsPath, 'utf8').includes(NEW_MIGRATION_ENTRY));

    await waitFor('the incomplete-index diagnostic to go away', () =>
      planlensDiagnostics(uri).every((d) => ruleId(d) !== 'incomplete-index'),
    );
  });

  test('after the fix, the plan uses the new index and nothing is suggested', async () => {
    // The new migration entry moved the query down one line.
    await vscode.commands.executeCommand('planlens.explainQuery', uri.toString(), QUERY_START.translate(1, 0));
    const result = api.lastExplain();
    assert.deepEqual(result?.planBefore, [
      `\`--SEARCH sessions USING COVERING INDEX ${NEW_INDEX} (parent_session_id=? AND archived=?)`,
    ]);
    assert.equal(result?.planAfter, undefined);
    assert.equal(result?.fix, undefined);
    assert.deepEqual(result?.findings, []);
  });
});
