import type { QueryRule, RuleMeta, SchemaRule, WorkspaceRule } from './rule';
import { missingIndexRule } from './missingIndex';
import { incompleteIndexRule } from './incompleteIndex';
import { tempSortRule } from './tempSort';
import { redundantIndexRule } from './redundantIndex';
import { sqlErrorRule } from './sqlError';
import { schemaDriftRule } from './schemaDrift';
import { nPlusOneRule } from './nPlusOne';
import { writeInLoopRule } from './writeInLoop';
import { countAggregationRule } from './countAggregation';
import { pragmaConfigRule } from './pragmaConfig';

/** Rules that look at one query's plan. */
export const QUERY_RULES: QueryRule[] = [missingIndexRule, incompleteIndexRule, tempSortRule];

/** Rules that look at the rebuilt schema. */
export const SCHEMA_RULES: SchemaRule[] = [redundantIndexRule, schemaDriftRule];

/** Rules over how the whole workspace runs its queries: loops, call chains, connection setup. */
export const WORKSPACE_RULES: WorkspaceRule[] = [nPlusOneRule, writeInLoopRule, countAggregationRule, pragmaConfigRule];

/** Every rule's metadata, for SARIF, docs and settings. */
export const ALL_RULES: RuleMeta[] = [
  ...QUERY_RULES.map((rule) => rule.meta),
  ...SCHEMA_RULES.map((rule) => rule.meta),
  ...WORKSPACE_RULES.map((rule) => rule.meta),
  sqlErrorRule.meta,
];

export function ruleMeta(id: string): RuleMeta | undefined {
  return ALL_RULES.find((meta) => meta.id === id);
}
