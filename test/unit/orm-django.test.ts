// Django models → the DDL Django's SQLite backend writes (checked against Django 3.2's schema editor), and
// querysets → the SQL it sends, with Meta.ordering applied across files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { homeOf, ormFacts, querySql, schemaSql, statementsOf } from '../helpers/orm';

const MODELS = `from django.conf import settings
from django.db import models


class Stamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class Author(models.Model):
    name = models.CharField(max_length=100)
    email = models.EmailField(unique=True)


class Entry(Stamped):
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="entries")
    editor = models.ForeignKey("Author", on_delete=models.SET_NULL, null=True, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, db_index=False)
    headline = models.CharField(max_length=255, db_index=True)
    status = models.CharField(max_length=20, default="draft")
    rating = models.IntegerField(null=True)
    body = models.TextField(db_column="content")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "-created_at"], name="entry_status_created")]
        unique_together = [("author", "headline")]
        index_together = ("status", "rating")


class Tag(models.Model):
    slug = models.SlugField(primary_key=True)

    class Meta:
        db_table = "tags"
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="uq_tag_slug"),
            models.UniqueConstraint(fields=["slug"], condition=models.Q(slug__gt=""), name="partial"),
        ]
`;

test('models become Django SQLite DDL: app_model tables, <fk>_id columns with their index, Meta options', async () => {
  const facts = await ormFacts({ 'blog/models.py': MODELS });
  assert.deepEqual(schemaSql(facts), [
    'CREATE TABLE "blog_author" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(100) NOT NULL, "email" varchar(254) NOT NULL UNIQUE)',
    'CREATE TABLE "blog_entry" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "created_at" datetime NOT NULL, ' +
      '"author_id" integer NOT NULL REFERENCES "blog_author" ("id") DEFERRABLE INITIALLY DEFERRED, ' +
      '"editor_id" integer NULL REFERENCES "blog_author" ("id") DEFERRABLE INITIALLY DEFERRED, "owner_id" integer NOT NULL, ' +
      '"headline" varchar(255) NOT NULL, "status" varchar(20) NOT NULL, "rating" integer NULL, "content" text NOT NULL)',
    'CREATE INDEX "blog_entry_author_id_81ca74ac" ON "blog_entry" ("author_id")',
    'CREATE INDEX "blog_entry_editor_id_f5ac03cc" ON "blog_entry" ("editor_id")',
    'CREATE INDEX "blog_entry_headline_5d6b8c3c" ON "blog_entry" ("headline")',
    'CREATE UNIQUE INDEX "blog_entry_author_id_headline_4402b286_uniq" ON "blog_entry" ("author_id", "headline")',
    'CREATE INDEX "blog_entry_status_rating_d7bff2eb_idx" ON "blog_entry" ("status", "rating")',
    'CREATE INDEX "entry_status_created" ON "blog_entry" ("status", "created_at" DESC)',
    'CREATE TABLE "tags" ("slug" varchar(50) NOT NULL PRIMARY KEY)',
    // The conditional constraint is left out rather than written without its condition.
    'CREATE UNIQUE INDEX "uq_tag_slug" ON "tags" ("slug")',
  ]);
  assert.deepEqual(homeOf(facts, 'Entry').range.start, MODELS.indexOf('class Entry'));
});

const VIEWS = `from django.db.models import Q

from .models import Author, Entry


def views(request, author_id):
    a = Entry.objects.filter(author_id=1, rating__gte=3, status__in=["a", "b"])
    b = Entry.objects.filter(author=1).exclude(status="x").order_by("-rating")[:10]
    c = Entry.objects.filter(Q(status="a") | Q(rating__isnull=True)).order_by("created_at", "-id")[5:15]
    d = Entry.objects.select_related("author").filter(author__name="x")
    e = Entry.objects.filter(author__name__startswith="x", headline__icontains="y").values("id", "headline")
    f = Entry.objects.filter(status="x").count()
    g = Entry.objects.filter(status="x").exists()
    h = Entry.objects.filter(status="x").first()
    i = Entry.objects.filter(status="x")[:3]
    j = Entry.objects.get(pk=3)
    k = Author.objects.filter(name=request.GET["q"]).order_by("email").last()
    m = Entry.objects.filter(author__id=4).update(status="y")
`;

const ENTRY_COLUMNS =
  '"blog_entry"."id", "blog_entry"."created_at", "blog_entry"."author_id", "blog_entry"."editor_id", "blog_entry"."owner_id", ' +
  '"blog_entry"."headline", "blog_entry"."status", "blog_entry"."rating", "blog_entry"."content"';

test('querysets become the SQL Django sends, with Meta.ordering from the model file', async () => {
  const facts = await ormFacts({ 'blog/models.py': MODELS, 'blog/views.py': VIEWS });
  assert.deepEqual(querySql(facts, 'blog/views.py'), [
    `SELECT ${ENTRY_COLUMNS} FROM "blog_entry" WHERE ("blog_entry"."author_id" = ? AND "blog_entry"."rating" >= ? AND "blog_entry"."status" IN (?, ?)) ORDER BY "blog_entry"."created_at" DESC`,
    `SELECT ${ENTRY_COLUMNS} FROM "blog_entry" WHERE "blog_entry"."author_id" = ? AND NOT ("blog_entry"."status" = ?) ORDER BY "blog_entry"."rating" DESC LIMIT 10`,
    `SELECT ${ENTRY_COLUMNS} FROM "blog_entry" WHERE ("blog_entry"."status" = ? OR "blog_entry"."rating" IS NULL) ORDER BY "blog_entry"."created_at", "blog_entry"."id" DESC LIMIT 10 OFFSET 5`,
    `SELECT ${ENTRY_COLUMNS}, "blog_author"."id", "blog_author"."name", "blog_author"."email" FROM "blog_entry" INNER JOIN "blog_author" ON ("blog_entry"."author_id" = "blog_author"."id") WHERE "blog_author"."name" = ? ORDER BY "blog_entry"."created_at" DESC`,
    `SELECT "blog_entry"."id", "blog_entry"."headline" FROM "blog_entry" INNER JOIN "blog_author" ON ("blog_entry"."author_id" = "blog_author"."id") WHERE ("blog_author"."name" LIKE ? ESCAPE '\\' AND "blog_entry"."headline" LIKE ? ESCAPE '\\') ORDER BY "blog_entry"."created_at" DESC`,
    'SELECT COUNT(*) AS "__count" FROM "blog_entry" WHERE "blog_entry"."status" = ?',
    'SELECT 1 AS "a" FROM "blog_entry" WHERE "blog_entry"."status" = ? LIMIT 1',
    `SELECT ${ENTRY_COLUMNS} FROM "blog_entry" WHERE "blog_entry"."status" = ? ORDER BY "blog_entry"."created_at" DESC LIMIT 1`,
    `SELECT ${ENTRY_COLUMNS} FROM "blog_entry" WHERE "blog_entry"."status" = ? ORDER BY "blog_entry"."created_at" DESC LIMIT 3`,
    `SELECT ${ENTRY_COLUMNS} FROM "blog_entry" WHERE "blog_entry"."id" = ? LIMIT 21`,
    'SELECT "blog_author"."id", "blog_author"."name", "blog_author"."email" FROM "blog_author" WHERE "blog_author"."name" = ? ORDER BY "blog_author"."email" DESC LIMIT 1',
    'UPDATE "blog_entry" SET "status"=? WHERE "blog_entry"."author_id" = ?',
  ]);
  const [first] = statementsOf(facts, 'query', 'blog/views.py');
  assert.equal(VIEWS.slice(first.range.start, first.range.end), 'Entry.objects.filter(author_id=1, rating__gte=3, status__in=["a", "b"])');
  assert.equal(first.enclosingFunction, 'views');
});

test('custom managers, annotations, F/Q expressions it cannot read, deep lookups and garbage are skipped without noise', async () => {
  const facts = await ormFacts({
    'blog/models.py': MODELS,
    'blog/skip.py': `from django.db.models import Count, F

def skip(filters):
    Entry.published.filter(status="x")
    Entry.objects.annotate(n=Count("id")).filter(n__gt=1)
    Entry.objects.filter(**filters)
    Entry.objects.filter(author__profile__city="x")
    Entry.objects.filter(created_at__year=2024)
    Entry.objects.order_by("?")
    Entry.objects.filter(rating__gt=F("status"), nope=1)
    Unknown.objects.filter(a=1)
    Entry.objects.filter(headline=
`,
  });
  assert.deepEqual(querySql(facts, 'blog/skip.py'), []);
});
