import * as path from 'node:path';
import { Edit, Language, Parser, type Node, type Point, type Tree } from 'web-tree-sitter';
import { wasmPath } from '../assets';
import type { OffsetRange } from '../types';
import { compileWasm } from '../wasmTiers';
import { installFastI32Access, type EmscriptenHeapModule } from './wasmHeapAccess';

/** A node's range as the engine keeps ranges: UTF-16 offsets into the file's text. */
export function rangeOf(node: Node): OffsetRange {
  return { start: node.startIndex, end: node.endIndex };
}

/** Grammars shipped by @vscode/tree-sitter-wasm that the extractors use. */
export type GrammarName = 'python' | 'typescript' | 'tsx' | 'javascript' | 'rust';

/**
 * The grammar for a TypeScript or JavaScript path: `.tsx`/`.jsx` → tsx, `.ts`/`.mts`/`.cts` → typescript, JavaScript
 * otherwise. Every reader of such a file uses it, so they share one kept tree.
 */
export function grammarForPath(filePath: string): GrammarName {
  const extension = path.extname(filePath).toLowerCase();
  if (extension === '.tsx' || extension === '.jsx') return 'tsx';
  if (extension === '.ts' || extension === '.mts' || extension === '.cts') return 'typescript';
  return 'javascript';
}

let runtimeReady: Promise<void> | undefined;
let fastHeapAccess = false;
const parsers = new Map<GrammarName, Promise<Parser>>();

/** Whether the loaded runtime moves nodes through the fast `i32` path of wasmHeapAccess.ts (tests ask). */
export function usesFastHeapAccess(): boolean {
  return fastHeapAccess;
}

/** Loads the web-tree-sitter runtime once; a failed load is forgotten so a later call can retry. */
function initRuntime(): Promise<void> {
  if (runtimeReady) return runtimeReady;
  // The options object becomes the emscripten module (see wasmHeapAccess.ts).
  const module: EmscriptenHeapModule & { locateFile: () => string } = { locateFile: () => wasmPath('web-tree-sitter.wasm') };
  runtimeReady = compileWasm(() => Parser.init(module)).then(
    () => {
      fastHeapAccess = installFastI32Access(module);
    },
    (error: unknown) => {
      runtimeReady = undefined;
      throw error;
    },
  );
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
      const grammar = await compileWasm(() => Language.load(wasmPath(`tree-sitter-${language}.wasm`)));
      return new Parser().setLanguage(grammar);
    })();
    parsers.set(language, parser);
    parser.catch(() => parsers.delete(language));
  }
  return parser;
}

/**
 * Parses `text`, hands the tree to `use`, and frees the tree's WASM memory afterwards (nodes of the tree must not
 * escape `use`). Resolves to undefined when the parser gives no tree. Trees of large texts are kept for a while:
 * the same text again (another extractor) reuses the tree, and an edited text (an editor buffer after a
 * keystroke) is parsed incrementally from it.
 */
export async function withSyntaxTree<T>(
  language: GrammarName,
  text: string,
  use: (tree: Tree) => T,
): Promise<T | undefined> {
  const parser = await getParser(language);
  if (text.length < REUSE_MIN_CHARS) {
    const tree = parser.parse(text);
    if (!tree) return undefined;
    try {
      return use(tree);
    } finally {
      tree.delete();
    }
  }
  const tree = parseReusing(parser, language, text);
  return tree ? use(tree) : undefined;
}

/** Below this size a parse takes about a millisecond: not worth keeping a tree for. */
const REUSE_MIN_CHARS = 16 * 1024;
/** Large trees kept per grammar (each a few MB of WASM memory for a 5,000-line file). */
const KEPT_TREES = 4;

interface ParsedText {
  text: string;
  tree: Tree;
}

/** Recently parsed large texts per grammar, least recently used first. */
const keptTrees = new Map<GrammarName, ParsedText[]>();

/** Parses `text`, reusing a kept tree of the same or a similar text; the result is kept (and owned) here. */
function parseReusing(parser: Parser, language: GrammarName, text: string): Tree | undefined {
  const kept = keptTrees.get(language) ?? [];
  keptTrees.set(language, kept);
  const same = kept.findIndex((entry) => entry.text === text);
  if (same >= 0) {
    const [entry] = kept.splice(same, 1);
    kept.push(entry);
    return entry.tree;
  }
  // The kept text this one is an edit of: one region changed, the start and the end are shared.
  let base: { index: number; prefix: number; suffix: number } | undefined;
  for (const [index, entry] of kept.entries()) {
    const { prefix, suffix } = sharedEnds(entry.text, text);
    if (prefix + suffix >= text.length / 2 && prefix + suffix > (base ? base.prefix + base.suffix : 0)) base = { index, prefix, suffix };
  }
  let tree: Tree | null;
  if (base) {
    const [old] = kept.splice(base.index, 1);
    old.tree.edit(editBetween(old.text, text, base.prefix, base.suffix));
    tree = parser.parse(text, old.tree);
    old.tree.delete();
  } else {
    tree = parser.parse(text);
  }
  if (!tree) return undefined;
  kept.push({ text, tree });
  while (kept.length > KEPT_TREES) kept.shift()?.tree.delete();
  return tree;
}

/** Lengths of the longest common prefix and (not overlapping it) suffix of two texts. */
export function sharedEnds(a: string, b: string): { prefix: number; suffix: number } {
  const limit = Math.min(a.length, b.length);
  let prefix = 0;
  while (prefix < limit && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix < limit - prefix && a.charCodeAt(a.length - 1 - suffix) === b.charCodeAt(b.length - 1 - suffix)) suffix++;
  return { prefix, suffix };
}

function pointAt(text: string, index: number): Point {
  let row = 0;
  let lineStart = 0;
  for (let newline = text.indexOf('\n'); newline !== -1 && newline < index; newline = text.indexOf('\n', newline + 1)) {
    row++;
    lineStart = newline + 1;
  }
  return { row, column: index - lineStart };
}

/** The edit that turns `before` into `after`, given their shared prefix and suffix lengths. */
function editBetween(before: string, after: string, prefix: number, suffix: number): Edit {
  const startPosition = pointAt(before, prefix);
  return new Edit({
    startIndex: prefix,
    oldEndIndex: before.length - suffix,
    newEndIndex: after.length - suffix,
    startPosition,
    oldEndPosition: pointAt(before, before.length - suffix),
    newEndPosition: pointAt(after, after.length - suffix),
  });
}
