import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Locates a WASM asset. The bundles in dist/ carry copies in dist/wasm/ (esbuild.mjs copies them);
 * when running from source (tests via tsx) they come from node_modules.
 */
export function wasmPath(fileName: string): string {
  const bundled = path.join(__dirname, 'wasm', fileName);
  if (fs.existsSync(bundled)) return bundled;
  const fromSource: Record<string, () => string> = {
    'sql-wasm.wasm': () => path.join(path.dirname(require.resolve('sql.js')), fileName),
    'web-tree-sitter.wasm': () => path.join(path.dirname(require.resolve('web-tree-sitter')), fileName),
  };
  const resolver = fromSource[fileName];
  if (resolver) return resolver();
  // Grammar WASMs: tree-sitter-python.wasm, tree-sitter-typescript.wasm, …
  const grammarDir = path.join(path.dirname(require.resolve('@vscode/tree-sitter-wasm/package.json')), 'wasm');
  return path.join(grammarDir, fileName);
}
