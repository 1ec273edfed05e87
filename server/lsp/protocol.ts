// PlanLens's custom LSP messages, shared by the server and (by copy of the shapes) the VS Code client.
import type { Position, Range, WorkspaceEdit } from 'vscode-languageserver/node';

export const EXPLAIN_REQUEST = 'planlens/explain';
export const ANALYZE_WORKSPACE_REQUEST = 'planlens/analyzeWorkspace';
export const STATUS_NOTIFICATION = 'planlens/status';

/** `planlens/explain` answers null when there is no query at the position. */
export interface ExplainParams {
  textDocument: { uri: string };
  /** The query under the cursor. */
  position?: Position;
  /** A selection; when `sql` is given it is the selected text. */
  range?: Range;
  /** SQL to plan as is (a selection of SQL text). */
  sql?: string;
}

export interface ExplainResult {
  sql: string;
  planBefore: string[];
  planAfter?: string[];
  suggestion?: { name: string; table: string; ddl: string };
  findings: Array<{ ruleId: string; message: string; severity: string }>;
  error?: string;
  fix?: { title: string; edit: WorkspaceEdit };
}

export interface AnalyzeWorkspaceResult {
  files: number;
  findings: number;
}

export interface StatusParams {
  state: 'indexing' | 'idle';
  findings: number;
  done?: number;
  total?: number;
}
