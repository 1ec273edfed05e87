// SQLAlchemy query chains (`session.query(M)…`, `select(M)…` run through execute/scalars, Flask-SQLAlchemy
// `M.query…`, `session.get(M, pk)`) → symbolic queries that resolve.ts turns into the SQL SQLAlchemy sends.
import type { Node, Tree } from 'web-tree-sitter';
import { columnToken, modelsInTemplate, valueToken, type OrmQuery } from './ormTypes';
import { callArguments, calleeName, calleeNamespace, isTrue, stringValue, unwrapParentheses } from './pythonSyntax';
import { chainTopsMatching, unrollChain, type ChainStep } from './pythonChains';
import { enclosingFunctionOf } from './pythonScope';

/** Where a SQLAlchemy chain can start: `x.query(`, `select(`, `M.query.`, `x.get(M, …`. */
const CHAIN_START = /\.query\b|\bselect\s*\(|\.get(?:_or_404)?\(\s*[A-Z]/g;

export function readSqlAlchemyQueries(tree: Tree, text: string): OrmQuery[] {
  return new QueryReader(tree, text).read();
}

/** Methods that end a chain: they run it (or turn it into something else) without changing its SQL. */
const TERMINAL_METHODS = new Set([
  'all', 'one', 'one_or_none', 'scalar', 'scalars', 'scalar_one', 'scalar_one_or_none', 'unique', 'first_or_404',
  'one_or_404', 'subquery', 'scalar_subquery', 'cte', 'alias', 'statement', 'exists_or_404',
]);
/** Methods that change nothing the planner sees. */
const NEUTRAL_METHODS = new Set([
  'options', 'execution_options', 'with_for_update', 'enable_eagerloads', 'populate_existing', 'autoflush',
  'yield_per', 'params', 'correlate', 'with_only_columns_deprecated', 'set_label_style', 'enable_assertions',
]);
const SQLALCHEMY_NAMESPACES = new Set(['sa', 'sqlalchemy', 'db', 'sql', 'future']);
type StartForm = 'query' | 'select' | 'model-query' | 'get';
const VALUE_OPERATORS: Record<string, string> = { '==': '=', '!=': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };
const MIRRORED: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '=': '=', '!=': '!=' };

class QueryReader {
  constructor(
    private readonly tree: Tree,
    private readonly text: string,
  ) {}

  read(): OrmQuery[] {
    const queries: OrmQuery[] = [];
    for (const top of chainTopsMatching(this.tree.rootNode, this.text, CHAIN_START)) {
      const query = this.readChain(top);
      if (query) queries.push(query);
    }
    return queries.sort((a, b) => a.range.start - b.range.start);
  }

  private readChain(top: Node): OrmQuery | undefined {
    const { root, steps } = unrollChain(top);
    const start = this.queryStart(root, steps);
    if (!start) return undefined;
    const query: OrmQuery = {
      orm: 'sqlalchemy',
      range: { start: root.startIndex, end: top.endIndex },
      kind: 'select',
      from: '',
      columns: [],
      entities: [],
      joins: [],
      where: [],
      groupBy: [],
      orderBy: [],
    };
    const enclosing = enclosingFunctionOf(top);
    if (enclosing !== undefined) query.enclosingFunction = enclosing;
    if (!this.applyStart(query, start)) return undefined;
    for (const step of steps.slice(start.index + 1)) {
      const outcome = this.applyStep(query, step);
      if (outcome === 'abort') return undefined;
      if (outcome === 'end') {
        query.range.end = step.node.endIndex;
        break;
      }
    }
    // `query(func.count())` with no entity: SQLAlchemy takes the FROM from the columns the filters name.
    query.from ||= query.where.flatMap(modelsInTemplate)[0] ?? '';
    if (!query.from) return undefined;
    return query;
  }

  /** Where the SQLAlchemy part of a chain starts: `x.query(...)`, `select(...)`, `M.query`, `x.get(M, pk)`. */
  private queryStart(root: Node, steps: ChainStep[]): { index: number; step: ChainStep; form: StartForm } | undefined {
    for (const [index, step] of steps.entries()) {
      if (step.method === 'query' && step.call && !step.bare) return { index, step, form: 'query' };
      if (step.method === 'select' && step.call && index === 0 && (step.bare || SQLALCHEMY_NAMESPACES.has(root.text))) {
        return { index, step, form: 'select' };
      }
      if (step.method === 'query' && !step.call && index === 0 && root.type === 'identifier' && /^[A-Z]/.test(root.text)) {
        return { index, step, form: 'model-query' };
      }
      if ((step.method === 'get' || step.method === 'get_or_404') && step.call && !step.bare) {
        const args = callArguments(step.call);
        const model = args.positional[0];
        if (args.positional.length === 2 && model.type === 'identifier' && /^[A-Z]/.test(model.text)) return { index, step, form: 'get' };
      }
    }
    return undefined;
  }

  private applyStart(query: OrmQuery, start: { step: ChainStep; form: StartForm }): boolean {
    const root = start.step;
    if (start.form === 'model-query') {
      const model = (root.node.childForFieldName('object') as Node).text;
      query.from = model;
      query.entities.push(model);
      return true;
    }
    const args = callArguments(root.call as Node);
    if (args.splat || args.keywords.size > 0) return false;
    if (start.form === 'get') {
      const model = args.positional[0].text;
      query.from = model;
      query.entities.push(model);
      query.byPrimaryKey = true;
      query.range.end = root.node.endIndex;
      return true;
    }
    if (args.positional.length === 0) return false;
    for (const argument of args.positional) {
      const node = unwrapParentheses(argument);
      if (node.type === 'identifier') {
        query.entities.push(node.text);
        query.from ||= node.text;
        continue;
      }
      const expression = this.expression(node);
      if (expression === undefined) return false;
      query.columns.push(expression.sql);
      if (!query.from && expression.model) query.from = expression.model;
    }
    // Mixed `query(M, M.x)`: columns come after every column of the entities.
    if (query.entities.length > 0 && query.columns.length > 0) return false;
    return true;
  }

  private applyStep(query: OrmQuery, step: ChainStep): 'ok' | 'end' | 'abort' {
    const method = step.method;
    if (TERMINAL_METHODS.has(method)) return 'end';
    if (NEUTRAL_METHODS.has(method)) return 'ok';
    const args = step.call ? callArguments(step.call) : undefined;
    if (!args || args.splat) return 'abort';
    switch (method) {
      case 'filter':
      case 'where': {
        if (args.keywords.size > 0) return 'abort';
        for (const argument of args.positional) {
          const condition = this.condition(argument);
          if (condition === undefined) return 'abort';
          query.where.push(condition);
        }
        return 'ok';
      }
      case 'filter_by': {
        if (args.positional.length > 0) return 'abort';
        const target = lastJoinedModel(query);
        for (const [name, value] of args.keywords) {
          const column = columnToken(target, name);
          query.where.push(unwrapParentheses(value).type === 'none' ? `${column} IS NULL` : `${column} = ${this.value(value)}`);
        }
        return 'ok';
      }
      case 'order_by': {
        if (args.keywords.size > 0) return 'abort';
        if (args.positional.length === 1 && unwrapParentheses(args.positional[0]).type === 'none') {
          query.orderBy = [];
          return 'ok';
        }
        for (const argument of args.positional) {
          const term = this.orderTerm(argument);
          if (!term) return 'abort';
          query.orderBy.push(term);
        }
        return 'ok';
      }
      case 'group_by': {
        for (const argument of args.positional) {
          const expression = this.expression(unwrapParentheses(argument));
          if (!expression) return 'abort';
          query.groupBy.push(expression.sql);
        }
        return 'ok';
      }
      case 'limit':
        query.limit = 'param';
        query.offset = 'param';
        return 'ok';
      case 'offset':
        query.limit = 'param';
        query.offset = 'param';
        return 'ok';
      case 'first':
        query.limit = 'param';
        query.offset = 'param';
        return 'end';
      case 'distinct':
        if (args.positional.length > 0) return 'abort';
        query.distinct = true;
        return 'ok';
      case 'select_from': {
        const target = args.positional.length === 1 ? unwrapParentheses(args.positional[0]) : undefined;
        if (target?.type !== 'identifier') return 'abort';
        query.from = target.text;
        return 'ok';
      }
      case 'join':
      case 'outerjoin':
        return this.join(query, args, method === 'outerjoin' || isTrue(args.keywords.get('isouter')));
      case 'count':
        if (args.positional.length > 0) return 'abort';
        query.kind = 'count';
        return 'end';
      case 'exists':
        if (args.positional.length > 0) return 'abort';
        query.kind = 'exists';
        return 'end';
      case 'delete':
        query.kind = 'delete';
        return 'end';
      case 'update':
        return this.update(query, args);
      case 'get':
      case 'get_or_404':
        if (args.positional.length !== 1) return 'abort';
        query.byPrimaryKey = true;
        return 'end';
      default:
        return 'abort';
    }
  }

  private join(query: OrmQuery, args: ReturnType<typeof callArguments>, outer: boolean): 'ok' | 'abort' {
    const target = args.positional[0] ? unwrapParentheses(args.positional[0]) : undefined;
    if (target?.type !== 'identifier' || args.positional.length > 2) return 'abort';
    if (args.positional.length === 2) {
      const on = this.condition(args.positional[1]);
      if (on === undefined) return 'abort';
      query.joins.push({ kind: 'model', model: target.text, on, outer });
    } else {
      query.joins.push({ kind: 'model', model: target.text, outer });
    }
    return 'ok';
  }

  private update(query: OrmQuery, args: ReturnType<typeof callArguments>): 'end' | 'abort' {
    const values = args.positional[0] ? unwrapParentheses(args.positional[0]) : undefined;
    if (values?.type !== 'dictionary') return 'abort';
    const set: string[] = [];
    for (const pair of values.namedChildren) {
      if (pair.type !== 'pair') return 'abort';
      const key = pair.childForFieldName('key');
      const name = stringValue(key) ?? (key ? this.columnReference(key)?.attr : undefined);
      if (name === undefined) return 'abort';
      set.push(columnToken(query.from, name));
    }
    query.kind = 'update';
    query.set = set;
    return 'end';
  }

  private orderTerm(argument: Node): { expr: string; desc: boolean } | undefined {
    const node = unwrapParentheses(argument);
    if (node.type === 'call') {
      const callee = node.childForFieldName('function');
      const method = calleeName(node);
      const args = callArguments(node);
      if (callee?.type === 'attribute' && (method === 'desc' || method === 'asc') && args.positional.length === 0) {
        const inner = this.expression(callee.childForFieldName('object') as Node);
        return inner ? { expr: inner.sql, desc: method === 'desc' } : undefined;
      }
      if (callee?.type !== 'attribute' && (method === 'desc' || method === 'asc') && args.positional.length === 1) {
        const inner = this.expression(unwrapParentheses(args.positional[0]));
        return inner ? { expr: inner.sql, desc: method === 'desc' } : undefined;
      }
    }
    const expression = this.expression(node);
    return expression ? { expr: expression.sql, desc: false } : undefined;
  }

  /** `M.attr` or `t.c.attr` as a column reference. */
  private columnReference(node: Node): { model: string; attr: string; viaTable: boolean } | undefined {
    if (node.type !== 'attribute') return undefined;
    const attr = node.childForFieldName('attribute')?.text;
    const owner = node.childForFieldName('object');
    if (!attr || !owner) return undefined;
    if (owner.type === 'identifier' && /^[A-Z]/.test(owner.text)) return { model: owner.text, attr, viaTable: false };
    if (owner.type === 'attribute' && owner.childForFieldName('attribute')?.text === 'c') {
      const table = owner.childForFieldName('object');
      if (table?.type === 'identifier') return { model: table.text, attr, viaTable: true };
    }
    return undefined;
  }

  /** A column-side SQL expression: a column, or `func.f(...)` over columns and values. */
  private expression(node: Node): { sql: string; model?: string } | undefined {
    const reference = this.columnReference(node);
    if (reference) return { sql: columnToken(reference.model, reference.attr), model: reference.model };
    if (node.type === 'call' && calleeNamespace(node).endsWith('func')) {
      const name = calleeName(node);
      const args = callArguments(node);
      if (!name || args.splat || args.keywords.size > 0) return undefined;
      let model: string | undefined;
      const parts: string[] = [];
      for (const argument of args.positional) {
        const inner = unwrapParentheses(argument);
        const expression = this.expression(inner);
        if (expression) {
          model ??= expression.model;
          parts.push(expression.sql);
        } else {
          parts.push(this.value(inner));
        }
      }
      return { sql: `${name}(${parts.length === 0 && name.toLowerCase() === 'count' ? '*' : parts.join(', ')})`, model };
    }
    return undefined;
  }

  /** A value: a bound parameter, a boolean literal, or another model's column (a join term). */
  private value(argument: Node): string {
    const node = unwrapParentheses(argument);
    if (node.type === 'true') return '1';
    if (node.type === 'false') return '0';
    const reference = this.columnReference(node);
    if (reference) return reference.viaTable ? columnToken(reference.model, reference.attr) : valueToken(reference.model, reference.attr);
    return '?';
  }

  /** A filter condition → SQL template; undefined for anything not understood (the chain is skipped). */
  private condition(argument: Node): string | undefined {
    const node = unwrapParentheses(argument);
    switch (node.type) {
      case 'comparison_operator': {
        if (node.namedChildren.length !== 2) return undefined;
        const operator = VALUE_OPERATORS[node.child(1)?.type ?? ''];
        if (!operator) return undefined;
        const [left, right] = node.namedChildren.map(unwrapParentheses);
        let column = this.expression(left);
        let other = right;
        let op = operator;
        if (!column) {
          column = this.expression(right);
          other = left;
          op = MIRRORED[operator];
          if (!column) return undefined;
        }
        if (other.type === 'none') {
          if (op === '=') return `${column.sql} IS NULL`;
          if (op === '!=') return `${column.sql} IS NOT NULL`;
          return undefined;
        }
        return `${column.sql} ${op} ${this.value(other)}`;
      }
      case 'binary_operator': {
        const operator = node.childForFieldName('operator')?.type;
        if (operator !== '&' && operator !== '|') return undefined;
        const left = this.condition(node.childForFieldName('left') as Node);
        const right = this.condition(node.childForFieldName('right') as Node);
        if (left === undefined || right === undefined) return undefined;
        return `(${left} ${operator === '&' ? 'AND' : 'OR'} ${right})`;
      }
      case 'unary_operator': {
        if (node.child(0)?.type !== '~') return undefined;
        const inner = unwrapParentheses(node.childForFieldName('argument') as Node);
        const column = this.expression(inner);
        if (column) return `${column.sql} = 0`;
        const condition = this.condition(inner);
        return condition === undefined ? undefined : `NOT (${condition})`;
      }
      case 'attribute': {
        const column = this.expression(node);
        return column ? `${column.sql} = 1` : undefined;
      }
      case 'call':
        return this.callCondition(node);
      default:
        return undefined;
    }
  }

  private callCondition(node: Node): string | undefined {
    const callee = node.childForFieldName('function');
    const method = calleeName(node);
    const args = callArguments(node);
    if (!callee || !method || args.splat) return undefined;
    if (callee.type === 'identifier' || (callee.type === 'attribute' && /^(sa|sqlalchemy|db)$/.test(calleeNamespace(node)))) {
      if (method === 'and_' || method === 'or_') {
        const parts = args.positional.map((arg) => this.condition(arg));
        if (parts.length === 0 || parts.some((part) => part === undefined)) return undefined;
        return parts.length === 1 ? parts[0] : `(${parts.join(method === 'and_' ? ' AND ' : ' OR ')})`;
      }
      if (method === 'not_' && args.positional.length === 1) {
        const inner = this.condition(args.positional[0]);
        return inner === undefined ? undefined : `NOT (${inner})`;
      }
      return undefined;
    }
    const column = this.expression(callee.childForFieldName('object') as Node);
    if (!column) return undefined;
    const [first, second] = args.positional.map(unwrapParentheses);
    switch (method) {
      case 'in_':
      case 'not_in':
      case 'notin_': {
        if (!first) return undefined;
        const count = first.type === 'list' || first.type === 'tuple' ? Math.max(1, first.namedChildren.length) : 1;
        const keyword = method === 'in_' ? 'IN' : 'NOT IN';
        return `${column.sql} ${keyword} (${Array(count).fill('?').join(', ')})`;
      }
      case 'is_':
        return first?.type === 'none' ? `${column.sql} IS NULL` : first ? `${column.sql} IS ${this.value(first)}` : undefined;
      case 'is_not':
      case 'isnot':
        return first?.type === 'none' ? `${column.sql} IS NOT NULL` : first ? `${column.sql} IS NOT ${this.value(first)}` : undefined;
      case 'like':
      case 'not_like':
      case 'notlike':
        return first ? `${column.sql} ${method === 'like' ? 'LIKE' : 'NOT LIKE'} ?` : undefined;
      case 'ilike':
        return first ? `lower(${column.sql}) LIKE lower(?)` : undefined;
      case 'startswith':
        return first ? `(${column.sql} LIKE ? || '%')` : undefined;
      case 'endswith':
        return first ? `(${column.sql} LIKE '%' || ?)` : undefined;
      case 'contains':
        return first ? `(${column.sql} LIKE '%' || ? || '%')` : undefined;
      case 'between':
        return first && second ? `${column.sql} BETWEEN ${this.value(first)} AND ${this.value(second)}` : undefined;
      default:
        return undefined;
    }
  }
}

function lastJoinedModel(query: OrmQuery): string {
  for (let i = query.joins.length - 1; i >= 0; i--) {
    const join = query.joins[i];
    if (join.kind === 'model') return join.model;
  }
  return query.from;
}
