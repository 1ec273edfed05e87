// After an edit inside one top-level definition of a large Python file, only that definition is walked again and
// its facts are spliced into the previous ones. Whatever the edit, the result must equal a whole extraction of the
// same text: this drives hundreds of edits (random ones, and lines typed a character at a time) through both.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { extractPython, extractionCounts } from '../../server/engine/extract/python';
import type { FileFacts } from '../../server/engine/types';
import { generateWorkspace } from '../../bench/generate';
import { FIXTURES, removeWorkspace } from '../helpers/workspace';

/** Facts as comparable text: the path left out, each statement's offset map written out. */
function comparable(facts: FileFacts): string {
  const offsets = facts.statements.map((statement) =>
    statement.sqlToFile ? Array.from({ length: statement.sql.length + 1 }, (_, offset) => statement.sqlToFile!(offset)) : null,
  );
  return JSON.stringify([facts, offsets], (key, value: unknown) => (key === 'file' || key === 'sqlToFile' ? undefined : value));
}

let fresh = 0;
/** A whole extraction: a path never seen has no previous facts to splice into. */
function wholeExtraction(text: string): Promise<FileFacts> {
  return extractPython({ path: `whole-${fresh++}.py`, language: 'python', text });
}

/** A deterministic pseudo-random sequence (the same edits on every run). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

/** Code that makes a fixture large enough to be kept between edits (16 KB) without adding SQL. */
function filler(count: number): string {
  let code = '';
  for (let i = 0; i < count; i++) {
    code += `\n\ndef filler_${i}(items, limit=10):\n    """Keeps the longest names."""\n    result = []\n    for item in items:\n        if len(item) > ${i % 7}:\n            result.append(item.strip())\n    return sorted(result)[:limit]\n`;
  }
  return code;
}

const SNIPPETS = [
  'x', ' ', '\n', '\n    ', '"', "'", '(', ')', ':', '#', ',', '.', '= ?', 'email', 'AND status = ?',
  '# planlens: ignore\n    ',
  'import os\n',
  'conn.execute("PRAGMA journal_mode=WAL")\n    ',
  'rows = conn.execute("SELECT * FROM users WHERE email = ?", (e,)).fetchall()\n    ',
  'for user in users:\n        conn.execute("SELECT * FROM orders WHERE user_id = ?", (user,))\n    ',
  'class Extra:\n    Q = "SELECT 1"\n',
  'def added():\n    pass\n',
  'self.q = "SELECT id FROM users"\n        ',
  'Extra.Q',
];

/** The edits typing a line a character at a time makes, at `offset`. */
function typing(text: string, offset: number, line: string): string[] {
  const texts: string[] = [];
  for (let length = 1; length <= line.length; length++) texts.push(`${text.slice(0, offset)}${line.slice(0, length)}${text.slice(offset)}`);
  return texts;
}

async function checkEdits(name: string, original: string, edits: number, seed: number): Promise<void> {
  const next = random(seed);
  const file = `${name}.py`;
  const extract = (text: string) => extractPython({ path: file, language: 'python', text });
  await extract(original);
  let text = original;
  const check = async (edited: string) => {
    const spliced = comparable(await extract(edited));
    assert.equal(spliced, comparable(await wholeExtraction(edited)), `${name}: facts after an edit differ from a whole extraction`);
  };
  // A query typed into a function body a character at a time: most of the steps are half-typed code.
  const body = text.indexOf('\n    return');
  if (body >= 0) {
    for (const typed of typing(text, body + 1, '    rows = conn.execute("SELECT * FROM users WHERE email = ?", (e,)).fetchall()\n')) await check(typed);
  }
  // Then random edits, which pile up (a stray quote can turn the rest of the file into a string).
  for (let step = 0; step < edits; step++) {
    const offset = Math.floor(next() * text.length);
    if (next() < 0.3) {
      text = text.slice(0, offset) + text.slice(Math.min(text.length, offset + 1 + Math.floor(next() * 20)));
    } else {
      text = text.slice(0, offset) + SNIPPETS[Math.floor(next() * SNIPPETS.length)] + text.slice(offset);
    }
    await check(text);
  }
}

describe('re-extracting one edited definition of a large Python file', () => {
  const fixtures = [
    'seed000/computer/parachute/db/database.py',
    'seed001-workload/workers/assigner_db.py',
    'seed001-workload/workers/assigner_worker.py',
    'seed002/agent_state/agent_database.py',
    'seed004/tracing/sqlite_store.py',
    'django/blog/views.py',
  ];

  it('gives what a whole extraction gives after every edit of the seed files (made large)', async () => {
    const before = { ...extractionCounts };
    for (const [position, fixture] of fixtures.entries()) {
      const text = fs.readFileSync(path.join(FIXTURES, fixture), 'utf8') + filler(140);
      assert.ok(text.length > 16 * 1024);
      await checkEdits(fixture.replace(/\W/g, '_'), text, 40, 7 + position);
    }
    // The short way was taken for most edits, so the comparisons above test it.
    const spliced = extractionCounts.spliced - before.spliced;
    assert.ok(spliced > 200, `only ${spliced} edits were spliced`);
  });

  it('gives what a whole extraction gives after every edit of a generated large module (methods of a class)', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-splice-'));
    try {
      const generated = generateWorkspace(root, { files: 10, queries: 40, tables: 6, largeFileLines: 1500 });
      const text = fs.readFileSync(path.join(root, generated.largeFile!.file), 'utf8');
      const before = { ...extractionCounts };
      await checkEdits('large_module', text, 60, 99);
      // The benchmark's own edit: a query in a method of the module's class.
      const at = generated.largeFile!.editOffset;
      const extract = (edited: string) => extractPython({ path: 'large_module.py', language: 'python', text: edited });
      await extract(text);
      const edited = `${text.slice(0, at)}email = ?${text.slice(at + 'id = ?'.length)}`;
      assert.equal(comparable(await extract(edited)), comparable(await wholeExtraction(edited)));
      const spliced = extractionCounts.spliced - before.spliced;
      assert.ok(spliced > 40, `only ${spliced} edits were spliced`);
    } finally {
      removeWorkspace(root);
    }
  });

  it('walks the whole file when a definition reads attributes a class sets in its methods (they depend on walk order)', async () => {
    const text =
      'class Store:\n    def __init__(self, conn):\n        self.conn = conn\n        self.by_email = "SELECT id FROM users WHERE email = ?"\n' +
      filler(150) +
      '\n\ndef ping(conn):\n    conn.execute("SELECT 1")\n' +
      '\n\ndef lookup(conn, email):\n    return conn.execute(Store.by_email, (email,)).fetchone()\n';
    const extract = (edited: string) => extractPython({ path: 'store_lookup.py', language: 'python', text: edited });
    const first = await extract(text);
    assert.ok(first.statements.some((statement) => statement.call && statement.sql.includes('FROM users')), 'Store.by_email resolves');
    // Typed into lookup: the new call's SQL lives in Store, which a walk over lookup alone has not seen.
    const call = 'conn.execute(Store.by_email, (email,)).fetchone()';
    const withoutCall = text.replace(call, 'None');
    const before = extractionCounts.whole;
    for (const edited of [withoutCall, text, text.replace('(email,)', '(email, )')]) {
      assert.equal(comparable(await extract(edited)), comparable(await wholeExtraction(edited)));
    }
    // Each edit took the long way (the whole extractions compared against count too).
    assert.equal(extractionCounts.whole - before, 6);
  });

  it('moves suppressions by the lines an edit adds, with CRLF line ends too', async () => {
    const base = `${filler(40)}\n\ndef edited(conn):\n    return conn.execute("SELECT 1")\n${filler(120)}\n\ndef later(conn):\n    # planlens: ignore[missing-index]\n    return conn.execute("SELECT 2")\n`;
    for (const [name, eol] of [['lf', '\n'], ['crlf', '\r\n']] as const) {
      const text = base.replace(/\n/g, eol);
      const extract = (edited: string) => extractPython({ path: `suppressed-${name}.py`, language: 'python', text: edited });
      await extract(text);
      const at = text.indexOf('return conn.execute("SELECT 1")');
      const edited = `${text.slice(0, at)}rows = 1${eol}    ${text.slice(at)}`;
      const before = extractionCounts.spliced;
      const facts = await extract(edited);
      assert.equal(extractionCounts.spliced, before + 1, `${name}: the edit took the short way`);
      assert.equal(comparable(facts), comparable(await wholeExtraction(edited)), `${name}: the suppression moved with the added line`);
      assert.equal(facts.suppressions.length, 1);
    }
  });
});
