// Queries that run on every iteration of a loop, directly or through the functions a loop calls. Shared by
// n-plus-one (reads) and write-in-loop (writes).
import type { ExtractedSql, LoopCallFact, LoopFact, OffsetRange, SourceLocation } from '../types';
import { statementKind, type FunctionNode, type QueryPath, type WorkloadIndex } from './callGraph';

export interface LoopQuery {
  /** File of the loop. */
  file: string;
  loop: LoopFact;
  call: LoopCallFact;
  /** The function holding the loop, when it is not at module level. */
  caller?: FunctionNode;
  /** How the call reaches the query; an empty chain is an execute call in the loop itself. */
  path: QueryPath;
  /** Loop variables that flow into the call's arguments (the query depends on the iteration). */
  flowing: string[];
}

/**
 * Every call on a loop's per-iteration path that runs a query of `kind`, once per call site. Polling loops
 * (`while True:` bodies that sleep or wait) are skipped: they repeat on a clock, not per element. So are writes in
 * a loop that runs inside one explicit transaction: that is the batching write-in-loop asks for. With `onlyFiles`,
 * only loops in those files are looked at.
 */
export function queriesInLoops(index: WorkloadIndex, kind: 'read' | 'write', onlyFiles?: ReadonlySet<string>): LoopQuery[] {
  const found: LoopQuery[] = [];
  for (const [file, facts] of index.facts) {
    if (onlyFiles && !onlyFiles.has(file)) continue;
    const workload = facts.workload;
    if (!workload) continue;
    const mayRunQuery = index.mayRunQuery(file, kind);
    for (const call of workload.loopCalls) {
      if (!mayRunQuery(call)) continue;
      // `stmt.run(x)` runs the statement its handle was prepared with.
      const direct = index.statementsAtCall(file, call.prepared ?? call.range).filter((statement) => statementKind(statement) === kind);
      const loop = workload.loops[call.loop];
      if (!loop || loop.polling || (kind === 'write' && loop.transaction)) continue;
      const caller = index.functionNamed(file, loop.function);
      const path: QueryPath | undefined =
        direct.length > 0 ? { chain: [], statement: direct[0] } : index.queryThroughCall(file, caller, call, kind);
      if (!path) continue;
      const variables = new Set(loop.variables);
      const flowing = [...new Set(call.argumentNames.filter((name) => variables.has(name)))];
      found.push({ file, loop, call, caller, path, flowing });
    }
  }
  return found;
}

const MAX_SQL_PREVIEW = 70;
const MAX_CALL_PREVIEW = 50;

/** SQL on one line, shortened: `SELECT * FROM sessions WHERE name = ?`. */
export function sqlPreview(statement: ExtractedSql): string {
  const flat = statement.sql.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_SQL_PREVIEW ? `${flat.slice(0, MAX_SQL_PREVIEW - 1)}…` : flat;
}

/** A call as written, on one line and shortened: `self.db.get_all_sessions()`. */
export function callPreview(text: string | undefined, range: OffsetRange): string {
  const flat = (text ?? '').slice(range.start, range.end).replace(/\s+/g, ' ').trim();
  if (flat.length <= MAX_CALL_PREVIEW) return flat;
  const open = flat.indexOf('(');
  return open > 0 && open < MAX_CALL_PREVIEW - 5 ? `${flat.slice(0, open)}(…)` : `${flat.slice(0, MAX_CALL_PREVIEW - 1)}…`;
}

/** Where the query runs: `in AssignerDatabase.get_all_sessions`, `via format_session → AssignerDatabase.get_session`. */
export function chainPreview(query: LoopQuery): string {
  const names = query.path.chain.map((step) => step.target.fact.qualifiedName);
  return names.length === 1 ? `in ${names[0]}` : `via ${names.join(' → ')}`;
}

/** Related locations: the loop, each function on the way, and the query. */
export function loopQueryRelated(query: LoopQuery): Array<SourceLocation & { message: string }> {
  const related: Array<SourceLocation & { message: string }> = [
    { file: query.file, range: query.loop.headerRange, message: `the loop: ${query.loop.header}` },
  ];
  const chain = query.path.chain;
  chain.forEach((step, position) => {
    const next = chain[position + 1];
    related.push({
      file: step.target.file,
      range: step.target.fact.nameRange,
      message: next ? `${step.target.fact.qualifiedName} calls ${next.target.fact.qualifiedName}` : `${step.target.fact.qualifiedName} runs the query`,
    });
  });
  const statement = query.path.statement;
  related.push({ file: statement.file, range: statement.range, message: 'the query' });
  return related;
}

/** `session`, `session and name` */
export function listNames(names: string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
