import type { PlanLensConfig } from '../analyzeTypes';
import type { ExtractedSql, OffsetRange, PlanNode, QueryShape, RuleId, Severity, SourceLocation, TableInfo } from '../types';
import type { PlanningDatabase } from '../plan/queryPlanView';
import type { IndexAdvice } from '../advisor/advisor';
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
