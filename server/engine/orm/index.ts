// Entry point of ORM support for the pipeline: per-file extraction merged into the file's facts, and the
// workspace-wide resolution and schema units (resolve.ts).
import type { ExtractedSql, FileFacts, SourceFile, Suppression } from '../types';
import { resolveOrmQueries as resolveAll } from './resolve';
import { withSyntaxTree } from '../extract/treeSitter';
import { extractSqlAlchemy, SQLALCHEMY_HINT } from './sqlalchemy';
import { extractAlembic, isAlembicRevision } from './alembic';
import { DJANGO_HINT, extractDjango } from './django';
import { extractPrismaSchema } from './prisma';
import { extractPrismaQueries } from './prismaQueries';
import { extractKnexMigration, isKnexMigration } from './knex';
import type { OrmFacts } from './ormTypes';

export { ormSchemaUnits } from './resolve';

/**
 * The last ORM extraction of each file, by path, with the text it came from. Another pass may replace a file's
 * facts after extraction (workload completion parses more Python files); resolution restores what the ORM
 * extractors found for the same text instead of parsing again.
 */
const lastExtraction = new Map<string, { text: string; facts: OrmFacts; statements: ExtractedSql[] }>();

/**
 * Resolves ORM queries against every file's models (see resolve.ts), first restoring ORM facts that a later
 * pass dropped. Returns the files whose statements changed.
 */
export function resolveOrmQueries(facts: Map<string, FileFacts>, texts: ReadonlyMap<string, string>): Set<string> {
  for (const fact of facts.values()) {
    if (fact.orm) continue;
    const previous = lastExtraction.get(fact.file);
    if (!previous || previous.text !== texts.get(fact.file)) continue;
    fact.orm = { ...previous.facts, resolved: [] };
    fact.statements = [...fact.statements, ...previous.statements].sort((a, b) => a.range.start - b.range.start);
  }
  return resolveAll(facts);
}

/**
 * Adds what the ORM extractors find in `file` to the host extractor's facts (or to empty facts when the host
 * extractor had nothing). Files without ORM hints are returned untouched, without a parse.
 */
export async function withOrmFacts(file: SourceFile, facts: FileFacts | undefined): Promise<FileFacts | undefined> {
  const orm = await extractOrm(file);
  if (!orm) {
    lastExtraction.delete(file.path);
    return facts;
  }
  lastExtraction.set(file.path, { text: file.text, facts: orm.facts, statements: orm.statements });
  const merged: FileFacts = facts ?? { file: file.path, language: file.language, statements: [], suppressions: orm.suppressions ?? [] };
  merged.statements = [...merged.statements, ...orm.statements].sort((a, b) => a.range.start - b.range.start);
  merged.orm = orm.facts;
  return merged;
}

interface OrmExtraction {
  facts: OrmFacts;
  statements: ExtractedSql[];
  /** Suppression comments of files no host extractor reads (schema.prisma). */
  suppressions?: Suppression[];
}

async function extractOrm(file: SourceFile): Promise<OrmExtraction | undefined> {
  switch (file.language) {
    case 'python':
      return extractPythonOrm(file);
    case 'prisma': {
      const found = extractPrismaSchema(file);
      return { facts: { models: found.models, queries: [], resolved: [] }, statements: found.statements, suppressions: found.suppressions };
    }
    case 'typescript':
    case 'javascript': {
      const queries = await extractPrismaQueries(file);
      const statements = isKnexMigration(file) ? await extractKnexMigration(file) : [];
      if (queries.length === 0 && statements.length === 0) return undefined;
      return { facts: { models: [], queries, resolved: [] }, statements };
    }
    default:
      return undefined;
  }
}

async function extractPythonOrm(file: SourceFile): Promise<OrmExtraction | undefined> {
  const sqlalchemy = SQLALCHEMY_HINT.test(file.text);
  const django = DJANGO_HINT.test(file.text);
  const alembic = isAlembicRevision(file);
  if (!sqlalchemy && !django && !alembic) return undefined;
  return withSyntaxTree('python', file.text, (tree) => {
    const facts: OrmFacts = { models: [], queries: [], resolved: [] };
    const statements: ExtractedSql[] = [];
    for (const found of [sqlalchemy ? extractSqlAlchemy(file, tree) : undefined, django ? extractDjango(file, tree) : undefined]) {
      if (!found) continue;
      facts.models.push(...found.models);
      facts.queries.push(...found.queries);
      statements.push(...found.statements);
    }
    const revision = alembic ? extractAlembic(file, tree) : undefined;
    if (revision) facts.alembic = revision;
    const empty = facts.models.length === 0 && facts.queries.length === 0 && !facts.alembic;
    return empty ? undefined : { facts, statements };
  });
}
