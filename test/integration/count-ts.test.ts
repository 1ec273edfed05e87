// count-aggregation rewrites in TypeScript/JavaScript (better-sqlite3): an object literal of COUNTs and consecutive
// declarations become one prepared query whose row is read under the same names. The patched files type-check
// (repo's tsc, a stub for better-sqlite3), and the original and patched modules, run against the same sql.js
// database through a better-sqlite3-shaped wrapper, return the same values on an empty and a filled database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import ts from 'typescript';
import type { Database as SqlJsDatabase } from 'sql.js';
import { analyze, applyFix, copyFixture, removeWorkspace, where } from '../helpers/workspace';
import { loadSqlJs } from '../../server/engine/schema/sqlite';
import type { AnalysisResult } from '../../server/engine/types';

function counts(result: AnalysisResult): string[] {
  return result.findings.filter((finding) => finding.ruleId === 'count-aggregation').map((finding) => `${where(result, finding)} ${finding.fixes.length}`);
}

/** Applies the first offered count-aggregation fix until none is left; returns how many were applied. */
async function applyAll(root: string): Promise<number> {
  for (let applied = 0; ; applied++) {
    const result = await analyze(root);
    const fixable = result.findings.find((finding) => finding.ruleId === 'count-aggregation' && finding.fixes.length > 0);
    if (!fixable) return applied;
    applyFix(root, fixable.fixes[0]);
  }
}

/** better-sqlite3's `prepare(sql).get(…)`, `.pluck()` over sql.js. */
function betterSqlite3Like(db: SqlJsDatabase) {
  return {
    prepare(sql: string) {
      let plucked = false;
      const statement = {
        pluck() {
          plucked = true;
          return statement;
        },
        get(...params: Array<string | number>) {
          const prepared = db.prepare(sql);
          try {
            prepared.bind(params);
            if (!prepared.step()) return undefined;
            const row = prepared.getAsObject();
            return plucked ? Object.values(row)[0] : row;
          } finally {
            prepared.free();
          }
        },
      };
      return statement;
    },
  };
}

/** Loads a fixture module (TS transpiled) with `require('better-sqlite3')` opening `db` whatever the file name. */
function loadModule(file: string, db: SqlJsDatabase): Record<string, (...args: unknown[]) => unknown> {
  const source = fs.readFileSync(file, 'utf8');
  const code = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 } }).outputText;
  const module = { exports: {} as Record<string, (...args: unknown[]) => unknown> };
  const fakeRequire = (name: string) => {
    assert.equal(name, 'better-sqlite3');
    const open = function Database() {
      return betterSqlite3Like(db);
    };
    return Object.assign(open, { default: open });
  };
  new Function('require', 'module', 'exports', code)(fakeRequire, module, module.exports);
  return module.exports;
}

function values(root: string, db: SqlJsDatabase) {
  const dashboard = loadModule(path.join(root, 'src/dashboard.ts'), db);
  const report = loadModule(path.join(root, 'src/report.js'), db);
  const handle = betterSqlite3Like(db);
  return {
    promptStats: dashboard.promptStats(handle),
    ownerCounts: dashboard.ownerCounts(handle, 7),
    mixedTables: dashboard.mixedTables(handle),
    sessionReport: report.sessionReport(handle),
    misread: report.misread(handle),
    all: report.all,
    ok: report.ok,
  };
}

function fill(db: SqlJsDatabase): void {
  const statuses = ['pending', 'done', 'failed', 'other', 'pending'];
  for (let i = 0; i < 40; i++) {
    db.run('INSERT INTO prompts (content, status, owner_id) VALUES (?, ?, ?)', [`p${i}`, statuses[i % statuses.length], i % 3 === 0 ? 7 : 8]);
    db.run('INSERT INTO sessions (name, status) VALUES (?, ?)', [`s${i}`, ['idle', 'busy', 'gone'][i % 3]]);
    db.run('INSERT INTO runs (ok) VALUES (?)', [i % 4 === 0 ? 0 : 1]);
  }
}

function typeCheck(root: string): void {
  const tsc = require.resolve('typescript/bin/tsc');
  const args = ['--noEmit', '--strict', '--target', 'es2020', '--module', 'commonjs', '--skipLibCheck'];
  execFileSync(process.execPath, [tsc, ...args, path.join(root, 'src/dashboard.ts'), path.join(root, 'types/better-sqlite3.d.ts')], { encoding: 'utf8' });
}

test('better-sqlite3 COUNTs: object literal, consecutive declarations (TS and JS) rewritten; other tables and misread columns left alone', async (t) => {
  const root = copyFixture('ts-count');
  const original = copyFixture('ts-count');
  t.after(() => {
    removeWorkspace(root);
    removeWorkspace(original);
  });
  typeCheck(original);
  const before = await analyze(root);
  // mixedTables counts two tables: never merged. misread reads `.n` of a column named c: no fix.
  assert.deepEqual(counts(before), [
    'src/dashboard.ts:5:26 count-aggregation 1',
    'src/dashboard.ts:14:25 count-aggregation 1',
    'src/report.js:4:24 count-aggregation 1',
    'src/report.js:8:27 count-aggregation 1',
    'src/report.js:15:27 count-aggregation 0',
  ]);
  const titles = before.findings.filter((finding) => finding.ruleId === 'count-aggregation').flatMap((finding) => finding.fixes.map((fix) => fix.title));
  assert.deepEqual(titles, [
    'Count prompts in one query (3 COUNTs → promptsCounts), same keys',
    'Count prompts in one query (open, closed)',
    'Count runs in one query (all, ok)',
    'Count sessions in one query (idle, busy)',
  ]);

  assert.equal(await applyAll(root), 4);
  const after = await analyze(root);
  assert.deepEqual(counts(after), ['src/report.js:18:27 count-aggregation 0']);
  assert.equal(await applyAll(root), 0, 'idempotent: nothing more to rewrite');

  const dashboard = fs.readFileSync(path.join(root, 'src/dashboard.ts'), 'utf8');
  assert.ok(
    dashboard.includes(`export function promptStats(db: Database) {
  const promptsCounts = db.prepare(\`
    SELECT
      COUNT(CASE WHEN status = 'pending' THEN 1 END) AS pending,
      COUNT(CASE WHEN status = 'done' THEN 1 END) AS done,
      COUNT(CASE WHEN status = 'failed' THEN 1 END) AS failed
    FROM prompts
  \`).get() as { pending: number; done: number; failed: number };
  const stats = {
    pending: promptsCounts.pending,
    done: promptsCounts.done as number,
    failed: promptsCounts.failed,
  };
  return stats;
}`),
    dashboard,
  );
  assert.ok(
    dashboard.includes(`  // Counts of one owner's prompts by state.
  let { open, closed } = db.prepare(\`
    SELECT
      COUNT(CASE WHEN status = 'pending' THEN 1 END) AS open,
      COUNT(CASE WHEN status = 'done' THEN 1 END) AS closed
    FROM prompts
    WHERE owner_id = ?
  \`).get(ownerId) as { open: number; closed: number };
  return { open, closed };`),
    dashboard,
  );
  const report = fs.readFileSync(path.join(root, 'src/report.js'), 'utf8');
  // One line in the original quotes (the reserved alias escaped), no type assertion in JavaScript.
  assert.ok(report.includes(`const { all, ok } = db.prepare('SELECT COUNT(*) AS "all", COUNT(CASE WHEN ok THEN 1 END) AS ok FROM runs').get();\n\nfunction`), report);
  assert.ok(
    report.includes(`  const { idle, busy } = db.prepare(\`
    SELECT
      COUNT(CASE WHEN status = 'idle' THEN 1 END) AS idle,
      COUNT(CASE WHEN status = 'busy' THEN 1 END) AS busy
    FROM sessions
  \`).get();
  return { idle, busy };`),
    report,
  );
  typeCheck(root);

  // Same values from the original and the patched modules, on empty tables (0, not null) and on filled ones.
  const SQL = await loadSqlJs();
  const schema = fs.readFileSync(path.join(original, 'migrations/001_init.sql'), 'utf8');
  const db = new SQL.Database();
  t.after(() => db.close());
  db.run(schema);
  const empty = values(original, db);
  assert.deepEqual(empty.promptStats, { pending: 0, done: 0, failed: 0 });
  assert.deepEqual(empty.misread, { gone: undefined, left: undefined });
  assert.deepEqual(values(root, db), empty);
  fill(db);
  const filled = values(original, db);
  assert.deepEqual(filled.promptStats, { pending: 16, done: 8, failed: 8 });
  assert.deepEqual(filled.ownerCounts, { open: 6, closed: 3 });
  assert.deepEqual([filled.all, filled.ok], [40, 30]);
  assert.deepEqual(values(root, db), filled);
});

test('CRLF files keep their line endings; a name already taken gets a suffix', async (t) => {
  const root = copyFixture('ts-count');
  t.after(() => removeWorkspace(root));
  const file = path.join(root, 'src/dashboard.ts');
  const text = fs.readFileSync(file, 'utf8').replace('  const stats = {', '  const promptsCounts = 1;\n  const stats = {');
  fs.writeFileSync(file, text.replace(/\n/g, '\r\n'));
  await applyAll(root);
  const patched = fs.readFileSync(file, 'utf8');
  assert.equal(patched.replace(/\r\n/g, '').includes('\n'), false);
  assert.ok(patched.includes('  const promptsCounts2 = db.prepare(`\r\n    SELECT\r\n'), patched);
  assert.ok(patched.includes('    pending: promptsCounts2.pending,\r\n'), patched);
});
