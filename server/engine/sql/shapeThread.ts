// Parsing SQL for its shape on the second core. After extraction a check plans on the main thread alone, and a
// third of that is sql-parser-cst parsing the texts whose plans may hide a problem (1.1 s of 3.2 s at 10,000 files).
// The shape thread parses a run of texts while the main thread plans the next run and makes the findings of the one
// before. A shape is a pure function of the text and the tables' column lists, so it is the same on either thread;
// a text the thread cannot answer for is parsed on the main thread when it is needed, as before.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { QueryShape } from '../types';

export type ShapeRequest = { kind: 'columns'; columns: Array<[string, string[]]> } | { kind: 'shapes'; id: number; sqls: string[] };
export interface ShapeReply {
  id: number;
  /** Per text, in order; null when it does not parse. */
  shapes: Array<QueryShape | null>;
}

/**
 * The parser's grammar objects and trees die young, and the thread runs while the check's memory is near its peak:
 * with 4 MB the 10,000-file check peaked at 277–293 MB in 8 runs, with 8 MB at 281–299 MB in 9 runs, and with 16 MB
 * at 303–313 MB in 2, at the same speed.
 */
const YOUNG_GENERATION_MB = 4;

export class ShapeThread {
  /** Texts the thread has answered for. */
  answered = 0;
  private nextId = 0;
  private readonly waiting = new Map<number, (shapes: ReadonlyArray<QueryShape | null> | undefined) => void>();
  private failed = false;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: ShapeReply) => {
      this.answered += reply.shapes.length;
      this.waiting.get(reply.id)?.(reply.shapes);
      this.waiting.delete(reply.id);
    });
    const fail = () => {
      this.failed = true;
      for (const resolve of this.waiting.values()) resolve(undefined);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', fail);
  }

  /** Starts the thread from dist/shapeWorker.js; undefined without the bundle (tests through tsx) or a thread. */
  static start(script = path.join(__dirname, 'shapeWorker.js')): ShapeThread | undefined {
    if (!fs.existsSync(script)) return undefined;
    try {
      return new ShapeThread(new Worker(script, { resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } }));
    } catch {
      return undefined;
    }
  }

  /** The column names of every table (lowercased table name → names), which shapes of joins read. */
  setColumns(columns: Array<[string, string[]]>): void {
    if (!this.failed) this.worker.postMessage({ kind: 'columns', columns } satisfies ShapeRequest);
  }

  /** The shapes of `sqls`, in order; undefined when the thread failed (the caller parses on its own). */
  shapes(sqls: string[]): Promise<ReadonlyArray<QueryShape | null> | undefined> {
    if (this.failed) return Promise.resolve(undefined);
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.worker.postMessage({ kind: 'shapes', id, sqls } satisfies ShapeRequest);
    });
  }

  close(): void {
    void this.worker.terminate();
  }
}
