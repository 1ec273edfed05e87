// learnMigrationNaming: the next migration's file name follows the folder's convention and sorts last.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { learnMigrationNaming } from '../../server/engine/fixes/migrationNaming';
import { compareMigrationFiles } from '../../server/engine/schema/order';

const NOW = new Date(Date.UTC(2024, 5, 7, 8, 9, 10)); // 2024-06-07 08:09:10 UTC

/** The new file sorts after every existing one, in the order the schema builder applies migrations. */
function assertSortsLast(files: string[], next: string): void {
  const ordered = [...files, next].sort(compareMigrationFiles);
  assert.equal(ordered[ordered.length - 1], next, ordered.join('\n'));
}

test('zero-padded numbers keep their width and separator', () => {
  const files = ['db/migrations/0001_init.sql', 'db/migrations/0002_users.sql', 'db/migrations/0007_x.sql'];
  const naming = learnMigrationNaming(files, NOW);
  assert.equal(naming.versioned, true);
  assert.deepEqual(naming.next('add_idx_users_email'), { up: '0008_add_idx_users_email.sql' });
  assert.deepEqual(learnMigrationNaming(['m/001-init.sql', 'm/002-x.sql'], NOW).next('s'), { up: '003-s.sql' });
  assertSortsLast(files, 'db/migrations/0008_add_idx_users_email.sql');
});

test('plain numbers: the next one after the largest, not after the last by name', () => {
  const files = Array.from({ length: 12 }, (_, i) => `migrations/${i + 1}_${i === 0 ? 'init' : 'x'}.sql`);
  const next = learnMigrationNaming(files, NOW).next('add_i');
  assert.deepEqual(next, { up: '13_add_i.sql' });
  assertSortsLast(files, `migrations/${next.up}`);
  // Widths that outgrow their padding: 0999 → 1000.
  assert.deepEqual(learnMigrationNaming(['m/0998_a.sql', 'm/0999_b.sql'], NOW).next('c'), { up: '1000_c.sql' });
});

test('timestamps: now when the clock is ahead, one after the newest when it is behind', () => {
  const files = ['migrations/20240101120000_init.sql'];
  assert.deepEqual(learnMigrationNaming(files, NOW).next('add_i'), { up: '20240607080910_add_i.sql' });
  const future = ['migrations/20240101120000_init.sql', 'migrations/20991231235959_later.sql'];
  const next = learnMigrationNaming(future, NOW).next('add_i');
  assert.deepEqual(next, { up: '20991231235960_add_i.sql' });
  assertSortsLast(future, `migrations/${next.up}`);
  // 12-digit stamps (minutes) and 8-digit dates keep their precision.
  assert.deepEqual(learnMigrationNaming(['m/202401011200_a.sql', 'm/202401021200_b.sql'], NOW).next('c'), { up: '202406070809_c.sql' });
  assert.deepEqual(learnMigrationNaming(['m/20240101_a.sql', 'm/20240102_b.sql'], NOW).next('c'), { up: '20240607_c.sql' });
  // Unix seconds are just numbers.
  assert.deepEqual(learnMigrationNaming(['m/1704067200_a.sql', 'm/1704067300_b.sql'], NOW).next('c'), { up: '1704067301_c.sql' });
});

test('Flyway: V<n+1>__, dotted versions count by their major part, repeatables do not hide the convention', () => {
  assert.deepEqual(learnMigrationNaming(['sql/V1__init.sql', 'sql/V3__x.sql'], NOW).next('add_i'), { up: 'V4__add_i.sql' });
  assert.deepEqual(learnMigrationNaming(['sql/V1__init.sql', 'sql/V2_1__x.sql'], NOW).next('a'), { up: 'V3__a.sql' });
  const withRepeatable = ['sql/V1__init.sql', 'sql/V2__x.sql', 'sql/R__views.sql'];
  const next = learnMigrationNaming(withRepeatable, NOW).next('add_i');
  assert.deepEqual(next, { up: 'V3__add_i.sql' });
});

test('up/down pairs get both files', () => {
  const files = ['migrations/0001_x.up.sql', 'migrations/0002_y.up.sql'];
  assert.deepEqual(learnMigrationNaming(files, NOW).next('add_i'), { up: '0003_add_i.up.sql', down: '0003_add_i.down.sql' });
  assert.deepEqual(learnMigrationNaming(['m/20240101120000_a.up.sql'], NOW).next('b'), {
    up: '20240607080910_b.up.sql',
    down: '20240607080910_b.down.sql',
  });
});

test('folder-per-migration layouts get a new folder: Prisma migration.sql, Diesel up.sql + down.sql', () => {
  const prisma = ['prisma/migrations/20240101000000_init/migration.sql', 'prisma/migrations/20240202000000_two/migration.sql'];
  const next = learnMigrationNaming(prisma, NOW).next('add_i');
  assert.deepEqual(next, { up: '20240607080910_add_i/migration.sql' });
  assertSortsLast(prisma, `prisma/migrations/${next.up}`);

  const diesel = ['migrations/2024-01-01-000000_create_users/up.sql', 'migrations/2024-02-01-000000_posts/up.sql'];
  const dieselNext = learnMigrationNaming(diesel, NOW).next('add_i');
  assert.deepEqual(dieselNext, { up: '2024-06-07-080910_add_i/up.sql', down: '2024-06-07-080910_add_i/down.sql' });
  assertSortsLast(diesel, `migrations/${dieselNext.up}`);
  const behind = ['migrations/2099-01-01-000000_future/up.sql'];
  assert.deepEqual(learnMigrationNaming(behind, NOW).next('a').up, '2099-01-01-000001_a/up.sql');
});

test('unversioned folders, empty lists and odd names: reported as unversioned, never throws', () => {
  const unversioned = learnMigrationNaming(['migrations/schema.sql', 'migrations/seed.sql'], NOW);
  assert.equal(unversioned.versioned, false);
  assert.equal(learnMigrationNaming([], NOW).versioned, false);
  // A stray unversioned file after the versioned ones does not change the convention.
  assert.deepEqual(learnMigrationNaming(['m/0001_a.sql', 'm/0002_b.sql', 'm/seed.sql'], NOW).next('c'), { up: '0003_c.sql' });
  assert.doesNotThrow(() => learnMigrationNaming(['', '/', 'm/.sql', 'm/V__x.sql', 'm/99999999999999999999999_x.sql'], NOW).next('x'));
  // Versions beyond 2^53 still increase exactly.
  assert.deepEqual(learnMigrationNaming(['m/99999999999999999999999_x.sql'], NOW).next('y'), { up: '100000000000000000000000_y.sql' });
});
