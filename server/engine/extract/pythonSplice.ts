// Re-extracting a large Python file after an edit inside one top-level definition: the facts of that definition
// come from a walk over it alone (python.ts `runUnit`), and everything else is the previous extraction's facts,
// moved by the edit's length. The result must equal a full extraction, so anything that could make one definition's
// facts depend on another's makes `spliceFacts` give up (undefined), and the caller extracts the whole file:
// - a statement whose SQL comes from outside the definition it runs in (a module constant), or the reverse;
// - `Name.attribute` where a class `Name` is defined on the other side (class attributes set by `self.x = …` are
//   collected as the walk goes, so they depend on what was walked before);
// - imports, PRAGMAs and SQLAlchemy connect listeners in the definition (they feed file-wide facts);
// - any previous fact that spans the definition's edge, or a line shared with a neighbour (suppressions are by line).
import type { FileFacts, LoopCallFact, OffsetRange, Suppression, WorkloadFacts } from '../types';
import { packOffsets, unpackOffsets } from './transfer';
import { loopCallFact } from './workloadBase';
import { LineIndex } from '../text/lineIndex';

/** A top-level statement of the module: its node type and offsets. */
export interface UnitSpan {
  type: string;
  start: number;
  end: number;
}

/** Top-level statements whose inside can be re-extracted alone. */
export const SPLICEABLE_UNITS = new Set(['function_definition', 'class_definition', 'decorated_definition']);

/** The edit and the definition it falls in, in both texts. */
export interface UnitEdit {
  index: number;
  /** The definition in the previous text. */
  before: OffsetRange;
  /** The definition in the new text. */
  after: OffsetRange;
  /** New length minus old length. */
  delta: number;
}

/**
 * The top-level definition that holds the whole edit from `previous` to `next` (texts and their top-level
 * statements), when every other top-level statement is the same and only moved. Undefined otherwise.
 */
export function locateUnitEdit(previous: { text: string; units: UnitSpan[] }, next: { text: string; units: UnitSpan[] }, prefix: number, suffix: number): UnitEdit | undefined {
  const delta = next.text.length - previous.text.length;
  const editEnd = next.text.length - suffix;
  const index = next.units.findIndex((unit) => unit.start <= prefix && editEnd <= unit.end);
  if (index < 0 || !SPLICEABLE_UNITS.has(next.units[index].type) || previous.units.length !== next.units.length) return undefined;
  for (let i = 0; i < next.units.length; i++) {
    const old = previous.units[i];
    const now = next.units[i];
    const startShift = i <= index ? 0 : delta;
    const endShift = i < index ? 0 : delta;
    if (old.type !== now.type || old.start !== now.start - startShift || old.end !== now.end - endShift) return undefined;
  }
  const unit = next.units[index];
  return { index, before: { start: unit.start, end: unit.end - delta }, after: { start: unit.start, end: unit.end }, delta };
}

/**
 * Text checks (a match only means the whole file is walked): the definition imports nothing, runs no PRAGMA, the
 * file registers no connect listeners, and no `Name.` crosses between a class defined inside the definition and
 * code outside it, or the other way round.
 */
export function isSelfContained(text: string, edit: UnitEdit, definitionTexts: string[]): boolean {
  if (text.includes('listens_for')) return false;
  if (definitionTexts.some((definition) => IMPORT_OR_PRAGMA.test(definition))) return false;
  const outside = text.slice(0, edit.after.start) + text.slice(edit.after.end);
  const inside = definitionTexts.join('\n');
  const attributeOf = (name: string) => new RegExp(`(?<![\\w.])${name}\\s*\\.`);
  for (const name of classNames(inside)) if (attributeOf(name).test(outside)) return false;
  for (const name of classNames(outside)) if (attributeOf(name).test(inside)) return false;
  return true;
}

const IMPORT_OR_PRAGMA = /\bimport\b|pragma/i;

/** Names after `class` anywhere in the text (strings and comments too: more names only means fewer splices). */
function classNames(text: string): Set<string> {
  return new Set([...text.matchAll(/\bclass\s+([A-Za-z_]\w*)/g)].map((match) => match[1]));
}

/**
 * The facts to keep for the next splice: lists and statements copied, because later stages replace a file's
 * statement list and an extraction worker packs its statements' offset maps in place.
 */
export function copyLists(facts: FileFacts): FileFacts {
  const workload = facts.workload;
  return {
    ...facts,
    statements: facts.statements.map((statement) => ({ ...statement })),
    suppressions: [...facts.suppressions],
    workload: workload && {
      ...workload,
      functions: [...workload.functions],
      loops: [...workload.loops],
      loopCalls: [...workload.loopCalls],
      imports: [...workload.imports],
      scalarReads: [...workload.scalarReads],
      connections: [...workload.connections],
    },
  };
}

/** Thrown inside the splice when a previous fact reaches into the re-extracted definition. */
class ReachesIn extends Error {}

/**
 * The new text's facts: `previous` (the whole file before the edit) with the definition's facts replaced by `part`
 * (the definition alone, in the new text). Undefined when the facts do not split cleanly at the definition.
 */
export function spliceFacts(
  previous: FileFacts,
  part: FileFacts,
  edit: UnitEdit,
  lines: { previousText: string; nextText: string },
): FileFacts | undefined {
  const old = edit.before;
  const delta = edit.delta;
  const previousWorkload = previous.workload;
  const partWorkload = part.workload;
  if (!previousWorkload || !partWorkload) return undefined;
  // What the definition adds to file-wide facts must not change: it has no imports (checked on its text too).
  if (partWorkload.imports.length > 0 || partWorkload.usesThreads) return undefined;
  if (!within(part, edit.after)) return undefined;

  /** A previous fact's place: 'in' the definition, or kept ('out', moved to the new text). */
  const place = (range: OffsetRange): 'in' | 'out' | 'across' =>
    range.end <= old.start || range.start >= old.end ? 'out' : range.start >= old.start && range.end <= old.end ? 'in' : 'across';

  try {
    const split = <T extends { range: OffsetRange }>(items: T[]): { kept: T[]; firstAfter: number; inside: number } | undefined => {
      const kept: T[] = [];
      let firstAfter = -1;
      let inside = 0;
      for (const item of items) {
        const where = place(item.range);
        if (where === 'across') return undefined;
        if (where === 'in') {
          // Everything it holds must be inside too, or the walk over the definition alone would not find it.
          if (firstAfter !== -1 || !within(item, old)) return undefined;
          inside++;
          continue;
        }
        const after = item.range.start >= old.end;
        if (after && firstAfter === -1) firstAfter = kept.length;
        else if (!after && firstAfter !== -1) return undefined; // not in source order: cannot tell where the new ones go
        kept.push(moved(item, old, delta));
      }
      return { kept, firstAfter: firstAfter === -1 ? kept.length : firstAfter, inside };
    };
    const merge = <T extends { range: OffsetRange }>(items: T[], added: T[]): T[] | undefined => {
      const parts = split(items);
      return parts && [...parts.kept.slice(0, parts.firstAfter), ...added, ...parts.kept.slice(parts.firstAfter)];
    };

    const statements = merge(previous.statements, part.statements);
    const functions = merge(previousWorkload.functions, partWorkload.functions);
    const scalarReads = merge(previousWorkload.scalarReads, partWorkload.scalarReads);
    const connections = merge(previousWorkload.connections, partWorkload.connections);
    // Loops are numbered in walk order: the definition's own loops take the place of its previous ones.
    const loopParts = split(previousWorkload.loops);
    const callParts = split(previousWorkload.loopCalls);
    if (!statements || !functions || !scalarReads || !connections || !loopParts || !callParts) return undefined;
    const loopsBefore = loopParts.firstAfter;
    const added = partWorkload.loops.length;
    const renumber = (call: LoopCallFact, offset: number): LoopCallFact => loopCallFact(call, call.loop + offset, call.argumentNames);
    const loopCalls: LoopCallFact[] = [];
    for (const [position, call] of callParts.kept.entries()) {
      const after = position >= callParts.firstAfter;
      if (after ? call.loop < loopsBefore + loopParts.inside : call.loop >= loopsBefore) return undefined;
      if (position === callParts.firstAfter) loopCalls.push(...partWorkload.loopCalls.map((partCall) => renumber(partCall, loopsBefore)));
      loopCalls.push(after ? renumber(call, added - loopParts.inside) : call);
    }
    if (callParts.firstAfter === callParts.kept.length) loopCalls.push(...partWorkload.loopCalls.map((partCall) => renumber(partCall, loopsBefore)));
    const loops = [...loopParts.kept.slice(0, loopsBefore), ...partWorkload.loops, ...loopParts.kept.slice(loopsBefore)];

    const suppressions = spliceSuppressions(previous.suppressions, part.suppressions, edit, lines);
    if (!suppressions) return undefined;
    const workload: WorkloadFacts = {
      functions,
      loops,
      loopCalls,
      imports: previousWorkload.imports,
      scalarReads,
      connections,
      usesThreads: previousWorkload.usesThreads,
    };
    return { file: previous.file, language: previous.language, statements, suppressions, workload };
  } catch (error) {
    if (error instanceof ReachesIn) return undefined;
    throw error;
  }
}

/** Suppressions are by line: those of the definition come from `part`, the later ones move by the lines added. */
function spliceSuppressions(
  previous: Suppression[],
  added: Suppression[],
  edit: UnitEdit,
  lines: { previousText: string; nextText: string },
): Suppression[] | undefined {
  // Something else on the definition's first or last line would share its suppressions.
  if (/\S/.test(textBefore(lines.previousText, edit.before.start))) return undefined;
  if (/\S/.test(textAfter(lines.previousText, edit.before.end)) || /\S/.test(textAfter(lines.nextText, edit.after.end))) return undefined;
  const previousLines = new LineIndex(lines.previousText);
  const firstLine = previousLines.positionAt(edit.before.start).line;
  const lastLine = previousLines.positionAt(edit.before.end).line;
  const shift = new LineIndex(lines.nextText).positionAt(edit.after.end).line - lastLine;
  return [
    ...previous.filter((suppression) => suppression.line < firstLine),
    ...added,
    ...previous.filter((suppression) => suppression.line > lastLine).map((suppression) => ({ ...suppression, line: suppression.line + shift })),
  ];
}

/** Whether every range in `value`, and every file offset of its SQL, lies inside `range`. */
function within(value: unknown, range: OffsetRange): boolean {
  let inside = true;
  visitRanges(value, (found) => {
    if (found.start < range.start || found.end > range.end) inside = false;
  });
  forEachOffsetRun(value, (first, last) => {
    if (Math.min(first, last) < range.start || Math.max(first, last) > range.end) inside = false;
  });
  return inside;
}

/** Calls `visit` with the first and last file offset of each run of every statement's offset map in `value`. */
function forEachOffsetRun(value: unknown, visit: (first: number, last: number) => void): void {
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (const item of value) forEachOffsetRun(item, visit);
    return;
  }
  const record = value as { sql?: unknown; sqlToFile?: unknown };
  if (typeof record.sql === 'string' && typeof record.sqlToFile === 'function') {
    const runs = packOffsets(record.sql.length, record.sqlToFile as (sqlOffset: number) => number).runs;
    for (let run = 0; run < runs.length; run += 3) visit(runs[run + 1], lastOfRun(runs, run, record.sql.length));
    return;
  }
  for (const key in record) if (Object.prototype.hasOwnProperty.call(record, key)) forEachOffsetRun((record as Record<string, unknown>)[key], visit);
}

/** The file offset the map gives for the last SQL offset of a run (the last run ends at the SQL's length). */
function lastOfRun(runs: Int32Array, run: number, length: number): number {
  const lastSqlOffset = run + 3 < runs.length ? runs[run + 3] - 1 : length;
  return runs[run + 1] + (lastSqlOffset - runs[run]) * runs[run + 2];
}

/** An object with exactly `start` and `end`, both numbers (counted without allocating: this runs per object). */
function isRange(value: object): value is OffsetRange {
  const candidate = value as Partial<OffsetRange>;
  if (typeof candidate.start !== 'number' || typeof candidate.end !== 'number') return false;
  let keys = 0;
  for (const key in value) if (Object.prototype.hasOwnProperty.call(value, key) && ++keys > 2) return false;
  return keys === 2;
}

function visitRanges(value: unknown, visit: (range: OffsetRange) => void): void {
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (const item of value) visitRanges(item, visit);
    return;
  }
  if (isRange(value)) {
    visit(value);
    return;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) if (Object.prototype.hasOwnProperty.call(record, key)) visitRanges(record[key], visit);
}

/**
 * A fact from outside the definition, in the new text's offsets: ranges after the definition move by `delta`, and
 * so do the file offsets of a statement's SQL. What does not move is returned as it is (most facts before the
 * definition), the rest is copied. Throws ReachesIn when anything points into the definition.
 */
function moved<T>(value: T, old: OffsetRange, delta: number): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let index = 0; index < value.length; index++) {
      const next = moved(value[index], old, delta);
      if (next !== value[index]) (copy ??= [...value])[index] = next;
    }
    return (copy ?? value) as T;
  }
  if (isRange(value)) return movedRange(value, old, delta) as T;
  const record = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key in record) {
    if (!Object.prototype.hasOwnProperty.call(record, key)) continue;
    const item = record[key];
    const next =
      key === 'sqlToFile' && typeof item === 'function' && typeof record.sql === 'string'
        ? movedOffsets(record.sql, item as (sqlOffset: number) => number, old, delta)
        : moved(item, old, delta);
    if (next !== item) (copy ??= { ...record })[key] = next;
  }
  return (copy ?? value) as T;
}

function movedRange(range: OffsetRange, old: OffsetRange, delta: number): OffsetRange {
  if (range.end <= old.start && range.start < old.start) return range;
  if (range.start >= old.end) return delta === 0 ? range : { start: range.start + delta, end: range.end + delta };
  if (range.start === range.end && (range.start === old.start || range.start === old.end)) return range;
  throw new ReachesIn();
}

/** The offset map of SQL outside the definition; tabulated and rebuilt, so maps do not nest edit after edit. */
function movedOffsets(sql: string, map: (sqlOffset: number) => number, old: OffsetRange, delta: number): (sqlOffset: number) => number {
  const packed = packOffsets(sql.length, map);
  const runs = packed.runs;
  let moves = false;
  for (let run = 0; run < runs.length; run += 3) {
    const first = runs[run + 1];
    const last = lastOfRun(runs, run, sql.length);
    if (last >= old.start && first < old.end) throw new ReachesIn();
    if (first >= old.end) {
      runs[run + 1] = first + delta;
      moves = true;
    }
  }
  return moves && delta !== 0 ? unpackOffsets(sql.length, packed) : map;
}

/** The text between `offset` and the end of its line (`\n`, `\r\n` or a lone `\r`, as LineIndex counts lines). */
function textAfter(text: string, offset: number): string {
  let end = offset;
  while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++;
  return text.slice(offset, end);
}

/** The text between the start of the line holding `offset` and `offset`. */
function textBefore(text: string, offset: number): string {
  let start = offset;
  while (start > 0 && text[start - 1] !== '\n' && text[start - 1] !== '\r') start--;
  return text.slice(start, offset);
}
