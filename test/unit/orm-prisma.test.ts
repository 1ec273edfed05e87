// schema.prisma → the DDL `prisma migrate` writes for SQLite; Prisma Client calls → the SQL they send.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { homeOf, ormFacts, querySql, schemaSql, statementsOf } from '../helpers/orm';
import { languageForPath } from '../../server/engine/workspace/files';

const SCHEMA = `// Blog schema
datasource db {
  provider = "sqlite" // a comment with "quotes"
  url      = "file://dev.db"
}

enum Status {
  DRAFT
  PUBLISHED
}

model User {
  id        Int      @id @default(autoincrement())
  email     String   @unique
  name      String?
  posts     Post[]
  createdAt DateTime @default(now()) @map("created_at")

  @@map("users")
}

model Post {
  id        Int      @id @default(autoincrement())
  title     String   @db.VarChar(200)
  status    Status   @default(DRAFT)
  author    User     @relation(fields: [authorId], references: [id], onDelete: Cascade)
  authorId  Int      @map("author_id")
  createdAt DateTime @default(now())
  tags      Tag[]

  @@index([authorId, createdAt(sort: Desc)])
  @@unique([authorId, title], map: "post_author_title")
}

model Tag {
  slug  String @id
  label String
  posts Post[]
}

model Membership {
  userId Int
  teamId Int
  role   String

  @@id([userId, teamId])
}

model Legacy {
  id Int @id
  @@ignore
}
`;

test('.prisma files are read as their own language', () => {
  assert.equal(languageForPath('prisma/schema.prisma'), 'prisma');
  assert.equal(languageForPath('db/SCHEMA.PRISMA'), 'prisma');
});

test('models become Prisma migrate DDL: @id, autoincrement, @map/@@map, relations, @unique/@@unique/@@index, @@id', async () => {
  const facts = await ormFacts({ 'prisma/schema.prisma': SCHEMA });
  assert.deepEqual(schemaSql(facts), [
    'CREATE TABLE "users" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "email" TEXT NOT NULL, "name" TEXT, "created_at" DATETIME NOT NULL)',
    'CREATE UNIQUE INDEX "users_email_key" ON "users" ("email")',
    'CREATE TABLE "Post" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "title" TEXT NOT NULL, "status" TEXT NOT NULL, ' +
      '"author_id" INTEGER NOT NULL, "createdAt" DATETIME NOT NULL, CONSTRAINT "Post_author_id_fkey" FOREIGN KEY ("author_id") ' +
      'REFERENCES "users" ("id") ON DELETE RESTRICT ON UPDATE CASCADE)',
    'CREATE INDEX "Post_author_id_createdAt_idx" ON "Post" ("author_id", "createdAt" DESC)',
    'CREATE UNIQUE INDEX "post_author_title" ON "Post" ("author_id", "title")',
    'CREATE TABLE "Tag" ("slug" TEXT NOT NULL PRIMARY KEY, "label" TEXT NOT NULL)',
    'CREATE TABLE "Membership" ("userId" INTEGER NOT NULL, "teamId" INTEGER NOT NULL, "role" TEXT NOT NULL, PRIMARY KEY ("userId", "teamId"))',
  ]);
  const post = homeOf(facts, 'Post');
  assert.equal(SCHEMA.slice(post.range.start, post.range.end).split('\n')[0], 'model Post {');
  assert.equal(statementsOf(facts, 'schema')[0].language, 'prisma');
});

test('a schema for another database, an unterminated model and garbage give nothing and never throw', async () => {
  const postgres = SCHEMA.replace('provider = "sqlite"', 'provider = "postgresql"');
  assert.deepEqual(schemaSql(await ormFacts({ 'schema.prisma': postgres })), []);
  assert.deepEqual(schemaSql(await ormFacts({ 'schema.prisma': 'model A {\n  id Int @id\n' })), []);
  assert.deepEqual(schemaSql(await ormFacts({ 'schema.prisma': 'model {{ }} @@@ ((( "' })), []);
});

const CLIENT = `import { PrismaClient, Prisma } from '@prisma/client';

const prisma = new PrismaClient();

export class PostService {
  constructor(private readonly db: PrismaClient) {}

  async published(authorId: number, page: number) {
    return this.db.post.findMany({
      where: { authorId, status: 'PUBLISHED', title: { startsWith: 'A' } },
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      take: 20,
      skip: page * 20,
      select: { id: true, title: true },
    });
  }
}

export const byEmail = (email: string) => prisma.user.findUnique({ where: { email } });
export const count = () => prisma.post.count({ where: { OR: [{ status: 'DRAFT' }, { createdAt: { gte: new Date() } }], NOT: { title: null } } });
export const recent = () => prisma.post.findFirst({ where: { id: { in: [1, 2] } }, include: { author: true } });
export const all = () => prisma.tag.findMany();

// Skipped: variable arguments, relation filters, spreads, raw queries, negative take, unknown models.
export const a = (where: Prisma.PostWhereInput) => prisma.post.findMany({ where });
export const b = () => prisma.post.findMany({ where: { author: { email: 'x' } } });
export const c = (extra: object) => prisma.post.findMany({ where: { ...extra } });
export const d = () => prisma.$queryRaw\`SELECT 1\`;
export const e = () => prisma.post.findMany({ take: -5 });
export const f = () => prisma.nothing.findMany({ where: { id: 1 } });
export const g = () => prisma.post.findMany({ where: { title: { search: 'x' } } });
`;

test('Prisma Client calls become the SQL Prisma sends; what it cannot read exactly is skipped', async () => {
  const facts = await ormFacts({ 'prisma/schema.prisma': SCHEMA, 'src/posts.ts': CLIENT });
  assert.deepEqual(querySql(facts, 'src/posts.ts'), [
    'SELECT "Post"."id", "Post"."title" FROM "Post" WHERE ("Post"."author_id" = ? AND "Post"."status" = ? AND "Post"."title" LIKE ?) ' +
      'ORDER BY "Post"."createdAt" DESC, "Post"."id" LIMIT ? OFFSET ?',
    'SELECT "users"."id", "users"."email", "users"."name", "users"."created_at" FROM "users" WHERE "users"."email" = ? LIMIT ? OFFSET ?',
    'SELECT COUNT(*) AS "_count" FROM "Post" WHERE (("Post"."status" = ? OR "Post"."createdAt" >= ?) AND NOT ("Post"."title" IS NULL))',
    'SELECT "Post"."id", "Post"."title", "Post"."status", "Post"."author_id", "Post"."createdAt" FROM "Post" WHERE "Post"."id" IN (?, ?) LIMIT ? OFFSET ?',
    'SELECT "Tag"."slug", "Tag"."label" FROM "Tag"',
  ]);
  const [first] = statementsOf(facts, 'query', 'src/posts.ts');
  assert.ok(CLIENT.slice(first.range.start, first.range.end).startsWith('this.db.post.findMany({'));
  assert.equal(first.enclosingFunction, 'PostService.published');
});
