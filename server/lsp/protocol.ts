// PlanLens's custom LSP messages. The server implements them and the VS Code client (src/) imports this
// module too: it holds only names and types, so the client bundle stays free of engine code.
import type { Position, Range, WorkspaceEdit } from 'vscode-languageserver-protocol';

export const EXPLAIN_REQUEST = 'planlens/explain';
export const ANALYZE_WORKSPACE_REQUEST = 'planlens/analyzeWorkspace';
export const STATUS_NOTIFICATION = 'planlens/status';

/**
 * Which query to explain: the one under `position`, or the selected SQL (`range` + its text as `sql`).
 * The server answers null when there is no query at the position.
 */
export interface ExplainParams {
  textDocument: { uri: string };
  position?: Position;
  range?: Range;
  sql?: string;
}

export interface ExplainFinding {
  ruleId: string;
  message: string;
  severity: string;
}

export interface ExplainResult {
  /** The SQL as SQLite saw it (placeholders normalised, host-language quoting removed). */
  sql: string;
  /** Plan tree lines: `|--SCAN t`, `` `--USE TEMP B-TREE FOR ORDER BY ``, indented by `|  ` or `   ` per level. */
  planBefore: string[];
  /** The plan with the suggested index, when there is one. */
  planAfter?: string[];
  suggestion?: { name: string; table: string; ddl: string };
  findings: ExplainFinding[];
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
