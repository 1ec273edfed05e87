// Cold runs read and parse thousands of files; on a machine with more than one core, worker threads take a
// share of the host-language files (the ones tree-sitter parses) while the main thread does the rest. The
// worker script is the bundle dist/extractWorker.js; from source (tests through tsx) there is none, and the
// main thread extracts everything. With workers, a third thread reads the files ahead of them (readAhead.ts).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Jobs } from '../analyzeTypes';
import type { ExtractedFile } from '../extract/fileFacts';
import { unpackFacts } from '../extract/transfer';
import { compactFacts, internNames } from '../extract/compact';
import { languageForPath, MAX_FILE_BYTES } from './files';
import { startReadAhead } from './readAhead';

export interface WorkerTask {
  root: string;
  /** Every host-language file of the run; threads claim them one at a time through `next`. */
  files: string[];
  /** One Int32 shared by all threads: the index in `files` of the next file nobody has claimed. */
  next: SharedArrayBuffer;
  /** A one-off run: skipped files come back as the names they call, not as text (workload/skipped.ts). */
  indexSkippedTexts: boolean;
}

/** Claims the next file of `files` for the calling thread; undefined once every file is taken. */
export function claimFile(files: readonly string[], next: Int32Array): string | undefined {
  const index = Atomics.add(next, 0, 1);
  return index < files.length ? files[index] : undefined;
}

export type WorkerReply =
  | { kind: 'files'; files: Array<{ file: string; result: ExtractedFile; retry?: boolean }> }
  | { kind: 'done' }
  | { kind: 'failed'; message: string };


/** Below this many host-language files a worker costs more to start (about 150 ms) than it saves. */
const AUTO_MIN_FILES = 400;
const AUTO_MAX_THREADS = 4;

function workerScript(): string | undefined {
  const script = path.join(__dirname, 'extractWorker.js');
  return fs.existsSync(script) ? script : undefined;
}

/** Threads to use (1 = the main thread alone) for this many host-language files. */
export function threadCount(jobs: Jobs | undefined, hostFiles: number): number {
  if (jobs === undefined || jobs === 'auto') {
    if (hostFiles < AUTO_MIN_FILES) return 1;
    return Math.max(1, Math.min(AUTO_MAX_THREADS, os.availableParallelism()));
  }
  return Math.max(1, Math.floor(jobs));
}

/** Files extracted by workers; the main thread extracts `mainFiles` itself meanwhile. */
export interface WorkerExtraction {
  /** Threads at work, the main thread included. */
  threads: number;
  /** The main thread's files: every file that is not a host-language file (.sql), then host-language files it claims. */
  mainFiles: Iterable<string>;
  /**
   * Resolves with the workers' results once every worker has ended. `leftOver`: the host-language files neither a
   * worker returned nor the main thread claimed (a worker failed with them, or nobody took them), for the main thread.
   */
  results: Promise<{ results: Map<string, ExtractedFile>; leftOver: string[] }>;
  terminate(): void;
}

/**
 * The worker's young generation, in MB. With V8's default, the worker's new space grew to 32 MB and stayed resident
 * until the worker ended, while the worker keeps nothing but the batch of facts it is about to send. A limit of 16
 * lowered the 10,000-file check's peak from 305-320 to 299-311 MB (6 interleaved pairs). Part of that peak falls
 * while the worker is alive. A limit of 8 saved no more (302-318 MB in 4 runs).
 */
const WORKER_YOUNG_GENERATION_MB = 16;

/**
 * Shares the host-language files among `threads` threads (the main thread also takes every .sql file, which parse
 * without tree-sitter). Each thread claims the next file when it is free, so a thread slowed down by other work (the
 * main thread takes in the workers' facts) takes fewer, and all finish together; a fixed split left one thread idle
 * for up to 0.6 s at 10,000 files. Undefined when only the main thread would work.
 */
export function startWorkerExtraction(
  root: string,
  files: string[],
  jobs: Jobs | undefined,
  options: {
    indexSkippedTexts?: boolean;
    /** The worker's entry; tests pass stand-ins that fail in chosen ways. */
    script?: string;
  } = {},
): WorkerExtraction | undefined {
  const script = options.script ?? workerScript();
  const hostFiles = files.filter((file) => {
    const language = languageForPath(file);
    return language !== undefined && language !== 'sql';
  });
  const threads = threadCount(jobs, hostFiles.length);
  if (!script || threads < 2) return undefined;
  const next = new SharedArrayBuffer(4);
  const nextFile = new Int32Array(next);
  const hostFileSet = new Set(hostFiles);
  const readAhead = startReadAhead({
    root,
    first: files.filter((file) => !hostFileSet.has(file)),
    claimed: hostFiles,
    next,
    maxBytes: MAX_FILE_BYTES,
  });
  const claimedHere = new Set<string>();
  const workers: Worker[] = [];
  const runs = Array.from(
    { length: threads - 1 },
    () =>
      new Promise<Map<string, ExtractedFile>>((resolve) => {
        const results = new Map<string, ExtractedFile>();
        // A worker that fails (or cannot start) leaves whatever it did not return to the main thread.
        const finish = () => resolve(results);
        let worker: Worker;
        try {
          worker = new Worker(script, {
            workerData: { root, files: hostFiles, next, indexSkippedTexts: options.indexSkippedTexts ?? false } satisfies WorkerTask,
            resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
          });
        } catch {
          finish();
          return;
        }
        workers.push(worker);
        worker.on('message', (reply: WorkerReply) => {
          if (reply.kind === 'files') {
            for (const { file, result, retry } of reply.files) {
              if (retry) continue;
              if (result.fact) compactFacts(unpackFacts(result.fact));
              // The worker's copies of the names it called, stored once as the main thread's own names are.
              if (result.calledNames) internNames(result.calledNames);
              results.set(file, result);
            }
          } else {
            void worker.terminate();
            finish();
          }
        });
        worker.on('error', finish);
        worker.on('exit', finish);
      }),
  );
  function* mainFiles(): Generator<string> {
    for (const file of files) if (!hostFileSet.has(file)) yield file;
    for (let file = claimFile(hostFiles, nextFile); file !== undefined; file = claimFile(hostFiles, nextFile)) {
      claimedHere.add(file);
      yield file;
    }
  }
  return {
    threads,
    mainFiles: mainFiles(),
    results: Promise.all(runs).then((all) => {
      const results = new Map(all.flatMap((run) => [...run]));
      return { results, leftOver: hostFiles.filter((file) => !results.has(file) && !claimedHere.has(file)) };
    }),
    terminate: () => {
      void readAhead?.terminate();
      for (const worker of workers) void worker.terminate();
    },
  };
}
