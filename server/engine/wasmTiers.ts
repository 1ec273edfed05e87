// Which of V8's WebAssembly compilers the engine's modules get. A module of its own so that sql.js (schema, plan)
// and web-tree-sitter (extract) compile through one queue without importing each other.
import * as v8 from 'node:v8';

/**
 * V8 runs WebAssembly on its baseline compiler (Liftoff) first and recompiles hot functions with its optimizing
 * one (TurboFan) on background threads. That pays for tree-sitter, whose parser and lexers run for every file:
 * parsing the bench's 10,000 files took 4.3 s with it and 6.4 s without. It does not pay for SQLite: the check's
 * EXPLAINs ran as fast on the baseline code, while optimizing about 540 of SQLite's functions cost 0.9 s of
 * background CPU on a 2-core machine whose two cores the check keeps busy, and up to 21 MB of compiler memory for
 * one function (the module's largest). glibc keeps that memory resident in the compiler threads' arenas after it is
 * freed (docs/benchmarks.md).
 *
 * V8 has no per-module setting, but it fixes a module's tiers when the module is created: sql.js is compiled while
 * `--liftoff-only` is set, and the flags are put back afterwards. `--liftoff-only` also turns off `--wasm-tier-up`,
 * which is left off: with it, every function of SQLite compiled later would be optimized eagerly. Modules created
 * afterwards still tier up dynamically (`--wasm-dynamic-tiering`). Process-wide flags, so nothing else may compile
 * WebAssembly in that window: every compilation of the engine goes through `compileWasm`, one at a time, and the
 * extraction workers start only after sql.js is loaded (analyze.ts).
 */
let queue: Promise<unknown> = Promise.resolve();

/** Runs `compile` after every earlier WebAssembly compilation of this thread has settled. */
export function compileWasm<T>(compile: () => Promise<T>): Promise<T> {
  const result = queue.then(compile);
  queue = result.catch(() => undefined);
  return result;
}

/** As `compileWasm`, with V8's optimizing tier off for the modules `compile` creates. */
export function compileWasmBaselineOnly<T>(compile: () => Promise<T>): Promise<T> {
  if (!canSteerTiers()) return compileWasm(compile);
  return compileWasm(async () => {
    v8.setFlagsFromString('--liftoff-only');
    try {
      return await compile();
    } finally {
      v8.setFlagsFromString('--no-liftoff-only');
      v8.setFlagsFromString('--wasm-dynamic-tiering');
    }
  });
}

/** Whoever starts node with WebAssembly tiering flags of their own (a profile, a bug report) gets exactly those. */
export function canSteerTiers(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): boolean {
  return ![...execArgv, ...nodeOptions.split(/\s+/)].some((flag) => /^--(no-)?(liftoff|wasm[-_](tier|dynamic))/.test(flag));
}
