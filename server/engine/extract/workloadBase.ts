// What the TypeScript and Rust workload collectors share: the function and loop stacks of one source-ordered walk,
// calls per iteration, names that change per iteration, prepared-statement handles (`const stmt = db.prepare(sql)`
// then `stmt.run(x)` elsewhere), and connections with the settings applied to them. The language modules read the
// syntax; this module keeps the bookkeeping, so both fill WorkloadFacts the same way.
import type {
  CalleeRef,
  ConnectionFact,
  ExtractedSql,
  FunctionFact,
  ImportFact,
  LoopCallFact,
  LoopFact,
  OffsetRange,
  PragmaSetting,
  WorkloadFacts,
} from '../types';
import { pragmaSettings } from './pragmaSettings';

/** Longest header or receiver text kept for messages and name resolution. */
export const MAX_HEADER = 60;

export interface FunctionFrame {
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
  /** `loop {}`, `while (true)`, `while running`, `for (;;)`: a poll when its body blocks. */
  mayPoll: boolean;
}

/** A name bound to a prepared statement, valid inside `scope`. */
interface HandleDeclaration {
  name: string;
  scope: OffsetRange;
  prepare: OffsetRange;
  at: number;
}

interface HandleRun {
  name: string;
  at: number;
  callee: CalleeRef;
  functionFrame: FunctionFrame | undefined;
  loopCall: LoopCallFact | undefined;
}

/** Where something happened, to find the connection it applies to. */
interface ConnectionUse {
  /** The name it is used through (`db`, `this.db`, `options`); undefined when unknown. */
  receiver?: string;
  at: number;
  function?: string;
  owner?: string;
}

interface ExecutedPragma extends ConnectionUse {
  statement: ExtractedSql;
}

interface ReceiverSettings extends ConnectionUse {
  receiver: string;
  settings: PragmaSetting[];
}

interface PoolUse extends ConnectionUse {
  /** The pool call's argument: a connection opened inside it is the pool's. */
  argument: OffsetRange;
  reason: string;
}

export interface LoopOpening {
  kind: LoopFact['kind'];
  range: OffsetRange;
  header: string;
  headerRange: OffsetRange;
  body: OffsetRange[];
  variables: Iterable<string>;
  mayPoll: boolean;
  transaction: boolean;
}

export abstract class WorkloadCollectorBase {
  protected readonly functions: FunctionFact[] = [];
  protected readonly loops: LoopFact[] = [];
  protected readonly imports: ImportFact[] = [];
  protected readonly connections: ConnectionFact[] = [];
  protected usesThreads = false;
  private readonly loopFrames: LoopFrame[] = [];
  private readonly loopCalls: LoopCallFact[] = [];
  /** Class or impl type of the function each connection is opened in (parallel to `connections`). */
  private readonly connectionOwners: Array<string | undefined> = [];
  private readonly functionStack: FunctionFrame[] = [];
  /** Handle declarations by name. */
  private readonly handleDeclarations = new Map<string, HandleDeclaration[]>();
  private readonly handleRuns: HandleRun[] = [];
  private readonly pragmas: ExecutedPragma[] = [];
  private readonly receiverSettings: ReceiverSettings[] = [];
  private readonly poolUses: PoolUse[] = [];
  /**
   * Argument lists of the calls of one chain, by the chain's start: `sqlx::query(sql).bind(id).execute(pool)` and
   * its inner calls all start there, and the walk meets the outermost first.
   */
  private readonly chainArguments = new Map<number, OffsetRange[]>();
  /** Names each argument list reads, by its start (computed only for calls in loops). */
  private readonly argumentNames = new Map<number, string[]>();
  /** Bodies of `db.transaction(…)` callbacks, with the function they were passed in. */
  private readonly transactionBodies: Array<{ range: OffsetRange; functionFrame: FunctionFrame | undefined }> = [];

  /** `rust` reads Rust literals (raw strings, chars) when scanning for names; otherwise JavaScript's. */
  constructor(
    protected readonly source: string,
    private readonly syntax: 'rust' | 'script',
  ) {}

  /** Plain names read in a range of the source (see identifierReads). */
  protected namesIn(range: OffsetRange): string[] {
    return identifierReads(this.source, range.start, range.end, this.syntax === 'rust');
  }

  /** Closes the functions and loops that end before `offset` (the walk moved past them). */
  protected advance(offset: number): void {
    while (this.functionStack.length > 0 && this.functionStack[this.functionStack.length - 1].end <= offset) {
      this.functionStack.pop();
    }
    while (this.loopFrames.length > 0 && this.loopFrames[this.loopFrames.length - 1].end <= offset) {
      const frame = this.loopFrames.pop()!;
      const fact = this.loops[frame.index];
      fact.variables = [...frame.variables];
      fact.polling = frame.mayPoll && frame.blocking;
    }
  }

  protected currentFunction(): FunctionFrame | undefined {
    return this.functionStack[this.functionStack.length - 1];
  }

  protected pushFunction(fact: FunctionFact, end: number): void {
    this.advance(fact.range.start);
    this.functions.push(fact);
    this.functionStack.push({ fact, end, seen: new Set() });
  }

  protected openLoop(opening: LoopOpening): void {
    this.advance(opening.range.start);
    const functionFrame = this.currentFunction();
    const fact: LoopFact = {
      kind: opening.kind,
      range: opening.range,
      header: shorten(opening.header),
      headerRange: opening.headerRange,
      body: opening.body,
      variables: [],
      polling: false,
    };
    if (functionFrame) fact.function = functionFrame.fact.qualifiedName;
    if (opening.transaction) fact.transaction = true;
    this.loops.push(fact);
    this.loopFrames.push({
      index: this.loops.length - 1,
      end: opening.range.end,
      functionFrame,
      variables: new Set(opening.variables),
      blocking: false,
      mayPoll: opening.mayPoll,
    });
  }

  /** A callback whose body runs inside one transaction (`db.transaction((rows) => { … })`). */
  protected recordTransactionBody(range: OffsetRange): void {
    this.advance(range.start);
    this.transactionBodies.push({ range, functionFrame: this.currentFunction() });
  }

  /** Whether `offset` lies in a transaction callback of the current function (not in a named function inside it). */
  protected inTransactionBody(offset: number): boolean {
    const functionFrame = this.currentFunction();
    return this.transactionBodies.some((body) => body.functionFrame === functionFrame && body.range.start <= offset && offset < body.range.end);
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

  /** Whether a loop of the current function is open at `offset` (so derived names are worth computing). */
  protected inLoop(offset: number): boolean {
    return this.loopFrames.length > 0 && this.loopAt(offset) !== undefined;
  }

  /**
   * The names a call reads, for a call in a loop: its own arguments and those of the calls chained on its result
   * (`sqlx::query(sql).bind(id)` reads id), plus `extra`. Must be called once per call, in walk order.
   */
  protected chainNames(callStart: number, argumentsRange: OffsetRange | undefined, extra: () => string[]): () => string[] {
    const outer = this.chainArguments.get(callStart) ?? [];
    const lists = argumentsRange ? [...outer, argumentsRange] : outer;
    this.chainArguments.set(callStart, lists);
    return () => {
      const names = extra();
      for (const list of lists) {
        let read = this.argumentNames.get(list.start);
        if (!read) {
          read = this.namesIn(list);
          this.argumentNames.set(list.start, read);
        }
        names.push(...read);
      }
      return names;
    };
  }

  /** `name = <expression reading a loop variable>` inside a loop: `name` changes per iteration too. */
  protected deriveVariables(offset: number, reads: string[], targets: string[]): void {
    const frame = this.loopAt(offset);
    if (frame && reads.some((name) => frame.variables.has(name))) for (const target of targets) frame.variables.add(target);
  }

  /**
   * A call: an edge of the call graph (the first call of each name per function) and, inside a loop, a call made
   * per iteration, with the names its arguments read (computed only then: most calls are not in a loop). `handle`
   * names the prepared statement the call may run (resolved when the walk ends).
   */
  protected recordCall(callee: CalleeRef, argumentNames: () => Iterable<string>, blocking: boolean, handle?: string): void {
    this.advance(callee.range.start);
    const functionFrame = this.currentFunction();
    if (functionFrame && !functionFrame.seen.has(callee.name)) {
      functionFrame.seen.add(callee.name);
      functionFrame.fact.callees.push(callee);
    }
    const frame = this.loopFrames.length > 0 ? this.loopAt(callee.range.start) : undefined;
    let loopCall: LoopCallFact | undefined;
    if (frame) {
      loopCall = loopCallFact(callee, frame.index, [...new Set(argumentNames())]);
      this.loopCalls.push(loopCall);
      if (blocking) frame.blocking = true;
    }
    if (handle !== undefined) this.handleRuns.push({ name: handle, at: callee.range.start, callee, functionFrame, loopCall });
  }

  /** `name` holds the statement prepared by the call at `prepare`, inside `scope`. */
  protected declareHandle(name: string, scope: OffsetRange, prepare: OffsetRange, at: number): void {
    const declaration = { name, scope, prepare, at };
    const named = this.handleDeclarations.get(name);
    if (named) named.push(declaration);
    else this.handleDeclarations.set(name, [declaration]);
  }

  /** A connection opened here; `owner` is the class of a connection stored in a field outside any method. */
  protected addConnection(connection: ConnectionFact, owner?: string): void {
    const functionFrame = this.currentFunction();
    if (functionFrame) connection.function = functionFrame.fact.qualifiedName;
    this.connections.push(connection);
    this.connectionOwners.push(functionFrame?.fact.owner ?? owner);
  }

  private use(at: number, receiver: string | undefined): ConnectionUse {
    const functionFrame = this.currentFunction();
    return { receiver, at, function: functionFrame?.fact.qualifiedName, owner: functionFrame?.fact.owner };
  }

  /** A PRAGMA statement run through `receiver` (when known). */
  protected recordPragma(statement: ExtractedSql, receiver: string | undefined): void {
    this.pragmas.push({ ...this.use(statement.range.start, receiver), statement });
  }

  /** Settings applied by a method on a named connection (`conn.busy_timeout(…)`, `options.journal_mode(…)`). */
  protected recordReceiverSettings(receiver: string, at: number, settings: PragmaSetting[]): void {
    if (settings.length > 0) this.receiverSettings.push({ ...this.use(at, receiver), receiver, settings });
  }

  /** A pool built from a connection (by name, or opened inside `argument`): the connection is shared. */
  protected recordPool(receiver: string | undefined, argument: OffsetRange, reason: string): void {
    this.poolUses.push({ ...this.use(argument.start, receiver), argument, reason });
  }

  finish(): WorkloadFacts {
    this.advance(Infinity);
    this.resolveHandles();
    for (const pragma of this.pragmas) {
      const index = this.connectionFor(pragma, false);
      if (index !== undefined) this.connections[index].settings.push(...pragmaSettings(pragma.statement));
    }
    for (const applied of this.receiverSettings) {
      const index = this.connectionFor(applied, true);
      if (index !== undefined) this.connections[index].settings.push(...applied.settings);
    }
    for (const pool of this.poolUses) {
      const inside = this.connections.findIndex((connection) => pool.argument.start <= connection.range.start && connection.range.end <= pool.argument.end);
      const index = inside >= 0 ? inside : pool.receiver !== undefined ? this.connectionFor(pool, true) : undefined;
      const connection = index === undefined ? undefined : this.connections[index];
      if (connection && !connection.concurrency.includes(pool.reason)) connection.concurrency.push(pool.reason);
    }
    for (const connection of this.connections) connection.settings.sort((a, b) => a.range.start - b.range.start);
    return {
      functions: this.functions,
      loops: this.loops,
      loopCalls: this.loopCalls,
      imports: this.imports,
      scalarReads: [],
      connections: this.connections,
      usesThreads: this.usesThreads,
    };
  }

  /** Each run of a handle gets the prepare call of the innermost declaration in scope (the latest one before it). */
  private resolveHandles(): void {
    for (const run of this.handleRuns) {
      let best: HandleDeclaration | undefined;
      for (const declaration of this.handleDeclarations.get(run.name) ?? []) {
        if (run.at < declaration.scope.start || run.at >= declaration.scope.end) continue;
        const size = declaration.scope.end - declaration.scope.start;
        const bestSize = best ? best.scope.end - best.scope.start : Infinity;
        const later = best !== undefined && size === bestSize && declaration.at <= run.at && declaration.at > best.at;
        if (size < bestSize || later) best = declaration;
      }
      if (!best) continue;
      const prepared = best.prepare;
      if (run.loopCall) run.loopCall.prepared = prepared;
      const callees = run.functionFrame?.fact.callees;
      if (callees && !callees.some((callee) => callee.prepared?.start === prepared.start)) callees.push(calleeRef(run.callee.name, run.callee.receiver, run.callee.range, prepared));
    }
  }

  /**
   * The connection a use applies to: one opened before it in the same function (the one it names when it names
   * one; with `byName`, only that one), or one stored on `this.x` / `self.x` and used through the same attribute in
   * a method of the same class or impl.
   */
  private connectionFor(use: ConnectionUse, byName: boolean): number | undefined {
    let best: number | undefined;
    let bestNamed = false;
    this.connections.forEach((connection, index) => {
      const named = use.receiver !== undefined && connection.target === use.receiver;
      if (byName && !named) return;
      const sameFunction = connection.function === use.function && connection.range.start < use.at;
      const sameAttribute =
        named &&
        /^(?:this|self)\./.test(connection.target ?? '') &&
        this.connectionOwners[index] !== undefined &&
        this.connectionOwners[index] === use.owner;
      if (!sameFunction && !sameAttribute) return;
      const closer = best === undefined || connection.range.start > this.connections[best].range.start;
      if (best === undefined || (named && !bestNamed) || (named === bestNamed && closer)) {
        best = index;
        bestNamed = named;
      }
    });
    return best;
  }
}

// ---------------------------------------------------------------------------------------------
// helpers

function isIdentifierStart(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95 || code === 36 || code > 127;
}

function isIdentifierPart(code: number): boolean {
  return isIdentifierStart(code) || (code >= 48 && code <= 57);
}

/** The offset after a quoted literal starting at `start` (escapes honoured); template holes are scanned for names. */
function skipQuoted(source: string, start: number, end: number, quote: number, names: string[] | undefined, rust: boolean): number {
  let i = start + 1;
  while (i < end) {
    const code = source.charCodeAt(i);
    if (code === 92 /* \ */) i += 2;
    else if (code === quote) return i + 1;
    else if (quote === 96 && code === 36 /* $ */ && source.charCodeAt(i + 1) === 123 /* { */) {
      // `${…}`: the hole's expression reads names; find its closing brace (holes rarely nest braces).
      let depth = 1;
      let j = i + 2;
      while (j < end && depth > 0) {
        const inner = source.charCodeAt(j);
        if (inner === 123) depth++;
        else if (inner === 125) depth--;
        j++;
      }
      if (names) names.push(...identifierReads(source, i + 2, j - 1, rust));
      i = j;
    } else i++;
  }
  return end;
}

/**
 * Call facts are built property by property, never by object spread: under Node 20 every `{ ...callee, loop }`
 * got a hidden class of its own (a map and its descriptors, about 250 bytes; 60,000 loop calls at 10,000 files).
 */
export function calleeRef(name: string, receiver: string | undefined, range: OffsetRange, prepared?: OffsetRange): CalleeRef {
  const callee: CalleeRef = { name, range };
  if (receiver !== undefined) callee.receiver = receiver;
  if (prepared !== undefined) callee.prepared = prepared;
  return callee;
}

/** A call made per iteration of loop number `loop` (see `calleeRef` on why not a spread). */
export function loopCallFact(callee: CalleeRef, loop: number, argumentNames: string[]): LoopCallFact {
  const call: LoopCallFact = { name: callee.name, range: callee.range, loop, argumentNames };
  if (callee.receiver !== undefined) call.receiver = callee.receiver;
  if (callee.prepared !== undefined) call.prepared = callee.prepared;
  return call;
}

/**
 * Plain names an expression reads, from its text: identifiers outside strings and comments that are not a
 * property or field after `.` (`session.name` → session). Much cheaper than walking syntax nodes; object keys and
 * keywords come along, which is harmless where the names are only matched against loop variables.
 */
export function identifierReads(source: string, start: number, end: number, rust: boolean): string[] {
  const names: string[] = [];
  let afterDot = false;
  let i = start;
  while (i < end) {
    const code = source.charCodeAt(i);
    if (code === 34 /* " */ || code === 96 /* ` */ || (code === 39 /* ' */ && !rust)) {
      i = skipQuoted(source, i, end, code, code === 96 ? names : undefined, rust);
      afterDot = false;
      continue;
    }
    if (code === 39 && rust) {
      // A char literal ('x', '\n') or a lifetime ('a): only the literal is skipped whole.
      if (source.charCodeAt(i + 1) === 92) i = source.indexOf("'", i + 3) + 1 || end;
      else i += source.charCodeAt(i + 2) === 39 ? 3 : 1;
      continue;
    }
    if (code === 47 /* / */ && source.charCodeAt(i + 1) === 47) {
      const newline = source.indexOf('\n', i);
      i = newline === -1 || newline > end ? end : newline;
      continue;
    }
    if (code === 47 && source.charCodeAt(i + 1) === 42 /* * */) {
      const close = source.indexOf('*/', i + 2);
      i = close === -1 || close > end ? end : close + 2;
      continue;
    }
    if (isIdentifierStart(code)) {
      let j = i + 1;
      while (j < end && isIdentifierPart(source.charCodeAt(j))) j++;
      const word = source.slice(i, j);
      // Rust raw and byte strings: r"…", r#"…"#, b"…", br#"…"#.
      if (rust && /^(?:r|b|br)$/.test(word) && (source[j] === '"' || source[j] === '#')) {
        let hashes = 0;
        while (source[j + hashes] === '#') hashes++;
        if (source[j + hashes] === '"') {
          if (word === 'b') i = skipQuoted(source, j, end, 34, undefined, rust);
          else {
            const close = source.indexOf(`"${'#'.repeat(hashes)}`, j + hashes + 1);
            i = close === -1 || close > end ? end : close + 1 + hashes;
          }
          afterDot = false;
          continue;
        }
      }
      if (!afterDot) names.push(word);
      afterDot = false;
      i = j;
      continue;
    }
    if (code >= 48 && code <= 57) {
      // A number, suffixes and exponents included (`1e5`, `10_000u32`, `0x1F`).
      i++;
      while (i < end && (isIdentifierPart(source.charCodeAt(i)) || source.charCodeAt(i) === 46)) i++;
      afterDot = false;
      continue;
    }
    if (code === 46 /* . */) afterDot = true;
    else if (code !== 32 && code !== 10 && code !== 13 && code !== 9 && code !== 63 /* ? in ?. */) afterDot = false;
    i++;
  }
  return names;
}

export function shorten(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_HEADER ? `${flat.slice(0, MAX_HEADER - 1)}…` : flat;
}

/** A receiver as written when it is a plain name or attribute path (`db`, `this.repo`, `self.pool`), else `…`. */
export function receiverText(text: string): string {
  return /^[A-Za-z_$][\w$]*(?:\??\.#?[A-Za-z_$][\w$]*)*$/.test(text) && text.length <= MAX_HEADER ? text.replace(/\?\./g, '.') : '…';
}

/** `[start, end)` with trailing blanks dropped: a header that stops before the body's brace. */
export function trimmedRange(source: string, start: number, end: number): OffsetRange {
  let stop = end;
  while (stop > start && /\s/.test(source[stop - 1])) stop--;
  return { start, end: stop };
}
