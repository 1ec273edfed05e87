// wasmTiers.ts: SQLite (sql.js) keeps V8's baseline WebAssembly code, tree-sitter still gets optimized code, and a
// user's own tiering flags switch the steering off. V8 reports each compiled function with
// --trace-wasm-compilation-times ("Compiled function 0x…#12 using TurboFan, …"), so each case runs in a child
// process and counts those lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { canSteerTiers, compileWasm } from '../../server/engine/wasmTiers';

const REPO = path.resolve(__dirname, '../..');

/**
 * Runs `body` (JavaScript, inside an async function) in a child node with the trace on, and counts the functions V8
 * optimized. The child is CommonJS with tsx's require hook: Node's ESM loader would compile a WebAssembly module of
 * its own (cjs-module-lexer) and count its functions too.
 */
function optimizedCompilations(body: string, extraNodeArgs: string[] = []): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-tiers-'));
  try {
    const script = path.join(dir, 'child.cjs');
    const engine = (file: string) => JSON.stringify(path.join(REPO, 'server/engine', file));
    fs.writeFileSync(
      script,
      [
        `const { loadSqlJs } = require(${engine('schema/sqlite.ts')});`,
        `const { getParser } = require(${engine('extract/treeSitter.ts')});`,
        // Keeps a workload running long enough for V8 to tier up what is hot, and for background compiles to land.
        'const forAWhile = async (work) => { const end = performance.now() + 1500; while (performance.now() < end) { work(); await new Promise((r) => setImmediate(r)); } };',
        `(async () => {\n${body}\n})().catch((error) => { console.error(error); process.exitCode = 1; });`,
      ].join('\n'),
    );
    const child = spawnSync(process.execPath, ['--trace-wasm-compilation-times', ...extraNodeArgs, '--require', require.resolve('tsx/cjs'), script], {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' },
      maxBuffer: 64 * 1024 * 1024,
    });
    assert.equal(child.status, 0, child.stderr);
    return (child.stdout.match(/^Compiled function .* using TurboFan/gm) ?? []).length;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const EXPLAIN_WORKLOAD = `
const SQL = await loadSqlJs();
const db = new SQL.Database();
db.run('CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER, status TEXT, created_at TEXT)');
db.run('CREATE INDEX orders_customer ON orders (customer_id)');
let n = 0;
await forAWhile(() => { for (let i = 0; i < 50; i++) db.exec(\`EXPLAIN QUERY PLAN SELECT * FROM orders WHERE customer_id = \${n++} AND status = 'open' ORDER BY created_at\`); });
db.close();
`;

test('SQLite runs on baseline code only: a workload that gets it optimized under default flags gets none', () => {
  // A tiering flag of one's own turns the steering off (canSteerTiers): the same workload, as V8 would run it.
  const withDefaults = optimizedCompilations(EXPLAIN_WORKLOAD, ['--wasm-dynamic-tiering']);
  assert.ok(withDefaults > 20, `V8 optimized ${withDefaults} of SQLite's functions under its default tiering`);
  assert.equal(optimizedCompilations(EXPLAIN_WORKLOAD), 0);
});

test('tree-sitter modules compiled after SQLite still get optimized code', () => {
  const parses = optimizedCompilations(`
await loadSqlJs();
const parser = await getParser('python');
const text = Array.from({ length: 200 }, (_, i) => \`def f\${i}(db):\\n    return db.execute("SELECT * FROM t WHERE id = ?", (\${i},))\\n\`).join('');
await forAWhile(() => parser.parse(text)?.delete());
`);
  assert.ok(parses > 10, `V8 optimized ${parses} functions of tree-sitter`);
});

test('tiering flags of the user’s own, on the command line or in NODE_OPTIONS, switch the steering off', () => {
  assert.equal(canSteerTiers([], ''), true);
  assert.equal(canSteerTiers(['--inspect', '--max-old-space-size=512'], '--trace-wasm-compilation-times'), true);
  assert.equal(canSteerTiers(['--liftoff-only'], ''), false);
  assert.equal(canSteerTiers(['--no-liftoff'], ''), false);
  assert.equal(canSteerTiers([], '--enable-source-maps --wasm-tiering-budget=100'), false);
  assert.equal(canSteerTiers([], '--no-wasm-dynamic-tiering'), false);
  assert.equal(canSteerTiers(['--wasm_tier_up'], ''), false);
});

test('compilations run one at a time, in order, and a failed one does not stop the next', async () => {
  const events: string[] = [];
  const slow = compileWasm(async () => {
    events.push('first starts');
    await new Promise((resolve) => setTimeout(resolve, 30));
    events.push('first ends');
    throw new Error('no such module');
  });
  const second = compileWasm(async () => {
    events.push('second starts');
    return 2;
  });
  await assert.rejects(slow, /no such module/);
  assert.equal(await second, 2);
  assert.deepEqual(events, ['first starts', 'first ends', 'second starts']);
});
