import type { PlanLensConfig } from '../analyzeTypes';
import type {
  ExtractedSql,
  FileFacts,
  Fix,
  OffsetRange,
  PlanNode,
  QueryShape,
  RuleId,
  Severity,
  SourceLocation,
  TableInfo,
} from '../types';
import type { PlanningDatabase } from '../plan/queryPlanView';
import type { IndexAdvice } from '../advisor/advisor';
import type { WorkloadIndex } from '../workload/callGraph';
import type { AccessDiagnosis } from './accessDiagnosis';
import type { DatabaseFileSchema } from '../schema/databaseFile';

/** What every rule module declares about itself. */
export interface RuleMeta {
  id: RuleId;
  defaultSeverity: Severity;
  /** One line, shown in SARIF and in docs. */
  summary: string;
  /** Whether the rule can offer a verified fix. */
  fixable: boolean;
}

/** A rule's raw result; the pipeline turns it into a Finding (severity, fixes, related locations). */
export interface RuleReport {
  message: string;
  /** Defaults to the statement's range. */
  range?: OffsetRange;
  table?: string;
  advice?: IndexAdvice;
  /** Plan lines for findings without advice (advice carries its own before/after). */
  planBefore?: string[];
  related?: Array<SourceLocation & { message: string }>;
  /** Severity of this report when the config does not set one for the rule (pragma-config's hints are info). */
  severity?: Severity;
  /** A fix the rule built and verified itself (code rewrites); index fixes come from `advice` instead. */
  fix?: Fix;
}

/** Everything a per-query rule can look at. Expensive parts are computed once and shared by all rules. */
export interface QueryRuleContext {
  statement: ExtractedSql;
  planRoots: PlanNode[];
  planFlat: PlanNode[];
  shape: QueryShape | undefined;
  db: PlanningDatabase;
  config: PlanLensConfig;
  /** Per-table diagnosis of this query's plan, shared by missing-index, incomplete-index and temp-sort. */
  diagnoses(): AccessDiagnosis[];
}

export interface QueryRule {
  meta: RuleMeta;
  checkQuery(context: QueryRuleContext): RuleReport[];
}

/** A report about the schema itself, located at a DDL statement. */
export interface SchemaReport extends RuleReport {
  file: string;
  range: OffsetRange;
}

export interface SchemaRuleContext {
  tables: TableInfo[];
  config: PlanLensConfig;
  /** Database files whose schema was read (config `databases` / `useDatabaseFiles`), for schema drift. */
  databases?: readonly DatabaseFileSchema[];
}

export interface SchemaRule {
  meta: RuleMeta;
  checkSchema(context: SchemaRuleContext): SchemaReport[];
}

/** A report from a workspace rule, located in any file. */
export interface WorkspaceReport extends RuleReport {
  file: string;
  range: OffsetRange;
}

/** Everything a workspace rule can look at: every file's facts and the schema. */
export interface WorkspaceRuleContext {
  facts: ReadonlyMap<string, FileFacts>;
  readText(file: string): string | undefined;
  db: PlanningDatabase;
  config: PlanLensConfig;
  /** The call graph over all files' workload facts, built on first use and shared by the rules of one run. */
  workload(): WorkloadIndex;
  /**
   * When set, only reports located in these files are wanted (an editor re-checking the files an edit can have
   * changed). Rules may skip the other files' work; reports elsewhere are dropped either way.
   */
  onlyFiles?: ReadonlySet<string>;
}

/** A rule over how the whole workspace runs its queries (loops, call chains, connections). */
export interface WorkspaceRule {
  meta: RuleMeta;
  checkWorkspace(context: WorkspaceRuleContext): WorkspaceReport[];
}
