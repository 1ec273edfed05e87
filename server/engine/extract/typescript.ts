// SQL in TypeScript and JavaScript: better-sqlite3, node:sqlite, the sqlite/sqlite3 npm APIs, knex `.raw`,
// libsql `execute`, Prisma raw queries, `sql` tagged templates and `/* sql */` marked templates. The same walk fills
// the file's workload facts (typescriptWorkload.ts).
import type { Node, Tree } from 'web-tree-sitter';
import { isDdl, stripLeadingComments } from '../sql/split';
import { LineIndex } from '../text/lineIndex';
import type {
  ExtractedSql,
  FileFacts,
  HostLanguage,
  MigrationContainer,
  SourceFile,
} from '../types';
import type { MappedSqlBuilder } from './params';
import {
  DdlCandidates,
  evaluateExpression,
  MAX_NAME_DEPTH,
  isAsciiLetter,
  isBlank,
  leadingKeyword,
  rangeKey,
  toExtractedSql,
  type CallSite,
  type Evaluation,
  type NameResolver,
  type Resolution,
  type EvaluationState,
} from './hostSql';
import { collectSuppressions } from './suppressions';
import { grammarForPath, withSyntaxTree } from './treeSitter';
import { TYPESCRIPT_LOOP_TYPES, TypeScriptWorkloadCollector } from './typescriptWorkload';

/**
 * Methods whose first argument is SQL, whatever the receiver: better-sqlite3 and node:sqlite (`prepare`, `exec`),
 * sqlite/sqlite3 (`all`, `get`, `run`, `each`), knex/drizzle (`raw`), libsql (`execute`), bun:sqlite (`query`),
 * Prisma's unsafe raw calls. The argument must still read as SQL, so `router.get('/users')` is ignored.
 */
const EXECUTE_METHODS = new Set([
  'prepare',
  'exec',
  'all',
  'get',
  'run',
  'each',
  'raw',
  'execute',
  'query',
  '$queryRawUnsafe',
  '$executeRawUnsafe',
]);

/** better-sqlite3's `db.pragma('journal_mode = WAL')`: the argument is a pragma without the keyword. */
const PRAGMA_METHOD = 'pragma';
const PRAGMA_BODY = /^\s*[A-Za-z_][\w.]*\s*(?:=|\(|$)/;

/** Tags whose template is SQL: `sql`, `SQL` (sql-template-strings), `Prisma.sql`, `prisma.$queryRaw`, `$executeRaw`. */
const SQL_TAGS = new Set(['sql', 'SQL', '$queryRaw', '$executeRaw']);
/** Tags and methods that only change whitespace, which SQLite does not care about. */
const WHITESPACE_TAGS = new Set(['dedent', 'outdent']);
const WHITESPACE_METHODS = new Set(['trim', 'trimStart', 'trimEnd']);
/** `/* sql *\/` (any case, optional spaces) right before a template marks it as SQL. */
const SQL_MARKER = /^\/\*\s*sql\s*\*\/$/i;

/** A string passed to an execute-like call is SQL only when it starts with one of these. */
const SQL_KEYWORDS = new Set([
  'SELECT', 'WITH', 'INSERT', 'UPDATE', 'DELETE', 'REPLACE', 'PRAGMA', 'CREATE', 'ALTER', 'DROP', 'EXPLAIN',
  'VALUES', 'BEGIN', 'COMMIT', 'ROLLBACK', 'SAVEPOINT', 'RELEASE', 'ANALYZE', 'VACUUM', 'REINDEX', 'ATTACH', 'DETACH',
]);

/** DDL that is schema even when no execute call is in sight (prose such as "Create a new user" is not). */
const SCHEMA_DDL_SHAPE =
  /^(?:create\s+(?:temp(?:orary)?\s+)?(?:unique\s+)?(?:table|index|view|trigger|virtual\s+table)|alter\s+table|drop\s+(?:table|index|view|trigger))\s+[^\s;]/i;
const DDL_VERBS = new Set(['create', 'alter', 'drop']);

/** Words without which a file holds no SQL this extractor can find: it is not parsed at all. */
const SQL_HINT =
  /\b(?:select\s|insert\s|update\s+\S+\s+set\b|delete\s+from\b|replace\s+into\b|with\s|create\s|alter\s+table\b|drop\s|pragma\b|explain\s)/i;
/** The driver modules whose import can open a connection (as in typescriptWorkload.ts). */
const DRIVER_MODULE = /['"](?:better-sqlite3(?:-multiple-ciphers)?|node:sqlite)['"]/g;
/** `import type … from 'better-sqlite3'` (and `export type … from`): a type cannot open a connection. */
const TYPE_ONLY_DRIVER_IMPORT =
  /\b(?:import|export)\s+type\s+(?:\{[^}]*\}|\*\s+as\s+[\w$]+|[\w$]+)\s+from\s*['"](?:better-sqlite3(?:-multiple-ciphers)?|node:sqlite)['"]/g;

/**
 * Whether the file imports or requires a driver module other than for its types: connection setup, which
 * pragma-config reads even in a file that runs no SQL itself. Files that only take a `Database` parameter
 * (`import type { Database } from 'better-sqlite3'`) are common and need no parse for it.
 */
function mayOpenConnection(text: string): boolean {
  const mentions = text.match(DRIVER_MODULE)?.length ?? 0;
  if (mentions === 0) return false;
  return mentions > (text.match(TYPE_ONLY_DRIVER_IMPORT)?.length ?? 0);
}

const FUNCTION_TYPES = new Set([
  'function_declaration',
  'generator_function_declaration',
  'function_expression',
  'function',
  'generator_function',
  'arrow_function',
  'method_definition',
]);
const CLASS_TYPES = new Set(['class_declaration', 'abstract_class_declaration', 'class']);

/** Node kinds the walk looks at, collected in source order by one native pass. */
const VISITED_TYPES = [
  'comment',
  'string',
  'template_string',
  'call_expression',
  'variable_declarator',
  'assignment_expression',
  'augmented_assignment_expression',
  ...FUNCTION_TYPES,
  // workload facts only
  ...TYPESCRIPT_LOOP_TYPES,
  'new_expression',
  'import_statement',
  'public_field_definition',
  ...CLASS_TYPES,
];

// ---------------------------------------------------------------------------------------------
// dialect: files that talk to PostgreSQL or MySQL are not SQLite's business

type Dialect = 'sqlite' | 'postgres' | 'mysql';

const PACKAGE_DIALECTS: Readonly<Record<string, Dialect>> = {
  'better-sqlite3': 'sqlite',
  'better-sqlite3-multiple-ciphers': 'sqlite',
  sqlite: 'sqlite',
  sqlite3: 'sqlite',
  'node:sqlite': 'sqlite',
  'bun:sqlite': 'sqlite',
  '@libsql/client': 'sqlite',
  libsql: 'sqlite',
  'sql.js': 'sqlite',
  'expo-sqlite': 'sqlite',
  '@sqlite.org/sqlite-wasm': 'sqlite',
  '@databases/sqlite': 'sqlite',
  pg: 'postgres',
  'pg-promise': 'postgres',
  'pg-pool': 'postgres',
  postgres: 'postgres',
  slonik: 'postgres',
  '@vercel/postgres': 'postgres',
  '@neondatabase/serverless': 'postgres',
  '@databases/pg': 'postgres',
  mysql: 'mysql',
  mysql2: 'mysql',
  mariadb: 'mysql',
  '@planetscale/database': 'mysql',
  '@databases/mysql': 'mysql',
};

const DIALECT_NAMES: Readonly<Record<Exclude<Dialect, 'sqlite'>, string>> = { postgres: 'PostgreSQL', mysql: 'MySQL' };

/** `import … from 'x'`, `import 'x'`, `import('x')`, `require('x')`, `export … from 'x'`. */
const MODULE_REFERENCE = /(?:\bfrom|\bimport|\brequire)\s*\(?\s*(['"])([^'"\n]{1,200})\1/g;

/** The database a module specifier talks to, when it is a known driver (drizzle by its adapter path). */
function moduleDialect(specifier: string): Dialect | undefined {
  if (specifier.startsWith('drizzle-orm/')) {
    const adapter = specifier.slice('drizzle-orm/'.length);
    if (/sqlite|libsql|d1|sql-js|expo/.test(adapter)) return 'sqlite';
    if (/pg|postgres|neon|vercel|xata|supabase/.test(adapter)) return 'postgres';
    if (/mysql|planetscale|tidb|singlestore/.test(adapter)) return 'mysql';
    return undefined;
  }
  const parts = specifier.split('/');
  const packageName = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  return PACKAGE_DIALECTS[packageName];
}

/** Why a file is skipped: it imports a PostgreSQL or MySQL driver and no SQLite one. */
function foreignDialectReason(text: string): string | undefined {
  if (!text.includes('import') && !text.includes('require')) return undefined;
  let foreign: { specifier: string; dialect: Exclude<Dialect, 'sqlite'> } | undefined;
  for (const match of text.matchAll(MODULE_REFERENCE)) {
    const dialect = moduleDialect(match[2]);
    if (dialect === 'sqlite') return undefined;
    if (dialect && !foreign) foreign = { specifier: match[2], dialect };
  }
  return foreign ? `imports ${foreign.specifier} (${DIALECT_NAMES[foreign.dialect]}) and no SQLite driver` : undefined;
}

// ---------------------------------------------------------------------------------------------

/** What a name is bound to: the value expression, or null when it holds something we cannot follow. */
type Bindings = Map<string, Node | null>;

interface Scope {
  kind: 'module' | 'class' | 'function';
  name: string;
  bindings: Bindings;
  end: number;
}

/**
 * Finds the SQL of one TypeScript or JavaScript file and its workload facts. Never throws on broken code. A file
 * with no sign of SQL or connections is not parsed (and has no `workload`) unless `always` is set: the workspace
 * asks for that when the file calls a function that queries.
 */
export async function extractTypeScript(file: SourceFile, options: { always?: boolean } = {}): Promise<FileFacts> {
  const language: HostLanguage = file.language === 'javascript' ? 'javascript' : 'typescript';
  const empty: FileFacts = { file: file.path, language, statements: [], suppressions: [] };
  if (!options.always && !SQL_HINT.test(file.text) && !mayOpenConnection(file.text)) return empty;
  const foreign = foreignDialectReason(file.text);
  if (foreign) return { ...empty, skippedDialect: foreign };
  const facts = await withSyntaxTree(grammarForPath(file.path), file.text, (tree) =>
    new TypeScriptExtractor(file, language, tree).run(),
  );
  return facts ?? empty;
}

class TypeScriptExtractor {
  private readonly source: string;
  private readonly queries: ExtractedSql[] = [];
  private readonly ddl = new DdlCandidates();
  private readonly comments: Array<{ text: string; line: number }> = [];
  private lineIndex: LineIndex | undefined;
  private readonly scopes: Scope[] = [];
  /** Module-level names as they are once the module has run: what functions see when they are called. */
  private readonly moduleFinal: Bindings = new Map();
  /** Literal roots already judged by the walk. */
  private readonly visitedRoots = new Set<string>();
  /** Roots already reported as the SQL argument of a call (so their tag or marker does not report them again). */
  private readonly reportedRoots = new Set<string>();
  private readonly workload: TypeScriptWorkloadCollector;
  private readonly moduleResolver: NameResolver = (name) => {
    const value = this.moduleFinal.get(name);
    return value === undefined ? undefined : { value, resolve: this.moduleResolver };
  };

  constructor(
    private readonly file: SourceFile,
    private readonly language: HostLanguage,
    private readonly tree: Tree,
  ) {
    this.source = file.text;
    this.workload = new TypeScriptWorkloadCollector(file.text);
  }

  run(): FileFacts {
    const root = this.tree.rootNode;
    this.collectModuleBindings(root);
    this.scopes.push({ kind: 'module', name: '', bindings: new Map(), end: Infinity });
    for (const node of root.descendantsOfType(VISITED_TYPES)) this.visit(node);
    const statements = [...this.queries, ...this.ddlStatements()];
    statements.sort((a, b) => a.range.start - b.range.start);
    const lineComments = this.comments.filter((comment) => comment.text.startsWith('//'));
    const blockComments = this.comments.filter((comment) => comment.text.startsWith('/*'));
    const suppressions = [...collectSuppressions(lineComments, '//'), ...collectSuppressions(blockComments, '/*')];
    suppressions.sort((a, b) => a.line - b.line);
    return { file: this.file.path, language: this.language, statements, suppressions, workload: this.workload.finish() };
  }

  private visit(node: Node): void {
    const start = node.startIndex;
    while (this.scopes.length > 1 && this.currentScope().end <= start) this.scopes.pop();
    const type = node.type;
    if (FUNCTION_TYPES.has(type)) {
      this.enterFunction(node);
      return;
    }
    if (CLASS_TYPES.has(type)) {
      this.scopes.push({ kind: 'class', name: node.childForFieldName('name')?.text ?? '', bindings: new Map(), end: node.endIndex });
      return;
    }
    switch (type) {
      case 'comment': {
        // Only comments that can be directives are kept (and located).
        const text = node.text;
        if (text.includes('planlens')) this.comments.push({ text, line: this.lineOf(start) });
        break;
      }
      case 'string':
      case 'template_string':
        this.visitLiteral(node);
        break;
      case 'call_expression':
        this.visitCall(node);
        break;
      case 'variable_declarator':
        this.workload.visitDeclarator(node);
        this.bindDeclarator(node, this.currentScope().bindings);
        break;
      case 'assignment_expression':
        this.workload.visitAssignment(node);
        this.bindAssignment(node, this.currentScope().bindings);
        break;
      case 'augmented_assignment_expression':
        // `sql += " AND …"` makes the name conditional: stop following it.
        bindPattern(node.childForFieldName('left'), this.currentScope().bindings);
        break;
      case 'for_in_statement':
        this.workload.visitLoop(node);
        bindPattern(node.childForFieldName('left'), this.currentScope().bindings);
        break;
      case 'for_statement':
      case 'while_statement':
      case 'do_statement':
        this.workload.visitLoop(node);
        break;
      case 'new_expression':
        this.workload.visitNew(node);
        break;
      case 'import_statement':
        this.workload.visitImport(node);
        break;
      case 'public_field_definition':
        this.workload.visitField(node);
        break;
    }
  }

  private lineOf(offset: number): number {
    this.lineIndex ??= new LineIndex(this.source);
    return this.lineIndex.positionAt(offset).line;
  }

  // -------------------------------------------------------------------------------------------
  // scopes and names

  private currentScope(): Scope {
    return this.scopes[this.scopes.length - 1];
  }

  private enterFunction(node: Node): void {
    const bindings: Bindings = new Map();
    const parameters = node.childForFieldName('parameters') ?? node.childForFieldName('parameter');
    if (parameters) bindPattern(parameters, bindings);
    const name = functionName(node);
    this.scopes.push({ kind: 'function', name, bindings, end: node.endIndex });
    if (name === '') return; // anonymous callbacks belong to the function around them
    const outer = this.scopes[this.scopes.length - 2];
    this.workload.enterFunction(node, this.enclosingFunction() ?? name, outer?.kind === 'class' ? outer.name : undefined);
  }

  private bindDeclarator(node: Node, bindings: Bindings): void {
    const name = node.childForFieldName('name');
    if (name?.type === 'identifier') bindings.set(name.text, node.childForFieldName('value'));
    else bindPattern(name, bindings);
  }

  private bindAssignment(node: Node, bindings: Bindings): void {
    const left = node.childForFieldName('left');
    let value = node.childForFieldName('right');
    while (value?.type === 'assignment_expression') value = value.childForFieldName('right'); // a = b = "…"
    if (left?.type === 'identifier') bindings.set(left.text, value);
    else if (left?.type === 'object_pattern' || left?.type === 'array_pattern') bindPattern(left, bindings);
  }

  /** Top-level declarations and assignments, so functions see names defined anywhere in the module. */
  private collectModuleBindings(root: Node): void {
    for (let statement of root.namedChildren) {
      if (statement.type === 'export_statement') statement = statement.childForFieldName('declaration') ?? statement;
      if (statement.type === 'lexical_declaration' || statement.type === 'variable_declaration') {
        for (const declarator of statement.namedChildren) {
          if (declarator.type === 'variable_declarator') this.bindDeclarator(declarator, this.moduleFinal);
        }
      } else if (statement.type === 'expression_statement') {
        const expression = statement.firstNamedChild;
        if (expression?.type === 'assignment_expression') this.bindAssignment(expression, this.moduleFinal);
        else if (expression?.type === 'augmented_assignment_expression') {
          bindPattern(expression.childForFieldName('left'), this.moduleFinal);
        }
      }
    }
  }

  /** Qualified name of the enclosing named functions (`Class.method`, `outer.inner`); undefined outside them. */
  private enclosingFunction(): string | undefined {
    const names = this.scopes.filter((scope) => scope.kind !== 'module' && scope.name !== '');
    if (!names.some((scope) => scope.kind === 'function')) return undefined;
    return names.map((scope) => scope.name).join('.');
  }

  /** Names at the current point of the walk: enclosing functions first, then the module. */
  private currentResolver(): NameResolver {
    const scopes = this.scopes;
    const insideFunction = scopes.some((scope) => scope.kind === 'function');
    const resolver: NameResolver = (name) => {
      for (let i = scopes.length - 1; i >= 1; i--) {
        const value = scopes[i].bindings.get(name);
        if (value !== undefined) return { value, resolve: resolver };
      }
      if (insideFunction) return this.moduleResolver(name);
      const value = scopes[0].bindings.get(name);
      return value === undefined ? undefined : { value, resolve: resolver };
    };
    return resolver;
  }

  // -------------------------------------------------------------------------------------------
  // calls, tags, markers and DDL literals

  private visitCall(node: Node): void {
    const callee = node.childForFieldName('function');
    const argumentsNode = node.childForFieldName('arguments');
    if (!callee || !argumentsNode) return;
    this.workload.visitCall(node, callee, argumentsNode);
    const site = (method: string): CallSite => ({
      call: { method, range: { start: node.startIndex, end: node.endIndex } },
      enclosingFunction: this.enclosingFunction(),
    });
    if (argumentsNode.type === 'template_string') {
      const tag = lastName(callee);
      if (tag === undefined || !SQL_TAGS.has(tag) || this.reportedRoots.has(rangeKey(argumentsNode))) return;
      const evaluation = this.evaluate(argumentsNode, this.currentResolver());
      if (evaluation && startsWithSqlKeyword(evaluation.mapped.sql)) this.report(evaluation, site(tag), node);
      return;
    }
    if (callee.type !== 'member_expression') return;
    const method = callee.childForFieldName('property')?.text;
    if (method === undefined) return;
    if (method === PRAGMA_METHOD) {
      this.visitPragma(node, argumentsNode, site(method));
      return;
    }
    if (!EXECUTE_METHODS.has(method)) return;
    let argument = firstArgument(argumentsNode);
    if (argument?.type === 'object') argument = propertyValue(argument, 'sql'); // libsql: execute({ sql, args })
    if (!argument) return;
    const evaluation = this.evaluate(argument, this.currentResolver());
    if (!evaluation || !startsWithSqlKeyword(evaluation.mapped.sql)) return;
    this.reportedRoots.add(rangeKey(evaluation.root));
    this.report(evaluation, site(method), node);
  }

  /** `db.pragma('journal_mode = WAL')` → `PRAGMA journal_mode = WAL`, a query that costs nothing to plan. */
  private visitPragma(call: Node, argumentsNode: Node, site: CallSite): void {
    const argument = firstArgument(argumentsNode);
    if (!argument) return;
    const evaluation = this.evaluate(argument, this.currentResolver(), 'PRAGMA ');
    if (!evaluation || evaluation.dynamic || !PRAGMA_BODY.test(evaluation.mapped.sql.slice('PRAGMA '.length))) return;
    const statement = this.statement(evaluation, 'query', 'executed', site);
    this.queries.push(statement);
    this.workload.visitExecuted(call, statement);
  }

  private report(evaluation: Evaluation, site: CallSite, call: Node): void {
    if (isDdl(evaluation.mapped.sql)) {
      if (isDownMigration(evaluation.root, site.enclosingFunction)) return;
      this.ddl.get(evaluation).execution ??= site;
      return;
    }
    const statement = this.statement(evaluation, 'query', 'executed', site);
    this.queries.push(statement);
    this.workload.visitExecuted(call, statement);
  }

  /**
   * A string or template met by the walk: a `/* sql *\/` marked template is a query (or DDL) on its own, and DDL
   * is schema even when no call is in sight. Pieces of `"a" + "b"` lead to the same root, judged once.
   */
  private visitLiteral(piece: Node): void {
    const marked = piece.type === 'template_string' && isSqlMarker(piece.previousSibling);
    if (!marked && !this.contentMayStartWithDdl(piece.startIndex)) return;
    const root = literalRoot(piece);
    if (!root) return;
    const key = rangeKey(root);
    if (this.visitedRoots.has(key) || this.ddl.has(key) || this.reportedRoots.has(key)) return;
    this.visitedRoots.add(key);
    const evaluation = this.evaluate(root, undefined);
    if (!evaluation) return;
    const head = stripLeadingComments(evaluation.mapped.sql);
    if (!isDdl(head)) {
      if (marked && startsWithSqlKeyword(head)) {
        this.queries.push(this.statement(evaluation, 'query', 'executed', { enclosingFunction: this.enclosingFunction() }));
      }
      return;
    }
    if (leadingKeyword(head) === undefined || isDownMigration(root, this.enclosingFunction())) return;
    const candidate = this.ddl.get(evaluation);
    candidate.schemaShaped = marked || SCHEMA_DDL_SHAPE.test(head);
    candidate.enclosingFunction = this.enclosingFunction();
  }

  /** Cheap test, before any decoding, that a literal may start with DDL (or a comment, hole or escape). */
  private contentMayStartWithDdl(literalStart: number): boolean {
    const source = this.source;
    let i = literalStart + 1;
    while (i < source.length && isBlank(source.charCodeAt(i))) i++;
    const wordStart = i;
    while (i < source.length && isAsciiLetter(source.charCodeAt(i))) i++;
    if (i > wordStart) return DDL_VERBS.has(source.slice(wordStart, i).toLowerCase());
    const ch = source[i];
    return ch !== undefined && '-/$\\'.includes(ch);
  }

  private ddlStatements(): ExtractedSql[] {
    return this.ddl.statements(
      (evaluation, certainty, site) => this.statement(evaluation, 'schema', certainty, site),
      (root) => migrationContainerOf(root, this.source),
    );
  }

  private statement(
    evaluation: Evaluation,
    role: ExtractedSql['role'],
    certainty: ExtractedSql['certainty'],
    site: Partial<CallSite>,
  ): ExtractedSql {
    return toExtractedSql(this.file.path, this.language, evaluation, evaluation.mapped, role, certainty, site);
  }

  // -------------------------------------------------------------------------------------------
  // string expressions → SQL

  /**
   * Turns a string expression into SQL: string and template literals (holes become `?`), `+` of such,
   * names bound to them (when `resolve` is given), properties of constant objects, SQL and whitespace tags,
   * `.trim()`. Undefined when any part is something else. `lead` is prepended (mapped to the expression's start).
   */
  private evaluate(expression: Node, resolve: NameResolver | undefined, lead = ''): Evaluation | undefined {
    return evaluateExpression(
      expression,
      resolve,
      (node, nodeResolve) => this.follow(node, nodeResolve),
      (root, rootResolve, state) => this.append(root, rootResolve, state, 0),
      lead,
    );
  }

  /** One step through something that only stands for a string expression. */
  private follow(node: Node, resolve: NameResolver | undefined): Resolution | undefined {
    const resolveOrNone = resolve ?? noNames;
    switch (node.type) {
      case 'parenthesized_expression':
      case 'as_expression':
      case 'satisfies_expression':
      case 'non_null_expression':
      case 'type_assertion': {
        const inner = firstNonComment(node, node.type === 'type_assertion');
        return inner ? { value: inner, resolve: resolveOrNone } : undefined;
      }
      case 'identifier':
        return resolve?.(node.text) ?? { value: null, resolve: noNames };
      case 'member_expression':
        return (resolve && this.resolveProperty(node, resolve)) || { value: null, resolve: noNames };
      case 'call_expression': {
        const inner = whitespaceWrapped(node) ?? sqlTagged(node);
        return inner ? { value: inner, resolve: resolveOrNone } : undefined;
      }
      default:
        return undefined;
    }
  }

  /** `QUERIES.byId` where QUERIES is bound to an object literal with a `byId` property. */
  private resolveProperty(member: Node, resolve: NameResolver): Resolution | undefined {
    const property = member.childForFieldName('property');
    let object: Node | null = member.childForFieldName('object');
    let objectResolve = resolve;
    if (property?.type !== 'property_identifier' || !object) return undefined;
    for (let depth = 0; object && object.type !== 'object' && depth < MAX_NAME_DEPTH; depth++) {
      const next = this.follow(object, objectResolve);
      if (!next) return undefined;
      object = next.value;
      objectResolve = next.resolve;
    }
    if (object?.type !== 'object') return undefined;
    const value = propertyValue(object, property.text);
    return value ? { value, resolve: objectResolve } : undefined;
  }

  private append(node: Node, resolve: NameResolver | undefined, state: EvaluationState, depth: number): boolean {
    switch (node.type) {
      case 'string':
        return this.appendString(node, state);
      case 'template_string':
        return this.appendTemplate(node, state);
      case 'binary_expression': {
        const left = node.childForFieldName('left');
        const right = node.childForFieldName('right');
        return (
          node.childForFieldName('operator')?.type === '+' &&
          left !== null &&
          right !== null &&
          this.append(left, resolve, state, depth) &&
          this.append(right, resolve, state, depth)
        );
      }
      default: {
        if (depth >= MAX_NAME_DEPTH) return false;
        const next = this.follow(node, resolve);
        return next?.value ? this.append(next.value, next.resolve, state, depth + 1) : false;
      }
    }
  }

  /** A complete `'…'` or `"…"` literal, escapes decoded. */
  private appendString(node: Node, state: EvaluationState): boolean {
    const start = node.startIndex;
    const end = node.endIndex;
    const quote = this.source[start];
    if (node.hasError || end - start < 2 || (quote !== '"' && quote !== "'") || this.source[end - 1] !== quote) return false;
    this.appendDecoded(start + 1, end - 1, state.builder);
    state.pieces.push({ range: { start, end }, contentRange: { start: start + 1, end: end - 1 }, quote });
    return true;
  }

  /** A complete template literal; each `${…}` hole becomes a `?` padded to the hole's length. */
  private appendTemplate(node: Node, state: EvaluationState): boolean {
    const start = node.startIndex;
    const end = node.endIndex;
    if (node.hasError || end - start < 2 || this.source[start] !== '`' || this.source[end - 1] !== '`') return false;
    let position = start + 1;
    for (const child of node.namedChildren) {
      if (child.type !== 'template_substitution') continue;
      this.appendDecoded(position, child.startIndex, state.builder);
      state.builder.appendReplacement('?'.padEnd(child.endIndex - child.startIndex, ' '), child.startIndex, child.endIndex);
      state.dynamic = true;
      position = child.endIndex;
    }
    this.appendDecoded(position, end - 1, state.builder);
    state.pieces.push({ range: { start, end }, contentRange: { start: start + 1, end: end - 1 }, quote: '`' });
    return true;
  }

  /** Copies source text [start, end) into the builder, decoding JavaScript escapes. */
  private appendDecoded(start: number, end: number, builder: MappedSqlBuilder): void {
    const source = this.source;
    let runStart = start;
    let i = start;
    while (i < end) {
      if (source.charCodeAt(i) !== 92 /* \ */) {
        i++;
        continue;
      }
      const decoded = decodeEscape(source, i, end);
      builder.appendVerbatim(source.slice(runStart, i), runStart);
      builder.appendReplacement(decoded.text, i, i + decoded.length);
      i += decoded.length;
      runStart = i;
    }
    builder.appendVerbatim(source.slice(runStart, end), runStart);
  }
}

// ---------------------------------------------------------------------------------------------
// helpers on nodes and text

const noNames: NameResolver = () => undefined;

function firstNonComment(node: Node, last = false): Node | null {
  const children = node.namedChildren.filter((child) => child.type !== 'comment');
  return (last ? children[children.length - 1] : children[0]) ?? null;
}

/** Every name a binding pattern or parameter list introduces now holds something unknown. */
function bindPattern(pattern: Node | null, bindings: Bindings): void {
  if (!pattern) return;
  switch (pattern.type) {
    case 'identifier':
    case 'shorthand_property_identifier_pattern':
      bindings.set(pattern.text, null);
      return;
    case 'required_parameter':
    case 'optional_parameter':
      bindPattern(pattern.childForFieldName('pattern'), bindings);
      return;
    case 'assignment_pattern':
      bindPattern(pattern.childForFieldName('left'), bindings);
      return;
    case 'pair_pattern':
      bindPattern(pattern.childForFieldName('value'), bindings);
      return;
    case 'formal_parameters':
    case 'object_pattern':
    case 'array_pattern':
    case 'rest_pattern':
    case 'object_assignment_pattern':
      for (const child of pattern.namedChildren) bindPattern(child, bindings);
      return;
  }
}

/**
 * A function's own name, or the name it is given where it is defined: `const load = () => …`,
 * `{ load: () => … }`, `load = function () …`, a class field. Empty for anonymous callbacks.
 */
function functionName(node: Node): string {
  const own = node.childForFieldName('name');
  if (own) return own.text;
  const parent = node.parent;
  switch (parent?.type) {
    case 'variable_declarator':
      return parent.childForFieldName('name')?.type === 'identifier' ? (parent.childForFieldName('name')?.text ?? '') : '';
    case 'pair': {
      const key = parent.childForFieldName('key');
      return key?.type === 'property_identifier' ? key.text : '';
    }
    case 'assignment_expression':
      return lastName(parent.childForFieldName('left')) ?? '';
    case 'public_field_definition':
    case 'field_definition':
      return (parent.childForFieldName('name') ?? parent.childForFieldName('property'))?.text ?? '';
    default:
      return '';
  }
}

/**
 * `sql` for `sql`, `$queryRaw` for `this.prisma.$queryRaw` and `prisma.$queryRaw<User[]>` (which the grammar wraps
 * in an instantiation, and with `await` in front, swallows the `await` too); undefined for anything else.
 */
function lastName(node: Node | null): string | undefined {
  if (!node) return undefined;
  switch (node.type) {
    case 'identifier':
      return node.text;
    case 'member_expression':
      return node.childForFieldName('property')?.text;
    case 'non_null_expression':
    case 'instantiation_expression':
    case 'await_expression':
      return lastName(node.namedChildren.find((child) => child.type !== 'type_arguments') ?? null);
    default:
      return undefined;
  }
}

/** The first argument, or null when there is none or it is spread. */
function firstArgument(argumentsNode: Node): Node | null {
  if (argumentsNode.type !== 'arguments') return null;
  const first = firstNonComment(argumentsNode);
  return first && first.type !== 'spread_element' ? first : null;
}

/** The value of `key: …` in an object literal (plain or quoted key). */
function propertyValue(object: Node, key: string): Node | null {
  for (const pair of object.namedChildren) {
    if (pair.type !== 'pair') continue;
    const keyNode = pair.childForFieldName('key');
    if (!keyNode) continue;
    const keyText = keyNode.type === 'string' ? keyNode.text.slice(1, -1) : keyNode.type === 'property_identifier' ? keyNode.text : undefined;
    if (keyText === key) return pair.childForFieldName('value');
  }
  return null;
}

/** `x.trim()` → x; `` dedent`…` `` → the template. */
function whitespaceWrapped(call: Node): Node | null {
  const callee = call.childForFieldName('function');
  const argumentsNode = call.childForFieldName('arguments');
  if (!callee || !argumentsNode) return null;
  if (argumentsNode.type === 'template_string') {
    const tag = lastName(callee);
    return tag !== undefined && WHITESPACE_TAGS.has(tag) ? argumentsNode : null;
  }
  if (callee.type !== 'member_expression' || firstNonComment(argumentsNode) !== null) return null;
  const method = callee.childForFieldName('property')?.text;
  return method !== undefined && WHITESPACE_METHODS.has(method) ? callee.childForFieldName('object') : null;
}

/** `` sql`…` `` (and the other SQL tags) → the template. */
function sqlTagged(call: Node): Node | null {
  const argumentsNode = call.childForFieldName('arguments');
  if (argumentsNode?.type !== 'template_string') return null;
  const tag = lastName(call.childForFieldName('function'));
  return tag !== undefined && SQL_TAGS.has(tag) ? argumentsNode : null;
}

function isSqlMarker(node: Node | null): boolean {
  return node?.type === 'comment' && SQL_MARKER.test(node.text);
}

/**
 * The whole string expression a literal belongs to (`"a" + "b"`, parentheses unwrapped), or undefined when it is
 * only an operand (of another operator, inside a template hole) or the template of a tag that is not about SQL.
 */
function literalRoot(piece: Node): Node | undefined {
  let root = piece;
  let parent = piece.parent;
  for (;;) {
    if (!parent) return root;
    if (parent.type === 'binary_expression' && parent.childForFieldName('operator')?.type === '+') root = parent;
    else if (parent.type === 'call_expression' && parent.childForFieldName('arguments')?.startIndex === root.startIndex) {
      // A tagged template: only whitespace tags keep it a string; SQL tags are reported as calls.
      if (!whitespaceWrapped(parent)) return undefined;
      root = parent;
    } else if (parent.type !== 'parenthesized_expression') break;
    parent = parent.parent;
  }
  if (parent.type === 'binary_expression' || parent.type === 'template_substitution') return undefined;
  if (parent.type === 'member_expression') {
    const method = parent.childForFieldName('property')?.text;
    return method !== undefined && WHITESPACE_METHODS.has(method) ? root : undefined;
  }
  return root;
}

/** DDL that undoes a migration (`down: "DROP TABLE …"`, `async down() { … }`) never builds the schema. */
function isDownMigration(root: Node, enclosingFunction: string | undefined): boolean {
  if (enclosingFunction !== undefined && /(?:^|\.)down$/.test(enclosingFunction)) return true;
  let element = root;
  let parent = root.parent;
  while (parent?.type === 'parenthesized_expression') {
    element = parent;
    parent = parent.parent;
  }
  return parent?.type === 'pair' && isValueOf(parent, element) && parent.childForFieldName('key')?.text === 'down';
}

/** Statements that are complete as one word; every other keyword needs something after it (`cache.get('select')`). */
const SINGLE_WORD_STATEMENTS = new Set(['BEGIN', 'COMMIT', 'ROLLBACK', 'ANALYZE', 'VACUUM', 'REINDEX']);

function startsWithSqlKeyword(sql: string): boolean {
  const keyword = leadingKeyword(sql);
  if (keyword === undefined || !SQL_KEYWORDS.has(keyword)) return false;
  return SINGLE_WORD_STATEMENTS.has(keyword) || /^[A-Za-z]+\s+\S/.test(stripLeadingComments(sql));
}

const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '0': '\0',
};

/** Decodes the JavaScript escape at `start` (a backslash); unknown escapes stand for the character itself. */
function decodeEscape(source: string, start: number, end: number): { text: string; length: number } {
  const next = source[start + 1];
  if (start + 1 >= end || next === undefined) return { text: '\\', length: 1 };
  if (next === '\n' || next === '\u2028' || next === '\u2029') return { text: '', length: 2 }; // line continuation
  if (next === '\r') return { text: '', length: source[start + 2] === '\n' ? 3 : 2 };
  const simple = SIMPLE_ESCAPES[next];
  if (simple !== undefined && !(next === '0' && /[0-9]/.test(source[start + 2] ?? ''))) return { text: simple, length: 2 };
  if (next === 'x' || next === 'u') {
    const braced = next === 'u' && source[start + 2] === '{';
    const close = braced ? source.indexOf('}', start + 3) : -1;
    const hex = braced ? source.slice(start + 3, close) : source.slice(start + 2, start + (next === 'x' ? 4 : 6));
    const length = braced ? close + 1 - start : 2 + hex.length;
    if ((!braced || (close !== -1 && close < end)) && /^[0-9A-Fa-f]+$/.test(hex) && start + length <= end) {
      const codePoint = parseInt(hex, 16);
      if ((braced || hex.length === (next === 'x' ? 2 : 4)) && codePoint <= 0x10ffff) {
        return { text: String.fromCodePoint(codePoint), length };
      }
    }
  }
  // `\'`, `\"`, `` \` ``, `\$`, `\\` and any other character stand for themselves.
  const character = String.fromCodePoint(source.codePointAt(start + 1) ?? 0);
  return { text: character, length: 1 + character.length };
}

function isValueOf(pair: Node, node: Node): boolean {
  return pair.childForFieldName('value')?.startIndex === node.startIndex;
}

function elementsOf(node: Node): Node[] {
  return node.namedChildren.filter((child) => child.type !== 'comment');
}

/**
 * The versioned migration array or object that holds this DDL literal, if any:
 * `[sql, …]`, `[[1, sql], …]`, `{ 1: sql, … }`.
 */
function migrationContainerOf(root: Node, source: string): MigrationContainer | undefined {
  let element = root;
  let parent = root.parent;
  while (parent?.type === 'parenthesized_expression') {
    element = parent;
    parent = parent.parent;
  }
  if (!parent) return undefined;
  if (parent.type === 'pair') return isValueOf(parent, element) ? objectContainer(parent.parent, source) : undefined;
  if (parent.type !== 'array') return undefined;
  const outer = parent.parent;
  if (outer?.type === 'array') {
    const items = elementsOf(parent);
    if (items.length >= 2 && items[0].startIndex !== element.startIndex) return arrayContainer(outer, source);
  }
  return arrayContainer(parent, source);
}

function arrayContainer(array: Node, source: string): MigrationContainer {
  return {
    kind: 'list',
    range: { start: array.startIndex, end: array.endIndex },
    entries: elementsOf(array).map((entry) => {
      const version = entry.type === 'array' ? elementsOf(entry)[0] : undefined;
      return {
        range: { start: entry.startIndex, end: entry.endIndex },
        ...(version ? { key: source.slice(version.startIndex, version.endIndex) } : {}),
      };
    }),
  };
}

/** `1`, `'2'`, `v3`: keys a fix can continue. Objects keyed otherwise (`up`/`down`, names) are not migration lists. */
const VERSION_KEY = /^(['"]?)[A-Za-z_]*\d+\1$/;

function objectContainer(object: Node | null, source: string): MigrationContainer | undefined {
  if (object?.type !== 'object') return undefined;
  const entries: MigrationContainer['entries'] = [];
  for (const entry of elementsOf(object)) {
    const key = entry.type === 'pair' ? entry.childForFieldName('key') : null;
    if (!key) return undefined;
    const keyText = source.slice(key.startIndex, key.endIndex);
    if (!VERSION_KEY.test(keyText)) return undefined;
    entries.push({ range: { start: entry.startIndex, end: entry.endIndex }, key: keyText });
  }
  return { kind: 'dict', range: { start: object.startIndex, end: object.endIndex }, entries };
}
