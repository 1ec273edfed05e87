// The fast i32 path for web-tree-sitter's node transfers (extract/wasmHeapAccess.ts): it must read and write what
// emscripten's own accessors would, follow the WASM memory when it grows, and stay out of the way where it cannot
// be right.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installFastI32Access, LITTLE_ENDIAN_HOST, type EmscriptenHeapModule } from '../../server/engine/extract/wasmHeapAccess';
import { getParser, usesFastHeapAccess, withSyntaxTree } from '../../server/engine/extract/treeSitter';

/** A module like emscripten's: accessors over a DataView of its memory, and views replaced when memory grows. */
function fakeModule(bytes: number) {
  const calls: string[] = [];
  const module: EmscriptenHeapModule & { grow(bytes: number): void; view: DataView } = {
    view: new DataView(new ArrayBuffer(bytes)),
    HEAP32: undefined,
    getValue(pointer, type = 'i8') {
      calls.push(`get ${type}`);
      if (type === 'i32') return module.view.getInt32((pointer >> 2) * 4, true);
      if (type === 'i16') return module.view.getInt16((pointer >> 1) * 2, true);
      return module.view.getInt8(pointer);
    },
    setValue(pointer, value, type = 'i8') {
      calls.push(`set ${type}`);
      if (type === 'i32') module.view.setInt32((pointer >> 2) * 4, Number(value), true);
      else if (type === 'i16') module.view.setInt16((pointer >> 1) * 2, Number(value), true);
      else module.view.setInt8(pointer, Number(value));
    },
    grow(size) {
      const next = new ArrayBuffer(size);
      new Uint8Array(next).set(new Uint8Array(module.view.buffer));
      module.view = new DataView(next);
      module.HEAP32 = new Int32Array(next);
    },
  };
  module.HEAP32 = new Int32Array(module.view.buffer);
  return { module, calls };
}

test('i32 reads and writes go through HEAP32 and agree with the emscripten accessors', { skip: !LITTLE_ENDIAN_HOST }, () => {
  const { module, calls } = fakeModule(64);
  const original = { get: module.getValue!, set: module.setValue! };
  assert.equal(installFastI32Access(module), true);
  for (const [pointer, value] of [[0, 1], [4, -1], [8, 0x7fffffff], [12, -0x80000000], [16, 123456789]] as const) {
    module.setValue!(pointer, value, 'i32');
    assert.equal(original.get(pointer, 'i32'), value, `written at ${pointer}`);
    original.set(pointer + 32, value * 3, 'i32');
    assert.equal(module.getValue!(pointer + 32, 'i32'), original.get(pointer + 32, 'i32'), `read at ${pointer + 32}`);
  }
  // An unaligned pointer addresses the word it falls in, as emscripten's `(ptr >> 2) * 4` does.
  module.setValue!(21, 77, 'i32');
  assert.equal(original.get(20, 'i32'), 77);
  // Only the test's own calls reached the originals: the fast path never did.
  assert.equal(calls.length, 5 * 3 + 1);
  // Other types are emscripten's business, including the default.
  calls.length = 0;
  module.setValue!(40, -2, 'i16');
  module.setValue!(44, 5);
  assert.equal(module.getValue!(40, 'i16'), -2);
  assert.equal(module.getValue!(44), 5);
  assert.deepEqual(calls, ['set i16', 'set i8', 'get i16', 'get i8']);
});

test('after the memory grows, i32 access uses the new view', { skip: !LITTLE_ENDIAN_HOST }, () => {
  const { module } = fakeModule(16);
  installFastI32Access(module);
  module.setValue!(8, 42, 'i32');
  module.grow(1024);
  assert.equal(module.getValue!(8, 'i32'), 42, 'copied value read from the new memory');
  module.view.setInt32(8, 43, true);
  module.view.setInt32(996, 9, true);
  assert.equal(module.getValue!(8, 'i32'), 43, 'read from the new memory, not the old one');
  assert.equal(module.getValue!(996, 'i32'), 9, 'read beyond the old memory');
  module.setValue!(1000, 7, 'i32');
  assert.equal(module.view.getInt32(1000, true), 7, 'written into the new memory');
});

test('a big-endian host, or a module without the accessors or the view, is left alone', () => {
  const { module } = fakeModule(16);
  const { getValue, setValue } = module;
  assert.equal(installFastI32Access(module, false), false);
  assert.equal(module.getValue, getValue);
  assert.equal(module.setValue, setValue);
  assert.equal(installFastI32Access({ HEAP32: new Int32Array(4) }), false);
  assert.equal(installFastI32Access({ getValue, setValue }), false);
});

test('the tree-sitter runtime uses the fast path, and nodes keep their places across a growing memory', async () => {
  await getParser('python');
  assert.equal(usesFastHeapAccess(), LITTLE_ENDIAN_HOST);
  // About 2 MB of statements: the tree outgrows the runtime's first memory, and every node still reads back right.
  const line = (index: number) => `value_${index} = call_${index}(argument=${index})\n`;
  const lines = Array.from({ length: 50_000 }, (_, index) => line(index));
  const text = lines.join('');
  const checked = await withSyntaxTree('python', text, (tree) => {
    const statements = tree.rootNode.namedChildren;
    assert.equal(statements.length, lines.length);
    let offset = 0;
    for (let index = 0; index < lines.length; index += 997) {
      offset = lines.slice(0, index).reduce((sum, part) => sum + part.length, 0);
      const statement = statements[index];
      assert.equal(statement.startIndex, offset);
      assert.equal(statement.startPosition.row, index);
      const call = statement.descendantsOfType('call')[0];
      assert.equal(call.childForFieldName('function')?.text, `call_${index}`);
      assert.equal(call.childForFieldName('arguments')?.text, `(argument=${index})`);
      assert.equal(call.parent?.type, 'assignment');
    }
    return true;
  });
  assert.equal(checked, true);
});
