// Threads claim files one at a time from a shared list. A worker that fails (it crashes midway, cannot start, or
// cannot send a file) leaves the files it did not return to the main thread: prepareWorkspace extracts `leftOver`
// itself, so no file is lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startWorkerExtraction } from '../../server/engine/workspace/parallelExtract';

/** Four Python files and a .sql file; the .sql file is always the main thread's. */
const FILES = ['a.py', 'b.py', 'schema.sql', 'c.py', 'd.py'];

/** Stand-in workers claim files the way dist/extractWorker.js does. */
const CLAIM = `const next = new Int32Array(workerData.next);
const claim = () => { const index = Atomics.add(next, 0, 1); return index < workerData.files.length ? workerData.files[index] : undefined; };`;

function standInWorker(body: string): { script: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-worker-'));
  const script = path.join(dir, 'worker.cjs');
  fs.writeFileSync(script, `const { parentPort, workerData } = require('node:worker_threads');\n${CLAIM}\n${body}\n`);
  return { script, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Runs a stand-in worker; the main thread first takes `mainTakes` files from its share (none by default). */
async function run(body: string, mainTakes = 0): Promise<{ mainFiles: string[]; returned: string[]; leftOver: string[] }> {
  const { script, cleanup } = standInWorker(body);
  try {
    const extraction = startWorkerExtraction('/nowhere', FILES, 2, { script });
    assert.ok(extraction, 'two threads were asked for');
    const mainFiles: string[] = [];
    const mine = extraction.mainFiles[Symbol.iterator]();
    for (let taken = 0; taken < mainTakes; taken++) {
      const next = mine.next();
      if (!next.done) mainFiles.push(next.value);
    }
    const { results, leftOver } = await extraction.results;
    extraction.terminate();
    return { mainFiles, returned: [...results.keys()], leftOver };
  } finally {
    cleanup();
  }
}

const RETURN_ALL = `for (let file = claim(); file !== undefined; file = claim()) {
  parentPort.postMessage({ kind: 'files', files: [{ file, result: { notes: [], text: '' } }] });
}
parentPort.postMessage({ kind: 'done' });`;

test('the main thread takes the .sql files and then claims host files one at a time; a worker claims the rest', async () => {
  const outcome = await run(RETURN_ALL, 3);
  assert.deepEqual(outcome, { mainFiles: ['schema.sql', 'a.py', 'b.py'], returned: ['c.py', 'd.py'], leftOver: [] });
});

test('a worker that crashes after its first file leaves the file it had claimed, and every unclaimed one, to the main thread', async () => {
  const outcome = await run(`
    const first = claim();
    const second = claim();
    parentPort.postMessage({ kind: 'files', files: [{ file: first, result: { notes: [], text: '' } }] });
    setTimeout(() => { throw new Error('worker crashed with ' + second); }, 10);
  `);
  assert.deepEqual(outcome, { mainFiles: [], returned: ['a.py'], leftOver: ['b.py', 'c.py', 'd.py'] });
});

test('a worker that cannot start leaves all files to the main thread', async () => {
  const outcome = await run(`throw new Error('cannot load');`);
  assert.deepEqual(outcome, { mainFiles: [], returned: [], leftOver: ['a.py', 'b.py', 'c.py', 'd.py'] });
});

test('a file the worker could not send back (retry) is extracted by the main thread', async () => {
  const outcome = await run(`
    const first = claim();
    const second = claim();
    parentPort.postMessage({ kind: 'files', files: [{ file: first, result: { notes: [] }, retry: true }, { file: second, result: { notes: [] } }] });
    parentPort.postMessage({ kind: 'done' });
  `, 1);
  assert.deepEqual(outcome, { mainFiles: ['schema.sql'], returned: ['b.py'], leftOver: ['a.py', 'c.py', 'd.py'] });
});

test('a worker that reports a failure leaves what it did not return', async () => {
  const outcome = await run(`claim(); parentPort.postMessage({ kind: 'failed', message: 'out of memory' });`, 2);
  assert.deepEqual(outcome, { mainFiles: ['schema.sql', 'a.py'], returned: [], leftOver: ['b.py', 'c.py', 'd.py'] });
});
