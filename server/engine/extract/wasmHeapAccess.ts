// web-tree-sitter hands every node between JavaScript and WASM through the emscripten module's `getValue` and
// `setValue`: five calls to write a node into its transfer buffer and five to read one back. Each call switches on
// a type string and goes through a DataView, which emscripten emits so that the module also runs on big-endian
// hosts. At 10,000 files that was about 0.4 s of extraction's CPU, the largest JavaScript cost in it.
//
// web-tree-sitter looks both functions up on the module object at every call (`C.getValue(address, "i32")`), and
// that object is the options object given to `Parser.init` (emscripten's `var Module = moduleArg`). So once the
// runtime is loaded, the two can be replaced there: on a little-endian host an `i32` is read and written straight
// through the module's Int32Array view, and every other type goes to emscripten's own function.

/** The part of an emscripten module this touches. */
export interface EmscriptenHeapModule {
  HEAP32?: Int32Array;
  getValue?: (pointer: number, type?: string) => number | bigint;
  setValue?: (pointer: number, value: number | bigint, type?: string) => void;
}

/** Whether this host stores an Int32Array's bytes in WASM's order (little-endian). */
export const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Replaces the module's `getValue`/`setValue` with ones that read and write `i32` through `HEAP32`. Returns whether
 * it did: not on a big-endian host, and not when the module lacks what it needs (another runtime version).
 * The view is read from the module at every call: emscripten replaces it when the WASM memory grows.
 */
export function installFastI32Access(module: EmscriptenHeapModule, littleEndian = LITTLE_ENDIAN_HOST): boolean {
  const { getValue, setValue } = module;
  if (!littleEndian || typeof getValue !== 'function' || typeof setValue !== 'function') return false;
  if (!(module.HEAP32 instanceof Int32Array)) return false;
  module.getValue = (pointer, type) => (type === 'i32' ? module.HEAP32![pointer >> 2] : getValue(pointer, type));
  module.setValue = (pointer, value, type) => {
    if (type === 'i32') module.HEAP32![pointer >> 2] = value as number;
    else setValue(pointer, value, type);
  };
  return true;
}
