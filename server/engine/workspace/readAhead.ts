// Reads the workspace's files ahead of the extraction threads, so that their reads find the files in the page cache.
//
// A cold check reads every file once, with a blocking read between two parses. When the files are not in the page
// cache, each thread waits for the disk. On the bench's VM, files not read for 15–30 seconds are out of the cache
// again: one pass over the 10,000-file workspace took 0.42–0.60 s then, against 0.1 s right after another. In a
// CPU profile of such a check, the main thread and the extraction worker spent 0.68 and 0.64 s in `read`. With
// this thread reading ahead, they spent 0.27 and 0.05 s (and this thread 0.76 s, on a core the extraction would
// otherwise leave idle while it waits).
//
// The thread only reads: it keeps nothing, follows the threads' shared claim counter so that it skips files already
// taken, passes over files the extraction will skip for their size, and ends when it reaches the last file (or when
// extraction ends first). Its own cost is a small isolate (about 10 MB) for the first second or so of a run.
import { Worker } from 'node:worker_threads';

export interface ReadAheadTask {
  root: string;
  /** Read first, in this order: the files the main thread extracts before it claims host-language files. */
  first: string[];
  /** The host-language files, claimed in this order through `next`. */
  claimed: string[];
  /** The claim counter the extraction threads share (parallelExtract.ts): the index of the next unclaimed file. */
  next: SharedArrayBuffer;
  /** Files larger than this are not read (the extraction skips them). */
  maxBytes: number;
  /** For tests: post the list of files read, in order, when done. */
  report?: boolean;
}

// Plain CommonJS run with `eval`: a thread this small needs no bundle of its own.
const SCRIPT = `
const fs = require('node:fs');
const path = require('node:path');
const { parentPort, workerData } = require('node:worker_threads');
const { root, first, claimed, next, maxBytes, report } = workerData;
const claimCounter = new Int32Array(next);
const buffer = Buffer.allocUnsafe(64 * 1024);
const read = [];
function readThrough(file) {
  let descriptor;
  try {
    descriptor = fs.openSync(path.join(root, file), 'r');
    if (fs.fstatSync(descriptor).size > maxBytes) return;
    while (fs.readSync(descriptor, buffer, 0, buffer.length, null) > 0);
    if (report) read.push(file);
  } catch {
    // The extraction thread that reads it reports what is wrong.
  } finally {
    if (descriptor !== undefined) fs.closeSync(descriptor);
  }
}
for (const file of first) readThrough(file);
for (let index = 0; index < claimed.length; index++) {
  index = Math.max(index, Atomics.load(claimCounter, 0));
  if (index < claimed.length) readThrough(claimed[index]);
}
if (report) parentPort.postMessage(read);
`;

/** Starts the read-ahead thread; undefined when it cannot start (the extraction then simply reads as before). */
export function startReadAhead(task: ReadAheadTask): Worker | undefined {
  try {
    const worker = new Worker(SCRIPT, {
      eval: true,
      workerData: task,
      resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 },
    });
    worker.on('error', () => undefined);
    // Never what keeps the process alive.
    worker.unref();
    return worker;
  } catch {
    return undefined;
  }
}
