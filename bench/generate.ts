// Synthetic workspaces for the benchmark: a schema of numbered migrations, host files in Python, TypeScript and
// Rust with queries of realistic shapes (point lookups, joins, ORDER BY, COUNT, IN, GROUP BY, writes), .sql query
// files, and plain code that never touches SQL. Deterministic: the same options always give the same bytes.
import * as fs from 'node:fs';
import * as path from 'node:path';

export type BenchLanguage = 'python' | 'typescript' | 'rust' | 'sql';

export interface WorkspaceOptions {
  /** Source files, migrations excluded. */
  files: number;
  /** Queries spread over the files that hold SQL. */
  queries: number;
  tables: number;
  /** Also write one Python file of about this many lines (the editor benchmark's file). */
  largeFileLines?: number;
  seed?: number;
}

/** One query the generator wrote, so floors and checks know what exists without parsing anything. */
export interface GeneratedQuery {
  file: string;
  language: BenchLanguage;
  sql: string;
}

export interface GeneratedWorkspace {
  root: string;
  migrations: string[];
  /** Every source file, with its language. */
  files: Array<{ file: string; language: BenchLanguage }>;
  queries: GeneratedQuery[];
  /**
   * The large file, when asked for: its path, its queries (in source order), and where the editor benchmark
   * types: the offset of `id = ?` in a point lookup, which turns into a full scan as `email = ?`.
   */
  largeFile?: { file: string; queries: string[]; editOffset: number };
  /**
   * A column no index covers, filtered on by `probeFiles`: adding an index on it in a migration changes those
   * files' diagnostics (the schema-edit propagation benchmark).
   */
  probe: { table: string; column: string; files: string[] };
  tables: TableSpec[];
}

export interface TableSpec {
  name: string;
  /** The table whose id this one references, if any. */
  parent?: string;
  /** Indexes that already exist, as column lists. */
  indexed: string[][];
}

const NOUNS = [
  'users', 'accounts', 'orders', 'invoices', 'payments', 'products', 'carts', 'shipments', 'sessions', 'events',
  'messages', 'threads', 'comments', 'posts', 'tags', 'projects', 'tasks', 'jobs', 'workers', 'teams',
  'documents', 'files', 'folders', 'reports', 'alerts', 'metrics', 'traces', 'spans', 'tokens', 'devices',
  'subscriptions', 'plans', 'coupons', 'reviews', 'ratings', 'notifications', 'webhooks', 'audits', 'logins', 'prompts',
];

const STATUSES = ['new', 'open', 'pending', 'done', 'failed'];

/** mulberry32: small, fast and good enough to pick shapes. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function tableSpecs(count: number): TableSpec[] {
  const specs: TableSpec[] = [];
  for (let k = 0; k < count; k++) {
    const noun = NOUNS[k % NOUNS.length];
    const name = k < NOUNS.length ? noun : `${noun}_${Math.floor(k / NOUNS.length)}`;
    const parent = k === 0 ? undefined : specs[Math.floor((k * 7) / 11) % k].name;
    // Five tables in six have the indexes the queries below need; the sixth only one on account_id. As in a
    // maintained code base, most queries are fine and about one in eight gets a finding.
    const wellIndexed = k % 6 !== 5;
    const indexed = wellIndexed ? [['account_id', 'status']] : [['account_id']];
    if (parent && wellIndexed) indexed.push([`${parent}_id`, 'created_at']);
    specs.push({ name, parent, indexed });
  }
  return specs;
}

function createTable(spec: TableSpec): string {
  const columns = [
    '  id INTEGER PRIMARY KEY',
    ...(spec.parent ? [`  ${spec.parent}_id INTEGER REFERENCES ${spec.parent}(id)`] : []),
    '  account_id INTEGER NOT NULL',
    "  status TEXT NOT NULL DEFAULT 'new'",
    '  name TEXT',
    '  email TEXT',
    '  external_ref TEXT',
    '  priority INTEGER NOT NULL DEFAULT 0',
    '  archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1))',
    '  created_at TEXT NOT NULL',
    '  updated_at TEXT',
  ];
  return `CREATE TABLE ${spec.name} (\n${columns.join(',\n')}\n);\n`;
}

function createIndexes(spec: TableSpec): string {
  return spec.indexed
    .map((columns) => `CREATE INDEX idx_${spec.name}_${columns.join('_')} ON ${spec.name}(${columns.join(', ')});\n`)
    .join('');
}

const SELECTABLE = ['id', 'name', 'email', 'status', 'priority', 'created_at', 'updated_at', 'external_ref'];

/** A random non-empty column list: real code rarely selects the same columns twice, so texts rarely repeat. */
function columnList(pick: () => number, prefix = ''): string {
  const chosen = SELECTABLE.filter((_, i) => i === 0 || pick() < 0.4);
  return chosen.map((column) => `${prefix}${column}`).join(', ');
}

/** A query of one of a dozen shapes against `spec` (and its parent for joins); most texts are unique. */
export function querySql(spec: TableSpec, shape: number, pick: () => number): string {
  const t = spec.name;
  const parentColumn = spec.parent ? `${spec.parent}_id` : 'account_id';
  const status = STATUSES[Math.floor(pick() * STATUSES.length)];
  const limit = 10 + Math.floor(pick() * 90);
  switch (shape % 12) {
    case 0:
      return `SELECT ${columnList(pick)} FROM ${t} WHERE id = ?`;
    case 1:
      return `SELECT ${columnList(pick)} FROM ${t}\n WHERE ${parentColumn} = ?\n ORDER BY created_at DESC\n LIMIT ${limit}`;
    case 2:
      return `SELECT COUNT(*) FROM ${t} WHERE status = '${status}' AND account_id = ?`;
    case 3:
      return spec.parent
        ? `SELECT ${columnList(pick, 'c.')}, p.status AS parent_status\n FROM ${t} c\n JOIN ${spec.parent} p ON p.id = c.${spec.parent}_id\n WHERE c.${spec.parent}_id = ?\n ORDER BY c.created_at DESC\n LIMIT ${limit}`
        : `SELECT ${columnList(pick)} FROM ${t} WHERE account_id = ? AND status = '${status}' ORDER BY id LIMIT ${limit}`;
    case 4:
      return `SELECT ${columnList(pick)} FROM ${t} WHERE id IN (${Array.from({ length: 1 + Math.floor(pick() * 5) }, () => '?').join(', ')})`;
    case 5:
      return `INSERT INTO ${t} (account_id, status, name, created_at) VALUES (?, '${status}', ?, ?)`;
    case 6:
      return `UPDATE ${t} SET status = '${status}', updated_at = ? WHERE id = ?`;
    case 7:
      return `DELETE FROM ${t} WHERE id = ? AND status = '${status}'`;
    case 8:
      return `SELECT status, COUNT(*) AS n\n FROM ${t}\n WHERE account_id = ?\n GROUP BY status\n LIMIT ${limit}`;
    case 9:
      return `SELECT ${columnList(pick)} FROM ${t}\n WHERE account_id = ? AND status = '${status}'\n ORDER BY id DESC\n LIMIT ${limit}`;
    case 10:
      return spec.parent
        ? `SELECT ${columnList(pick)} FROM ${t} WHERE ${spec.parent}_id IN (SELECT id FROM ${spec.parent} WHERE account_id = ? AND status = '${status}')`
        : `SELECT ${columnList(pick)} FROM ${t} WHERE account_id = ? LIMIT ${limit}`;
    default:
      // A search box: no index can serve a LIKE with a leading wildcard, on any table.
      return pick() < 0.25
        ? `SELECT ${columnList(pick)} FROM ${t} WHERE account_id = ? AND name LIKE '%' || ? || '%' LIMIT ${limit}`
        : `SELECT ${columnList(pick)} FROM ${t} WHERE account_id = ? AND status IN ('${status}', 'open') LIMIT ${limit}`;
  }
}

function indentSql(sql: string, indent: string): string {
  return sql.split('\n').map((line, i) => (i === 0 ? line : `${indent}${line.trim()}`)).join('\n');
}

// --- host code -------------------------------------------------------------------------------------------------

function pythonQueryFunction(name: string, sql: string, style: number): string {
  const multiline = sql.includes('\n');
  const literal = multiline ? `"""\n            ${indentSql(sql, '            ')}\n        """` : JSON.stringify(sql);
  if (style % 3 === 0) {
    return `    def ${name}(self, *args):\n        cur = self.conn.execute(${literal}, args)\n        return cur.fetchall()\n`;
  }
  if (style % 3 === 1) {
    return `    def ${name}(self, *args):\n        query = ${literal}\n        with self.conn:\n            return self.conn.execute(query, args).fetchall()\n`;
  }
  return `    def ${name}(self, *args):\n        rows = []\n        for row in self.conn.execute(${literal}, args):\n            rows.append(dict(row))\n        return rows\n`;
}

function pythonPlainFunction(index: number): string {
  return [
    `def helper_${index}(items, limit=10):`,
    `    """Groups items by their first letter and keeps the longest ${index % 7 + 2} names."""`,
    '    groups = {}',
    '    for item in items:',
    '        key = item[:1].lower() if item else "_"',
    '        groups.setdefault(key, []).append(item)',
    '    result = []',
    '    for key in sorted(groups):',
    `        result.extend(sorted(groups[key], key=len, reverse=True)[: limit + ${index % 5}])`,
    '    return result',
    '',
  ].join('\n');
}

function pythonFile(moduleIndex: number, queries: Array<{ sql: string }>, plain: number): string {
  const lines = ['import logging', 'import sqlite3', 'from dataclasses import dataclass', '', 'log = logging.getLogger(__name__)', ''];
  for (let i = 0; i < plain; i++) lines.push(pythonPlainFunction(moduleIndex * 31 + i));
  if (queries.length > 0) {
    lines.push(`class Repository${moduleIndex}:`, '    def __init__(self, conn: sqlite3.Connection):', '        self.conn = conn', '');
    queries.forEach((query, i) => lines.push(pythonQueryFunction(`query_${i}`, query.sql, moduleIndex + i)));
  }
  return lines.join('\n') + '\n';
}

function typescriptFile(moduleIndex: number, queries: Array<{ sql: string }>, plain: number): string {
  const lines = [`import type { Database } from 'better-sqlite3';`, ''];
  for (let i = 0; i < plain; i++) {
    const n = moduleIndex * 31 + i;
    lines.push(
      `export function summarize${n}(values: number[], window = ${(n % 9) + 2}): number[] {`,
      '  const out: number[] = [];',
      '  for (let i = 0; i + window <= values.length; i++) {',
      '    out.push(values.slice(i, i + window).reduce((a, b) => a + b, 0) / window);',
      '  }',
      '  return out;',
      '}',
      '',
    );
  }
  if (queries.length > 0) {
    lines.push(`export class Store${moduleIndex} {`, '  constructor(private readonly db: Database) {}', '');
    queries.forEach((query, i) => {
      const literal = query.sql.includes('\n') ? `\`\n      ${indentSql(query.sql, '      ')}\n    \`` : `'${query.sql.replace(/'/g, "\\'")}'`;
      const call = (moduleIndex + i) % 2 === 0 ? 'all' : 'get';
      lines.push(`  query${i}(...args: unknown[]) {`, `    return this.db.prepare(${literal}).${call}(...args);`, '  }', '');
    });
    lines.push('}');
  }
  return lines.join('\n') + '\n';
}

function rustFile(moduleIndex: number, queries: Array<{ sql: string }>, plain: number): string {
  const lines = ['use rusqlite::{params, Connection, Result};', ''];
  for (let i = 0; i < plain; i++) {
    const n = moduleIndex * 31 + i;
    lines.push(
      `pub fn checksum_${n}(bytes: &[u8]) -> u32 {`,
      `    let mut acc: u32 = ${n % 97};`,
      '    for (i, b) in bytes.iter().enumerate() {',
      '        acc = acc.wrapping_mul(31).wrapping_add(*b as u32 ^ i as u32);',
      '    }',
      '    acc',
      '}',
      '',
    );
  }
  queries.forEach((query, i) => {
    const literal = query.sql.includes('\n') ? `"\n        ${indentSql(query.sql, '        ')}\n    "` : JSON.stringify(query.sql);
    lines.push(
      `pub fn query_${moduleIndex}_${i}(conn: &Connection, id: i64) -> Result<usize> {`,
      `    let mut stmt = conn.prepare(${literal})?;`,
      '    let rows = stmt.query_map(params![id], |row| row.get::<_, i64>(0))?;',
      '    Ok(rows.count())',
      '}',
      '',
    );
  });
  return lines.join('\n') + '\n';
}

function sqlQueryFile(queries: Array<{ sql: string }>): string {
  return queries.map((query, i) => `-- query ${i}\n${query.sql};\n`).join('\n');
}

const EXTENSION: Record<BenchLanguage, string> = { python: 'py', typescript: 'ts', rust: 'rs', sql: 'sql' };
const FOLDER: Record<BenchLanguage, string> = { python: 'app', typescript: 'web/src', rust: 'core/src', sql: 'queries' };

/** Python half the files, TypeScript a quarter, Rust a fifth, .sql the rest. */
function languageOf(index: number): BenchLanguage {
  const slot = index % 20;
  if (slot < 10) return 'python';
  if (slot < 15) return 'typescript';
  if (slot < 19) return 'rust';
  return 'sql';
}

/** Writes the workspace under `root` (which must not exist or be empty). */
export function generateWorkspace(root: string, options: WorkspaceOptions): GeneratedWorkspace {
  const pick = random(options.seed ?? 7);
  const tables = tableSpecs(options.tables);
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(path.join(root, 'planlens.json'), '{}\n');

  // Migrations: one per table, then index migrations in batches, numbered in order.
  const migrationsDir = path.join(root, 'db', 'migrations');
  fs.mkdirSync(migrationsDir, { recursive: true });
  const migrations: string[] = [];
  let number = 1;
  const writeMigration = (name: string, text: string) => {
    const file = `db/migrations/${String(number++).padStart(4, '0')}_${name}.sql`;
    fs.writeFileSync(path.join(root, file), text);
    migrations.push(file);
  };
  for (const spec of tables) writeMigration(`create_${spec.name}`, createTable(spec));
  for (let start = 0; start < tables.length; start += 10) {
    const batch = tables.slice(start, start + 10);
    writeMigration(`indexes_${start / 10 + 1}`, batch.map(createIndexes).join(''));
  }

  // Which files hold SQL: two in five; queries are dealt to them round robin.
  const files: GeneratedWorkspace['files'] = [];
  for (let i = 0; i < options.files; i++) {
    const language = languageOf(i);
    const file = `${FOLDER[language]}/pkg${Math.floor(i / 100)}/module_${i}.${EXTENSION[language]}`;
    files.push({ file, language });
  }
  const sqlHolders = files.filter((_, i) => i % 5 < 2 || files[i].language === 'sql');
  const perFile = new Map<string, Array<{ sql: string }>>();
  const queries: GeneratedQuery[] = [];
  const probeTable = tables[Math.min(tables.length - 1, 1)];
  const probeFiles: string[] = [];
  for (let q = 0; q < options.queries && sqlHolders.length > 0; q++) {
    const holder = sqlHolders[q % sqlHolders.length];
    // Every 97th query filters on the probe column: those files depend on the probe table's indexes.
    const sql =
      q % 97 === 0 && holder.language === 'python'
        ? `SELECT id, status FROM ${probeTable.name} WHERE external_ref = ?`
        : querySql(tables[Math.floor(pick() * tables.length)], Math.floor(pick() * 12), pick);
    if (sql.includes('external_ref = ?') && !probeFiles.includes(holder.file)) probeFiles.push(holder.file);
    const list = perFile.get(holder.file) ?? [];
    list.push({ sql });
    perFile.set(holder.file, list);
    queries.push({ file: holder.file, language: holder.language, sql });
  }

  for (const [i, { file, language }] of files.entries()) {
    const fileQueries = perFile.get(file) ?? [];
    const plain = 3 + (i % 5);
    const text =
      language === 'python'
        ? pythonFile(i, fileQueries, plain)
        : language === 'typescript'
          ? typescriptFile(i, fileQueries, plain)
          : language === 'rust'
            ? rustFile(i, fileQueries, plain)
            : sqlQueryFile(fileQueries.length > 0 ? fileQueries : [{ sql: 'SELECT 1' }]);
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }

  let largeFile: GeneratedWorkspace['largeFile'];
  if (options.largeFileLines) {
    largeFile = writeLargeFile(root, tables, options.largeFileLines, pick);
    files.push({ file: largeFile.file, language: 'python' });
    for (const sql of largeFile.queries) queries.push({ file: largeFile.file, language: 'python', sql });
  }
  return { root, migrations, files, queries, largeFile, probe: { table: probeTable.name, column: 'external_ref', files: probeFiles }, tables };
}

/** The query the editor benchmark edits; its alias makes the text unique in the file. */
const EDIT_TARGET = (table: string) => `SELECT id AS edited_id, name FROM ${table} WHERE id = ?`;

/** A Python module of about `lines` lines: a query every ~35 lines, plain code between, the edit target in the middle. */
function writeLargeFile(
  root: string,
  tables: TableSpec[],
  lines: number,
  pick: () => number,
): { file: string; queries: string[]; editOffset: number } {
  const file = 'app/large_module.py';
  const perQuery = 34; // lines of a query method and its share of plain helpers (2.5 helpers per query)
  const count = Math.max(2, Math.round(lines / perQuery));
  const queries: Array<{ sql: string }> = [];
  for (let i = 0; i < count; i++) queries.push({ sql: querySql(tables[Math.floor(pick() * tables.length)], i % 12, pick) });
  const target = EDIT_TARGET(tables[0].name);
  queries.splice(Math.floor(count / 2), 0, { sql: target });
  const text = pythonFile(90_000, queries, Math.ceil(count * 2.5));
  fs.writeFileSync(path.join(root, file), text);
  return { file, queries: queries.map((q) => q.sql), editOffset: text.indexOf(target) + target.indexOf('id = ?') };
}
