import type { ConnectionFact, FileFacts, HostLanguage } from '../types';
import type { WorkspaceReport, WorkspaceRule } from './rule';
import type { FunctionNode, WorkloadIndex } from '../workload/callGraph';
import { chainPreview, loopQueryRelated, queriesInLoops, sqlPreview, type LoopQuery } from '../workload/loopQueries';

/** An INSERT, UPDATE or DELETE run once per iteration of a loop, directly or through the functions it calls. */
export const writeInLoopRule: WorkspaceRule = {
  meta: {
    id: 'write-in-loop',
    defaultSeverity: 'warning',
    summary: 'An INSERT, UPDATE or DELETE runs once per loop iteration where one batch (executemany, a multi-row INSERT, one transaction) would do.',
    fixable: false,
  },
  checkWorkspace(context) {
    const index = context.workload();
    const reports: WorkspaceReport[] = [];
    for (const query of queriesInLoops(index, 'write', context.onlyFiles)) {
      const through = query.path.chain.length > 0 ? ` (${chainPreview(query)})` : '';
      const connections = connectionsFor(query, index);
      reports.push({
        file: query.file,
        range: query.call.range,
        message:
          `Write in a loop: \`${sqlPreview(query.path.statement)}\` runs on every iteration of \`${query.loop.header}\`${through}. ` +
          `${transactionNote(query, index, connections)} ${batchAdvice(query, connections, context.readText(query.path.statement.file))}`,
        related: loopQueryRelated(query),
      });
    }
    return reports;
  },
};

/**
 * What PlanLens can tell about the transactions: a commit or a fresh connection per iteration, autocommit, or one
 * implicit transaction. Says so when it cannot tell.
 */
function transactionNote(query: LoopQuery, index: WorkloadIndex, connections: ConnectionFact[] | undefined): string {
  const loopFacts = index.facts.get(query.file)?.workload;
  const loopIndex = loopFacts?.loops.indexOf(query.loop) ?? -1;
  const commitsInLoop =
    loopFacts?.loopCalls.some((call) => call.loop === loopIndex && call.name === 'commit') === true ||
    query.path.chain.some((step) => index.reachesCall(step.target, 'commit', 0));
  if (commitsInLoop) return 'commit() also runs on every iteration, so each write is its own transaction with its own sync to disk.';
  for (const step of query.path.chain) {
    const opener = connectionOpener(index, step.target);
    if (opener) {
      return (
        `${step.target.fact.qualifiedName} opens a new connection on every call (${opener}), so each write is its own ` +
        `transaction with its own sync to disk.`
      );
    }
  }
  if (!connections) return 'PlanLens cannot see how the connection commits, so each write may be its own transaction and sync.';
  if (connections.some((connection) => connection.autocommit)) {
    return 'The connection is in autocommit mode, so each write is its own transaction with its own sync to disk.';
  }
  return 'The driver keeps these writes in one implicit transaction until commit(), so the cost is one statement per row.';
}

/** How a function gets a fresh connection per call: it connects itself, or calls a function that returns one. */
function connectionOpener(index: WorkloadIndex, node: FunctionNode): string | undefined {
  const own = index.facts.get(node.file)?.workload?.connections.find((connection) => connection.function === node.fact.qualifiedName);
  if (own) return `${own.driver} connect`;
  for (const callee of node.fact.callees) {
    for (const target of index.resolve(node.file, node, callee)) {
      const factory = index.facts
        .get(target.file)
        ?.workload?.connections.some((connection) => connection.function === target.fact.qualifiedName && connection.form === 'return');
      if (factory) return `${callee.name}()`;
    }
  }
  return undefined;
}

function connectionsOf(facts: FileFacts | undefined) {
  const connections = facts?.workload?.connections.filter((connection) => !connection.inMemory) ?? [];
  return connections.length > 0 ? connections : undefined;
}

/**
 * The connections the write may run on: those of the query's file, else the loop's file, else (TypeScript and Rust,
 * where a pool or a `db` module is opened once and passed around) every connection of the same language.
 */
function connectionsFor(query: LoopQuery, index: WorkloadIndex): ConnectionFact[] | undefined {
  const own = connectionsOf(index.facts.get(query.path.statement.file)) ?? connectionsOf(index.facts.get(query.file));
  const family = languageFamily(query.path.statement.language);
  if (own || family === 'python') return own;
  const workspace = [...index.facts.values()].filter((facts) => languageFamily(facts.language) === family).flatMap((facts) => connectionsOf(facts) ?? []);
  return workspace.length > 0 ? workspace : undefined;
}

/** TypeScript and JavaScript modules import each other: one family. */
function languageFamily(language: HostLanguage): HostLanguage {
  return language === 'javascript' ? 'typescript' : language;
}

/** sqlx query functions and macros (everything else in Rust is rusqlite). */
const SQLX_CALLS = /^query(?:_as|_scalar)?(?:_unchecked|_with)?$|^query_file|^raw_sql$/;

/** How to batch in the driver's own terms. */
function batchAdvice(query: LoopQuery, connections: ConnectionFact[] | undefined, statementText: string | undefined): string {
  const language: HostLanguage = query.path.statement.language;
  const drivers = new Set(connections?.map((connection) => connection.driver));
  if (language === 'typescript' || language === 'javascript') {
    if (drivers.has('node:sqlite') && !drivers.has('better-sqlite3')) {
      return "Batch it: run the loop between db.exec('BEGIN') and db.exec('COMMIT') so all rows share one commit, or write one multi-row INSERT.";
    }
    const call = query.path.statement.call;
    const db = (call && /^([\w$.]+)\.\w+\s*[(<]/.exec(statementText?.slice(call.range.start, call.range.end) ?? '')?.[1]) || 'db';
    return `Batch it: wrap the loop in ${db}.transaction(...) so all rows share one commit, or write one multi-row INSERT.`;
  }
  if (language === 'rust') {
    const method = query.path.statement.call?.method ?? '';
    if (drivers.has('sqlx') || (!drivers.has('rusqlite') && SQLX_CALLS.test(method))) {
      return 'Batch it: run the loop in one transaction (pool.begin(), then tx.commit()), or insert every row with one multi-row INSERT (sqlx QueryBuilder::push_values).';
    }
    return 'Batch it: run the loop in one transaction (conn.transaction(), then tx.commit()) with one prepared statement, or write one multi-row INSERT.';
  }
  return 'Batch it: executemany() with all rows, a multi-row INSERT, or one explicit transaction around the loop.';
}
