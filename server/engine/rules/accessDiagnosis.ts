import type { PlanLensConfig } from '../analyzeTypes';
import type { PlanNode, QueryShape, TableAccess, TableInfo } from '../types';
import { adviseIndex, type IndexAdvice } from '../advisor/advisor';
import { classifyColumn } from '../schema/stats';
import type { detectNamingStyle } from '../advisor/naming';
import {
  constrainedColumns,
  isFullScan,
  lookupTable,
  sortSteps,
  stepsForAccess,
  tableSteps,
  type PlanningDatabase,
  type TableStep,
} from '../plan/queryPlanView';

/**
 * The one problem (at most) that a table access of a query has. Ordered by severity: a full scan hides an
 * incomplete index, which hides a sort. The three index rules each report their own kind, so a query never
 * gets two findings for the same table.
 */
export type AccessProblem =
  | { kind: 'scan'; step: TableStep; filterColumns: string[] }
  | { kind: 'partial'; step: TableStep; unconstrained: string[] }
  | { kind: 'sort'; sortNode: PlanNode; purpose: string; splitAcrossTables: boolean };

export interface AccessDiagnosis {
  access: TableAccess;
  table: TableInfo;
  problem: AccessProblem;
  /** The verified index suggestion, when one exists. */
  advice?: IndexAdvice;
}

export interface DiagnosisInput {
  sql: string;
  shape: QueryShape;
  planRoots: PlanNode[];
  planFlat: PlanNode[];
  db: PlanningDatabase;
  config: PlanLensConfig;
  namingStyle: ReturnType<typeof detectNamingStyle>;
}

function lower(names: string[]): string[] {
  return names.map((name) => name.toLowerCase());
}

/** Filter columns an index on this table could seek on. Join columns count only for inner loops. */
function seekableColumns(access: TableAccess, isOutermost: boolean): string[] {
  const columns = [...access.equality, ...access.inList, ...access.isNull, ...access.range];
  if (!isOutermost) columns.push(...access.join);
  for (const expression of access.expressions) columns.push(expression.column);
  for (const branch of access.orColumns) columns.push(...branch);
  return [...new Set(lower(columns))];
}

function isSmallTable(config: PlanLensConfig, table: string): boolean {
  return config.smallTables.some((small) => small.toLowerCase() === table.toLowerCase());
}

function hasColumn(table: TableInfo, column: string): boolean {
  return table.columns.some((c) => c.name.toLowerCase() === column);
}

export function diagnoseQuery(input: DiagnosisInput): AccessDiagnosis[] {
  const { shape, planFlat, db, config } = input;
  const allSteps = tableSteps(planFlat);
  const outermostStep = allSteps[0];
  const sorts = sortSteps(planFlat);
  const diagnoses: AccessDiagnosis[] = [];

  for (const access of shape.tables) {
    const table = lookupTable(db, access.table);
    if (!table || isSmallTable(config, table.name)) continue;
    const steps = stepsForAccess(planFlat, access);
    if (steps.length === 0) continue;
    const isOutermost = steps.some((step) => step.node === outermostStep?.node);
    // An outer loop that scans only because its join column has no index, while another table has the filter
    // that should drive the join: the join column is what needs the index.
    const ownFilters = seekableColumns(access, true).length > 0;
    const otherFiltered = shape.tables.some((other) => other !== access && other.equality.length + other.inList.length > 0);
    const joinDriven = isOutermost && !ownFilters && otherFiltered && access.join.length > 0;
    const filterColumns = seekableColumns(access, isOutermost && !joinDriven).filter((column) => hasColumn(table, column));

    let problem: AccessProblem | undefined;
    const scanStep = steps.find((step) => isFullScan(step.op));
    // Filtering only on flags (archived = 0) still reads about half the table: an index would not make that cheap.
    const onlyFlags = filterColumns.every((column) => classifyColumn(table, column) === 'flag');
    if (scanStep && filterColumns.length > 0 && !onlyFlags) {
      problem = { kind: 'scan', step: scanStep, filterColumns };
    } else if (!scanStep) {
      for (const step of steps) {
        const constrained = constrainedColumns(step.op);
        if (step.op.rowid) continue; // a rowid lookup returns one row: nothing left to filter
        if (step.op.index && isUniqueFullyConstrained(table, step.op.index.name, constrained)) continue;
        const unconstrained = lower([...access.equality, ...access.isNull, ...access.range, ...access.inList])
          .filter((column) => hasColumn(table, column) && !constrained.has(column));
        if (unconstrained.length > 0) {
          problem = { kind: 'partial', step, unconstrained: [...new Set(unconstrained)] };
          break;
        }
      }
    }
    if (!problem && sorts.length > 0) {
      const ownsOrder = access.orderBy.length > 0 || access.groupBy.length > 0;
      const sortNode = sorts[0];
      const purpose = sortNode.op.kind === 'temp-btree' ? sortNode.op.purpose : 'ORDER BY';
      // Seed 004: the filter sits in one table and the ORDER BY in another, so no single index serves both.
      const filteredElsewhere = shape.tables.some(
        (other) => other !== access && other.equality.length + other.inList.length > 0,
      );
      const splitAcrossTables =
        shape.orderBySpansTables ||
        (ownsOrder && !isOutermost && filteredElsewhere && access.equality.length + access.inList.length === 0);
      // ORDER BY terms from several tables belong to no access: the outermost loop reports them.
      const nobodyOwnsOrder = !shape.tables.some((other) => other.orderBy.length > 0 || other.groupBy.length > 0);
      if (ownsOrder || (shape.orderBySpansTables && isOutermost && nobodyOwnsOrder)) {
        problem = { kind: 'sort', sortNode, purpose, splitAcrossTables };
      }
    }
    if (!problem) continue;

    const advice =
      problem.kind === 'sort' && problem.splitAcrossTables
        ? undefined
        : adviseIndex(db, input.sql, access, table, planFlat, input.planRoots, input.namingStyle, !isOutermost || joinDriven);
    diagnoses.push({ access, table, problem, advice });
  }
  return diagnoses;
}

/** A UNIQUE/PK index with every key column bound by equality returns at most one row. */
function isUniqueFullyConstrained(table: TableInfo, indexName: string, constrained: Set<string>): boolean {
  const index = table.indexes.find((candidate) => candidate.name.toLowerCase() === indexName.toLowerCase());
  if (!index || !index.unique) return false;
  return index.columns.every((column) => column.name !== null && constrained.has(column.name.toLowerCase()));
}
