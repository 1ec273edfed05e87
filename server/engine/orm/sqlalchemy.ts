// SQLAlchemy models (declarative classes in the 1.x `Column` and 2.0 `Mapped`/`mapped_column` styles, and
// `Table(...)` objects) → the DDL SQLAlchemy emits for SQLite, with where an index fix goes; the query chains
// are read by sqlalchemyQueries.ts.
import type { Node, Tree } from 'web-tree-sitter';
import type { ExtractedSql, OffsetRange, SourceFile } from '../types';
import { quoteIdentifier } from '../sql/identifiers';
import { GeneratedDdl, type OrmForeignKey, type OrmModel, type OrmQuery } from './ormTypes';
import type { SqlAlchemyAnchors } from './fixAnchors';
import {
  argumentInsertion,
  blockStatements,
  callArguments,
  calleeName,
  calleeNamespace,
  indentAt,
  isFalse,
  isTrue,
  nextLineStart,
  quoteOf,
  rangeOf,
  simpleAssignment,
  snakeCase,
  stringValue,
  unwrapParentheses,
} from './pythonSyntax';
import { readSqlAlchemyQueries } from './sqlalchemyQueries';

/** SQLAlchemy type → what its SQLite dialect writes in CREATE TABLE (`String(32)` → `VARCHAR(32)`). */
const TYPE_DDL: Record<string, (args: string[]) => string> = {
  Integer: () => 'INTEGER',
  INTEGER: () => 'INTEGER',
  INT: () => 'INTEGER',
  BigInteger: () => 'BIGINT',
  BIGINT: () => 'BIGINT',
  SmallInteger: () => 'SMALLINT',
  SMALLINT: () => 'SMALLINT',
  String: (args) => sized('VARCHAR', args),
  Unicode: (args) => sized('VARCHAR', args),
  VARCHAR: (args) => sized('VARCHAR', args),
  NVARCHAR: (args) => sized('NVARCHAR', args),
  CHAR: (args) => sized('CHAR', args),
  Text: () => 'TEXT',
  UnicodeText: () => 'TEXT',
  TEXT: () => 'TEXT',
  CLOB: () => 'CLOB',
  Boolean: () => 'BOOLEAN',
  BOOLEAN: () => 'BOOLEAN',
  DateTime: () => 'DATETIME',
  DATETIME: () => 'DATETIME',
  TIMESTAMP: () => 'TIMESTAMP',
  Date: () => 'DATE',
  DATE: () => 'DATE',
  Time: () => 'TIME',
  TIME: () => 'TIME',
  Interval: () => 'DATETIME',
  Float: () => 'FLOAT',
  FLOAT: () => 'FLOAT',
  REAL: () => 'REAL',
  Double: () => 'DOUBLE',
  DOUBLE: () => 'DOUBLE',
  Numeric: (args) => sized('NUMERIC', args),
  NUMERIC: (args) => sized('NUMERIC', args),
  DECIMAL: (args) => sized('DECIMAL', args),
  JSON: () => 'JSON',
  LargeBinary: () => 'BLOB',
  BLOB: () => 'BLOB',
  PickleType: () => 'BLOB',
  Uuid: () => 'CHAR(32)',
  UUID: () => 'CHAR(32)',
  Enum: (args) => {
    const lengths = args.map((arg) => /^(['"])(.*)\1$/.exec(arg)?.[2].length).filter((n): n is number => n !== undefined);
    return lengths.length > 0 ? `VARCHAR(${Math.max(...lengths)})` : 'VARCHAR';
  },
};

/** Python annotation types → SQLite DDL, as the 2.0 default type map does. */
const ANNOTATION_DDL: Record<string, string> = {
  int: 'INTEGER',
  str: 'VARCHAR',
  bool: 'BOOLEAN',
  float: 'FLOAT',
  datetime: 'DATETIME',
  'datetime.datetime': 'DATETIME',
  date: 'DATE',
  'datetime.date': 'DATE',
  time: 'TIME',
  'datetime.time': 'TIME',
  timedelta: 'DATETIME',
  Decimal: 'NUMERIC',
  'decimal.Decimal': 'NUMERIC',
  bytes: 'BLOB',
  UUID: 'CHAR(32)',
  'uuid.UUID': 'CHAR(32)',
};

function sized(name: string, args: string[]): string {
  const numbers = args.filter((arg) => /^\d+$/.test(arg));
  return numbers.length > 0 ? `${name}(${numbers.join(', ')})` : name;
}

const COLUMN_CALLS = new Set(['Column', 'mapped_column']);
/** Base classes that make a class without `__tablename__` a Flask-SQLAlchemy model (table name = snake_case). */
const FLASK_MODEL_BASES = /(^|\.)Model$/;

export interface SqlAlchemyColumn {
  attr: string;
  column: string;
  type: string;
  notNull: boolean;
  primaryKey: boolean;
  index: boolean;
  unique: boolean;
  foreignKey?: { table: string; column: string };
  /** The statement (class body) or `Column(...)` call (Table form) that declares it. */
  source: OffsetRange;
  /** Where `, index=True` is inserted for a single-column fix; absent when the declaration has no call. */
  indexInsertAt?: number;
  hasIndexArgument: boolean;
  /** The `Column(...)` call's argument list ends on another line than it starts (multi-line call). */
  multiline: boolean;
}

export interface IndexDef {
  name: string;
  /** Rendered key terms: `planner_id`, `created_at DESC`, `lower(email)`. */
  terms: string[];
  unique: boolean;
  where?: string;
  source: OffsetRange;
}

/** What constraints and indexes are read into; a model adds where it lives (`TableDef`). */
export type TableParts = Omit<TableDef, 'range' | 'anchors'>;

export interface TableDef {
  /** Class name or Table variable. */
  name: string;
  table: string;
  columns: SqlAlchemyColumn[];
  /** Table-level constraints as DDL, in SQLAlchemy's order after the PRIMARY KEY. */
  uniques: string[];
  checks: string[];
  foreignKeys: Array<{ columns: string[]; table: string; targetColumns: string[] }>;
  primaryKey: string[];
  indexes: IndexDef[];
  /** `sqlite_autoincrement=True`: the integer key is written `PRIMARY KEY AUTOINCREMENT` on its column. */
  autoincrement?: boolean;
  range: OffsetRange;
  anchors: SqlAlchemyAnchors;
}

export interface SqlAlchemyFacts {
  models: OrmModel[];
  statements: ExtractedSql[];
  queries: OrmQuery[];
}

/** Words without which a Python file holds no SQLAlchemy models or queries (most files have none: no parse). */
export const SQLALCHEMY_HINT = /\b(?:Column|mapped_column|Table|select)\s*\(|\.query\b|\.get(?:_or_404)?\(\s*[A-Z]\w*\s*,/;

export function extractSqlAlchemy(file: SourceFile, tree: Tree): SqlAlchemyFacts {
  const reader = new ModelReader(file, tree);
  const tables = reader.readTables();
  const models = tables.map((table) => toModel(file.path, table));
  const statements = tables.map((table) => toStatement(file.path, table)).filter((s): s is ExtractedSql => s !== undefined);
  const queries = readSqlAlchemyQueries(tree, file.text);
  return { models, statements, queries };
}

function toModel(file: string, table: TableDef): OrmModel {
  const foreignKeys: OrmForeignKey[] = [];
  for (const column of table.columns) {
    if (!column.foreignKey) continue;
    foreignKeys.push({
      attr: column.attr,
      column: column.column,
      targetTable: column.foreignKey.table,
      targetColumn: column.foreignKey.column,
      nullable: !column.notNull,
    });
  }
  for (const fk of table.foreignKeys) {
    if (fk.columns.length !== 1) continue;
    const column = table.columns.find((c) => c.column === fk.columns[0]);
    foreignKeys.push({
      attr: column?.attr ?? fk.columns[0],
      column: fk.columns[0],
      targetTable: fk.table,
      targetColumn: fk.targetColumns[0],
      nullable: !column?.notNull,
    });
  }
  return {
    orm: 'sqlalchemy',
    name: table.name,
    table: table.table,
    file,
    columns: table.columns.map((column) => ({ attr: column.attr, column: column.column })),
    primaryKey: table.primaryKey,
    foreignKeys,
  };
}

/** CREATE TABLE and CREATE INDEX statements as SQLAlchemy's SQLite dialect writes them (on one line each). */
export function renderTableDdl(
  table: Pick<TableDef, 'table' | 'columns' | 'uniques' | 'checks' | 'foreignKeys' | 'primaryKey' | 'autoincrement'>,
): string {
  const key = table.primaryKey.length === 1 ? table.columns.find((column) => column.column === table.primaryKey[0]) : undefined;
  const inlineKey = table.autoincrement && key?.type === 'INTEGER' ? key : undefined;
  const parts = table.columns.map((column) =>
    [quoteIdentifier(column.column), column.type, column.notNull ? 'NOT NULL' : '', column === inlineKey ? 'PRIMARY KEY AUTOINCREMENT' : '']
      .filter(Boolean)
      .join(' '),
  );
  if (table.primaryKey.length > 0 && !inlineKey) parts.push(`PRIMARY KEY (${table.primaryKey.map(quoteIdentifier).join(', ')})`);
  parts.push(...table.uniques, ...table.checks);
  for (const fk of table.foreignKeys) {
    parts.push(
      `FOREIGN KEY(${fk.columns.map(quoteIdentifier).join(', ')}) REFERENCES ${quoteIdentifier(fk.table)} (${fk.targetColumns.map(quoteIdentifier).join(', ')})`,
    );
  }
  for (const column of table.columns) {
    if (column.foreignKey) {
      parts.push(
        `FOREIGN KEY(${quoteIdentifier(column.column)}) REFERENCES ${quoteIdentifier(column.foreignKey.table)} (${quoteIdentifier(column.foreignKey.column)})`,
      );
    }
  }
  for (const column of table.columns) {
    if (column.unique && !column.index && !column.primaryKey) parts.push(`UNIQUE (${quoteIdentifier(column.column)})`);
  }
  return `CREATE TABLE ${quoteIdentifier(table.table)} (${parts.join(', ')})`;
}

export function renderIndexDdl(table: string, index: Pick<IndexDef, 'name' | 'terms' | 'unique' | 'where'>): string {
  const where = index.where ? ` WHERE ${index.where}` : '';
  return `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${quoteIdentifier(index.name)} ON ${quoteIdentifier(table)} (${index.terms.join(', ')})${where}`;
}

/** `index=True` columns: SQLAlchemy's default naming convention `ix_<table>_<column>`. */
export function columnIndexes(table: string, columns: SqlAlchemyColumn[]): IndexDef[] {
  return columns
    .filter((column) => column.index)
    .map((column) => ({
      name: `ix_${table}_${column.column}`,
      terms: [quoteIdentifier(column.column)],
      unique: column.unique,
      source: column.source,
    }));
}

function toStatement(file: string, table: TableDef): ExtractedSql | undefined {
  if (table.columns.length === 0) return undefined;
  const ddl = new GeneratedDdl();
  ddl.add(renderTableDdl(table), table.range);
  for (const index of [...columnIndexes(table.table, table.columns), ...table.indexes]) {
    ddl.add(renderIndexDdl(table.table, index), index.source);
  }
  return ddl.toStatement({
    file,
    language: 'python',
    range: table.range,
    home: { kind: 'orm-model', orm: 'sqlalchemy', file, model: table.name, range: table.range, anchors: table.anchors },
  });
}

// ---------------------------------------------------------------------------------------------
// columns

/** Reads `Column(...)` / `mapped_column(...)` (with an optional `Mapped[...]` annotation) into a column. */
export function readColumn(
  attr: string | undefined,
  call: Node | null,
  annotation: Node | null,
  source: OffsetRange,
): SqlAlchemyColumn | undefined {
  const args = call ? callArguments(call) : undefined;
  if (call && (!args || args.splat)) return undefined;
  const positional = [...(args?.positional ?? [])];
  let name = attr;
  const first = positional[0];
  const explicitName = stringValue(first);
  if (explicitName !== undefined) {
    name = explicitName;
    positional.shift();
  }
  const keywordName = stringValue(args?.keywords.get('name'));
  if (keywordName !== undefined) name = keywordName;
  if (name === undefined) return undefined;

  const typed = annotationType(annotation);
  let type = typed?.type ?? '';
  let foreignKey: SqlAlchemyColumn['foreignKey'];
  for (const argument of positional) {
    const node = unwrapParentheses(argument);
    const typeName = node.type === 'call' ? calleeName(node) : node.type === 'identifier' || node.type === 'attribute' ? lastName(node) : undefined;
    if (typeName === 'ForeignKey' && node.type === 'call') {
      foreignKey = foreignKeyTarget(callArguments(node).positional[0]);
    } else if (typeName !== undefined && TYPE_DDL[typeName]) {
      const typeArgs = node.type === 'call' ? callArguments(node).positional.map((arg) => arg.text) : [];
      type = TYPE_DDL[typeName](typeArgs);
    } else if (typeName !== undefined && /^[A-Z]/.test(typeName) && node.type !== 'string') {
      type = ''; // a custom type (TypeDecorator): SQLite gets its impl, which is unknown here
    }
  }
  const typeKeyword = args?.keywords.get('type_');
  if (typeKeyword) {
    const typeName = typeKeyword.type === 'call' ? calleeName(typeKeyword) : lastName(typeKeyword);
    if (typeName && TYPE_DDL[typeName]) type = TYPE_DDL[typeName](typeKeyword.type === 'call' ? callArguments(typeKeyword).positional.map((a) => a.text) : []);
  }
  const primaryKey = isTrue(args?.keywords.get('primary_key'));
  const nullableArgument = args?.keywords.get('nullable');
  let notNull: boolean;
  if (primaryKey) notNull = true;
  else if (isTrue(nullableArgument)) notNull = false;
  else if (isFalse(nullableArgument)) notNull = true;
  else notNull = typed ? !typed.optional : false;

  const column: SqlAlchemyColumn = {
    attr: attr ?? name,
    column: name,
    type,
    notNull,
    primaryKey,
    index: isTrue(args?.keywords.get('index')),
    unique: isTrue(args?.keywords.get('unique')),
    source,
    hasIndexArgument: args?.keywords.has('index') ?? false,
    multiline: false,
  };
  if (foreignKey) column.foreignKey = foreignKey;
  const insertion = args?.list ? argumentInsertion(args.list) : undefined;
  if (insertion && args?.list) {
    column.indexInsertAt = insertion.at;
    column.multiline = args.list.startPosition.row !== args.list.endPosition.row;
  }
  return column;
}

/** `ForeignKey("planners.planner_id")` → table and column (a schema prefix is dropped). */
function foreignKeyTarget(argument: Node | undefined): SqlAlchemyColumn['foreignKey'] {
  const target = stringValue(argument);
  if (target !== undefined) {
    const parts = target.split('.');
    if (parts.length < 2) return undefined;
    return { table: parts[parts.length - 2], column: parts[parts.length - 1] };
  }
  return undefined;
}

/** `Mapped[Optional[str]]` → VARCHAR, nullable. Undefined when there is no `Mapped[...]` annotation. */
function annotationType(annotation: Node | null): { type: string; optional: boolean } | undefined {
  if (!annotation) return undefined;
  const text = annotation.text.replace(/\s+/g, '');
  const mapped = /^(?:\w+\.)*Mapped\[(.*)\]$/.exec(text);
  if (!mapped) return undefined;
  let inner = mapped[1];
  let optional = false;
  const optionalMatch = /^(?:typing\.)?Optional\[(.*)\]$/.exec(inner);
  if (optionalMatch) {
    inner = optionalMatch[1];
    optional = true;
  }
  const unionParts = inner.split('|');
  if (unionParts.length > 1) {
    optional = unionParts.includes('None');
    inner = unionParts.filter((part) => part !== 'None')[0] ?? '';
  }
  const annotated = /^(?:typing\.)?Annotated\[([^,\]]+)/.exec(inner);
  if (annotated) inner = annotated[1];
  inner = inner.replace(/^['"]|['"]$/g, '');
  return { type: ANNOTATION_DDL[inner] ?? '', optional };
}

function lastName(node: Node): string | undefined {
  if (node.type === 'identifier') return node.text;
  if (node.type === 'attribute') return node.childForFieldName('attribute')?.text;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// models: declarative classes and Table objects

class ModelReader {
  private readonly text: string;
  /** Column-bearing classes that are not tables themselves (mixins, abstract bases), by name. */
  private readonly mixins = new Map<string, SqlAlchemyColumn[]>();
  /** Classes deriving from Flask-SQLAlchemy's `db.Model` in this file (abstract bases included). */
  private readonly flaskClasses = new Set<string>();
  /** How the module writes SQLAlchemy code; read only once a table is found (most files have none). */
  private moduleStyle: Pick<SqlAlchemyAnchors, 'namespace' | 'quote' | 'indexImport'> | undefined;

  constructor(
    file: SourceFile,
    private readonly tree: Tree,
  ) {
    this.text = file.text;
  }

  private style(): Pick<SqlAlchemyAnchors, 'namespace' | 'quote' | 'indexImport'> {
    if (!this.moduleStyle) {
      const namespace = detectNamespace(this.text);
      const indexImport = namespace === '' ? indexImportEdit(this.tree.rootNode, this.text) : undefined;
      this.moduleStyle = { namespace, quote: detectQuote(this.tree.rootNode) ?? '"', ...(indexImport ? { indexImport } : {}) };
    }
    return this.moduleStyle;
  }

  readTables(): TableDef[] {
    const tables: TableDef[] = [];
    const byName = new Map<string, TableDef>();
    for (const statement of blockStatements(this.tree.rootNode)) {
      const definition = statement.type === 'decorated_definition' ? statement.childForFieldName('definition') : statement;
      let table: TableDef | undefined;
      if (definition?.type === 'class_definition') table = this.readClass(definition, byName);
      else if (statement.type === 'assignment') table = this.readTableObject(statement);
      else if (statement.type === 'call') this.attachModuleIndex(statement, byName);
      if (statement.type === 'assignment' && !table) {
        const value = statement.childForFieldName('right');
        if (value?.type === 'call') this.attachModuleIndex(value, byName);
      }
      if (table) {
        tables.push(table);
        byName.set(table.name, table);
      }
    }
    return tables;
  }

  private readClass(node: Node, known: Map<string, TableDef>): TableDef | undefined {
    const name = node.childForFieldName('name')?.text;
    const body = node.childForFieldName('body');
    if (!name || !body) return undefined;
    const bases = (node.childForFieldName('superclasses')?.namedChildren ?? []).map((base) => base.text);
    let tableName: string | undefined;
    let abstract = false;
    let tablenameStatement: Node | undefined;
    let tableArgs: Node | undefined;
    const columns: SqlAlchemyColumn[] = [];
    for (const statement of blockStatements(body)) {
      const assignment = simpleAssignment(statement);
      if (!assignment) continue;
      if (assignment.name === '__tablename__') {
        tableName = stringValue(assignment.value);
        tablenameStatement = statement;
      } else if (assignment.name === '__abstract__') {
        abstract = isTrue(assignment.value ?? undefined);
      } else if (assignment.name === '__table_args__') {
        tableArgs = assignment.value ?? undefined;
      } else {
        const column = this.classColumn(assignment, statement);
        if (column) columns.push(column);
      }
    }
    // Columns of mixins and abstract bases in this file come first (they are created first).
    const inherited = bases.flatMap((base) => this.mixins.get(base) ?? []);
    const allColumns = [...inherited, ...columns];
    const inheritsTable = bases.some((base) => known.has(base));
    const flask = bases.some((base) => FLASK_MODEL_BASES.test(base) || this.flaskClasses.has(base));
    if (flask) this.flaskClasses.add(name);
    if (tableName === undefined && !abstract && !inheritsTable && flask) {
      if (allColumns.some((column) => column.primaryKey)) tableName = snakeCase(name);
    }
    if (tableName === undefined || abstract) {
      if (allColumns.length > 0) this.mixins.set(name, allColumns);
      return undefined;
    }
    const table: TableDef = {
      name,
      table: tableName,
      columns: allColumns,
      uniques: [],
      checks: [],
      foreignKeys: [],
      primaryKey: allColumns.filter((column) => column.primaryKey).map((column) => column.column),
      indexes: [],
      range: rangeOf(node),
      anchors: this.classAnchors(node, body, allColumns, tablenameStatement, tableArgs),
    };
    if (tableArgs) readTableArguments(table, tableArgs);
    return table;
  }

  private classColumn(assignment: NonNullable<ReturnType<typeof simpleAssignment>>, statement: Node): SqlAlchemyColumn | undefined {
    const value = assignment.value ? unwrapParentheses(assignment.value) : null;
    const source = rangeOf(statement);
    if (value?.type === 'call') {
      const callee = calleeName(value);
      if (!callee || !COLUMN_CALLS.has(callee)) return undefined;
      return readColumn(assignment.name, value, assignment.type, source);
    }
    // `name: Mapped[str]` with no value is a column in 2.0 declarative.
    if (!value && assignment.type && /^(?:\w+\.)*Mapped\[/.test(assignment.type.text)) {
      return readColumn(assignment.name, null, assignment.type, source);
    }
    return undefined;
  }

  private classAnchors(
    node: Node,
    body: Node,
    columns: SqlAlchemyColumn[],
    tablename: Node | undefined,
    tableArgs: Node | undefined,
  ): SqlAlchemyAnchors {
    const firstStatement = body.namedChildren.find((child) => child.type !== 'comment') ?? body;
    const indent = indentAt(this.text, firstStatement.startIndex);
    const anchors: SqlAlchemyAnchors = {
      orm: 'sqlalchemy',
      form: 'class',
      ...this.style(),
      indent,
      columns: columns.map(({ column, attr, indexInsertAt, hasIndexArgument, multiline, source }) => ({
        column,
        attr,
        indexInsertAt: source.start >= node.startIndex && source.end <= node.endIndex ? indexInsertAt : undefined,
        hasIndexArgument,
        multiline,
      })),
      tableArgsAt: nextLineStart(this.text, (tablename ?? docstringOf(body))?.endIndex ?? body.startIndex),
      definitionEnd: node.endIndex,
      tableArgsInline: !tablename && body.startPosition.row === node.startPosition.row,
    };
    if (tableArgs) anchors.tableArgs = tableArgsAnchor(tableArgs);
    return anchors;
  }

  /** `workers = Table("workers", metadata, Column(...), Index(...), ...)`. */
  private readTableObject(statement: Node): TableDef | undefined {
    const assignment = simpleAssignment(statement);
    const call = assignment?.value ? unwrapParentheses(assignment.value) : null;
    if (!assignment || call?.type !== 'call' || calleeName(call) !== 'Table') return undefined;
    const args = callArguments(call);
    const tableName = stringValue(args.positional[0]);
    if (tableName === undefined || args.splat) return undefined;
    const columns: SqlAlchemyColumn[] = [];
    const table: TableDef = {
      name: assignment.name,
      table: tableName,
      columns,
      uniques: [],
      checks: [],
      foreignKeys: [],
      primaryKey: [],
      indexes: [],
      range: rangeOf(statement),
      anchors: {
        orm: 'sqlalchemy',
        form: 'table',
        ...this.style(),
        quote: quoteOf(args.positional[0]) ?? this.style().quote,
        indent: indentAt(this.text, (args.positional[2] ?? args.positional[0]).startIndex),
        columns: [],
        tableArgsAt: statement.endIndex,
        definitionEnd: statement.endIndex,
      },
    };
    let lastPositionalEnd = args.positional[args.positional.length - 1]?.endIndex;
    for (const argument of args.positional.slice(2)) {
      const node = unwrapParentheses(argument);
      if (node.type === 'call' && calleeName(node) === 'Column') {
        const column = readColumn(undefined, node, null, rangeOf(node));
        if (column) columns.push(column);
      } else {
        readConstraint(table, node);
      }
    }
    table.primaryKey.push(...columns.filter((column) => column.primaryKey).map((column) => column.column));
    table.autoincrement = isTrue(args.keywords.get('sqlite_autoincrement'));
    table.anchors.columns = columns.map(({ column, attr, indexInsertAt, hasIndexArgument, multiline }) => ({
      column,
      attr,
      indexInsertAt,
      hasIndexArgument,
      multiline,
    }));
    if (lastPositionalEnd !== undefined) table.anchors.tableArgumentAt = lastPositionalEnd;
    return table;
  }

  /** A module-level `Index("name", Worker.a, Worker.b)` belongs to the model its columns name. */
  private attachModuleIndex(call: Node, tables: Map<string, TableDef>): void {
    if (calleeName(call) !== 'Index') return;
    const args = callArguments(call);
    const owner = args.positional
      .slice(1)
      .map((arg) => ownerOfColumnReference(unwrapParentheses(arg)))
      .find((name): name is string => name !== undefined);
    const table = owner === undefined ? undefined : tables.get(owner);
    if (!table) return;
    const index = readIndex(table, call);
    if (index) table.indexes.push(index);
  }
}

function readTableArguments(table: TableParts, value: Node): void {
  const node = unwrapParentheses(value);
  const elements = node.type === 'tuple' ? node.namedChildren : node.type === 'dictionary' ? [node] : [];
  for (const element of elements) {
    const target = unwrapParentheses(element);
    if (target.type === 'dictionary') table.autoincrement = dictionaryFlag(target, 'sqlite_autoincrement');
    else readConstraint(table, target);
  }
}

/** `{"sqlite_autoincrement": True}` → true. */
function dictionaryFlag(dictionary: Node, key: string): boolean {
  return dictionary.namedChildren.some(
    (pair) => pair.type === 'pair' && stringValue(pair.childForFieldName('key')) === key && isTrue(pair.childForFieldName('value') ?? undefined),
  );
}

/** Index, UniqueConstraint, PrimaryKeyConstraint, ForeignKeyConstraint, CheckConstraint. */
export function readConstraint(table: TableParts, node: Node): void {
  if (node.type !== 'call') return;
  const kind = calleeName(node);
  const args = callArguments(node);
  if (args.splat) return;
  const columnsOf = (nodes: Node[]) => nodes.map((arg) => columnTerm(table, arg)).filter((t): t is string => t !== undefined);
  switch (kind) {
    case 'Index': {
      const index = readIndex(table, node);
      if (index) table.indexes.push(index);
      return;
    }
    case 'UniqueConstraint': {
      const columns = columnsOf(args.positional);
      if (columns.length !== args.positional.length || columns.length === 0) return;
      const name = stringValue(args.keywords.get('name'));
      table.uniques.push(`${name ? `CONSTRAINT ${quoteIdentifier(name)} ` : ''}UNIQUE (${columns.join(', ')})`);
      return;
    }
    case 'PrimaryKeyConstraint': {
      const columns = args.positional.map((arg) => columnName(table, arg)).filter((c): c is string => c !== undefined);
      if (columns.length === args.positional.length && columns.length > 0) {
        table.primaryKey.splice(0, table.primaryKey.length, ...columns);
        for (const column of table.columns) if (columns.includes(column.column)) column.notNull = true;
      }
      return;
    }
    case 'ForeignKeyConstraint': {
      const local = listOfStrings(args.positional[0]);
      const remote = listOfStrings(args.positional[1]);
      if (!local || !remote || local.length !== remote.length || remote.length === 0) return;
      const targets = remote.map((target) => target.split('.'));
      const targetTable = targets[0][targets[0].length - 2];
      if (!targetTable || targets.some((parts) => parts.length < 2)) return;
      table.foreignKeys.push({ columns: local, table: targetTable, targetColumns: targets.map((parts) => parts[parts.length - 1]) });
      return;
    }
    case 'CheckConstraint': {
      const sql = stringValue(args.positional[0]);
      if (sql !== undefined) table.checks.push(`CHECK (${sql})`);
      return;
    }
  }
}

/** `Index("name", "a", b, B.c.desc(), func.lower(d), unique=True, sqlite_where=text("…"))`. */
export function readIndex(table: TableParts, call: Node): IndexDef | undefined {
  const args = callArguments(call);
  const name = stringValue(args.positional[0]);
  if (name === undefined || args.positional.length < 2) return undefined;
  const terms = args.positional.slice(1).map((arg) => columnTerm(table, arg));
  if (terms.some((term) => term === undefined)) return undefined;
  const index: IndexDef = { name, terms: terms as string[], unique: isTrue(args.keywords.get('unique')), source: rangeOf(call) };
  const where = args.keywords.get('sqlite_where');
  if (where) {
    const text = where.type === 'call' && calleeName(where) === 'text' ? stringValue(callArguments(where).positional[0]) : undefined;
    if (text === undefined) return undefined; // a partial index we cannot read would mislead the planner
    index.where = text;
  }
  return index;
}

/** An index/constraint term: a column name string, a class-body name, `M.a`, `t.c.a`, `.desc()`, `desc()`, `func.f()`. */
function columnTerm(table: TableParts, argument: Node): string | undefined {
  const node = unwrapParentheses(argument);
  if (node.type === 'call') {
    const callee = node.childForFieldName('function');
    const method = calleeName(node);
    const args = callArguments(node);
    if (callee?.type === 'attribute' && (method === 'desc' || method === 'asc') && args.positional.length === 0) {
      const inner = columnTerm(table, callee.childForFieldName('object') as Node);
      return inner === undefined ? undefined : method === 'desc' ? `${inner} DESC` : inner;
    }
    if (callee?.type === 'identifier' && (method === 'desc' || method === 'asc') && args.positional.length === 1) {
      const inner = columnTerm(table, args.positional[0]);
      return inner === undefined ? undefined : method === 'desc' ? `${inner} DESC` : inner;
    }
    if (callee?.type === 'attribute' && calleeNamespace(node).endsWith('func') && method) {
      const inner = args.positional.map((arg) => columnTerm(table, arg));
      if (inner.some((term) => term === undefined)) return undefined;
      return `${method}(${inner.join(', ')})`;
    }
    if (method === 'text') return stringValue(args.positional[0]);
    return undefined;
  }
  const column = columnName(table, node);
  return column === undefined ? undefined : quoteIdentifier(column);
}

function columnName(table: TableParts, node: Node): string | undefined {
  const literal = stringValue(node);
  if (literal !== undefined) return literal;
  if (node.type === 'identifier') return table.columns.find((column) => column.attr === node.text)?.column;
  if (node.type === 'attribute') {
    const attr = node.childForFieldName('attribute')?.text;
    const owner = node.childForFieldName('object');
    // `Worker.planner_id` (module level) or `workers.c.planner_id` (Table objects)
    const ownerName = owner?.type === 'attribute' && owner.childForFieldName('attribute')?.text === 'c' ? owner.childForFieldName('object')?.text : owner?.text;
    if (ownerName !== table.name) return undefined;
    return table.columns.find((column) => column.attr === attr)?.column;
  }
  return undefined;
}


/** `Worker.a`, `Worker.a.desc()`, `workers.c.a`, `desc(Worker.a)` → the owner's name. */
function ownerOfColumnReference(node: Node): string | undefined {
  if (node.type === 'call') {
    const callee = node.childForFieldName('function');
    if (callee?.type === 'attribute') return ownerOfColumnReference(callee.childForFieldName('object') as Node);
    const first = callArguments(node).positional[0];
    return first ? ownerOfColumnReference(unwrapParentheses(first)) : undefined;
  }
  if (node.type !== 'attribute') return undefined;
  const owner = node.childForFieldName('object');
  if (owner?.type === 'identifier') return owner.text;
  if (owner?.type === 'attribute' && owner.childForFieldName('attribute')?.text === 'c') return owner.childForFieldName('object')?.text;
  return undefined;
}

function listOfStrings(node: Node | undefined): string[] | undefined {
  if (!node) return undefined;
  const target = unwrapParentheses(node);
  if (target.type !== 'list' && target.type !== 'tuple') return undefined;
  const values = target.namedChildren.filter((child) => child.type !== 'comment').map((child) => stringValue(child));
  return values.every((value): value is string => value !== undefined) ? (values as string[]) : undefined;
}

function docstringOf(body: Node): Node | undefined {
  const first = body.namedChildren.find((child) => child.type !== 'comment');
  return first?.type === 'expression_statement' && first.firstNamedChild?.type === 'string' ? first : undefined;
}

function tableArgsAnchor(value: Node): NonNullable<SqlAlchemyAnchors['tableArgs']> {
  const node = unwrapParentheses(value);
  const kind = node.type === 'tuple' ? 'tuple' : node.type === 'dictionary' ? 'dict' : 'other';
  const elements = kind === 'tuple' ? node.namedChildren.filter((child) => child.type !== 'comment') : [];
  const last = elements[elements.length - 1];
  return {
    kind,
    range: rangeOf(node),
    elements: elements.map(rangeOf),
    lastIsDict: last !== undefined && unwrapParentheses(last).type === 'dictionary',
    multiline: node.startPosition.row !== node.endPosition.row,
  };
}

/**
 * How the module spells SQLAlchemy names, so a new `Index` matches: bare when `Index` is imported or the module
 * writes `Column(...)` bare; `db.` for Flask-SQLAlchemy; the alias of `import sqlalchemy as sa` when it is used.
 */
function detectNamespace(text: string): string {
  if (/^from\s+sqlalchemy(?:\.schema)?\s+import\b[^\n]*\bIndex\b/m.test(text)) return '';
  if (/\bdb\.(?:Column|Model)\b/.test(text)) return 'db.';
  const alias = /^import\s+sqlalchemy\s+as\s+(\w+)\s*$/m.exec(text)?.[1];
  if (alias && new RegExp(`\\b${alias}\\.(?:Column|Table|String|Integer|ForeignKey)\\b`).test(text)) return `${alias}.`;
  if (/^import\s+sqlalchemy\s*$/m.test(text) && /\bsqlalchemy\.(?:Column|Table)\b/.test(text)) return 'sqlalchemy.';
  return '';
}

/** The quote most string literals of the module use. */
export function detectQuote(root: Node): string | undefined {
  let double = 0;
  let single = 0;
  for (const literal of root.descendantsOfType('string_start')) {
    if (literal.text.endsWith('"')) double++;
    else if (literal.text.endsWith("'")) single++;
    if (double + single >= 50) break;
  }
  if (double === 0 && single === 0) return undefined;
  return single > double ? "'" : '"';
}

/** The edit that makes `Index` importable: add it to `from sqlalchemy import …`, or a new import line. */
function indexImportEdit(root: Node, text: string): SqlAlchemyAnchors['indexImport'] {
  let lastImportEnd: number | undefined;
  let sqlalchemyImport: Node | undefined;
  for (const statement of root.namedChildren) {
    if (statement.type === 'import_statement' || statement.type === 'import_from_statement' || statement.type === 'future_import_statement') {
      lastImportEnd = statement.endIndex;
    }
    if (statement.type !== 'import_from_statement') continue;
    const module = statement.childForFieldName('module_name')?.text;
    if (module !== 'sqlalchemy' && module !== 'sqlalchemy.schema') continue;
    if (statement.namedChildren.some((child) => child.type === 'wildcard_import')) return undefined;
    const names = statement.childrenForFieldName('name');
    if (names.some((name) => (name.type === 'aliased_import' ? name.childForFieldName('alias')?.text : name.text) === 'Index')) return undefined;
    if (module === 'sqlalchemy') sqlalchemyImport = statement;
  }
  if (sqlalchemyImport) {
    const names = sqlalchemyImport.childrenForFieldName('name');
    const last = names[names.length - 1];
    if (last) return { at: last.endIndex, text: ', Index' };
  }
  const at = lastImportEnd === undefined ? 0 : nextLineStart(text, lastImportEnd);
  return { at, text: 'from sqlalchemy import Index\n', newLine: true };
}
