// Knex migrations (JS/TS files in a `migrations` folder) as schema: `knex.schema.createTable/alterTable(name, t => …)`
// in `up` becomes the DDL Knex's SQLite dialect writes (column builders, `.notNullable()`, `.primary()`,
// `.unique()`, `.index()`, `.references()`, `t.index([...])`, `t.unique([...])`), applied in file-name order. A fix
// is a new migration next to them that adds the index with `table.index(...)`.
import type { Node } from 'web-tree-sitter';
import type { ExtractedSql, OffsetRange, SourceFile } from '../types';
import { grammarForPath, withSyntaxTree } from '../extract/treeSitter';
import { GeneratedDdl } from './ormTypes';

/** A migration file: in a `migrations` folder, building tables through `schema`. */
export function isKnexMigration(file: SourceFile): boolean {
  return (
    (file.language === 'javascript' || file.language === 'typescript') &&
    /(^|\/)migrations\/[^/]+\.[cm]?[jt]s$/.test(file.path) &&
    /\.schema\s*\.\s*(?:createTable|alterTable|table|createTableIfNotExists)\s*\(/.test(file.text)
  );
}

const TABLE_METHODS = new Set(['createTable', 'createTableIfNotExists', 'alterTable', 'table']);

/** Knex column builder → Knex's SQLite column type. */
const COLUMN_TYPES: Record<string, (args: Node[]) => string> = {
  increments: () => 'integer',
  bigIncrements: () => 'integer',
  integer: () => 'integer',
  tinyint: () => 'tinyint',
  smallint: () => 'integer',
  mediumint: () => 'integer',
  bigInteger: () => 'bigint',
  string: (args) => `varchar(${args[1]?.type === 'number' ? args[1].text : '255'})`,
  text: () => 'text',
  boolean: () => 'boolean',
  date: () => 'date',
  datetime: () => 'datetime',
  timestamp: () => 'datetime',
  time: () => 'time',
  float: () => 'float',
  double: () => 'float',
  decimal: () => 'float',
  json: () => 'json',
  jsonb: () => 'json',
  uuid: () => 'char(36)',
  binary: () => 'blob',
  enum: () => 'text',
  enu: () => 'text',
};

interface KnexColumn {
  name: string;
  type: string;
  notNull: boolean;
  primaryKey: boolean;
  autoincrement: boolean;
  references?: { table: string; column: string };
}

function quote(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/** Knex's default index names: `<table>_<columns>_index` / `_unique`, lowercased, dots and dashes as `_`. */
export function knexIndexName(table: string, columns: string[], kind: 'index' | 'unique'): string {
  return `${table}_${columns.join('_')}_${kind}`.toLowerCase().replace(/[.-]/g, '_');
}

export async function extractKnexMigration(file: SourceFile): Promise<ExtractedSql[]> {
  const statements = await withSyntaxTree(grammarForPath(file.path), file.text, (tree) => {
    const found: ExtractedSql[] = [];
    for (const call of tree.rootNode.descendantsOfType('call_expression')) {
      const statement = readTableCall(file, call) ?? readRawIndex(file, call);
      if (statement) found.push(statement);
    }
    return found;
  });
  return statements ?? [];
}

function stringArgument(node: Node | undefined): string | undefined {
  if (node?.type !== 'string') return undefined;
  return node.namedChildren.filter((child) => child.type === 'string_fragment').map((child) => child.text).join('');
}

function stringList(node: Node | undefined): string[] | undefined {
  const single = stringArgument(node);
  if (single !== undefined) return [single];
  if (node?.type !== 'array') return undefined;
  const values = node.namedChildren.map((child) => stringArgument(child));
  return values.every((value): value is string => value !== undefined) && values.length > 0 ? (values as string[]) : undefined;
}

function argumentsOf(call: Node): Node[] {
  return (call.childForFieldName('arguments')?.namedChildren ?? []).filter((child) => child.type !== 'comment');
}

/** Code that only runs when rolling back. */
function insideDown(node: Node): boolean {
  for (let current = node.parent; current; current = current.parent) {
    const name =
      current.type === 'function_declaration'
        ? current.childForFieldName('name')?.text
        : current.type === 'variable_declarator' || current.type === 'pair'
          ? (current.childForFieldName('name') ?? current.childForFieldName('key'))?.text
          : current.type === 'assignment_expression'
            ? current.childForFieldName('left')?.text.split('.').pop()
            : current.type === 'method_definition'
              ? current.childForFieldName('name')?.text
              : undefined;
    if (name === 'down') return true;
    if (name === 'up') return false;
  }
  return false;
}

/** `knex.schema`, or a chain of schema calls on it (`knex.schema.createTable(…).createTable(…)`). */
function onSchema(node: Node | null): boolean {
  let current = node;
  while (current?.type === 'call_expression') {
    const callee = current.childForFieldName('function');
    current = callee?.type === 'member_expression' ? callee.childForFieldName('object') : null;
  }
  return current?.type === 'member_expression' && current.childForFieldName('property')?.text === 'schema';
}

/** `<knex>.schema.createTable('users', (t) => { … })` → its DDL. */
function readTableCall(file: SourceFile, call: Node): ExtractedSql | undefined {
  const callee = call.childForFieldName('function');
  if (callee?.type !== 'member_expression') return undefined;
  const method = callee.childForFieldName('property')?.text;
  if (!method || !TABLE_METHODS.has(method) || !onSchema(callee.childForFieldName('object'))) return undefined;
  if (insideDown(call)) return undefined;
  const [nameNode, builder] = argumentsOf(call);
  const table = stringArgument(nameNode);
  const parameter = builder?.childForFieldName('parameters')?.namedChildren[0] ?? builder?.childForFieldName('parameter');
  const body = builder?.childForFieldName('body');
  if (table === undefined || !parameter || !body || (builder?.type !== 'arrow_function' && builder?.type !== 'function_expression')) return undefined;
  const tableVariable = parameter.type === 'identifier' ? parameter.text : parameter.firstNamedChild?.text;
  if (!tableVariable) return undefined;
  const creating = method.startsWith('createTable');
  const columns: KnexColumn[] = [];
  const ddl = new GeneratedDdl();
  const indexes: Array<{ sql: string; source: OffsetRange }> = [];
  const foreignKeys: string[] = [];
  let primaryKey: string[] = [];
  for (const chainCall of body.descendantsOfType('call_expression')) {
    // Only whole chains: `t.string('a').notNullable()` is read once, from its outermost call.
    const parent = chainCall.parent;
    if (parent?.type === 'member_expression' && parent.parent?.type === 'call_expression') continue;
    const steps = chainSteps(chainCall, tableVariable);
    if (!steps) continue;
    const [head, ...modifiers] = steps;
    const source = { start: chainCall.startIndex, end: chainCall.endIndex };
    const headArgs = head.args;
    if (head.method === 'index' || head.method === 'unique') {
      const names = stringList(headArgs[0]);
      if (!names) continue;
      const name = stringArgument(headArgs[1]) ?? knexIndexName(table, names, head.method === 'unique' ? 'unique' : 'index');
      indexes.push({ sql: `create ${head.method === 'unique' ? 'unique ' : ''}index ${quote(name)} on ${quote(table)} (${names.map(quote).join(', ')})`, source });
      continue;
    }
    if (head.method === 'primary') {
      primaryKey = stringList(headArgs[0]) ?? primaryKey;
      continue;
    }
    if (head.method === 'dropColumn' && creating === false) {
      for (const name of headArgs.map((arg) => stringArgument(arg)).filter((n): n is string => n !== undefined)) {
        indexes.push({ sql: `alter table ${quote(table)} drop column ${quote(name)}`, source });
      }
      continue;
    }
    if (head.method === 'timestamps') {
      const notNull = headArgs[1]?.type === 'true';
      for (const name of ['created_at', 'updated_at']) columns.push({ name, type: 'datetime', notNull, primaryKey: false, autoincrement: false });
      continue;
    }
    const typeOf = COLUMN_TYPES[head.method];
    const name = stringArgument(headArgs[0]);
    if (!typeOf || name === undefined) continue;
    const column: KnexColumn = {
      name,
      type: typeOf(headArgs),
      notNull: head.method.endsWith('ncrements'),
      primaryKey: head.method.endsWith('ncrements'),
      autoincrement: head.method.endsWith('ncrements'),
    };
    let referencedTable: string | undefined;
    let referencedColumn: string | undefined;
    for (const modifier of modifiers) {
      const first = stringArgument(modifier.args[0]);
      if (modifier.method === 'notNullable') column.notNull = true;
      else if (modifier.method === 'nullable') column.notNull = false;
      else if (modifier.method === 'primary') column.primaryKey = true;
      else if (modifier.method === 'unique' || modifier.method === 'index') {
        const kind = modifier.method === 'unique' ? 'unique' : 'index';
        const indexName = first ?? knexIndexName(table, [name], kind);
        indexes.push({ sql: `create ${kind === 'unique' ? 'unique ' : ''}index ${quote(indexName)} on ${quote(table)} (${quote(name)})`, source });
      } else if (modifier.method === 'references' && first !== undefined) {
        const parts = first.split('.');
        if (parts.length === 2) [referencedTable, referencedColumn] = parts;
        else referencedColumn = first;
      } else if (modifier.method === 'inTable' && first !== undefined) {
        referencedTable = first;
      }
    }
    if (referencedTable !== undefined && referencedColumn !== undefined) column.references = { table: referencedTable, column: referencedColumn };
    columns.push(column);
  }
  if (creating) {
    const keyed = primaryKey.length > 0 ? primaryKey : [];
    const definitions = columns.map((column) => {
      const parts = [quote(column.name), column.type];
      if (column.notNull) parts.push('not null');
      if (column.primaryKey && keyed.length === 0) parts.push(column.autoincrement ? 'primary key autoincrement' : 'primary key');
      return parts.join(' ');
    });
    if (keyed.length > 0) definitions.push(`primary key (${keyed.map(quote).join(', ')})`);
    for (const column of columns) {
      if (column.references) foreignKeys.push(`foreign key(${quote(column.name)}) references ${quote(column.references.table)}(${quote(column.references.column)})`);
    }
    if (columns.length === 0) return undefined;
    ddl.add(`create table ${quote(table)} (${[...definitions, ...foreignKeys].join(', ')})`, { start: callee.startIndex, end: call.endIndex });
  } else {
    for (const column of columns) {
      const parts = [quote(column.name), column.type, column.notNull ? 'not null' : ''];
      if (column.references) parts.push(`references ${quote(column.references.table)}(${quote(column.references.column)})`);
      ddl.add(`alter table ${quote(table)} add column ${parts.filter(Boolean).join(' ')}`, { start: call.startIndex, end: call.endIndex });
    }
  }
  for (const index of indexes) ddl.add(index.sql, index.source);
  if (ddl.isEmpty) return undefined;
  // From the method name: chained calls (`.createTable(a).createTable(b)`) all start at `knex`, and a must come first.
  const range = { start: callee.childForFieldName('property')?.startIndex ?? call.startIndex, end: call.endIndex };
  return ddl.toStatement({
    file: file.path,
    language: file.language,
    range,
    home: {
      kind: 'orm-model',
      orm: 'knex',
      file: file.path,
      model: table,
      range,
      anchors: { orm: 'knex', esm: /^\s*export\s/m.test(file.text), quote: /'/.test(nameNode?.text ?? '') ? "'" : '"' },
    },
  });
}

/** `knex.raw('CREATE INDEX …')` in `up` (how a descending index is written): the DDL as it is. */
function readRawIndex(file: SourceFile, call: Node): ExtractedSql | undefined {
  const callee = call.childForFieldName('function');
  if (callee?.type !== 'member_expression' || callee.childForFieldName('property')?.text !== 'raw' || insideDown(call)) return undefined;
  const sql = stringArgument(argumentsOf(call)[0]);
  const head = sql === undefined ? undefined : /^\s*create\s+(?:unique\s+)?index\b.*?\bon\s+[`"]?(\w+)/i.exec(sql);
  if (sql === undefined || !head) return undefined;
  const ddl = new GeneratedDdl();
  const range = { start: call.startIndex, end: call.endIndex };
  ddl.add(sql.trim().replace(/;$/, ''), range);
  return ddl.toStatement({
    file: file.path,
    language: file.language,
    range,
    home: { kind: 'orm-model', orm: 'knex', file: file.path, model: head[1], range, anchors: { orm: 'knex', esm: /^\s*export\s/m.test(file.text), quote: "'" } },
  });
}

/** `t.string('a', 9).notNullable().unique()` → [string('a', 9), notNullable(), unique()]; undefined when not on `t`. */
function chainSteps(call: Node, tableVariable: string): Array<{ method: string; args: Node[] }> | undefined {
  const steps: Array<{ method: string; args: Node[] }> = [];
  let node: Node | null = call;
  while (node?.type === 'call_expression') {
    const callee: Node | null = node.childForFieldName('function');
    if (callee?.type !== 'member_expression') return undefined;
    steps.unshift({ method: callee.childForFieldName('property')?.text ?? '', args: argumentsOf(node) });
    node = callee.childForFieldName('object');
  }
  return node?.type === 'identifier' && node.text === tableVariable ? steps : undefined;
}
