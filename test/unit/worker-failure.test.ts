// A worker that fails (it crashes midway, cannot start, or cannot send a file) leaves the files it did not return
// to the main thread: prepareWorkspace extracts `leftOver` itself, so no file is lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startWorkerExtraction } from '../../server/engine/workspace/parallelExtract';

/** Four Python files: with two threads the main thread keeps a.py and c.py, the worker gets b.py and d.py. */
const FILES = ['a.py', 'b.py', 'c.py', 'd.py'];

function standInWorker(body: string): { script: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-worker-'));
  const script = path.join(dir, 'worker.cjs');
  fs.writeFileSync(script, `const { parentPort, workerData } = require('node:worker_threads');\n${body}\n`);
  return { script, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

async function run(body: string): Promise<{ mainFiles: string[]; returned: string[]; leftOver: string[] }> {
  const { script, cleanup } = standInWorker(body);
  try {
    const extraction = startWorkerExtraction('/nowhere', FILES, 2, script);
    assert.ok(extraction, 'two threads were asked for');
    const { results, leftOver } = await extraction.results;
    extraction.terminate();
    return { mainFiles: extraction.mainFiles, returned: [...results.keys()], leftOver };
  } finally {
    cleanup();
  }
}

test('a worker that crashes after its first file leaves the rest to the main thread', async () => {
  const outcome = await run(`
    const [first] = workerData.files;
    parentPort.postMessage({ kind: 'files', files: [{ file: first, result: { notes: [], text: '' } }] });
    setTimeout(() => { throw new Error('worker crashed'); }, 10);
  `);
  assert.deepEqual(outcome, { mainFiles: ['a.py', 'c.py'], returned: ['b.py'], leftOver: ['d.py'] });
});

test('a worker that cannot start leaves all its files to the main thread', async () => {
  const outcome = await run(`throw new Error('cannot load');`);
  assert.deepEqual(outcome, { mainFiles: ['a.py', 'c.py'], returned: [], leftOver: ['b.py', 'd.py'] });
});

test('a file the worker could not send back (retry) is extracted by the main thread', async () => {
  const outcome = await run(`
    const [first, second] = workerData.files;
    parentPort.postMessage({ kind: 'files', files: [{ file: first, result: { notes: [] }, retry: true }, { file: second, result: { notes: [] } }] });
    parentPort.postMessage({ kind: 'done' });
  `);
  assert.deepEqual(outcome, { mainFiles: ['a.py', 'c.py'], returned: ['d.py'], leftOver: ['b.py'] });
});

test('a worker that reports a failure leaves what it did not return', async () => {
  const outcome = await run(`parentPort.postMessage({ kind: 'failed', message: 'out of memory' });`);
  assert.deepEqual(outcome, { mainFiles: ['a.py', 'c.py'], returned: [], leftOver: ['b.py', 'd.py'] });
});
