// The first extraction pass skips Python, TypeScript/JavaScript and Rust files with no SQL in sight (parsing every
// file would cost seconds on a large repository). A loop in such a file can still reach a query through a call, so
// once the functions that query are known, the files that call them by name are parsed for their workload facts, a
// level at a time.
import type { FileFacts, HostLanguage, SourceFile, WorkloadFacts } from '../types';
import { extractPython } from '../extract/python';
import { extractTypeScript } from '../extract/typescript';
import { extractRust } from '../extract/rust';
import { MAX_CHAIN_DEPTH, statementKind } from './callGraph';
import { prepareCountVerification } from './countMerge';

/** Names already searched for in the unparsed files, kept between updates so each name is searched for once. */
export interface CompletionState {
  searched: Set<string>;
}

/** Parses a file for its workload facts, whatever its size of SQL; undefined for languages without them. */
const WORKLOAD_EXTRACTORS: Partial<Record<HostLanguage, (file: SourceFile) => Promise<FileFacts>>> = {
  python: (file) => extractPython(file, { always: true }),
  typescript: (file) => extractTypeScript(file, { always: true }),
  javascript: (file) => extractTypeScript(file, { always: true }),
  rust: (file) => extractRust(file, { always: true }),
};

/** Whether files of this language get workload facts (and are completed here when the first pass skipped them). */
export function completesLanguage(language: HostLanguage): boolean {
  return WORKLOAD_EXTRACTORS[language] !== undefined;
}

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

function isWordCode(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

/** Whether `name(` appears for any of the names: walks the opening parentheses, which is ~10x faster than a regex. */
function callsAnyOf(text: string, names: Set<string>): boolean {
  for (let open = text.indexOf('('); open !== -1; open = text.indexOf('(', open + 1)) {
    let end = open;
    while (end > 0 && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--;
    let start = end;
    while (start > 0 && isWordCode(text.charCodeAt(start - 1))) start--;
    if (start < end && names.has(text.slice(start, end))) return true;
  }
  return false;
}

/**
 * Parses the files without workload facts that call a querying function by name (each name is looked for
 * once per state; `recheck` files are looked at for every name, e.g. a file that just changed). Repeats while new
 * callers turn up, up to the call-chain depth. Returns the files it replaced facts for.
 */
export async function completeWorkloadFacts(
  facts: Map<string, FileFacts>,
  texts: ReadonlyMap<string, string>,
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
      const text = texts.get(file);
      const wanted = pending.has(file) ? names : fresh;
      if (text !== undefined && wanted.size > 0 && callsAnyOf(text, wanted)) toParse.push(file);
    }
    pending.clear();
    if (toParse.length === 0) break;
    for (const file of toParse) {
      const fact = facts.get(file)!;
      try {
        // Only what the first pass skipped: its statements (none, or ORM ones) and other facts stay.
        const parsed = await WORKLOAD_EXTRACTORS[fact.language]!({ path: file, language: fact.language, text: texts.get(file)! });
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

function emptyWorkload(): WorkloadFacts {
  return { functions: [], loops: [], loopCalls: [], imports: [], scalarReads: [], connections: [], usesThreads: false };
}
