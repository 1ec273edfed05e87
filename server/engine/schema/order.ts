// Order in which schema sources are applied: migration files sort naturally by their numeric or
// timestamp prefix (1_init < 2_x < 10_y; 20240101120000_a; Flyway V2__x; golang-migrate 0001_x.up.sql;
// Prisma/Diesel folders holding migration.sql or up.sql), and down/undo migrations are never applied.

/** A folder whose .sql files are migrations, with the files (workspace-relative) in apply order. */
export interface MigrationsFolder {
  dir: string;
  files: string[];
}

/**
 * Natural comparison: runs of digits compare by numeric value (exactly, whatever their length),
 * everything else case-insensitively, then by plain code units so the order is total.
 */
export function compareNatural(a: string, b: string): number {
  const aChunks = chunks(a);
  const bChunks = chunks(b);
  for (let i = 0; i < Math.min(aChunks.length, bChunks.length); i++) {
    const x = aChunks[i];
    const y = bChunks[i];
    const xDigits = isDigits(x);
    const yDigits = isDigits(y);
    let order: number;
    if (xDigits && yDigits) order = compareDigitRuns(x, y);
    else if (xDigits !== yDigits) order = xDigits ? -1 : 1; // numbers before words, as file managers do
    else order = compareText(x.toLowerCase(), y.toLowerCase());
    if (order !== 0) return order;
  }
  if (aChunks.length !== bChunks.length) return aChunks.length - bChunks.length;
  return compareText(a, b);
}

function chunks(text: string): string[] {
  return text.match(/\d+|\D+/g) ?? [];
}

function isDigits(chunk: string): boolean {
  const code = chunk.charCodeAt(0);
  return code >= 48 && code <= 57;
}

/** Compares two digit runs by value without converting to numbers (timestamps exceed 2^53 when long). */
function compareDigitRuns(x: string, y: string): number {
  const xValue = x.replace(/^0+(?=\d)/, '');
  const yValue = y.replace(/^0+(?=\d)/, '');
  if (xValue.length !== yValue.length) return xValue.length - yValue.length;
  return compareText(xValue, yValue) || x.length - y.length; // 1 before 01, only to stay total
}

function compareText(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function dirName(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

/** `0001_init`, `20240101120000_a`, `V2__x`, `2024-01-01-000000_create`: a name that starts with a version. */
const VERSION_PREFIX = /^[Vv]?\d+/;

/** Folder-per-migration layouts keep the SQL in a fixed file name (Prisma, Diesel, Drizzle-style). */
const FOLDER_MIGRATION_FILES = new Set(['migration.sql', 'up.sql']);

const MIGRATION_FOLDER_NAMES = new Set(['migrations', 'migration', 'migrate']);

/** True for files that undo a migration: `x.down.sql`, `down.sql`, `x_down.sql`, Flyway `U2__x.sql`. */
export function isDownMigration(path: string): boolean {
  const name = baseName(path).toLowerCase();
  return /(^|[._-])down\.sql$/.test(name) || /^u\d+(?:[._]\d+)*__/.test(name);
}

/** Flyway repeatable migrations (`R__views.sql`) run after every versioned one. */
function isRepeatable(name: string): boolean {
  return /^R__/i.test(name);
}

/**
 * Where a migration file sits and the name that orders it: its own name, or for folder-per-migration
 * layouts (`migrations/20240101_init/migration.sql`) the name of its folder.
 */
function migrationIdentity(path: string): { dir: string; key: string; versioned: boolean } {
  const name = baseName(path);
  const parent = dirName(path);
  if (FOLDER_MIGRATION_FILES.has(name.toLowerCase()) && VERSION_PREFIX.test(baseName(parent))) {
    return { dir: dirName(parent), key: baseName(parent), versioned: true };
  }
  return { dir: parent, key: name, versioned: VERSION_PREFIX.test(name) };
}

/** Orders migration files of one folder: versioned files naturally by version, repeatables last. */
export function compareMigrationFiles(a: string, b: string): number {
  const aKey = migrationIdentity(a).key;
  const bKey = migrationIdentity(b).key;
  const aRepeatable = isRepeatable(aKey);
  if (aRepeatable !== isRepeatable(bKey)) return aRepeatable ? 1 : -1;
  const aFlyway = FLYWAY_VERSION.exec(aKey);
  const bFlyway = FLYWAY_VERSION.exec(bKey);
  if (aFlyway && bFlyway) {
    const order = compareVersions(aFlyway[1], bFlyway[1]);
    if (order !== 0) return order;
  }
  return compareNatural(aKey, bKey) || compareNatural(a, b);
}

/** Flyway `V1_1__name.sql` / `V1.1__name.sql`: version segments separated by `_` or `.`, then `__`. */
const FLYWAY_VERSION = /^[Vv](\d+(?:[._]\d+)*)__/;

function compareVersions(a: string, b: string): number {
  const aParts = a.split(/[._]/);
  const bParts = b.split(/[._]/);
  for (let i = 0; i < Math.max(aParts.length, bParts.length); i++) {
    if (aParts[i] === undefined) return -1;
    if (bParts[i] === undefined) return 1;
    const order = compareDigitRuns(aParts[i], bParts[i]);
    if (order !== 0) return order;
  }
  return 0;
}

/**
 * Finds migration folders among workspace-relative paths: a folder holding two or more .sql files whose
 * names start with a version, or a folder named migrations/migration/migrate (including db/migrations)
 * holding any .sql file. Down/undo files are left out; each folder's files come back in apply order,
 * and folders in path order.
 */
export function detectMigrationsFolder(files: string[]): MigrationsFolder[] {
  const byDir = new Map<string, { files: string[]; versioned: number }>();
  for (const file of files) {
    if (!file.toLowerCase().endsWith('.sql') || isDownMigration(file)) continue;
    const identity = migrationIdentity(file);
    let entry = byDir.get(identity.dir);
    if (!entry) {
      entry = { files: [], versioned: 0 };
      byDir.set(identity.dir, entry);
    }
    entry.files.push(file);
    if (identity.versioned) entry.versioned++;
  }
  const folders: MigrationsFolder[] = [];
  for (const [dir, entry] of byDir) {
    const namedLikeMigrations = MIGRATION_FOLDER_NAMES.has(baseName(dir).toLowerCase());
    if (entry.versioned >= 2 || (namedLikeMigrations && entry.files.length > 0)) {
      folders.push({ dir, files: [...entry.files].sort(compareMigrationFiles) });
    }
  }
  return folders.sort((a, b) => compareNatural(a.dir, b.dir));
}

/**
 * Orders any set of schema files: migration folders keep their internal order (down files dropped),
 * other files follow natural path order, so `schema/1_tables.sql` runs before `schema/2_indexes.sql`.
 */
export function orderSchemaFiles(files: string[]): string[] {
  const migrationFolders = detectMigrationsFolder(files);
  const inFolders = new Set(migrationFolders.flatMap((folder) => folder.files));
  const ordered: Array<{ sortPath: string; files: string[] }> = migrationFolders.map((folder) => ({
    sortPath: folder.dir,
    files: folder.files,
  }));
  for (const file of files) {
    if (inFolders.has(file) || isDownMigration(file)) continue;
    ordered.push({ sortPath: file, files: [file] });
  }
  ordered.sort((a, b) => compareNatural(a.sortPath, b.sortPath));
  return ordered.flatMap((group) => group.files);
}
