// The workspace index plan: every query's verified index advice, consolidated per table. An index whose columns
// start with another suggestion's columns serves both ((a, b) and (a, b, c) → (a, b, c)) when planning each
// query again with it proves it does as well; existing indexes that become a prefix of a planned one are reported
// as redundant.
import type { ExtractedSql, IndexColumn, IndexInfo, IndexSuggestion, PlanNode, SourceLocation } from '../types';
import { isFullScan, sortSteps, tableSteps, type PlanningDatabase } from '../plan/queryPlanView';
import { formatPlanTree } from '../plan/explain';

/** A query and the index the advisor verified for one of its tables. */
export interface AdvisedQuery {
  statement: ExtractedSql;
  suggestion: IndexSuggestion;
}

export interface PlannedIndex {
  suggestion: IndexSuggestion;
  /** Queries it serves, each proven by planning it with this index. */
  serves: AdvisedQuery[];
  /** Existing indexes whose columns it starts with: they only cost writes once it exists. */
  redundant: IndexInfo[];
}

/** What `planlens indexes` prints. */
export interface IndexPlanReport {
  root: string;
  indexes: Array<{
    suggestion: IndexSuggestion;
    serves: Array<SourceLocation & { function?: string; sql: string }>;
    redundant: Array<{ name: string; columns: IndexColumn[]; definedAt?: SourceLocation }>;
  }>;
  /** Text of every file a location refers to, for line numbers. */
  texts: Map<string, string>;
}

interface Score {
  fullScan: boolean;
  constrained: number;
  sorts: number;
  index?: string;
}

function score(flat: PlanNode[], table: string): Score | undefined {
  const steps = tableSteps(flat).filter((step) => step.op.table.toLowerCase() === table.toLowerCase());
  if (steps.length === 0) return undefined;
  const worst = steps.find((step) => isFullScan(step.op)) ?? steps[0];
  return { fullScan: isFullScan(worst.op), constrained: worst.op.constraints.length, sorts: sortSteps(flat).length, index: worst.op.index?.name };
}

function scoreOf(db: PlanningDatabase, sql: string, table: string): Score | undefined {
  const plan = db.explain(sql);
  return plan.ok ? score(plan.flat, table) : undefined;
}

type PlanWith = { flat: PlanNode[]; roots: PlanNode[] } | undefined;

/** Plans with one what-if index, per schema: an editor rebuilds the index plan after every edit, from mostly the same queries. */
const plansWith = new WeakMap<PlanningDatabase, Map<string, PlanWith>>();
const PLANS_WITH_LIMIT = 20_000;

function planWith(db: PlanningDatabase, ddl: string, sql: string): PlanWith {
  let cache = plansWith.get(db);
  if (!cache || cache.size >= PLANS_WITH_LIMIT) {
    cache = new Map();
    plansWith.set(db, cache);
  }
  const key = `${ddl}\u0000${sql}`;
  if (cache.has(key)) return cache.get(key);
  const plan = db.withHypotheticalIndexes([ddl], () => {
    const result = db.explain(sql);
    return result.ok ? { flat: result.flat, roots: result.roots } : undefined;
  });
  cache.set(key, plan);
  return plan;
}

function sameColumn(a: IndexColumn, b: IndexColumn): boolean {
  const sameKey = a.name !== null && b.name !== null ? a.name.toLowerCase() === b.name.toLowerCase() : a.expr !== undefined && a.expr === b.expr;
  return sameKey && a.desc === b.desc;
}

function isPrefix(shorter: IndexColumn[], longer: IndexColumn[]): boolean {
  return shorter.length <= longer.length && shorter.every((column, i) => sameColumn(column, longer[i]));
}

function columnsKey(columns: IndexColumn[]): string {
  return columns.map((column) => `${(column.name ?? column.expr ?? '').toLowerCase()}${column.desc ? ' desc' : ''}`).join(',');
}

export class IndexPlan {
  readonly indexes: PlannedIndex[] = [];
  private readonly byQuery = new Map<string, PlannedIndex>();

  /**
   * `verdicts` remembers, per query SQL, own index and candidate host, whether the host serves the query as well:
   * plans depend only on the schema, so a caller may keep it across rebuilds until the schema changes.
   */
  constructor(
    private readonly db: PlanningDatabase,
    advised: AdvisedQuery[],
    private readonly verdicts: Map<string, boolean> = new Map(),
  ) {
    const byTable = new Map<string, AdvisedQuery[]>();
    for (const query of advised) {
      const key = query.suggestion.table.toLowerCase();
      byTable.set(key, [...(byTable.get(key) ?? []), query]);
    }
    for (const queries of byTable.values()) this.planTable(queries);
    for (const planned of this.indexes) {
      for (const query of planned.serves) this.byQuery.set(queryKey(query.statement, planned.suggestion.table), planned);
    }
  }

  /** The planned index that serves this query's access to `table`, if the query had advice for it. */
  forQuery(statement: ExtractedSql, table: string): PlannedIndex | undefined {
    return this.byQuery.get(queryKey(statement, table));
  }

  /** The plan of a query with a planned index added (for the finding's "after" plan). */
  planAfter(statement: ExtractedSql, planned: PlannedIndex): string[] | undefined {
    const plan = planWith(this.db, planned.suggestion.ddl, statement.sql);
    return plan ? formatPlanTree(plan.roots) : undefined;
  }

  private planTable(queries: AdvisedQuery[]): void {
    const groups = new Map<string, AdvisedQuery[]>();
    for (const query of queries) {
      const key = columnsKey(query.suggestion.columns);
      groups.set(key, [...(groups.get(key) ?? []), query]);
    }
    // Longest first, so shorter suggestions can fold into an index that starts with their columns.
    const ordered = [...groups.values()].sort(
      (a, b) => b[0].suggestion.columns.length - a[0].suggestion.columns.length || a[0].suggestion.name.localeCompare(b[0].suggestion.name),
    );
    const chosen: PlannedIndex[] = [];
    for (const group of ordered) {
      const suggestion = group[0].suggestion;
      const host = chosen.find((planned) => isPrefix(suggestion.columns, planned.suggestion.columns) && this.servesAsWell(planned.suggestion, group));
      if (host) host.serves.push(...group);
      else chosen.push({ suggestion, serves: [...group], redundant: [] });
    }
    const table = this.db.tables.get(queries[0].suggestion.table.toLowerCase());
    for (const planned of chosen) {
      planned.serves.sort((a, b) => (a.statement.file < b.statement.file ? -1 : a.statement.file > b.statement.file ? 1 : a.statement.range.start - b.statement.range.start));
      planned.redundant =
        table?.indexes.filter(
          (index) => index.origin === 'c' && !index.unique && !index.partial && isPrefix(index.columns, planned.suggestion.columns),
        ) ?? [];
      this.indexes.push(planned);
    }
  }

  /**
   * Each query, planned with `index` instead of its own suggestion, reads the table at least as well. Queries are
   * planned in batches: one what-if index per distinct own suggestion, and one for the host.
   */
  private servesAsWell(index: IndexSuggestion, queries: AdvisedQuery[]): boolean {
    const key = (query: AdvisedQuery) => `${query.statement.sql}\u0000${query.suggestion.ddl}\u0000${index.ddl}`;
    const unknown = queries.filter((query) => !this.verdicts.has(key(query)));
    if (unknown.length > 0) {
      const ownScores = new Map<AdvisedQuery, Score | undefined>();
      for (const ddl of new Set(unknown.map((query) => query.suggestion.ddl))) {
        this.db.withHypotheticalIndexes([ddl], () => {
          for (const query of unknown.filter((candidate) => candidate.suggestion.ddl === ddl)) {
            ownScores.set(query, scoreOf(this.db, query.statement.sql, index.table));
          }
        });
      }
      this.db.withHypotheticalIndexes([index.ddl], () => {
        for (const query of unknown) {
          const own = ownScores.get(query);
          const shared = scoreOf(this.db, query.statement.sql, index.table);
          const serves =
            own !== undefined &&
            shared !== undefined &&
            shared.index?.toLowerCase() === index.name.toLowerCase() &&
            !shared.fullScan &&
            shared.constrained >= own.constrained &&
            shared.sorts <= own.sorts;
          this.verdicts.set(key(query), serves);
        }
      });
    }
    return queries.every((query) => this.verdicts.get(key(query)) === true);
  }
}

function queryKey(statement: ExtractedSql, table: string): string {
  return `${statement.file}\u0000${statement.range.start}\u0000${statement.range.end}\u0000${table.toLowerCase()}`;
}
