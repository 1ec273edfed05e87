import * as path from 'node:path';

/** How a migrations folder names its files, learned from the versioned files it already has. */
export interface MigrationNaming {
  /** False when no file carries a version (a `migrations/` folder of plain names): no new name can sort last. */
  versioned: boolean;
  /**
   * Path(s) of a new migration called `slug`, relative to the folder: a file (`0008_slug.sql`), or for
   * folder-per-migration layouts a new folder (`20240607080910_slug/migration.sql`); a down file for up/down pairs.
   */
  next(slug: string): { up: string; down?: string };
}

/** Folder-per-migration layouts keep the SQL under a fixed name: Prisma `migration.sql`, Diesel `up.sql` (+ `down.sql`). */
const FOLDER_LAYOUT_FILES = new Set(['migration.sql', 'up.sql']);

/** `V3__x`, `V2_1__x`, `V1.1__x` (Flyway): the major version counts. */
const FLYWAY = /^([Vv])(\d+)(?:[._]\d+)*__/;

/** `0007_x`, `1_x`, `20240101120000_x`, `2024-01-01-000000_x` (Diesel): digits, maybe dash-separated, then `_` or `-`. */
const NUMBERED = /^(\d+(?:-\d+)*)([_-])/;

/** A version made of a date: 8+ digits starting with a plausible year and month. */
const DATE_LIKE = /^(19|20)\d\d(0[1-9]|1[0-2])/;

interface MigrationName {
  /** The name that carries the version: the file name, or the folder name in folder layouts. */
  key: string;
  /** Fixed file name inside the folder for folder layouts (`migration.sql`, `up.sql`). */
  layoutFile?: string;
}

function migrationName(file: string): MigrationName {
  const name = path.posix.basename(file);
  const folder = path.posix.basename(path.posix.dirname(file));
  if (FOLDER_LAYOUT_FILES.has(name.toLowerCase()) && /^\d/.test(folder)) return { key: folder, layoutFile: name };
  return { key: name };
}

/** True when the file (or its folder, in folder-per-migration layouts) is named with a version this module can continue. */
export function hasMigrationVersion(file: string): boolean {
  const { key } = migrationName(file);
  return FLYWAY.test(key) || NUMBERED.test(key);
}

function utcDigits(date: Date): string {
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  return (
    pad(date.getUTCFullYear(), 4) +
    pad(date.getUTCMonth() + 1) +
    pad(date.getUTCDate()) +
    pad(date.getUTCHours()) +
    pad(date.getUTCMinutes()) +
    pad(date.getUTCSeconds())
  );
}

/** Puts `digits` into the shape of `template`: `2024-01-01-000000` keeps its dashes at the same places. */
function shapedLike(template: string, digits: string): string {
  const groups = template.split('-');
  if (groups.length === 1) return digits;
  const last = groups.length - 1;
  const shaped: string[] = [];
  let at = 0;
  for (const [i, group] of groups.entries()) {
    const width = i === last ? digits.length - at : group.length;
    shaped.push(digits.slice(at, at + width));
    at += width;
  }
  return shaped.join('-');
}

/**
 * The next version after `newest`, in the same form as `template` (the newest file's version): timestamps
 * use `now` unless the clock is behind the newest file, numbers count up and keep their padding.
 */
function nextVersion(template: string, newest: bigint, now: Date): string {
  const width = template.replace(/-/g, '').length;
  let next = newest + 1n;
  if (width >= 8 && DATE_LIKE.test(template.replace(/-/g, ''))) {
    const fromClock = BigInt(utcDigits(now).slice(0, width).padEnd(width, '0'));
    if (fromClock > newest) next = fromClock;
  }
  return shapedLike(template, String(next).padStart(width, '0'));
}

function largest(versions: bigint[]): bigint {
  return versions.reduce((max, version) => (version > max ? version : max), 0n);
}

/** What the file names say, independent of the clock. */
interface Convention {
  versioned: boolean;
  /** The new migration's name (file or folder) for a slug, before the extension or layout file. */
  key(slug: string, now: Date): string;
  /** File(s) for a new migration name, relative to the folder. */
  place(key: string): { up: string; down?: string };
}

function learnConvention(files: string[]): Convention {
  const names = files.map(migrationName);
  const layoutFile = names.find((name) => name.layoutFile)?.layoutFile;
  const upDown = !layoutFile && names.some((name) => /\.up\.sql$/i.test(name.key));
  const place = (key: string): { up: string; down?: string } => {
    if (layoutFile) {
      return layoutFile.toLowerCase() === 'up.sql' ? { up: `${key}/${layoutFile}`, down: `${key}/down.sql` } : { up: `${key}/${layoutFile}` };
    }
    return upDown ? { up: `${key}.up.sql`, down: `${key}.down.sql` } : { up: `${key}.sql` };
  };

  const flyway = names.map((name) => FLYWAY.exec(name.key)).filter((match) => match !== null);
  const numbered = names.map((name) => NUMBERED.exec(name.key)).filter((match) => match !== null);
  // Repeatable (R__) and unversioned files sort after versioned ones; the convention comes from the versioned.
  if (flyway.length > 0 && flyway.length >= numbered.length) {
    const prefix = flyway[flyway.length - 1][1];
    const major = largest(flyway.map((match) => BigInt(match[2])));
    return { versioned: true, key: (slug) => `${prefix}${major + 1n}__${slug}`, place };
  }
  if (numbered.length > 0) {
    const [, template, separator] = numbered[numbered.length - 1];
    const newest = largest(numbered.map((match) => BigInt(match[1].replace(/-/g, ''))));
    return { versioned: true, key: (slug, now) => `${nextVersion(template, newest, now)}${separator}${slug}`, place };
  }
  return { versioned: false, key: (slug) => `${String(names.length + 1).padStart(4, '0')}_${slug}`, place };
}

// Every finding on a table of one folder asks with the same list; parsing hundreds of names each time adds up.
const conventions = new WeakMap<string[], { files: string[]; convention: Convention }>();

function conventionOf(files: string[]): Convention {
  const cached = conventions.get(files);
  if (cached && cached.files.length === files.length && cached.files.every((file, i) => file === files[i])) return cached.convention;
  const convention = learnConvention(files);
  conventions.set(files, { files: [...files], convention });
  return convention;
}

/**
 * Learns the convention from the existing files (in applied order) so the new migration sorts last:
 * `0007_name.sql` (zero-padded numbers, width kept), `12_name.sql`, `YYYYMMDDHHMMSS_name.sql` (sqlx,
 * golang-migrate), `V7__name.sql` (Flyway), `.up.sql`/`.down.sql` pairs, and folder-per-migration layouts
 * (Prisma `<stamp>_name/migration.sql`, Diesel `<yyyy-mm-dd-hhmmss>_name/up.sql` + `down.sql`).
 */
export function learnMigrationNaming(files: string[], now: Date = new Date()): MigrationNaming {
  const convention = conventionOf(files);
  return { versioned: convention.versioned, next: (slug) => convention.place(convention.key(slug, now)) };
}
