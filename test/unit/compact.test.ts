// How extracted facts are laid out in memory: compaction never changes a value, and call facts share hidden
// classes (object spread gave each loop call a class of its own under Node 20, about 250 bytes apiece).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { extractPython } from '../../server/engine/extract/python';
import { extractTypeScript } from '../../server/engine/extract/typescript';
import { extractRust } from '../../server/engine/extract/rust';
import { compactFacts, internName } from '../../server/engine/extract/compact';
import type { FileFacts } from '../../server/engine/types';

function pythonSource(functions: number): string {
  const parts: string[] = [];
  for (let index = 0; index < functions; index++) {
    parts.push(`def load_${index}(db, rows, helper_${index % 7}):
    for row in rows:
        row.name.lower()
        db.execute("SELECT id FROM users_${index % 5} WHERE id = ?", (row.id,))
        helper_${index % 7}(row)
        items.append(row)
    return [fetch_one(db, r) for r in rows]
`);
  }
  return parts.join('\n');
}

function typeScriptSource(functions: number): string {
  const parts: string[] = [];
  for (let index = 0; index < functions; index++) {
    parts.push(`export function load${index}(db: any, rows: any[]) {
  const stmt = db.prepare('SELECT id FROM users_${index % 5} WHERE id = ?');
  for (const row of rows) {
    stmt.get(row.id);
    helper${index % 7}(row);
    row.tags.push(row.name);
  }
  rows.forEach((row) => audit(db, row));
}
`);
  }
  return parts.join('\n');
}

const RUST_SOURCE = `use rusqlite::Connection;
fn load(conn: &Connection, ids: &[i64]) {
    for id in ids {
        conn.query_row("SELECT name FROM users WHERE id = ?1", [id], |row| row.get::<_, String>(0)).ok();
        audit(conn, *id);
    }
}
`;

/** Everything JSON can see, plus each statement's offset map sampled at every SQL offset. */
function observable(fact: FileFacts): string {
  const maps = fact.statements.map((statement) =>
    statement.sqlToFile ? Array.from({ length: statement.sql.length + 1 }, (_, offset) => statement.sqlToFile!(offset)) : null,
  );
  return JSON.stringify({ fact, maps });
}

test('compactFacts changes no value: facts, key order and offset maps read the same before and after', async () => {
  const facts = [
    await extractPython({ path: 'app/db.py', language: 'python', text: pythonSource(30) }),
    await extractTypeScript({ path: 'src/db.ts', language: 'typescript', text: typeScriptSource(30) }),
    await extractRust({ path: 'src/db.rs', language: 'rust', text: RUST_SOURCE }),
  ];
  for (const fact of facts) {
    assert.ok(fact.statements.length > 0 && (fact.workload?.loopCalls.length ?? 0) > 0, `${fact.file} has statements and loop calls`);
    const before = observable(fact);
    assert.equal(compactFacts(fact), fact, 'compacted in place');
    assert.equal(observable(fact), before, fact.file);
    compactFacts(fact);
    assert.equal(observable(fact), before, `${fact.file}, compacted twice`);
  }
});

test('internName gives back an equal string, long names included', () => {
  const text = `x = ${'a_rather_long_function_name_'.repeat(3)}`;
  const longName = text.slice(4);
  assert.equal(internName(longName), longName);
  assert.equal(internName(text.slice(4)), longName);
  assert.equal(internName('load'), 'load');
});

test('loop calls and callees built from every extractor share hidden classes', () => {
  // %HaveSameMap needs --allow-natives-syntax, so the check runs in a child process.
  const script = path.join(__dirname, '..', 'helpers', 'hiddenClasses.ts');
  const child = spawnSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', script], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  const counts = JSON.parse(child.stdout) as Record<string, { objects: number; classes: number }>;
  for (const [kind, { objects, classes }] of Object.entries(counts)) {
    assert.ok(objects >= 100, `${kind}: ${objects} objects`);
    // Optional properties (receiver, prepared) give a few classes; a class per object is the regression.
    assert.ok(classes <= 8, `${kind}: ${classes} hidden classes for ${objects} objects`);
  }
});
