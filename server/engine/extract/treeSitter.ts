import { Language, Parser, type Tree } from 'web-tree-sitter';
import { wasmPath } from '../assets';

/** Grammars shipped by @vscode/tree-sitter-wasm that the extractors use. */
export type GrammarName = 'python' | 'typescript' | 'tsx' | 'javascript' | 'rust';

let runtimeReady: Promise<void> | undefined;
const parsers = new Map<GrammarName, Promise<Parser>>();

/** Loads the web-tree-sitter runtime once; a failed load is forgotten so a later call can retry. */
function initRuntime(): Promise<void> {
  runtimeReady ??= Parser.init({ locateFile: () => wasmPath('web-tree-sitter.wasm') }).catch((error: unknown) => {
    runtimeReady = undefined;
    throw error;
  });
  return runtimeReady;
}

/**
 * A parser for `language`, created once and shared: parsing is synchronous, so callers never interleave.
 * Callers must not change its language, timeout or included ranges.
 */
export function getParser(language: GrammarName): Promise<Parser> {
  let parser = parsers.get(language);
  if (!parser) {
    parser = (async () => {
      await initRuntime();
      const grammar = await Language.load(wasmPath(`tree-sitter-${language}.wasm`));
      return new Parser().setLanguage(grammar);
    })();
    parsers.set(language, parser);
    parser.catch(() => parsers.delete(language));
  }
  return parser;
}

/**
 * Parses `text`, hands the tree to `use`, and always frees the tree's WASM memory afterwards
 * (nodes of the tree must not escape `use`). Resolves to undefined when the parser gives no tree.
 */
export async function withSyntaxTree<T>(
  language: GrammarName,
  text: string,
  use: (tree: Tree) => T,
): Promise<T | undefined> {
  const parser = await getParser(language);
  const tree = parser.parse(text);
  if (!tree) return undefined;
  try {
    return use(tree);
  } finally {
    tree.delete();
  }
}
