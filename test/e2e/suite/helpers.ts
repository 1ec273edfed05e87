import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { PlanLensApi } from '../../../src/extension';

export const EXTENSION_ID = 'planlens.planlens';

/** Polls `probe` until it returns something truthy; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function activatePlanLens(): Promise<PlanLensApi> {
  const extension = vscode.extensions.getExtension<PlanLensApi>(EXTENSION_ID);
  assert.ok(extension, `extension ${EXTENSION_ID} is not loaded`);
  const api = await extension.activate();
  await api.ready;
  return api;
}

/** A file in the workspace folder named `folderName` (the harness opens one folder per fixture). */
export function workspaceFile(folderName: string, relativePath: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.find((candidate) => candidate.name === folderName);
  assert.ok(folder, `no workspace folder named ${folderName}`);
  return vscode.Uri.joinPath(folder.uri, relativePath);
}

export function planlensDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((diagnostic) => diagnostic.source === 'planlens');
}

/** The schema/plan rules these suites are about; workload rules (pragma-config, n-plus-one…) come and go. */
const INDEX_RULES = new Set(['missing-index', 'incomplete-index', 'temp-sort', 'redundant-index', 'sql-error']);

export function indexRuleDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return planlensDiagnostics(uri).filter((diagnostic) => INDEX_RULES.has(ruleId(diagnostic) ?? ''));
}

export function ruleId(diagnostic: vscode.Diagnostic): string | undefined {
  const code = diagnostic.code;
  if (typeof code === 'object' && code !== null) return String(code.value);
  return code === undefined ? undefined : String(code);
}

export function describeRange(range: vscode.Range): string {
  return `${range.start.line}:${range.start.character}-${range.end.line}:${range.end.character}`;
}
