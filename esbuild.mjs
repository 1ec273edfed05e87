// Bundles the CLI, the language server and the extension client into dist/, and copies the WASM assets
// (sql.js and tree-sitter) next to them so the bundles run without node_modules (.vsix, npx).
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** Entry points that exist; the build grows as the project does. */
const entries = [
  { in: 'server/cli/main.ts', out: 'cli', banner: '#!/usr/bin/env node' },
  { in: 'server/lsp/main.ts', out: 'server', banner: '#!/usr/bin/env node' },
  { in: 'server/engine/workspace/extractWorker.ts', out: 'extractWorker' },
  // The CLI's shape thread (server/engine/sql/shapeThread.ts).
  { in: 'server/engine/sql/shapeWorker.ts', out: 'shapeWorker' },
  { in: 'src/extension.ts', out: 'extension' },
  // Loaded by extension.ts after activation returns (src/languageClient.ts says why).
  { in: 'src/languageClient.ts', out: 'languageClient' },
].filter((entry) => fs.existsSync(entry.in));

function copyWasmAssets() {
  const target = path.resolve('dist/wasm');
  fs.mkdirSync(target, { recursive: true });
  const sqlJsDir = path.dirname(require.resolve('sql.js'));
  const treeSitterDir = path.dirname(require.resolve('web-tree-sitter'));
  const grammarDir = path.join(path.dirname(require.resolve('@vscode/tree-sitter-wasm/package.json')), 'wasm');
  const files = [
    [path.join(sqlJsDir, 'sql-wasm.wasm'), 'sql-wasm.wasm'],
    [path.join(treeSitterDir, 'web-tree-sitter.wasm'), 'web-tree-sitter.wasm'],
    ...['python', 'typescript', 'tsx', 'javascript', 'rust'].map((lang) => [
      path.join(grammarDir, `tree-sitter-${lang}.wasm`),
      `tree-sitter-${lang}.wasm`,
    ]),
  ];
  for (const [from, name] of files) fs.copyFileSync(from, path.join(target, name));
}

const contexts = await Promise.all(
  entries.map((entry) =>
    esbuild.context({
      entryPoints: { [entry.out]: entry.in },
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      outdir: 'dist',
      sourcemap: production ? false : 'linked',
      // Identifiers keep their names: V8 flags name functions (see server/engine/sql/parserCompilation.ts).
      minifyWhitespace: production,
      minifySyntax: production,
      // `vscode` is provided by the editor at run time.
      external: ['vscode'],
      // The ESM build of web-tree-sitter reads import.meta.url, which a CJS bundle does not have.
      alias: { 'web-tree-sitter': require.resolve('web-tree-sitter') },
      banner: entry.banner ? { js: entry.banner } : undefined,
      logLevel: 'warning',
      // sql.js and web-tree-sitter probe for browser/Node APIs they never use under Node.
      define: { 'process.env.NODE_DEBUG': 'undefined' },
    }),
  ),
);

copyWasmAssets();
if (watch) {
  await Promise.all(contexts.map((context) => context.watch()));
} else {
  await Promise.all(contexts.map((context) => context.rebuild()));
  await Promise.all(contexts.map((context) => context.dispose()));
  for (const entry of entries.filter((e) => e.banner)) fs.chmodSync(`dist/${entry.out}.js`, 0o755);
}
