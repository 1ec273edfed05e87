import type { PlanNode, PlanOp, PlanResult, TableAccess, TableInfo } from '../types';

/** What the rules and the advisor need from the schema database (SchemaDatabase implements it). */
export interface PlanningDatabase {
  tables: Map<string, TableInfo>;
  explain(sql: string): PlanResult;
  withHypotheticalIndexes<T>(ddl: string[], fn: () => T): T;
}

export type TableScanOp = Extract<PlanOp, { kind: 'scan' | 'search' }>;

/** A SCAN/SEARCH node of the plan, with its op narrowed. */
export interface TableStep {
  node: PlanNode;
  op: TableScanOp;
}

/** All SCAN/SEARCH steps in plan order. */
export function tableSteps(flat: PlanNode[]): TableStep[] {
  const steps: TableStep[] = [];
  for (const node of flat) {
    if (node.op.kind === 'scan' || node.op.kind === 'search') steps.push({ node, op: node.op });
  }
  return steps;
}

/**
 * The plan steps that read one table access of the query. SQLite prints the alias when the query gives one
 * (`SCAN t`), otherwise the table name. When the same table appears twice under different aliases, the alias decides.
 */
export function stepsForAccess(flat: PlanNode[], access: TableAccess): TableStep[] {
  const alias = access.alias.toLowerCase();
  const table = access.table.toLowerCase();
  return tableSteps(flat).filter((step) => {
    const printed = (step.op.alias ?? step.op.table).toLowerCase();
    return printed === alias || (printed === table && step.op.table.toLowerCase() === table && alias === table);
  });
}

/** Temp B-tree nodes for sorting (ORDER BY, GROUP BY, DISTINCT), which an index could make unnecessary. */
export function sortSteps(flat: PlanNode[]): PlanNode[] {
  return flat.filter((node) => node.op.kind === 'temp-btree');
}

/** A step reads the whole table (possibly through an index used only for ordering). */
export function isFullScan(op: TableScanOp): boolean {
  if (op.kind === 'scan') return true;
  return op.index?.automatic === true;
}

/** Lowercased column names the step's index actually constrains. */
export function constrainedColumns(op: TableScanOp): Set<string> {
  return new Set(op.constraints.map((constraint) => constraint.column.toLowerCase()));
}

export function lookupTable(db: PlanningDatabase, name: string): TableInfo | undefined {
  return db.tables.get(name.toLowerCase());
}
