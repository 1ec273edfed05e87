// The workspace-wide step of ORM support: once every file's models are known, query chains become SQL
// statements (added to their file's facts like any extracted query) and Alembic revisions are ordered and
// filtered. Runs after extraction and after every file update; files whose statements changed are returned so
// their cached findings can be dropped.
import * as path from 'node:path';
import type { ExtractedSql, FileFacts, SchemaHome } from '../types';
import type { SchemaUnit } from '../schema/schemaBuilder';
import { quoteIdentifier } from '../sql/identifiers';
import { compareNatural } from '../schema/order';
import type { AlembicTarget } from './fixAnchors';
import { columnToken, renderTemplate, type OrmKind, type OrmModel, type OrmQuery, type TemplateToken } from './ormTypes';

/** Models by ORM and name; a name defined in several files resolves only inside its own file. */
class ModelRegistry {
  private readonly byName = new Map<string, OrmModel[]>();
  private readonly byTable = new Map<string, OrmModel[]>();

  constructor(models: OrmModel[]) {
    for (const model of models) {
      push(this.byName, `${model.orm}\u0000${model.name.toLowerCase()}`, model);
      push(this.byTable, `${model.orm}\u0000${model.table.toLowerCase()}`, model);
    }
  }

  /** Prisma clients name models in camelCase (`prisma.userProfile`), hence the case-insensitive key. */
  lookup(orm: OrmKind, name: string, file: string): OrmModel | undefined {
    return pick(this.byName.get(`${orm}\u0000${name.toLowerCase()}`), file);
  }

  lookupTable(orm: OrmKind, table: string, file: string): OrmModel | undefined {
    return pick(this.byTable.get(`${orm}\u0000${table.toLowerCase()}`), file);
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function pick(candidates: OrmModel[] | undefined, file: string): OrmModel | undefined {
  if (!candidates || candidates.length === 0) return undefined;
  const local = candidates.find((model) => model.file === file);
  if (local) return local;
  const tables = new Set(candidates.map((model) => model.table.toLowerCase()));
  return tables.size === 1 ? candidates[0] : undefined;
}

/** The fingerprint each file's ORM statements were last resolved with. */
const resolvedWith = new WeakMap<FileFacts, string>();

/**
 * Resolves every file's ORM queries into statements and applies Alembic revisions that no model shadows.
 * Mutates the facts (their `statements`) and returns the files whose statements changed.
 */
export function resolveOrmQueries(facts: Map<string, FileFacts>): Set<string> {
  const changed = new Set<string>();
  const withOrm = [...facts.values()].filter((fact) => fact.orm);
  const models = withOrm.flatMap((fact) => fact.orm?.models ?? []);
  const alembicTargets = alembicFolders(withOrm);
  const fingerprint = registryFingerprint(models, alembicTargets);
  const registry = new ModelRegistry(models);
  const modelTables = new Set(models.filter((model) => model.orm === 'sqlalchemy').map((model) => model.table.toLowerCase()));

  for (const fact of withOrm) {
    const orm = fact.orm;
    if (!orm || resolvedWith.get(fact) === fingerprint) continue;
    resolvedWith.set(fact, fingerprint);
    const resolved: ExtractedSql[] = [];
    for (const query of orm.queries) {
      const sql = renderQuery(query, registry, fact.file);
      if (sql !== undefined) resolved.push(queryStatement(fact, query, sql));
    }
    // A model is the table's current state: revisions that build the same table would only collide with it.
    for (const statement of orm.alembic?.statements ?? []) {
      const table = statement.home?.kind === 'orm-model' ? statement.home.model.toLowerCase() : '';
      if (!modelTables.has(table)) resolved.push(statement);
    }
    for (const statement of fact.statements) attachAlembicTarget(statement.home, alembicTargets);
    for (const statement of orm.alembic?.statements ?? []) attachAlembicTarget(statement.home, alembicTargets);

    const previous = new Set(orm.resolved);
    const own = fact.statements.filter((statement) => !previous.has(statement));
    const before = statementKeys(orm.resolved);
    orm.resolved = resolved;
    fact.statements = [...own, ...resolved].sort((a, b) => a.range.start - b.range.start);
    if (statementKeys(resolved) !== before) changed.add(fact.file);
  }
  return changed;
}

function statementKeys(statements: ExtractedSql[]): string {
  return statements.map((s) => `${s.range.start}:${s.range.end}:${s.role}:${s.sql}`).join('\u0000');
}

function registryFingerprint(models: OrmModel[], alembic: Map<string, AlembicTarget>): string {
  const parts = models.map(
    (model) =>
      `${model.orm}|${model.name}|${model.table}|${model.file}|${model.columns.map((c) => `${c.attr}=${c.column}`).join(',')}|` +
      `${model.primaryKey.join(',')}|${model.foreignKeys.map((fk) => `${fk.attr}>${fk.targetModel ?? fk.targetTable}.${fk.targetColumn ?? ''}:${fk.nullable}`).join(',')}|` +
      `${(model.defaultOrder ?? []).map((term) => `${term.attr}:${term.desc}`).join(',')}`,
  );
  for (const [dir, target] of alembic) parts.push(`alembic|${dir}|${target.head ?? ''}|${target.files.join(',')}`);
  return parts.sort().join('\n');
}

function queryStatement(fact: FileFacts, query: OrmQuery, sql: string): ExtractedSql {
  const range = { ...query.range };
  const statement: ExtractedSql = {
    file: fact.file,
    language: fact.language,
    sql,
    range,
    // Generated SQL has no per-character source: everything maps to the chain's start, the end to its end.
    sqlToFile: (offset) => (offset >= sql.length ? range.end : range.start),
    role: 'query',
    certainty: 'executed',
  };
  if (query.enclosingFunction !== undefined) statement.enclosingFunction = query.enclosingFunction;
  return statement;
}

// ---------------------------------------------------------------------------------------------
// rendering a query

/** How each ORM quotes identifiers in the SQL it sends: SQLAlchemy only when needed, Django and Prisma always. */
function quoterFor(orm: OrmKind): (name: string) => string {
  return orm === 'sqlalchemy' ? quoteIdentifier : (name) => `"${name.replace(/"/g, '""')}"`;
}

function renderQuery(query: OrmQuery, registry: ModelRegistry, file: string): string | undefined {
  const quote = quoterFor(query.orm);
  const lookup = (name: string) => registry.lookup(query.orm, name, file);
  const from = lookup(query.from);
  if (!from) return undefined;
  const present: OrmModel[] = [from];
  /** Models a SQLAlchemy expression mentions without a join: SQLAlchemy adds them to FROM. */
  const implicit: OrmModel[] = [];
  const column = (model: OrmModel, attr: string) => {
    const found = model.columns.find((c) => c.attr === attr);
    return found ? `${quote(model.table)}.${quote(found.column)}` : undefined;
  };
  const linkTarget = (model: OrmModel, attr: string): { target: OrmModel; on: string; nullable: boolean } | undefined => {
    const fk = model.foreignKeys.find((candidate) => candidate.attr === attr);
    if (!fk) return undefined;
    const target = fk.targetModel ? lookup(fk.targetModel) : fk.targetTable ? registry.lookupTable(query.orm, fk.targetTable, file) : undefined;
    if (!target) return undefined;
    const targetColumn = fk.targetColumn ?? (target.primaryKey.length === 1 ? target.primaryKey[0] : undefined);
    if (!targetColumn) return undefined;
    return {
      target,
      on: `${quote(model.table)}.${quote(fk.column)} = ${quote(target.table)}.${quote(targetColumn)}`,
      nullable: fk.nullable,
    };
  };
  const render = (template: string) =>
    renderTemplate(template, (token: TemplateToken) => {
      const model = lookup(token.model);
      if (token.kind === 'l') {
        const link = model ? linkTarget(model, token.link) : undefined;
        return link ? column(link.target, token.attr) : undefined;
      }
      const rendered = model ? column(model, token.attr) : undefined;
      if (rendered === undefined) return token.kind === 'v' ? '?' : undefined;
      if (model && !present.includes(model) && !implicit.includes(model)) {
        if (query.orm !== 'sqlalchemy') return undefined;
        implicit.push(model);
      }
      return rendered;
    });

  // Joins first: their models become present for the expressions after them.
  const joinClauses: string[] = [];
  /** Models whose columns join the result (Django select_related). */
  const selectedLinks: OrmModel[] = [];
  for (const join of query.joins) {
    const keyword = join.outer ? 'LEFT OUTER JOIN' : query.orm === 'sqlalchemy' ? 'JOIN' : 'INNER JOIN';
    if (join.kind === 'model') {
      const target = lookup(join.model);
      if (!target || present.some((model) => model.table === target.table)) return undefined;
      present.push(target);
      const on = join.on !== undefined ? render(join.on) : foreignKeyCondition(present.slice(0, -1), target, quote, registry, query.orm, file);
      if (on === undefined) return undefined;
      joinClauses.push(`${keyword} ${quote(target.table)} ON ${on}`);
    } else {
      const source = lookup(join.model);
      const link = source ? linkTarget(source, join.attr) : undefined;
      if (!link) return undefined;
      if (join.selected) selectedLinks.push(link.target);
      if (present.includes(link.target)) continue;
      if (present.some((model) => model.table === link.target.table)) return undefined;
      present.push(link.target);
      const linkKeyword = join.outer && link.nullable ? 'LEFT OUTER JOIN' : 'INNER JOIN';
      joinClauses.push(`${linkKeyword} ${quote(link.target.table)} ON ${query.orm === 'django' ? `(${link.on})` : link.on}`);
    }
  }

  const where: string[] = [];
  for (const condition of query.where) {
    const rendered = render(condition);
    if (rendered === undefined) return undefined;
    where.push(rendered);
  }
  if (query.byPrimaryKey) {
    if (from.primaryKey.length === 0) return undefined;
    for (const key of from.primaryKey) where.push(`${quote(from.table)}.${quote(key)} = ?`);
  }
  const orderBy: string[] = [];
  for (const term of orderTerms(query, from)) {
    const rendered = render(term.expr);
    if (rendered === undefined) return undefined;
    orderBy.push(term.desc ? `${rendered} DESC` : rendered);
  }
  const groupBy: string[] = [];
  for (const term of query.groupBy) {
    const rendered = render(term);
    if (rendered === undefined) return undefined;
    groupBy.push(rendered);
  }
  let columns: string[] = [];
  if (query.columns.length > 0) {
    for (const expression of query.columns) {
      const rendered = render(expression);
      if (rendered === undefined) return undefined;
      columns.push(rendered);
    }
  } else {
    const entities = (query.entities.length > 0 ? query.entities : [query.from]).map(lookup);
    for (const model of [...entities, ...selectedLinks]) {
      if (!model) return undefined;
      if (!present.includes(model) && !implicit.includes(model)) implicit.push(model);
      columns.push(...model.columns.map((c) => `${quote(model.table)}.${quote(c.column)}`));
    }
    columns = [...new Set(columns)];
  }
  const set: string[] = [];
  for (const target of query.set ?? []) {
    const rendered = render(target);
    if (rendered === undefined) return undefined;
    set.push(`${rendered.slice(rendered.lastIndexOf('.') + 1)}=?`);
  }

  const fromClause = [[quote(from.table), ...joinClauses].join(' '), ...implicit.map((model) => quote(model.table))].join(', ');
  const whereClause = where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '';
  switch (query.kind) {
    case 'delete':
      return joinClauses.length > 0 || implicit.length > 0 ? undefined : `DELETE FROM ${quote(from.table)}${whereClause}`;
    case 'update':
      return joinClauses.length > 0 || implicit.length > 0 || set.length === 0
        ? undefined
        : `UPDATE ${quote(from.table)} SET ${set.join(', ')}${whereClause}`;
    default:
      break;
  }
  const tail =
    (groupBy.length > 0 ? ` GROUP BY ${groupBy.join(', ')}` : '') +
    (orderBy.length > 0 ? ` ORDER BY ${orderBy.join(', ')}` : '') +
    limitClause(query);
  const select = `SELECT ${query.distinct ? 'DISTINCT ' : ''}${columns.join(', ')} FROM ${fromClause}${whereClause}${tail}`;
  if (query.kind === 'count') {
    if (query.orm === 'sqlalchemy') return `SELECT count(*) AS count_1 FROM (${select}) AS anon_1`;
    return `SELECT COUNT(*) AS ${quote(query.orm === 'django' ? '__count' : '_count')} FROM ${fromClause}${whereClause}${limitClause(query)}`;
  }
  if (query.kind === 'exists') {
    if (query.orm === 'sqlalchemy') return `SELECT EXISTS (SELECT * FROM ${fromClause}${whereClause}) AS anon_1`;
    return `SELECT 1 AS ${quote('a')} FROM ${fromClause}${whereClause} LIMIT 1`;
  }
  return select;
}

/** The query's own ORDER BY, or the model's default ordering when the ORM applies one. */
function orderTerms(query: OrmQuery, from: OrmModel): OrmQuery['orderBy'] {
  if (query.orderBy.length > 0 || !query.defaultOrdering) return query.orderBy;
  let terms = (from.defaultOrder ?? []).map((term) => ({ expr: columnToken(query.from, term.attr), desc: term.desc }));
  if (terms.length === 0 && query.defaultOrdering !== 'model' && from.primaryKey.length > 0) {
    terms = [{ expr: columnToken(query.from, from.primaryKey[0]), desc: false }];
  }
  return query.defaultOrdering === 'reversed-model-or-pk' ? terms.map((term) => ({ ...term, desc: !term.desc })) : terms;
}

function limitClause(query: OrmQuery): string {
  if (query.limit === undefined && query.offset === undefined) return '';
  const limit = query.limit === undefined ? '-1' : query.limit === 'param' ? '?' : String(query.limit);
  const offset = query.offset === undefined ? '' : ` OFFSET ${query.offset === 'param' ? '?' : String(query.offset)}`;
  return ` LIMIT ${limit}${offset}`;
}

/** `join(Other)` with no ON clause: the one foreign key between Other and a model already in the query. */
function foreignKeyCondition(
  present: OrmModel[],
  target: OrmModel,
  quote: (name: string) => string,
  registry: ModelRegistry,
  orm: OrmKind,
  file: string,
): string | undefined {
  const conditions: string[] = [];
  const targetOf = (fk: OrmModel['foreignKeys'][number]) =>
    fk.targetModel ? registry.lookup(orm, fk.targetModel, file) : fk.targetTable ? registry.lookupTable(orm, fk.targetTable, file) : undefined;
  for (const model of present) {
    for (const fk of target.foreignKeys) {
      if (targetOf(fk)?.table !== model.table) continue;
      const column = fk.targetColumn ?? model.primaryKey[0];
      if (column) conditions.push(`${quote(model.table)}.${quote(column)} = ${quote(target.table)}.${quote(fk.column)}`);
    }
    for (const fk of model.foreignKeys) {
      if (targetOf(fk)?.table !== target.table) continue;
      const column = fk.targetColumn ?? target.primaryKey[0];
      if (column) conditions.push(`${quote(target.table)}.${quote(column)} = ${quote(model.table)}.${quote(fk.column)}`);
    }
  }
  return conditions.length === 1 ? conditions[0] : undefined;
}

// ---------------------------------------------------------------------------------------------
// Alembic revisions and schema units

/** Every Alembic versions folder with its files and its head revision. */
function alembicFolders(facts: FileFacts[]): Map<string, AlembicTarget> {
  const folders = new Map<string, { files: string[]; revisions: Map<string, string[]> }>();
  for (const fact of facts) {
    const revision = fact.orm?.alembic;
    if (!revision) continue;
    let folder = folders.get(revision.dir);
    if (!folder) {
      folder = { files: [], revisions: new Map() };
      folders.set(revision.dir, folder);
    }
    folder.files.push(fact.file);
    if (revision.revision) folder.revisions.set(revision.revision, revision.downRevisions);
  }
  const targets = new Map<string, AlembicTarget>();
  for (const [dir, folder] of folders) {
    const referenced = new Set([...folder.revisions.values()].flat());
    const heads = [...folder.revisions.keys()].filter((revision) => !referenced.has(revision));
    const target: AlembicTarget = { dir, files: folder.files.sort(compareNatural) };
    if (heads.length === 1) target.head = heads[0];
    targets.set(dir, target);
  }
  return targets;
}

/** SQLAlchemy models learn where the project's Alembic revisions live, so their fixes can add one. */
function attachAlembicTarget(home: SchemaHome | undefined, targets: Map<string, AlembicTarget>): void {
  if (home?.kind !== 'orm-model') return;
  const anchors = home.anchors;
  if (anchors.orm !== 'sqlalchemy' && anchors.orm !== 'alembic') return;
  const target = nearestAlembicTarget(home.file, targets);
  if (target) anchors.alembic = target;
  else delete anchors.alembic;
}

/** The versions folder sharing the longest path prefix with the model file (monorepos have several). */
function nearestAlembicTarget(file: string, targets: Map<string, AlembicTarget>): AlembicTarget | undefined {
  let best: AlembicTarget | undefined;
  let bestDepth = -1;
  for (const target of targets.values()) {
    const project = path.posix.dirname(path.posix.dirname(target.dir));
    const depth = project === '.' ? 0 : file.startsWith(`${project}/`) ? project.split('/').length : -1;
    if (depth > bestDepth) {
      best = target;
      bestDepth = depth;
    }
  }
  return best;
}

/**
 * Schema units for DDL generated from ORM code. Models come first (priority 0.5: before SQL schema files and
 * migrations, so the model is the table's home and its fix target); Alembic revisions (in revision order) and Knex
 * migrations (in file order) apply after SQL migrations (2.5).
 */
export function ormSchemaUnits(facts: Iterable<FileFacts>): Array<SchemaUnit & { priority: number; sortKey: string }> {
  const units: Array<SchemaUnit & { priority: number; sortKey: string }> = [];
  const revisions: FileFacts[] = [];
  for (const fact of facts) {
    const generated = fact.statements.filter((statement) => statement.role === 'schema' && statement.home);
    if (generated.length === 0) continue;
    if (fact.orm?.alembic) {
      revisions.push(fact);
      continue;
    }
    // Knex migrations apply after SQL migrations, in file-name (timestamp) order; models before everything.
    const knex = generated.some((statement) => statement.home?.kind === 'orm-model' && statement.home.orm === 'knex');
    units.push({ label: fact.file, statements: generated, home: homeOf, priority: knex ? 2.5 : 0.5, sortKey: fact.file });
  }
  for (const [position, fact] of orderRevisions(revisions).entries()) {
    const statements = fact.statements.filter((statement) => statement.role === 'schema' && statement.home);
    units.push({ label: fact.file, statements, home: homeOf, priority: 2.5, sortKey: String(position).padStart(8, '0') });
  }
  return units;
}

function homeOf(statement: ExtractedSql): SchemaHome {
  return statement.home ?? { kind: 'host-literal', statement };
}

/** Revisions from base to head (down_revision before revision), ties and unknown ids by file name. */
function orderRevisions(revisions: FileFacts[]): FileFacts[] {
  const sorted = [...revisions].sort((a, b) => compareNatural(a.file, b.file));
  const byRevision = new Map<string, FileFacts>();
  for (const fact of sorted) if (fact.orm?.alembic?.revision) byRevision.set(fact.orm.alembic.revision, fact);
  const ordered: FileFacts[] = [];
  const placed = new Set<FileFacts>();
  const place = (fact: FileFacts, depth: number) => {
    if (placed.has(fact) || depth > sorted.length) return;
    for (const parent of fact.orm?.alembic?.downRevisions ?? []) {
      const parentFact = byRevision.get(parent);
      if (parentFact) place(parentFact, depth + 1);
    }
    if (!placed.has(fact)) {
      placed.add(fact);
      ordered.push(fact);
    }
  };
  for (const fact of sorted) place(fact, 0);
  return ordered;
}
