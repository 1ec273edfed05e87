import initSqlJs from 'sql.js';
import type { SqlJsStatic } from 'sql.js';
import { wasmPath } from '../assets';
import { compileWasmBaselineOnly } from '../wasmTiers';

let sqlJs: Promise<SqlJsStatic> | undefined;

/** Loads sql.js once per process; every schema database shares the same WASM module. */
export function loadSqlJs(): Promise<SqlJsStatic> {
  if (!sqlJs) {
    // SQLite runs on V8's baseline WebAssembly code only: see wasmTiers.ts.
    sqlJs = compileWasmBaselineOnly(() => initSqlJs({ locateFile: () => wasmPath('sql-wasm.wasm') }));
    // A failed load (missing WASM) must not poison later attempts.
    sqlJs.catch(() => {
      sqlJs = undefined;
    });
  }
  return sqlJs;
}
