// Facts sent from an extraction worker must come back with offset maps that give every offset the original gave.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readAndExtract } from '../../server/engine/extract/fileFacts';
import { packFacts, packOffsets, unpackFacts, unpackOffsets } from '../../server/engine/extract/transfer';
import type { FileFacts } from '../../server/engine/types';

const FIXTURES = path.resolve(__dirname, '../fixtures');

function sourceFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .map((file) => file.split(path.sep).join('/'))
    .filter((file) => /\.(py|ts|js|rs|prisma|sql)$/.test(file));
}

/** Every statement with an offset map, anywhere in the facts (statements and ORM DDL). */
function mappedStatements(fact: FileFacts): Array<{ sql: string; sqlToFile: (offset: number) => number }> {
  const found: Array<{ sql: string; sqlToFile: (offset: number) => number }> = [];
  const seen = new Set<object>();
  const visit = (value: unknown) => {
    if (typeof value !== 'object' || value === null || seen.has(value)) return;
    seen.add(value);
    const record = value as Record<string, unknown>;
    if (typeof record.sql === 'string' && typeof record.sqlToFile === 'function') found.push(record as never);
    for (const item of Array.isArray(value) ? value : Object.values(record)) visit(item);
  };
  visit(fact.statements);
  visit(fact.orm);
  return found;
}

describe('facts across threads', () => {
  it('packs offset maps into runs that give back every offset', () => {
    const maps: Array<[number, (offset: number) => number]> = [
      [10, (offset) => 100 + offset],
      [10, () => 7],
      [12, (offset) => (offset < 4 ? 20 + offset : offset < 8 ? 30 : 40 + offset)],
      [6, (offset) => [5, 9, 9, 10, 11, 3][offset] ?? 3],
      [0, () => 42],
    ];
    for (const [length, map] of maps) {
      const unpacked = unpackOffsets(length, packOffsets(length, map));
      for (let offset = 0; offset <= length; offset++) assert.equal(unpacked(offset), map(offset), `offset ${offset}`);
      assert.equal(unpacked(-3), map(0));
      assert.equal(unpacked(length + 5), map(length));
    }
  });

  it('keeps every fixture statement and offset map through a structured clone', async () => {
    let checked = 0;
    for (const fixture of fs.readdirSync(FIXTURES)) {
      const root = path.join(FIXTURES, fixture);
      for (const file of sourceFiles(root)) {
        const original = (await readAndExtract(root, file)).fact;
        if (!original) continue;
        const expected = mappedStatements(original).map((statement) => ({
          sql: statement.sql,
          offsets: Array.from({ length: statement.sql.length + 1 }, (_, offset) => statement.sqlToFile(offset)),
        }));
        const copy = (await readAndExtract(root, file)).fact!;
        const received = unpackFacts(structuredClone(packFacts(copy)));
        const actual = mappedStatements(received).map((statement) => ({
          sql: statement.sql,
          offsets: Array.from({ length: statement.sql.length + 1 }, (_, offset) => statement.sqlToFile(offset)),
        }));
        assert.deepEqual(actual, expected, `${fixture}/${file}`);
        checked += expected.length;
      }
    }
    assert.ok(checked > 80, `only ${checked} statements with offset maps in the fixtures`);
  });
});

describe('facts across threads, in memory', () => {
  it('statements from a worker keep a fast layout, not a dictionary each', () => {
    // %HasFastProperties needs --allow-natives-syntax, so the check runs in a child process.
    const script = path.join(__dirname, '..', 'helpers', 'fastStatements.ts');
    const child = spawnSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', script], { encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    const { statements, dictionaries } = JSON.parse(child.stdout) as { statements: number; dictionaries: number };
    assert.ok(statements >= 50, `${statements} statements`);
    assert.equal(dictionaries, 0, `${dictionaries} of ${statements} statements are dictionaries`);
  });
});
