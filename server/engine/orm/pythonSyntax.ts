// Small readers over tree-sitter Python nodes shared by the SQLAlchemy, Alembic and Django extractors.
import type { Node } from 'web-tree-sitter';

export { rangeOf } from '../extract/treeSitter';

export function unwrapParentheses(node: Node): Node {
  let current = node;
  while (current.type === 'parenthesized_expression') {
    const inner = current.namedChildren.find((child) => child.type !== 'comment');
    if (!inner) break;
    current = inner;
  }
  return current;
}

/** Arguments of a call: positional ones in order and keyword ones by name. Splats make `splat` true. */
export interface CallArguments {
  positional: Node[];
  keywords: Map<string, Node>;
  splat: boolean;
  /** The argument_list node. */
  list: Node | null;
}

export function callArguments(call: Node): CallArguments {
  const list = call.childForFieldName('arguments');
  const result: CallArguments = { positional: [], keywords: new Map(), splat: false, list };
  if (list?.type !== 'argument_list') return result;
  for (const child of list.namedChildren) {
    if (child.type === 'comment') continue;
    if (child.type === 'keyword_argument') {
      const name = child.childForFieldName('name')?.text;
      const value = child.childForFieldName('value');
      if (name && value) result.keywords.set(name, value);
    } else if (child.type === 'list_splat' || child.type === 'dictionary_splat') {
      result.splat = true;
    } else {
      result.positional.push(child);
    }
  }
  return result;
}

/** `Column`, `sa.Column`, `db.Column`, `sqlalchemy.orm.mapped_column` → the last name; undefined for other callees. */
export function calleeName(call: Node): string | undefined {
  const callee = call.childForFieldName('function');
  if (!callee) return undefined;
  if (callee.type === 'identifier') return callee.text;
  if (callee.type === 'attribute') return callee.childForFieldName('attribute')?.text;
  return undefined;
}

/** The receiver text of an attribute callee (`sa` in `sa.Column`), '' for a bare name. */
export function calleeNamespace(call: Node): string {
  const callee = call.childForFieldName('function');
  if (callee?.type !== 'attribute') return '';
  return callee.childForFieldName('object')?.text ?? '';
}

/** The value of a plain string literal (no f-string holes, no concatenation of non-literals); undefined otherwise. */
export function stringValue(node: Node | null | undefined): string | undefined {
  if (!node) return undefined;
  const target = unwrapParentheses(node);
  if (target.type === 'concatenated_string') {
    let joined = '';
    for (const piece of target.namedChildren) {
      const value = stringValue(piece);
      if (value === undefined) return undefined;
      joined += value;
    }
    return joined;
  }
  if (target.type !== 'string' || target.hasError) return undefined;
  const opening = target.firstChild;
  if (opening?.type !== 'string_start') return undefined;
  const prefix = opening.text.replace(/['"]+$/, '').toLowerCase();
  if (prefix.includes('f') || prefix.includes('b') || prefix.includes('t')) return undefined;
  let value = '';
  for (const child of target.namedChildren) {
    if (child.type === 'string_content') value += prefix.includes('r') ? child.text : decodeSimpleEscapes(child.text);
    else if (child.type === 'escape_sequence') value += decodeSimpleEscapes(child.text);
    else if (child.type === 'interpolation') return undefined;
  }
  return value;
}

function decodeSimpleEscapes(text: string): string {
  return text.replace(/\\(['"\\nt])/g, (_match, ch: string) => (ch === 'n' ? '\n' : ch === 't' ? '\t' : ch));
}

/** The quote a string literal opens with (`"` or `'`), for writing new literals in the file's style. */
export function quoteOf(node: Node | null | undefined): string | undefined {
  const opening = node?.type === 'string' ? node.firstChild : null;
  if (opening?.type !== 'string_start') return undefined;
  const quote = opening.text.replace(/^[A-Za-z]+/, '');
  return quote.length === 1 ? quote : undefined;
}

export function isTrue(node: Node | undefined): boolean {
  return node?.type === 'true';
}

export function isFalse(node: Node | undefined): boolean {
  return node?.type === 'false';
}

/** Statements of a block, with `expression_statement` unwrapped to the expression it holds. */
export function blockStatements(block: Node | null): Node[] {
  if (!block) return [];
  const statements: Node[] = [];
  for (const child of block.namedChildren) {
    if (child.type === 'expression_statement') {
      const inner = child.firstNamedChild;
      if (inner) statements.push(inner);
    } else if (child.type !== 'comment') {
      statements.push(child);
    }
  }
  return statements;
}

/** `name = value` / `name: T = value` / `name: T` as parts; undefined for other statements. */
export function simpleAssignment(statement: Node): { name: string; nameNode: Node; value: Node | null; type: Node | null } | undefined {
  if (statement.type !== 'assignment') return undefined;
  const left = statement.childForFieldName('left');
  if (left?.type !== 'identifier') return undefined;
  return {
    name: left.text,
    nameNode: left,
    value: statement.childForFieldName('right'),
    type: statement.childForFieldName('type'),
  };
}

/** The indentation of the line `offset` is on. */
export function indentAt(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? '';
}

/** Offset just past the end of the line holding `offset` (after its line break), or the text's end. */
export function nextLineStart(text: string, offset: number): number {
  const newline = text.indexOf('\n', offset);
  return newline === -1 ? text.length : newline + 1;
}

/** Where a new argument goes in a call: after the last argument, before a trailing comma or the closing paren. */
export function argumentInsertion(list: Node): { at: number; hasTrailingComma: boolean; empty: boolean } | undefined {
  const close = list.lastChild;
  if (close?.type !== ')') return undefined;
  const items = list.namedChildren.filter((child) => child.type !== 'comment');
  const last = items[items.length - 1];
  if (!last) return { at: close.startIndex, hasTrailingComma: false, empty: true };
  let hasTrailingComma = false;
  for (let i = 0; i < list.childCount; i++) {
    const child = list.child(i);
    if (child && child.startIndex >= last.endIndex && child.type === ',') hasTrailingComma = true;
  }
  return { at: last.endIndex, hasTrailingComma, empty: false };
}

/** snake_case of a class name, as Flask-SQLAlchemy derives table names (`PlannerMessage` → `planner_message`). */
export function snakeCase(name: string): string {
  return name
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/^_+/, '');
}
