// EXPLAIN QUERY PLAN → typed plan tree.
//
// SQLite 3.54 prints a table by its alias when the query gives one (`FROM traces t` → `SCAN t`), by its
// name otherwise, and a schema-qualified name without alias as `main.t`. Older versions printed
// `SCAN TABLE traces AS t` and `EXECUTE … SUBQUERY`; both forms are understood. The printed name lands in
// `op.table`; SchemaDatabase.explain replaces aliases with real table names when it can tell.
// Anything unrecognised becomes { kind: 'other' }: the format changes between versions.
import type { Database } from 'sql.js';
import type { PlanNode, PlanOp } from '../types';

/** One row of EXPLAIN QUERY PLAN output. */
export interface PlanRow {
  id: number;
  parent: number;
  detail: string;
}

type TableOp = Extract<PlanOp, { kind: 'scan' | 'search' }>;
type Constraint = TableOp['constraints'][number];

/** Runs EXPLAIN QUERY PLAN (unbound parameters are fine) and returns its rows, or SQLite's error. */
export function explainRows(db: Database, sql: string): { rows: PlanRow[] } | { error: string } {
  let statement;
  try {
    statement = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
  } catch (error) {
    return { error: errorText(error) };
  }
  try {
    const rows: PlanRow[] = [];
    while (statement.step()) {
      const [id, parent, , detail] = statement.get();
      rows.push({ id: Number(id), parent: Number(parent), detail: String(detail) });
    }
    return { rows };
  } catch (error) {
    return { error: errorText(error) };
  } finally {
    statement.free();
  }
}

/** sql.js throws Error objects for SQLite errors but plain strings for some of its own. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Rebuilds the tree from id/parent rows (parents always precede children). Orphans become roots. */
export function buildPlanTree(rows: PlanRow[]): { roots: PlanNode[]; flat: PlanNode[] } {
  const byId = new Map<number, PlanNode>();
  const roots: PlanNode[] = [];
  const flat: PlanNode[] = [];
  for (const row of rows) {
    const node: PlanNode = { id: row.id, parent: row.parent, detail: row.detail, op: parsePlanDetail(row.detail), children: [] };
    flat.push(node);
    const parent = byId.get(row.parent);
    if (parent) parent.children.push(node);
    else roots.push(node);
    byId.set(row.id, node);
  }
  return { roots, flat };
}

/** Indented lines in the sqlite3 shell's style: `|--SCAN t`, `` `--USE TEMP B-TREE FOR ORDER BY ``. */
export function formatPlanTree(roots: PlanNode[]): string[] {
  const lines: string[] = [];
  const visit = (nodes: PlanNode[], indent: string) => {
    nodes.forEach((node, i) => {
      const last = i === nodes.length - 1;
      lines.push(`${indent}${last ? '`--' : '|--'}${node.detail}`);
      visit(node.children, indent + (last ? '   ' : '|  '));
    });
  };
  visit(roots, '');
  return lines;
}

const COMPOUND_DETAIL =
  /^(COMPOUND QUERY|LEFT-MOST SUBQUERY|UNION ALL|(UNION|INTERSECT|EXCEPT) USING TEMP B-TREE|MERGE \(.*\)|LEFT|RIGHT|SETUP|RECURSIVE STEP|COMPOUND SUBQUERIES .*)$/;

/** Parses one `detail` string. Never throws; unknown forms are { kind: 'other' }. */
export function parsePlanDetail(detail: string): PlanOp {
  const text = detail.trim().replace(/\s*\(~\d+ rows?\)$/, ''); // estimated-rows builds append "(~N rows)"
  let match: RegExpExecArray | null;

  if (/^SCAN (CONSTANT ROW|\d+ CONSTANT ROWS|\d+-ROW VALUES CLAUSE)$/.test(text)) return { kind: 'constant-row' };
  if ((match = /^(SCAN|SEARCH) (.+)$/s.exec(text))) return parseTableAccess(match[1] === 'SCAN' ? 'scan' : 'search', match[2]);

  if ((match = /^USE TEMP B-TREE FOR (.+)$/.exec(text))) return { kind: 'temp-btree', purpose: match[1] };
  if ((match = /^(?:EXECUTE |REUSE )?(CORRELATED )?([A-Z]+) SUBQUERY(?: \d+)?$/.exec(text))) {
    return { kind: 'subquery', correlated: match[1] !== undefined, subqueryKind: match[2] };
  }
  if ((match = /^CO-ROUTINE (.+)$/.exec(text))) return { kind: 'co-routine', name: match[1] };
  if ((match = /^MATERIALIZE (.+)$/.exec(text))) return { kind: 'materialize', name: match[1] };
  if ((match = /^BLOOM FILTER ON (.+?) \((.*)\)$/.exec(text))) {
    return { kind: 'bloom-filter', table: stripSchema(match[1]), columns: parseConstraints(match[2]).map((c) => c.column) };
  }
  if (text === 'MULTI-INDEX OR') return { kind: 'multi-index-or' };
  if ((match = /^USING ROWID SEARCH ON TABLE (.+) FOR IN-OPERATOR$/.exec(text))) {
    return { kind: 'search', table: stripSchema(match[1]), rowid: true, constraints: [{ column: 'rowid', op: '=' }] };
  }
  if (COMPOUND_DETAIL.test(text)) return { kind: 'compound', detail: text };
  return { kind: 'other' };
}

/** `t`, `t EXISTS USING INDEX i (a=?) LEFT-JOIN`, `TABLE t AS x USING …` (old), `f VIRTUAL TABLE INDEX 0:` … */
function parseTableAccess(kind: 'scan' | 'search', rest: string): TableOp {
  const op: TableOp = { kind, table: '', rowid: false, constraints: [] };
  let body = rest.replace(/ (LEFT|RIGHT)-JOIN$/, '');
  let using = '';
  const usingAt = body.indexOf(' USING ');
  const virtualAt = body.indexOf(' VIRTUAL TABLE INDEX ');
  if (usingAt !== -1) {
    using = body.slice(usingAt + ' USING '.length);
    body = body.slice(0, usingAt);
  } else if (virtualAt !== -1) {
    body = body.slice(0, virtualAt);
  }
  body = body.replace(/ EXISTS$/, '');

  const legacy = /^(TABLE|SUBQUERY) (.+?)(?: AS (.+))?$/.exec(body);
  if (legacy) {
    op.table = legacy[1] === 'SUBQUERY' ? `(subquery-${legacy[2]})` : stripSchema(legacy[2]);
    if (legacy[3] !== undefined) op.alias = legacy[3];
  } else {
    op.table = stripSchema(body);
  }
  if (using) parseUsing(using, op);
  return op;
}

function parseUsing(using: string, op: TableOp): void {
  const { head, constraints } = splitTrailingParentheses(using);
  op.constraints = constraints === undefined ? [] : parseConstraints(constraints);
  if (head === 'INTEGER PRIMARY KEY' || head === 'PRIMARY KEY') {
    op.rowid = true; // rowid alias, or the PRIMARY KEY of a WITHOUT ROWID table: a direct key lookup either way
    return;
  }
  let match: RegExpExecArray | null;
  if ((match = /^AUTOMATIC (PARTIAL )?COVERING INDEX$/.exec(head))) {
    op.index = { name: '', covering: true, automatic: true, partial: match[1] !== undefined };
  } else if ((match = /^(COVERING )?INDEX (.+)$/.exec(head))) {
    op.index = { name: match[2], covering: match[1] !== undefined, automatic: false, partial: false };
  }
}

/** Splits `INDEX i (a=? AND (b,c)>(?,?))` into the head and the text of its final balanced parentheses. */
function splitTrailingParentheses(text: string): { head: string; constraints?: string } {
  if (!text.endsWith(')')) return { head: text.trim() };
  let depth = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    if (text[i] === ')') depth++;
    else if (text[i] === '(' && --depth === 0) {
      return { head: text.slice(0, i).trim(), constraints: text.slice(i + 1, text.length - 1) };
    }
  }
  return { head: text.trim() };
}

/** `a=? AND ANY(b) AND (c,d)>(?,?) AND e<?` → one entry per column, with `=`, `>`, `<` (all SQLite prints) or `ANY` (skip-scan). */
function parseConstraints(text: string): Constraint[] {
  const constraints: Constraint[] = [];
  for (const term of text.split(' AND ')) {
    let match: RegExpExecArray | null;
    if ((match = /^ANY\((.+)\)$/.exec(term))) {
      constraints.push({ column: match[1], op: 'ANY' });
    } else if ((match = /^\((.+)\)(=|>|<)\(.*\)$/.exec(term))) {
      for (const column of match[1].split(',')) constraints.push({ column: column.trim(), op: match[2] });
    } else if ((match = /^(.+)(=|>|<)\?$/.exec(term))) {
      // Greedy name: `<expr>=?` is the expression placeholder followed by `=`.
      constraints.push({ column: match[1], op: match[2] });
    } else if (term.trim()) {
      constraints.push({ column: term.trim(), op: '' });
    }
  }
  return constraints;
}

function stripSchema(name: string): string {
  return name.replace(/^(main|temp)\./i, '');
}
