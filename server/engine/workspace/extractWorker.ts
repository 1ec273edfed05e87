// Entry of an extraction worker thread (dist/extractWorker.js): claims files one at a time from the list all threads
// share, reads and extracts them, and posts their facts back in batches. Parsing is most of a cold run's time,
// and each file is independent.
import { parentPort, workerData } from 'node:worker_threads';
import { readAndExtract, type ExtractedFile } from '../extract/fileFacts';
import { packFacts } from '../extract/transfer';
import { withCalledNamesForText } from '../workload/skipped';
import { claimFile, type WorkerReply, type WorkerTask } from './parallelExtract';

const BATCH = 64;

async function run(task: WorkerTask): Promise<void> {
  let batch: Array<{ file: string; result: ExtractedFile }> = [];
  const flush = () => {
    if (batch.length === 0) return;
    try {
      parentPort?.postMessage({ kind: 'files', files: batch } satisfies WorkerReply);
    } catch {
      // Something in the batch cannot be cloned: send the files one by one, and leave the odd one to the main thread.
      for (const item of batch) {
        try {
          parentPort?.postMessage({ kind: 'files', files: [item] } satisfies WorkerReply);
        } catch {
          parentPort?.postMessage({ kind: 'files', files: [{ file: item.file, result: { notes: [] }, retry: true }] } satisfies WorkerReply);
        }
      }
    }
    batch = [];
  };
  const next = new Int32Array(task.next);
  for (let file = claimFile(task.files, next); file !== undefined; file = claimFile(task.files, next)) {
    const extracted = await readAndExtract(task.root, file);
    const result = task.indexSkippedTexts ? withCalledNamesForText(extracted) : extracted;
    if (result.fact) packFacts(result.fact);
    batch.push({ file, result });
    if (batch.length >= BATCH) flush();
  }
  flush();
  parentPort?.postMessage({ kind: 'done' } satisfies WorkerReply);
}

run(workerData as WorkerTask).catch((error: unknown) => {
  parentPort?.postMessage({ kind: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies WorkerReply);
});
