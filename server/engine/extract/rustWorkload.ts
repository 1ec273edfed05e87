// Workload facts of one Rust file, fed by the Rust extractor's single walk (nodes arrive in source order):
// functions (methods owned by their impl type), `for`/`while`/`loop` and closures of iterator or stream adaptors,
// calls per iteration (sqlx query chains, rusqlite prepared statements), `use` imports, and connection setup:
// sqlx `SqliteConnectOptions` builders and pools, rusqlite `Connection::open` with `pragma_update`/`busy_timeout`,
// r2d2 `SqliteConnectionManager`.
import type { Node } from 'web-tree-sitter';
import type { CalleeRef, ConnectionFact, ExtractedSql, FunctionFact, OffsetRange, PragmaSetting } from '../types';
import { SETTING_PRAGMAS } from './pragmaSettings';
import { WorkloadCollectorBase, receiverText, trimmedRange } from './workloadBase';
import { rangeOf } from './treeSitter';

/** Node types the Rust extractor forwards to `visitLoop`. */
export const RUST_LOOP_TYPES = ['for_expression', 'while_expression', 'loop_expression'];

/** Calls that wait for time or for the next message: a loop around them polls rather than walks a collection. */
const BLOCKING_CALLS = new Set(['sleep', 'tick', 'recv', 'recv_async', 'recv_timeout', 'wait', 'wait_timeout', 'park', 'park_timeout', 'changed', 'notified', 'accept']);
/** Iterator and stream adaptors whose closure runs once per element. */
const ADAPTORS = new Set([
  'map', 'for_each', 'flat_map', 'filter_map', 'filter', 'then', 'and_then', 'try_for_each', 'for_each_concurrent',
  'try_for_each_concurrent', 'fold', 'try_fold', 'any', 'all', 'find', 'find_map', 'map_while', 'take_while',
  'skip_while', 'inspect', 'scan', 'try_filter_map',
]);
/** Calls that start an iteration over a collection (or a stream of its elements). */
const ITERATOR_SOURCES = new Set([
  'iter', 'into_iter', 'iter_mut', 'drain', 'chunks', 'chunks_exact', 'windows', 'keys', 'values', 'values_mut', 'lines',
  'split', 'chars', 'bytes', 'par_iter', 'into_par_iter', 'par_iter_mut',
]);
/** Free functions that make a stream or iterator: `futures::stream::iter(ids)`, `std::iter::repeat(x)`. */
const ITERATOR_FUNCTIONS = new Set(['iter', 'repeat', 'once', 'from_fn', 'successors']);
/** Methods that start an explicit transaction: sqlx `pool.begin()`, rusqlite `conn.transaction()`. */
const TRANSACTION_CALLS = new Set(['begin', 'begin_with', 'transaction', 'transaction_with_behavior', 'unchecked_transaction']);
/** rusqlite `Statement` methods that run the prepared SQL. */
const STATEMENT_RUNS = new Set(['execute', 'query', 'query_map', 'query_and_then', 'query_row', 'query_one', 'insert', 'exists', 'raw_execute', 'raw_query']);
const PREPARE_CALLS = new Set(['prepare', 'prepare_cached']);
/** Methods that pass a value through unchanged for our purposes: `?` equivalents and awaits. */
const UNWRAPS = new Set(['unwrap', 'expect']);
const THREAD_MODULES = /^(?:std::thread|rayon|crossbeam|threadpool)(?:::|$)/;

const SQLX_OPTIONS_CONSTRUCTORS = new Set(['new', 'from_str', 'from_url', 'default']);
const RUSQLITE_OPENS = new Set(['open', 'open_with_flags', 'open_in_memory', 'open_in_memory_with_flags', 'open_with_flags_and_vfs']);
const CONNECT_URL_METHODS = new Set(['connect', 'connect_lazy']);
const CONNECT_OPTIONS_METHODS = new Set(['connect_with', 'connect_lazy_with']);
/** Every call name visitConnect looks at: a cheap test before it looks at the call's syntax. */
const CONNECTION_CALLS = new Set([
  ...SQLX_OPTIONS_CONSTRUCTORS, 'parse', ...RUSQLITE_OPENS, ...CONNECT_URL_METHODS, ...CONNECT_OPTIONS_METHODS, 'file', 'memory',
]);
/** Methods that apply a setting to a named connection or options value. */
const RECEIVER_SETTERS = new Set(['journal_mode', 'synchronous', 'busy_timeout', 'pragma', 'pragma_update', 'pragma_update_and_check']);
const SQLX_POOL = 'a sqlx connection pool';
const R2D2_POOL = 'an r2d2 connection pool';

export class RustWorkloadCollector extends WorkloadCollectorBase {
  private readonly usesRusqlite: boolean;
  private readonly mentionsSqlxPool: boolean;
  /** Functions that started a transaction so far: loops after that point run inside it. */
  private readonly inTransaction = new Set<FunctionFact>();

  constructor(source: string) {
    super(source, 'rust');
    this.usesRusqlite = /\brusqlite\b/.test(source);
    this.mentionsSqlxPool = /\bSqlitePool(?:Options)?\b|\bPool<Sqlite>/.test(source);
  }

  enterFunction(node: Node, qualifiedName: string, owner: string | undefined): void {
    const name = node.childForFieldName('name');
    const fact: FunctionFact = {
      name: name?.text ?? '',
      qualifiedName,
      range: rangeOf(node),
      nameRange: name ? rangeOf(name) : rangeOf(node),
      callees: [],
    };
    if (owner !== undefined && owner !== '') fact.owner = owner;
    this.pushFunction(fact, node.endIndex);
  }

  visitUse(node: Node): void {
    const argument = node.childForFieldName('argument');
    if (argument) this.collectUse(argument, '');
  }

  private collectUse(node: Node, prefix: string): void {
    const join = (path: string) => (prefix && path ? `${prefix}::${path}` : prefix || path);
    switch (node.type) {
      case 'scoped_identifier': {
        const path = node.childForFieldName('path')?.text ?? '';
        const name = node.childForFieldName('name')?.text ?? '';
        this.addImport(name, join(path), name);
        break;
      }
      case 'identifier':
        if (prefix) this.addImport(node.text, prefix, node.text);
        else if (THREAD_MODULES.test(node.text)) this.usesThreads = true;
        break;
      case 'use_as_clause': {
        const path = node.childForFieldName('path');
        const alias = node.childForFieldName('alias')?.text;
        if (!path || alias === undefined) break;
        const name = path.type === 'scoped_identifier' ? (path.childForFieldName('name')?.text ?? '') : path.text;
        const module = path.type === 'scoped_identifier' ? (path.childForFieldName('path')?.text ?? '') : '';
        this.addImport(alias, join(module), name);
        break;
      }
      case 'scoped_use_list': {
        const path = node.childForFieldName('path')?.text ?? '';
        const list = node.childForFieldName('list');
        for (const item of list?.namedChildren ?? []) this.collectUse(item, join(path));
        break;
      }
      case 'use_list':
        for (const item of node.namedChildren) this.collectUse(item, prefix);
        break;
      case 'self': {
        // `use a::b::{self}` imports the module `b` itself.
        const segments = prefix.split('::');
        this.addImport(segments[segments.length - 1], segments.slice(0, -1).join('::'), segments[segments.length - 1]);
        break;
      }
    }
  }

  private addImport(local: string, module: string, name: string): void {
    if (THREAD_MODULES.test(module ? `${module}::${name}` : name)) this.usesThreads = true;
    if (local && local !== '*') this.imports.push({ local, module, name });
  }

  visitLoop(node: Node): void {
    const body = node.childForFieldName('body');
    if (!body) return;
    const variables = new Set<string>();
    const headerRange = trimmedRange(this.source, node.startIndex, body.startIndex);
    const header = this.source.slice(headerRange.start, headerRange.end);
    const transaction = this.currentTransaction();
    if (node.type === 'for_expression') {
      collectPatternNames(node.childForFieldName('pattern'), variables);
      this.openLoop({ kind: 'for', range: rangeOf(node), header, headerRange, body: [rangeOf(body)], variables, mayPoll: false, transaction });
    } else if (node.type === 'while_expression') {
      const condition = node.childForFieldName('condition');
      let mayPoll = false;
      if (condition?.type === 'let_condition') {
        // `while let Some(job) = rx.recv().await`: a poll when it waits for the next message.
        collectPatternNames(condition.childForFieldName('pattern'), variables);
        mayPoll = true;
      } else if (condition) {
        mayPoll = isSimpleCondition(condition);
      }
      const parts = condition ? [rangeOf(condition), rangeOf(body)] : [rangeOf(body)];
      this.openLoop({ kind: 'while', range: rangeOf(node), header, headerRange, body: parts, variables, mayPoll, transaction });
    } else {
      this.openLoop({ kind: 'loop', range: rangeOf(node), header, headerRange, body: [rangeOf(body)], variables, mayPoll: true, transaction });
    }
  }

  /** A closure passed to an iterator or stream adaptor (`ids.iter().map(|id| …)`) is a loop over the elements. */
  private visitAdaptor(call: Node, fn: Node, argumentsNode: Node): void {
    const closure = argumentsNode.firstNamedChild;
    const body = closure?.type === 'closure_expression' ? closure.childForFieldName('body') : null;
    if (!closure || !body || !iteratesCollection(fn.childForFieldName('value'))) return;
    const variables = new Set<string>();
    collectPatternNames(closure.childForFieldName('parameters'), variables);
    const headerRange = trimmedRange(this.source, call.startIndex, body.startIndex);
    this.openLoop({
      kind: 'callback',
      range: rangeOf(call),
      header: `${this.source.slice(headerRange.start, headerRange.end)} …)`,
      headerRange,
      body: [rangeOf(body)],
      variables,
      mayPoll: false,
      transaction: this.currentTransaction(),
    });
  }

  private currentTransaction(): boolean {
    const frame = this.currentFunction();
    return frame !== undefined && this.inTransaction.has(frame.fact);
  }

  visitLet(node: Node): void {
    const pattern = node.childForFieldName('pattern');
    const value = node.childForFieldName('value');
    if (!pattern || !value) return;
    this.advance(node.startIndex);
    if (this.inLoop(node.startIndex)) {
      const targets = new Set<string>();
      collectPatternNames(pattern, targets);
      this.deriveVariables(node.startIndex, this.namesIn(rangeOf(value)), [...targets]);
    }
    const name = pattern.type === 'identifier' ? pattern.text : undefined;
    const inner = unwrapped(value);
    if (name !== undefined && inner.type === 'call_expression') {
      const callee = inner.childForFieldName('function');
      if (callee?.type === 'field_expression' && PREPARE_CALLS.has(callee.childForFieldName('field')?.text ?? '')) {
        const scope = this.currentFunction()?.fact.range ?? { start: 0, end: this.source.length };
        this.declareHandle(name, scope, rangeOf(inner), node.startIndex);
      }
      // `let options: SqliteConnectOptions = url.parse()?;`
      const type = node.childForFieldName('type')?.text ?? '';
      if (/(?:^|::)SqliteConnectOptions$/.test(type) && callee?.type === 'field_expression' && callee.childForFieldName('field')?.text === 'parse') {
        this.addSqlxOptions(inner, false);
      }
    }
  }

  visitAssignment(node: Node): void {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (left?.type !== 'identifier' || !right || !this.inLoop(node.startIndex)) return;
    this.deriveVariables(node.startIndex, this.namesIn(rangeOf(right)), [left.text]);
  }

  /** `sqlx::query!(…)` and the other query macros: a call that runs its SQL where it stands. */
  visitQueryMacro(node: Node, name: string): void {
    const tokens = node.namedChildren.find((child) => child.type === 'token_tree');
    this.recordCall({ name, range: rangeOf(node) }, this.chainNames(node.startIndex, tokens ? rangeOf(tokens) : undefined, () => []), false);
  }

  /** A call, with the function and arguments nodes the extractor already has. */
  visitCall(node: Node, fn: Node, argumentsNode: Node): void {
    const isMethod = fn.type === 'field_expression';
    let receiver: string | undefined;
    const names = this.chainNames(node.startIndex, rangeOf(argumentsNode), () => {
      // The object a method is called on flows in too (`delta.save(pool)`); a type a path call names does not.
      const receiverRoot = isMethod ? receiver?.match(/^[A-Za-z_]\w*/)?.[0] : undefined;
      return receiverRoot && receiverRoot !== 'self' ? [receiverRoot] : [];
    });
    const callee = calleeOf(node, fn);
    if (!callee) return;
    receiver = callee.receiver;
    const handle = isMethod && STATEMENT_RUNS.has(callee.name) && callee.receiver !== '…' ? callee.receiver : undefined;
    this.recordCall(callee, names, BLOCKING_CALLS.has(callee.name), handle);
    if (isMethod && ADAPTORS.has(callee.name)) this.visitAdaptor(node, fn, argumentsNode);

    const frame = this.currentFunction();
    if (frame && isMethod && TRANSACTION_CALLS.has(callee.name)) this.inTransaction.add(frame.fact);
    if (isThreadStart(callee, fn)) this.usesThreads = true;
    if (CONNECTION_CALLS.has(callee.name)) this.visitConnect(node, fn, argumentsNode, callee);
    if (isMethod && RECEIVER_SETTERS.has(callee.name) && callee.receiver !== undefined && callee.receiver !== '…') {
      this.recordReceiverSettings(callee.receiver, node.startIndex, this.optionSettings(callee.name, fn, node, argumentsNode));
    }
  }

  /** A PRAGMA run on a connection: `conn.execute_batch("PRAGMA journal_mode=WAL")`, `sqlx::query("PRAGMA …")`. */
  visitExecuted(call: Node, statement: ExtractedSql): void {
    if (!/^\s*PRAGMA\b/i.test(statement.sql)) return;
    const callee = call.childForFieldName('function');
    const receiver = callee?.type === 'field_expression' ? receiverText(callee.childForFieldName('value')?.text ?? '') : undefined;
    this.recordPragma(statement, receiver === '…' ? undefined : receiver);
  }

  // -------------------------------------------------------------------------------------------
  // connections

  private visitConnect(call: Node, fn: Node, argumentsNode: Node, callee: CalleeRef): void {
    const type = pathType(fn);
    if (type === 'SqliteConnectOptions' && SQLX_OPTIONS_CONSTRUCTORS.has(callee.name)) {
      this.addSqlxOptions(call, true);
    } else if (callee.name === 'parse' && fn.type === 'generic_function' && /\bSqliteConnectOptions\b/.test(fn.childForFieldName('type_arguments')?.text ?? '')) {
      this.addSqlxOptions(call, true);
    } else if (CONNECT_URL_METHODS.has(callee.name) && this.isSqlxConnector(fn, type)) {
      const connection = this.connectionAt(call, 'sqlx', firstArgument(argumentsNode));
      if (/Pool/.test(fn.text)) connection.concurrency.push(SQLX_POOL);
      this.addConnection(connection);
    } else if (CONNECT_OPTIONS_METHODS.has(callee.name) && /Pool/.test(fn.text)) {
      const argument = firstArgument(argumentsNode);
      if (argument) this.recordPool(rootName(argument), rangeOf(argument), SQLX_POOL);
    } else if (type === 'Connection' && RUSQLITE_OPENS.has(callee.name) && this.usesRusqlite) {
      const connection = this.connectionAt(call, 'rusqlite', firstArgument(argumentsNode));
      if (callee.name.startsWith('open_in_memory')) connection.inMemory = true;
      this.addConnection(connection);
    } else if (type === 'SqliteConnectionManager' && (callee.name === 'file' || callee.name === 'memory')) {
      const connection = this.connectionAt(call, 'rusqlite', firstArgument(argumentsNode));
      if (callee.name === 'memory') connection.inMemory = true;
      connection.concurrency.push(R2D2_POOL);
      this.addConnection(connection);
    }
  }

  /** `SqlitePool::connect(url)`, `SqliteConnection::connect(url)`, `SqlitePoolOptions::new()….connect(url)`. */
  private isSqlxConnector(fn: Node, type: string | undefined): boolean {
    if (type !== undefined) return /^Sqlite(?:Pool|Connection)$/.test(type) || /^Pool::<\s*Sqlite\s*>$/.test(fn.childForFieldName('path')?.text ?? '');
    return fn.type === 'field_expression' && /\bSqlitePoolOptions\b/.test(fn.childForFieldName('value')?.text ?? '');
  }

  /** A connection opened by `call`: how its result is stored, whether it is in memory. */
  private connectionAt(call: Node, driver: ConnectionFact['driver'], database: Node | null): ConnectionFact {
    const databaseText = database ? stringContent(database) : undefined;
    const { top } = builderChain(call);
    const connection: ConnectionFact = {
      driver,
      range: rangeOf(call),
      form: 'other',
      statementRange: rangeOf(top),
      awaited: false,
      settings: [],
      // sqlx and rusqlite run each statement in its own transaction unless one is begun.
      autocommit: true,
      // Both wait 5 s for a lock by default (sqlx SqliteConnectOptions, rusqlite Connection::open).
      defaultBusyTimeoutMs: 5000,
      concurrency: [],
      inMemory: databaseText !== undefined && /(?:^|[:/?&=])(?::memory:|memory)(?:$|[?&])|^$|mode=memory/.test(databaseText),
    };
    const parent = top.parent;
    if (parent?.type === 'let_declaration' && parent.childForFieldName('value')?.startIndex === top.startIndex) {
      const pattern = parent.childForFieldName('pattern');
      if (pattern?.type === 'identifier') {
        connection.form = 'assignment';
        connection.target = pattern.text;
        connection.statementRange = rangeOf(parent);
      }
    } else if (parent?.type === 'return_expression') {
      connection.form = 'return';
      connection.statementRange = rangeOf(parent);
    }
    return connection;
  }

  /**
   * `SqliteConnectOptions::from_str(url)?.journal_mode(…).busy_timeout(…)`: the options and the chain's settings.
   * `chainable` is false for `let o: SqliteConnectOptions = url.parse()?`, where a call on the result would not
   * compile (its type comes from the annotation).
   */
  private addSqlxOptions(constructor: Node, chainable: boolean): void {
    const argumentsNode = constructor.childForFieldName('arguments');
    const connection = this.connectionAt(constructor, 'sqlx', argumentsNode ? firstArgument(argumentsNode) : null);
    // `"…".parse::<SqliteConnectOptions>()` / `url.parse()`: the receiver is the URL.
    const fn = constructor.childForFieldName('function');
    const parsed = fn?.type === 'field_expression' ? fn.childForFieldName('value') : fn?.type === 'generic_function' ? fn.childForFieldName('function')?.childForFieldName('value') : null;
    if (parsed && /:memory:|mode=memory/.test(stringContent(parsed) ?? '')) connection.inMemory = true;
    const { top, calls } = builderChain(constructor);
    if (chainable) connection.builderRange = { start: constructor.startIndex, end: top.endIndex };
    for (const step of calls) {
      const method = step.childForFieldName('function')?.childForFieldName('field');
      const stepArguments = step.childForFieldName('arguments');
      if (!method || !stepArguments) continue;
      if (method.text === 'in_memory' && firstArgument(stepArguments)?.text === 'true') connection.inMemory = true;
      connection.settings.push(...this.optionSettings(method.text, step.childForFieldName('function')!, step, stepArguments));
    }
    if (this.mentionsSqlxPool) connection.concurrency.push(SQLX_POOL);
    this.addConnection(connection);
  }

  /**
   * The settings a method call applies: sqlx `.journal_mode(SqliteJournalMode::Wal)`, `.synchronous(…)`,
   * `.busy_timeout(Duration::…)`, `.pragma("key", "value")`; rusqlite `.pragma_update(None, "key", value)`,
   * `.busy_timeout(Duration::…)`. The range runs from the method name to the end of the call.
   */
  private optionSettings(method: string, fn: Node, call: Node, argumentsNode: Node): PragmaSetting[] {
    const args = argumentsNode.namedChildren.filter((child) => child.type !== 'line_comment' && child.type !== 'block_comment');
    const nameNode = fn.childForFieldName('field');
    const range = { start: nameNode?.startIndex ?? call.startIndex, end: call.endIndex };
    const option = (name: string, value: Node | undefined): PragmaSetting[] => {
      const parsed = value ? optionValue(name, value) : undefined;
      return parsed ? [{ name, value: parsed.value, range, ...(parsed.valueRange ? { valueRange: parsed.valueRange } : {}), source: 'option' }] : [];
    };
    switch (method) {
      case 'journal_mode':
      case 'synchronous':
      case 'busy_timeout':
        return option(method, args[0]);
      case 'pragma':
      case 'pragma_update':
      case 'pragma_update_and_check': {
        const [key, value] = method === 'pragma' ? [args[0], args[1]] : [args[1], args[2]];
        const name = key ? stringContent(key)?.toLowerCase() : undefined;
        if (name === undefined || !SETTING_PRAGMAS.has(name) || !value) return [];
        const literal = literalValue(value);
        if (!literal) return [];
        return [{ name, value: literal.value.toUpperCase(), range, valueRange: literal.valueRange, source: 'pragma' }];
      }
      default:
        return [];
    }
  }
}

// ---------------------------------------------------------------------------------------------
// helpers

function firstArgument(argumentsNode: Node): Node | null {
  return argumentsNode.namedChildren.find((child) => child.type !== 'line_comment' && child.type !== 'block_comment' && child.type !== 'attribute_item') ?? null;
}

/**
 * `f(…)` → f; `conn.execute(…)` → execute on `conn`; `ExecutionProcessLogs::append_log_line(…)` → on its type;
 * `Self::m(…)` → on `Self`; `db::save(…)` → save (a module path is resolved like a bare name).
 */
function calleeOf(call: Node, function_: Node): CalleeRef | undefined {
  const fn = function_.type === 'generic_function' ? function_.childForFieldName('function') : function_;
  if (!fn) return undefined;
  const range = rangeOf(call);
  switch (fn.type) {
    case 'identifier':
      return { name: fn.text, range };
    case 'field_expression': {
      // From the text: `self.conn.execute` → execute on `self.conn` (no child nodes to fetch).
      const text = fn.text;
      const dot = text.lastIndexOf('.');
      const name = text.slice(dot + 1);
      if (dot <= 0 || !/^[A-Za-z_]\w*$/.test(name)) return undefined; // a tuple index: `pair.0`
      return { name, receiver: receiverText(text.slice(0, dot).trimEnd()), range };
    }
    case 'scoped_identifier': {
      const name = fn.childForFieldName('name')?.text;
      if (name === undefined) return undefined;
      const type = pathType(fn);
      return type !== undefined ? { name, receiver: type, range } : { name, range };
    }
    default:
      return undefined;
  }
}

/** The type a path call is made on (`a::B::f` → B, `Vec::<T>::new` → Vec, `Self::f` → Self); undefined for modules. */
function pathType(fn: Node): string | undefined {
  const target = fn.type === 'generic_function' ? fn.childForFieldName('function') : fn;
  if (target?.type !== 'scoped_identifier') return undefined;
  const path = target.childForFieldName('path');
  if (!path) return undefined;
  let last: string;
  if (path.type === 'scoped_identifier') last = path.childForFieldName('name')?.text ?? '';
  else if (path.type === 'generic_type') last = path.childForFieldName('type')?.text.split('::').pop() ?? '';
  else last = path.text;
  return /^[A-Z]/.test(last) ? last : undefined;
}

/** The method calls chained on `start` (through `?` and `.await`) and the outermost expression of the chain. */
function builderChain(start: Node): { top: Node; calls: Node[] } {
  const calls: Node[] = [];
  let top = start;
  for (;;) {
    const parent = top.parent;
    if (parent && (parent.type === 'try_expression' || parent.type === 'await_expression' || parent.type === 'parenthesized_expression')) {
      top = parent;
      continue;
    }
    const outer = parent?.type === 'field_expression' && parent.childForFieldName('value')?.startIndex === top.startIndex ? parent.parent : null;
    if (outer?.type !== 'call_expression' || outer.childForFieldName('function')?.startIndex !== parent!.startIndex) return { top, calls };
    calls.push(outer);
    top = outer;
  }
}

/** `x?`, `x.await`, `x.unwrap()`, `(x)` → x. */
function unwrapped(node: Node): Node {
  let current = node;
  for (;;) {
    if (current.type === 'try_expression' || current.type === 'await_expression' || current.type === 'parenthesized_expression') {
      const inner = current.firstNamedChild;
      if (!inner) return current;
      current = inner;
      continue;
    }
    const fn = current.type === 'call_expression' ? current.childForFieldName('function') : null;
    if (fn?.type === 'field_expression' && UNWRAPS.has(fn.childForFieldName('field')?.text ?? '')) {
      const value = fn.childForFieldName('value');
      if (!value) return current;
      current = value;
      continue;
    }
    return current;
  }
}

/** The name an argument is rooted in: `options`, `&opts`, `opts.clone()` → options / opts. */
function rootName(node: Node): string | undefined {
  return /^&?\s*(?:mut\s+)?([A-Za-z_]\w*)/.exec(node.text)?.[1];
}

/** Names a pattern binds: `delta`, `(a, b)`, `Some(x)`, `Row { id, .. }`, `|a, b|`. */
function collectPatternNames(pattern: Node | null, into: Set<string>): void {
  if (!pattern) return;
  if (pattern.type === 'identifier' || pattern.type === 'shorthand_field_identifier') {
    into.add(pattern.text);
    return;
  }
  if (pattern.type === 'scoped_identifier' || pattern.type.endsWith('type') || pattern.type === 'type_identifier') return;
  const typeChild = pattern.childForFieldName('type');
  for (const child of pattern.namedChildren) {
    if (typeChild && child.startIndex === typeChild.startIndex) continue; // `Some` in `Some(x)`, the type of `x: T`
    collectPatternNames(child, into);
  }
}

/** `true`, `running`, `self.running`, `!stop`: a condition that does not walk anything. */
function isSimpleCondition(condition: Node): boolean {
  let node = condition;
  while (node.type === 'parenthesized_expression' || (node.type === 'unary_expression' && node.text.startsWith('!'))) {
    const inner = node.firstNamedChild;
    if (!inner) return false;
    node = inner;
  }
  return node.type === 'boolean_literal' || node.type === 'identifier' || (node.type === 'field_expression' && /^[\w.]+$/.test(node.text));
}

/** The receiver of an adaptor starts from a collection: `.iter()`, `.into_iter()`, `stream::iter(…)`, a range. */
function iteratesCollection(receiver: Node | null): boolean {
  let node = receiver;
  for (let depth = 0; node && depth < 12; depth++) {
    if (node.type === 'range_expression') return true;
    if (node.type === 'parenthesized_expression' || node.type === 'try_expression' || node.type === 'await_expression') {
      node = node.firstNamedChild;
      continue;
    }
    if (node.type !== 'call_expression') return false;
    let fn = node.childForFieldName('function');
    if (fn?.type === 'generic_function') fn = fn.childForFieldName('function');
    if (fn?.type === 'field_expression') {
      if (ITERATOR_SOURCES.has(fn.childForFieldName('field')?.text ?? '')) return true;
      node = fn.childForFieldName('value');
      continue;
    }
    const name = fn?.type === 'scoped_identifier' ? fn.childForFieldName('name')?.text : fn?.type === 'identifier' ? fn.text : undefined;
    return name !== undefined && ITERATOR_FUNCTIONS.has(name);
  }
  return false;
}

/** `thread::spawn`, `tokio::spawn`, `spawn_blocking`, rayon's parallel iterators: work runs concurrently. */
function isThreadStart(callee: CalleeRef, fn: Node | null): boolean {
  if (callee.name === 'spawn_blocking' || callee.name === 'par_iter' || callee.name === 'into_par_iter' || callee.name === 'par_iter_mut') return true;
  return callee.name === 'spawn' && /\b(?:thread|tokio|task|rayon|async_std)::/.test(fn?.text ?? '');
}

/** A plain string literal's content (no escapes); undefined for anything else. */
function stringContent(node: Node): string | undefined {
  const inner = node.type === 'reference_expression' ? node.childForFieldName('value') : node;
  if (inner?.type !== 'string_literal' || inner.namedChildren.some((child) => child.type === 'escape_sequence')) return undefined;
  return inner.text.slice(1, -1);
}

/** A string, integer or boolean literal (possibly borrowed) with the range of its value text. */
function literalValue(node: Node): { value: string; valueRange: OffsetRange } | undefined {
  const inner = node.type === 'reference_expression' ? node.childForFieldName('value') : node;
  if (!inner) return undefined;
  const content = stringContent(inner);
  if (content !== undefined) return { value: content, valueRange: { start: inner.startIndex + 1, end: inner.endIndex - 1 } };
  if (inner.type === 'integer_literal' || inner.type === 'boolean_literal') {
    const digits = /^[0-9_]+/.exec(inner.text)?.[0];
    const value = inner.type === 'integer_literal' ? digits?.replace(/_/g, '') : inner.text;
    if (value === undefined || value === '') return undefined;
    return { value, valueRange: { start: inner.startIndex, end: inner.startIndex + (inner.type === 'integer_literal' ? digits!.length : inner.text.length) } };
  }
  return undefined;
}

const DURATION_MS: Readonly<Record<string, number>> = { from_secs: 1000, from_secs_f64: 1000, from_secs_f32: 1000, from_millis: 1, from_micros: 0.001 };

/**
 * A builder option's value: an enum variant (`SqliteJournalMode::Delete` → DELETE, the range of `Delete`), or a
 * Duration in milliseconds (the range from the constructor's name to the end: `from_secs(0)`, `ZERO`). Anything
 * else keeps its text, so it counts as set without claiming a value.
 */
function optionValue(name: string, value: Node): { value: string; valueRange?: OffsetRange } {
  if (name !== 'busy_timeout') {
    const variant = value.type === 'scoped_identifier' ? value.childForFieldName('name') : value.type === 'identifier' ? value : null;
    return variant ? { value: variant.text.toUpperCase(), valueRange: rangeOf(variant) } : { value: value.text };
  }
  if (value.type === 'scoped_identifier' && value.childForFieldName('name')?.text === 'ZERO') {
    return { value: '0', valueRange: rangeOf(value.childForFieldName('name')!) };
  }
  const fn = value.type === 'call_expression' ? value.childForFieldName('function') : null;
  const constructorName = fn?.type === 'scoped_identifier' ? fn.childForFieldName('name') : null;
  const args = value.childForFieldName('arguments')?.namedChildren ?? [];
  const factor = constructorName ? DURATION_MS[constructorName.text] : undefined;
  const amount = args.length === 1 && /^(?:integer|float)_literal$/.test(args[0].type) ? Number(args[0].text.replace(/_/g, '').replace(/[a-z]\w*$/, '')) : NaN;
  if (constructorName && factor !== undefined && Number.isFinite(amount)) {
    return { value: String(Math.round(amount * factor)), valueRange: { start: constructorName.startIndex, end: value.endIndex } };
  }
  return { value: value.text };
}
