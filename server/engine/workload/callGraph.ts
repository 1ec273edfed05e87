// The workspace's call graph, by name: which functions run which queries, directly or through up to
// MAX_CHAIN_DEPTH calls. Built once from every file's workload facts and shared by the workload rules.
import * as path from 'node:path';
import type { CalleeRef, ExtractedSql, FileFacts, FunctionFact, OffsetRange } from '../types';
import { stripLeadingComments } from '../sql/split';

/** How many calls deep a query is still attributed to a call: loop → a → b → c runs the query. */
export const MAX_CHAIN_DEPTH = 3;

/** Methods that execute SQL themselves: their statements are extracted directly, never resolved by name. */
const EXECUTE_NAMES = new Set(['execute', 'executemany', 'executescript', 'execute_fetchall', 'execute_insert', 'exec_driver_sql']);
/** Batch calls: already the fix for a write per row. */
const BATCH_METHODS = new Set(['executemany', 'executescript']);

/**
 * Method names too common to resolve on an unknown receiver (`rows.get(k)`, `items.append(x)`): only `self.get()`
 * or an imported module's function resolves them.
 */
const GENERIC_METHOD_NAMES = new Set([
  'get', 'set', 'add', 'update', 'append', 'extend', 'insert', 'remove', 'pop', 'clear', 'copy', 'items', 'keys',
  'values', 'join', 'split', 'strip', 'format', 'read', 'write', 'close', 'open', 'send', 'recv', 'run', 'start',
  'stop', 'put', 'sort', 'count', 'index', 'find', 'replace', 'encode', 'decode', 'lower', 'upper', 'fetchone',
  'fetchall', 'fetchmany', 'commit', 'rollback', 'cursor', 'sleep', 'wait', 'debug', 'info', 'warning', 'error',
  'exception', 'log', 'print', 'map', 'filter', 'next', 'send_message', 'emit', 'delete', 'save', 'load', 'all',
  'first', 'one', 'scalar', 'scalars', 'query', 'flush', 'refresh', 'merge', 'exists', 'render', 'parse', 'dump',
  'dumps', 'loads', 'match', 'search', 'sub', 'group', 'groups', 'exec', 'prepare', 'iter', 'collect', 'unwrap',
]);

export type StatementKind = 'read' | 'write' | 'other';

/** SELECT-like statements read, INSERT/UPDATE/DELETE/REPLACE write; PRAGMA, BEGIN and DDL are neither. */
export function statementKind(statement: ExtractedSql): StatementKind {
  if (statement.role !== 'query' || statement.certainty !== 'executed') return 'other';
  if (statement.call && BATCH_METHODS.has(statement.call.method)) return 'other';
  const head = stripLeadingComments(statement.sql).slice(0, 12).toUpperCase();
  if (/^(?:INSERT|UPDATE|DELETE|REPLACE)\b/.test(head)) return 'write';
  if (/^(?:SELECT|VALUES)\b/.test(head)) return 'read';
  if (/^WITH\b/.test(head)) {
    // A CTE in front of a write: the verb after the last closing parenthesis decides.
    return /\)\s*(?:INSERT|UPDATE|DELETE|REPLACE)\b/i.test(statement.sql) ? 'write' : 'read';
  }
  return 'other';
}

/** A function in the workspace with the queries it runs itself. */
export interface FunctionNode {
  file: string;
  fact: FunctionFact;
  reads: ExtractedSql[];
  writes: ExtractedSql[];
}

/** One hop of a chain: the call and the function it reaches. */
export interface ChainStep {
  /** File of the call site. */
  file: string;
  call: CalleeRef;
  target: FunctionNode;
}

/** How a call reaches a query: the hops (empty for a direct execute) and the statement at the end. */
export interface QueryPath {
  chain: ChainStep[];
  statement: ExtractedSql;
}

const SCRIPT_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];

function within(range: OffsetRange, offset: number): boolean {
  return range.start <= offset && offset < range.end;
}

export class WorkloadIndex {
  private readonly byName = new Map<string, FunctionNode[]>();
  private readonly byFile = new Map<string, FunctionNode[]>();
  private readonly byQualifiedName = new Map<string, Map<string, FunctionNode>>();
  /** Executed statements per file by the start of their execute call, for loop calls that are themselves executes. */
  private readonly statementsByCall = new Map<string, Map<number, ExtractedSql[]>>();
  private readonly memo = new Map<string, QueryPath | null>();
  /** Names of functions that may reach a read / a write within the depth limit: most calls are none of them. */
  private readonly reaching = new Map<'read' | 'write', Set<string>>();

  constructor(readonly facts: ReadonlyMap<string, FileFacts>) {
    for (const [file, fact] of facts) this.addFile(file, fact);
  }

  /**
   * Takes a file's new facts from `facts` (the map this index reads, already updated by the caller) without
   * rebuilding the rest. Only for an edit that left the call graph alone: the same functions, callees, imports and
   * statement kinds in the same order (what `sameWorkloadStructure` in analyze.ts compares). Paths found before are
   * forgotten, since they may hold the file's old statements.
   */
  refreshFile(file: string): void {
    const before = this.byFile.get(file) ?? [];
    this.byFile.delete(file);
    this.byQualifiedName.delete(file);
    this.statementsByCall.delete(file);
    this.memo.clear();
    const fact = this.facts.get(file);
    // Each new node takes its predecessor's place in the by-name lists: resolution tries them in order, and a
    // full rebuild would have them there.
    const replaced = new Set(fact ? this.addFile(file, fact, before) : []);
    for (const node of before) {
      if (replaced.has(node)) continue;
      const named = this.byName.get(node.fact.name)?.filter((other) => other !== node) ?? [];
      if (named.length > 0) this.byName.set(node.fact.name, named);
      else this.byName.delete(node.fact.name);
    }
  }

  /** Indexes one file; a node of `predecessors` with the same name and position is replaced in place. Returns those replaced. */
  private addFile(file: string, fact: FileFacts, predecessors: FunctionNode[] = []): FunctionNode[] {
    const replaced: FunctionNode[] = [];
    const workload = fact.workload;
    if (!workload) return replaced;
    const byQualified = new Map<string, FunctionNode>();
    const nodes = workload.functions.map((functionFact, position) => {
      const node: FunctionNode = { file, fact: functionFact, reads: [], writes: [] };
      if (!byQualified.has(functionFact.qualifiedName)) byQualified.set(functionFact.qualifiedName, node);
      const named = this.byName.get(functionFact.name);
      const predecessor = predecessors[position];
      const slot = predecessor?.fact.name === functionFact.name && named ? named.indexOf(predecessor) : -1;
      if (slot >= 0) {
        named![slot] = node;
        replaced.push(predecessor);
      } else if (named) named.push(node);
      else this.byName.set(functionFact.name, [node]);
      return node;
    });
    this.byFile.set(file, nodes);
    this.byQualifiedName.set(file, byQualified);
    const byCall = new Map<number, ExtractedSql[]>();
    this.statementsByCall.set(file, byCall);
    for (const statement of fact.statements) {
      if (statement.call) {
        const list = byCall.get(statement.call.range.start);
        if (list) list.push(statement);
        else byCall.set(statement.call.range.start, [statement]);
      }
      const kind = statementKind(statement);
      const owner = statement.enclosingFunction === undefined ? undefined : byQualified.get(statement.enclosingFunction);
      if (!owner || kind === 'other') continue;
      (kind === 'read' ? owner.reads : owner.writes).push(statement);
    }
    // A statement prepared elsewhere (a module constant, a constructor) runs where its handle is used.
    for (const node of nodes) {
      for (const callee of node.fact.callees) {
        if (!callee.prepared) continue;
        for (const statement of this.statementsAtCall(file, callee.prepared)) {
          const kind = statementKind(statement);
          if (kind === 'other' || statement.enclosingFunction === node.fact.qualifiedName) continue;
          (kind === 'read' ? node.reads : node.writes).push(statement);
        }
      }
    }
    return replaced;
  }

  functionsOf(file: string): FunctionNode[] {
    return this.byFile.get(file) ?? [];
  }

  /** The function of `file` with this qualified name. */
  functionNamed(file: string, qualifiedName: string | undefined): FunctionNode | undefined {
    return qualifiedName === undefined ? undefined : this.byQualifiedName.get(file)?.get(qualifiedName);
  }

  /** The function whose body holds an offset (the innermost one). */
  functionAt(file: string, offset: number): FunctionNode | undefined {
    let best: FunctionNode | undefined;
    for (const node of this.functionsOf(file)) {
      if (within(node.fact.range, offset) && (!best || node.fact.range.start >= best.fact.range.start)) best = node;
    }
    return best;
  }

  /** Statements executed by exactly this call (a loop call that is itself `conn.execute(…)`). */
  statementsAtCall(file: string, call: OffsetRange): ExtractedSql[] {
    return this.statementsByCall.get(file)?.get(call.start)?.filter((statement) => statement.call?.range.end === call.end) ?? [];
  }

  /** Function names that run a query of this kind themselves or through up to MAX_CHAIN_DEPTH - 1 further calls. */
  private reachingNames(kind: 'read' | 'write'): Set<string> {
    const cached = this.reaching.get(kind);
    if (cached) return cached;
    let names = new Set<string>();
    for (const [name, nodes] of this.byName) if (nodes.some((node) => (kind === 'read' ? node.reads : node.writes).length > 0)) names.add(name);
    for (let level = 1; level < MAX_CHAIN_DEPTH; level++) {
      const known = names;
      const next = new Set<string>(known);
      for (const [name, nodes] of this.byName) {
        if (!next.has(name) && nodes.some((node) => node.fact.callees.some((callee) => known.has(callee.name)))) next.add(name);
      }
      names = next;
    }
    this.reaching.set(kind, names);
    return names;
  }

  /**
   * A cheap test before resolving, for the calls of one file: can a call run a query of this kind at all (it is an
   * execute itself, or its name or imported alias reaches one)? Most calls in loops (append, format…) cannot.
   */
  mayRunQuery(file: string, kind: 'read' | 'write'): (call: CalleeRef) => boolean {
    const names = this.reachingNames(kind);
    const executes = this.statementsByCall.get(file);
    const aliases = new Map((this.facts.get(file)?.workload?.imports ?? []).map((entry) => [entry.local, entry.name]));
    return (call) =>
      executes?.has(call.range.start) === true ||
      (call.prepared !== undefined && executes?.has(call.prepared.start) === true) ||
      names.has(call.name) ||
      (call.receiver === undefined && names.has(aliases.get(call.name) ?? ''));
  }

  /** Number of distinct functions that call a function of this name (each caller counted once). */
  callerCount(name: string): number {
    let count = 0;
    for (const nodes of this.byFile.values()) {
      for (const node of nodes) if (node.fact.callees.some((callee) => callee.name === name && callee.receiver !== '…')) count++;
    }
    return count;
  }

  /**
   * The functions a call may reach, resolved by name: `self.m()` → methods of the caller's class (then any method
   * `m`); `f()` → the nested or module function of the same file, then the imported one, then any free function
   * `f`; `mod.f()` → `f` in an imported module; `Type.m()` / `Type::m()` → methods of `Type`; `obj.m()` → any
   * method `m` unless the name is too generic to guess.
   */
  resolve(file: string, caller: FunctionNode | undefined, callee: CalleeRef): FunctionNode[] {
    const { name, receiver } = callee;
    if (EXECUTE_NAMES.has(name) || receiver === '…') return [];
    // An import can rename (`from .store import save as persist`): the local name need not be defined anywhere.
    const named = this.byName.get(name) ?? [];
    const callerOwner = caller?.fact.owner;
    if (receiver === 'self' || receiver === 'cls' || receiver === 'this' || receiver === 'Self') {
      const own = named.filter((node) => node.fact.owner !== undefined && node.fact.owner === callerOwner);
      const sameFile = own.filter((node) => node.file === file);
      if (sameFile.length > 0) return sameFile;
      if (own.length > 0) return own;
      return named.filter((node) => node.fact.owner !== undefined);
    }
    if (receiver === undefined) {
      const local = named.filter((node) => node.file === file && node.fact.owner === undefined);
      const separator = this.facts.get(file)?.language === 'rust' ? '::' : '.';
      const nested = caller ? local.filter((node) => node.fact.qualifiedName === `${caller.fact.qualifiedName}${separator}${name}`) : [];
      if (nested.length > 0) return nested;
      const moduleLevel = local.filter((node) => node.fact.qualifiedName === name);
      if (moduleLevel.length > 0) return moduleLevel;
      const imported = this.importedFunctions(file, name);
      if (imported) return imported;
      return named.filter((node) => node.fact.owner === undefined && node.fact.qualifiedName === name);
    }
    const root = receiver.split('.')[0];
    const fromModule = this.moduleFunctions(file, root, name);
    if (fromModule) return fromModule;
    const ofType = named.filter((node) => node.fact.owner === receiver);
    if (ofType.length > 0) return ofType;
    if (GENERIC_METHOD_NAMES.has(name)) return [];
    return named.filter((node) => node.fact.owner !== undefined);
  }

  /** `from .db import load` then `load()`: the function `load` in the imported module's file. */
  private importedFunctions(file: string, local: string): FunctionNode[] | undefined {
    const entry = this.facts.get(file)?.workload?.imports.find((candidate) => candidate.local === local && candidate.name !== '');
    if (!entry) return undefined;
    const found = this.moduleFiles(file, entry.module).flatMap((target) =>
      this.functionsOf(target).filter((node) => node.fact.qualifiedName === entry.name),
    );
    return found.length > 0 ? found : undefined;
  }

  /** `import app.db as db` or `from app import db`, then `db.load()`; `import * as db from './db'` in TS/JS. */
  private moduleFunctions(file: string, local: string, name: string): FunctionNode[] | undefined {
    const entry = this.facts.get(file)?.workload?.imports.find((candidate) => candidate.local === local);
    if (!entry) return undefined;
    const language = this.facts.get(file)?.language;
    // In TS/JS and Rust only a whole-module import names a module; `import { repo } from './x'` names a value.
    if (language !== 'python' && entry.name !== '') return undefined;
    const module = entry.name === '' ? entry.module : `${entry.module}${entry.module.endsWith('.') ? '' : '.'}${entry.name}`;
    const found = this.moduleFiles(file, module).flatMap((target) =>
      this.functionsOf(target).filter((node) => node.fact.qualifiedName === name),
    );
    return found.length > 0 ? found : undefined;
  }

  /** Files a module name may live in, by the importing file's language. */
  private moduleFiles(file: string, module: string): string[] {
    const language = this.facts.get(file)?.language;
    if (language === 'typescript' || language === 'javascript') return this.scriptModuleFiles(file, module);
    if (language === 'rust') return this.rustModuleFiles(module);
    return this.pythonModuleFiles(file, module);
  }

  /** `./db`, `../lib/db.js`, `@/db` → `db.ts`, `db/index.ts`, … next to the file (or anywhere, for an alias). */
  private scriptModuleFiles(file: string, module: string): string[] {
    const relative = module.startsWith('./') || module.startsWith('../');
    const alias = /^[@~]\//.exec(module)?.[0];
    if (!relative && !alias) return []; // a package
    const base = relative ? path.posix.normalize(path.posix.join(path.posix.dirname(file), module)) : module.slice(alias!.length);
    const stem = base.replace(/\.(?:[cm]?[jt]s|[jt]sx)$/, '');
    const wanted = new Set(SCRIPT_EXTENSIONS.flatMap((extension) => [`${stem}${extension}`, `${stem}/index${extension}`]));
    const found: string[] = [];
    for (const candidate of this.byFile.keys()) {
      if (relative ? wanted.has(candidate) : [...wanted].some((tail) => candidate === tail || candidate.endsWith(`/${tail}`))) found.push(candidate);
    }
    return found;
  }

  /**
   * `crate::store`, `db::models::logs`, `super::store` → `…/store.rs` or `…/store/mod.rs`. The first segment is
   * the crate (or `crate`/`self`/`super`), so the rest is matched at the end of a path.
   */
  private rustModuleFiles(module: string): string[] {
    const segments = module.split('::').filter((segment) => segment !== '' && segment !== 'self' && segment !== 'super');
    const rest = segments.slice(1).join('/');
    if (rest === '') return [];
    const tails = [`${rest}.rs`, `${rest}/mod.rs`];
    return [...this.byFile.keys()].filter((candidate) => tails.some((tail) => candidate === tail || candidate.endsWith(`/${tail}`)));
  }

  /** Files a Python module name may live in: `app.db` → `…app/db.py` or `…app/db/__init__.py`; `.db` next to `file`. */
  private pythonModuleFiles(file: string, module: string): string[] {
    const dots = /^\.*/.exec(module)?.[0].length ?? 0;
    const parts = module.slice(dots).split('.').filter((part) => part.length > 0);
    let base = '';
    if (dots > 0) {
      const folders = file.split('/').slice(0, -1);
      base = folders.slice(0, Math.max(0, folders.length - (dots - 1))).join('/');
    }
    const relative = parts.join('/');
    const candidates = [`${relative}.py`, `${relative}/__init__.py`].map((tail) => (base ? `${base}/${tail}` : tail));
    const result: string[] = [];
    for (const candidate of this.byFile.keys()) {
      if (candidates.some((wanted) => (dots > 0 ? candidate === wanted : candidate === wanted || candidate.endsWith(`/${wanted}`)))) {
        result.push(candidate);
      }
    }
    return result;
  }

  /**
   * The first query of this kind that a call reaches within MAX_CHAIN_DEPTH hops: the callee's own statements
   * first, then (breadth first) the statements of what it calls.
   */
  queryThroughCall(file: string, caller: FunctionNode | undefined, call: CalleeRef, kind: 'read' | 'write'): QueryPath | undefined {
    for (const target of this.resolve(file, caller, call)) {
      const rest = this.queryFrom(target, kind, MAX_CHAIN_DEPTH - 1);
      if (rest) return { chain: [{ file, call, target }, ...rest.chain], statement: rest.statement };
    }
    return undefined;
  }

  /** Depth-limited, so recursion (a function calling itself or a cycle) ends without a visited set. */
  private queryFrom(node: FunctionNode, kind: 'read' | 'write', depth: number): QueryPath | undefined {
    const own = kind === 'read' ? node.reads : node.writes;
    if (own.length > 0) return { chain: [], statement: own[0] };
    if (depth <= 0) return undefined;
    const key = `${node.file}\u0000${node.fact.range.start}\u0000${kind}\u0000${depth}`;
    const cached = this.memo.get(key);
    if (cached !== undefined) return cached ?? undefined;
    let found: QueryPath | undefined;
    for (const callee of node.fact.callees) {
      for (const target of this.resolve(node.file, node, callee)) {
        if (target === node) continue;
        const rest = this.queryFrom(target, kind, depth - 1);
        if (rest) {
          found = { chain: [{ file: node.file, call: callee, target }, ...rest.chain], statement: rest.statement };
          break;
        }
      }
      if (found) break;
    }
    this.memo.set(key, found ?? null);
    return found;
  }

  /** Whether a function (or what it calls, within the depth limit) calls `name` (e.g. `commit`). */
  reachesCall(node: FunctionNode, name: string, depth = MAX_CHAIN_DEPTH - 1): boolean {
    if (node.fact.callees.some((callee) => callee.name === name)) return true;
    if (depth <= 0) return false;
    return node.fact.callees.some((callee) =>
      this.resolve(node.file, node, callee).some((target) => target !== node && this.reachesCall(target, name, depth - 1)),
    );
  }
}
