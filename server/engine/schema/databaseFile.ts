// Real SQLite database files as an opt-in source of schema and sqlite_stat1 statistics. The file is opened with a
// read-only descriptor and copied into memory; sql.js opens that copy, so nothing can ever reach the disk (the copy
// is never exported). Only the schema (sqlite_schema) and sqlite_stat1 are kept: no table row is ever read.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Database, SqlValue } from 'sql.js';
import type { PlanLensConfig } from '../analyzeTypes';
import type { Note } from '../types';
import { loadSqlJs } from './sqlite';
import type { StatRow } from './stats';

/** The first 16 bytes of every SQLite 3 database file. */
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
/** The database header is the first 100 bytes of page 1. */
const HEADER_BYTES = 100;

/** A table, index or view as `sqlite_schema` stores it. */
export interface DatabaseObject {
  type: 'table' | 'index' | 'view';
  name: string;
  /** The table an index belongs to (the object's own name for tables and views). */
  table: string;
  sql: string;
}

/** A table of the file, by names only: what schema drift is measured on. */
export interface DatabaseTableModel {
  name: string;
  /** Column names in order; undefined when SQLite could not list them (a virtual table of a missing module). */
  columns?: string[];
  /** Explicit CREATE INDEX indexes; expression columns are null. */
  indexes: Array<{ name: string; columns: Array<string | null> }>;
}

/** Everything PlanLens keeps from one database file. */
export interface DatabaseFileSchema {
  /** Workspace-relative POSIX path (as configured, for explicit paths outside the root). */
  file: string;
  /** Tables, then indexes, then views, each in `sqlite_schema` order; internal and virtual-table shadow tables left out. */
  objects: DatabaseObject[];
  tables: DatabaseTableModel[];
  /** The file's sqlite_stat1 rows; empty when it was never analysed. */
  stats: StatRow[];
}

/**
 * Reads one database file's schema and statistics. Never throws: a missing or unreadable file, a file over
 * `maxBytes`, one that is not SQLite, a truncated or corrupt one each give a note (`warning`, or `info` for a
 * file that was only found by its name and turns out not to be SQLite).
 */
export async function readDatabaseFile(
  absolutePath: string,
  file: string,
  options: { maxBytes: number; explicit: boolean },
): Promise<{ schema?: DatabaseFileSchema; notes: Note[] }> {
  const read = readDatabaseBytes(absolutePath, options.maxBytes);
  if ('problem' in read) {
    const level = read.notSqlite && !options.explicit ? 'info' : 'warning';
    return { notes: [{ level, file, message: read.problem }] };
  }
  const SQL = await loadSqlJs();
  let db: Database | undefined;
  try {
    db = new SQL.Database(read.bytes);
    db.run('PRAGMA query_only = 1'); // belt and braces: the copy is never exported anyway
    return { schema: readSchema(db, file), notes: [] };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { notes: [{ level: 'warning', file, message: `skipped: SQLite cannot read this database: ${reason}` }] };
  } finally {
    db?.close();
  }
}

type BytesOrProblem = { bytes: Uint8Array } | { problem: string; notSqlite?: boolean };

/** The file's bytes, checked against the size cap, the SQLite header and the page count the header records. */
function readDatabaseBytes(absolutePath: string, maxBytes: number): BytesOrProblem {
  let fd: number | undefined;
  try {
    // Checked before opening: opening a FIFO named like a database would block.
    if (!fs.statSync(absolutePath).isFile()) return { problem: 'cannot read database file: not a regular file' };
    fd = fs.openSync(absolutePath, 'r');
    const size = fs.fstatSync(fd).size;
    if (size > maxBytes) {
      return { problem: `skipped: ${formatMegabytes(size)} is over the ${formatMegabytes(maxBytes)} limit ("maxDatabaseBytes")` };
    }
    const bytes = Buffer.alloc(size);
    let filled = 0;
    while (filled < size) {
      const count = fs.readSync(fd, bytes, filled, size - filled, filled);
      if (count === 0) break; // the file shrank while being read
      filled += count;
    }
    return checkHeader(bytes.subarray(0, filled));
  } catch (error) {
    return { problem: `cannot read database file: ${describeFsError(error)}` };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function checkHeader(bytes: Buffer): BytesOrProblem {
  if (bytes.length === 0) return { problem: 'skipped: empty file, no schema to read', notSqlite: true };
  if (bytes.length < SQLITE_MAGIC.length || !bytes.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) {
    return { problem: 'skipped: not a SQLite database (it does not start with the "SQLite format 3" header)', notSqlite: true };
  }
  if (bytes.length < HEADER_BYTES) {
    return { problem: `skipped: truncated SQLite database: ${formatBytes(bytes.length)}, shorter than its 100-byte header` };
  }
  const rawPageSize = bytes.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) {
    return { problem: `skipped: corrupt SQLite header: invalid page size ${rawPageSize}` };
  }
  // The page count in the header is trusted only when its change counter matches (what SQLite itself checks).
  const pageCount = bytes.readUInt32BE(28);
  const headerCountValid = pageCount > 0 && bytes.readUInt32BE(24) === bytes.readUInt32BE(92);
  if (headerCountValid && bytes.length < pageCount * pageSize) {
    return {
      problem:
        `skipped: truncated SQLite database: ${formatBytes(bytes.length)}, but its header says ` +
        `${pageCount.toLocaleString('en-US')} pages of ${formatBytes(pageSize)} (${formatBytes(pageCount * pageSize)})`,
    };
  }
  if (bytes.length % pageSize !== 0) {
    return { problem: `skipped: truncated SQLite database: ${formatBytes(bytes.length)} is not a whole number of ${formatBytes(pageSize)} pages` };
  }
  // A WAL-mode file would make SQLite look for -wal/-shm files in sql.js's memory file system; the copy has no
  // write-ahead log, so it is read as a rollback-journal database (bytes 18-19 are the file format versions).
  bytes[18] = 1;
  bytes[19] = 1;
  return { bytes };
}

function readSchema(db: Database, file: string): DatabaseFileSchema {
  const rows = all(db, "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY rowid");
  const virtualTables = rows
    .filter(([type, , , sql]) => type === 'table' && /^\s*CREATE\s+VIRTUAL\b/i.test(String(sql)))
    .map(([, name]) => `${String(name).toLowerCase()}_`);
  // Virtual tables create their shadow tables (fts_content, …) themselves; re-creating them would fail.
  const isInternal = (name: string) => {
    const lower = name.toLowerCase();
    return lower.startsWith('sqlite_') || virtualTables.some((prefix) => lower.startsWith(prefix));
  };
  const objects: DatabaseObject[] = [];
  for (const type of ['table', 'index', 'view'] as const) {
    for (const [rowType, name, table, sql] of rows) {
      if (rowType !== type || isInternal(String(name)) || isInternal(String(table))) continue;
      objects.push({ type, name: String(name), table: String(table), sql: String(sql) });
    }
  }
  const hasStats = rows.some(([type, name]) => type === 'table' && String(name).toLowerCase() === 'sqlite_stat1');
  const stats: StatRow[] = [];
  for (const [tbl, idx, stat] of hasStats ? all(db, 'SELECT tbl, idx, stat FROM sqlite_stat1') : []) {
    if (typeof tbl !== 'string' || typeof stat !== 'string' || (idx !== null && typeof idx !== 'string')) continue;
    stats.push({ tbl, idx, stat });
  }
  return { file, objects, tables: readTableModels(db, objects), stats };
}

function readTableModels(db: Database, objects: DatabaseObject[]): DatabaseTableModel[] {
  const indexesByTable = new Map<string, DatabaseObject[]>();
  for (const index of objects) {
    if (index.type !== 'index') continue;
    const key = index.table.toLowerCase();
    indexesByTable.set(key, [...(indexesByTable.get(key) ?? []), index]);
  }
  const models: DatabaseTableModel[] = [];
  for (const object of objects) {
    if (object.type !== 'table') continue;
    const model: DatabaseTableModel = { name: object.name, indexes: [] };
    try {
      // hidden 1 marks a virtual table's hidden columns, which are not real columns.
      model.columns = all(db, 'SELECT name, hidden FROM pragma_table_xinfo(?1)', [object.name])
        .filter(([, hidden]) => hidden !== 1)
        .map(([name]) => String(name));
    } catch {
      // A virtual table whose module sql.js lacks: its columns are unknown, not absent.
    }
    for (const index of indexesByTable.get(object.name.toLowerCase()) ?? []) {
      const columns = all(db, 'SELECT name FROM pragma_index_info(?1) ORDER BY seqno', [index.name]).map(([name]) =>
        name === null ? null : String(name),
      );
      model.indexes.push({ name: index.name, columns });
    }
    models.push(model);
  }
  return models;
}

function all(db: Database, sql: string, params: SqlValue[] = []): SqlValue[][] {
  const statement = db.prepare(sql, params);
  try {
    const rows: SqlValue[][] = [];
    while (statement.step()) rows.push(statement.get());
    return rows;
  } finally {
    statement.free();
  }
}

/**
 * The database files a workspace uses (`databases` from the config, then, with `useDatabaseFiles`, the files
 * discovery found by name), read once and re-read only when a file's size or modification time changes.
 */
export class DatabaseFiles {
  private readonly entries: Array<{ file: string; absolute: string; explicit: boolean }> = [];
  private readonly cache = new Map<string, { stamp: string; result: Awaited<ReturnType<typeof readDatabaseFile>> }>();

  constructor(
    root: string,
    private readonly config: Pick<PlanLensConfig, 'databases' | 'useDatabaseFiles' | 'maxDatabaseBytes'>,
    discovered: string[],
  ) {
    const seen = new Set<string>();
    const add = (entry: string, explicit: boolean) => {
      const absolute = path.resolve(root, entry);
      const file = path.relative(root, absolute).split(path.sep).join('/');
      if (seen.has(file)) return;
      seen.add(file);
      this.entries.push({ file, absolute, explicit });
    };
    for (const entry of config.databases) add(entry, true);
    if (config.useDatabaseFiles) for (const entry of discovered) add(entry, false);
  }

  /** The workspace-relative paths of the files, in the order they are applied. */
  files(): string[] {
    return this.entries.map((entry) => entry.file);
  }

  /** Path, size and modification time of every file: changes when any file would read differently. */
  stamp(): string {
    return this.entries.map((entry) => `${entry.file}\u0001${statStamp(entry.absolute)}`).join('\u0000');
  }

  /** Each readable file's schema, in order, and the notes about each file. */
  async load(): Promise<{ schemas: DatabaseFileSchema[]; notes: Map<string, Note[]> }> {
    const schemas: DatabaseFileSchema[] = [];
    const notes = new Map<string, Note[]>();
    for (const entry of this.entries) {
      const stamp = statStamp(entry.absolute);
      let cached = this.cache.get(entry.file);
      if (cached?.stamp !== stamp) {
        const result = await readDatabaseFile(entry.absolute, entry.file, {
          maxBytes: this.config.maxDatabaseBytes,
          explicit: entry.explicit,
        });
        cached = { stamp, result };
        this.cache.set(entry.file, cached);
      }
      if (cached.result.schema) schemas.push(cached.result.schema);
      if (cached.result.notes.length > 0) notes.set(entry.file, cached.result.notes);
    }
    return { schemas, notes };
  }
}

function statStamp(absolute: string): string {
  try {
    const stats = fs.statSync(absolute);
    return `${stats.size}\u0001${stats.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const reasons: Record<string, string> = {
    ENOENT: 'no such file',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EISDIR: 'is a folder',
  };
  return (code && reasons[code]) ?? (error instanceof Error ? error.message : String(error));
}

function formatMegabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function formatBytes(bytes: number): string {
  return `${bytes.toLocaleString('en-US')} bytes`;
}
