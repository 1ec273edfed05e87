// Workload facts of one TypeScript or JavaScript file, fed by the TypeScript extractor's single walk (nodes arrive
// in source order): named functions and methods, `for`/`for…of`/`for…in`/`while`/`do` loops and the callbacks of
// `.forEach/.map/.flatMap/…` (so `Promise.all(ids.map(…))` too), calls per iteration, better-sqlite3 and node:sqlite
// prepared statements run through a handle, imports and `require`, and connections: better-sqlite3
// `new Database(…)` and node:sqlite `new DatabaseSync(…)` with `db.pragma(…)` / `db.exec('PRAGMA …')` settings, and
// single values read from a prepared statement (`db.prepare(sql).get().n`, `.pluck().get()`) into a name or a key.
import type { Node } from 'web-tree-sitter';
import type { CalleeRef, ConnectionFact, ExtractedSql, FunctionFact, OffsetRange, ScalarReadFact, SqliteDriver, WorkloadFacts } from '../types';
import { WorkloadCollectorBase, receiverText, trimmedRange } from './workloadBase';
import { rangeOf } from './treeSitter';

/** Node types the TypeScript extractor forwards to `visitLoop`. */
export const TYPESCRIPT_LOOP_TYPES = ['for_in_statement', 'for_statement', 'while_statement', 'do_statement'];

/** Array methods whose callback runs once per element. */
const CALLBACK_METHODS = new Set(['forEach', 'map', 'flatMap', 'filter', 'reduce', 'some', 'every', 'find', 'findIndex']);
const CALLBACK_TYPES = new Set(['arrow_function', 'function_expression', 'function']);
const FUNCTION_TYPES = new Set(['function_declaration', 'generator_function_declaration', 'method_definition', ...CALLBACK_TYPES, 'generator_function']);
const CLASS_TYPES = new Set(['class_declaration', 'abstract_class_declaration', 'class']);
/** Calls that wait for time: a `while (true)` around them polls rather than walks a collection. */
const BLOCKING_CALLS = new Set(['sleep', 'delay', 'wait', 'waitFor', 'setTimeout', 'timeout']);
/** Prepared statement methods that run it (better-sqlite3, node:sqlite), and those that return the statement. */
const STATEMENT_RUNS = new Set(['run', 'get', 'all', 'iterate']);
const STATEMENT_MODIFIERS = new Set(['pluck', 'raw', 'expand', 'bind', 'safeIntegers', 'setReadBigInts', 'setAllowBareNamedParameters']);
/** `db.transaction(fn)` (better-sqlite3), `prisma.$transaction(fn)`, knex/drizzle `db.transaction(async (tx) => …)`. */
const TRANSACTION_METHODS = new Set(['transaction', '$transaction']);
const THREAD_MODULES = new Set(['worker_threads', 'node:worker_threads', 'cluster', 'node:cluster', 'piscina']);
const BETTER_SQLITE3 = new Set(['better-sqlite3', 'better-sqlite3-multiple-ciphers']);
const NODE_SQLITE = 'node:sqlite';

export class TypeScriptWorkloadCollector extends WorkloadCollectorBase {
  constructor(source: string) {
    super(source, 'script');
  }

  /** Local names that construct a connection: `Database` (better-sqlite3), `DatabaseSync` (node:sqlite). */
  private readonly constructors = new Map<string, SqliteDriver>();
  /** Local names of the node:sqlite module itself (`import * as sqlite from 'node:sqlite'`). */
  private readonly nodeSqliteNamespaces = new Set<string>();
  private readonly scalarReads: ScalarReadFact[] = [];

  override finish(): WorkloadFacts {
    return { ...super.finish(), scalarReads: this.scalarReads };
  }

  enterFunction(node: Node, qualifiedName: string, owner: string | undefined): void {
    const name = node.childForFieldName('name');
    const fact: FunctionFact = {
      name: qualifiedName.split('.').pop() ?? '',
      qualifiedName,
      range: rangeOf(node),
      nameRange: name ? rangeOf(name) : rangeOf(node),
      callees: [],
    };
    if (owner !== undefined && owner !== '') fact.owner = owner;
    this.pushFunction(fact, node.endIndex);
  }

  visitImport(node: Node): void {
    if (node.children.some((child) => child.type === 'type')) return; // `import type { … }`
    const module = stringValue(node.childForFieldName('source'));
    const clause = node.namedChildren.find((child) => child.type === 'import_clause');
    if (module === undefined) return;
    if (THREAD_MODULES.has(module)) this.usesThreads = true;
    for (const part of clause?.namedChildren ?? []) {
      if (part.type === 'identifier') this.addImport(part.text, module, 'default');
      else if (part.type === 'namespace_import') {
        const local = part.namedChildren.find((child) => child.type === 'identifier')?.text;
        if (local !== undefined) this.addImport(local, module, '');
      } else if (part.type === 'named_imports') {
        for (const specifier of part.namedChildren) {
          if (specifier.type !== 'import_specifier' || specifier.children.some((child) => child.type === 'type')) continue;
          const name = specifier.childForFieldName('name')?.text;
          const alias = specifier.childForFieldName('alias')?.text;
          if (name !== undefined) this.addImport(alias ?? name, module, name);
        }
      }
    }
  }

  /** `default` for a default import, '' for the module itself (namespace import or `require`). */
  private addImport(local: string, module: string, name: string): void {
    this.imports.push({ local, module, name });
    if (BETTER_SQLITE3.has(module) && (name === 'default' || name === '')) this.constructors.set(local, 'better-sqlite3');
    if (module === NODE_SQLITE) {
      if (name === 'DatabaseSync') this.constructors.set(local, 'node:sqlite');
      else if (name === '') this.nodeSqliteNamespaces.add(local);
    }
  }

  visitLoop(node: Node): void {
    const body = node.childForFieldName('body');
    if (!body) return;
    const variables = new Set<string>();
    this.advance(node.startIndex);
    const transaction = this.inTransactionBody(node.startIndex);
    const range = rangeOf(node);
    if (node.type === 'do_statement') {
      const condition = node.childForFieldName('condition');
      const headerRange = { start: node.startIndex, end: node.startIndex + 2 };
      const header = condition ? `do … while ${condition.text}` : 'do';
      const parts = condition ? [rangeOf(body), rangeOf(condition)] : [rangeOf(body)];
      this.openLoop({ kind: 'while', range, header, headerRange, body: parts, variables, mayPoll: !condition || isSimpleCondition(condition), transaction });
      return;
    }
    const headerRange = trimmedRange(this.source, node.startIndex, body.startIndex);
    const header = this.source.slice(headerRange.start, headerRange.end);
    if (node.type === 'for_in_statement') {
      collectPatternNames(node.childForFieldName('left'), variables);
      const kind = node.children.some((child) => child.type === 'await') ? 'async-for' : 'for';
      this.openLoop({ kind, range, header, headerRange, body: [rangeOf(body)], variables, mayPoll: false, transaction });
    } else if (node.type === 'for_statement') {
      const initializer = node.childForFieldName('initializer');
      const condition = node.childForFieldName('condition');
      const increment = node.childForFieldName('increment');
      for (const declarator of initializer?.namedChildren ?? []) {
        if (declarator.type === 'variable_declarator') collectPatternNames(declarator.childForFieldName('name'), variables);
      }
      const parts = [condition, increment, body].filter((part): part is Node => part !== null).map(rangeOf);
      const endless = !condition || condition.type === 'empty_statement' || isSimpleCondition(condition);
      this.openLoop({ kind: 'for', range, header, headerRange, body: parts, variables, mayPoll: endless, transaction });
    } else {
      const condition = node.childForFieldName('condition');
      const parts = [condition, body].filter((part): part is Node => part !== null).map(rangeOf);
      this.openLoop({ kind: 'while', range, header, headerRange, body: parts, variables, mayPoll: condition !== null && isSimpleCondition(condition), transaction });
    }
  }

  /** `const user = users.get(id)` inside a loop: `user` changes per iteration; `const stmt = db.prepare(…)`: a handle. */
  visitDeclarator(node: Node): void {
    this.advance(node.startIndex);
    const name = node.childForFieldName('name');
    const value = node.childForFieldName('value');
    if (!name || !value) return;
    if (this.inLoop(node.startIndex)) {
      const targets = new Set<string>();
      collectPatternNames(name, targets);
      this.deriveVariables(node.startIndex, this.namesIn(rangeOf(value)), [...targets]);
    }
    const inner = unwrapped(value);
    const required = requiredModule(inner);
    if (required !== undefined) {
      if (name.type === 'identifier') this.addImport(name.text, required, '');
      else if (name.type === 'object_pattern') this.requireDestructured(name, required);
      if (THREAD_MODULES.has(required)) this.usesThreads = true;
      return;
    }
    if (name.type === 'identifier' && isPrepareCall(inner)) this.declareHandle(name.text, functionScope(node, this.source.length), rangeOf(inner), node.startIndex);
  }

  /** `const { a, b: c } = require('./x')`. */
  private requireDestructured(pattern: Node, module: string): void {
    for (const property of pattern.namedChildren) {
      if (property.type === 'shorthand_property_identifier_pattern') this.addImport(property.text, module, property.text);
      else if (property.type === 'pair_pattern') {
        const key = property.childForFieldName('key')?.text;
        const value = property.childForFieldName('value');
        if (key !== undefined && value?.type === 'identifier') this.addImport(value.text, module, key);
      }
    }
  }

  visitAssignment(node: Node): void {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (!left || !right) return;
    if (left.type === 'identifier' && this.inLoop(node.startIndex)) this.deriveVariables(node.startIndex, this.namesIn(rangeOf(right)), [left.text]);
    // `this.insert = db.prepare(…)` in a constructor: a handle for every method of the class.
    const value = unwrapped(right);
    if (left.type === 'member_expression' && isPrepareCall(value) && left.childForFieldName('object')?.type === 'this') {
      const scope = classScope(node);
      const name = receiverText(left.text);
      if (scope && name !== '…') this.declareHandle(name, scope, rangeOf(value), node.startIndex);
    }
  }

  /** A class field: `private readonly insert = this.db.prepare(…)`. */
  visitField(node: Node): void {
    const name = node.childForFieldName('name') ?? node.childForFieldName('property');
    const value = node.childForFieldName('value');
    const prepared = value ? unwrapped(value) : null;
    if (!name || !prepared || !isPrepareCall(prepared)) return;
    const scope = classScope(node);
    if (scope) this.declareHandle(`this.${name.text}`, scope, rangeOf(prepared), node.startIndex);
  }

  /** A call, with the function and arguments nodes the extractor already has. */
  visitCall(node: Node, fn: Node, argumentsNode: Node): void {
    const fnType = fn.type;
    // `Database(path)` without `new`, `require('better-sqlite3')(path)`.
    if (fnType === 'call_expression' || (fnType === 'identifier' && this.constructors.size > 0)) {
      const driver = this.constructorDriver(fn);
      if (driver) {
        this.advance(node.startIndex);
        this.addConnectionAt(node, driver, argumentsNode);
      }
    }
    const callee = calleeOf(node, fn);
    const names = this.chainNames(node.startIndex, rangeOf(argumentsNode), () => {
      // The object a method is called on flows in too (`session.save()`, `db.prepare(sql).get(id)` → db).
      const root = fnType === 'member_expression' ? /^[A-Za-z_$][\w$]*/.exec(fn.text)?.[0] : undefined;
      return root !== undefined && root !== 'this' ? [root] : [];
    });
    if (!callee) return;
    const object = fnType === 'member_expression' && STATEMENT_RUNS.has(callee.name) ? fn.childForFieldName('object') : null;
    const handle = object ? statementHandle(object) : undefined;
    this.recordCall(callee, names, BLOCKING_CALLS.has(callee.name), handle);
    if (CALLBACK_METHODS.has(callee.name)) this.visitCallback(node, callee, argumentsNode);
    else if (TRANSACTION_METHODS.has(callee.name) && callee.receiver !== undefined) {
      const callback = firstArgumentOf(argumentsNode);
      if (callback && CALLBACK_TYPES.has(callback.type)) this.recordTransactionBody(rangeOf(callback));
    }
  }

  /** `ids.map((id) => …)`: the callback's body runs once per element. */
  private visitCallback(call: Node, callee: CalleeRef, argumentsNode: Node): void {
    if (callee.receiver === undefined || !CALLBACK_METHODS.has(callee.name)) return;
    const callback = firstArgumentOf(argumentsNode);
    const body = callback?.childForFieldName('body');
    if (!callback || !CALLBACK_TYPES.has(callback.type) || !body) return;
    const variables = new Set<string>();
    collectPatternNames(callback.childForFieldName('parameters') ?? callback.childForFieldName('parameter'), variables);
    const headerRange = trimmedRange(this.source, call.startIndex, body.startIndex);
    this.openLoop({
      kind: 'callback',
      range: rangeOf(call),
      header: `${this.source.slice(headerRange.start, headerRange.end)} …)`,
      headerRange,
      body: [rangeOf(body)],
      variables,
      mayPoll: false,
      transaction: this.inTransactionBody(call.startIndex),
    });
  }

  visitNew(node: Node): void {
    const constructor = node.childForFieldName('constructor');
    const argumentsNode = node.childForFieldName('arguments');
    const driver = constructor ? this.constructorDriver(constructor) : undefined;
    if (!driver) return;
    this.advance(node.startIndex);
    this.addConnectionAt(node, driver, argumentsNode);
  }

  /** `Database`, `DatabaseSync`, `sqlite.DatabaseSync`, `require('better-sqlite3')`: the driver it opens. */
  private constructorDriver(node: Node): SqliteDriver | undefined {
    if (node.type === 'identifier') return this.constructors.get(node.text);
    if (node.type === 'member_expression') {
      const object = node.childForFieldName('object');
      const isNamespace = object?.type === 'identifier' && this.nodeSqliteNamespaces.has(object.text);
      return isNamespace && node.childForFieldName('property')?.text === 'DatabaseSync' ? 'node:sqlite' : undefined;
    }
    const required = requiredModule(node);
    return required !== undefined && BETTER_SQLITE3.has(required) ? 'better-sqlite3' : undefined;
  }

  /** The connection a `new Database(…)` (or call) opens: where it is stored, its `timeout` option, memory or disk. */
  private addConnectionAt(expression: Node, driver: SqliteDriver, argumentsNode: Node | null): void {
    const args = argumentsNode?.namedChildren.filter((child) => child.type !== 'comment') ?? [];
    const database = args[0];
    const databaseText = database ? stringValue(database) : undefined;
    const connection: ConnectionFact = {
      driver,
      range: rangeOf(expression),
      form: 'other',
      statementRange: rangeOf(expression),
      awaited: false,
      settings: [],
      autocommit: true,
      concurrency: [],
      // better-sqlite3 with no file name (or '') opens a private temporary database.
      inMemory: databaseText === ':memory:' || (driver === 'better-sqlite3' && (database === undefined || databaseText === '')),
    };
    // better-sqlite3 waits 5 s for a lock by default; node:sqlite does not wait at all.
    if (driver === 'better-sqlite3') connection.defaultBusyTimeoutMs = 5000;
    const options = args[1]?.type === 'object' ? args[1] : undefined;
    for (const pair of options?.namedChildren ?? []) {
      const value = pair.type === 'pair' ? pair.childForFieldName('value') : null;
      if (pair.childForFieldName('key')?.text !== 'timeout' || value?.type !== 'number') continue;
      const ms = Number(value.text.replace(/_/g, ''));
      if (Number.isFinite(ms)) connection.settings.push({ name: 'busy_timeout', value: String(ms), range: rangeOf(pair), valueRange: rangeOf(value), source: 'argument' });
    }
    this.addConnection(connection, this.placeConnection(expression, connection));
  }

  /**
   * `const db = …`, `this.db = …`, `return …`, a class field: where the connection goes decides a fix. Returns the
   * class a field belongs to (its methods use the connection through `this.<field>`).
   */
  private placeConnection(expression: Node, connection: ConnectionFact): string | undefined {
    let current = expression;
    while (current.parent && /^(?:parenthesized_expression|as_expression|satisfies_expression|non_null_expression)$/.test(current.parent.type)) current = current.parent;
    const parent = current.parent;
    if (parent?.type === 'variable_declarator' && parent.childForFieldName('value')?.startIndex === current.startIndex) {
      const name = parent.childForFieldName('name');
      const declaration = parent.parent;
      if (name?.type === 'identifier' && declaration) {
        connection.form = 'assignment';
        connection.target = name.text;
        connection.statementRange = rangeOf(declaration.parent?.type === 'export_statement' ? declaration.parent : declaration);
      }
    } else if (parent?.type === 'assignment_expression' && parent.childForFieldName('right')?.startIndex === current.startIndex) {
      const target = receiverText(parent.childForFieldName('left')?.text ?? '');
      if (target !== '…' && parent.parent?.type === 'expression_statement') {
        connection.form = 'assignment';
        connection.target = target;
        connection.statementRange = rangeOf(parent.parent);
      }
    } else if (parent?.type === 'return_statement') {
      connection.form = 'return';
      connection.statementRange = rangeOf(parent);
    } else if (parent?.type === 'public_field_definition' || parent?.type === 'field_definition') {
      const name = parent.childForFieldName('name') ?? parent.childForFieldName('property');
      if (name) connection.target = `this.${name.text}`;
      return classNameOf(parent);
    }
    return undefined;
  }

  /** `db.pragma('journal_mode = WAL')`, `db.exec('PRAGMA busy_timeout = 5000')`: settings of the connection `db`. */
  visitExecuted(call: Node, statement: ExtractedSql): void {
    if (!/^\s*PRAGMA\b/i.test(statement.sql)) {
      const read = scalarRead(call, this.source);
      if (read) this.scalarReads.push(read);
      return;
    }
    const fn = call.childForFieldName('function');
    const receiver = fn?.type === 'member_expression' ? receiverText(fn.childForFieldName('object')?.text ?? '') : undefined;
    this.recordPragma(statement, receiver === '…' ? undefined : receiver);
  }
}

// ---------------------------------------------------------------------------------------------
// single values read from a prepared statement

const WRAPPERS = /^(?:parenthesized_expression|as_expression|satisfies_expression|non_null_expression)$/;

/**
 * `db.prepare(sql).pluck().get(…)`, `db.prepare(sql).get(…).n`, `(db.prepare(sql).get() as { n: number }).n` held
 * by `const name = …;` (one declarator) or by a key of an object literal that a declaration, an assignment or a
 * `return` holds. `range` is the read without its wrappers (`as number` stays around the replacement).
 */
function scalarRead(prepare: Node, source: string): ScalarReadFact | undefined {
  const fn = prepare.childForFieldName('function');
  if (fn?.type !== 'member_expression' || fn.childForFieldName('property')?.text !== 'prepare') return undefined;
  const receiver = fn.childForFieldName('object');
  let method = memberCall(prepare);
  const plucked = method?.name === 'pluck';
  if (method && plucked) {
    if ((method.call.childForFieldName('arguments')?.namedChildCount ?? 1) !== 0) return undefined;
    method = memberCall(method.call);
  }
  if (!receiver || method?.name !== 'get') return undefined;
  let value = method.call;
  if (!plucked) {
    let object = value;
    while (object.parent && WRAPPERS.test(object.parent.type)) object = object.parent;
    const member = object.parent;
    if (member?.type !== 'member_expression' || member.childForFieldName('object')?.startIndex !== object.startIndex) return undefined;
    if (member.childForFieldName('property')?.type !== 'property_identifier') return undefined;
    value = member;
  }
  let outer = value;
  while (outer.parent && WRAPPERS.test(outer.parent.type)) outer = outer.parent;
  const into = holderOf(outer);
  if (!into) return undefined;
  const args = method.call.childForFieldName('arguments')?.namedChildren.filter((child) => child.type !== 'comment') ?? [];
  const read: ScalarReadFact = { callRange: rangeOf(prepare), range: rangeOf(value), receiver: receiver.text, into };
  if (args.length > 0) read.argumentsText = source.slice(args[0].startIndex, args[args.length - 1].endIndex);
  return read;
}

/** `<object>.name(…)`: the method called on a node and the call. */
function memberCall(object: Node): { name: string; call: Node } | undefined {
  const member = object.parent;
  const call = member?.parent;
  if (member?.type !== 'member_expression' || call?.type !== 'call_expression' || call.childForFieldName('function')?.startIndex !== member.startIndex) return undefined;
  const name = member.childForFieldName('property')?.text;
  return name === undefined ? undefined : { name, call };
}

function holderOf(value: Node): ScalarReadFact['into'] | undefined {
  const parent = value.parent;
  if (parent?.type === 'variable_declarator' && parent.childForFieldName('value')?.startIndex === value.startIndex) {
    const name = parent.childForFieldName('name');
    const declaration = soleDeclaration(parent);
    return name?.type === 'identifier' && declaration ? { kind: 'assignment', name: name.text, statementRange: rangeOf(declaration) } : undefined;
  }
  if (parent?.type !== 'pair' || parent.childForFieldName('value')?.startIndex !== value.startIndex) return undefined;
  const key = parent.childForFieldName('key');
  if (key?.type !== 'property_identifier' && key?.type !== 'string') return undefined;
  const statement = objectStatement(parent.parent);
  return statement ? { kind: 'dict-entry', key: key.text, statementRange: rangeOf(statement) } : undefined;
}

/** The `const x = …;` holding only this declarator, in a block or at the top of a module. */
function soleDeclaration(declarator: Node): Node | undefined {
  const declaration = declarator.parent;
  if (declaration?.type !== 'lexical_declaration' && declaration?.type !== 'variable_declaration') return undefined;
  if (declaration.namedChildren.filter((child) => child.type === 'variable_declarator').length !== 1) return undefined;
  return declaration.parent?.type === 'statement_block' || declaration.parent?.type === 'program' ? declaration : undefined;
}

/** `const stats = {…};`, `stats = {…};`, `return {…};`: the statement a new declaration can go before. */
function objectStatement(object: Node | null): Node | undefined {
  if (object?.type !== 'object') return undefined;
  let current = object;
  while (current.parent && WRAPPERS.test(current.parent.type)) current = current.parent;
  const parent = current.parent;
  let statement: Node | null | undefined;
  if (parent?.type === 'return_statement') statement = parent;
  else if (parent?.type === 'variable_declarator' && parent.childForFieldName('value')?.startIndex === current.startIndex) statement = soleDeclaration(parent);
  else if (parent?.type === 'assignment_expression' && parent.childForFieldName('right')?.startIndex === current.startIndex) {
    statement = parent.parent?.type === 'expression_statement' ? parent.parent : undefined;
  }
  return statement && (statement.parent?.type === 'statement_block' || statement.parent?.type === 'program') ? statement : undefined;
}

// ---------------------------------------------------------------------------------------------
// helpers

/**
 * `f(…)` → f; `this.repo.load(…)` → load on `this.repo`; calls on call results keep `…` as their receiver. Read
 * from the callee's text (the property is what follows its last dot), which spares fetching child nodes.
 */
function calleeOf(call: Node, function_: Node): CalleeRef | undefined {
  let fn: Node | null = function_;
  while (fn && (fn.type === 'non_null_expression' || fn.type === 'instantiation_expression')) fn = fn.firstNamedChild;
  if (!fn) return undefined;
  const range = rangeOf(call);
  if (fn.type === 'identifier') return { name: fn.text, range };
  if (fn.type !== 'member_expression') return undefined;
  const text = fn.text;
  const dot = text.lastIndexOf('.');
  const name = text.slice(dot + 1).trim();
  if (dot <= 0 || !/^#?[A-Za-z_$][\w$]*$/.test(name)) return undefined;
  return { name, receiver: receiverText(text.slice(0, text[dot - 1] === '?' ? dot - 1 : dot).trimEnd()), range };
}

/** `db.prepare(…)`: a call that returns a prepared statement. */
function isPrepareCall(node: Node): boolean {
  if (node.type !== 'call_expression') return false;
  const fn = node.childForFieldName('function');
  return fn?.type === 'member_expression' && fn.childForFieldName('property')?.text === 'prepare';
}

/** `stmt`, `this.insert`, `this.#insert`, through `.pluck()`/`.raw()`/`.bind(…)`: the handle a run call uses. */
function statementHandle(object: Node): string | undefined {
  let node = object;
  for (;;) {
    const fn = node.type === 'call_expression' ? node.childForFieldName('function') : null;
    if (fn?.type !== 'member_expression' || !STATEMENT_MODIFIERS.has(fn.childForFieldName('property')?.text ?? '')) break;
    node = fn.childForFieldName('object')!;
  }
  if (node.type === 'identifier') return node.text;
  if (node.type === 'member_expression' && node.childForFieldName('object')?.type === 'this') {
    const text = receiverText(node.text);
    return text === '…' ? undefined : text;
  }
  return undefined;
}

/** Names a binding pattern or parameter list introduces. */
function collectPatternNames(pattern: Node | null, into: Set<string>): void {
  if (!pattern) return;
  switch (pattern.type) {
    case 'identifier':
    case 'shorthand_property_identifier_pattern':
      into.add(pattern.text);
      return;
    case 'required_parameter':
    case 'optional_parameter':
      collectPatternNames(pattern.childForFieldName('pattern'), into);
      return;
    case 'assignment_pattern':
    case 'object_assignment_pattern':
      collectPatternNames(pattern.childForFieldName('left'), into);
      return;
    case 'pair_pattern':
      collectPatternNames(pattern.childForFieldName('value'), into);
      return;
    case 'formal_parameters':
    case 'object_pattern':
    case 'array_pattern':
    case 'rest_pattern':
    case 'lexical_declaration':
    case 'variable_declaration':
      for (const child of pattern.namedChildren) collectPatternNames(child, into);
      return;
    case 'variable_declarator':
      collectPatternNames(pattern.childForFieldName('name'), into);
      return;
  }
}

/** `x`, `await x`, `(x)`, `x as T`, `x!` → x. */
function unwrapped(node: Node): Node {
  let current = node;
  while (/^(?:await_expression|parenthesized_expression|as_expression|satisfies_expression|non_null_expression)$/.test(current.type)) {
    const inner = current.firstNamedChild;
    if (!inner) break;
    current = inner;
  }
  return current;
}

/** `require('m')` → m. */
function requiredModule(node: Node): string | undefined {
  if (node.type !== 'call_expression' || node.childForFieldName('function')?.text !== 'require') return undefined;
  const argument = node.childForFieldName('arguments')?.namedChildren[0];
  return argument ? stringValue(argument) : undefined;
}

/** The content of a quoted string without escapes or template holes. */
function stringValue(node: Node | null): string | undefined {
  if (!node) return undefined;
  if (node.type === 'string') return node.namedChildren.some((child) => child.type === 'escape_sequence') ? undefined : node.text.slice(1, -1);
  if (node.type === 'template_string' && !node.namedChildren.some((child) => child.type !== 'string_fragment')) return node.text.slice(1, -1);
  return undefined;
}

/** `true`, `1`, `running`, `this.running`, `!stopped`: a condition that does not walk anything. */
function isSimpleCondition(condition: Node): boolean {
  let node = condition;
  while (node.type === 'parenthesized_expression' || (node.type === 'unary_expression' && node.text.startsWith('!'))) {
    const inner = node.firstNamedChild;
    if (!inner) return false;
    node = inner;
  }
  if (node.type === 'true' || node.type === 'identifier') return true;
  if (node.type === 'number') return Number(node.text) !== 0;
  return node.type === 'member_expression' && /^[\w$.#]+$/.test(node.text);
}

function firstArgumentOf(argumentsNode: Node): Node | null {
  const first = argumentsNode.firstNamedChild;
  return first?.type === 'comment' ? (argumentsNode.namedChildren.find((child) => child.type !== 'comment') ?? null) : first;
}

/** The innermost function around a node (a handle declared there is visible in it), else the whole file. */
function functionScope(node: Node, fileLength: number): OffsetRange {
  for (let current = node.parent; current; current = current.parent) if (FUNCTION_TYPES.has(current.type)) return rangeOf(current);
  return { start: 0, end: fileLength };
}

function classNameOf(node: Node): string | undefined {
  for (let current = node.parent; current; current = current.parent) if (CLASS_TYPES.has(current.type)) return current.childForFieldName('name')?.text;
  return undefined;
}

function classScope(node: Node): OffsetRange | undefined {
  for (let current = node.parent; current; current = current.parent) if (CLASS_TYPES.has(current.type)) return rangeOf(current);
  return undefined;
}
