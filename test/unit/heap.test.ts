// collectGarbageNow frees what a one-off run let go of (analyzeWorkspace calls it after dropping the workload facts);
// without it V8 may grow the heap by half of an old, larger size before collecting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectGarbageNow } from '../../server/engine/heapGrowth';

test('collectGarbageNow runs a full collection on demand', () => {
  let held: Array<{ id: number; name: string }> | undefined = Array.from({ length: 400_000 }, (_, id) => ({ id, name: `row ${id}` }));
  collectGarbageNow();
  const holding = process.memoryUsage().heapUsed;
  assert.equal(held.length, 400_000);
  held = undefined;
  collectGarbageNow();
  const released = process.memoryUsage().heapUsed;
  assert.ok(holding - released > 20 * 1024 * 1024, `heap went from ${holding} to ${released} bytes`);
});
