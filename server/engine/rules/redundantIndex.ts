import type { IndexInfo, TableInfo } from '../types';
import type { SchemaReport, SchemaRule } from './rule';
import { describeColumns } from './describe';

function sameColumn(a: IndexInfo['columns'][number], b: IndexInfo['columns'][number]): boolean {
  if (a.name === null || b.name === null) return a.expr !== undefined && a.expr === b.expr;
  return a.name.toLowerCase() === b.name.toLowerCase();
}

function isPrefixOf(shorter: IndexInfo, longer: IndexInfo): boolean {
  return shorter.columns.length <= longer.columns.length && shorter.columns.every((c, i) => sameColumn(c, longer.columns[i]));
}

function describeIndex(index: IndexInfo): string {
  const kind = index.origin === 'pk' ? 'the primary key' : index.origin === 'u' ? 'a UNIQUE constraint' : index.name;
  return `${kind} (${describeColumns(index.columns)})`;
}

/** The index that makes `index` unnecessary, if any. */
export function coveringIndexFor(table: TableInfo, index: IndexInfo): IndexInfo | undefined {
  if (index.origin !== 'c' || index.partial) return undefined;
  for (const other of table.indexes) {
    if (other === index || other.partial || !isPrefixOf(index, other)) continue;
    // A UNIQUE index enforces something; only an identical unique index replaces it.
    if (index.unique && !(other.unique && other.columns.length === index.columns.length)) continue;
    if (other.columns.length === index.columns.length && other.origin === 'c') {
      // Exact duplicates: keep the first one defined, report the others.
      const position = table.indexes.indexOf(other);
      if (position > table.indexes.indexOf(index)) continue;
    }
    return other;
  }
  return undefined;
}

/** An index whose columns are a prefix of another index (or the PK/UNIQUE autoindex) only costs writes. */
export const redundantIndexRule: SchemaRule = {
  meta: {
    id: 'redundant-index',
    defaultSeverity: 'info',
    summary: 'An index is a prefix of another index or of a PRIMARY KEY/UNIQUE constraint, so it only slows down writes.',
    fixable: false,
  },
  checkSchema(context) {
    const reports: SchemaReport[] = [];
    for (const table of context.tables) {
      for (const index of table.indexes) {
        const covering = coveringIndexFor(table, index);
        if (!covering || !index.definedAt) continue;
        reports.push({
          file: index.definedAt.file,
          range: index.definedAt.range,
          table: table.name,
          message:
            `${index.name} ON ${table.name}(${describeColumns(index.columns)}) is redundant: ${describeIndex(covering)} ` +
            `starts with the same columns and serves the same lookups. Drop it to make writes cheaper.`,
          related: covering.definedAt ? [{ ...covering.definedAt, message: `${covering.name} is defined here` }] : [],
        });
      }
    }
    return reports;
  },
};
