// What the Python, TypeScript/JavaScript and Rust extractors share once a string expression has been turned into
// SQL: the evaluation's shape, how it becomes an ExtractedSql, and the bookkeeping that emits each DDL literal once.
import type { Node } from 'web-tree-sitter';
import { stripLeadingComments } from '../sql/split';
import type { ExtractedSql, HostLanguage, MigrationContainer, OffsetRange, StringLiteralInfo } from '../types';
import { MappedSqlBuilder, type MappedSql } from './params';

/** How many names deep `Q = BASE + "…"` chains are followed. */
export const MAX_NAME_DEPTH = 8;

/** One literal of a string expression, as written. */
export interface LiteralPiece {
  range: OffsetRange;
  contentRange: OffsetRange;
  quote: string;
  /** String prefix (`r`, `f`, …); absent where the language has none. */
  prefix?: string;
}

/** A string expression turned into SQL. */
export interface Evaluation {
  /** The expression that holds the SQL, after following names and whitespace wrappers. */
  root: Node;
  mapped: MappedSql;
  pieces: LiteralPiece[];
  dynamic: boolean;
}

/** Accumulates an evaluation while the expression is walked. */
export interface EvaluationState {
  builder: MappedSqlBuilder;
  pieces: LiteralPiece[];
  dynamic: boolean;
}

/** What a name is bound to (null: something unknown), and how names inside that value resolve. */
export interface Resolution {
  value: Node | null;
  resolve: NameResolver;
}
export type NameResolver = (name: string) => Resolution | undefined;

/**
 * Turns a string expression into SQL, the same way in every host language: `follow` steps through names and
 * wrappers to the expression that builds the string (at most MAX_NAME_DEPTH steps), then `append` adds its pieces.
 * `lead` is text placed before it, mapped to its start. Undefined when `append` meets something it cannot read.
 */
export function evaluateExpression(
  expression: Node,
  resolve: NameResolver | undefined,
  follow: (node: Node, resolve: NameResolver | undefined) => Resolution | undefined,
  append: (root: Node, resolve: NameResolver | undefined, state: EvaluationState) => boolean,
  lead = '',
): Evaluation | undefined {
  let root: Node | null = expression;
  let rootResolve = resolve;
  for (let depth = 0; root && depth < MAX_NAME_DEPTH; depth++) {
    const next = follow(root, rootResolve);
    if (!next) break;
    root = next.value;
    rootResolve = next.resolve;
  }
  if (!root) return undefined;
  const state: EvaluationState = { builder: new MappedSqlBuilder(), pieces: [], dynamic: false };
  if (lead) state.builder.appendReplacement(lead, root.startIndex, root.startIndex);
  if (!append(root, rootResolve, state)) return undefined;
  return { root, mapped: state.builder.build(), pieces: state.pieces, dynamic: state.dynamic };
}

export interface CallSite {
  call: { method: string; range: OffsetRange };
  enclosingFunction?: string;
}

/** A DDL literal; emitted once even when several calls run it. */
export interface DdlCandidate {
  evaluation: Evaluation;
  /** Looks like schema on its own, with no call in sight. */
  schemaShaped: boolean;
  /** Function around the literal itself. */
  enclosingFunction?: string;
  /** The first execute-like call that runs it. */
  execution?: CallSite;
}

export function isBlank(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 12;
}

export function isAsciiLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

export function rangeKey(node: Node): string {
  return `${node.startIndex}:${node.endIndex}`;
}

/** The first word of the SQL, uppercased, when written all upper or all lower case (prose is Mixed case). */
export function leadingKeyword(sql: string): string | undefined {
  const head = stripLeadingComments(sql);
  let end = 0;
  while (end < head.length && isAsciiLetter(head.charCodeAt(end))) end++;
  if (end === 0) return undefined;
  const word = head.slice(0, end);
  const upper = word.toUpperCase();
  return word === upper || word === word.toLowerCase() ? upper : undefined;
}

function literalInfo(pieces: LiteralPiece[], range: OffsetRange): StringLiteralInfo | undefined {
  if (pieces.length === 0) return undefined;
  if (pieces.some((piece) => piece.range.start < range.start || piece.range.end > range.end)) return undefined;
  const first = pieces[0];
  const last = pieces[pieces.length - 1];
  return { range: first.range, contentRange: last.contentRange, quote: last.quote, prefix: last.prefix ?? '' };
}

/** An evaluated string expression as the statement the rest of the pipeline sees. */
export function toExtractedSql(
  file: string,
  language: HostLanguage,
  evaluation: Evaluation,
  mapped: MappedSql,
  role: ExtractedSql['role'],
  certainty: ExtractedSql['certainty'],
  site: Partial<CallSite>,
): ExtractedSql {
  const range = { start: evaluation.root.startIndex, end: evaluation.root.endIndex };
  const statement: ExtractedSql = { file, language, sql: mapped.sql, range, sqlToFile: mapped.toSource, role, certainty };
  const literal = literalInfo(evaluation.pieces, range);
  if (literal) statement.literal = literal;
  if (site.call) statement.call = site.call;
  if (site.enclosingFunction !== undefined) statement.enclosingFunction = site.enclosingFunction;
  if (evaluation.dynamic) statement.dynamic = true;
  return statement;
}

/** DDL literals met during a walk, keyed by their expression, emitted once each at the end. */
export class DdlCandidates {
  private readonly byRoot = new Map<string, DdlCandidate>();

  has(key: string): boolean {
    return this.byRoot.has(key);
  }

  get(evaluation: Evaluation): DdlCandidate {
    const key = rangeKey(evaluation.root);
    let candidate = this.byRoot.get(key);
    if (!candidate) {
      candidate = { evaluation, schemaShaped: false };
      this.byRoot.set(key, candidate);
    }
    return candidate;
  }

  /**
   * Schema statements: DDL that a call runs (`executed`), or that looks like schema on its own (`constant`).
   * `containerOf` finds the versioned migration list a literal belongs to, where the language has them.
   */
  statements(
    build: (evaluation: Evaluation, certainty: ExtractedSql['certainty'], site: Partial<CallSite>) => ExtractedSql,
    containerOf?: (root: Node) => MigrationContainer | undefined,
  ): ExtractedSql[] {
    const statements: ExtractedSql[] = [];
    for (const candidate of this.byRoot.values()) {
      const { evaluation, execution } = candidate;
      if (!execution && !candidate.schemaShaped) continue;
      const statement = execution
        ? build(evaluation, 'executed', execution)
        : build(evaluation, 'constant', { enclosingFunction: candidate.enclosingFunction });
      const container = containerOf?.(evaluation.root);
      if (container) statement.migrationContainer = container;
      statements.push(statement);
    }
    return statements;
  }
}
