// Prisma Client calls in TypeScript/JavaScript (`prisma.user.findMany({ where, orderBy, take, skip, select })`,
// findFirst, findUnique (and their OrThrow forms), count) → symbolic queries. A separate tree-sitter pass from the
// TypeScript extractor, so the two can change independently. Anything it cannot read exactly (spreads, relation
// filters, computed keys, variables holding the arguments) skips the call.
import type { Node } from 'web-tree-sitter';
import type { SourceFile } from '../types';
import { grammarForPath, rangeOf, withSyntaxTree } from '../extract/treeSitter';
import { columnToken, type OrmQuery } from './ormTypes';

const METHODS = new Set(['findMany', 'findFirst', 'findFirstOrThrow', 'findUnique', 'findUniqueOrThrow', 'count']);

/** Words without which a file makes no Prisma Client query. */
export const PRISMA_QUERY_HINT = /\.(?:findMany|findFirst|findFirstOrThrow|findUnique|findUniqueOrThrow|count)\s*\(/;

const OPERATORS: Record<string, string> = { equals: '=', not: '!=', lt: '<', lte: '<=', gt: '>', gte: '>=' };
const LIKE = new Set(['contains', 'startsWith', 'endsWith']);

export async function extractPrismaQueries(file: SourceFile): Promise<OrmQuery[]> {
  if (!PRISMA_QUERY_HINT.test(file.text)) return [];
  const queries = await withSyntaxTree(grammarForPath(file.path), file.text, (tree) => {
    const found: OrmQuery[] = [];
    for (const call of tree.rootNode.descendantsOfType('call_expression')) {
      const query = readCall(call);
      if (query) found.push(query);
    }
    return found;
  });
  return queries ?? [];
}

/** `<client>.<model>.<method>({...})`: the client is any expression (`prisma`, `this.db`, `tx`). */
function readCall(call: Node): OrmQuery | undefined {
  const callee = call.childForFieldName('function');
  if (callee?.type !== 'member_expression') return undefined;
  const method = callee.childForFieldName('property')?.text;
  const modelAccess = callee.childForFieldName('object');
  if (!method || !METHODS.has(method) || modelAccess?.type !== 'member_expression') return undefined;
  const model = modelAccess.childForFieldName('property')?.text;
  if (!model || model.startsWith('$')) return undefined;
  const args = (call.childForFieldName('arguments')?.namedChildren ?? []).filter((child) => child.type !== 'comment');
  if (args.length > 1 || (args[0] && args[0].type !== 'object')) return undefined;
  const query: OrmQuery = {
    orm: 'prisma',
    range: rangeOf(call),
    kind: method === 'count' ? 'count' : 'select',
    from: model,
    columns: [],
    entities: [],
    joins: [],
    where: [],
    groupBy: [],
    orderBy: [],
  };
  const enclosing = enclosingFunction(call);
  if (enclosing !== undefined) query.enclosingFunction = enclosing;
  const options = args[0] ? properties(args[0]) : [];
  if (!options) return undefined;
  for (const option of options) {
    if (!applyOption(query, option.key, option.value)) return undefined;
  }
  // Prisma pages with `LIMIT ? OFFSET ?`; findFirst and findUnique ask for one row that way too.
  if (method.startsWith('findFirst') || method.startsWith('findUnique')) {
    query.limit = 'param';
    query.offset = 'param';
  }
  return query;
}

/** The properties of an object literal; undefined when it spreads or computes a key. */
function properties(object: Node): Array<{ key: string; value: Node | null; node: Node }> | undefined {
  const entries: Array<{ key: string; value: Node | null; node: Node }> = [];
  for (const child of object.namedChildren) {
    if (child.type === 'comment') continue;
    if (child.type === 'shorthand_property_identifier') {
      entries.push({ key: child.text, value: null, node: child });
      continue;
    }
    if (child.type !== 'pair') return undefined;
    const key = child.childForFieldName('key');
    const value = child.childForFieldName('value');
    if (!key || !value) return undefined;
    const name = key.type === 'property_identifier' ? key.text : key.type === 'string' ? stringText(key) : undefined;
    if (name === undefined) return undefined;
    entries.push({ key: name, value, node: child });
  }
  return entries;
}

function stringText(node: Node): string | undefined {
  if (node.type !== 'string') return undefined;
  return node.namedChildren.filter((child) => child.type === 'string_fragment').map((child) => child.text).join('');
}

function applyOption(query: OrmQuery, key: string, value: Node | null): boolean {
  if (!value) return false;
  switch (key) {
    case 'where': {
      if (value.type !== 'object') return false;
      const condition = whereObject(query.from, value);
      if (condition === undefined) return false;
      if (condition) query.where.push(condition);
      return true;
    }
    case 'orderBy':
      return orderBy(query, value);
    case 'take':
    case 'skip':
      // A negative take reverses the order: too clever to mirror, the call is skipped.
      if (value.type === 'unary_expression') return false;
      query.limit = 'param';
      query.offset = 'param';
      return true;
    case 'select': {
      if (value.type !== 'object') return false;
      const entries = properties(value);
      if (!entries) return false;
      for (const entry of entries) {
        // Nested selects of relations are separate queries; `_count` selects are aggregates.
        if (entry.value?.type !== 'true') return false;
        query.columns.push(columnToken(query.from, entry.key));
      }
      return true;
    }
    case 'include':
      return true; // included relations are fetched by separate queries
    default:
      return false; // distinct, cursor, … change the SQL in ways not mirrored here
  }
}

/** A `where` object: fields ANDed, with AND/OR/NOT combinators. '' for an empty object. */
function whereObject(model: string, object: Node): string | undefined {
  const entries = properties(object);
  if (!entries) return undefined;
  const parts: string[] = [];
  for (const entry of entries) {
    const part = whereEntry(model, entry.key, entry.value);
    if (part === undefined) return undefined;
    if (part) parts.push(part);
  }
  return parts.length > 1 ? `(${parts.join(' AND ')})` : (parts[0] ?? '');
}

function whereEntry(model: string, key: string, value: Node | null): string | undefined {
  if (key === 'AND' || key === 'OR' || key === 'NOT') {
    const items = value?.type === 'array' ? value.namedChildren.filter((child) => child.type !== 'comment') : value ? [value] : [];
    const parts: string[] = [];
    for (const item of items) {
      if (item.type !== 'object') return undefined;
      const part = whereObject(model, item);
      if (part === undefined) return undefined;
      if (part) parts.push(part);
    }
    if (parts.length === 0) return '';
    if (key === 'NOT') return `NOT (${parts.join(' AND ')})`;
    return parts.length === 1 ? parts[0] : `(${parts.join(key === 'AND' ? ' AND ' : ' OR ')})`;
  }
  const column = columnToken(model, key);
  if (value === null) return `${column} = ?`; // shorthand `{ email }`
  if (value.type === 'null') return `${column} IS NULL`;
  if (value.type !== 'object') return `${column} = ?`;
  const filters = properties(value);
  if (!filters || filters.length === 0) return undefined;
  const parts: string[] = [];
  for (const filter of filters) {
    const operand = filter.value;
    if (!operand) return undefined;
    if (OPERATORS[filter.key]) {
      if (operand.type === 'null') parts.push(filter.key === 'not' ? `${column} IS NOT NULL` : `${column} IS NULL`);
      else if (operand.type === 'object') return undefined;
      else parts.push(`${column} ${OPERATORS[filter.key]} ?`);
    } else if (filter.key === 'in' || filter.key === 'notIn') {
      const count = operand.type === 'array' ? Math.max(1, operand.namedChildren.length) : 1;
      parts.push(`${column} ${filter.key === 'in' ? 'IN' : 'NOT IN'} (${Array(count).fill('?').join(', ')})`);
    } else if (LIKE.has(filter.key)) {
      parts.push(`${column} LIKE ?`);
    } else if (filter.key !== 'mode') {
      return undefined; // relation filters (`is`, `some`, …) and anything newer
    }
  }
  return parts.length > 1 ? `(${parts.join(' AND ')})` : parts[0];
}

/** `{ createdAt: 'desc' }` or `[{ a: 'asc' }, { b: 'desc' }]`. */
function orderBy(query: OrmQuery, value: Node): boolean {
  const items = value.type === 'array' ? value.namedChildren.filter((child) => child.type !== 'comment') : [value];
  for (const item of items) {
    if (item.type !== 'object') return false;
    const entries = properties(item);
    if (!entries) return false;
    for (const entry of entries) {
      const direction = entry.value ? stringText(entry.value) : undefined;
      if (direction !== 'asc' && direction !== 'desc') return false;
      query.orderBy.push({ expr: columnToken(query.from, entry.key), desc: direction === 'desc' });
    }
  }
  return true;
}

/** `Class.method`, `function`, or the variable an arrow function is assigned to. */
function enclosingFunction(node: Node): string | undefined {
  const names: string[] = [];
  let inFunction = false;
  for (let current = node.parent; current; current = current.parent) {
    if (current.type === 'function_declaration' || current.type === 'method_definition' || current.type === 'function_expression') {
      inFunction = true;
      const name = current.childForFieldName('name')?.text;
      if (name) names.push(name);
    } else if (current.type === 'arrow_function') {
      inFunction = true;
      const declarator = current.parent?.type === 'variable_declarator' ? current.parent.childForFieldName('name')?.text : undefined;
      if (declarator) names.push(declarator);
    } else if (current.type === 'class_declaration') {
      const name = current.childForFieldName('name')?.text;
      if (name) names.push(name);
    }
  }
  return inFunction && names.length > 0 ? names.reverse().join('.') : undefined;
}
