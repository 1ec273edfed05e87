// Alembic revisions (`<project>/alembic/versions/*.py`, or any `versions/` folder of revision files) as schema:
// the `op.*` calls of `upgrade()` become the DDL Alembic would run on SQLite. Resolution orders the revisions
// by their down_revision chain and leaves out those that touch tables a SQLAlchemy model defines.
import * as path from 'node:path';
import type { Node, Tree } from 'web-tree-sitter';
import type { SourceFile } from '../types';
import { quoteIdentifier } from '../sql/identifiers';
import { GeneratedDdl, type AlembicRevision } from './ormTypes';
import { blockStatements, callArguments, calleeName, rangeOf, simpleAssignment, stringValue, unwrapParentheses } from './pythonSyntax';
import {
  columnIndexes,
  detectQuote,
  readColumn,
  readConstraint,
  renderIndexDdl,
  renderTableDdl,
  type SqlAlchemyColumn,
  type TableParts,
} from './sqlalchemy';

/** A revision file: in a `versions` folder, with a revision id and `op.` calls. */
export function isAlembicRevision(file: SourceFile): boolean {
  return /(^|\/)versions\/[^/]+\.py$/.test(file.path) && /^revision\b/m.test(file.text) && /\bop\./.test(file.text);
}

export function extractAlembic(file: SourceFile, tree: Tree): AlembicRevision | undefined {
  const root = tree.rootNode;
  const revision: AlembicRevision = { downRevisions: [], dir: path.posix.dirname(file.path), statements: [] };
  let upgrade: Node | undefined;
  for (const statement of blockStatements(root)) {
    const assignment = simpleAssignment(statement);
    if (assignment?.name === 'revision') revision.revision = stringValue(assignment.value);
    else if (assignment?.name === 'down_revision') revision.downRevisions = revisionList(assignment.value);
    else if (statement.type === 'function_definition' && statement.childForFieldName('name')?.text === 'upgrade') upgrade = statement;
  }
  if (revision.revision === undefined) return undefined;
  const quote = detectQuote(root) ?? '"';
  const body = upgrade?.childForFieldName('body');
  if (!body) return revision;
  const batchTables = new Map<string, string>();
  for (const call of body.descendantsOfType('call')) {
    const callee = call.childForFieldName('function');
    const receiver = callee?.type === 'attribute' ? callee.childForFieldName('object')?.text : undefined;
    const method = calleeName(call);
    if (!receiver || !method) continue;
    if (receiver === 'op' && method === 'batch_alter_table') {
      const alias = call.parent?.type === 'as_pattern' ? call.parent.childForFieldName('alias')?.text : undefined;
      const table = stringValue(callArguments(call).positional[0]);
      if (alias && table !== undefined) batchTables.set(alias, table);
      continue;
    }
    const batchTable = batchTables.get(receiver);
    if (receiver !== 'op' && batchTable === undefined) continue;
    const operation = readOperation(method, call, batchTable);
    if (!operation) continue;
    const ddl = new GeneratedDdl();
    for (const statement of operation.sql) ddl.add(statement, rangeOf(call));
    revision.statements.push(
      ddl.toStatement({
        file: file.path,
        language: 'python',
        range: rangeOf(call),
        home: {
          kind: 'orm-model',
          orm: 'alembic',
          file: file.path,
          model: operation.table,
          range: rangeOf(call),
          anchors: { orm: 'alembic', quote },
        },
      }),
    );
  }
  return revision;
}

/** `"abc"`, `None`, `("a", "b")` → revision ids. */
function revisionList(value: Node | null): string[] {
  if (!value) return [];
  const node = unwrapParentheses(value);
  const single = stringValue(node);
  if (single !== undefined) return [single];
  if (node.type !== 'tuple' && node.type !== 'list') return [];
  return node.namedChildren.map((child) => stringValue(child)).filter((id): id is string => id !== undefined);
}

/** `op.f("ix_x")` → "ix_x". */
function nameArgument(node: Node | undefined): string | undefined {
  if (!node) return undefined;
  const target = unwrapParentheses(node);
  if (target.type === 'call' && calleeName(target) === 'f') return stringValue(callArguments(target).positional[0]);
  return stringValue(target);
}

/** One `op.*` (or `batch_op.*`) call → its table and DDL; undefined for operations that do not change plans. */
function readOperation(method: string, call: Node, batchTable: string | undefined): { table: string; sql: string[] } | undefined {
  const args = callArguments(call);
  if (args.splat) return undefined;
  // batch_op calls drop the table argument: shift the positions by one.
  const at = (position: number) => (batchTable === undefined ? args.positional[position] : args.positional[position - 1]);
  const table = batchTable ?? stringValue(args.positional[method === 'create_index' || method === 'create_unique_constraint' ? 1 : 0]) ?? stringValue(args.keywords.get('table_name'));
  switch (method) {
    case 'create_table': {
      const name = stringValue(args.positional[0]);
      if (name === undefined || batchTable !== undefined) return undefined;
      const parts = tableParts(name, args.positional.slice(1));
      if (parts.columns.length === 0) return undefined;
      const sql = [renderTableDdl(parts), ...[...columnIndexes(name, parts.columns), ...parts.indexes].map((index) => renderIndexDdl(name, index))];
      return { table: name, sql };
    }
    case 'create_index':
    case 'create_unique_constraint': {
      const name = nameArgument(args.positional[0]);
      const columns = listOfTerms(at(2));
      if (name === undefined || table === undefined || !columns) return undefined;
      const unique = method === 'create_unique_constraint' || args.keywords.get('unique')?.type === 'true';
      const whereNode = args.keywords.get('sqlite_where');
      const where = whereNode?.type === 'call' && calleeName(whereNode) === 'text' ? stringValue(callArguments(whereNode).positional[0]) : undefined;
      if (whereNode && where === undefined) return undefined;
      return { table, sql: [renderIndexDdl(table, { name, terms: columns, unique, ...(where !== undefined ? { where } : {}) })] };
    }
    case 'drop_index': {
      const name = nameArgument(args.positional[0]);
      return name === undefined ? undefined : { table: table ?? '', sql: [`DROP INDEX IF EXISTS ${quoteIdentifier(name)}`] };
    }
    case 'add_column': {
      const columnCall = at(1);
      const column = columnCall && unwrapParentheses(columnCall).type === 'call' ? readColumn(undefined, unwrapParentheses(columnCall), null, rangeOf(call)) : undefined;
      if (!column || table === undefined) return undefined;
      const sql = [`ALTER TABLE ${quoteIdentifier(table)} ADD COLUMN ${columnDefinition(column)}`];
      for (const index of columnIndexes(table, [column])) sql.push(renderIndexDdl(table, index));
      return { table, sql };
    }
    case 'drop_column': {
      const column = stringValue(at(1));
      return column === undefined || table === undefined ? undefined : { table, sql: [`ALTER TABLE ${quoteIdentifier(table)} DROP COLUMN ${quoteIdentifier(column)}`] };
    }
    case 'drop_table':
      return table === undefined || batchTable !== undefined ? undefined : { table, sql: [`DROP TABLE IF EXISTS ${quoteIdentifier(table)}`] };
    case 'rename_table': {
      const newName = stringValue(args.positional[1]);
      return table === undefined || newName === undefined ? undefined : { table, sql: [`ALTER TABLE ${quoteIdentifier(table)} RENAME TO ${quoteIdentifier(newName)}`] };
    }
    default:
      return undefined;
  }
}

function columnDefinition(column: SqlAlchemyColumn): string {
  const parts = [quoteIdentifier(column.column), column.type];
  if (column.notNull) parts.push('NOT NULL');
  if (column.foreignKey) parts.push(`REFERENCES ${quoteIdentifier(column.foreignKey.table)} (${quoteIdentifier(column.foreignKey.column)})`);
  return parts.filter(Boolean).join(' ');
}

/** `["a", "b"]`, `[sa.text("b DESC")]` → index terms. */
function listOfTerms(node: Node | undefined): string[] | undefined {
  if (!node) return undefined;
  const target = unwrapParentheses(node);
  if (target.type !== 'list' && target.type !== 'tuple') return undefined;
  const terms: string[] = [];
  for (const element of target.namedChildren) {
    if (element.type === 'comment') continue;
    const name = stringValue(element);
    if (name !== undefined) {
      terms.push(quoteIdentifier(name));
      continue;
    }
    const text = element.type === 'call' && (calleeName(element) === 'text' || calleeName(element) === 'literal_column')
      ? stringValue(callArguments(element).positional[0])
      : undefined;
    if (text === undefined) return undefined;
    terms.push(text);
  }
  return terms.length > 0 ? terms : undefined;
}

function tableParts(name: string, args: Node[]): TableParts {
  const columns: SqlAlchemyColumn[] = [];
  const parts: TableParts = { name, table: name, columns, uniques: [], checks: [], foreignKeys: [], primaryKey: [], indexes: [] };
  for (const argument of args) {
    const node = unwrapParentheses(argument);
    if (node.type === 'call' && calleeName(node) === 'Column') {
      const column = readColumn(undefined, node, null, rangeOf(node));
      if (column) columns.push(column);
    } else {
      readConstraint(parts, node);
    }
  }
  if (parts.primaryKey.length === 0) parts.primaryKey.push(...columns.filter((column) => column.primaryKey).map((column) => column.column));
  return parts;
}

