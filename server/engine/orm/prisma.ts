// schema.prisma → the DDL `prisma migrate` writes for SQLite: one table per model (@@map, @map, @id with
// autoincrement, @@id), relation scalars with their foreign key, @unique / @@unique / @@index as indexes with
// Prisma's default names. The schema language is small and line-based, so it is read without a grammar.
import type { ExtractedSql, OffsetRange, SourceFile, Suppression } from '../types';
import { collectSuppressions } from '../extract/suppressions';
import { LineIndex } from '../text/lineIndex';
import { GeneratedDdl, type OrmForeignKey, type OrmModel } from './ormTypes';
import type { PrismaAnchors } from './fixAnchors';

const SCALAR_TYPES: Record<string, string> = {
  String: 'TEXT',
  Boolean: 'BOOLEAN',
  Int: 'INTEGER',
  BigInt: 'BIGINT',
  Float: 'REAL',
  Decimal: 'DECIMAL',
  DateTime: 'DATETIME',
  Json: 'TEXT',
  Bytes: 'BLOB',
};

interface Attribute {
  name: string;
  /** Text between the parentheses, when there are any. */
  args?: string;
}

interface PrismaField {
  field: string;
  column: string;
  type: string;
  optional: boolean;
  list: boolean;
  attributes: Attribute[];
  range: OffsetRange;
}

interface BlockAttribute extends Attribute {
  range: OffsetRange;
}

interface PrismaModelBlock {
  name: string;
  range: OffsetRange;
  fields: PrismaField[];
  blockAttributes: BlockAttribute[];
  anchors: PrismaAnchors;
}

export interface PrismaFacts {
  models: OrmModel[];
  statements: ExtractedSql[];
  suppressions: Suppression[];
}

/** Reads a .prisma file. A schema whose datasource is not SQLite yields nothing: its SQL is another dialect. */
export function extractPrismaSchema(file: SourceFile): PrismaFacts {
  const empty: PrismaFacts = { models: [], statements: [], suppressions: [] };
  const masked = maskComments(file.text);
  const provider = /\bdatasource\s+\w+\s*\{[^}]*\bprovider\s*=\s*"([^"]*)"/.exec(masked)?.[1];
  if (provider !== undefined && provider !== 'sqlite') return empty;
  const enums = new Set([...masked.matchAll(/^\s*enum\s+(\w+)\s*\{/gm)].map((match) => match[1]));
  const blocks = readModelBlocks(file.text, masked);
  const modelNames = new Set(blocks.map((block) => block.name));
  const tables = new Map(blocks.map((block) => [block.name, tableName(block)]));
  const models: OrmModel[] = [];
  const statements: ExtractedSql[] = [];
  for (const block of blocks) {
    if (block.blockAttributes.some((attribute) => attribute.name === 'ignore')) continue;
    const built = buildModel(file.path, block, { enums, modelNames, tables, blocks });
    if (!built) continue;
    models.push(built.model);
    statements.push(built.statement);
  }
  return { models, statements, suppressions: prismaSuppressions(file.text) };
}

function prismaSuppressions(text: string): Suppression[] {
  const lines = new LineIndex(text);
  const comments: Array<{ text: string; line: number }> = [];
  for (const match of text.matchAll(/\/\/[^\n]*/g)) {
    if (match.index !== undefined) comments.push({ text: match[0], line: lines.positionAt(match.index).line });
  }
  return collectSuppressions(comments, '//');
}

/** Replaces `//` comments (outside strings) with spaces, keeping offsets. */
function maskComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') {
        out += text.slice(i, i + 2);
        i++;
        continue;
      }
      if (ch === '"' || ch === '\n') inString = false;
      out += ch;
    } else if (ch === '"') {
      inString = true;
      out += ch;
    } else if (ch === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? text.length : end;
      out += ' '.repeat(stop - i);
      i = stop - 1;
    } else {
      out += ch;
    }
  }
  return out;
}

function readModelBlocks(text: string, masked: string): PrismaModelBlock[] {
  const blocks: PrismaModelBlock[] = [];
  for (const match of masked.matchAll(/^[ \t]*model\s+(\w+)\s*\{/gm)) {
    const start = (match.index ?? 0) + match[0].length - match[0].trimStart().length;
    const open = (match.index ?? 0) + match[0].length - 1;
    const close = masked.indexOf('}', open);
    if (close === -1) continue; // an unterminated model: nothing reliable to read
    const block: PrismaModelBlock = {
      name: match[1],
      range: { start, end: close + 1 },
      fields: [],
      blockAttributes: [],
      anchors: { orm: 'prisma', closeBrace: close, indent: '  ', lastFieldEnd: open + 1, fields: [] },
    };
    let lineStart = masked.indexOf('\n', open) + 1;
    let firstIndent: string | undefined;
    while (lineStart > 0 && lineStart <= close) {
      const lineEnd = Math.min(masked.indexOf('\n', lineStart) === -1 ? masked.length : masked.indexOf('\n', lineStart), close);
      const line = masked.slice(lineStart, lineEnd);
      const content = line.trim();
      if (content.length > 0) {
        const contentStart = lineStart + line.indexOf(content);
        const range = { start: contentStart, end: contentStart + content.length };
        firstIndent ??= line.slice(0, line.indexOf(content));
        if (content.startsWith('@@')) {
          const [attribute] = parseAttributes(content.slice(1));
          if (attribute) block.blockAttributes.push({ ...attribute, range });
          block.anchors.lastBlockAttributeEnd = range.end;
        } else {
          const field = parseField(content, range);
          if (field) block.fields.push(field);
          block.anchors.lastFieldEnd = range.end;
        }
      }
      if (lineEnd >= close) break;
      lineStart = lineEnd + 1;
    }
    if (firstIndent !== undefined) block.anchors.indent = firstIndent;
    block.anchors.fields = block.fields.map((field) => ({ column: field.column, field: field.field }));
    blocks.push(block);
  }
  return blocks;
}

/** `email String? @unique @map("email_address")`. */
function parseField(content: string, range: OffsetRange): PrismaField | undefined {
  const match = /^(\w+)\s+(\w+(?:\.\w+)?)(\[\])?(\?)?(.*)$/.exec(content);
  if (!match) return undefined;
  const attributes = parseAttributes(match[5]);
  const mapped = attributes.find((attribute) => attribute.name === 'map');
  return {
    field: match[1],
    column: (mapped?.args !== undefined ? firstString(mapped.args) : undefined) ?? match[1],
    type: match[2],
    list: match[3] !== undefined,
    optional: match[4] !== undefined,
    attributes,
    range,
  };
}

/** `@id @default(autoincrement()) @db.VarChar(20)` → attributes with their raw argument text. */
function parseAttributes(text: string): Attribute[] {
  const attributes: Attribute[] = [];
  let i = 0;
  while (i < text.length) {
    const at = text.indexOf('@', i);
    if (at === -1) break;
    const name = /^@?([\w.]+)/.exec(text.slice(at + 1));
    if (!name) break;
    let end = at + 1 + name[0].length;
    const attribute: Attribute = { name: name[1].replace(/^@/, '') };
    if (text[end] === '(') {
      let depth = 0;
      let close = end;
      let inString = false;
      for (; close < text.length; close++) {
        const ch = text[close];
        if (inString) {
          if (ch === '\\') close++;
          else if (ch === '"') inString = false;
        } else if (ch === '"') inString = true;
        else if (ch === '(') depth++;
        else if (ch === ')' && --depth === 0) break;
      }
      attribute.args = text.slice(end + 1, close);
      end = close + 1;
    }
    attributes.push(attribute);
    i = end;
  }
  return attributes;
}

function firstString(args: string): string | undefined {
  return /"((?:[^"\\]|\\.)*)"/.exec(args)?.[1];
}

/** `[a, b(sort: Desc)]` (the first list of the arguments) → field names with their direction. */
function fieldList(args: string | undefined, key?: string): Array<{ field: string; desc: boolean }> | undefined {
  if (args === undefined) return undefined;
  const source = key ? new RegExp(`\\b${key}\\s*:\\s*(\\[[^\\]]*\\])`).exec(args)?.[1] : /\[[^\]]*\]/.exec(args)?.[0];
  if (!source) return undefined;
  const items = source.slice(1, -1).split(/,(?![^(]*\))/).map((item) => item.trim()).filter(Boolean);
  const fields: Array<{ field: string; desc: boolean }> = [];
  for (const item of items) {
    const match = /^(\w+)(?:\((.*)\))?$/.exec(item);
    if (!match) return undefined;
    fields.push({ field: match[1], desc: /sort\s*:\s*Desc/.test(match[2] ?? '') });
  }
  return fields;
}

function tableName(block: PrismaModelBlock): string {
  const mapped = block.blockAttributes.find((attribute) => attribute.name === 'map');
  return (mapped?.args !== undefined ? firstString(mapped.args) : undefined) ?? block.name;
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

interface SchemaContext {
  enums: Set<string>;
  modelNames: Set<string>;
  tables: Map<string, string>;
  blocks: PrismaModelBlock[];
}

function buildModel(file: string, block: PrismaModelBlock, context: SchemaContext): { model: OrmModel; statement: ExtractedSql } | undefined {
  const table = tableName(block);
  const has = (field: PrismaField, name: string) => field.attributes.some((attribute) => attribute.name === name);
  const columns = block.fields.filter((field) => !field.list && !context.modelNames.has(field.type) && !has(field, 'ignore'));
  const typed = columns
    .map((field) => ({ field, type: SCALAR_TYPES[field.type] ?? (context.enums.has(field.type) ? 'TEXT' : undefined) }))
    .filter((entry): entry is { field: PrismaField; type: string } => entry.type !== undefined);
  if (typed.length === 0) return undefined;
  const columnOf = (name: string) => block.fields.find((field) => field.field === name)?.column;

  const compositeId = block.blockAttributes.find((attribute) => attribute.name === 'id');
  const primaryKey = compositeId
    ? (fieldList(compositeId.args) ?? []).map((entry) => columnOf(entry.field) ?? entry.field)
    : typed.filter(({ field }) => has(field, 'id')).map(({ field }) => field.column);
  const lines = typed.map(({ field, type }) => {
    const parts = [quote(field.column), type, field.optional ? '' : 'NOT NULL'];
    if (!compositeId && has(field, 'id')) {
      const autoincrement = field.attributes.some((attribute) => attribute.name === 'default' && /autoincrement\(\)/.test(attribute.args ?? ''));
      parts.push(autoincrement && type === 'INTEGER' ? 'PRIMARY KEY AUTOINCREMENT' : 'PRIMARY KEY');
    }
    return parts.filter(Boolean).join(' ');
  });
  if (compositeId) lines.push(`PRIMARY KEY (${primaryKey.map(quote).join(', ')})`);

  const foreignKeys: OrmForeignKey[] = [];
  for (const field of block.fields) {
    if (!context.modelNames.has(field.type) || field.list) continue;
    const relation = field.attributes.find((attribute) => attribute.name === 'relation');
    const local = fieldList(relation?.args, 'fields');
    const remote = fieldList(relation?.args, 'references');
    if (!local || !remote || local.length !== remote.length || local.length === 0) continue;
    const targetBlock = context.blocks.find((candidate) => candidate.name === field.type);
    const targetColumns = remote.map((entry) => targetBlock?.fields.find((f) => f.field === entry.field)?.column ?? entry.field);
    const localColumns = local.map((entry) => columnOf(entry.field) ?? entry.field);
    const targetTable = context.tables.get(field.type) ?? field.type;
    lines.push(
      `CONSTRAINT ${quote(`${table}_${localColumns.join('_')}_fkey`)} FOREIGN KEY (${localColumns.map(quote).join(', ')}) ` +
        `REFERENCES ${quote(targetTable)} (${targetColumns.map(quote).join(', ')}) ON DELETE RESTRICT ON UPDATE CASCADE`,
    );
    if (local.length === 1) {
      foreignKeys.push({ attr: field.field, column: localColumns[0], targetModel: field.type, targetColumn: targetColumns[0], nullable: field.optional });
    }
  }

  const ddl = new GeneratedDdl();
  ddl.add(`CREATE TABLE ${quote(table)} (${lines.join(', ')})`, block.range);
  const index = (unique: boolean, entries: Array<{ field: string; desc: boolean }>, mapped: string | undefined, source: OffsetRange) => {
    const names = entries.map((entry) => columnOf(entry.field));
    if (names.some((name) => name === undefined) || names.length === 0) return;
    const name = mapped ?? `${table}_${(names as string[]).join('_')}_${unique ? 'key' : 'idx'}`;
    const terms = entries.map((entry, i) => `${quote(names[i] as string)}${entry.desc ? ' DESC' : ''}`);
    ddl.add(`CREATE ${unique ? 'UNIQUE ' : ''}INDEX ${quote(name)} ON ${quote(table)} (${terms.join(', ')})`, source);
  };
  for (const { field } of typed) {
    const unique = field.attributes.find((attribute) => attribute.name === 'unique');
    if (unique) index(true, [{ field: field.field, desc: false }], unique.args !== undefined ? mapArgument(unique.args) : undefined, field.range);
  }
  for (const attribute of block.blockAttributes) {
    if (attribute.name !== 'unique' && attribute.name !== 'index') continue;
    const entries = fieldList(attribute.args);
    if (entries) index(attribute.name === 'unique', entries, mapArgument(attribute.args ?? ''), attribute.range);
  }

  const model: OrmModel = {
    orm: 'prisma',
    name: block.name,
    table,
    file,
    columns: typed.map(({ field }) => ({ attr: field.field, column: field.column })),
    primaryKey,
    foreignKeys,
  };
  const statement = ddl.toStatement({
    file,
    language: 'prisma',
    range: block.range,
    home: { kind: 'orm-model', orm: 'prisma', file, model: block.name, range: block.range, anchors: block.anchors },
  });
  return { model, statement };
}

function mapArgument(args: string): string | undefined {
  return /\bmap\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(args)?.[1];
}
