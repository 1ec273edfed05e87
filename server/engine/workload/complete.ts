// The first extraction pass skips Python, TypeScript/JavaScript and Rust files with no SQL in sight (parsing every
// file would cost seconds on a large repository). A loop in such a file can still reach a query through a call, so
// once the functions that query are known, the files that call them by name are parsed for their workload facts, a
// level at a time.
import type { FileFacts, SourceFile, WorkloadFacts } from '../types';
import { callsAnyOf, completesLanguage, type CompletedLanguage } from './skipped';
import { extractPython } from '../extract/python';
import { extractTypeScript } from '../extract/typescript';
import { extractRust } from '../extract/rust';
import { MAX_CHAIN_DEPTH, statementKind } from './callGraph';
import { prepareCountVerification } from './countMerge';

/** Names already searched for in the unparsed files, kept between updates so each name is searched for once. */
export interface CompletionState {
  searched: Set<string>;
  /**
   * One-off runs: for the files extracted without their text (withCalledNamesForText), the names they call, and how
   * to read a text when one of them must be parsed after all.
   */
  skipped?: { calledNames: Map<string, readonly string[]>; read: (file: string) => string | undefined };
}

/** Parses a file for its workload facts, whatever its size of SQL. */
const WORKLOAD_EXTRACTORS: Record<CompletedLanguage, (file: SourceFile) => Promise<FileFacts>> = {
  python: (file) => extractPython(file, { always: true }),
  typescript: (file) => extractTypeScript(file, { always: true }),
  javascript: (file) => extractTypeScript(file, { always: true }),
  rust: (file) => extractRust(file, { always: true }),
};

/** Simple names of functions that run a query themselves, or call one that does (within the parsed files). */
function queryingNames(facts: ReadonlyMap<string, FileFacts>): Set<string> {
  const names = new Set<string>();
  for (const fact of facts.values()) {
    for (const statement of fact.statements) {
      if (statement.enclosingFunction !== undefined && statementKind(statement) !== 'other') {
        // `AssignerDatabase.get_session` (Python, TypeScript), `ExecutionProcessLogs::append_log_line` (Rust).
        names.add(statement.enclosingFunction.split(/::|\./).pop() ?? '');
      }
    }
    // Functions that run a statement prepared elsewhere (`this.insert.run(x)`).
    for (const fn of fact.workload?.functions ?? []) if (fn.callees.some((callee) => callee.prepared)) names.add(fn.name);
  }
  for (let level = 1; level < MAX_CHAIN_DEPTH; level++) {
    const before = names.size;
    for (const fact of facts.values()) {
      for (const fn of fact.workload?.functions ?? []) {
        if (fn.callees.some((callee) => names.has(callee.name))) names.add(fn.name);
      }
    }
    if (names.size === before) break;
  }
  names.delete('');
  return names;
}

/**
 * Parses the files without workload facts that call a querying function by name (each name is looked for
 * once per state; `recheck` files are looked at for every name, e.g. a file that just changed). Repeats while new
 * callers turn up, up to the call-chain depth. Returns the files it replaced facts for.
 */
export async function completeWorkloadFacts(
  facts: Map<string, FileFacts>,
  texts: Map<string, string>,
  state: CompletionState,
  recheck: Iterable<string> = [],
): Promise<string[]> {
  await prepareCountVerification();
  const completed: string[] = [];
  const pending = new Set(recheck);
  for (let level = 0; level < MAX_CHAIN_DEPTH; level++) {
    const names = queryingNames(facts);
    const fresh = new Set([...names].filter((name) => !state.searched.has(name)));
    for (const name of fresh) state.searched.add(name);
    const toParse: string[] = [];
    for (const [file, fact] of facts) {
      if (!completesLanguage(fact.language) || fact.workload || fact.skippedDialect) continue;
      const wanted = pending.has(file) ? names : fresh;
      if (wanted.size === 0) continue;
      const text = texts.get(file);
      const calls =
        text !== undefined ? callsAnyOf(text, wanted) : (state.skipped?.calledNames.get(file)?.some((name) => wanted.has(name)) ?? false);
      if (calls) toParse.push(file);
    }
    pending.clear();
    if (toParse.length === 0) break;
    for (const file of toParse) {
      const fact = facts.get(file)!;
      const language = fact.language as CompletedLanguage; // only such files were chosen above
      const text = texts.get(file) ?? readSkippedText(state, file);
      if (text === undefined) {
        fact.workload = emptyWorkload(); // gone since the first pass read it
        continue;
      }
      texts.set(file, text);
      try {
        // Only what the first pass skipped: its statements (none, or ORM ones) and other facts stay.
        const parsed = await WORKLOAD_EXTRACTORS[language]({ path: file, language, text });
        fact.workload = parsed.workload ?? emptyWorkload();
        fact.suppressions = parsed.suppressions;
        completed.push(file);
      } catch {
        fact.workload = emptyWorkload(); // the first pass already reported what is wrong with this file
      }
    }
  }
  return completed;
}

/** The text of a file extracted without it, read again: it is about to be parsed and may be reported on. */
function readSkippedText(state: CompletionState, file: string): string | undefined {
  if (!state.skipped?.calledNames.delete(file)) return undefined;
  return state.skipped.read(file);
}

function emptyWorkload(): WorkloadFacts {
  return { functions: [], loops: [], loopCalls: [], imports: [], scalarReads: [], connections: [], usesThreads: false };
}
