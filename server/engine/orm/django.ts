// Django models (`models.Model` subclasses) → the DDL Django's SQLite backend writes (tables `app_model` or
// Meta.db_table, `<fk>_id` columns with their index, db_index, unique, Meta.indexes / index_together /
// unique_together / constraints), and `Model.objects` querysets → symbolic queries (resolve.ts renders them as
// Django sends them: every identifier quoted, WHERE in parentheses, Meta.ordering applied).
import { createHash } from 'node:crypto';
import type { Node, Tree } from 'web-tree-sitter';
import type { ExtractedSql, OffsetRange, SourceFile } from '../types';
import { GeneratedDdl, columnToken, linkedColumnToken, type OrmModel, type OrmQuery } from './ormTypes';
import type { DjangoAnchors } from './fixAnchors';
import {
  blockStatements,
  callArguments,
  calleeName,
  isTrue,
  quoteOf,
  rangeOf,
  simpleAssignment,
  stringValue,
  unwrapParentheses,
} from './pythonSyntax';
import { chainTopsMatching, unrollChain, type ChainStep } from './pythonChains';
import { enclosingFunctionOf } from './pythonScope';
import { detectQuote } from './sqlalchemy';

/** Django field class → the SQLite backend's column type. */
const FIELD_TYPES: Record<string, (args: Map<string, Node>) => string> = {
  AutoField: () => 'integer',
  BigAutoField: () => 'integer',
  SmallAutoField: () => 'integer',
  BinaryField: () => 'BLOB',
  BooleanField: () => 'bool',
  NullBooleanField: () => 'bool',
  CharField: (args) => `varchar(${args.get('max_length')?.text ?? '255'})`,
  SlugField: (args) => `varchar(${args.get('max_length')?.text ?? '50'})`,
  EmailField: (args) => `varchar(${args.get('max_length')?.text ?? '254'})`,
  URLField: (args) => `varchar(${args.get('max_length')?.text ?? '200'})`,
  FileField: (args) => `varchar(${args.get('max_length')?.text ?? '100'})`,
  ImageField: (args) => `varchar(${args.get('max_length')?.text ?? '100'})`,
  FilePathField: (args) => `varchar(${args.get('max_length')?.text ?? '100'})`,
  DateField: () => 'date',
  DateTimeField: () => 'datetime',
  TimeField: () => 'time',
  DurationField: () => 'bigint',
  DecimalField: () => 'decimal',
  FloatField: () => 'real',
  IntegerField: () => 'integer',
  BigIntegerField: () => 'bigint',
  SmallIntegerField: () => 'smallint',
  PositiveIntegerField: () => 'integer unsigned',
  PositiveBigIntegerField: () => 'bigint unsigned',
  PositiveSmallIntegerField: () => 'smallint unsigned',
  GenericIPAddressField: () => 'char(39)',
  IPAddressField: () => 'char(15)',
  JSONField: () => 'text',
  TextField: () => 'text',
  UUIDField: () => 'char(32)',
};
const AUTO_FIELDS = new Set(['AutoField', 'BigAutoField', 'SmallAutoField']);
const RELATION_FIELDS = new Set(['ForeignKey', 'OneToOneField']);

/** Words without which a file holds no Django models or querysets. */
export const DJANGO_HINT = /\bmodels\.Model\b|\.objects\./;

interface DjangoField {
  attr: string;
  column: string;
  type: string;
  notNull: boolean;
  primaryKey: boolean;
  unique: boolean;
  index: boolean;
  /** Relation target as written (`Author`, `"auth.User"` → `User`, `"self"` → the model). */
  target?: string;
  source: OffsetRange;
}

interface DjangoModel {
  name: string;
  table: string;
  fields: DjangoField[];
  /** CREATE INDEX / CREATE UNIQUE INDEX from Meta, with the node each comes from. */
  indexes: Array<{ sql: string; source: OffsetRange }>;
  ordering: Array<{ attr: string; desc: boolean }>;
  range: OffsetRange;
  anchors: DjangoAnchors;
}

export interface DjangoFacts {
  models: OrmModel[];
  statements: ExtractedSql[];
  queries: OrmQuery[];
}

export function extractDjango(file: SourceFile, tree: Tree): DjangoFacts {
  const models = new ModelReader(file, tree).read();
  const byName = new Map(models.map((model) => [model.name, model]));
  const ormModels = models.map((model) => toOrmModel(file.path, model));
  const statements = models.map((model) => toStatement(file.path, model, byName));
  const queries = new QueryReader().read(tree, file.text);
  return { models: ormModels, statements, queries };
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Django's `names_digest`: md5 over the table and column names, first `length` hex digits. */
function namesDigest(parts: string[], length: number): string {
  const hash = createHash('md5');
  for (const part of parts) hash.update(part);
  return hash.digest('hex').slice(0, length);
}

/**
 * The name Django gives a Meta.indexes entry without one (`Index.set_name_with_model`): `columns` are column names,
 * `-`-prefixed when descending.
 */
export function djangoIndexName(table: string, columns: string[]): string {
  const first = (columns[0] ?? '').replace(/^-/, '');
  return `${table.slice(0, 11)}_${first.slice(0, 7)}_${namesDigest([table, ...columns, 'idx'], 6)}_idx`;
}

/** Django's `_create_index_name`: `<table>_<columns>_<digest><suffix>`. */
function indexName(table: string, columns: string[], suffix: string): string {
  return `${table}_${columns.join('_')}_${namesDigest([table, ...columns], 8)}${suffix}`;
}

function toOrmModel(file: string, model: DjangoModel): OrmModel {
  const primaryKey = model.fields.filter((field) => field.primaryKey).map((field) => field.column);
  return {
    orm: 'django',
    name: model.name,
    table: model.table,
    file,
    // `pk`, every field, and the `<fk>_id` attribute Django adds next to each relation.
    columns: [
      { attr: 'pk', column: primaryKey[0] ?? 'id' },
      ...model.fields.map((field) => ({ attr: field.attr, column: field.column })),
      ...model.fields.filter((field) => field.target !== undefined).map((field) => ({ attr: `${field.attr}_id`, column: field.column })),
    ],
    primaryKey,
    defaultOrder: model.ordering,
    foreignKeys: model.fields
      .filter((field) => field.target !== undefined)
      .map((field) => ({ attr: field.attr, column: field.column, targetModel: field.target, nullable: !field.notNull })),
  };
}

function toStatement(file: string, model: DjangoModel, models: Map<string, DjangoModel>): ExtractedSql {
  const ddl = new GeneratedDdl();
  const columns = model.fields.map((field) => {
    const parts = [quote(field.column), field.type, field.notNull ? 'NOT NULL' : 'NULL'];
    if (field.primaryKey) parts.push(field.type === 'integer' ? 'PRIMARY KEY AUTOINCREMENT' : 'PRIMARY KEY');
    else if (field.unique) parts.push('UNIQUE');
    const target = field.target === undefined ? undefined : models.get(field.target);
    if (target) {
      const targetKey = target.fields.find((candidate) => candidate.primaryKey)?.column ?? 'id';
      parts.push(`REFERENCES ${quote(target.table)} (${quote(targetKey)}) DEFERRABLE INITIALLY DEFERRED`);
    }
    return parts.join(' ');
  });
  ddl.add(`CREATE TABLE ${quote(model.table)} (${columns.join(', ')})`, model.range);
  for (const field of model.fields) {
    if (field.index && !field.unique && !field.primaryKey) {
      ddl.add(`CREATE INDEX ${quote(indexName(model.table, [field.column], ''))} ON ${quote(model.table)} (${quote(field.column)})`, field.source);
    }
  }
  for (const index of model.indexes) ddl.add(index.sql, index.source);
  return ddl.toStatement({
    file,
    language: 'python',
    range: model.range,
    home: { kind: 'orm-model', orm: 'django', file, model: model.name, range: model.range, anchors: model.anchors },
  });
}

/** `blog/models.py` and `blog/models/entry.py` → `blog`. */
function appLabelOf(file: string): string {
  const parts = file.split('/');
  parts.pop();
  if (parts[parts.length - 1] === 'models') parts.pop();
  return parts[parts.length - 1] ?? '';
}

// ---------------------------------------------------------------------------------------------
// models

class ModelReader {
  private readonly text: string;
  private readonly quote: string;
  /** In-file classes deriving from models.Model, with the fields abstract ones pass on. */
  private readonly abstractFields = new Map<string, DjangoField[]>();
  private readonly modelClasses = new Set<string>();

  constructor(
    private readonly file: SourceFile,
    private readonly tree: Tree,
  ) {
    this.text = file.text;
    this.quote = detectQuote(tree.rootNode) ?? '"';
  }

  read(): DjangoModel[] {
    const models: DjangoModel[] = [];
    for (const statement of blockStatements(this.tree.rootNode)) {
      const definition = statement.type === 'decorated_definition' ? statement.childForFieldName('definition') : statement;
      if (definition?.type !== 'class_definition') continue;
      const model = this.readClass(definition);
      if (model) models.push(model);
    }
    // A relation to a model of this file that has another primary key takes that key's type.
    const byName = new Map(models.map((model) => [model.name, model]));
    for (const model of models) {
      for (const field of model.fields) {
        const target = field.target === undefined ? undefined : byName.get(field.target);
        const key = target?.fields.find((candidate) => candidate.primaryKey);
        if (key) field.type = key.type === 'integer' && key.attr === 'id' ? 'integer' : key.type;
      }
    }
    return models;
  }

  private readClass(node: Node): DjangoModel | undefined {
    const name = node.childForFieldName('name')?.text;
    const body = node.childForFieldName('body');
    if (!name || !body) return undefined;
    const bases = (node.childForFieldName('superclasses')?.namedChildren ?? []).map((base) => base.text);
    const isModel = bases.some((base) => /(^|\.)Model$/.test(base) || this.modelClasses.has(base));
    if (!isModel) return undefined;
    this.modelClasses.add(name);
    const fields: DjangoField[] = bases.flatMap((base) => this.abstractFields.get(base) ?? []).map((field) => ({ ...field }));
    let meta: Node | undefined;
    for (const statement of blockStatements(body)) {
      if (statement.type === 'class_definition' && statement.childForFieldName('name')?.text === 'Meta') {
        meta = statement;
        continue;
      }
      const assignment = simpleAssignment(statement);
      const value = assignment?.value ? unwrapParentheses(assignment.value) : undefined;
      if (!assignment || value?.type !== 'call') continue;
      const field = readField(assignment.name, value, name, rangeOf(statement));
      if (field) fields.push(field);
    }
    const options = readMeta(meta);
    if (isTrue(options.get('abstract') ?? undefined)) {
      this.abstractFields.set(name, fields);
      return undefined;
    }
    if (!fields.some((field) => field.primaryKey)) {
      fields.unshift({ attr: 'id', column: 'id', type: 'integer', notNull: true, primaryKey: true, unique: true, index: false, source: rangeOf(node) });
    }
    const appLabel = stringValue(options.get('app_label')) ?? appLabelOf(this.file.path);
    const table = stringValue(options.get('db_table')) ?? `${appLabel}_${name.toLowerCase()}`;
    const model: DjangoModel = {
      name,
      table,
      fields,
      indexes: [],
      ordering: readOrdering(options.get('ordering')),
      range: rangeOf(node),
      anchors: this.anchors(body, meta, fields),
    };
    readMetaIndexes(model, options);
    return model;
  }

  private anchors(body: Node, meta: Node | undefined, fields: DjangoField[]): DjangoAnchors {
    const statements = body.namedChildren.filter((child) => child.type !== 'comment');
    const first = statements[0] ?? body;
    const last = statements[statements.length - 1] ?? body;
    const anchors: DjangoAnchors = {
      orm: 'django',
      modelsAlias: /^from\s+django\.db\s+import\s+[^\n]*\bmodels\s+as\s+(\w+)/m.exec(this.text)?.[1] ?? 'models',
      quote: this.quote,
      indent: indentOf(this.text, first.startIndex),
      bodyEnd: last.endIndex,
      fields: fields.map((field) => ({ column: field.column, field: field.attr })),
    };
    const metaBody = meta?.childForFieldName('body');
    if (meta && metaBody) {
      const metaStatements = metaBody.namedChildren.filter((child) => child.type !== 'comment');
      const lastMeta = metaStatements[metaStatements.length - 1] ?? metaBody;
      anchors.meta = { indent: indentOf(this.text, (metaStatements[0] ?? metaBody).startIndex), bodyEnd: lastMeta.endIndex };
      for (const statement of blockStatements(metaBody)) {
        const assignment = simpleAssignment(statement);
        const value = assignment?.value ? unwrapParentheses(assignment.value) : undefined;
        if (assignment?.name !== 'indexes' || (value?.type !== 'list' && value?.type !== 'tuple')) continue;
        const elements = value.namedChildren.filter((child) => child.type !== 'comment');
        anchors.meta.indexes = {
          range: rangeOf(value),
          elements: elements.map(rangeOf),
          multiline: value.startPosition.row !== value.endPosition.row,
        };
      }
    }
    const fieldQuote = quoteOf(body.descendantsOfType('string')[0]);
    if (fieldQuote) anchors.quote = fieldQuote;
    return anchors;
  }
}

function indentOf(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? '';
}

/** `models.CharField(max_length=20, db_index=True)` → a column; relations become `<name>_id`. */
function readField(attr: string, call: Node, owner: string, source: OffsetRange): DjangoField | undefined {
  const kind = calleeName(call);
  if (!kind) return undefined;
  const args = callArguments(call);
  if (args.splat) return undefined;
  const primaryKey = isTrue(args.keywords.get('primary_key')) || AUTO_FIELDS.has(kind);
  const relation = RELATION_FIELDS.has(kind);
  let type: string;
  let target: string | undefined;
  if (relation) {
    const to = args.positional[0] ?? args.keywords.get('to');
    if (!to) return undefined;
    const written = stringValue(to) ?? (to.type === 'identifier' ? to.text : to.type === 'attribute' ? to.text : undefined);
    if (written === undefined) return undefined;
    target = written === 'self' ? owner : written === 'settings.AUTH_USER_MODEL' ? 'User' : (written.split('.').pop() ?? written);
    type = 'integer';
  } else {
    const typeOf = FIELD_TYPES[kind];
    if (!typeOf) return undefined;
    type = typeOf(args.keywords);
  }
  const column = stringValue(args.keywords.get('db_column')) ?? (relation ? `${attr}_id` : attr);
  const field: DjangoField = {
    attr,
    column,
    type,
    notNull: !isTrue(args.keywords.get('null')),
    primaryKey,
    unique: primaryKey || kind === 'OneToOneField' || isTrue(args.keywords.get('unique')),
    // Relations are indexed unless db_index=False.
    index: relation ? args.keywords.get('db_index')?.type !== 'false' : isTrue(args.keywords.get('db_index')),
    source,
  };
  if (target !== undefined) field.target = target;
  return field;
}

function readMeta(meta: Node | undefined): Map<string, Node | null> {
  const options = new Map<string, Node | null>();
  for (const statement of blockStatements(meta?.childForFieldName('body') ?? null)) {
    const assignment = simpleAssignment(statement);
    if (assignment) options.set(assignment.name, assignment.value ? unwrapParentheses(assignment.value) : null);
  }
  return options;
}

function stringList(node: Node | null | undefined): string[] | undefined {
  if (!node) return undefined;
  const target = unwrapParentheses(node);
  if (target.type !== 'list' && target.type !== 'tuple') return undefined;
  const values = target.namedChildren.filter((child) => child.type !== 'comment').map((child) => stringValue(child));
  return values.every((value): value is string => value !== undefined) ? (values as string[]) : undefined;
}

function readOrdering(node: Node | null | undefined): Array<{ attr: string; desc: boolean }> {
  const names = stringList(node);
  if (!names || names.some((name) => name === '?' || name.includes('__'))) return [];
  return names.map((name) => ({ attr: name.replace(/^-/, ''), desc: name.startsWith('-') }));
}

/** Meta.indexes, index_together, unique_together, constraints (UniqueConstraint). */
function readMetaIndexes(model: DjangoModel, options: Map<string, Node | null>): void {
  const columnOf = (name: string) => model.fields.find((field) => field.attr === name || field.column === name)?.column;
  const add = (unique: boolean, name: string, names: string[], source: OffsetRange, where?: string) => {
    const terms = names.map((written) => {
      const column = columnOf(written.replace(/^-/, ''));
      return column === undefined ? undefined : `${quote(column)}${written.startsWith('-') ? ' DESC' : ''}`;
    });
    if (terms.some((term) => term === undefined)) return;
    const clause = where ? ` WHERE ${where}` : '';
    model.indexes.push({ sql: `CREATE ${unique ? 'UNIQUE ' : ''}INDEX ${quote(name)} ON ${quote(model.table)} (${terms.join(', ')})${clause}`, source });
  };
  const groups = (node: Node | null | undefined): Array<{ names: string[]; source: OffsetRange }> => {
    if (!node) return [];
    const single = stringList(node);
    if (single && single.length > 0 && unwrapParentheses(node).namedChildren.every((child) => child.type === 'string')) {
      return [{ names: single, source: rangeOf(node) }];
    }
    const target = unwrapParentheses(node);
    if (target.type !== 'list' && target.type !== 'tuple') return [];
    return target.namedChildren
      .map((child) => ({ names: stringList(child), source: rangeOf(child) }))
      .filter((group): group is { names: string[]; source: OffsetRange } => group.names !== undefined);
  };
  for (const group of groups(options.get('unique_together'))) {
    const columns = group.names.map(columnOf);
    if (columns.some((column) => column === undefined)) continue;
    add(true, indexName(model.table, columns as string[], '_uniq'), group.names, group.source);
  }
  for (const group of groups(options.get('index_together'))) {
    const columns = group.names.map(columnOf);
    if (columns.some((column) => column === undefined)) continue;
    add(false, indexName(model.table, columns as string[], '_idx'), group.names, group.source);
  }
  for (const key of ['indexes', 'constraints']) {
    const list = options.get(key);
    if (list?.type !== 'list' && list?.type !== 'tuple') continue;
    for (const element of list.namedChildren) {
      const call = unwrapParentheses(element);
      const kind = call.type === 'call' ? calleeName(call) : undefined;
      if (kind !== 'Index' && kind !== 'UniqueConstraint') continue;
      const args = callArguments(call);
      const names = stringList(args.keywords.get('fields'));
      // Conditions (Q objects) and expressions cannot be rendered faithfully: leave such indexes out.
      if (!names || names.length === 0 || args.keywords.has('condition') || args.positional.length > 0) continue;
      const columns = names.map((written) => {
        const column = columnOf(written.replace(/^-/, ''));
        return column === undefined ? undefined : `${written.startsWith('-') ? '-' : ''}${column}`;
      });
      if (columns.some((column) => column === undefined)) continue;
      const name = stringValue(args.keywords.get('name')) ?? djangoIndexName(model.table, columns as string[]);
      add(kind === 'UniqueConstraint', name, names, rangeOf(call));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// querysets

/** Lookups Django's SQLite backend turns into a plain comparison on the column. */
const COMPARISONS: Record<string, string> = { exact: '=', gt: '>', gte: '>=', lt: '<', lte: '<=' };
const LIKE_LOOKUPS = new Set(['contains', 'icontains', 'startswith', 'istartswith', 'endswith', 'iendswith', 'iexact']);
/** Queryset methods that change nothing the planner sees. */
const NEUTRAL = new Set(['all', 'iterator', 'using', 'prefetch_related', 'select_for_update', 'only', 'defer']);

interface QuerySetState {
  query: OrmQuery;
  /** Ordering was set explicitly (order_by) rather than from Meta.ordering. */
  ordered: boolean;
}

class QueryReader {
  read(tree: Tree, text: string): OrmQuery[] {
    const queries: OrmQuery[] = [];
    for (const top of chainTopsMatching(tree.rootNode, text, /\b[A-Z]\w*\.objects\b/g)) {
      const query = this.readChain(top);
      if (query) queries.push(query);
    }
    return queries.sort((a, b) => a.range.start - b.range.start);
  }

  private readChain(top: Node): OrmQuery | undefined {
    const { root, steps } = unrollChain(top);
    if (root.type !== 'identifier' || !/^[A-Z]/.test(root.text) || steps[0]?.method !== 'objects' || steps[0].call) return undefined;
    const model = root.text;
    const state: QuerySetState = {
      query: {
        orm: 'django',
        range: { start: root.startIndex, end: steps[0].node.endIndex },
        kind: 'select',
        from: model,
        columns: [],
        entities: [],
        joins: [],
        where: [],
        groupBy: [],
        orderBy: [],
      },
      ordered: false,
    };
    const enclosing = enclosingFunctionOf(top);
    if (enclosing !== undefined) state.query.enclosingFunction = enclosing;
    if (steps.length < 2) return undefined;
    for (const step of steps.slice(1)) {
      const outcome = this.applyStep(state, step);
      if (outcome === 'abort') return undefined;
      state.query.range.end = step.node.endIndex;
      if (outcome === 'end') break;
    }
    const query = state.query;
    // Meta.ordering lives with the model, possibly in another file: resolution applies it.
    if (!state.ordered && query.kind === 'select' && query.orderBy.length === 0) query.defaultOrdering ??= 'model';
    return query;
  }

  private applyStep(state: QuerySetState, step: ChainStep): 'ok' | 'end' | 'abort' {
    const query = state.query;
    if (step.method === '[]') return this.slice(query, step.node);
    if (!step.call) return 'abort';
    const args = callArguments(step.call);
    if (args.splat) return 'abort';
    if (NEUTRAL.has(step.method)) return 'ok';
    switch (step.method) {
      case 'filter':
      case 'exclude': {
        const parts: string[] = [];
        for (const argument of args.positional) {
          const condition = this.q(query, argument);
          if (condition === undefined) return 'abort';
          parts.push(condition);
        }
        for (const [lookup, value] of args.keywords) {
          const condition = this.lookup(query, lookup, value);
          if (condition === undefined) return 'abort';
          parts.push(condition);
        }
        if (parts.length === 0) return 'ok';
        query.where.push(step.method === 'exclude' ? `NOT (${parts.join(' AND ')})` : parts.length > 1 ? `(${parts.join(' AND ')})` : parts[0]);
        return 'ok';
      }
      case 'order_by': {
        query.orderBy = [];
        query.defaultOrdering = undefined;
        state.ordered = true;
        for (const argument of args.positional) {
          const written = stringValue(argument);
          if (written === undefined || written === '?' || written.includes('__')) return 'abort';
          query.orderBy.push({ expr: columnToken(query.from, written.replace(/^-/, '')), desc: written.startsWith('-') });
        }
        return 'ok';
      }
      case 'select_related': {
        for (const argument of args.positional) {
          const link = stringValue(argument);
          if (link === undefined || link.includes('__')) return 'abort';
          query.joins.push({ kind: 'link', model: query.from, attr: link, outer: true, selected: true });
        }
        return 'ok';
      }
      case 'values':
      case 'values_list': {
        for (const argument of args.positional) {
          const name = stringValue(argument);
          if (name === undefined || name.includes('__')) return 'abort';
          query.columns.push(columnToken(query.from, name));
        }
        return 'ok';
      }
      case 'distinct':
        if (args.positional.length > 0) return 'abort';
        query.distinct = true;
        return 'ok';
      case 'reverse':
        if (query.orderBy.length === 0) return 'abort';
        query.orderBy = query.orderBy.map((term) => ({ ...term, desc: !term.desc }));
        return 'ok';
      case 'get': {
        for (const [lookup, value] of args.keywords) {
          const condition = this.lookup(query, lookup, value);
          if (condition === undefined) return 'abort';
          query.where.push(condition);
        }
        if (args.positional.length > 0) return 'abort';
        query.orderBy = [];
        state.ordered = true;
        query.limit = 21;
        return 'end';
      }
      case 'first':
      case 'last': {
        if (query.orderBy.length === 0 && state.ordered) {
          // `order_by()` with no fields dropped Meta.ordering: only the primary key orders.
          query.orderBy = [{ expr: columnToken(query.from, 'pk'), desc: step.method === 'last' }];
        } else if (query.orderBy.length === 0) {
          query.defaultOrdering = step.method === 'last' ? 'reversed-model-or-pk' : 'model-or-pk';
          state.ordered = true;
        } else if (step.method === 'last') {
          query.orderBy = query.orderBy.map((term) => ({ ...term, desc: !term.desc }));
        }
        query.limit = 1;
        return 'end';
      }
      case 'latest':
      case 'earliest': {
        const field = stringValue(args.positional[0]);
        if (field === undefined || field.includes('__')) return 'abort';
        const desc = (step.method === 'latest') !== field.startsWith('-');
        query.orderBy = [{ expr: columnToken(query.from, field.replace(/^-/, '')), desc }];
        state.ordered = true;
        query.limit = 1;
        return 'end';
      }
      case 'count':
        query.kind = 'count';
        query.orderBy = [];
        return 'end';
      case 'exists':
        query.kind = 'exists';
        query.orderBy = [];
        return 'end';
      case 'delete':
        query.kind = 'delete';
        query.orderBy = [];
        return 'end';
      case 'update': {
        if (args.positional.length > 0 || args.keywords.size === 0) return 'abort';
        query.kind = 'update';
        query.orderBy = [];
        query.set = [...args.keywords.keys()].map((name) => columnToken(query.from, name));
        return 'end';
      }
      default:
        return 'abort';
    }
  }

  /** `[:10]` → LIMIT 10, `[5:15]` → LIMIT 10 OFFSET 5, `[0]` → LIMIT 1. */
  private slice(query: OrmQuery, subscript: Node): 'end' | 'abort' {
    const index = subscript.childForFieldName('subscript');
    if (!index) return 'abort';
    if (index.type === 'integer') {
      query.limit = 1;
      if (index.text !== '0') query.offset = Number(index.text);
      return 'end';
    }
    if (index.type !== 'slice') return 'abort';
    const bounds = index.namedChildren;
    const colon = index.text.indexOf(':');
    const startNode = bounds.find((child) => child.startIndex - index.startIndex < colon);
    const stopNode = bounds.find((child) => child.startIndex - index.startIndex > colon);
    const number = (node: Node | undefined) => (node?.type === 'integer' ? Number(node.text) : node ? 'param' : undefined);
    const start = number(startNode);
    const stop = number(stopNode);
    if (stop === undefined) return 'abort';
    query.limit = typeof start === 'number' && typeof stop === 'number' ? stop - start : typeof stop === 'number' && start === undefined ? stop : 'param';
    if (start !== undefined && start !== 0) query.offset = start;
    return 'end';
  }

  /** `Q(a=1) | Q(b=2)`, `~Q(...)`, `Q(a=1) & Q(b=2)`. */
  private q(query: OrmQuery, argument: Node): string | undefined {
    const node = unwrapParentheses(argument);
    if (node.type === 'call' && calleeName(node) === 'Q') {
      const args = callArguments(node);
      if (args.positional.length > 0 || args.splat || args.keywords.size === 0) return undefined;
      const parts: string[] = [];
      for (const [lookup, value] of args.keywords) {
        const condition = this.lookup(query, lookup, value);
        if (condition === undefined) return undefined;
        parts.push(condition);
      }
      return parts.length === 1 ? parts[0] : `(${parts.join(' AND ')})`;
    }
    if (node.type === 'binary_operator') {
      const operator = node.childForFieldName('operator')?.type;
      if (operator !== '&' && operator !== '|') return undefined;
      const left = this.q(query, node.childForFieldName('left') as Node);
      const right = this.q(query, node.childForFieldName('right') as Node);
      if (left === undefined || right === undefined) return undefined;
      return `(${left} ${operator === '&' ? 'AND' : 'OR'} ${right})`;
    }
    if (node.type === 'unary_operator' && node.child(0)?.type === '~') {
      const inner = this.q(query, node.childForFieldName('argument') as Node);
      return inner === undefined ? undefined : `NOT (${inner})`;
    }
    return undefined;
  }

  /** `author__name__startswith="x"` → a condition on the column, joining along the link when it names one. */
  private lookup(query: OrmQuery, lookup: string, value: Node): string | undefined {
    const parts = lookup.split('__');
    let operator = 'exact';
    const last = parts[parts.length - 1];
    if (parts.length > 1 && (COMPARISONS[last] || LIKE_LOOKUPS.has(last) || last === 'in' || last === 'isnull' || last === 'range')) {
      operator = last;
      parts.pop();
    }
    let column: string;
    if (parts.length === 1) {
      column = columnToken(query.from, parts[0]);
    } else if (parts.length === 2) {
      // `author__id` / `author__pk` is the local `author_id`: Django does not join for it.
      if (parts[1] === 'id' || parts[1] === 'pk') {
        column = columnToken(query.from, parts[0]);
      } else {
        if (!query.joins.some((join) => join.kind === 'link' && join.attr === parts[0])) {
          query.joins.push({ kind: 'link', model: query.from, attr: parts[0], outer: false });
        }
        column = linkedColumnToken(query.from, parts[0], parts[1]);
      }
    } else {
      return undefined;
    }
    const target = unwrapParentheses(value);
    if (operator === 'exact' && target.type === 'none') return `${column} IS NULL`;
    if (COMPARISONS[operator]) return `${column} ${COMPARISONS[operator]} ?`;
    if (operator === 'isnull') return target.type === 'true' ? `${column} IS NULL` : target.type === 'false' ? `${column} IS NOT NULL` : undefined;
    if (operator === 'in') {
      const count = target.type === 'list' || target.type === 'tuple' ? Math.max(1, target.namedChildren.length) : 1;
      return `${column} IN (${Array(count).fill('?').join(', ')})`;
    }
    if (operator === 'range') return `${column} BETWEEN ? AND ?`;
    if (LIKE_LOOKUPS.has(operator)) return `${column} LIKE ? ESCAPE '\\'`;
    return undefined;
  }
}
