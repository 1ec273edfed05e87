// Index fixes written into ORM models: SQLAlchemy `__table_args__` / `index=True` / module-level `Index(...)`
// (plus a new Alembic revision when the project has one), Django `Meta.indexes`, Prisma `@@index`. The anchors
// come from the extractor (orm/fixAnchors.ts); this module only composes text. Like every fix, it inserts and
// never rewrites, and a model that already mentions the index gets no fix.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { Fix, FileEdit, IndexSuggestion, OrmModelHome, TableInfo } from '../types';
import type { AlembicTarget, DjangoAnchors, KnexAnchors, PrismaAnchors, SqlAlchemyAnchors } from '../orm/fixAnchors';
import { describeColumns } from '../rules/describe';
import { djangoIndexName } from '../orm/django';

export interface OrmFixEnvironment {
  readText(file: string): string | undefined;
  now?: Date;
}

type Edit = Extract<FileEdit, { kind: 'replace' }>;

export function ormFix(suggestion: IndexSuggestion, table: TableInfo, home: OrmModelHome, env: OrmFixEnvironment): Fix | undefined {
  // Partial and expression indexes have no portable spelling in every ORM: no fix rather than a wrong one.
  if (suggestion.where !== undefined || suggestion.columns.some((column) => column.name === null)) return undefined;
  const text = env.readText(home.file);
  if (text === undefined) return undefined;
  const anchors = home.anchors;
  switch (anchors.orm) {
    case 'sqlalchemy':
      return sqlAlchemyFix(suggestion, table, home, anchors, text, env);
    case 'alembic': {
      if (!anchors.alembic) return undefined;
      const revision = alembicRevision(suggestion, table.name, anchors.alembic, anchors.quote, env);
      return revision ? { title: `${title(suggestion)} in a new Alembic revision ${revision.file}`, edits: [revision] } : undefined;
    }
    case 'knex':
      return knexFix(suggestion, table, home, anchors, env);
    case 'django':
      return djangoFix(suggestion, home, anchors, text);
    case 'prisma':
      return prismaFix(suggestion, home, anchors, text);
  }
}

function title(suggestion: IndexSuggestion): string {
  return `Add index ${suggestion.name} ON ${suggestion.table}(${describeColumns(suggestion.columns)})`;
}

function lineEnding(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

function mentionsIndex(text: string, indexName: string): boolean {
  return new RegExp(`\\b${indexName.replace(/[^A-Za-z0-9_]/g, '.')}\\b`, 'i').test(text);
}

function insert(file: string, at: number, newText: string): Edit {
  return { kind: 'replace', file, range: { start: at, end: at }, newText };
}

function indentOfLine(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? '';
}

// ---------------------------------------------------------------------------------------------
// SQLAlchemy

function sqlAlchemyFix(
  suggestion: IndexSuggestion,
  table: TableInfo,
  home: OrmModelHome,
  anchors: SqlAlchemyAnchors,
  text: string,
  env: OrmFixEnvironment,
): Fix | undefined {
  if (mentionsIndex(text, suggestion.name)) return undefined;
  const eol = lineEnding(text);
  const file = home.file;
  const q = anchors.quote;
  const columns = suggestion.columns.map((column) => ({
    ...column,
    anchor: anchors.columns.find((candidate) => candidate.column.toLowerCase() === (column.name ?? '').toLowerCase()),
  }));
  const descending = columns.some((column) => column.desc);
  const edits: Edit[] = [];
  let indexName = suggestion.name;
  let where: string;
  let writesIndexCall = true;

  const single = columns.length === 1 ? columns[0] : undefined;
  if (single && !single.desc && single.anchor?.indexInsertAt !== undefined && !single.anchor.hasIndexArgument) {
    // One column: `index=True` is how SQLAlchemy code says it (SQLAlchemy names it ix_<table>_<column>).
    const at = single.anchor.indexInsertAt;
    const emptyCall = text.slice(0, at).trimEnd().endsWith('(');
    const separator = emptyCall ? '' : single.anchor.multiline ? `,${eol}${indentOfLine(text, at)}` : ', ';
    edits.push(insert(file, at, `${separator}index=True`));
    indexName = `ix_${table.name}_${single.anchor.column}`;
    writesIndexCall = false;
    const owner = anchors.form === 'class' ? `${home.model}.${single.anchor.attr}` : `${home.model}.c.${single.anchor.column}`;
    where = `index=True on ${owner}`;
  } else if (descending || !canUseTableArgs(anchors)) {
    // `M.a.desc()` needs the finished class: a module-level Index right after the definition.
    const terms = columns.map((column) => {
      const attr = anchors.form === 'class' ? column.anchor?.attr : column.anchor?.column;
      if (attr === undefined) return undefined;
      const reference = anchors.form === 'class' ? `${home.model}.${attr}` : `${home.model}.c.${attr}`;
      return column.desc ? `${reference}.desc()` : reference;
    });
    if (terms.some((term) => term === undefined)) return undefined;
    const call = `${anchors.namespace}Index(${q}${suggestion.name}${q}, ${terms.join(', ')})`;
    const gap = anchors.form === 'class' ? `${eol}${eol}${eol}` : eol;
    edits.push(insert(file, anchors.definitionEnd, `${gap}${call}`));
    where = `after ${home.model}`;
  } else {
    const call = `${anchors.namespace}Index(${[suggestion.name, ...columns.map((column) => column.name ?? '')].map((name) => `${q}${name}${q}`).join(', ')})`;
    const placed = anchors.form === 'class' ? tableArgsEdits(anchors, call, text, file, eol) : tableCallEdit(anchors, home, call, text, file, eol);
    if (!placed) return undefined;
    edits.push(...placed);
    where = anchors.form === 'class' ? `${home.model}.__table_args__` : `the ${home.model} Table`;
  }
  if (anchors.indexImport && writesIndexCall) {
    const importEdit = anchors.indexImport;
    edits.push(insert(file, importEdit.at, importEdit.newLine ? importEdit.text.replace(/\n$/, eol) : importEdit.text));
  }
  const fixEdits: FileEdit[] = [...edits];
  let fixTitle = `${title({ ...suggestion, name: indexName })}: ${where} in ${file}`;
  if (anchors.alembic) {
    const revision = alembicRevision({ ...suggestion, name: indexName }, table.name, anchors.alembic, q, env);
    if (revision) {
      fixEdits.push(revision);
      fixTitle += ` and a new Alembic revision ${revision.file}`;
    }
  }
  return { title: fixTitle, edits: fixEdits };
}

function canUseTableArgs(anchors: SqlAlchemyAnchors): boolean {
  if (anchors.form === 'table') return anchors.tableArgumentAt !== undefined;
  if (anchors.tableArgs) return anchors.tableArgs.kind !== 'other';
  return !anchors.tableArgsInline;
}

/** Adds the Index to `__table_args__`: a new line, a new tuple element (before a trailing dict), or a dict wrapped in a tuple. */
function tableArgsEdits(anchors: SqlAlchemyAnchors, call: string, text: string, file: string, eol: string): Edit[] | undefined {
  const args = anchors.tableArgs;
  if (!args) return [insert(file, anchors.tableArgsAt, `${anchors.indent}__table_args__ = (${call},)${eol}`)];
  if (args.kind === 'dict') return [insert(file, args.range.start, `(${call}, `), insert(file, args.range.end, ')')];
  const elements = args.elements;
  if (elements.length === 0) return [insert(file, args.range.start + 1, `${call},`)];
  if (args.lastIsDict) {
    const dict = elements[elements.length - 1];
    const separator = args.multiline ? `,${eol}${indentOfLine(text, dict.start)}` : ', ';
    return [insert(file, dict.start, `${call}${separator}`)];
  }
  const last = elements[elements.length - 1];
  let after = last.end;
  while (after < text.length && (text[after] === ' ' || text[after] === '\t')) after++;
  const indent = indentOfLine(text, last.start);
  if (text[after] === ',') {
    return [insert(file, after + 1, args.multiline ? `${eol}${indent}${call},` : ` ${call},`)];
  }
  return [insert(file, last.end, args.multiline ? `,${eol}${indent}${call}` : `, ${call}`)];
}

/** A `Table(...)` object: the Index becomes another positional argument after the last one. */
function tableCallEdit(anchors: SqlAlchemyAnchors, home: OrmModelHome, call: string, text: string, file: string, eol: string): Edit[] | undefined {
  const at = anchors.tableArgumentAt;
  if (at === undefined) return undefined;
  const multiline = text.slice(home.range.start, at).includes('\n');
  return [insert(file, at, multiline ? `,${eol}${indentOfLine(text, at)}${call}` : `, ${call}`)];
}

// ---------------------------------------------------------------------------------------------
// Alembic

/** A new revision file that creates the index, chained after the current head. */
function alembicRevision(
  suggestion: IndexSuggestion,
  table: string,
  target: AlembicTarget,
  q: string,
  env: OrmFixEnvironment,
): Extract<FileEdit, { kind: 'create' }> | undefined {
  if (target.files.some((file) => mentionsIndex(env.readText(file) ?? '', suggestion.name))) return undefined;
  const hasRevisions = target.files.length > 0;
  if (hasRevisions && target.head === undefined) return undefined; // several heads: the new parent is ambiguous
  const revision = createHash('sha1').update(`${target.head ?? ''}:${suggestion.name}`).digest('hex').slice(0, 12);
  const descending = suggestion.columns.some((column) => column.desc);
  const columns = suggestion.columns
    .map((column) => (column.desc ? `sa.text(${q}${column.name} DESC${q})` : `${q}${column.name}${q}`))
    .join(', ');
  const created = (env.now ?? new Date()).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
  const down = target.head === undefined ? 'None' : `${q}${target.head}${q}`;
  const lines = [
    `"""Add index ${suggestion.name}`,
    '',
    `Revision ID: ${revision}`,
    `Revises: ${target.head ?? ''}`,
    `Create Date: ${created}`,
    '',
    '"""',
    'from alembic import op',
    ...(descending ? ['import sqlalchemy as sa'] : []),
    '',
    '# revision identifiers, used by Alembic.',
    `revision = ${q}${revision}${q}`,
    `down_revision = ${down}`,
    'branch_labels = None',
    'depends_on = None',
    '',
    '',
    'def upgrade():',
    `    op.create_index(${q}${suggestion.name}${q}, ${q}${table}${q}, [${columns}], unique=False)`,
    '',
    '',
    'def downgrade():',
    `    op.drop_index(${q}${suggestion.name}${q}, table_name=${q}${table}${q})`,
    '',
  ];
  const file = path.posix.join(target.dir, `${revision}_add_${suggestion.name.toLowerCase()}.py`);
  return { kind: 'create', file, text: lines.join('\n') };
}

// ---------------------------------------------------------------------------------------------
// Knex

/** A new migration next to the one that built the table, named like Knex's own (`20240102030405_add_x.js`). */
function knexFix(suggestion: IndexSuggestion, table: TableInfo, home: OrmModelHome, anchors: KnexAnchors, env: OrmFixEnvironment): Fix | undefined {
  const q = anchors.quote;
  const extension = path.posix.extname(home.file);
  const typed = /^\.[cm]?ts$/.test(extension);
  const stamp = (env.now ?? new Date()).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const file = path.posix.join(path.posix.dirname(home.file), `${stamp}_add_${suggestion.name.toLowerCase()}${extension}`);
  const columns = `[${suggestion.columns.map((column) => `${q}${column.name}${q}`).join(', ')}]`;
  const descending = suggestion.columns.some((column) => column.desc);
  // Knex's index builder has no sort order: a descending index is written as SQL.
  const up = descending
    ? [`knex.raw(${q}${suggestion.ddl}${q})`]
    : [`knex.schema.alterTable(${q}${table.name}${q}, (table) => {`, `    table.index(${columns}, ${q}${suggestion.name}${q});`, '  })'];
  const down = descending
    ? [`knex.raw(${q}DROP INDEX IF EXISTS ${suggestion.name}${q})`]
    : [`knex.schema.alterTable(${q}${table.name}${q}, (table) => {`, `    table.dropIndex(${columns}, ${q}${suggestion.name}${q});`, '  })'];
  // `return …;` in CommonJS migrations, `await …;` in async ES-module ones.
  const statement = (expression: string[]) => `  ${anchors.esm ? 'await' : 'return'} ${expression.join('\n')};`;
  const signature = (name: string) =>
    anchors.esm ? `export async function ${name}(knex${typed ? ': Knex' : ''})${typed ? ': Promise<void>' : ''} {` : `exports.${name} = function (knex) {`;
  const close = anchors.esm ? '}' : '};';
  const lines = [
    ...(typed && anchors.esm ? [`import type { Knex } from ${q}knex${q};`, ''] : []),
    signature('up'),
    statement(up),
    close,
    '',
    signature('down'),
    statement(down),
    close,
    '',
  ];
  return {
    title: `${title(suggestion)} in a new Knex migration ${file}`,
    edits: [{ kind: 'create', file, text: lines.join('\n') }],
  };
}

// ---------------------------------------------------------------------------------------------
// Django

/** Django rejects index names over 30 characters (and ones not starting with a letter). */
const DJANGO_MAX_INDEX_NAME = 30;

function djangoFix(suggestion: IndexSuggestion, home: OrmModelHome, anchors: DjangoAnchors, text: string): Fix | undefined {
  const fields = suggestion.columns.map((column) => {
    const field = anchors.fields.find((candidate) => candidate.column.toLowerCase() === (column.name ?? '').toLowerCase())?.field;
    return field === undefined ? undefined : `${column.desc ? '-' : ''}${field}`;
  });
  if (fields.some((field) => field === undefined)) return undefined;
  const name =
    suggestion.name.length <= DJANGO_MAX_INDEX_NAME && /^[A-Za-z]/.test(suggestion.name)
      ? suggestion.name
      : djangoIndexName(suggestion.table, suggestion.columns.map((column) => `${column.desc ? '-' : ''}${column.name ?? ''}`));
  if (mentionsIndex(text, name)) return undefined;
  const q = anchors.quote;
  const eol = lineEnding(text);
  const index = `${anchors.modelsAlias}.Index(fields=[${fields.map((field) => `${q}${field}${q}`).join(', ')}], name=${q}${name}${q})`;
  const file = home.file;
  let edit: Edit;
  const meta = anchors.meta;
  if (meta?.indexes) {
    const { elements, range, multiline } = meta.indexes;
    const last = elements[elements.length - 1];
    if (!last) {
      edit = insert(file, range.start + 1, index);
    } else {
      let after = last.end;
      while (after < text.length && (text[after] === ' ' || text[after] === '\t')) after++;
      const indent = indentOfLine(text, last.start);
      edit =
        text[after] === ','
          ? insert(file, after + 1, multiline ? `${eol}${indent}${index},` : ` ${index},`)
          : insert(file, last.end, multiline ? `,${eol}${indent}${index}` : `, ${index}`);
    }
  } else if (meta) {
    edit = insert(file, meta.bodyEnd, `${eol}${meta.indent}indexes = [${eol}${meta.indent}    ${index},${eol}${meta.indent}]`);
  } else {
    const inner = `${anchors.indent}    `;
    edit = insert(
      file,
      anchors.bodyEnd,
      `${eol}${eol}${anchors.indent}class Meta:${eol}${inner}indexes = [${eol}${inner}    ${index},${eol}${inner}]`,
    );
  }
  return {
    title: `${title({ ...suggestion, name })}: ${index.replace(`${anchors.modelsAlias}.`, '')} in ${home.model}.Meta.indexes in ${file}`,
    edits: [edit],
  };
}

// ---------------------------------------------------------------------------------------------
// Prisma

function prismaFix(suggestion: IndexSuggestion, home: OrmModelHome, anchors: PrismaAnchors, text: string): Fix | undefined {
  const fields = suggestion.columns.map((column) => {
    const field = anchors.fields.find((candidate) => candidate.column.toLowerCase() === (column.name ?? '').toLowerCase())?.field;
    return field === undefined ? undefined : column.desc ? `${field}(sort: Desc)` : field;
  });
  if (fields.some((field) => field === undefined)) return undefined;
  const attribute = `@@index([${fields.join(', ')}])`;
  const block = text.slice(home.range.start, home.range.end);
  if (block.replace(/\s+/g, '').includes(attribute.replace(/\s+/g, ''))) return undefined;
  const eol = lineEnding(text);
  // Prisma's formatter keeps block attributes together after the fields, separated from them by a blank line.
  const edit =
    anchors.lastBlockAttributeEnd !== undefined
      ? insert(home.file, anchors.lastBlockAttributeEnd, `${eol}${anchors.indent}${attribute}`)
      : insert(home.file, anchors.lastFieldEnd, `${eol}${eol}${anchors.indent}${attribute}`);
  // Prisma names the index itself, from the table and column names.
  const prismaName = `${suggestion.table}_${suggestion.columns.map((column) => column.name).join('_')}_idx`;
  return { title: `${title({ ...suggestion, name: prismaName })}: ${attribute} on model ${home.model} in ${home.file}`, edits: [edit] };
}
