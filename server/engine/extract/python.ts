import type { Node, Tree } from 'web-tree-sitter';
import { isDdlScript, stripLeadingComments } from '../sql/split';
import { LineIndex } from '../text/lineIndex';
import type {
  CalleeRef,
  ExtractedSql,
  FileFacts,
  MigrationContainer,
  SourceFile,
  Suppression,
} from '../types';
import { normalizeParameters, type MappedSqlBuilder } from './params';
import { calleeOf, PYTHON_LOOP_TYPES, PythonWorkloadCollector } from './pythonWorkload';
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
  type EvaluationState,
  type NameResolver,
  type Resolution,
} from './hostSql';
import { collectSuppressions } from './suppressions';
import { sharedEnds, withSyntaxTree } from './treeSitter';
import { copyLists, isSelfContained, locateUnitEdit, SPLICEABLE_UNITS, spliceFacts, type UnitSpan } from './pythonSplice';

/** Methods of sqlite3 / aiosqlite connections and cursors and SQLAlchemy connections whose first argument is SQL. */
const EXECUTE_METHODS = new Set([
  'execute',
  'executemany',
  'executescript',
  'execute_fetchall',
  'execute_insert',
  'exec_driver_sql',
]);

/** Receivers of `.text(...)` that are SQLAlchemy (`sa.text`, `sqlalchemy.text`). */
const SQLALCHEMY_MODULES = new Set(['sa', 'sqlalchemy', 'sqlalchemy.sql']);

/** A string passed to an execute-like call is SQL only when it starts with one of these. */
const SQL_KEYWORDS = new Set([
  'SELECT', 'WITH', 'INSERT', 'UPDATE', 'DELETE', 'REPLACE', 'PRAGMA', 'CREATE', 'ALTER', 'DROP', 'EXPLAIN',
  'VALUES', 'BEGIN', 'COMMIT', 'ROLLBACK', 'SAVEPOINT', 'RELEASE', 'ANALYZE', 'VACUUM', 'REINDEX', 'ATTACH', 'DETACH',
]);

/**
 * DDL that is schema even when no execute call is in sight: it names the object kind and something after it,
 * so prose such as "Create a new session" or "Drop me a line" is not mistaken for schema.
 */
const SCHEMA_DDL_SHAPE =
  /^(?:create\s+(?:temp(?:orary)?\s+)?(?:unique\s+)?(?:table|index|view|trigger|virtual\s+table)|alter\s+table|drop\s+(?:table|index|view|trigger))\s+[^\s;]/i;

const DDL_VERBS = new Set(['create', 'alter', 'drop']);

/** Calls that only trim whitespace around a string, which SQLite does not care about. */
const WHITESPACE_METHODS = new Set(['strip', 'lstrip', 'rstrip']);
const DEDENT_FUNCTIONS = new Set(['dedent', 'textwrap.dedent']);

/** The node kinds that bind names, which `runUnit` replays for the module-level statements before a definition. */
const BINDING_TYPES = [
  'assignment',
  'augmented_assignment',
  'for_statement',
  'for_in_clause',
  'as_pattern_target',
  'named_expression',
  'function_definition',
  'class_definition',
];

/**
 * The only node kinds the extractor looks at. One native pass (`descendantsOfType`) collects them in
 * source order, which costs a fraction of stepping a TreeCursor through every token from JavaScript.
 */
const VISITED_TYPES = [
  'comment',
  'string',
  'call',
  ...BINDING_TYPES,
  // workload facts only
  ...PYTHON_LOOP_TYPES.filter((type) => type !== 'for_statement'),
  'import_statement',
  'import_from_statement',
];

/** Words without which a file holds nothing for this extractor: it is not parsed at all. */
const SQL_CALL_HINT = /execute|exec_driver_sql|\btext\s*\(/;
const DDL_VERB_HINT = /\b(?:create|alter|drop)\b/i;
const DDL_OBJECT_HINT = /\b(?:table|index|view|trigger)\b/i;
/** Connection setup, which pragma-config reads even in a file that runs no SQL itself. */
const CONNECT_HINT = /\b(?:sqlite3|aiosqlite)\.connect\s*\(|create_(?:async_)?engine\s*\(/;

/** What a name is bound to: the value expression, or null when it holds something we cannot follow. */
type Bindings = Map<string, Node | null>;

interface Scope {
  kind: 'module' | 'class' | 'function';
  name: string;
  bindings: Bindings;
  /** End offset of the def/class (the module's is Infinity). */
  end: number;
}

/**
 * Finds the SQL of one Python file (execute-like calls, names they use, and DDL literals as schema) and its
 * workload facts. A file with no sign of SQL or connections is not parsed (and has no `workload`) unless
 * `always` is set: the workspace asks for that when the file calls a function that queries.
 */
export async function extractPython(file: SourceFile, options: { always?: boolean } = {}): Promise<FileFacts> {
  const facts =
    options.always || mayHoldSql(file.text) || CONNECT_HINT.test(file.text)
      ? await withSyntaxTree('python', file.text, (tree) => extractTree(file, tree))
      : undefined;
  return facts ?? { file: file.path, language: 'python', statements: [], suppressions: [] };
}

/** Below this size a whole extraction takes a few milliseconds: not worth keeping the facts for the next edit. */
const SPLICE_MIN_CHARS = 16 * 1024;
/** Large files whose last extraction is kept (an editor has a few open). */
const KEPT_EXTRACTIONS = 4;

/** The last extraction of a large text, with its top-level statements: the next edit may only redo one of them. */
interface KeptExtraction {
  text: string;
  units: UnitSpan[];
  facts: FileFacts;
}

/** By file path, least recently used first. */
const keptExtractions = new Map<string, KeptExtraction>();

/** How large texts were extracted (tests check that edits take the short way). */
export const extractionCounts = { spliced: 0, whole: 0 };

function extractTree(file: SourceFile, tree: Tree): FileFacts {
  if (file.text.length < SPLICE_MIN_CHARS) return new PythonExtractor(file, tree).run();
  const units = tree.rootNode.namedChildren;
  const spans = units.map((unit) => ({ type: unit.type, start: unit.startIndex, end: unit.endIndex }));
  const kept = keptExtractions.get(file.path);
  let spliced: FileFacts | undefined;
  try {
    spliced = kept && kept.text !== file.text ? extractEditedUnit(file, tree, units, spans, kept) : undefined;
  } catch {
    spliced = undefined; // the whole walk below reports what is wrong, if anything
  }
  if (spliced) extractionCounts.spliced++;
  else extractionCounts.whole++;
  const facts = spliced ?? new PythonExtractor(file, tree).run();
  keptExtractions.delete(file.path);
  keptExtractions.set(file.path, { text: file.text, units: spans, facts: copyLists(facts) });
  while (keptExtractions.size > KEPT_EXTRACTIONS) keptExtractions.delete(keptExtractions.keys().next().value!);
  return facts;
}

/**
 * After an edit inside one top-level function or class: walks that definition alone and splices its facts into
 * the previous ones (pythonSplice.ts). Undefined whenever the result might differ from a whole walk.
 */
function extractEditedUnit(file: SourceFile, tree: Tree, units: Node[], spans: UnitSpan[], kept: KeptExtraction): FileFacts | undefined {
  const { prefix, suffix } = sharedEnds(kept.text, file.text);
  const edit = locateUnitEdit(kept, { text: file.text, units: spans }, prefix, suffix);
  if (!edit) return undefined;
  const before = kept.text.slice(edit.before.start, edit.before.end);
  const after = file.text.slice(edit.after.start, edit.after.end);
  if (!isSelfContained(file.text, edit, [before, after])) return undefined;
  const moduleStatements = units.slice(0, edit.index).filter((unit) => !SPLICEABLE_UNITS.has(unit.type));
  const part = new PythonExtractor(file, tree).runUnit(units[edit.index], moduleStatements);
  return spliceFacts(kept.facts, part, edit, { previousText: kept.text, nextText: file.text });
}

/** Most Python files never touch SQL; a text search spares them the parse. */
function mayHoldSql(text: string): boolean {
  return SQL_CALL_HINT.test(text) || (DDL_VERB_HINT.test(text) && DDL_OBJECT_HINT.test(text));
}

class PythonExtractor {
  private readonly source: string;
  private readonly queries: ExtractedSql[] = [];
  /** DDL literals by the range of their root expression. */
  private readonly ddl = new DdlCandidates();
  private readonly comments: Array<{ text: string; line: number }> = [];
  private lineIndex: LineIndex | undefined;
  private readonly scopes: Scope[] = [];
  /** Module-level names as they are after the whole module ran: what functions see when they are called. */
  private readonly moduleFinal: Bindings = new Map();
  private readonly classAttributesByStart = new Map<number, Bindings>();
  private readonly classAttributesByName = new Map<string, Bindings>();
  /** String expressions the walk has already judged (by range). */
  private readonly visitedRoots = new Set<string>();
  /** `text(...)` calls already reported as the argument of their execute call. */
  private readonly wrappedTextCalls = new Set<number>();
  private readonly workload: PythonWorkloadCollector;
  /** Replaying module-level statements for their bindings only (`runUnit`): no facts are collected. */
  private replaying = false;
  private readonly moduleResolver: NameResolver = (name) => {
    const value = this.moduleFinal.get(name);
    return value === undefined ? undefined : { value, resolve: this.moduleResolver };
  };

  constructor(
    private readonly file: SourceFile,
    private readonly tree: Tree,
  ) {
    this.source = file.text;
    this.workload = new PythonWorkloadCollector(file.text);
  }

  run(): FileFacts {
    const root = this.tree.rootNode;
    this.collectModuleBindings(root);
    this.scopes.push({ kind: 'module', name: '', bindings: new Map(), end: Infinity });
    for (const node of root.descendantsOfType(VISITED_TYPES)) this.visit(node);
    return this.finish();
  }

  /**
   * The facts of one top-level definition, as a whole walk finds them there: the module-level statements before it
   * are replayed for the names they bind (class-body code reads the module as run so far), then the definition is
   * walked.
   */
  runUnit(unit: Node, moduleStatementsBefore: Node[]): FileFacts {
    this.collectModuleBindings(this.tree.rootNode);
    this.scopes.push({ kind: 'module', name: '', bindings: new Map(), end: Infinity });
    this.replaying = true;
    for (const statement of moduleStatementsBefore) for (const node of statement.descendantsOfType(BINDING_TYPES)) this.visit(node);
    this.replaying = false;
    for (const node of unit.descendantsOfType(VISITED_TYPES)) this.visit(node);
    return this.finish();
  }

  private finish(): FileFacts {
    const statements = [...this.queries, ...this.ddlStatements()];
    statements.sort((a, b) => a.range.start - b.range.start);
    const suppressions: Suppression[] = collectSuppressions(this.comments, '#');
    return { file: this.file.path, language: 'python', statements, suppressions, workload: this.workload.finish() };
  }

  // -------------------------------------------------------------------------------------------
  // the walk: nodes arrive in source order; scopes close when a node starts past their end

  private visit(node: Node): void {
    const start = node.startIndex;
    while (this.scopes.length > 1 && this.currentScope().end <= start) this.scopes.pop();
    switch (node.type) {
      case 'comment':
        this.comments.push({ text: node.text, line: this.lineOf(start) });
        break;
      case 'string':
        if (this.contentMayStartWithDdl(start)) this.visitLiteral(node);
        break;
      case 'call':
        this.visitCall(node, this.workload.visitCall(node));
        break;
      case 'assignment':
        this.bindAssignment(node, this.currentScope().bindings, this.innermostClass()?.bindings);
        if (!this.replaying) this.workload.visitAssignment(node);
        break;
      case 'augmented_assignment':
        // `sql += " AND …"` makes the name conditional: stop following it.
        this.bindUnresolvable(node.childForFieldName('left'), this.currentScope().bindings);
        break;
      case 'for_statement':
        if (!this.replaying) this.workload.visitLoop(node);
        this.bindUnresolvable(node.childForFieldName('left'), this.currentScope().bindings);
        break;
      case 'for_in_clause':
        this.bindUnresolvable(node.childForFieldName('left'), this.currentScope().bindings);
        break;
      case 'while_statement':
      case 'list_comprehension':
      case 'set_comprehension':
      case 'dictionary_comprehension':
      case 'generator_expression':
        this.workload.visitLoop(node);
        break;
      case 'import_statement':
      case 'import_from_statement':
        this.workload.visitImport(node);
        break;
      case 'as_pattern_target':
        this.bindUnresolvable(node, this.currentScope().bindings);
        break;
      case 'named_expression': {
        const name = node.childForFieldName('name');
        if (name) this.currentScope().bindings.set(name.text, node.childForFieldName('value'));
        break;
      }
      case 'function_definition': {
        this.enterFunction(node);
        if (this.replaying) break;
        const outer = this.scopes[this.scopes.length - 2];
        this.workload.enterFunction(node, this.enclosingFunction() ?? '', outer?.kind === 'class' ? outer.name : undefined);
        break;
      }
      case 'class_definition':
        this.enterClass(node);
        break;
    }
  }

  private lineOf(offset: number): number {
    this.lineIndex ??= new LineIndex(this.source);
    return this.lineIndex.positionAt(offset).line;
  }

  /**
   * Cheap test, before any node is touched, that a string literal may start with DDL: looks at the first
   * non-blank character after its prefix and quotes. Keeps docstrings and messages from being decoded.
   */
  private contentMayStartWithDdl(literalStart: number): boolean {
    const source = this.source;
    let i = literalStart;
    while (i < source.length && isAsciiLetter(source.charCodeAt(i))) i++;
    const quote = source[i];
    i += source[i + 1] === quote && source[i + 2] === quote ? 3 : 1;
    while (i < source.length && isBlank(source.charCodeAt(i))) i++;
    const wordStart = i;
    while (i < source.length && isAsciiLetter(source.charCodeAt(i))) i++;
    if (i > wordStart) return DDL_VERBS.has(source.slice(wordStart, i).toLowerCase());
    // SQL comments, and what cannot be judged here: an empty piece, an f-string hole, an escape.
    const ch = source[i];
    return ch !== undefined && '-/{\\\'"'.includes(ch);
  }

  // -------------------------------------------------------------------------------------------
  // scopes and names

  private currentScope(): Scope {
    return this.scopes[this.scopes.length - 1];
  }

  private enterFunction(node: Node): void {
    const bindings: Bindings = new Map();
    const parameters = node.childForFieldName('parameters');
    if (parameters) {
      for (const parameter of parameters.namedChildren) {
        const name = parameter.type === 'identifier' ? parameter : (parameter.childForFieldName('name') ?? parameter.firstNamedChild);
        if (name?.type === 'identifier') bindings.set(name.text, null);
      }
    }
    this.scopes.push({ kind: 'function', name: node.childForFieldName('name')?.text ?? '', bindings, end: node.endIndex });
  }

  private enterClass(node: Node): void {
    const name = node.childForFieldName('name')?.text ?? '';
    let attributes = this.classAttributesByStart.get(node.startIndex);
    if (!attributes) {
      attributes = new Map();
      if (!this.classAttributesByName.has(name)) this.classAttributesByName.set(name, attributes);
    }
    this.scopes.push({ kind: 'class', name, bindings: attributes, end: node.endIndex });
  }

  /** Records `name = value` (and `self.name = value` into the class attributes when inside a class). */
  private bindAssignment(node: Node, bindings: Bindings, classAttributes: Bindings | undefined): void {
    const left = node.childForFieldName('left');
    let value = node.childForFieldName('right');
    while (value?.type === 'assignment') value = value.childForFieldName('right'); // a = b = "…"
    if (!left) return;
    if (left.type === 'identifier') {
      bindings.set(left.text, value);
    } else if (left.type === 'attribute') {
      const object = left.childForFieldName('object');
      const attribute = left.childForFieldName('attribute');
      if (classAttributes && attribute && (object?.text === 'self' || object?.text === 'cls')) {
        classAttributes.set(attribute.text, value);
      }
    } else {
      this.bindUnresolvable(left, bindings);
    }
  }

  /** Every plain name in a target pattern (`for a, b in …`, `with … as x`) now holds something unknown. */
  private bindUnresolvable(target: Node | null, bindings: Bindings): void {
    if (!target) return;
    if (target.type === 'identifier') {
      bindings.set(target.text, null);
      return;
    }
    if (target.type === 'attribute' || target.type === 'subscript') return;
    for (const child of target.namedChildren) this.bindUnresolvable(child, bindings);
  }

  private innermostClass(): Scope | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) if (this.scopes[i].kind === 'class') return this.scopes[i];
    return undefined;
  }

  /** Qualified name of the enclosing def (`Class.method`, `outer.inner`), or undefined outside functions. */
  private enclosingFunction(): string | undefined {
    if (!this.scopes.some((scope) => scope.kind === 'function')) return undefined;
    return this.scopes
      .filter((scope) => scope.kind !== 'module')
      .map((scope) => scope.name)
      .join('.');
  }

  /** Top-level assignments and class-body constants, so functions see names defined anywhere in the module. */
  private collectModuleBindings(root: Node): void {
    for (const statement of root.namedChildren) {
      if (statement.type === 'expression_statement') {
        const assignment = statement.firstNamedChild;
        if (assignment?.type === 'assignment') this.bindAssignment(assignment, this.moduleFinal, undefined);
        continue;
      }
      const definition = statement.type === 'decorated_definition' ? statement.childForFieldName('definition') : statement;
      if (definition?.type !== 'class_definition') continue;
      const attributes: Bindings = new Map();
      for (const member of definition.childForFieldName('body')?.namedChildren ?? []) {
        const assignment = member.type === 'expression_statement' ? member.firstNamedChild : null;
        if (assignment?.type === 'assignment') this.bindAssignment(assignment, attributes, undefined);
      }
      this.classAttributesByStart.set(definition.startIndex, attributes);
      const name = definition.childForFieldName('name')?.text;
      if (name && !this.classAttributesByName.has(name)) this.classAttributesByName.set(name, attributes);
    }
  }

  /**
   * Resolves names at the current point of the walk: the closest preceding binding in the enclosing
   * functions, then the module as it is once loaded. Code outside functions sees the module as run so far.
   * Only valid until the walk moves on: evaluation uses it at once.
   */
  private currentResolver(): NameResolver {
    const scopes = this.scopes;
    const insideFunction = scopes.some((scope) => scope.kind === 'function');
    const resolver: NameResolver = (name) => {
      for (let i = scopes.length - 1; i >= 0; i--) {
        const scope = scopes[i];
        if (scope.kind === 'module' || (scope.kind === 'class' && insideFunction)) continue;
        const value = scope.bindings.get(name);
        if (value !== undefined) return { value, resolve: resolver };
      }
      if (insideFunction) return this.moduleResolver(name);
      const value = scopes[0].bindings.get(name);
      return value === undefined ? undefined : { value, resolve: resolver };
    };
    return resolver;
  }

  /** `self.NAME`, `cls.NAME` or `ClassName.NAME` bound in a class body or by `self.NAME = …`. */
  private resolveClassAttribute(attribute: Node): Resolution | undefined {
    const object = attribute.childForFieldName('object');
    const name = attribute.childForFieldName('attribute');
    if (object?.type !== 'identifier' || !name) return undefined;
    const owner =
      object.text === 'self' || object.text === 'cls'
        ? this.innermostClass()?.bindings
        : this.classAttributesByName.get(object.text);
    const value = owner?.get(name.text);
    return value === undefined ? undefined : { value, resolve: this.moduleResolver };
  }

  // -------------------------------------------------------------------------------------------
  // execute-like calls and DDL literals

  /** `callee` is what the workload collector read from the call's function part (read once for both). */
  private visitCall(node: Node, callee: CalleeRef | undefined): void {
    const method = sqlMethodOf(callee);
    if (!method || (method === 'text' && this.wrappedTextCalls.has(node.startIndex))) return;
    let sqlArgument = firstPositionalArgument(node);
    if (!sqlArgument) return;
    // session.execute(text("…")): report once, on the execute call.
    const wrapped = unwrapParentheses(sqlArgument);
    if (method !== 'text' && wrapped.type === 'call' && sqlMethodOf(calleeOf(wrapped)) === 'text') {
      this.wrappedTextCalls.add(wrapped.startIndex);
      sqlArgument = firstPositionalArgument(wrapped);
      if (!sqlArgument) return;
    }
    const evaluation = this.evaluate(sqlArgument, this.currentResolver());
    if (!evaluation) return;
    const keyword = leadingKeyword(evaluation.mapped.sql);
    if (keyword === undefined || !SQL_KEYWORDS.has(keyword)) return;
    const site: CallSite = {
      call: { method, range: { start: node.startIndex, end: node.endIndex } },
      enclosingFunction: this.enclosingFunction(),
    };
    if (isDdlScript(evaluation.mapped.sql)) {
      const candidate = this.ddl.get(evaluation);
      candidate.execution ??= site;
      return;
    }
    const statement = this.statement(evaluation, 'query', 'executed', site);
    this.queries.push(statement);
    this.workload.visitExecuted(node, statement);
  }

  /**
   * A string literal met by the walk: DDL in the expression it belongs to is schema even when no execute
   * call is in sight. Pieces of `"a" "b"` and `"a" + "b"` lead to the same root, which is judged once.
   */
  private visitLiteral(piece: Node): void {
    const root = literalRoot(piece);
    if (!root) return;
    const key = rangeKey(root);
    if (this.visitedRoots.has(key) || this.ddl.has(key)) return;
    this.visitedRoots.add(key);
    const evaluation = this.evaluate(root, undefined);
    if (!evaluation) return;
    const head = stripLeadingComments(evaluation.mapped.sql);
    if (leadingKeyword(head) === undefined || !isDdlScript(head)) return;
    const candidate = this.ddl.get(evaluation);
    candidate.schemaShaped = SCHEMA_DDL_SHAPE.test(head);
    candidate.enclosingFunction = this.enclosingFunction();
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
    return toExtractedSql(this.file.path, 'python', evaluation, normalizeParameters(evaluation.mapped, { pyformat: true }), role, certainty, site);
  }

  // -------------------------------------------------------------------------------------------
  // string expressions → SQL

  /**
   * Turns a string expression into SQL: literals of any quoting, implicit concatenation, `+`, f-strings
   * (holes become `?`), names bound to such expressions (when `resolve` is given) and whitespace
   * wrappers. Undefined when any part is something else (a call, `%`-formatting, an unknown name).
   */
  private evaluate(expression: Node, resolve: NameResolver | undefined): Evaluation | undefined {
    return evaluateExpression(
      expression,
      resolve,
      (node, nodeResolve) => this.follow(node, nodeResolve),
      (root, rootResolve, state) => this.append(root, rootResolve, state, 0),
    );
  }

  /** One step through something that only stands for a string expression: parentheses, a name, `.strip()`. */
  private follow(node: Node, resolve: NameResolver | undefined): Resolution | undefined {
    switch (node.type) {
      case 'parenthesized_expression': {
        const inner = firstNonComment(node);
        return inner ? { value: inner, resolve: resolve ?? noNames } : undefined;
      }
      case 'identifier':
        return resolve?.(node.text) ?? { value: null, resolve: noNames };
      case 'attribute':
        return (resolve && this.resolveClassAttribute(node)) || { value: null, resolve: noNames };
      case 'call': {
        const inner = whitespaceWrapped(node);
        return inner ? { value: inner, resolve: resolve ?? noNames } : undefined;
      }
      default:
        return undefined;
    }
  }

  private append(
    node: Node,
    resolve: NameResolver | undefined,
    state: EvaluationState,
    depth: number,
  ): boolean {
    switch (node.type) {
      case 'string':
        return this.appendString(node, state);
      case 'concatenated_string': {
        for (const piece of node.namedChildren) {
          if (piece.type === 'string' && !this.appendString(piece, state)) return false;
        }
        return true;
      }
      case 'binary_operator': {
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

  /** Appends one literal's decoded content. Bytes and broken (unterminated) literals are refused. */
  private appendString(
    node: Node,
    state: EvaluationState,
  ): boolean {
    if (node.hasError) return false;
    const opening = node.firstChild;
    const closing = node.lastChild;
    if (opening?.type !== 'string_start' || closing?.type !== 'string_end') return false;
    const openingText = opening.text;
    const quoteAt = openingText.search(/['"]/);
    if (quoteAt === -1) return false;
    const prefix = openingText.slice(0, quoteAt).toLowerCase();
    if (prefix.includes('b')) return false;
    const raw = prefix.includes('r');
    const formatted = prefix.includes('f') || prefix.includes('t');
    const contentStart = opening.endIndex;
    const contentEnd = closing.startIndex;
    let position = contentStart;
    if (formatted) {
      for (const child of node.namedChildren) {
        if (child.type !== 'interpolation') continue;
        this.appendDecoded(position, child.startIndex, raw, true, state.builder);
        // A hole becomes a parameter padded to the hole's length, so offsets after it stay exact.
        const holeLength = child.endIndex - child.startIndex;
        state.builder.appendReplacement('?'.padEnd(holeLength, ' '), child.startIndex, child.endIndex);
        state.dynamic = true;
        position = child.endIndex;
      }
    }
    this.appendDecoded(position, contentEnd, raw, formatted, state.builder);
    state.pieces.push({
      range: { start: node.startIndex, end: node.endIndex },
      contentRange: { start: contentStart, end: contentEnd },
      quote: openingText.slice(quoteAt),
      prefix,
    });
    return true;
  }

  /** Copies source text [start, end) into the builder, decoding escapes (unless raw) and f-string `{{ }}`. */
  private appendDecoded(start: number, end: number, raw: boolean, formatted: boolean, builder: MappedSqlBuilder): void {
    const source = this.source;
    let runStart = start;
    let i = start;
    while (i < end) {
      const ch = source.charCodeAt(i);
      let decoded: { text: string; length: number } | undefined;
      if (ch === 92 /* \ */ && !raw) decoded = decodeEscape(source, i, end);
      else if (formatted && (ch === 123 /* { */ || ch === 125) /* } */ && source.charCodeAt(i + 1) === ch && i + 1 < end) {
        decoded = { text: source[i], length: 2 };
      }
      if (!decoded) {
        i++;
        continue;
      }
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

/**
 * The whole string expression a literal piece belongs to (`"a" "b"`, `"a" + "b"`, parentheses unwrapped),
 * or undefined when that expression is only an operand: of `%`, of `.format(…)`, inside an f-string hole.
 */
function literalRoot(piece: Node): Node | undefined {
  let root = piece;
  let parent = piece.parent;
  while (parent) {
    if (parent.type === 'concatenated_string') root = parent;
    else if (parent.type === 'binary_operator' && parent.childForFieldName('operator')?.type === '+') root = parent;
    else if (parent.type !== 'parenthesized_expression') break;
    parent = parent.parent;
  }
  if (!parent) return root;
  if (parent.type === 'binary_operator' || parent.type === 'interpolation') return undefined;
  if (parent.type === 'attribute') {
    const method = parent.childForFieldName('attribute')?.text;
    return method !== undefined && WHITESPACE_METHODS.has(method) ? root : undefined;
  }
  return root;
}

function firstNonComment(node: Node): Node | null {
  for (const child of node.namedChildren) if (child.type !== 'comment') return child;
  return null;
}

function unwrapParentheses(node: Node): Node {
  let current = node;
  while (current.type === 'parenthesized_expression') {
    const inner = firstNonComment(current);
    if (!inner) break;
    current = inner;
  }
  return current;
}

/** The method that makes this call run SQL: an execute-like method, or SQLAlchemy's `text`. */
function sqlMethodOf(callee: CalleeRef | undefined): string | undefined {
  if (!callee) return undefined;
  if (callee.receiver === undefined) return callee.name === 'text' ? 'text' : undefined;
  if (EXECUTE_METHODS.has(callee.name)) return callee.name;
  if (callee.name === 'text' && SQLALCHEMY_MODULES.has(callee.receiver)) return 'text';
  return undefined;
}

/** The first positional argument, or null when the call starts with a keyword or splat argument. */
function firstPositionalArgument(call: Node): Node | null {
  const argumentList = call.childForFieldName('arguments');
  if (argumentList?.type !== 'argument_list') return null;
  const first = firstNonComment(argumentList);
  if (!first || first.type === 'keyword_argument' || first.type === 'list_splat' || first.type === 'dictionary_splat') {
    return null;
  }
  return first;
}

/** `x.strip()`, `x.rstrip()`, `dedent(x)`, `textwrap.dedent(x)` → x. */
function whitespaceWrapped(call: Node): Node | null {
  const callee = call.childForFieldName('function');
  const argumentList = call.childForFieldName('arguments');
  if (!callee || argumentList?.type !== 'argument_list') return null;
  if (callee.type === 'attribute') {
    const method = callee.childForFieldName('attribute')?.text;
    if (method !== undefined && WHITESPACE_METHODS.has(method) && firstNonComment(argumentList) === null) {
      return callee.childForFieldName('object');
    }
  }
  if (DEDENT_FUNCTIONS.has(callee.text)) {
    const argument = firstPositionalArgument(call);
    if (argument && argumentList.namedChildren.filter((child) => child.type !== 'comment').length === 1) return argument;
  }
  return null;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\', "'": "'", '"': '"', n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v',
};

/** Decodes the escape sequence at `start` (a backslash); undefined when Python keeps it as written. */
function decodeEscape(source: string, start: number, end: number): { text: string; length: number } | undefined {
  const next = source[start + 1];
  if (start + 1 >= end || next === undefined) return undefined;
  if (next === '\n') return { text: '', length: 2 }; // line continuation
  if (next === '\r') return { text: '', length: source[start + 2] === '\n' ? 3 : 2 };
  const simple = SIMPLE_ESCAPES[next];
  if (simple !== undefined) return { text: simple, length: 2 };
  if (next >= '0' && next <= '7') {
    let digits = 1;
    while (digits < 3 && start + 1 + digits < end && /[0-7]/.test(source[start + 1 + digits])) digits++;
    return { text: codePointText(parseInt(source.slice(start + 1, start + 1 + digits), 8)), length: 1 + digits };
  }
  const hexLength = next === 'x' ? 2 : next === 'u' ? 4 : next === 'U' ? 8 : 0;
  if (hexLength > 0) {
    const hex = source.slice(start + 2, start + 2 + hexLength);
    if (start + 2 + hexLength > end || !/^[0-9A-Fa-f]+$/.test(hex)) return undefined;
    return { text: codePointText(parseInt(hex, 16)), length: 2 + hexLength };
  }
  if (next === 'N' && source[start + 2] === '{') {
    const close = source.indexOf('}', start + 3);
    // Named characters would need Unicode's name table; SQL never depends on them.
    if (close !== -1 && close < end) return { text: '\uFFFD', length: close + 1 - start };
  }
  return undefined;
}

function codePointText(codePoint: number): string {
  return codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : '\uFFFD';
}

/**
 * The versioned migration list or dict that holds this DDL literal, if any:
 * `[sql, …]`, `[(1, sql), …]`, `{1: sql, …}`, and `{1: [sql, …], …}`.
 */
function migrationContainerOf(root: Node, source: string): MigrationContainer | undefined {
  let element = root;
  let parent = root.parent;
  while (parent?.type === 'parenthesized_expression') {
    element = parent;
    parent = parent.parent;
  }
  if (!parent) return undefined;
  if (parent.type === 'pair') return isValueOf(parent, element) ? dictContainer(parent, source) : undefined;
  if (parent.type !== 'list' && parent.type !== 'tuple') return undefined;
  const outer = parent.parent;
  if (parent.type === 'tuple' && (outer?.type === 'list' || outer?.type === 'tuple')) {
    const items = elementsOf(parent);
    if (items.length >= 2 && items[0].startIndex !== element.startIndex) return sequenceContainer(outer, source);
  }
  if (outer?.type === 'pair' && isValueOf(outer, parent)) return dictContainer(outer, source);
  return sequenceContainer(parent, source);
}

function isValueOf(pair: Node, node: Node): boolean {
  return pair.childForFieldName('value')?.startIndex === node.startIndex;
}

function elementsOf(node: Node): Node[] {
  return node.namedChildren.filter((child) => child.type !== 'comment');
}

function sequenceContainer(sequence: Node, source: string): MigrationContainer {
  return {
    kind: sequence.type === 'list' ? 'list' : 'tuple',
    range: { start: sequence.startIndex, end: sequence.endIndex },
    entries: elementsOf(sequence).map((entry) => {
      const version = entry.type === 'tuple' ? elementsOf(entry)[0] : undefined;
      return {
        range: { start: entry.startIndex, end: entry.endIndex },
        ...(version ? { key: source.slice(version.startIndex, version.endIndex) } : {}),
      };
    }),
  };
}

function dictContainer(pair: Node, source: string): MigrationContainer | undefined {
  const dictionary = pair.parent;
  if (dictionary?.type !== 'dictionary') return undefined;
  return {
    kind: 'dict',
    range: { start: dictionary.startIndex, end: dictionary.endIndex },
    entries: elementsOf(dictionary)
      .filter((entry) => entry.type === 'pair')
      .map((entry) => {
        const key = entry.childForFieldName('key');
        return {
          range: { start: entry.startIndex, end: entry.endIndex },
          ...(key ? { key: source.slice(key.startIndex, key.endIndex) } : {}),
        };
      }),
  };
}
