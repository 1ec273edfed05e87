// Entry of the shape thread (dist/shapeWorker.js, see shapeThread.ts): parses SQL texts and describes their table
// accesses, as the main thread's `analyzeQueryShape` would, against the column lists the main thread sends.
import { parentPort } from 'node:worker_threads';
import { analyzeQueryShape, clearParseCache, parseQueryBatch } from './shape';
import type { ShapeReply, ShapeRequest } from './shapeThread';

let columns = new Map<string, string[]>();
const columnsOf = (table: string) => columns.get(table.toLowerCase()) ?? [];

parentPort?.on('message', (request: ShapeRequest) => {
  if (request.kind === 'columns') {
    columns = new Map(request.columns);
    return;
  }
  parseQueryBatch(request.sqls);
  const shapes = request.sqls.map((sql) => analyzeQueryShape(sql, { columnsOf }) ?? null);
  // Each text comes once: its tree is not asked for again.
  clearParseCache();
  parentPort?.postMessage({ id: request.id, shapes } satisfies ShapeReply);
});
