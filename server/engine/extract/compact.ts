// Facts are kept for the whole run (the language server keeps them for the session), so their layout counts: at
// 10,000 files they are most of the heap when extraction ends. Extractors build them for convenience (arrays grown
// by push, names read out of syntax trees one occurrence at a time); this pass, on the thread that keeps the facts,
// stores each name once and gives each growable array its exact size. Nothing it changes is observable by value.
import type { FileFacts, WorkloadFacts } from '../types';

/** Distinct names kept; the bench's workspace of 10,000 files has about 38,000. Past this the table starts over. */
const MAX_NAMES = 200_000;

/** V8 copies substrings shorter than this; longer ones may be views into the whole file text. */
const SHORTEST_SLICED_STRING = 13;

const names = new Map<string, string>();

/**
 * The one stored copy of a name. Function, receiver and variable names repeat across thousands of calls (and the
 * copies an extraction worker sends are separate strings), at 20–40 bytes each. A long name may be a view into its
 * file's text, so the stored copy is a fresh one: the table must not keep old file texts alive.
 */
export function internName(name: string): string {
  const known = names.get(name);
  if (known !== undefined) return known;
  if (names.size >= MAX_NAMES) names.clear();
  const copy = name.length < SHORTEST_SLICED_STRING ? name : Buffer.from(name, 'utf8').toString('utf8');
  names.set(copy, copy);
  return copy;
}

/** An array no longer grown, at its exact size (a pushed-to array keeps room for 16 or more). */
function exact<T>(items: T[]): T[] {
  return items.length === 0 ? [] : items.slice();
}

/** The names, each replaced in place by its stored copy. */
export function internNames(items: string[]): string[] {
  for (let index = 0; index < items.length; index++) items[index] = internName(items[index]);
  return items;
}

function compactWorkload(workload: WorkloadFacts): void {
  for (const fn of workload.functions) {
    fn.name = internName(fn.name);
    fn.qualifiedName = internName(fn.qualifiedName);
    if (fn.owner !== undefined) fn.owner = internName(fn.owner);
    for (const callee of fn.callees) {
      callee.name = internName(callee.name);
      if (callee.receiver !== undefined) callee.receiver = internName(callee.receiver);
    }
    fn.callees = exact(fn.callees);
  }
  for (const loop of workload.loops) {
    internNames(loop.variables);
    if (loop.function !== undefined) loop.function = internName(loop.function);
  }
  for (const call of workload.loopCalls) {
    call.name = internName(call.name);
    if (call.receiver !== undefined) call.receiver = internName(call.receiver);
    internNames(call.argumentNames);
  }
  for (const entry of workload.imports) {
    entry.local = internName(entry.local);
    entry.module = internName(entry.module);
    entry.name = internName(entry.name);
  }
  workload.functions = exact(workload.functions);
  workload.loops = exact(workload.loops);
  workload.loopCalls = exact(workload.loopCalls);
  workload.imports = exact(workload.imports);
}

/** Compacts one file's facts in place (see the module comment) and returns them. */
export function compactFacts(fact: FileFacts): FileFacts {
  for (const statement of fact.statements) {
    if (statement.enclosingFunction !== undefined) statement.enclosingFunction = internName(statement.enclosingFunction);
    if (statement.call) statement.call.method = internName(statement.call.method);
  }
  fact.statements = exact(fact.statements);
  if (fact.workload) compactWorkload(fact.workload);
  return fact;
}
