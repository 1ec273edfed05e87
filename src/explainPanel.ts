import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import type { ExplainResult } from '../server/lsp/protocol';

/** What the panel shows: a result, where its query lives, and an optional one-line notice (e.g. "fix applied"). */
export interface ExplainView {
  result: ExplainResult;
  origin: string;
  notice?: string;
}

export interface ExplainPanelActions {
  applyFix(view: ExplainView): Promise<void>;
  copySql(view: ExplainView): Promise<void>;
}

/** Messages the webview (media/explain.js) sends. */
type WebviewMessage = { type: 'ready' } | { type: 'applyFix' } | { type: 'copySql' } | { type: 'rendered'; planNodes: number };

/** The single "Query Plan" webview panel: created on first use, then revealed and updated in place. */
export class ExplainPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private view: ExplainView | undefined;
  private planNodes = 0;

  constructor(
    private readonly mediaRoot: vscode.Uri,
    private readonly actions: ExplainPanelActions,
  ) {}

  get visible(): boolean {
    return this.panel?.visible ?? false;
  }

  /** Plan nodes the webview last drew (before + after): proof that the page rendered, for tests. */
  get renderedPlanNodes(): number {
    return this.panel ? this.planNodes : 0;
  }

  show(view: ExplainView): void {
    this.view = view;
    this.planNodes = 0;
    if (!this.panel) {
      this.panel = this.createPanel();
    } else {
      this.panel.reveal(this.panel.viewColumn ?? vscode.ViewColumn.Beside, true);
    }
    void this.panel.webview.postMessage({ type: 'show', view });
  }

  dispose(): void {
    this.panel?.dispose();
  }

  private createPanel(): vscode.WebviewPanel {
    const panel = vscode.window.createWebviewPanel(
      'planlens.explain',
      'Query Plan',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true, localResourceRoots: [this.mediaRoot] },
    );
    panel.iconPath = vscode.Uri.joinPath(this.mediaRoot, 'icon.png');
    panel.webview.html = this.html(panel.webview);
    panel.webview.onDidReceiveMessage((message: WebviewMessage) => this.onMessage(message));
    panel.onDidDispose(() => {
      this.panel = undefined;
      this.planNodes = 0;
    });
    return panel;
  }

  private onMessage(message: WebviewMessage): void {
    const view = this.view;
    switch (message.type) {
      // The page (re)loaded, e.g. after the panel was hidden: send it what to draw.
      case 'ready':
        if (view) void this.panel?.webview.postMessage({ type: 'show', view });
        break;
      case 'rendered':
        this.planNodes = message.planNodes;
        break;
      case 'applyFix':
        if (view) void this.actions.applyFix(view);
        break;
      case 'copySql':
        if (view) void this.actions.copySql(view);
        break;
    }
  }

  private html(webview: vscode.Webview): string {
    const nonce = crypto.randomBytes(16).toString('base64');
    const planTree = webview.asWebviewUri(vscode.Uri.joinPath(this.mediaRoot, 'planTree.js'));
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.mediaRoot, 'explain.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(this.mediaRoot, 'explain.css'));
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource}`,
      `img-src ${webview.cspSource}`,
      `font-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>Query Plan</title>
</head>
<body>
<main id="root"><p class="placeholder">Run “PlanLens: Explain Query Plan” with the cursor on a query.</p></main>
<script nonce="${nonce}" src="${planTree}"></script>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }
}
