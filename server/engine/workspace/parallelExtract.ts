// Cold runs read and parse thousands of files; on a machine with more than one core, worker threads take a
// share of the host-language files (the ones tree-sitter parses) while the main thread does the rest. The
// worker script is the bundle dist/extractWorker.js; from source (tests through tsx) there is none, and the
// main thread extracts everything.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Jobs } from '../analyzeTypes';
import type { ExtractedFile } from '../extract/fileFacts';
import { unpackFacts } from '../extract/transfer';
import { compactFacts } from '../extract/compact';
import { languageForPath } from './files';

export interface WorkerTask {
  root: string;
  files: string[];
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
  mainFiles: string[];
  /** Resolves with the workers' results; files a worker could not return are left for the main thread. */
  results: Promise<{ results: Map<string, ExtractedFile>; leftOver: string[] }>;
  terminate(): void;
}

/**
 * Deals the host-language files round robin over `threads` threads (the main thread keeps the first share and
 * every .sql file, which parse without tree-sitter). Undefined when only the main thread would work.
 */
export function startWorkerExtraction(
  root: string,
  files: string[],
  jobs: Jobs | undefined,
  /** The worker's entry; tests pass stand-ins that fail in chosen ways. */
  script: string | undefined = workerScript(),
): WorkerExtraction | undefined {
  const hostFiles = files.filter((file) => {
    const language = languageForPath(file);
    return language !== undefined && language !== 'sql';
  });
  const threads = threadCount(jobs, hostFiles.length);
  if (!script || threads < 2) return undefined;
  const shares: string[][] = Array.from({ length: threads }, () => []);
  hostFiles.forEach((file, i) => shares[i % threads].push(file));
  const offloaded = new Set(shares.slice(1).flat());
  const workers: Worker[] = [];
  const runs = shares.slice(1).map(
    (share) =>
      new Promise<{ results: Map<string, ExtractedFile>; leftOver: string[] }>((resolve) => {
        const results = new Map<string, ExtractedFile>();
        // A worker that fails (or cannot start) leaves whatever it did not return to the main thread.
        const finish = () => resolve({ results, leftOver: share.filter((file) => !results.has(file)) });
        let worker: Worker;
        try {
          worker = new Worker(script, { workerData: { root, files: share } satisfies WorkerTask });
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
  return {
    threads,
    mainFiles: files.filter((file) => !offloaded.has(file)),
    results: Promise.all(runs).then((all) => ({
      results: new Map(all.flatMap((run) => [...run.results])),
      leftOver: all.flatMap((run) => run.leftOver),
    })),
    terminate: () => {
      for (const worker of workers) void worker.terminate();
    },
  };
}
