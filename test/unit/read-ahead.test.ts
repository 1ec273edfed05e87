// The read-ahead thread (workspace/readAhead.ts): it reads the main thread's files first, then the host-language
// files from the shared claim counter on, skips what the extraction would skip for its size, and survives files
// that cannot be read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startReadAhead, type ReadAheadTask } from '../../server/engine/workspace/readAhead';

function readFiles(task: ReadAheadTask): Promise<{ read: string[]; exitCode: number }> {
  const worker = startReadAhead({ ...task, report: true });
  assert.ok(worker, 'the thread starts');
  worker.ref(); // unref'd for real runs; the test waits for it
  return new Promise((resolve, reject) => {
    let read: string[] = [];
    worker.on('message', (files: string[]) => (read = files));
    worker.on('error', reject);
    worker.on('exit', (exitCode) => resolve({ read, exitCode }));
  });
}

test('reads the first files, then the claimed list from the claim counter on, skipping big and missing files', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-read-ahead-'));
  try {
    fs.mkdirSync(path.join(root, 'app'));
    fs.writeFileSync(path.join(root, 'schema.sql'), 'CREATE TABLE t (id INTEGER);\n');
    for (const name of ['taken.py', 'next.py', 'last.py']) fs.writeFileSync(path.join(root, 'app', name), 'x = 1\n');
    fs.writeFileSync(path.join(root, 'app', 'big.py'), 'x = 1\n'.repeat(100));
    const next = new SharedArrayBuffer(4);
    Atomics.store(new Int32Array(next), 0, 1); // app/taken.py is claimed already
    const { read, exitCode } = await readFiles({
      root,
      first: ['schema.sql'],
      claimed: ['app/taken.py', 'app/next.py', 'app/big.py', 'app/missing.py', 'app/last.py'],
      next,
      maxBytes: 100,
    });
    assert.deepEqual(read, ['schema.sql', 'app/next.py', 'app/last.py']);
    assert.equal(exitCode, 0);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('reads nothing the threads have all claimed', async () => {
  const next = new SharedArrayBuffer(4);
  Atomics.store(new Int32Array(next), 0, 3);
  const { read, exitCode } = await readFiles({ root: os.tmpdir(), first: [], claimed: ['a.py', 'b.py', 'c.py'], next, maxBytes: 1024 });
  assert.deepEqual(read, []);
  assert.equal(exitCode, 0);
});
