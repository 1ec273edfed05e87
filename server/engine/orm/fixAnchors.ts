// Where and how an index fix is written into an ORM model. The extractors compute these from the syntax tree
// (offsets into the model's file) and carry them in the table's SchemaHome; fixes/ormFix.ts only edits text.
import type { OffsetRange } from '../types';

export type OrmFixAnchors = SqlAlchemyAnchors | AlembicAnchors | KnexAnchors | DjangoAnchors | PrismaAnchors;

/** An insertion that makes `Index` importable: `, Index` after the last imported name, or a new import line. */
export interface ImportEdit {
  at: number;
  text: string;
  /** The text is a whole line (inserted at a line start). */
  newLine?: boolean;
}

/** The project's Alembic revisions, filled in by resolution when a versions folder exists. */
export interface AlembicTarget {
  dir: string;
  /** The revision no other revision names as its down_revision (undefined when there is none, or several). */
  head?: string;
  files: string[];
}

export interface SqlAlchemyAnchors {
  orm: 'sqlalchemy';
  /** A declarative class, or a `name = Table(...)` object. */
  form: 'class' | 'table';
  /** How the module spells SQLAlchemy names: '' (`Index`), `sa.`, `db.`. */
  namespace: string;
  /** Present when `namespace` is '' and `Index` is not imported yet. */
  indexImport?: ImportEdit;
  quote: string;
  /** Indentation of the class body statements (or of the Table(...) arguments). */
  indent: string;
  columns: Array<{
    column: string;
    attr: string;
    /** Where `, index=True` goes (after the call's last argument); absent for annotation-only columns. */
    indexInsertAt?: number;
    hasIndexArgument: boolean;
    multiline: boolean;
  }>;
  /** The existing `__table_args__` value. */
  tableArgs?: {
    kind: 'tuple' | 'dict' | 'other';
    range: OffsetRange;
    elements: OffsetRange[];
    lastIsDict: boolean;
    multiline: boolean;
  };
  /** Line start where a new `__table_args__` line goes (after `__tablename__` or the docstring). */
  tableArgsAt: number;
  /** The class body sits on the class line (`class A(Base): x = 1`): no line can be added safely. */
  tableArgsInline?: boolean;
  /** End of the class or Table statement: a module-level `Index(...)` goes after it. */
  definitionEnd: number;
  /** Table form: a new positional argument (an `Index(...)`) goes after this offset. */
  tableArgumentAt?: number;
  alembic?: AlembicTarget;
}

/** A table that only Alembic revisions define: a fix is a new revision. */
export interface AlembicAnchors {
  orm: 'alembic';
  quote: string;
  alembic?: AlembicTarget;
}

/** A table built by Knex migrations: a fix is a new migration in the same folder, in the same module style. */
export interface KnexAnchors {
  orm: 'knex';
  /** The migration uses `export` (ES modules / TypeScript) rather than `exports.up =`. */
  esm: boolean;
  quote: string;
}

export interface DjangoAnchors {
  orm: 'django';
  /** How the module names django.db.models: `models`. */
  modelsAlias: string;
  quote: string;
  /** Indentation of the class body. */
  indent: string;
  /** End of the class body's last statement: a new `class Meta:` goes after it. */
  bodyEnd: number;
  meta?: {
    /** Indentation of Meta's body. */
    indent: string;
    /** End of Meta's last statement: a new `indexes = [...]` goes after it. */
    bodyEnd: number;
    indexes?: { range: OffsetRange; elements: OffsetRange[]; multiline: boolean };
  };
  /** Field attribute by column, for `fields=[...]` (Django indexes name fields, not columns). */
  fields: Array<{ column: string; field: string }>;
}

export interface PrismaAnchors {
  orm: 'prisma';
  /** Offset of the model's closing `}`. */
  closeBrace: number;
  /** Indentation of the model's fields. */
  indent: string;
  /** End of the last `@@` attribute line, when the model has one. */
  lastBlockAttributeEnd?: number;
  /** End of the last field line. */
  lastFieldEnd: number;
  fields: Array<{ column: string; field: string }>;
}
