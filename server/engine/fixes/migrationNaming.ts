import * as path from 'node:path';

/** How a migrations folder names its files, learned from its newest file. */
export interface MigrationNaming {
  /** File name(s) for a new migration called `slug` (a down file for up/down pairs). */
  next(slug: string): { up: string; down?: string };
}

function timestamp(date: Date): string {
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

/**
 * Learns the convention from the existing files (in applied order) so the new file sorts last:
 * `YYYYMMDDHHMMSS_name.sql` (sqlx, golang-migrate), `0007_name.sql` (zero-padded numbers, width kept),
 * `V7__name.sql` (Flyway), and `.up.sql`/`.down.sql` pairs.
 */
export function learnMigrationNaming(files: string[], now: Date = new Date()): MigrationNaming {
  const names = files.map((file) => path.posix.basename(file));
  const last = names[names.length - 1] ?? '';
  const upDown = names.some((name) => /\.up\.sql$/i.test(name));
  const extension = upDown ? '.up.sql' : '.sql';
  const withDown = (up: string) => (upDown ? { up, down: up.replace(/\.up\.sql$/i, '.down.sql') } : { up });

  const flyway = /^V(\d+)__/i.exec(last);
  if (flyway) {
    const maxVersion = Math.max(...names.map((name) => Number(/^V(\d+)__/i.exec(name)?.[1] ?? 0)));
    return { next: (slug) => withDown(`V${maxVersion + 1}__${slug}${extension}`) };
  }
  const numbered = /^(\d+)([_-])/.exec(last);
  if (numbered && numbered[1].length >= 12) {
    // Timestamps: now, or one second after the newest file if the clock is behind it.
    const newest = names.map((name) => /^(\d+)/.exec(name)?.[1] ?? '').sort().pop() ?? '';
    let stamp = timestamp(now).slice(0, numbered[1].length).padEnd(numbered[1].length, '0');
    if (stamp <= newest) stamp = String(BigInt(newest) + 1n).padStart(numbered[1].length, '0');
    return { next: (slug) => withDown(`${stamp}${numbered[2]}${slug}${extension}`) };
  }
  if (numbered) {
    const width = numbered[1].length;
    const maxNumber = Math.max(...names.map((name) => Number(/^(\d+)/.exec(name)?.[1] ?? 0)));
    const number = String(maxNumber + 1).padStart(width, '0');
    return { next: (slug) => withDown(`${number}${numbered[2]}${slug}${extension}`) };
  }
  return { next: (slug) => withDown(`${String(names.length + 1).padStart(4, '0')}_${slug}${extension}`) };
}
