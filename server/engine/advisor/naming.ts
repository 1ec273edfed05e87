import type { IndexColumn, TableInfo } from '../types';

/** How the project names its indexes, learned from the indexes it already has. */
type NamingStyle = 'idx_table_cols' | 'ix_table_cols' | 'table_cols_idx' | 'index_table_on_cols';

function styleOf(indexName: string, tableName: string): NamingStyle | undefined {
  const name = indexName.toLowerCase();
  const table = tableName.toLowerCase();
  if (name.startsWith('sqlite_autoindex')) return undefined;
  if (name.startsWith(`ix_${table}_`)) return 'ix_table_cols';
  if (name.startsWith(`index_${table}_on_`)) return 'index_table_on_cols';
  if (name.endsWith('_idx') || name.endsWith('_index')) return 'table_cols_idx';
  if (name.startsWith('idx_') || name.startsWith('ix_')) return 'idx_table_cols';
  return undefined;
}

/** The most common naming style among all explicit indexes of the schema; `idx_<table>_<cols>` when there is none. */
export function detectNamingStyle(tables: Iterable<TableInfo>): NamingStyle {
  const counts = new Map<NamingStyle, number>();
  for (const table of tables) {
    for (const index of table.indexes) {
      if (index.origin !== 'c') continue;
      const style = styleOf(index.name, table.name);
      if (style) counts.set(style, (counts.get(style) ?? 0) + 1);
    }
  }
  let best: NamingStyle = 'idx_table_cols';
  let bestCount = 0;
  for (const [style, count] of counts) {
    if (count > bestCount) {
      best = style;
      bestCount = count;
    }
  }
  return best;
}

function columnToken(column: IndexColumn): string {
  const base = column.name ?? (column.expr ?? 'expr').replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '');
  return `${base.toLowerCase()}${column.desc ? '_desc' : ''}`;
}

/**
 * Names a new index in the project's style. When it extends an existing index, the name keeps the old
 * name and appends the new columns (idx_sessions_parent_session → idx_sessions_parent_session_archived),
 * so the two are easy to relate in review.
 */
export function nameIndex(
  style: NamingStyle,
  table: TableInfo,
  columns: IndexColumn[],
  extending?: { name: string; columnCount: number },
): string {
  const tokens = columns.map(columnToken);
  let name: string;
  if (extending && styleOf(extending.name, table.name) === style && style !== 'table_cols_idx') {
    name = [extending.name, ...tokens.slice(extending.columnCount)].join('_');
  } else {
    const tableName = table.name.toLowerCase();
    switch (style) {
      case 'ix_table_cols':
        name = `ix_${tableName}_${tokens.join('_')}`;
        break;
      case 'index_table_on_cols':
        name = `index_${tableName}_on_${tokens.join('_and_')}`;
        break;
      case 'table_cols_idx':
        name = `${tableName}_${tokens.join('_')}_idx`;
        break;
      default:
        name = `idx_${tableName}_${tokens.join('_')}`;
    }
  }
  const taken = new Set([...table.indexes.map((index) => index.name.toLowerCase())]);
  let unique = name;
  for (let suffix = 2; taken.has(unique.toLowerCase()); suffix++) unique = `${name}_${suffix}`;
  return unique;
}
