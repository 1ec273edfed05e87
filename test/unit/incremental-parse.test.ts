// Incremental tree-sitter parsing of large texts: after any edit, the tree (kinds and offsets of every node) and the
// extracted queries are the same as from a parse from scratch.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Tree } from 'web-tree-sitter';
import { getParser, withSyntaxTree } from '../../server/engine/extract/treeSitter';
import { extractPython } from '../../server/engine/extract/python';
import { FIXTURES } from '../helpers/workspace';

/** Every node's kind and offsets, in document order. */
function dump(tree: Tree): string {
  const lines: string[] = [];
  const cursor = tree.walk();
  let depth = 0;
  for (;;) {
    lines.push(`${depth} ${cursor.nodeType} ${cursor.startIndex}-${cursor.endIndex} ${cursor.startPosition.row}:${cursor.startPosition.column}`);
    if (cursor.gotoFirstChild()) {
      depth++;
      continue;
    }
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) {
        cursor.delete();
        return lines.join('\n');
      }
      depth--;
    }
  }
}

async function fresh(text: string): Promise<string> {
  const tree = (await getParser('python')).parse(text)!;
  try {
    return dump(tree);
  } finally {
    tree.delete();
  }
}

/** Deterministic pseudo-random numbers. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647;
  };
}

/** A Python module well over the size where trees are kept (several seed files, with non-ASCII text). */
const LARGE = (() => {
  const seed = fs.readFileSync(path.join(FIXTURES, 'seed000/computer/parachute/db/database.py'), 'utf8');
  const parts: string[] = [];
  for (let i = 0; i < 16; i++) parts.push(seed.replace(/class (\w+)/g, `class $1${i}`), `# café ✓ ${i}\n`);
  return parts.join('\n');
})();

describe('incremental parsing', () => {
  it('gives the same tree as a fresh parse after every kind of edit', async () => {
    assert.ok(LARGE.length > 20_000);
    const pick = random(7);
    const snippets = ['x', '"', "'''", '\n', '(', ')', '    ', 'é', 'conn.execute("SELECT * FROM t WHERE a = ?")\n', '#'];
    let text = LARGE;
    for (let round = 0; round < 40; round++) {
      const at = Math.floor(pick() * text.length);
      const removed = round % 3 === 0 ? Math.floor(pick() * 40) : 0;
      const inserted = round % 4 === 1 ? '' : snippets[Math.floor(pick() * snippets.length)];
      text = text.slice(0, at) + inserted + text.slice(at + removed);
      const incremental = await withSyntaxTree('python', text, dump);
      assert.equal(incremental, await fresh(text), `round ${round}: edit at ${at}`);
    }
    // Back to the original text, and the same text twice (the tree is reused as it is).
    assert.equal(await withSyntaxTree('python', LARGE, dump), await fresh(LARGE));
    assert.equal(await withSyntaxTree('python', LARGE, dump), await fresh(LARGE));
  });

  it('extracts the same queries from an edited large file as from the file parsed on its own', async () => {
    const file = { path: 'big.py', language: 'python' as const };
    await extractPython({ ...file, text: LARGE });
    const edited = LARGE.replace('WHERE parent_session_id = ?', 'WHERE parent_session_id = ? AND archived = 1');
    assert.notEqual(edited, LARGE);
    const incremental = await extractPython({ ...file, text: edited });
    // An unrelated text in between evicts nothing that matters, then the edited text is parsed again from a tree of LARGE.
    const fromScratch = await extractPython({ ...file, text: `${edited}` });
    const view = (facts: typeof incremental) => facts.statements.map((s) => `${s.range.start}-${s.range.end} ${s.role} ${s.sql}`);
    assert.deepEqual(view(incremental), view(fromScratch));
    assert.ok(view(incremental).some((line) => line.includes('AND archived = 1')));
  });
});
