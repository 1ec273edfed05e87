// What a query asks of each table it reads: equality/IN/range/join terms, sort and grouping columns, and the
// columns it uses. The index advisor and the rules read this next to SQLite's plan. Parsing is done by
// sql-parser-cst (see docs/decisions/sql-parser.md); SQLite itself still decides what is valid.
import { parse } from 'sql-parser-cst';
import type { Node } from 'sql-parser-cst';
import type { OrderTerm, QueryShape, TableAccess } from '../types';

export interface QueryShapeOptions {
  /** Column names of a table, from the schema; lets unqualified columns in joins find their table. */
  columnsOf?: (table: string) => string[] | undefined;
}

const PARSER_OPTIONS = {
  dialect: 'sqlite' as const,
  includeRange: true,
  paramTypes: ['?', '?nr', ':name', '@name', '$name', '$nr'] as Array<'?' | '?nr' | ':name' | '@name' | '$name' | '$nr'>,
};

/** A statement as the parser gave it, with the text its ranges point into (a batch holds several texts). */
interface ParsedStatement {
  source: string;
  statement: Node;
}

// Parsing dominates the cost (0.35–0.5 ms a statement); editors re-analyse the same strings on every keystroke.
// A least-recently-used cache of syntax trees (about 10 KB each); null when the text does not parse or holds no
// statement.
const PARSE_CACHE_LIMIT = 1000;
const parseCache = new Map<string, ParsedStatement | null>();

/** Forgets every syntax tree: for a thread that parses each text once (the shape thread), they are only garbage. */
export function clearParseCache(): void {
  parseCache.clear();
}

function remember(sql: string, parsed: ParsedStatement | null): void {
  if (parseCache.size >= PARSE_CACHE_LIMIT) {
    const oldest = parseCache.keys().next().value;
    if (oldest !== undefined) parseCache.delete(oldest);
  }
  parseCache.set(sql, parsed);
}

function parseCached(sql: string): ParsedStatement | null {
  const cached = parseCache.get(sql);
  if (cached !== undefined) {
    parseCache.delete(sql);
    parseCache.set(sql, cached);
    return cached;
  }
  let parsed: ParsedStatement | null = null;
  try {
    const statement = parse(sql, PARSER_OPTIONS).statements.find((s) => s.type !== 'empty');
    if (statement) parsed = { source: sql, statement };
  } catch {
    parsed = null;
  }
  remember(sql, parsed);
  return parsed;
}

/** Texts joined for one parser call: each on lines of its own, so that a line comment ends before the next. */
const BATCH_SEPARATOR = '\n;\n';
/** One parser call takes at most this many texts and characters (the set-up is paid back long before). */
const BATCH_TEXTS = 64;
const BATCH_CHARACTERS = 32_000;

/**
 * Parses SQL texts together, one parser call for the lot, and caches each text's statement for
 * `analyzeQueryShape`. The parser builds its whole grammar (thousands of closures) on every call: about 0.2 ms,
 * about as much as parsing a short query takes. A text is only given a statement that lies wholly inside it, so a
 * batch in which one text runs into the next (an unterminated string) or that the parser rejects is split in two
 * until each such text is parsed alone, as it would have been: the cache ends up holding what one call per text
 * gives.
 */
export function parseQueryBatch(sqls: readonly string[]): void {
  // At most half the cache, so that nothing parsed here is evicted before it is asked for; the rest is parsed alone.
  const fresh = [...new Set(sqls)].filter((sql) => !parseCache.has(sql)).slice(0, PARSE_CACHE_LIMIT / 2);
  // Each call parses a bounded text: the parser cannot be interrupted, and the tree of a call is held until its end.
  let batch: string[] = [];
  let length = 0;
  for (const sql of fresh) {
    if (batch.length > 0 && (batch.length >= BATCH_TEXTS || length + sql.length > BATCH_CHARACTERS)) {
      parseTogether(batch);
      batch = [];
      length = 0;
    }
    batch.push(sql);
    length += sql.length;
  }
  if (batch.length > 1) parseTogether(batch);
}

function parseTogether(sqls: string[]): void {
  if (sqls.length === 1) {
    parseCached(sqls[0]);
    return;
  }
  const starts: number[] = [];
  let source = '';
  for (const sql of sqls) {
    starts.push(source.length);
    source += sql + BATCH_SEPARATOR;
  }
  const firstStatements: Array<Node | undefined> = new Array(sqls.length);
  let whole = true;
  try {
    let text = 0;
    for (const statement of parse(source, PARSER_OPTIONS).statements) {
      if (statement.type === 'empty') continue;
      const [start, end] = statement.range ?? [-1, -1];
      while (text + 1 < sqls.length && start >= starts[text + 1]) text++;
      if (start < starts[text] || end > starts[text] + sqls[text].length) {
        whole = false;
        break;
      }
      firstStatements[text] ??= statement;
    }
  } catch {
    whole = false;
  }
  if (!whole) {
    const half = Math.ceil(sqls.length / 2);
    parseTogether(sqls.slice(0, half));
    parseTogether(sqls.slice(half));
    return;
  }
  sqls.forEach((sql, i) => {
    const statement = firstStatements[i];
    remember(sql, statement ? { source, statement } : null);
  });
}

/**
 * Describes the table accesses of one SQL statement (the first one, if the text holds several).
 * Returns undefined when the parser cannot parse it or the text holds no statement; never throws.
 */
export function analyzeQueryShape(sql: string, options: QueryShapeOptions = {}): QueryShape | undefined {
  const parsed = parseCached(sql);
  if (!parsed) return undefined;
  try {
    return new ShapeAnalyzer(parsed.source, options.columnsOf).analyzeStatement(parsed.statement);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------

/** Something a column reference can resolve to: a real table, or a CTE / derived table / table function. */
interface Source {
  name: string;
  alias: string;
  scope: Scope;
  /** Present for real tables only: the entry reported in QueryShape.tables. */
  access?: AccessBuilder;
  /** Lowercased column names from the schema; undefined when unknown. */
  knownColumns?: Set<string>;
}

/** One SELECT (or UPDATE/DELETE) level: its FROM sources and the CTE names it can see. */
interface Scope {
  parent?: Scope;
  sources: Source[];
  cteNames: Set<string>;
  /** Sources of enclosing scopes referenced from inside this one (correlation). */
  outerRefs: Set<Source>;
}

interface ColumnRef {
  source: Source;
  column: string;
  node: Node;
}

interface StatementFacts {
  hasWhere: boolean;
  hasLimit: boolean;
  aggregateOnly: boolean;
}

class AccessBuilder {
  readonly equality: string[] = [];
  readonly inList: string[] = [];
  readonly range: string[] = [];
  readonly isNull: string[] = [];
  readonly join: string[] = [];
  readonly expressions: Array<{ expr: string; column: string }> = [];
  readonly orColumns: string[][] = [];
  orderBy: OrderTerm[] = [];
  groupBy: string[] = [];
  private readonly used: string[] = [];
  private usesAll = false;

  constructor(
    readonly table: string,
    readonly alias: string,
  ) {}

  use(column: string): void {
    if (!this.usesAll) addUnique(this.used, column);
  }

  useAll(): void {
    this.usesAll = true;
  }

  hasEqualityFilter(): boolean {
    return this.equality.length > 0 || this.inList.length > 0;
  }

  build(): TableAccess {
    return {
      table: this.table,
      alias: this.alias,
      equality: this.equality,
      inList: this.inList,
      range: this.range,
      isNull: this.isNull,
      join: this.join,
      expressions: this.expressions,
      orColumns: this.orColumns,
      orderBy: this.orderBy,
      groupBy: this.groupBy,
      used: this.usesAll ? '*' : this.used,
    };
  }
}

const AGGREGATES = new Set([
  'count',
  'sum',
  'total',
  'avg',
  'min',
  'max',
  'group_concat',
  'string_agg',
  'json_group_array',
  'json_group_object',
  'jsonb_group_array',
  'jsonb_group_object',
]);

/** Fields whose identifier is a name (function, alias, window, index …), never a column reference. */
const NON_COLUMN_IDENTIFIER_FIELDS = new Set(['name', 'alias', 'window', 'baseWindowName', 'table', 'index', 'constraint', 'dataType']);

class ShapeAnalyzer {
  private readonly accesses: AccessBuilder[] = [];
  private orderBySpansTables = false;
  private readonly columnsCache = new Map<string, Set<string> | undefined>();

  constructor(
    private readonly sql: string,
    private readonly columnsOf: QueryShapeOptions['columnsOf'],
  ) {}

  analyzeStatement(statement: Node): QueryShape {
    const root = newScope(undefined);
    let kind: QueryShape['kind'] = 'other';
    let facts: StatementFacts = { hasWhere: false, hasLimit: false, aggregateOnly: false };
    const target = statement.type === 'explain_stmt' ? statement.statement : statement;
    switch (target.type) {
      case 'select_stmt':
      case 'compound_select_stmt':
      case 'paren_expr':
        kind = 'select';
        facts = this.analyzeQuery(target, root).facts;
        break;
      case 'insert_stmt':
        kind = 'insert';
        facts = this.analyzeInsert(target, root);
        break;
      case 'update_stmt':
      case 'delete_stmt':
        kind = target.type === 'update_stmt' ? 'update' : 'delete';
        facts = this.analyzeUpdateOrDelete(target, root);
        break;
    }
    return {
      kind,
      tables: this.accesses.map((a) => a.build()),
      hasWhere: facts.hasWhere,
      orderBySpansTables: this.orderBySpansTables,
      hasLimit: facts.hasLimit,
      aggregateOnly: facts.aggregateOnly,
    };
  }

  /** SELECT, compound SELECT or parenthesised SELECT; returns the sources it references outside itself. */
  private analyzeQuery(node: Node, parent: Scope, compoundMember = false): { facts: StatementFacts; outerRefs: Set<Source> } {
    if (node.type === 'paren_expr') return this.analyzeQuery(node.expr, parent, compoundMember);
    if (node.type === 'compound_select_stmt') {
      const left = this.analyzeQuery(node.left, parent, true);
      const right = this.analyzeQuery(node.right, parent, true);
      return {
        facts: { hasWhere: left.facts.hasWhere || right.facts.hasWhere, hasLimit: right.facts.hasLimit, aggregateOnly: false },
        outerRefs: new Set([...left.outerRefs, ...right.outerRefs]),
      };
    }
    if (node.type === 'select_stmt') return this.analyzeSelect(node, parent, compoundMember);
    if (node.type === 'insert_stmt' || node.type === 'update_stmt' || node.type === 'delete_stmt') {
      // Data-modifying CTE bodies (not SQLite, but harmless to accept).
      const scope = newScope(parent);
      const facts = node.type === 'insert_stmt' ? this.analyzeInsert(node, scope) : this.analyzeUpdateOrDelete(node, scope);
      return { facts, outerRefs: scope.outerRefs };
    }
    return { facts: { hasWhere: false, hasLimit: false, aggregateOnly: false }, outerRefs: new Set() };
  }

  private analyzeSelect(node: Node & { type: 'select_stmt' }, parent: Scope, compoundMember: boolean) {
    const scope = newScope(parent);
    const facts: StatementFacts = { hasWhere: false, hasLimit: false, aggregateOnly: false };
    const resultColumns: Node[] = [];
    let hasGroupBy = false;
    // FROM first: the result columns before it refer to its sources.
    for (const clause of node.clauses) {
      if (clause.type === 'with_clause') this.analyzeWith(clause, scope);
      else if (clause.type === 'from_clause') this.addTableExpr(clause.expr, scope);
    }
    for (const clause of node.clauses) {
      switch (clause.type) {
        case 'with_clause':
        case 'from_clause':
          break;
        case 'select_clause':
          for (const item of clause.columns?.items ?? []) {
            resultColumns.push(item);
            this.analyzeResultColumn(item, scope);
          }
          break;
        case 'where_clause':
          facts.hasWhere = true;
          this.addConjuncts(clause.expr, scope);
          break;
        case 'group_by_clause':
          hasGroupBy = true;
          this.analyzeGroupBy(clause.columns.items, scope, resultColumns);
          break;
        case 'order_by_clause':
          this.analyzeOrderBy(clause.specifications.items, scope, compoundMember ? [] : resultColumns, !compoundMember);
          break;
        case 'limit_clause':
          facts.hasLimit = true;
          this.walkChildren(clause, scope);
          break;
        default:
          this.walkChildren(clause, scope);
      }
    }
    facts.aggregateOnly = !hasGroupBy && resultColumns.length > 0 && resultColumns.every(isAggregateCall);
    return { facts, outerRefs: scope.outerRefs };
  }

  private analyzeInsert(node: Node & { type: 'insert_stmt' }, scope: Scope): StatementFacts {
    let facts: StatementFacts = { hasWhere: false, hasLimit: false, aggregateOnly: false };
    for (const clause of node.clauses) {
      if (clause.type === 'with_clause') this.analyzeWith(clause, scope);
      else if (clause.type === 'select_stmt' || clause.type === 'compound_select_stmt' || clause.type === 'paren_expr') {
        facts = this.analyzeQuery(clause, scope).facts;
      } else if (clause.type === 'values_clause') {
        this.walkExpr(clause.values, scope);
      }
      // The INSERT target and ON CONFLICT need no index search of their own.
    }
    return facts;
  }

  private analyzeUpdateOrDelete(node: Node & { type: 'update_stmt' | 'delete_stmt' }, scope: Scope): StatementFacts {
    const facts: StatementFacts = { hasWhere: false, hasLimit: false, aggregateOnly: false };
    const clauses: Node[] = node.clauses;
    // Register every source first: UPDATE … FROM comes after SET but SET may reference it.
    for (const clause of clauses) {
      if (clause.type === 'with_clause') this.analyzeWith(clause, scope);
      else if (clause.type === 'update_clause' || clause.type === 'delete_clause') {
        for (const table of clause.tables.items) this.addTableExpr(table, scope);
      } else if (clause.type === 'from_clause') this.addTableExpr(clause.expr, scope);
    }
    for (const clause of clauses) {
      switch (clause.type) {
        case 'set_clause':
          for (const assignment of clause.assignments.items) {
            if (assignment.type !== 'column_assignment') continue;
            this.walkExpr(assignment.column, scope);
            this.walkExpr(assignment.expr, scope);
          }
          break;
        case 'where_clause':
          facts.hasWhere = true;
          this.addConjuncts(clause.expr, scope);
          break;
        case 'order_by_clause':
          this.analyzeOrderBy(clause.specifications.items, scope, [], true);
          break;
        case 'limit_clause':
          facts.hasLimit = true;
          this.walkChildren(clause, scope);
          break;
        case 'returning_clause':
          this.walkChildren(clause, scope);
          break;
      }
    }
    return facts;
  }

  private analyzeWith(clause: Node & { type: 'with_clause' }, scope: Scope): void {
    for (const cte of clause.tables.items) scope.cteNames.add(cte.table.name.toLowerCase());
    for (const cte of clause.tables.items) this.analyzeQuery(cte.expr, scope);
  }

  // --- FROM ------------------------------------------------------------------------------------

  private addTableExpr(node: Node, scope: Scope): void {
    switch (node.type) {
      case 'join_expr': {
        this.addTableExpr(node.left, scope);
        const leftSources = scope.sources.slice();
        this.addTableExpr(node.right, scope);
        const right = scope.sources[scope.sources.length - 1];
        const spec = node.specification;
        if (spec?.type === 'join_on_specification') this.addConjuncts(spec.expr, scope);
        else if (spec?.type === 'join_using_specification' && right) this.addUsing(spec.expr.expr.items, leftSources, right);
        return;
      }
      case 'alias':
        this.addTableFactor(node.expr, node.alias.name, scope);
        return;
      case 'paren_expr':
        if (isQueryNode(node.expr)) this.addTableFactor(node, undefined, scope);
        else this.addTableExpr(node.expr, scope);
        return;
      default:
        this.addTableFactor(node, undefined, scope);
    }
  }

  private addTableFactor(node: Node, alias: string | undefined, scope: Scope): void {
    switch (node.type) {
      case 'identifier':
      case 'member_expr': {
        const name = entityName(node);
        if (name === undefined) return;
        if (isCteVisible(scope, name)) {
          scope.sources.push({ name, alias: alias ?? name, scope });
          return;
        }
        const access = new AccessBuilder(name, alias ?? name);
        this.accesses.push(access);
        scope.sources.push({ name, alias: alias ?? name, scope, access, knownColumns: this.knownColumns(name) });
        return;
      }
      case 'indexed_table':
      case 'not_indexed_table':
        if (node.table.type === 'alias') this.addTableFactor(node.table.expr, node.table.alias.name, scope);
        else this.addTableFactor(node.table, alias, scope);
        return;
      case 'alias':
        this.addTableFactor(node.expr, node.alias.name, scope);
        return;
      case 'paren_expr':
        if (isQueryNode(node.expr)) {
          // Derived table: it sees the CTEs but not its sibling FROM sources.
          const derivedParent: Scope = { ...newScope(scope.parent), cteNames: scope.cteNames };
          this.analyzeQuery(node.expr, derivedParent);
          const name = alias ?? '';
          scope.sources.push({ name, alias: name, scope });
        } else {
          this.addTableExpr(node.expr, scope);
        }
        return;
      case 'func_call': {
        // Table-valued function (json_each, pragma_table_info, …): arguments may use earlier sources.
        this.walkExpr(node, scope);
        const name = alias ?? entityName(node.name) ?? '';
        scope.sources.push({ name, alias: name, scope });
        return;
      }
      default:
        this.walkChildren(node, scope);
    }
  }

  private addUsing(columns: Array<Node & { type: 'identifier' }>, leftSources: Source[], right: Source): void {
    for (const identifier of columns) {
      const column = identifier.name;
      const key = column.toLowerCase();
      const withColumn = leftSources.filter((s) => s.knownColumns?.has(key));
      const left = withColumn.length > 0 ? withColumn : leftSources.slice(-1);
      for (const source of [...left, right]) {
        source.access?.use(column);
        if (source.access) addUnique(source.access.join, column);
      }
    }
  }

  // --- result columns, GROUP BY, ORDER BY -----------------------------------------------------

  private analyzeResultColumn(item: Node, scope: Scope): void {
    if (item.type === 'all_columns') {
      for (const source of scope.sources) source.access?.useAll();
      return;
    }
    if (item.type === 'member_expr' && item.property.type === 'all_columns') {
      const qualifier = entityName(item.object);
      const source = qualifier === undefined ? undefined : findQualified(scope, qualifier);
      source?.access?.useAll();
      return;
    }
    this.walkExpr(item.type === 'alias' ? item.expr : item, scope);
  }

  private analyzeGroupBy(items: Node[], scope: Scope, resultColumns: Node[]): void {
    const refs: ColumnRef[] = [];
    let allPlain = true;
    for (const item of items) {
      this.walkExpr(item, scope);
      // GROUP BY prefers input columns; positions and result aliases come second.
      const ref = this.plainColumn(item, scope) ?? this.plainColumn(resolveResultReference(item, resultColumns), scope);
      if (ref?.source.access && ref.source.scope === scope) refs.push(ref);
      else allPlain = false;
    }
    const sources = new Set(refs.map((r) => r.source));
    if (allPlain && sources.size === 1) {
      const access = refs[0].source.access!;
      access.groupBy = uniqueColumns(refs.map((r) => r.column));
    }
  }

  private analyzeOrderBy(items: Node[], scope: Scope, resultColumns: Node[], attribute: boolean): void {
    const terms: Array<{ ref: ColumnRef; desc: boolean }> = [];
    let allPlain = true;
    for (const item of items) {
      const expr = item.type === 'sort_specification' ? item.expr : item;
      const desc = item.type === 'sort_specification' && item.direction?.type === 'sort_direction_desc';
      const target = resolveResultReference(expr, resultColumns);
      if (target === expr) this.walkExpr(expr, scope);
      const ref = this.plainColumn(target, scope);
      if (ref?.source.access && ref.source.scope === scope) terms.push({ ref, desc });
      else allPlain = false;
    }
    if (!attribute) return;
    const sortSources = new Set(terms.map((t) => t.ref.source));
    if (sortSources.size >= 2) {
      this.orderBySpansTables = true;
      return;
    }
    if (!allPlain || sortSources.size === 0) return;
    const access = terms[0].ref.source.access!;
    access.orderBy = terms.map((t) => ({ column: t.ref.column, desc: t.desc }));
    // Seed 004: the filter sits in one table and the sort in another, so the planner drives the join from
    // the filtered table and no single index can deliver both.
    const filteredElsewhere = scope.sources.some((s) => s.access && s.access !== access && s.access.hasEqualityFilter());
    if (filteredElsewhere && !access.hasEqualityFilter()) this.orderBySpansTables = true;
  }

  // --- WHERE / ON terms ------------------------------------------------------------------------

  private addConjuncts(expr: Node, scope: Scope): void {
    const node = unwrapParens(expr);
    if (node.type !== 'binary_expr') {
      this.addTerm(node, scope);
      return;
    }
    const op = operatorName(node.operator);
    if (op === 'AND') {
      this.addConjuncts(node.left, scope);
      this.addConjuncts(node.right, scope);
    } else if (op === 'OR') {
      this.addDisjunction(node, scope);
    } else {
      this.addTerm(node, scope);
    }
  }

  private addDisjunction(node: Node, scope: Scope): void {
    const branches: Node[] = [];
    collectOrBranches(node, branches);
    const columnsPerBranch = branches.map((branch) => {
      const refs: ColumnRef[] = [];
      this.walkExpr(branch, scope, refs);
      return refs;
    });
    for (const source of scope.sources) {
      if (!source.access) continue;
      const perBranch = columnsPerBranch.map((refs) => uniqueColumns(refs.filter((r) => r.source === source).map((r) => r.column)));
      if (perBranch.some((columns) => columns.length > 0)) source.access.orColumns.push(...perBranch);
    }
  }

  private addTerm(node: Node, scope: Scope): void {
    if (node.type === 'binary_expr') {
      const op = operatorName(node.operator);
      if (op === '=' || op === '==' || op === 'IS') {
        if (op === 'IS' && unwrapParens(node.right).type === 'null_literal') {
          this.addIsNull(node.left, scope);
          return;
        }
        this.addComparison(node.left, node.right, 'equality', scope);
        return;
      }
      if (op === '<' || op === '<=' || op === '>' || op === '>=') {
        this.addComparison(node.left, node.right, 'range', scope);
        return;
      }
      if (op === 'IN') {
        // `x IN some_table` names a table, not a column.
        const rightRefs = node.right.type === 'identifier' ? new Set<Source>() : this.walkExpr(node.right, scope);
        const leftRefs: ColumnRef[] = [];
        this.walkExpr(node.left, scope, leftRefs);
        const column = this.plainColumn(node.left, scope);
        if (column && this.isLocal(column, scope) && !rightRefs.has(column.source)) {
          addUnique(column.source.access!.inList, column.column);
        }
        return;
      }
      if (op === 'LIKE' || op === 'GLOB') {
        this.walkExpr(node.left, scope);
        this.walkExpr(node.right, scope);
        const column = this.plainColumn(node.left, scope);
        if (column && this.isLocal(column, scope) && hasLiteralPrefix(node.right, op)) {
          addUnique(column.source.access!.range, column.column);
        }
        return;
      }
    }
    if (node.type === 'postfix_op_expr' && operatorName(node.operator) === 'ISNULL') {
      this.addIsNull(node.expr, scope);
      return;
    }
    if (node.type === 'between_expr' && operatorName(node.betweenKw) === 'BETWEEN') {
      const bounds = new Set([...this.walkExpr(node.begin, scope), ...this.walkExpr(node.end, scope)]);
      this.walkExpr(node.left, scope);
      const column = this.plainColumn(node.left, scope);
      if (column && this.isLocal(column, scope) && !bounds.has(column.source)) addUnique(column.source.access!.range, column.column);
      return;
    }
    this.walkExpr(node, scope);
  }

  private addIsNull(operand: Node, scope: Scope): void {
    this.walkExpr(operand, scope);
    const column = this.plainColumn(operand, scope);
    if (column && this.isLocal(column, scope)) addUnique(column.source.access!.isNull, column.column);
  }

  /** `left op right` where op is an equality or a range comparison. */
  private addComparison(left: Node, right: Node, kind: 'equality' | 'range', scope: Scope): void {
    const leftNode = unwrapParens(left);
    const rightNode = unwrapParens(right);
    const leftRow = rowItems(leftNode);
    const rightRow = rowItems(rightNode);
    if (kind === 'equality' && leftRow && rightRow && leftRow.length === rightRow.length) {
      // Row values: (a, b) = (?, ?)
      leftRow.forEach((item, i) => this.addComparison(item, rightRow[i], kind, scope));
      return;
    }
    const leftRefs: ColumnRef[] = [];
    const rightRefs: ColumnRef[] = [];
    const leftSources = this.walkExpr(leftNode, scope, leftRefs);
    const rightSources = this.walkExpr(rightNode, scope, rightRefs);
    this.addComparisonSide(leftNode, leftRefs, rightSources, kind, scope);
    this.addComparisonSide(rightNode, rightRefs, leftSources, kind, scope);
  }

  private addComparisonSide(side: Node, sideRefs: ColumnRef[], otherSources: Set<Source>, kind: 'equality' | 'range', scope: Scope): void {
    const column = this.plainColumn(side, scope);
    if (column) {
      if (!this.isLocal(column, scope) || otherSources.has(column.source)) return;
      const access = column.source.access!;
      if (kind === 'range') addUnique(access.range, column.column);
      else if (otherSources.size > 0) addUnique(access.join, column.column);
      else addUnique(access.equality, column.column);
      return;
    }
    // lower(email) = ?: an expression index could serve it.
    if (side.type !== 'func_call' && side.type !== 'cast_expr') return;
    const distinct = uniqueRefs(sideRefs);
    if (distinct.length !== 1 || !this.isLocal(distinct[0], scope) || otherSources.has(distinct[0].source)) return;
    if (containsSubquery(side)) return;
    const expr = this.unqualifiedText(side, sideRefs);
    if (expr === undefined) return;
    const list = distinct[0].source.access!.expressions;
    if (!list.some((e) => e.expr === expr)) list.push({ expr, column: distinct[0].column });
  }

  private isLocal(ref: ColumnRef, scope: Scope): boolean {
    return ref.source.access !== undefined && ref.source.scope === scope;
  }

  // --- expressions -------------------------------------------------------------------------------

  /**
   * Records every column the expression uses and returns the sources it depends on, including those a
   * correlated subquery inside it references. Column references directly in this scope go to `refs`.
   */
  private walkExpr(node: Node | undefined, scope: Scope, refs?: ColumnRef[]): Set<Source> {
    const sources = new Set<Source>();
    if (node) this.visit(node, scope, sources, refs);
    return sources;
  }

  private visit(node: Node, scope: Scope, sources: Set<Source>, refs: ColumnRef[] | undefined): void {
    switch (node.type) {
      case 'identifier':
      case 'member_expr': {
        if (node.type === 'member_expr' && node.property.type !== 'identifier') {
          this.visit(node.object, scope, sources, refs);
          return;
        }
        const ref = this.resolveColumn(node, scope);
        if (!ref) return;
        ref.source.access?.use(ref.column);
        sources.add(ref.source);
        refs?.push(ref);
        return;
      }
      case 'select_stmt':
      case 'compound_select_stmt': {
        for (const source of this.analyzeQuery(node, scope).outerRefs) {
          if (source.scope !== scope) noteOuterReference(scope, source);
          sources.add(source);
        }
        return;
      }
      case 'func_call':
        if (node.args) this.visit(node.args, scope, sources, refs);
        if (node.filter) this.visit(node.filter, scope, sources, refs);
        if (node.over) this.visit(node.over, scope, sources, refs);
        return;
      case 'binary_expr':
        this.visit(node.left, scope, sources, refs);
        if (operatorName(node.operator) !== 'COLLATE') this.visit(node.right, scope, sources, refs);
        return;
      case 'alias':
        this.visit(node.expr, scope, sources, refs);
        return;
      case 'keyword':
      case 'all_columns':
      case 'data_type_name':
      case 'parameter':
      case 'string_literal':
      case 'number_literal':
      case 'null_literal':
      case 'boolean_literal':
      case 'blob_literal':
        return;
      default:
        this.visitChildren(node, scope, sources, refs);
    }
  }

  private visitChildren(node: Node, scope: Scope, sources: Set<Source>, refs: ColumnRef[] | undefined): void {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'range' || key === 'leading' || key === 'trailing' || key === 'type') continue;
      if (Array.isArray(value)) {
        for (const child of value) if (isNode(child)) this.visit(child, scope, sources, refs);
      } else if (isNode(value)) {
        if (value.type === 'identifier' && NON_COLUMN_IDENTIFIER_FIELDS.has(key)) continue;
        this.visit(value, scope, sources, refs);
      }
    }
  }

  private walkChildren(node: Node, scope: Scope): void {
    this.visitChildren(node, scope, new Set(), undefined);
  }

  /** The column when `node` is nothing but a (possibly parenthesised, possibly qualified) column reference. */
  private plainColumn(node: Node, scope: Scope): ColumnRef | undefined {
    const inner = unwrapParens(node);
    if (inner.type !== 'identifier' && inner.type !== 'member_expr') return undefined;
    return this.resolveColumn(inner, scope);
  }

  private resolveColumn(node: Node & { type: 'identifier' | 'member_expr' }, scope: Scope): ColumnRef | undefined {
    if (node.type === 'identifier') return this.resolveUnqualified(node.name, node, scope);
    if (node.property.type !== 'identifier') return undefined;
    const qualifier = entityName(node.object);
    if (qualifier === undefined) return undefined;
    const source = findQualified(scope, qualifier);
    if (!source) return undefined;
    if (source.scope !== scope) noteOuterReference(scope, source);
    return { source, column: node.property.name, node };
  }

  private resolveUnqualified(column: string, node: Node, scope: Scope): ColumnRef | undefined {
    const key = column.toLowerCase();
    for (let level: Scope | undefined = scope; level; level = level.parent) {
      const holders = level.sources.filter((s) => s.knownColumns?.has(key));
      const unknown = level.sources.filter((s) => !s.knownColumns);
      let source: Source | undefined;
      if (holders.length === 1) source = holders[0];
      else if (holders.length === 0 && unknown.length === 1) source = unknown[0];
      else if (holders.length > 1 || unknown.length > 1) return undefined; // ambiguous here
      if (source) {
        if (source.scope !== scope) noteOuterReference(scope, source);
        return { source, column, node };
      }
    }
    return undefined;
  }

  private knownColumns(table: string): Set<string> | undefined {
    if (!this.columnsOf) return undefined;
    const key = table.toLowerCase();
    if (this.columnsCache.has(key)) return this.columnsCache.get(key);
    let columns: Set<string> | undefined;
    try {
      const list = this.columnsOf(table);
      columns = list && list.length > 0 ? new Set(list.map((c) => c.toLowerCase())) : undefined;
    } catch {
      columns = undefined;
    }
    this.columnsCache.set(key, columns);
    return columns;
  }

  /** Source text of an expression with table qualifiers removed, as an expression index would spell it. */
  private unqualifiedText(node: Node, refs: ColumnRef[]): string | undefined {
    if (!node.range) return undefined;
    const [start, end] = node.range;
    let text = '';
    let cursor = start;
    const qualified = refs
      .filter((r) => r.node.type === 'member_expr' && r.node.range)
      .sort((a, b) => a.node.range![0] - b.node.range![0]);
    for (const ref of qualified) {
      const [refStart, refEnd] = ref.node.range!;
      const property = (ref.node as Node & { type: 'member_expr' }).property;
      if (refStart < cursor || !property.range) continue;
      text += this.sql.slice(cursor, refStart) + this.sql.slice(property.range[0], property.range[1]);
      cursor = refEnd;
    }
    return text + this.sql.slice(cursor, end);
  }
}

// ---------------------------------------------------------------------------------------------

function newScope(parent: Scope | undefined): Scope {
  return { parent, sources: [], cteNames: new Set(), outerRefs: new Set() };
}

/** Marks `source` as referenced from `scope` and every scope between it and the source's own scope. */
function noteOuterReference(scope: Scope, source: Source): void {
  for (let level: Scope | undefined = scope; level && level !== source.scope; level = level.parent) level.outerRefs.add(source);
}

function isCteVisible(scope: Scope, name: string): boolean {
  const key = name.toLowerCase();
  for (let level: Scope | undefined = scope; level; level = level.parent) if (level.cteNames.has(key)) return true;
  return false;
}

function findQualified(scope: Scope, qualifier: string): Source | undefined {
  const key = qualifier.toLowerCase();
  for (let level: Scope | undefined = scope; level; level = level.parent) {
    const source = level.sources.find((s) => s.alias.toLowerCase() === key);
    if (source) return source;
  }
  return undefined;
}

/** `name`, `schema.name` → name (unquoted). */
function entityName(node: Node): string | undefined {
  if (node.type === 'identifier') return node.name;
  if (node.type === 'member_expr' && node.property.type === 'identifier') return node.property.name;
  return undefined;
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

function isQueryNode(node: Node): boolean {
  return node.type === 'select_stmt' || node.type === 'compound_select_stmt' || (node.type === 'paren_expr' && isQueryNode(node.expr));
}

function unwrapParens(node: Node): Node {
  let current = node;
  while (current.type === 'paren_expr' && current.expr.type !== 'list_expr' && !isQueryNode(current.expr)) current = current.expr;
  return current;
}

/** The items of a row value `(a, b)`, else undefined. */
function rowItems(node: Node): Node[] | undefined {
  return node.type === 'paren_expr' && node.expr.type === 'list_expr' ? node.expr.items : undefined;
}

function collectOrBranches(node: Node, out: Node[]): void {
  const inner = unwrapParens(node);
  if (inner.type === 'binary_expr' && operatorName(inner.operator) === 'OR') {
    collectOrBranches(inner.left, out);
    collectOrBranches(inner.right, out);
  } else {
    out.push(inner);
  }
}

/** `=`, `AND`, `NOT IN`, `IS NOT` … from the parser's string / keyword / keyword-list operator forms. */
function operatorName(operator: unknown): string {
  if (typeof operator === 'string') return operator.toUpperCase();
  if (Array.isArray(operator)) return operator.map(operatorName).join(' ');
  if (isNode(operator) && operator.type === 'keyword') return operator.name.toUpperCase();
  return '';
}

/** ORDER BY 2 / ORDER BY alias → the result column expression they stand for. */
function resolveResultReference(expr: Node, resultColumns: Node[]): Node {
  if (expr.type === 'number_literal' && Number.isInteger(expr.value)) {
    const item = resultColumns[Number(expr.value) - 1];
    if (item) return item.type === 'alias' ? item.expr : item;
  }
  if (expr.type === 'identifier') {
    const key = expr.name.toLowerCase();
    const aliased = resultColumns.find((c) => c.type === 'alias' && c.alias.name.toLowerCase() === key);
    if (aliased?.type === 'alias') return aliased.expr;
  }
  return expr;
}

function isAggregateCall(item: Node): boolean {
  const expr = item.type === 'alias' ? item.expr : item;
  if (expr.type !== 'func_call' || expr.over) return false;
  const name = entityName(expr.name)?.toLowerCase();
  if (!name || !AGGREGATES.has(name)) return false;
  // min(a, b) and max(a, b) are scalar functions.
  if (name === 'min' || name === 'max') return expr.args?.expr.args.items.length === 1;
  return true;
}

function hasLiteralPrefix(pattern: Node, op: 'LIKE' | 'GLOB'): boolean {
  const node = unwrapParens(pattern);
  if (node.type !== 'string_literal') return false;
  const wildcards = op === 'LIKE' ? /[%_]/ : /[*?[]/;
  const firstWildcard = node.value.search(wildcards);
  return firstWildcard !== 0 && node.value.length > 0;
}

function containsSubquery(node: Node): boolean {
  if (node.type === 'select_stmt' || node.type === 'compound_select_stmt') return true;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'range' || key === 'leading' || key === 'trailing') continue;
    const children: unknown[] = Array.isArray(value) ? value : [value];
    if (children.some((child) => isNode(child) && containsSubquery(child))) return true;
  }
  return false;
}

function addUnique(list: string[], column: string): void {
  const key = column.toLowerCase();
  if (!list.some((c) => c.toLowerCase() === key)) list.push(column);
}

function uniqueColumns(columns: string[]): string[] {
  const out: string[] = [];
  for (const column of columns) addUnique(out, column);
  return out;
}

function uniqueRefs(refs: ColumnRef[]): ColumnRef[] {
  const out: ColumnRef[] = [];
  for (const ref of refs) {
    if (!out.some((r) => r.source === ref.source && r.column.toLowerCase() === ref.column.toLowerCase())) out.push(ref);
  }
  return out;
}
