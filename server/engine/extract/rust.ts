// SQL in Rust: sqlx macros and functions (`query!`, `query_as!`, `query_file!`, `sqlx::query(…)`), rusqlite
// (`execute`, `prepare`, `query_row`, `execute_batch`), and DDL in `const`/`static` strings (schema.rs modules).
// Crates whose Cargo.toml points at PostgreSQL or MySQL are skipped. The same walk fills the file's workload facts
// (rustWorkload.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node, Tree } from 'web-tree-sitter';
import { isDdl, stripLeadingComments } from '../sql/split';
import { LineIndex } from '../text/lineIndex';
import type { ExtractedSql, FileFacts, SourceFile } from '../types';
import type { MappedSqlBuilder } from './params';
import { RUST_LOOP_TYPES, RustWorkloadCollector } from './rustWorkload';
import {
  DdlCandidates,
  evaluateExpression,
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
import { withSyntaxTree } from './treeSitter';

/** sqlx macros whose first string literal is the SQL (`query_as!(T, "…")` included). */
const QUERY_MACROS = new Set([
  'query',
  'query_as',
  'query_scalar',
  'query_unchecked',
  'query_as_unchecked',
  'query_scalar_unchecked',
]);
/** sqlx macros whose first string literal is a path to a .sql file, relative to the crate root. */
const QUERY_FILE_MACROS = new Set([
  'query_file',
  'query_file_as',
  'query_file_scalar',
  'query_file_unchecked',
  'query_file_as_unchecked',
  'query_file_scalar_unchecked',
]);
/** sqlx functions whose first argument is SQL: `sqlx::query("…")`, `query_as::<_, T>("…")`, `raw_sql("…")`. */
const QUERY_FUNCTIONS = new Set([
  'query',
  'query_as',
  'query_scalar',
  'query_with',
  'query_as_with',
  'query_scalar_with',
  'raw_sql',
]);
/** Methods whose first argument is SQL: rusqlite's Connection and Transaction, sqlx's Executor. */
const EXECUTE_METHODS = new Set([
  'execute',
  'execute_batch',
  'prepare',
  'prepare_cached',
  'query_row',
  'query_row_and_then',
  'query_one',
]);
/** Methods that grow a String in place: the name no longer holds its first value. */
const MUTATING_METHODS = new Set(['push_str', 'push', 'insert_str', 'clear', 'truncate', 'replace_range']);
/** Conversions that keep a string's text: `.to_string()`, `.as_str()`, `String::from(…)`. */
const TEXT_METHODS = new Set(['to_string', 'to_owned', 'as_str', 'as_ref', 'into', 'trim', 'trim_start', 'trim_end']);
const TEXT_FUNCTIONS = new Set(['String::from', 'str::to_string', 'String::from_str']);

const SQL_KEYWORDS = new Set([
  'SELECT', 'WITH', 'INSERT', 'UPDATE', 'DELETE', 'REPLACE', 'PRAGMA', 'CREATE', 'ALTER', 'DROP', 'EXPLAIN',
  'VALUES', 'BEGIN', 'COMMIT', 'ROLLBACK', 'SAVEPOINT', 'RELEASE', 'ANALYZE', 'VACUUM', 'REINDEX', 'ATTACH', 'DETACH',
]);
/** DDL that is schema even when no call is in sight (prose such as "Create a new user" is not). */
const SCHEMA_DDL_SHAPE =
  /^(?:create\s+(?:temp(?:orary)?\s+)?(?:unique\s+)?(?:table|index|view|trigger|virtual\s+table)|alter\s+table|drop\s+(?:table|index|view|trigger))\s+[^\s;]/i;
const DDL_VERBS = new Set(['create', 'alter', 'drop']);

/** Largest .sql file a `query_file!` may pull in (the workspace reader's cap). */
const MAX_QUERY_FILE_BYTES = 2 * 1024 * 1024;

const SQL_HINT =
  /\b(?:select\s|insert\s|update\s+\S+\s+set\b|delete\s+from\b|replace\s+into\b|with\s|create\s|alter\s+table\b|drop\s|pragma\b|explain\s|query_file)/i;
/** Connection setup, which pragma-config reads even in a file that runs no SQL itself. */
const CONNECT_HINT = /\b(?:SqliteConnectOptions|SqlitePool|SqliteConnection|SqliteConnectionManager)\b|\bConnection::open/;

const VISITED_TYPES = [
  'line_comment',
  'block_comment',
  'string_literal',
  'raw_string_literal',
  'macro_invocation',
  'call_expression',
  'let_declaration',
  'assignment_expression',
  'compound_assignment_expr',
  'function_item',
  // workload facts only
  ...RUST_LOOP_TYPES,
  'use_declaration',
  'closure_expression',
  'impl_item',
  'trait_item',
  'mod_item',
];

/** Items a path can name from anywhere in the file (`collectItems`). */
const ITEM_TYPES = new Set(['const_item', 'static_item']);
const VISITED_AND_ITEM_TYPES = [...VISITED_TYPES, ...ITEM_TYPES];

export interface RustExtractOptions {
  /** Absolute workspace root: needed to find each crate's Cargo.toml and the files `query_file!` names. */
  root?: string;
  /** Parse even without a sign of SQL: the workspace asks for that when the file calls a function that queries. */
  always?: boolean;
}

type Bindings = Map<string, Node | null>;

interface Scope {
  kind: 'module' | 'type' | 'function';
  name: string;
  bindings: Bindings;
  end: number;
  /** The type an `impl` or `trait` block defines methods of (its functions are owned by it). */
  implOf?: string;
}

/**
 * Finds the SQL of one Rust file and its workload facts. Never throws on broken code, missing manifests or
 * unreadable query files. A file with no sign of SQL or connections is not parsed (and has no `workload`) unless
 * `always` is set.
 */
export async function extractRust(file: SourceFile, options: RustExtractOptions = {}): Promise<FileFacts> {
  const empty: FileFacts = { file: file.path, language: 'rust', statements: [], suppressions: [] };
  if (!options.always && !SQL_HINT.test(file.text) && !CONNECT_HINT.test(file.text)) return empty;
  const crate = options.root !== undefined ? crateOf(options.root, file.path) : undefined;
  if (crate?.skipReason) return { ...empty, skippedDialect: crate.skipReason };
  const facts = await withSyntaxTree('rust', file.text, (tree) => new RustExtractor(file, tree, crate).run());
  return facts ?? empty;
}

class RustExtractor {
  private readonly source: string;
  private readonly queries: ExtractedSql[] = [];
  private readonly ddl = new DdlCandidates();
  private readonly comments: Array<{ text: string; line: number }> = [];
  private lineIndex: LineIndex | undefined;
  private readonly scopes: Scope[] = [];
  /** `const` and `static` items of the whole file by name (null when two differ). */
  private readonly items: Bindings = new Map();
  private readonly visitedRoots = new Set<string>();
  private readonly workload: RustWorkloadCollector;
  private readonly itemResolver: NameResolver = (name) => {
    const value = this.items.get(name);
    return value === undefined ? undefined : { value, resolve: this.itemResolver };
  };

  constructor(
    private readonly file: SourceFile,
    private readonly tree: Tree,
    /** The crate the file belongs to, when its Cargo.toml was found. */
    private readonly crate: CrateInfo | undefined,
  ) {
    this.source = file.text;
    this.workload = new RustWorkloadCollector(file.text);
  }

  run(): FileFacts {
    // One native pass collects the items and the visited nodes: the items come first, as a path may name an item
    // defined further down.
    const nodes = this.tree.rootNode.descendantsOfType(VISITED_AND_ITEM_TYPES);
    const types = nodes.map((node) => node.type); // each read is a call into WASM: once per node
    this.collectItems(nodes.filter((_, index) => ITEM_TYPES.has(types[index])));
    this.scopes.push({ kind: 'module', name: '', bindings: new Map(), end: Infinity });
    nodes.forEach((node, index) => {
      if (!ITEM_TYPES.has(types[index])) this.visit(node, types[index]);
    });
    const statements = [...this.queries, ...this.ddlStatements()];
    statements.sort((a, b) => a.range.start - b.range.start);
    const lineComments = this.comments.filter((comment) => comment.text.startsWith('//'));
    const blockComments = this.comments.filter((comment) => comment.text.startsWith('/*'));
    const suppressions = [...collectSuppressions(lineComments, '//'), ...collectSuppressions(blockComments, '/*')];
    suppressions.sort((a, b) => a.line - b.line);
    return { file: this.file.path, language: 'rust', statements, suppressions, workload: this.workload.finish() };
  }

  private visit(node: Node, type: string): void {
    const start = node.startIndex;
    while (this.scopes.length > 1 && this.currentScope().end <= start) this.scopes.pop();
    switch (type) {
      case 'line_comment':
      case 'block_comment': {
        // Only comments that can be directives are kept (and located).
        const text = node.text;
        if (text.includes('planlens')) this.comments.push({ text, line: this.lineOf(start) });
        break;
      }
      case 'string_literal':
      case 'raw_string_literal':
        if (this.contentMayStartWithDdl(node)) this.visitLiteral(node);
        break;
      case 'macro_invocation':
        this.visitMacro(node);
        break;
      case 'call_expression':
        this.visitCall(node);
        break;
      case 'let_declaration': {
        this.workload.visitLet(node);
        const pattern = node.childForFieldName('pattern');
        if (pattern?.type === 'identifier') this.currentScope().bindings.set(pattern.text, node.childForFieldName('value'));
        else bindPattern(pattern, this.currentScope().bindings);
        break;
      }
      case 'assignment_expression': {
        this.workload.visitAssignment(node);
        const left = node.childForFieldName('left');
        if (left?.type === 'identifier') this.currentScope().bindings.set(left.text, node.childForFieldName('right'));
        break;
      }
      case 'compound_assignment_expr':
        // `sql += " AND …"` makes the name conditional: stop following it.
        bindPattern(node.childForFieldName('left'), this.currentScope().bindings);
        break;
      case 'for_expression':
        this.workload.visitLoop(node);
        bindPattern(node.childForFieldName('pattern'), this.currentScope().bindings);
        break;
      case 'while_expression':
      case 'loop_expression':
        this.workload.visitLoop(node);
        break;
      case 'use_declaration':
        this.workload.visitUse(node);
        break;
      case 'function_item': {
        this.enterFunction(node);
        const outer = this.scopes[this.scopes.length - 2];
        this.workload.enterFunction(node, this.enclosingFunction() ?? '', outer?.implOf);
        break;
      }
      case 'closure_expression':
        this.enterFunction(node);
        break;
      case 'impl_item':
      case 'trait_item':
      case 'mod_item': {
        const name = typeScopeName(node);
        const scope: Scope = { kind: 'type', name, bindings: new Map(), end: node.endIndex };
        if (node.type !== 'mod_item') scope.implOf = name;
        this.scopes.push(scope);
        break;
      }
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
    bindPattern(node.childForFieldName('parameters'), bindings);
    const name = node.type === 'function_item' ? (node.childForFieldName('name')?.text ?? '') : '';
    this.scopes.push({ kind: 'function', name, bindings, end: node.endIndex });
  }

  /** Every `const`/`static` of the file, wherever it sits (module, `mod`, `impl`, function body). */
  private collectItems(items: Node[]): void {
    const seen = new Map<string, string>();
    for (const item of items) {
      const name = item.childForFieldName('name')?.text;
      const value = item.childForFieldName('value');
      if (name === undefined) continue;
      const previous = seen.get(name);
      if (previous === undefined) {
        seen.set(name, value?.text ?? '');
        this.items.set(name, value);
      } else if (previous !== (value?.text ?? '')) {
        this.items.set(name, null); // two different items of one name: cannot tell which one a path means
      }
    }
  }

  /** `Type::method`, `module::function`; closures are not named. Undefined outside functions. */
  private enclosingFunction(): string | undefined {
    if (!this.scopes.some((scope) => scope.kind === 'function')) return undefined;
    return this.scopes
      .filter((scope) => scope.kind !== 'module' && scope.name !== '')
      .map((scope) => scope.name)
      .join('::');
  }

  private currentResolver(): NameResolver {
    const scopes = this.scopes;
    const resolver: NameResolver = (name) => {
      for (let i = scopes.length - 1; i >= 1; i--) {
        if (scopes[i].kind !== 'function') continue;
        const value = scopes[i].bindings.get(name);
        if (value !== undefined) return { value, resolve: resolver };
      }
      return this.itemResolver(name);
    };
    return resolver;
  }

  // -------------------------------------------------------------------------------------------
  // macros, calls and DDL literals

  private site(node: Node, method: string): CallSite {
    return { call: { method, range: { start: node.startIndex, end: node.endIndex } }, enclosingFunction: this.enclosingFunction() };
  }

  private visitMacro(node: Node): void {
    const name = lastSegment(node.childForFieldName('macro'));
    if (name === undefined) return;
    const isQuery = QUERY_MACROS.has(name);
    if (!isQuery && !QUERY_FILE_MACROS.has(name)) return;
    this.workload.visitQueryMacro(node, name);
    const literal = firstLiteralToken(node);
    if (!literal) return;
    if (isQuery) {
      const evaluation = this.evaluate(literal, undefined);
      if (evaluation && startsWithSqlKeyword(evaluation.mapped.sql)) this.report(evaluation, this.site(node, name), node);
      return;
    }
    const sqlPath = this.evaluate(literal, undefined);
    if (sqlPath && !sqlPath.dynamic) this.reportQueryFile(sqlPath.mapped.sql, literal, this.site(node, name));
  }

  /**
   * `query_file!("queries/x.sql")`: the statement is the file's SQL, located on the path literal (diagnostics
   * cannot point inside another file's text from here). Unreadable or missing files are skipped.
   */
  private reportQueryFile(relativePath: string, literal: Node, site: CallSite): void {
    if (this.crate === undefined) return;
    const queryFile = path.resolve(this.crate.dir, relativePath);
    // Only files inside the workspace: an opened project must not make the editor read elsewhere.
    if (!isWithin(queryFile, this.crate.root)) return;
    const sql = readQueryFile(queryFile);
    if (sql === undefined || !startsWithSqlKeyword(sql)) return;
    const range = { start: literal.startIndex, end: literal.endIndex };
    const statement: ExtractedSql = {
      file: this.file.path,
      language: 'rust',
      sql,
      range,
      sqlToFile: (sqlOffset) => (sqlOffset >= sql.length ? range.end : range.start),
      role: isDdl(sql) ? 'schema' : 'query',
      certainty: 'executed',
      call: site.call,
    };
    if (site.enclosingFunction !== undefined) statement.enclosingFunction = site.enclosingFunction;
    statement.queryFile = path.relative(this.crate.root, queryFile).split(path.sep).join('/');
    this.queries.push(statement);
  }

  private visitCall(node: Node): void {
    const callee = node.childForFieldName('function');
    const argumentsNode = node.childForFieldName('arguments');
    if (!callee || argumentsNode?.type !== 'arguments') return;
    this.workload.visitCall(node, callee, argumentsNode);
    let method: string | undefined;
    if (callee.type === 'field_expression') {
      method = callee.childForFieldName('field')?.text;
      const receiver = callee.childForFieldName('value');
      if (method !== undefined && MUTATING_METHODS.has(method) && receiver?.type === 'identifier') {
        this.currentScope().bindings.set(receiver.text, null);
        return;
      }
      if (method === undefined || !EXECUTE_METHODS.has(method)) return;
    } else {
      method = lastSegment(callee.type === 'generic_function' ? callee.childForFieldName('function') : callee);
      if (method === undefined || !QUERY_FUNCTIONS.has(method)) return;
    }
    const argument = firstNonComment(argumentsNode);
    if (!argument) return;
    const evaluation = this.evaluate(argument, this.currentResolver());
    if (!evaluation || !startsWithSqlKeyword(evaluation.mapped.sql)) return;
    this.report(evaluation, this.site(node, method), node);
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

  /** A literal met by the walk: DDL in the expression it belongs to is schema even without a call in sight. */
  private visitLiteral(piece: Node): void {
    const root = literalRoot(piece);
    if (!root) return;
    const key = rangeKey(root);
    if (this.visitedRoots.has(key) || this.ddl.has(key)) return;
    this.visitedRoots.add(key);
    const evaluation = this.evaluate(root, undefined);
    if (!evaluation) return;
    const head = stripLeadingComments(evaluation.mapped.sql);
    if (leadingKeyword(head) === undefined || !isDdl(head)) return;
    const enclosingFunction = this.enclosingFunction();
    if (isDownMigration(root, enclosingFunction)) return;
    const candidate = this.ddl.get(evaluation);
    candidate.schemaShaped = SCHEMA_DDL_SHAPE.test(head);
    candidate.enclosingFunction = enclosingFunction;
  }

  /** Cheap test that a literal may start with DDL: the first word after `r#"`/`"` and blanks, or a comment/escape. */
  private contentMayStartWithDdl(literal: Node): boolean {
    const source = this.source;
    let i = literal.startIndex;
    while (i < literal.endIndex && (source[i] === 'r' || source[i] === '#')) i++;
    if (source[i] !== '"') return false; // byte and C strings are never SQL here
    i++;
    while (i < source.length && isBlank(source.charCodeAt(i))) i++;
    const wordStart = i;
    while (i < source.length && isAsciiLetter(source.charCodeAt(i))) i++;
    if (i > wordStart) return DDL_VERBS.has(source.slice(wordStart, i).toLowerCase());
    const ch = source[i];
    return ch !== undefined && '-/\\'.includes(ch);
  }

  private ddlStatements(): ExtractedSql[] {
    return this.ddl.statements(
      (evaluation, certainty, site) => this.statement(evaluation, 'schema', certainty, site),
    );
  }

  private statement(
    evaluation: Evaluation,
    role: ExtractedSql['role'],
    certainty: ExtractedSql['certainty'],
    site: Partial<CallSite>,
  ): ExtractedSql {
    return toExtractedSql(this.file.path, 'rust', evaluation, evaluation.mapped, role, certainty, site);
  }

  // -------------------------------------------------------------------------------------------
  // string expressions → SQL

  /**
   * Turns a string expression into SQL: string and raw string literals, `concat!`, `format!` (holes become `?`),
   * `&x`, `.to_string()`-like conversions and names bound to such (when `resolve` is given).
   */
  private evaluate(expression: Node, resolve: NameResolver | undefined): Evaluation | undefined {
    return evaluateExpression(
      expression,
      resolve,
      (node, nodeResolve) => this.follow(node, nodeResolve),
      (root, _resolve, state) => this.append(root, state),
    );
  }

  /** One step through something that only stands for a string expression. */
  private follow(node: Node, resolve: NameResolver | undefined): Resolution | undefined {
    const resolveOrNone = resolve ?? noNames;
    switch (node.type) {
      case 'parenthesized_expression':
      case 'reference_expression': {
        const inner = node.type === 'reference_expression' ? node.childForFieldName('value') : firstNonComment(node);
        return inner ? { value: inner, resolve: resolveOrNone } : undefined;
      }
      case 'identifier':
        return resolve?.(node.text) ?? { value: null, resolve: noNames };
      case 'scoped_identifier': {
        // `Self::SQL`, `queries::BY_ID`: an item of this file with that name.
        const name = node.childForFieldName('name')?.text;
        return (resolve && name !== undefined && this.itemResolver(name)) || { value: null, resolve: noNames };
      }
      case 'call_expression': {
        const inner = textConversionOf(node);
        return inner ? { value: inner, resolve: resolveOrNone } : undefined;
      }
      default:
        return undefined;
    }
  }

  private append(node: Node, state: EvaluationState): boolean {
    switch (node.type) {
      case 'string_literal':
      case 'raw_string_literal':
        return this.appendLiteral(node, state, false);
      case 'macro_invocation': {
        const name = lastSegment(node.childForFieldName('macro'));
        const tokens = node.namedChildren.find((child) => child.type === 'token_tree');
        if (!tokens) return false;
        if (name === 'concat') {
          // Only literals and commas: `concat!("SELECT …", "WHERE …")`.
          for (const token of tokens.children) {
            if (token.type === 'string_literal' || token.type === 'raw_string_literal') {
              if (!this.appendLiteral(token, state, false)) return false;
            } else if (token.type !== ',' && token.type !== '(' && token.type !== ')' && token.type !== '[' && token.type !== ']') {
              return false;
            }
          }
          return true;
        }
        if (name === 'format') {
          const formatString = firstLiteralToken(node);
          return formatString !== null && formatString.startIndex === firstNonComment(tokens)?.startIndex && this.appendLiteral(formatString, state, true);
        }
        return false;
      }
      default:
        return false;
    }
  }

  /** A complete string or raw string literal; byte and C strings are refused. `format` turns `{…}` into `?`. */
  private appendLiteral(node: Node, state: EvaluationState, format: boolean): boolean {
    const delimiters = literalDelimiters(this.source, node);
    if (!delimiters) return false;
    const { contentStart, contentEnd, raw } = delimiters;
    if (format) this.appendFormatted(contentStart, contentEnd, raw, state);
    else this.appendDecoded(contentStart, contentEnd, raw, state.builder);
    state.pieces.push({
      range: { start: node.startIndex, end: node.endIndex },
      contentRange: { start: contentStart, end: contentEnd },
      quote: delimiters.quote,
      prefix: delimiters.prefix,
    });
    return true;
  }

  /** A `format!` string: `{{`/`}}` are braces, every `{…}` argument a `?` padded to its length. */
  private appendFormatted(start: number, end: number, raw: boolean, state: EvaluationState): void {
    const source = this.source;
    let position = start;
    let i = start;
    while (i < end) {
      const ch = source[i];
      if ((ch === '{' || ch === '}') && source[i + 1] === ch && i + 1 < end) {
        this.appendDecoded(position, i, raw, state.builder);
        state.builder.appendReplacement(ch, i, i + 2);
        i += 2;
        position = i;
      } else if (ch === '{') {
        const close = source.indexOf('}', i + 1);
        if (close === -1 || close >= end) break;
        this.appendDecoded(position, i, raw, state.builder);
        state.builder.appendReplacement('?'.padEnd(close + 1 - i, ' '), i, close + 1);
        state.dynamic = true;
        i = close + 1;
        position = i;
      } else {
        i++;
      }
    }
    this.appendDecoded(position, end, raw, state.builder);
  }

  /** Copies source text [start, end) into the builder, decoding Rust escapes unless raw. */
  private appendDecoded(start: number, end: number, raw: boolean, builder: MappedSqlBuilder): void {
    const source = this.source;
    if (raw) {
      builder.appendVerbatim(source.slice(start, end), start);
      return;
    }
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
// crates: where Cargo.toml is, and which database it talks to

interface CrateInfo {
  /** Absolute folder of the crate's Cargo.toml. */
  dir: string;
  /** Absolute workspace root. */
  root: string;
  /** Set when the crate talks to PostgreSQL or MySQL and not SQLite. */
  skipReason?: string;
}

/** Nearest Cargo.toml folder (absolute) per absolute folder; null when none up to the root. */
const manifestDirCache = new Map<string, string | null>();
/** Parsed manifests by path, valid while the file's mtime is unchanged. */
const manifestCache = new Map<string, { mtimeMs: number; manifest: Manifest }>();

interface Manifest {
  isWorkspace: boolean;
  /** Dependency name → its value text (inline table, version string or table body). */
  dependencies: Map<string, string>;
}

const SQLITE_CRATES = new Set(['rusqlite', 'tokio-rusqlite', 'r2d2_sqlite', 'deadpool-sqlite', 'libsql', 'sqlite', 'async-sqlite']);
const FOREIGN_CRATES: Readonly<Record<string, string>> = {
  postgres: 'PostgreSQL',
  'tokio-postgres': 'PostgreSQL',
  'deadpool-postgres': 'PostgreSQL',
  'bb8-postgres': 'PostgreSQL',
  r2d2_postgres: 'PostgreSQL',
  mysql: 'MySQL',
  mysql_async: 'MySQL',
};
/** Crates whose `features` pick the database: sqlx, diesel, sea-orm. */
const FEATURE_CRATES = new Set(['sqlx', 'diesel', 'sea-orm']);

function crateOf(root: string, relativeFile: string): CrateInfo | undefined {
  const absoluteRoot = path.resolve(root);
  const manifestDir = nearestManifestDir(path.dirname(path.resolve(absoluteRoot, relativeFile)), absoluteRoot);
  if (manifestDir === null) return undefined;
  const manifest = readManifest(path.join(manifestDir, 'Cargo.toml'));
  if (!manifest) return { dir: manifestDir, root: absoluteRoot };
  const inheritsDependencies = [...manifest.dependencies.values()].some((value) => /\bworkspace\s*=\s*true\b/.test(value));
  const workspace = inheritsDependencies ? workspaceManifestAbove(manifestDir, absoluteRoot) : undefined;
  const reason = foreignDialectReason(manifest, workspace);
  const manifestLabel = path.relative(absoluteRoot, path.join(manifestDir, 'Cargo.toml')).split(path.sep).join('/');
  return { dir: manifestDir, root: absoluteRoot, ...(reason ? { skipReason: `${manifestLabel} ${reason}` } : {}) };
}

/** The `[workspace]` manifest above a member crate (`sqlx = { workspace = true }` takes its features from there). */
function workspaceManifestAbove(crateDir: string, root: string): Manifest | undefined {
  let dir = crateDir;
  for (;;) {
    const parent = path.dirname(dir);
    if (parent === dir || !isWithin(parent, root)) return undefined;
    const manifestDir = nearestManifestDir(parent, root);
    if (manifestDir === null) return undefined;
    const manifest = readManifest(path.join(manifestDir, 'Cargo.toml'));
    if (manifest?.isWorkspace) return manifest;
    dir = manifestDir;
  }
}

function nearestManifestDir(dir: string, root: string): string | null {
  const cached = manifestDirCache.get(dir);
  if (cached !== undefined) return cached;
  let found: string | null;
  if (fileExists(path.join(dir, 'Cargo.toml'))) found = dir;
  else {
    const parent = path.dirname(dir);
    found = parent !== dir && isWithin(parent, root) ? nearestManifestDir(parent, root) : null;
  }
  manifestDirCache.set(dir, found);
  return found;
}

function isWithin(dir: string, root: string): boolean {
  const relative = path.relative(root, dir);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function fileExists(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function readManifest(file: string): Manifest | undefined {
  try {
    const stats = fs.statSync(file);
    const cached = manifestCache.get(file);
    if (cached && cached.mtimeMs === stats.mtimeMs) return cached.manifest;
    const manifest = parseManifest(fs.readFileSync(file, 'utf8'));
    manifestCache.set(file, { mtimeMs: stats.mtimeMs, manifest });
    return manifest;
  } catch {
    return undefined;
  }
}

/**
 * Just enough TOML for dependency tables: `[dependencies]`, `[dev-dependencies]`, `[workspace.dependencies]`,
 * `[target.'…'.dependencies]` entries (inline tables may span lines), and `[dependencies.sqlx]` tables.
 */
function parseManifest(text: string): Manifest {
  const dependencies = new Map<string, string>();
  let section = '';
  let isWorkspace = false;
  let tableDependency: string | undefined;
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index].replace(/^\s+/, '');
    if (line.startsWith('[')) {
      section = line.replace(/#.*$/, '').trim().replace(/^\[+|\]+$/g, '').trim();
      if (section === 'workspace' || section.startsWith('workspace.')) isWorkspace = true;
      const dependencyTable = /(?:^|\.)(?:dev-|build-)?dependencies\.("?)([A-Za-z0-9_-]+)\1$/.exec(section);
      tableDependency = dependencyTable?.[2];
      if (tableDependency !== undefined) dependencies.set(tableDependency, '');
      continue;
    }
    if (tableDependency !== undefined) {
      dependencies.set(tableDependency, `${dependencies.get(tableDependency)}\n${line}`);
      continue;
    }
    if (!/(?:^|\.)(?:dev-|build-)?dependencies$/.test(section)) continue;
    const entry = /^("?)([A-Za-z0-9_-]+)\1\s*=\s*(.*)$/.exec(line);
    if (!entry) continue;
    let value = entry[3];
    // An inline table or array continues until its brackets balance.
    while (bracketDepth(value) > 0 && index + 1 < lines.length) value += `\n${lines[++index]}`;
    dependencies.set(entry[2], value);
  }
  return { isWorkspace, dependencies };
}

function bracketDepth(text: string): number {
  let depth = 0;
  for (const ch of text.replace(/"[^"\n]*"/g, '')) {
    if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') depth--;
  }
  return depth;
}

function featuresOf(value: string | undefined): string[] {
  const list = value === undefined ? undefined : /\bfeatures\s*=\s*\[([^\]]*)\]/.exec(value)?.[1];
  return list ? [...list.matchAll(/"([^"]+)"/g)].map((match) => match[1]) : [];
}

/** What the crate's dependencies say: undefined when it may talk to SQLite, else why it is skipped. */
function foreignDialectReason(manifest: Manifest, workspace: Manifest | undefined): string | undefined {
  let foreign: string | undefined;
  for (const [name, value] of manifest.dependencies) {
    if (SQLITE_CRATES.has(name)) return undefined;
    if (FEATURE_CRATES.has(name)) {
      const features = [...featuresOf(value), ...featuresOf(workspace?.dependencies.get(name))];
      if (features.some((feature) => /sqlite/.test(feature))) return undefined;
      const database = features.find((feature) => /postgres|mysql/.test(feature));
      if (database && !foreign) {
        foreign = `depends on ${name} with the "${database}" feature and not "sqlite" (${database.includes('mysql') ? 'MySQL' : 'PostgreSQL'})`;
      }
      continue;
    }
    if (FOREIGN_CRATES[name] && !foreign) foreign = `depends on ${name} (${FOREIGN_CRATES[name]}) and no SQLite driver`;
  }
  return foreign;
}

function readQueryFile(file: string): string | undefined {
  try {
    if (fs.statSync(file).size > MAX_QUERY_FILE_BYTES) return undefined;
    return fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// helpers on nodes and text

const noNames: NameResolver = () => undefined;

function firstNonComment(node: Node): Node | null {
  for (const child of node.namedChildren) if (child.type !== 'line_comment' && child.type !== 'block_comment') return child;
  return null;
}

/** `query` for `query`, `sqlx::query`; undefined for anything else. */
function lastSegment(node: Node | null): string | undefined {
  if (!node) return undefined;
  if (node.type === 'identifier') return node.text;
  if (node.type === 'scoped_identifier') return node.childForFieldName('name')?.text;
  return undefined;
}

/** The first string literal among a macro's top-level tokens. */
function firstLiteralToken(macro: Node): Node | null {
  const tokens = macro.namedChildren.find((child) => child.type === 'token_tree');
  for (const token of tokens?.namedChildren ?? []) {
    if (token.type === 'string_literal' || token.type === 'raw_string_literal') return token;
  }
  return null;
}

/** `impl Logs`, `impl Trait for Logs`, `impl<T> Repo<T>` → the type's name; `mod x`, `trait X` → their name. */
function typeScopeName(node: Node): string {
  if (node.type !== 'impl_item') return node.childForFieldName('name')?.text ?? '';
  const type = node.childForFieldName('type');
  if (type?.type === 'generic_type') return type.childForFieldName('type')?.text ?? '';
  return type?.text ?? '';
}

/** Every identifier a pattern or parameter list binds now holds something unknown. */
function bindPattern(pattern: Node | null, bindings: Bindings): void {
  if (!pattern) return;
  if (pattern.type === 'identifier') {
    bindings.set(pattern.text, null);
    return;
  }
  if (pattern.type === 'parameter') {
    bindPattern(pattern.childForFieldName('pattern'), bindings);
    return;
  }
  if (pattern.type.endsWith('type') || pattern.type === 'type_identifier' || pattern.type === 'scoped_identifier') return;
  for (const child of pattern.namedChildren) bindPattern(child, bindings);
}

/** `String::from(x)`, `x.to_string()`, `x.as_str()`, `x.trim()` → x. */
function textConversionOf(call: Node): Node | null {
  const callee = call.childForFieldName('function');
  const argumentsNode = call.childForFieldName('arguments');
  if (!callee || argumentsNode?.type !== 'arguments') return null;
  const argumentCount = argumentsNode.namedChildren.length;
  if (callee.type === 'field_expression') {
    const method = callee.childForFieldName('field')?.text;
    return method !== undefined && TEXT_METHODS.has(method) && argumentCount === 0 ? callee.childForFieldName('value') : null;
  }
  if (callee.type === 'scoped_identifier' && TEXT_FUNCTIONS.has(callee.text) && argumentCount === 1) {
    return argumentsNode.namedChildren[0];
  }
  return null;
}

/**
 * The expression a literal belongs to: itself, or the `concat!` it is part of. Undefined inside other macros
 * (sqlx's query macros are reported as calls; `format!` strings are only SQL when a call uses them).
 */
function literalRoot(piece: Node): Node | undefined {
  const parent = piece.parent;
  if (parent?.type !== 'token_tree') return piece;
  const macro = parent.parent;
  return macro?.type === 'macro_invocation' && lastSegment(macro.childForFieldName('macro')) === 'concat' ? macro : undefined;
}

/** DDL that undoes a migration (`fn down`, `down: "DROP TABLE …"` in a struct literal) never builds the schema. */
function isDownMigration(root: Node, enclosingFunction: string | undefined): boolean {
  if (enclosingFunction !== undefined && /(?:^|::)down$/.test(enclosingFunction)) return true;
  const parent = root.parent;
  return parent?.type === 'field_initializer' && parent.childForFieldName('field')?.text === 'down';
}

/** Where a literal's content is, and how it is quoted; undefined for byte/C strings and broken literals. */
function literalDelimiters(
  source: string,
  node: Node,
): { contentStart: number; contentEnd: number; raw: boolean; quote: string; prefix: string } | undefined {
  const start = node.startIndex;
  const end = node.endIndex;
  if (node.hasError) return undefined;
  if (node.type === 'string_literal') {
    if (source[start] !== '"' || end - start < 2 || source[end - 1] !== '"') return undefined;
    return { contentStart: start + 1, contentEnd: end - 1, raw: false, quote: '"', prefix: '' };
  }
  if (source[start] !== 'r') return undefined;
  let hashes = 0;
  while (source[start + 1 + hashes] === '#') hashes++;
  const contentStart = start + 2 + hashes;
  const closing = `"${'#'.repeat(hashes)}`;
  if (source[start + 1 + hashes] !== '"' || end - closing.length < contentStart || source.slice(end - closing.length, end) !== closing) {
    return undefined;
  }
  // `r"…"` is the raw prefix on a plain quote; `r#"…"#` is written as one opening quote.
  return hashes === 0
    ? { contentStart, contentEnd: end - 1, raw: true, quote: '"', prefix: 'r' }
    : { contentStart, contentEnd: end - closing.length, raw: true, quote: `r${'#'.repeat(hashes)}"`, prefix: '' };
}

/** Statements that are complete as one word; every other keyword needs something after it (`cache.get('select')`). */
const SINGLE_WORD_STATEMENTS = new Set(['BEGIN', 'COMMIT', 'ROLLBACK', 'ANALYZE', 'VACUUM', 'REINDEX']);

function startsWithSqlKeyword(sql: string): boolean {
  const keyword = leadingKeyword(sql);
  if (keyword === undefined || !SQL_KEYWORDS.has(keyword)) return false;
  return SINGLE_WORD_STATEMENTS.has(keyword) || /^[A-Za-z]+\s+\S/.test(stripLeadingComments(sql));
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', '0': '\0', "'": "'", '"': '"' };

/** Decodes the Rust escape at `start` (a backslash); malformed escapes stand for themselves. */
function decodeEscape(source: string, start: number, end: number): { text: string; length: number } {
  const next = source[start + 1];
  if (start + 1 >= end || next === undefined) return { text: '\\', length: 1 };
  if (next === '\n' || next === '\r') {
    // A line continuation also swallows the next line's leading whitespace.
    let i = start + 1;
    while (i < end && isBlank(source.charCodeAt(i))) i++;
    return { text: '', length: i - start };
  }
  const simple = SIMPLE_ESCAPES[next];
  if (simple !== undefined) return { text: simple, length: 2 };
  if (next === 'x' && /^[0-7][0-9A-Fa-f]$/.test(source.slice(start + 2, start + 4)) && start + 4 <= end) {
    return { text: String.fromCharCode(parseInt(source.slice(start + 2, start + 4), 16)), length: 4 };
  }
  if (next === 'u' && source[start + 2] === '{') {
    const close = source.indexOf('}', start + 3);
    const hex = close === -1 ? '' : source.slice(start + 3, close).replace(/_/g, '');
    if (close !== -1 && close < end && /^[0-9A-Fa-f]{1,6}$/.test(hex) && parseInt(hex, 16) <= 0x10ffff) {
      return { text: String.fromCodePoint(parseInt(hex, 16)), length: close + 1 - start };
    }
  }
  return { text: '\\', length: 1 };
}

