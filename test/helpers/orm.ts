import { withOrmFacts, resolveOrmQueries } from '../../server/engine/orm';
import { languageForPath } from '../../server/engine/workspace/files';
import type { ExtractedSql, FileFacts, OrmModelHome } from '../../server/engine/types';

/** Runs the ORM extractors on in-memory files and resolves their queries, as a workspace run does. */
export async function ormFacts(files: Record<string, string>): Promise<Map<string, FileFacts>> {
  const facts = new Map<string, FileFacts>();
  for (const [path, text] of Object.entries(files)) {
    const language = languageForPath(path) ?? 'python';
    const fact = await withOrmFacts({ path, language, text }, undefined);
    if (fact) facts.set(path, fact);
  }
  resolveOrmQueries(facts, new Map(Object.entries(files)));
  return facts;
}

export function statementsOf(facts: Map<string, FileFacts>, role: ExtractedSql['role'], file?: string): ExtractedSql[] {
  return [...facts.values()]
    .filter((fact) => file === undefined || fact.file === file)
    .flatMap((fact) => fact.statements)
    .filter((statement) => statement.role === role);
}

/** SQL of every query, in file and source order. */
export function querySql(facts: Map<string, FileFacts>, file?: string): string[] {
  return statementsOf(facts, 'query', file).map((statement) => statement.sql);
}

/** Generated DDL split into statements. */
export function schemaSql(facts: Map<string, FileFacts>, file?: string): string[] {
  return statementsOf(facts, 'schema', file).flatMap((statement) => statement.sql.split(';\n').map((sql) => sql.replace(/;$/, '')));
}

export function homeOf(facts: Map<string, FileFacts>, model: string): OrmModelHome {
  for (const statement of statementsOf(facts, 'schema')) {
    if (statement.home?.kind === 'orm-model' && statement.home.model === model) return statement.home;
  }
  throw new Error(`no model ${model}`);
}
