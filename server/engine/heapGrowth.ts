// How far V8 lets the heap grow between full garbage collections; a module of its own so that entry points can
// set it before the analysis allocates anything.
import * as v8 from 'node:v8';

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
