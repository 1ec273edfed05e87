// Planning results kept across edits: per SQL text, the plan, the shape and the diagnoses (with the index
// advice, the expensive part) for one schema. After a schema rebuild, only the entries that name a changed table,
// view or index are dropped; the others are reused against the new schema. Index fixes are cached per suggestion
// until a file holding schema changes.
import type { AccessDiagnosis } from './rules/accessDiagnosis';
import { maskSqlText } from './sql/dialect';
import type { ColumnInfo, Fix, IndexInfo, PlanNode, PlanResult, QueryShape, TableInfo } from './types';

/** What planning one SQL text gives; the shape and the diagnoses are computed on first use. */
export interface PlannedSql {
  plan: PlanResult;
  shape(): QueryShape | undefined;
  diagnoses(): AccessDiagnosis[];
  /** Whether `diagnoses()` is yet to parse the SQL: its shape is not known and its plan may hide a problem. */
  needsShape(): boolean;
  /** The shape, parsed elsewhere (sql/shapeThread.ts); ignored when one is known already. */
  provideShape(shape: QueryShape | undefined): void;
}

/** The schema as the cache sees it: its tables, and a signature per object for change detection. */
export interface CacheSchema {
  tables: Map<string, TableInfo>;
  planningSignatures(): Map<string, string>;
}

interface Entry {
  plan: PlanResult;
  shape?: { value: QueryShape | undefined };
  /** `mayHaveAccessProblem` of the plan, once asked. */
  mayHaveProblem?: boolean;
  diagnoses?: AccessDiagnosis[];
  /** The schema whose TableInfo objects `diagnoses` point at. */
  schema: CacheSchema;
}

/** Entries kept; beyond it the least recently used go. About 2 KB each. */
const DEFAULT_LIMIT = 50_000;

const IDENTIFIER = /"((?:[^"]|"")+)"|`([^`]+)`|\[([^\]]+)\]|([A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*)/g;

/** Lowercased identifiers the SQL mentions and tables its plan reads: a change to any of them drops the entry. */
function mentionedNames(sql: string, plan: PlanResult): Set<string> {
  const names = new Set<string>();
  for (const match of sql.matchAll(IDENTIFIER)) {
    const name = match[1]?.replace(/""/g, '"') ?? match[2] ?? match[3] ?? match[4];
    if (name) names.add(name.toLowerCase());
  }
  if (plan.ok) {
    for (const node of plan.flat) {
      if (node.op.kind === 'scan' || node.op.kind === 'search' || node.op.kind === 'bloom-filter') names.add(node.op.table.toLowerCase());
    }
  }
  return names;
}

export interface PlanInputs {
  explain(sql: string): PlanResult;
  shape(sql: string): QueryShape | undefined;
  /** Diagnoses of a plan whose steps may hide a problem. */
  diagnose(sql: string, shape: QueryShape, plan: Extract<PlanResult, { ok: true }>): AccessDiagnosis[];
}

export class PlanCache {
  private readonly entries = new Map<string, Entry>();
  private schema: CacheSchema | undefined;
  private signatures: Map<string, string> | undefined;

  constructor(private readonly limit = DEFAULT_LIMIT) {}

  get size(): number {
    return this.entries.size;
  }

  /** The planned SQL for the current schema, planning it on a miss. */
  lookup(schema: CacheSchema, sql: string, inputs: PlanInputs): PlannedSql {
    if (this.schema !== schema) this.rebase(schema);
    let entry = this.entries.get(sql);
    if (entry) {
      this.entries.delete(sql); // most recently used last
    } else {
      const plan = inputs.explain(sql);
      entry = { plan, schema };
      if (this.entries.size >= this.limit) {
        const oldest = this.entries.keys().next().value;
        if (oldest !== undefined) this.entries.delete(oldest);
      }
    }
    this.entries.set(sql, entry);
    const current = entry;
    const shape = () => {
      current.shape ??= { value: inputs.shape(sql) };
      return current.shape.value;
    };
    const mayHaveProblem = (flat: PlanNode[]) => (current.mayHaveProblem ??= mayHaveAccessProblem(sql, flat, schema.tables));
    return {
      plan: current.plan,
      shape,
      needsShape: () => current.plan.ok && current.diagnoses === undefined && current.shape === undefined && mayHaveProblem(current.plan.flat),
      provideShape: (value) => {
        current.shape ??= { value };
      },
      diagnoses: () => {
        if (!current.plan.ok) return [];
        if (current.diagnoses === undefined) {
          const parsed = mayHaveProblem(current.plan.flat) ? shape() : undefined;
          current.diagnoses = parsed ? inputs.diagnose(sql, parsed, current.plan) : [];
          current.schema = schema;
        } else if (current.schema !== schema) {
          // Planned against an earlier schema whose tables it reads are unchanged: point at today's TableInfo,
          // so related locations and fixes use where the table is defined now.
          current.diagnoses = current.diagnoses.map((diagnosis) => ({
            ...diagnosis,
            table: schema.tables.get(diagnosis.table.name.toLowerCase()) ?? diagnosis.table,
          }));
          current.schema = schema;
        }
        return current.diagnoses;
      },
    };
  }

  /**
   * Moves to a rebuilt schema, keeping the entries whose names are all unchanged. `keepAny` false drops
   * everything (a change that affects every plan, such as how indexes are named). Returns how many were dropped.
   */
  rebase(schema: CacheSchema, keepAny = true): number {
    const previous = this.signatures;
    const next = schema.planningSignatures();
    this.schema = schema;
    this.signatures = next;
    if (!previous || !keepAny) {
      const dropped = this.entries.size;
      this.entries.clear();
      return dropped;
    }
    const changed = new Set<string>();
    for (const [name, signature] of next) if (previous.get(name) !== signature) changed.add(name);
    for (const name of previous.keys()) if (!next.has(name)) changed.add(name);
    if (changed.size === 0) return 0;
    let dropped = 0;
    for (const [sql, entry] of this.entries) {
      // Names are found again here rather than kept per entry: a schema change is rare, memory is not.
      const names = entry.plan.ok ? mentionedNames(sql, entry.plan) : undefined;
      if (!names || [...changed].some((name) => names.has(name))) {
        this.entries.delete(sql);
        dropped++;
      }
    }
    return dropped;
  }
}

/** Clauses after the filters of a statement's own level. */
const AFTER_FILTERS = /\b(?:order|group|limit|having|window|returning)\b/i;
const FILTER_CLAUSE = /\b(?:where|on|using)\b/i;
const COLUMN_REFERENCE = /([A-Za-z_][\w$]*)\s*\.\s*([A-Za-z_][\w$]*)|([A-Za-z_][\w$]*)/g;

/** Column names the FROM and WHERE clauses mention: `alias.column` qualified, bare names unqualified. */
interface FilterMentions {
  qualified: Set<string>;
  unqualified: Set<string>;
}

/**
 * False when no step of the plan can give missing-index, incomplete-index or temp-sort anything to report, so the
 * SQL need not be parsed (parsing costs more than planning): no sort or compound, and every table step is a rowid
 * lookup, a unique index bound on all its columns, the scan of a lone table without any filter, or a search whose
 * index constrains every column of its table that the FROM and WHERE clauses of its own level mention. One
 * uncorrelated subquery (`… WHERE x IN (SELECT …)`) is allowed: its steps are held to its own text, and the outer
 * steps to the text around it. Anything less plain answers true.
 */
export function mayHaveAccessProblem(sql: string, flat: PlanNode[], tables: Map<string, TableInfo>): boolean {
  const subqueries = flat.filter((node) => node.op.kind === 'subquery');
  if (subqueries.length === 0) return !stepsArePlain(flat, tables, sql, flat.length === 1 && !FILTER_CLAUSE.test(sql));
  const subquery = subqueries[0];
  if (subqueries.length > 1 || subquery.op.kind !== 'subquery' || subquery.op.correlated || /["`[]/.test(sql)) return true;
  const levels = splitSubqueryLevels(maskSqlText(sql).code);
  if (!levels) return true;
  const inner = new Set<PlanNode>();
  const collect = (node: PlanNode) => {
    for (const child of node.children) {
      inner.add(child);
      collect(child);
    }
  };
  collect(subquery);
  const outer = flat.filter((node) => node !== subquery && !inner.has(node));
  // A scan in either level is left to the parse (the lone-table exception is for a whole statement only).
  return !stepsArePlain(outer, tables, levels.outer, false) || !stepsArePlain([...inner], tables, levels.inner, false);
}

// A schema build makes new column and index lists and never changes them afterwards, so their lower-cased names are
// kept per list: this check runs for every planned query, and lower-casing every column of every step was about a
// tenth of a second of a 10,000-file check.
const lowerColumnNames = new WeakMap<ColumnInfo[], string[]>();
const indexesByLowerName = new WeakMap<IndexInfo[], Map<string, IndexInfo>>();

function columnNamesOf(table: TableInfo): string[] {
  let names = lowerColumnNames.get(table.columns);
  if (!names) {
    names = table.columns.map((column) => column.name.toLowerCase());
    lowerColumnNames.set(table.columns, names);
  }
  return names;
}

function indexNamed(table: TableInfo, name: string): IndexInfo | undefined {
  let byName = indexesByLowerName.get(table.indexes);
  if (!byName) {
    byName = new Map();
    // The first index of a name wins, as a search of the list would find it.
    for (const index of table.indexes) if (!byName.has(index.name.toLowerCase())) byName.set(index.name.toLowerCase(), index);
    indexesByLowerName.set(table.indexes, byName);
  }
  return byName.get(name.toLowerCase());
}

/**
 * Whether every step is a table step that leaves nothing to report, judged against `levelSql` (the text of the
 * steps' own query level). `loneScanAllowed`: a full scan passes (a lone table read without any filter).
 */
function stepsArePlain(steps: PlanNode[], tables: Map<string, TableInfo>, levelSql: string, loneScanAllowed: boolean): boolean {
  let mentions: FilterMentions | undefined;
  for (const node of steps) {
    const op = node.op;
    if (op.kind !== 'scan' && op.kind !== 'search') return false;
    if (op.kind === 'scan' || op.index?.automatic) {
      if (loneScanAllowed) continue;
      return false;
    }
    if (op.rowid) continue;
    const table = tables.get(op.table.toLowerCase());
    const index = op.index && table ? indexNamed(table, op.index.name) : undefined;
    if (!table || !index) return false;
    const constrained = new Set(op.constraints.map((constraint) => constraint.column.toLowerCase()));
    if (index.unique && index.columns.every((column) => column.name !== null && constrained.has(column.name.toLowerCase()))) continue;
    mentions ??= filterMentions(levelSql);
    if (!mentions) return false;
    const alias = (op.alias ?? op.table).toLowerCase();
    for (const name of columnNamesOf(table)) {
      if (!constrained.has(name) && (mentions.unqualified.has(name) || mentions.qualified.has(`${alias}.${name}`))) return false;
    }
  }
  return true;
}

/**
 * The two query levels of masked SQL holding exactly one parenthesized `(SELECT …)` and no other SELECT but the
 * statement's own: the outer text with the group blanked, and the group's inside. Undefined for anything else.
 */
function splitSubqueryLevels(code: string): { outer: string; inner: string } | undefined {
  const selects = code.match(/\bselect\b/gi)?.length ?? 0;
  const opening = /\(\s*select\b/gi;
  const first = opening.exec(code);
  if (!first || opening.exec(code) !== null) return undefined;
  const outerIsSelect = /^\s*select\b/i.test(code);
  if (selects !== (outerIsSelect ? 2 : 1) || /\bwith\b/i.test(code)) return undefined;
  let depth = 0;
  for (let i = first.index; i < code.length; i++) {
    const char = code[i];
    if (char === '(') depth++;
    else if (char === ')' && --depth === 0) {
      return { outer: code.slice(0, first.index) + ' '.repeat(i + 1 - first.index) + code.slice(i + 1), inner: code.slice(first.index + 1, i) };
    }
  }
  return undefined;
}

/** Undefined when unsure (quoted names, which the masking below blanks like strings). */
function filterMentions(sql: string): FilterMentions | undefined {
  if (/["`[]/.test(sql)) return undefined;
  const code = maskSqlText(sql).code;
  const mentions: FilterMentions = { qualified: new Set(), unqualified: new Set() };
  const start = /\b(?:from|where)\b/i.exec(code);
  if (!start) return mentions;
  const rest = code.slice(start.index);
  const end = AFTER_FILTERS.exec(rest);
  for (const [, qualifier, column, bare] of (end ? rest.slice(0, end.index) : rest).matchAll(COLUMN_REFERENCE)) {
    if (bare !== undefined) mentions.unqualified.add(bare.toLowerCase());
    else mentions.qualified.add(`${qualifier.toLowerCase()}.${column.toLowerCase()}`);
  }
  return mentions;
}

/** Index fixes by table and suggested DDL: the same suggestion on the same table is written the same way. */
export class FixCache {
  private readonly fixes = new Map<string, Fix | undefined>();

  get(table: string, ddl: string, compute: () => Fix | undefined): Fix | undefined {
    const key = `${table.toLowerCase()}\u0000${ddl}`;
    if (this.fixes.has(key)) return this.fixes.get(key);
    const fix = compute();
    this.fixes.set(key, fix);
    return fix;
  }

  /** Where fixes go (schema files, migration folders, DDL strings) may have changed. */
  clear(): void {
    this.fixes.clear();
  }
}
