// Facts cross from an extraction worker to the main thread by structured clone, which cannot carry functions.
// The one function facts hold, a statement's `sqlToFile` offset map, travels as runs of a table instead.
import type { FileFacts } from '../types';

/** `sqlToFile` as data: triples (sql offset, file offset, step 0 or 1) where each run starts. */
interface PackedOffsets {
  runs: Int32Array;
}

interface MappedStatement {
  sql: string;
  sqlToFile?: (sqlOffset: number) => number;
  packedSqlToFile?: PackedOffsets;
}

/** Calls `visit` on every object under `value` that has a string `sql` (statements, ORM DDL), once each. */
function forEachStatement(value: unknown, visit: (statement: MappedStatement) => void, seen = new Set<object>()): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value)) {
    for (const item of value) forEachStatement(item, visit, seen);
    return;
  }
  if (ArrayBuffer.isView(value)) return;
  const record = value as Record<string, unknown>;
  if (typeof record.sql === 'string') visit(record as unknown as MappedStatement);
  for (const item of Object.values(record)) forEachStatement(item, visit, seen);
}

/** Where facts can hold statements: the workload facts (most of the data) hold none. */
function statementHolders(fact: FileFacts): unknown[] {
  return [fact.statements, fact.orm];
}

/** Tabulates a monotone offset map as runs where it moves by 0 or 1 per SQL character. */
export function packOffsets(length: number, map: (sqlOffset: number) => number): PackedOffsets {
  const runs: number[] = [];
  let runStart = 0;
  let runValue = map(0);
  let step = -1; // not known until the run's second offset
  for (let offset = 1; offset <= length; offset++) {
    const value = map(offset);
    if (step === -1 && (value === runValue || value === runValue + 1)) {
      step = value - runValue;
      continue;
    }
    if (step !== -1 && value === runValue + (offset - runStart) * step) continue;
    runs.push(runStart, runValue, Math.max(step, 0));
    runStart = offset;
    runValue = value;
    step = -1;
  }
  runs.push(runStart, runValue, Math.max(step, 0));
  return { runs: Int32Array.from(runs) };
}

export function unpackOffsets(length: number, packed: PackedOffsets): (sqlOffset: number) => number {
  const runs = packed.runs;
  const count = runs.length / 3;
  return (sqlOffset) => {
    const offset = Math.max(0, Math.min(sqlOffset, length));
    let low = 0;
    let high = count - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (runs[mid * 3] <= offset) low = mid;
      else high = mid - 1;
    }
    return runs[low * 3 + 1] + (offset - runs[low * 3]) * runs[low * 3 + 2];
  };
}

/** Makes facts cloneable: offset maps become data (in place; the facts are sent, not used, afterwards). */
export function packFacts(fact: FileFacts): FileFacts {
  for (const holder of statementHolders(fact)) {
    forEachStatement(holder, (statement) => {
      if (typeof statement.sqlToFile !== 'function') return;
      statement.packedSqlToFile = packOffsets(statement.sql.length, statement.sqlToFile);
      delete statement.sqlToFile;
    });
  }
  return fact;
}

/** Restores the offset maps of facts made by `packFacts`. */
export function unpackFacts(fact: FileFacts): FileFacts {
  for (const holder of statementHolders(fact)) {
    forEachStatement(holder, (statement) => {
      const packed = statement.packedSqlToFile;
      if (!packed) return;
      // The clone added the table last, and V8 takes back the last property added without changing the object's
      // layout. Deleting it after adding `sqlToFile` turned every statement from a worker into a dictionary, about
      // 800 bytes each: 7 MB of the heap at 10,000 files.
      delete statement.packedSqlToFile;
      statement.sqlToFile = unpackOffsets(statement.sql.length, packed);
    });
  }
  return fact;
}
