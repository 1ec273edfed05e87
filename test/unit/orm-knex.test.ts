// Knex migrations → the DDL Knex's SQLite dialect writes; `down` is never applied.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ormFacts, schemaSql } from '../helpers/orm';
import { ormSchemaUnits } from '../../server/engine/orm';

test('createTable/alterTable builders become SQLite DDL; raw CREATE INDEX is kept; down and other folders are ignored', async () => {
  const facts = await ormFacts({
    'db/migrations/20240101_init.ts': `import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema
    .createTable('users', (table) => {
      table.increments('id');
      table.string('email').notNullable().unique();
      table.boolean('active');
      table.index(['active', 'email']);
    })
    .createTable('memberships', (t) => {
      t.integer('user_id').references('users.id');
      t.integer('team_id').notNullable();
      t.primary(['user_id', 'team_id']);
      t.unique(['team_id', 'user_id'], 'team_user');
    });
  await knex.raw('CREATE INDEX IF NOT EXISTS users_lower_email ON users (lower(email))');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.createTable('ghost', (t) => { t.increments('id'); });
}
`,
    'db/migrations/20240202_more.js': `module.exports = {
  up: (knex) => knex.schema.table('users', (t) => { t.text('bio'); t.dropColumn('active'); }),
  down: (knex) => knex.schema.table('users', (t) => { t.dropColumn('bio'); }),
};
`,
    'src/notmigrations/setup.js': `knex.schema.createTable('x', (t) => { t.increments('id'); });`,
  });
  assert.deepEqual(schemaSql(facts), [
    'create table `users` (`id` integer not null primary key autoincrement, `email` varchar(255) not null, `active` boolean)',
    'create unique index `users_email_unique` on `users` (`email`)',
    'create index `users_active_email_index` on `users` (`active`, `email`)',
    'create table `memberships` (`user_id` integer, `team_id` integer not null, primary key (`user_id`, `team_id`), ' +
      'foreign key(`user_id`) references `users`(`id`))',
    'create unique index `team_user` on `memberships` (`team_id`, `user_id`)',
    'CREATE INDEX IF NOT EXISTS users_lower_email ON users (lower(email))',
    'alter table `users` add column `bio` text',
    'alter table `users` drop column `active`',
  ]);
  assert.deepEqual(
    ormSchemaUnits(facts.values()).map((unit) => [unit.label, unit.priority]),
    [
      ['db/migrations/20240101_init.ts', 2.5],
      ['db/migrations/20240202_more.js', 2.5],
    ],
  );
});

test('half-written migrations never throw', async () => {
  for (const text of ["exports.up = (knex) => knex.schema.createTable('a', (t) => { t.string(", 'knex.schema.createTable(', "knex.schema.alterTable('a')"]) {
    const facts = await ormFacts({ 'migrations/1_x.js': text });
    assert.ok(Array.isArray(schemaSql(facts)));
  }
});
