import type { QueryRule, RuleMeta, SchemaRule } from './rule';
import { missingIndexRule } from './missingIndex';
import { incompleteIndexRule } from './incompleteIndex';
import { tempSortRule } from './tempSort';
import { redundantIndexRule } from './redundantIndex';
import { sqlErrorRule } from './sqlError';
import { schemaDriftRule } from './schemaDrift';

/** Rules that look at one query's plan. */
export const QUERY_RULES: QueryRule[] = [missingIndexRule, incompleteIndexRule, tempSortRule];

/** Rules that look at the rebuilt schema. */
export const SCHEMA_RULES: SchemaRule[] = [redundantIndexRule, schemaDriftRule];

/** Every rule's metadata, for SARIF, docs and settings. */
export const ALL_RULES: RuleMeta[] = [
  ...QUERY_RULES.map((rule) => rule.meta),
  ...SCHEMA_RULES.map((rule) => rule.meta),
  sqlErrorRule.meta,
];

export function ruleMeta(id: string): RuleMeta | undefined {
  return ALL_RULES.find((meta) => meta.id === id);
}
