// Workload facts of one Python file: functions and their callees, loops and the calls made on every iteration,
// imports, scalar reads (`conn.execute(sql).fetchone()[0]`) and connection setup. Fed by the Python extractor's
// single walk over the syntax tree (nodes arrive in source order), so a file is parsed once for both.
import type { Node } from 'web-tree-sitter';
import type {
  CalleeRef,
  ConnectionFact,
  ExtractedSql,
  FunctionFact,
  ImportFact,
  LoopCallFact,
  LoopFact,
  OffsetRange,
  ScalarReadFact,
  SqliteDriver,
  WorkloadFacts,
} from '../types';
import { pragmaSettings } from './pragmaSettings';
import { rangeOf } from './treeSitter';
import { loopCallFact } from './workloadBase';

/** Node types that start a loop; the extractor forwards them to `visitLoop`. */
export const PYTHON_LOOP_TYPES = [
  'for_statement',
  'while_statement',
  'list_comprehension',
  'set_comprehension',
  'dictionary_comprehension',
  'generator_expression',
];

/** Calls that block until something happens: a loop around them polls rather than walks a collection. */
const BLOCKING_CALLS = new Set(['sleep', 'wait', 'wait_for']);
const QUEUE_RECEIVER = /(?:^|\.)_?(?:\w*queue\w*|q)$/i;

/** Modules whose import means the file runs code concurrently. */
const THREAD_MODULES = /^(?:threading|concurrent\.futures|concurrent|multiprocessing|_thread)(?:\.|$)/;

const CONNECT_CALLS: ReadonlyMap<string, SqliteDriver> = new Map([
  ['sqlite3.connect', 'sqlite3'],
  ['aiosqlite.connect', 'aiosqlite'],
  ['create_engine', 'sqlalchemy'],
  ['create_async_engine', 'sqlalchemy'],
  ['sqlalchemy.create_engine', 'sqlalchemy'],
  ['sa.create_engine', 'sqlalchemy'],
  ['sqlalchemy.ext.asyncio.create_async_engine', 'sqlalchemy'],
]);

/** Longest header text kept for messages. */
const MAX_HEADER = 60;

interface FunctionFrame {
  fact: FunctionFact;
  end: number;
  seen: Set<string>;
}

interface LoopFrame {
  index: number;
  end: number;
  functionFrame: FunctionFrame | undefined;
  variables: Set<string>;
  blocking: boolean;
  simpleCondition: boolean;
}

interface ExecutedPragma {
  statement: ExtractedSql;
  receiver?: string;
  function?: string;
  owner?: string;
}

export class PythonWorkloadCollector {
  private readonly functions: FunctionFact[] = [];
  private readonly loops: LoopFact[] = [];
  private readonly loopFrames: LoopFrame[] = [];
  private readonly loopCalls: LoopCallFact[] = [];
  private readonly imports: ImportFact[] = [];
  private readonly scalarReads: ScalarReadFact[] = [];
  private readonly connections: ConnectionFact[] = [];
  /** Class of the method each connection is opened in (parallel to `connections`). */
  private readonly connectionOwners: Array<string | undefined> = [];
  private readonly pragmas: ExecutedPragma[] = [];
  /** SQLAlchemy `@event.listens_for(engine, "connect")` functions → the engine expression. */
  private readonly connectListeners = new Map<string, string>();
  private readonly functionStack: FunctionFrame[] = [];
  private usesThreads = false;

  constructor(private readonly source: string) {}

  /** Closes the functions and loops that end before `offset` (the walk moved past them). */
  private advance(offset: number): void {
    while (this.functionStack.length > 0 && this.functionStack[this.functionStack.length - 1].end <= offset) {
      this.functionStack.pop();
    }
    while (this.loopFrames.length > 0 && this.loopFrames[this.loopFrames.length - 1].end <= offset) {
      this.closeLoop(this.loopFrames.pop()!);
    }
  }

  private currentFunction(): FunctionFrame | undefined {
    return this.functionStack[this.functionStack.length - 1];
  }

  enterFunction(node: Node, qualifiedName: string, owner: string | undefined): void {
    this.advance(node.startIndex);
    const name = node.childForFieldName('name');
    const fact: FunctionFact = {
      name: name?.text ?? '',
      qualifiedName,
      range: rangeOf(node),
      nameRange: name ? rangeOf(name) : rangeOf(node),
      callees: [],
    };
    if (owner !== undefined) fact.owner = owner;
    this.functions.push(fact);
    this.functionStack.push({ fact, end: node.endIndex, seen: new Set() });
    const decorated = node.parent?.type === 'decorated_definition' ? node.parent : undefined;
    for (const decorator of decorated?.namedChildren ?? []) {
      const listened = connectListenerTarget(decorator);
      if (listened) this.connectListeners.set(qualifiedName, listened);
    }
  }

  visitImport(node: Node): void {
    const moduleNode = node.childForFieldName('module_name');
    const module = moduleNode?.text;
    for (const child of node.childrenForFieldName('name')) {
      const aliased = child.type === 'aliased_import';
      const nameNode = aliased ? child.childForFieldName('name') : child;
      const alias = aliased ? child.childForFieldName('alias')?.text : undefined;
      if (!nameNode) continue;
      if (node.type === 'import_statement') {
        if (THREAD_MODULES.test(nameNode.text)) this.usesThreads = true;
        if (alias) this.imports.push({ local: alias, module: nameNode.text, name: '' });
      } else if (module !== undefined) {
        if (THREAD_MODULES.test(module)) this.usesThreads = true;
        this.imports.push({ local: alias ?? nameNode.text, module, name: nameNode.text });
      }
    }
  }

  visitLoop(node: Node): void {
    this.advance(node.startIndex);
    const functionFrame = this.currentFunction();
    let headerRange: OffsetRange;
    let body: OffsetRange[];
    const variables = new Set<string>();
    let simpleCondition = false;
    let kind: LoopFact['kind'];
    let headerText: string;
    if (node.type === 'for_statement') {
      kind = node.child(0)?.type === 'async' ? 'async-for' : 'for';
      const right = node.childForFieldName('right');
      collectTargetNames(node.childForFieldName('left'), variables);
      const block = node.childForFieldName('body');
      body = block ? [rangeOf(block)] : [];
      headerRange = { start: node.startIndex, end: right?.endIndex ?? node.startIndex };
      headerText = this.source.slice(headerRange.start, headerRange.end);
    } else if (node.type === 'while_statement') {
      kind = 'while';
      const condition = node.childForFieldName('condition');
      const block = node.childForFieldName('body');
      body = [condition, block].filter((part): part is Node => part !== null).map(rangeOf);
      simpleCondition = condition !== null && isSimpleCondition(condition);
      headerRange = { start: node.startIndex, end: condition?.endIndex ?? node.startIndex };
      headerText = this.source.slice(headerRange.start, headerRange.end);
    } else {
      kind = 'comprehension';
      const clauses = node.namedChildren.filter((child) => child.type === 'for_in_clause');
      for (const clause of clauses) collectTargetNames(clause.childForFieldName('left'), variables);
      // The first iterable is evaluated once; everything else runs per element.
      const firstIterable = clauses[0]?.childForFieldName('right');
      body = firstIterable
        ? [
            { start: node.startIndex, end: firstIterable.startIndex },
            { start: firstIterable.endIndex, end: node.endIndex },
          ]
        : [rangeOf(node)];
      headerRange = rangeOf(clauses[0] ?? node);
      headerText = this.source.slice(headerRange.start, headerRange.end);
    }
    const fact: LoopFact = {
      kind,
      range: rangeOf(node),
      header: shorten(headerText),
      headerRange,
      body,
      variables: [],
      polling: false,
    };
    if (functionFrame) fact.function = functionFrame.fact.qualifiedName;
    this.loops.push(fact);
    this.loopFrames.push({ index: this.loops.length - 1, end: node.endIndex, functionFrame, variables, blocking: false, simpleCondition });
  }

  private closeLoop(frame: LoopFrame): void {
    const fact = this.loops[frame.index];
    fact.variables = [...frame.variables];
    fact.polling = fact.kind === 'while' && frame.simpleCondition && frame.blocking;
  }

  /** The innermost loop of the current function whose per-iteration part holds `offset`. */
  private loopAt(offset: number): LoopFrame | undefined {
    const functionFrame = this.currentFunction();
    for (let i = this.loopFrames.length - 1; i >= 0; i--) {
      const frame = this.loopFrames[i];
      if (frame.functionFrame !== functionFrame) return undefined;
      if (this.loops[frame.index].body.some((part) => part.start <= offset && offset < part.end)) return frame;
    }
    return undefined;
  }

  /** `name = <expression using a loop variable>` inside a loop: `name` changes per iteration too. */
  visitAssignment(node: Node): void {
    if (this.loopFrames.length === 0) return;
    this.advance(node.startIndex);
    const frame = this.loopAt(node.startIndex);
    const right = node.childForFieldName('right');
    if (!frame || !right) return;
    if (readNames(right).some((name) => frame.variables.has(name))) collectTargetNames(node.childForFieldName('left'), frame.variables);
  }

  /** Records the call; returns its callee, which the SQL extractor reads too. */
  visitCall(node: Node): CalleeRef | undefined {
    this.advance(node.startIndex);
    const callee = calleeOf(node);
    if (!callee) return undefined;
    const functionFrame = this.currentFunction();
    if (functionFrame && !functionFrame.seen.has(callee.name)) {
      functionFrame.seen.add(callee.name);
      functionFrame.fact.callees.push(callee);
    }
    const frame = this.loopFrames.length > 0 ? this.loopAt(node.startIndex) : undefined;
    if (frame) {
      const argumentNames = new Set(readNames(node.childForFieldName('arguments')));
      const receiverRoot = callee.receiver?.match(/^[A-Za-z_]\w*/)?.[0];
      if (receiverRoot && receiverRoot !== 'self' && receiverRoot !== 'cls') argumentNames.add(receiverRoot);
      this.loopCalls.push(loopCallFact(callee, frame.index, [...argumentNames]));
      if (BLOCKING_CALLS.has(callee.name) || (callee.name === 'get' && isBlockingGet(node, callee))) frame.blocking = true;
    }
    const connectName = callee.receiver ? `${callee.receiver}.${callee.name}` : callee.name;
    const driver = CONNECT_CALLS.get(connectName);
    if (driver) this.visitConnect(node, driver);
    return callee;
  }

  /** An execute-like call whose SQL the extractor resolved. */
  visitExecuted(call: Node, statement: ExtractedSql): void {
    const callee = call.childForFieldName('function');
    const receiver = callee?.type === 'attribute' ? callee.childForFieldName('object') : null;
    if (/^\s*PRAGMA\b/i.test(statement.sql)) {
      const functionFrame = this.currentFunction();
      this.pragmas.push({
        statement,
        receiver: receiver?.text,
        function: functionFrame?.fact.qualifiedName,
        owner: functionFrame?.fact.owner,
      });
      return;
    }
    if (receiver) this.visitScalarRead(call, receiver);
  }

  /** `conn.execute(sql, args).fetchone()[0]` stored in a name or a dict entry. */
  private visitScalarRead(call: Node, receiver: Node): void {
    const fetch = call.parent;
    if (fetch?.type !== 'attribute' || fetch.childForFieldName('attribute')?.text !== 'fetchone') return;
    const fetchCall = fetch.parent;
    if (fetchCall?.type !== 'call' || (fetchCall.childForFieldName('arguments')?.namedChildCount ?? 1) !== 0) return;
    const subscript = fetchCall.parent;
    if (subscript?.type !== 'subscript' || subscript.childForFieldName('subscript')?.text !== '0') return;
    const holder = subscript.parent;
    let into: ScalarReadFact['into'] | undefined;
    if (holder?.type === 'assignment' && holder.childForFieldName('left')?.type === 'identifier') {
      const statement = holder.parent;
      if (statement?.type === 'expression_statement') {
        into = { kind: 'assignment', name: holder.childForFieldName('left')!.text, statementRange: rangeOf(statement) };
      }
    } else if (holder?.type === 'pair' && holder.childForFieldName('key')?.type === 'string') {
      const statement = dictStatement(holder.parent);
      if (statement) into = { kind: 'dict-entry', key: holder.childForFieldName('key')!.text, statementRange: rangeOf(statement) };
    }
    if (!into) return;
    const args = call.childForFieldName('arguments')?.namedChildren.filter((child) => child.type !== 'comment') ?? [];
    const read: ScalarReadFact = { callRange: rangeOf(call), range: rangeOf(subscript), receiver: receiver.text, into };
    if (args.length > 1) read.argumentsText = this.source.slice(args[1].startIndex, args[args.length - 1].endIndex);
    this.scalarReads.push(read);
  }

  private visitConnect(call: Node, driver: SqliteDriver): void {
    const functionFrame = this.currentFunction();
    const args = call.childForFieldName('arguments')?.namedChildren.filter((child) => child.type !== 'comment') ?? [];
    const database = args[0] && args[0].type !== 'keyword_argument' ? args[0] : undefined;
    const databaseText = database?.type === 'string' ? stringValue(database) : undefined;
    const connection: ConnectionFact = {
      driver,
      range: rangeOf(call),
      form: 'other',
      statementRange: rangeOf(call),
      awaited: false,
      settings: [],
      autocommit: false,
      defaultBusyTimeoutMs: 5000,
      concurrency: [],
      inMemory:
        databaseText !== undefined &&
        (driver === 'sqlalchemy'
          ? /^sqlite[+\w]*:\/\/(?:\/(?::memory:)?)?(?:\?.*)?$/.test(databaseText)
          : databaseText === '' || /^(?::memory:|file::memory:)/.test(databaseText)),
    };
    if (driver === 'sqlalchemy') {
      // create_engine is about any database: only SQLite URLs count.
      if (databaseText === undefined || !/^sqlite/i.test(databaseText)) return;
      connection.concurrency.push('a SQLAlchemy connection pool');
    }
    if (driver === 'aiosqlite') connection.concurrency.push('aiosqlite (async)');
    for (const argument of args) {
      if (argument.type !== 'keyword_argument') continue;
      const key = argument.childForFieldName('name')?.text;
      const value = argument.childForFieldName('value');
      if (!value) continue;
      if ((key === 'isolation_level' && value.type === 'none') || (key === 'autocommit' && value.text === 'True')) {
        connection.autocommit = true;
      } else if (key === 'check_same_thread' && value.text === 'False') {
        connection.concurrency.push('check_same_thread=False (shared across threads)');
      } else if (key === 'timeout' && (value.type === 'integer' || value.type === 'float')) {
        const seconds = Number(value.text.replace(/_/g, ''));
        if (Number.isFinite(seconds)) {
          connection.settings.push({
            name: 'busy_timeout',
            value: String(Math.round(seconds * 1000)),
            range: rangeOf(argument),
            valueRange: rangeOf(value),
            source: 'argument',
          });
        }
      }
    }
    let expression = call;
    while (expression.parent && (expression.parent.type === 'await' || expression.parent.type === 'parenthesized_expression')) {
      if (expression.parent.type === 'await') connection.awaited = true;
      expression = expression.parent;
    }
    const parent = expression.parent;
    if (parent?.type === 'assignment' && parent.childForFieldName('right')?.startIndex === expression.startIndex) {
      const statement = parent.parent;
      const left = parent.childForFieldName('left');
      if (statement?.type === 'expression_statement' && left && (left.type === 'identifier' || left.type === 'attribute')) {
        connection.form = 'assignment';
        connection.target = left.text;
        connection.statementRange = rangeOf(statement);
      }
    } else if (parent?.type === 'as_pattern') {
      const alias = parent.childForFieldName('alias')?.firstNamedChild;
      const withStatement = parent.parent?.parent?.parent;
      const block = withStatement?.type === 'with_statement' ? withStatement.childForFieldName('body') : null;
      if (alias?.type === 'identifier' && withStatement && block) {
        connection.form = 'with';
        connection.target = alias.text;
        connection.statementRange = rangeOf(withStatement);
        connection.bodyRange = rangeOf(block);
      }
    } else if (parent?.type === 'return_statement') {
      connection.form = 'return';
      connection.statementRange = rangeOf(parent);
    }
    if (functionFrame) connection.function = functionFrame.fact.qualifiedName;
    this.connections.push(connection);
    this.connectionOwners.push(functionFrame?.fact.owner);
  }

  finish(): WorkloadFacts {
    this.advance(Infinity);
    const connections = this.connections;
    for (const pragma of this.pragmas) {
      const index = this.connectionFor(pragma);
      if (index === undefined) continue;
      connections[index].settings.push(...pragmaSettings(pragma.statement));
    }
    return {
      functions: this.functions,
      loops: this.loops,
      loopCalls: this.loopCalls,
      imports: this.imports,
      scalarReads: this.scalarReads,
      connections,
      usesThreads: this.usesThreads,
    };
  }

  /**
   * The connection a PRAGMA is run on: the closest connection opened before it in the same function, one stored
   * on `self` and used through the same attribute in a method of the same class, or the engine a SQLAlchemy
   * connect listener is registered on.
   */
  private connectionFor(pragma: ExecutedPragma): number | undefined {
    const at = pragma.statement.range.start;
    let best: number | undefined;
    this.connections.forEach((connection, index) => {
      const sameFunction = connection.function === pragma.function && connection.range.start < at;
      const sameAttribute =
        connection.target?.startsWith('self.') === true &&
        pragma.receiver === connection.target &&
        this.connectionOwners[index] !== undefined &&
        this.connectionOwners[index] === pragma.owner;
      const listener = pragma.function !== undefined && this.connectListeners.get(pragma.function) === connection.target;
      if (!sameFunction && !sameAttribute && !listener) return;
      if (best === undefined || (sameFunction && connection.range.start > this.connections[best].range.start)) best = index;
    });
    return best;
  }
}

// ---------------------------------------------------------------------------------------------
// helpers

function shorten(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_HEADER ? `${flat.slice(0, MAX_HEADER - 1)}…` : flat;
}

/** `foo(…)` → foo; `a.b.foo(…)` → foo on `a.b`; calls on call results keep the receiver's text. */
export function calleeOf(call: Node): CalleeRef | undefined {
  const callee = call.childForFieldName('function');
  if (!callee) return undefined;
  if (callee.type === 'identifier') return { name: callee.text, range: rangeOf(call) };
  if (callee.type !== 'attribute') return undefined;
  const name = callee.childForFieldName('attribute');
  const object = callee.childForFieldName('object');
  if (!name || !object) return undefined;
  // A receiver that is itself a call or an expression (`conn.execute(…).fetchone()`) cannot be resolved by name.
  const receiver = /^[A-Za-z_][\w.]*$/.test(object.text) && object.text.length <= MAX_HEADER ? object.text : '…';
  return { name: name.text, receiver, range: rangeOf(call) };
}

/**
 * Plain names an expression reads: `session.name` → session; keyword names and attribute names are not reads.
 * Walks with a cursor: this runs for every call inside a loop, and a Node object per identifier (with its parent
 * and field lookups) made it a third of the extraction time of a large file.
 */
function readNames(node: Node | null): string[] {
  if (!node) return [];
  if (node.type === 'identifier') return [node.text];
  const names: string[] = [];
  const cursor = node.walk();
  try {
    const ancestors: string[] = []; // node types from the walk's root down to the cursor's parent
    for (;;) {
      const type = cursor.nodeType;
      if (type === 'identifier') {
        const parent = ancestors[ancestors.length - 1];
        const field = cursor.currentFieldName;
        if (!(parent === 'attribute' && field === 'attribute') && !(parent === 'keyword_argument' && field === 'name')) names.push(cursor.nodeText);
      }
      if (cursor.gotoFirstChild()) {
        ancestors.push(type);
        continue;
      }
      // Up until a next sibling is found; at the walk's root, done.
      while (ancestors.length > 0 && !cursor.gotoNextSibling()) {
        cursor.gotoParent();
        ancestors.pop();
      }
      if (ancestors.length === 0) break;
    }
  } finally {
    cursor.delete();
  }
  return names;
}

/** Names bound by a target pattern: `a`, `a, (b, c)`, `[a, *rest]`. */
function collectTargetNames(target: Node | null, into: Set<string>): void {
  if (!target) return;
  if (target.type === 'identifier') {
    into.add(target.text);
    return;
  }
  if (target.type === 'attribute' || target.type === 'subscript') return;
  for (const child of target.namedChildren) collectTargetNames(child, into);
}

/**
 * `queue.get()`, `self.jobs_q.get(timeout=1)`, `jobs.get()`: a get that waits for the next item. A get with a
 * positional key (`d.get(k)`) is a lookup.
 */
function isBlockingGet(call: Node, callee: CalleeRef): boolean {
  if (callee.receiver && QUEUE_RECEIVER.test(callee.receiver)) return true;
  const args = call.childForFieldName('arguments')?.namedChildren ?? [];
  return args.every((argument) => argument.type === 'keyword_argument' || argument.type === 'comment');
}

/** `True`, `1`, `running`, `self.running`, `not self.stopped`: a condition that does not walk anything. */
function isSimpleCondition(condition: Node): boolean {
  let node = condition;
  while (node.type === 'parenthesized_expression' || node.type === 'not_operator') {
    const inner = node.type === 'not_operator' ? node.childForFieldName('argument') : node.firstNamedChild;
    if (!inner) return false;
    node = inner;
  }
  if (node.type === 'true' || node.type === 'identifier') return true;
  if (node.type === 'integer') return node.text !== '0';
  return node.type === 'attribute' && /^[\w.]+$/.test(node.text);
}

/** `@event.listens_for(engine, "connect")` → `engine`. */
function connectListenerTarget(decorator: Node): string | undefined {
  const call = decorator.firstNamedChild;
  if (call?.type !== 'call') return undefined;
  const callee = call.childForFieldName('function')?.text ?? '';
  if (!/(?:^|\.)listens_for$/.test(callee)) return undefined;
  const args = call.childForFieldName('arguments')?.namedChildren ?? [];
  if (args.length < 2 || args[1].type !== 'string' || !/^connect$/.test(stringValue(args[1]) ?? '')) return undefined;
  return args[0].text;
}

/** The content of a plain (non-f, unconcatenated) string literal. */
function stringValue(node: Node): string | undefined {
  if (node.type !== 'string' || node.namedChildren.some((child) => child.type === 'interpolation')) return undefined;
  return node.namedChildren
    .filter((child) => child.type === 'string_content')
    .map((child) => child.text)
    .join('');
}

/** The statement a dict literal is the whole value of: `x = {…}` or `return {…}`. */
function dictStatement(dictionary: Node | null): Node | undefined {
  const parent = dictionary?.type === 'dictionary' ? dictionary.parent : null;
  if (parent?.type === 'return_statement') return parent;
  if (parent?.type === 'assignment' && parent.childForFieldName('left')?.type === 'identifier') {
    return parent.parent?.type === 'expression_statement' ? parent.parent : undefined;
  }
  return undefined;
}
