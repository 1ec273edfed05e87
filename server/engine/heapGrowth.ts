// How V8 manages the heap of a run: how far it lets the heap grow between full garbage collections, and a full
// collection on demand. A module of its own so that entry points can set the flag before anything allocates.
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

/**
 * After each full collection V8 lets the old generation grow to up to four times what survived before it
 * collects again, and a run that collects quickly gets the full factor. A cold check allocates about 2 GB while
 * holding 70–170 MB, so on 10,000 files it ran its last full collection at a third of the way and then grew to
 * about 280 MB of heap, mostly garbage (peak RSS about 460 MB). Growing by half instead costs a few more full
 * collections, which V8 marks concurrently: the same run peaks at about 365 MB in the same time
 * (docs/benchmarks.md). A process-wide V8 flag (Node 20 and 24), so the CLI and the language server set it at start.
 */
export function limitHeapGrowth(): void {
  v8.setFlagsFromString('--heap-growing-percent=50');
}

let fullCollection: (() => void) | undefined;

/**
 * Runs a full garbage collection now, for the moment a run has just let go of much of what it holds. V8 sets its
 * next limit from what survived the last full collection: if that one ran before the release, the heap grows to
 * one and a half times the older, larger size before anything is freed (on 10,000 files, runs peaked at either
 * about 350 or about 430 MB depending on that timing). `gc` is only reachable with --expose-gc, which a new context
 * picks up when the flag is set at run time (jest does the same to look for leaks); where that fails, nothing runs.
 */
export function collectGarbageNow(): void {
  if (!fullCollection) {
    try {
      v8.setFlagsFromString('--expose-gc');
      fullCollection = vm.runInNewContext('gc') as () => void;
    } catch {
      fullCollection = () => undefined;
    }
  }
  fullCollection();
}
