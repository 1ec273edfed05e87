import * as vscode from 'vscode';
import type { StatusParams } from '../server/lsp/protocol';

const count = new Intl.NumberFormat('en-US');

/** The status bar item: a spinner with progress while the server indexes, then the workspace's finding count. */
export class PlanLensStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('planlens.status', vscode.StatusBarAlignment.Left, 10);

  constructor() {
    this.item.name = 'PlanLens';
    this.item.command = 'planlens.showOutput';
    this.item.text = '$(sync~spin) PlanLens';
    this.item.tooltip = 'PlanLens is starting. Click to show its output.';
    this.item.show();
  }

  update(status: StatusParams): void {
    this.item.backgroundColor = undefined;
    if (status.state === 'indexing') {
      const progress =
        typeof status.done === 'number' && typeof status.total === 'number'
          ? ` ${count.format(status.done)}/${count.format(status.total)}`
          : '';
      this.item.text = `$(sync~spin) PlanLens${progress}`;
      this.item.tooltip = `PlanLens is analysing the workspace${progress ? `: ${progress.trim()} files` : ''}.`;
      return;
    }
    this.item.text = `$(database) PlanLens: ${count.format(status.findings)}`;
    this.item.tooltip =
      status.findings === 1 ? '1 query plan finding in the workspace.' : `${count.format(status.findings)} query plan findings in the workspace.`;
  }

  showFailure(message: string): void {
    this.item.text = '$(error) PlanLens';
    this.item.tooltip = `PlanLens server failed: ${message}. Click to show its output.`;
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
  }

  dispose(): void {
    this.item.dispose();
  }
}
