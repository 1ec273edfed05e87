// What the ORM extractors learn from one file, before the workspace is known: models (a registry entry each,
// plus generated DDL as ordinary schema statements) and query chains in a symbolic form that names models and
// attributes. resolve.ts turns the chains into SQL once every file's models are known.
import type { ExtractedSql, OffsetRange } from '../types';

export type OrmKind = 'sqlalchemy' | 'django' | 'prisma';

/** One mapped table, as query resolution needs it. Plain data: facts outlive the syntax trees. */
export interface OrmModel {
  orm: OrmKind;
  /** Class name, `Table(...)` variable, or Prisma model name. */
  name: string;
  table: string;
  file: string;
  /** Attribute → column, in declaration order. */
  columns: Array<{ attr: string; column: string }>;
  /** Primary-key columns. */
  primaryKey: string[];
  /** Many-to-one links: Django `author` (column author_id), SQLAlchemy `ForeignKey(...)`, Prisma relations. */
  foreignKeys: OrmForeignKey[];
  /** Django Meta.ordering: applied to querysets that set no order of their own. */
  defaultOrder?: Array<{ attr: string; desc: boolean }>;
}

export interface OrmForeignKey {
  /** The attribute that holds the link (Django/Prisma relation field), or the FK column's attribute. */
  attr: string;
  /** Local column. */
  column: string;
  /** Target model name when known (Django, Prisma), else undefined and `targetTable` is used. */
  targetModel?: string;
  targetTable?: string;
  /** Target column; undefined means the target's primary key. */
  targetColumn?: string;
  nullable: boolean;
}

/**
 * A query chain with model references left symbolic. Expressions are SQL templates in which column references
 * are tokens (see `columnToken`); everything else is literal SQL with `?` for values.
 */
export interface OrmQuery {
  orm: OrmKind;
  /** The chain expression: where diagnostics go. */
  range: OffsetRange;
  enclosingFunction?: string;
  kind: 'select' | 'count' | 'exists' | 'delete' | 'update';
  /** The model the query starts from. */
  from: string;
  /** Result expressions (templates); empty means every column of `entities` (or of `from`). */
  columns: string[];
  /** Models whose every column is selected (`select(A, B)`); empty means `from` when `columns` is empty. */
  entities: string[];
  joins: OrmJoin[];
  /** Conditions, ANDed. */
  where: string[];
  groupBy: string[];
  orderBy: Array<{ expr: string; desc: boolean }>;
  /** `param` renders `?`; a number renders itself (Django's `LIMIT 21`). */
  limit?: 'param' | number;
  offset?: 'param' | number;
  distinct?: boolean;
  /** UPDATE targets (column tokens). */
  set?: string[];
  /** `session.get(M, pk)`: the primary key of `from` equals parameters. */
  byPrimaryKey?: boolean;
  /**
   * When `orderBy` is empty, order by the model's default ordering (Django querysets), falling back to the primary
   * key (`first()`), or its reverse (`last()`).
   */
  defaultOrdering?: 'model' | 'model-or-pk' | 'reversed-model-or-pk';
}

export type OrmJoin =
  /** An explicit join to a model; `on` absent means "through the foreign key between them". */
  | { kind: 'model'; model: string; on?: string; outer: boolean }
  /**
   * A join along a many-to-one link of `model` (Django `author__name`, `select_related('author')`). `outer` joins
   * are LEFT OUTER only when the link is nullable; `selected` adds the linked model's columns to the result.
   */
  | { kind: 'link'; model: string; attr: string; outer: boolean; selected?: boolean };

export interface OrmFacts {
  models: OrmModel[];
  queries: OrmQuery[];
  /** An Alembic revision: its ids, for ordering, and its DDL (kept out of `statements` until resolution). */
  alembic?: AlembicRevision;
  /** Statements resolution added to the file's facts, so the next pass can replace them. */
  resolved: ExtractedSql[];
}

export interface AlembicRevision {
  revision?: string;
  downRevisions: string[];
  /** Directory that holds the revision files (`alembic/versions`). */
  dir: string;
  /** One statement per `op.*` call; its home's `model` is the table it touches. */
  statements: ExtractedSql[];
}

// ---------------------------------------------------------------------------------------------
// column tokens inside templates

const OPEN = '\u0001';
const CLOSE = '\u0002';
const SEP = '\u0003';

/** `Model.attr` that must resolve to a column, else the query is dropped. */
export function columnToken(model: string, attr: string): string {
  return `${OPEN}c${SEP}${model}${SEP}${attr}${CLOSE}`;
}

/** `Model.attr` on the value side of a comparison: a column when Model is a model, else a parameter. */
export function valueToken(model: string, attr: string): string {
  return `${OPEN}v${SEP}${model}${SEP}${attr}${CLOSE}`;
}

/** Column `attr` of the model that `model.link` points to (a joined many-to-one link). */
export function linkedColumnToken(model: string, link: string, attr: string): string {
  return `${OPEN}l${SEP}${model}${SEP}${link}${SEP}${attr}${CLOSE}`;
}

export type TemplateToken =
  | { kind: 'c' | 'v'; model: string; attr: string }
  | { kind: 'l'; model: string; link: string; attr: string };

const TOKEN = /\u0001([cvl])\u0003([^\u0002]*)\u0002/g;

/** Replaces every token; `render` returns undefined to reject the whole template. */
export function renderTemplate(template: string, render: (token: TemplateToken) => string | undefined): string | undefined {
  let failed = false;
  const out = template.replace(TOKEN, (_match, kind: string, body: string) => {
    const parts = body.split(SEP);
    const token: TemplateToken =
      kind === 'l'
        ? { kind: 'l', model: parts[0], link: parts[1], attr: parts[2] }
        : { kind: kind as 'c' | 'v', model: parts[0], attr: parts[1] };
    const rendered = render(token);
    if (rendered === undefined) failed = true;
    return rendered ?? '';
  });
  return failed ? undefined : out;
}

/** Models a template mentions (for SQLAlchemy's implicit FROM). */
export function modelsInTemplate(template: string): string[] {
  const models: string[] = [];
  for (const match of template.matchAll(TOKEN)) {
    if (match[1] === 'c') models.push(match[2].split(SEP)[0]);
  }
  return models;
}

// ---------------------------------------------------------------------------------------------
// generated DDL as an ExtractedSql

/**
 * Builds one schema statement holding several generated DDL statements, each mapped to the source it came from
 * (the class for CREATE TABLE, the column or `Index(...)` for CREATE INDEX), so `definedAt` locations and
 * `redundant-index` findings point at real code.
 */
export class GeneratedDdl {
  private sql = '';
  private readonly segments: Array<{ start: number; end: number; source: OffsetRange }> = [];

  add(statement: string, source: OffsetRange): void {
    if (this.sql.length > 0) this.sql += '\n';
    const start = this.sql.length;
    this.sql += statement;
    this.segments.push({ start, end: this.sql.length, source });
    this.sql += ';';
  }

  get isEmpty(): boolean {
    return this.segments.length === 0;
  }

  /** Maps a statement's first character to its source start and its last to its source end. */
  toStatement(base: Omit<ExtractedSql, 'sql' | 'sqlToFile' | 'role' | 'certainty'>): ExtractedSql {
    const segments = [...this.segments];
    const sqlToFile = (offset: number): number => {
      const segment = segments.find((candidate) => offset < candidate.end + 1) ?? segments[segments.length - 1];
      if (!segment) return base.range.start;
      if (offset <= segment.start) return segment.source.start;
      return offset >= segment.end - 1 ? segment.source.end - 1 : segment.source.start;
    };
    return { ...base, sql: this.sql, sqlToFile, role: 'schema', certainty: 'constant' };
  }
}
