import type { IndexInfo, OffsetRange, TableInfo } from '../types';
import type { DatabaseFileSchema, DatabaseTableModel } from '../schema/databaseFile';
import type { SchemaReport, SchemaRule } from './rule';
import { describeColumns } from './describe';

/** Where a drift finding goes when the code has no DDL for the object, and how the code source is named. */
interface CodeAnchor {
  file: string;
  range: OffsetRange;
  source: string;
}

/** How messages name the code that defines a table: the migrations folder, the schema file, or the host file. */
function codeSourceOf(table: TableInfo): string {
  const home = table.home;
  if (home?.kind === 'migrations-folder') return `the migrations in ${home.dir === '' ? '.' : home.dir}/`;
  if (home?.kind === 'schema-file') return home.file;
  if (home?.kind === 'host-literal') return home.statement.file;
  return table.definedAt?.file ?? 'the code';
}

/** The start of the last migration file when there is a migrations folder, else the start of the first schema's file. */
function fallbackAnchor(codeTables: TableInfo[]): CodeAnchor {
  const withFolder = codeTables.find((table) => table.home?.kind === 'migrations-folder' && table.home.files.length > 0);
  if (withFolder?.home?.kind === 'migrations-folder') {
    const files = withFolder.home.files;
    return { file: files[files.length - 1], range: { start: 0, end: 0 }, source: codeSourceOf(withFolder) };
  }
  const first = codeTables[0];
  const home = first.home;
  if (home?.kind === 'host-literal') {
    const start = home.statement.range.start;
    return { file: home.statement.file, range: { start, end: start }, source: codeSourceOf(first) };
  }
  return { file: first.definedAt!.file, range: { start: 0, end: 0 }, source: codeSourceOf(first) };
}

function databaseColumns(columns: Array<string | null>): string {
  return columns.map((column) => column ?? '<expression>').join(', ');
}

function sameIndexColumns(code: IndexInfo, database: Array<string | null>): boolean {
  return (
    code.columns.length === database.length &&
    code.columns.every((column, i) => (column.name?.toLowerCase() ?? null) === (database[i]?.toLowerCase() ?? null))
  );
}

/** Differences between one code-defined table and the same table in a database file. */
function tableDrift(table: TableInfo, model: DatabaseTableModel, file: string): SchemaReport[] {
  const reports: SchemaReport[] = [];
  const at = table.definedAt!;
  const source = codeSourceOf(table);
  const report = (range: OffsetRange, inFile: string, message: string) =>
    reports.push({ file: inFile, range, table: table.name, message: `Schema drift: ${message}` });

  if (model.columns) {
    const inDatabase = new Set(model.columns.map((column) => column.toLowerCase()));
    const inCode = new Set(table.columns.map((column) => column.name.toLowerCase()));
    for (const column of table.columns) {
      if (!inDatabase.has(column.name.toLowerCase())) {
        report(at.range, at.file, `column ${table.name}.${column.name} is in ${source} but not in ${file}.`);
      }
    }
    for (const column of model.columns) {
      if (!inCode.has(column.toLowerCase())) {
        report(at.range, at.file, `column ${table.name}.${column} is in ${file} but not in ${source}.`);
      }
    }
  }

  const codeIndexes = table.indexes.filter((index) => index.origin === 'c');
  const databaseIndexes = new Map(model.indexes.map((index) => [index.name.toLowerCase(), index]));
  for (const index of codeIndexes) {
    const where = index.definedAt ?? at;
    const counterpart = databaseIndexes.get(index.name.toLowerCase());
    const described = `${table.name}(${describeColumns(index.columns)})`;
    if (!counterpart) {
      report(where.range, where.file, `index ${index.name} ON ${described} is in ${source} but not in ${file}.`);
    } else if (!sameIndexColumns(index, counterpart.columns)) {
      report(
        where.range,
        where.file,
        `index ${index.name} is ON ${described} in ${source} but ON ${table.name}(${databaseColumns(counterpart.columns)}) in ${file}.`,
      );
    }
  }
  const codeIndexNames = new Set(codeIndexes.map((index) => index.name.toLowerCase()));
  for (const index of model.indexes) {
    if (codeIndexNames.has(index.name.toLowerCase())) continue;
    report(
      at.range,
      at.file,
      `index ${index.name} ON ${table.name}(${databaseColumns(index.columns)}) is in ${file} but not in ${source}; ` +
        'plans use the code-defined indexes only.',
    );
  }
  return reports;
}

/**
 * A database file and the code-defined schema disagree: a table, column or index exists in one and not the other
 * (or an index has other columns). The code wins for planning, so this says what the file would have changed.
 */
export const schemaDriftRule: SchemaRule = {
  meta: {
    id: 'schema-drift',
    defaultSeverity: 'info',
    summary: 'A database file and the code-defined schema disagree: a table, column or index exists in one and not the other.',
    fixable: false,
  },
  checkSchema(context) {
    const databases: readonly DatabaseFileSchema[] = context.databases ?? [];
    // Without DDL in code the file is the only schema: there is nothing to drift from.
    const codeTables = context.tables.filter((table) => table.fromDatabaseFile === undefined && table.definedAt !== undefined);
    if (databases.length === 0 || codeTables.length === 0) return [];
    const codeByName = new Map(codeTables.map((table) => [table.name.toLowerCase(), table]));
    const anchor = fallbackAnchor(codeTables);
    const reports: SchemaReport[] = [];
    for (const database of databases) {
      const models = new Map(database.tables.map((model) => [model.name.toLowerCase(), model]));
      for (const table of codeTables) {
        const model = models.get(table.name.toLowerCase());
        if (model) {
          reports.push(...tableDrift(table, model, database.file));
        } else {
          reports.push({
            file: table.definedAt!.file,
            range: table.definedAt!.range,
            table: table.name,
            message: `Schema drift: table ${table.name} is in ${codeSourceOf(table)} but not in ${database.file}.`,
          });
        }
      }
      for (const model of database.tables) {
        if (codeByName.has(model.name.toLowerCase())) continue;
        reports.push({
          file: anchor.file,
          range: anchor.range,
          table: model.name,
          message: `Schema drift: table ${model.name} is in ${database.file} but not in ${anchor.source}.`,
        });
      }
    }
    return reports;
  },
};
