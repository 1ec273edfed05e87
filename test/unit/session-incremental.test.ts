// An edit that leaves the call graph alone re-checks only the edited file and the files whose workload findings
// point into it, and the server republishes only the files the session names. Both must give exactly what a fresh
// analysis of the same texts gives, and name every file whose findings changed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AnalysisSession, analyzeWorkspace } from '../../server/engine/analyze';
import { DEFAULT_CONFIG } from '../../server/engine/config';
import type { Finding } from '../../server/engine/types';
import { generateWorkspace } from '../../bench/generate';
import { clockVersionNow, clockVersionsAsNow, copyFixture, FIXTURES, QUERY_FILE_WORKSPACE, removeWorkspace, writeWorkspace } from '../helpers/workspace';

/** Migration versions from here on are the clock's; see `clockVersionsAsNow`. */
const TESTS_STARTED = clockVersionNow();

/** A finding as text (new migrations' versions read `<now>`). */
function view(finding: Finding): string {
  const related = finding.related.map((location) => `${location.file}@${location.range.start}-${location.range.end} ${location.message}`);
  const fixes = finding.fixes.map((fix) => `${fix.title}: ${JSON.stringify(fix.edits)}`);
  const text = `${finding.file}@${finding.range.start}-${finding.range.end} ${finding.ruleId} ${finding.message} | ${related.join('; ')} | ${fixes.join('; ')}`;
  return clockVersionsAsNow(text, TESTS_STARTED);
}

/** Every file's findings, as an editor that published them all would show them. */
function shown(session: AnalysisSession): Map<string, string[]> {
  return new Map(session.files().map((file) => [file, session.findingsFor(file).map(view)]));
}

async function freshView(root: string): Promise<Map<string, string[]>> {
  const fresh = await AnalysisSession.open(root, DEFAULT_CONFIG);
  try {
    return shown(fresh);
  } finally {
    fresh.close();
  }
}

/**
 * Applies `text` to `file` in the session and on disk, then checks the session against a fresh analysis and checks
 * that every other file whose findings changed is one the session named.
 */
async function editAndCompare(session: AnalysisSession, root: string, file: string, text: string): Promise<{ changedElsewhere: string[] }> {
  const before = shown(session);
  const { schemaChanged } = await session.updateFile(file, text);
  fs.writeFileSync(path.join(root, file), text);
  const after = shown(session);
  assert.deepEqual(after, await freshView(root), `${file}: the session differs from a fresh analysis`);
  const changedElsewhere = [...new Set([...before.keys(), ...after.keys()])].filter(
    (other) => other !== file && JSON.stringify(before.get(other) ?? []) !== JSON.stringify(after.get(other) ?? []),
  );
  const affected = session.lastUpdateAffected;
  if (!schemaChanged && affected !== 'all') {
    for (const other of changedElsewhere) assert.ok(affected.has(other), `${other} changed after editing ${file} but was not named`);
  }
  return { changedElsewhere };
}

/** Edits that keep the call graph: a comment line on top (every offset moves) and one more space inside a query. */
function callGraphKeepingEdits(session: AnalysisSession, file: string, text: string): string[] {
  const comment = file.endsWith('.py') ? '# edited\n' : '// edited\n';
  const edits = [comment + text];
  const query = session.factsOf(file)?.statements.find((statement) => statement.role === 'query' && !statement.dynamic);
  const select = query ? text.slice(query.range.start, query.range.end).search(/SELECT /i) : -1;
  if (query && select >= 0) {
    const at = query.range.start + select + 'SELECT '.length;
    edits.push(`${text.slice(0, at)} ${text.slice(at)}`);
  }
  return edits;
}

const WORKLOAD_FIXTURES: Array<{ fixture: string; files: string[] }> = [
  { fixture: 'seed000-workload', files: [] },
  { fixture: 'seed001-workload', files: [] },
  { fixture: 'seed003-workload', files: [] },
  { fixture: 'ts-workload', files: [] },
  { fixture: 'rust-rusqlite', files: [] },
];

describe('editing one file (language server)', () => {
  for (const { fixture } of WORKLOAD_FIXTURES) {
    it(`${fixture}: findings after each edit equal a fresh analysis, and every other changed file is named`, async () => {
      const root = copyFixture(fixture);
      const session = await AnalysisSession.open(root, DEFAULT_CONFIG);
      try {
        shown(session); // as the server does on start: every cache filled
        const hosts = session.files().filter((file) => /\.(?:py|ts|js|rs)$/.test(file) && session.factsOf(file)?.workload);
        assert.ok(hosts.length > 0, 'the fixture has host files with workload facts');
        let edits = 0;
        for (const file of hosts) {
          const original = fs.readFileSync(path.join(root, file), 'utf8');
          for (const edited of callGraphKeepingEdits(session, file, original)) {
            await editAndCompare(session, root, file, edited);
            await editAndCompare(session, root, file, original);
            edits++;
          }
        }
        assert.ok(edits >= hosts.length);
      } finally {
        session.close();
        removeWorkspace(root);
      }
    });
  }

  it('a helper that stops querying moves the n-plus-one finding out of its callers, and they are named', async () => {
    const root = copyFixture('seed001-workload');
    const session = await AnalysisSession.open(root, DEFAULT_CONFIG);
    try {
      shown(session);
      const nPlusOneFiles = new Set(session.files().filter((file) => session.findingsFor(file).some((finding) => finding.ruleId === 'n-plus-one')));
      // The query's file: where the loop's chain ends.
      const target = session
        .files()
        .flatMap((file) => session.findingsFor(file))
        .find((finding) => finding.ruleId === 'n-plus-one' && finding.related.some((location) => location.file !== finding.file));
      assert.ok(target, 'the fixture has an n-plus-one finding through another file');
      const queryLocation = target.related[target.related.length - 1];
      const text = fs.readFileSync(path.join(root, queryLocation.file), 'utf8');
      const statementText = text.slice(queryLocation.range.start, queryLocation.range.end);
      // The helper now only builds a string: no query, so no chain and no finding in the loop's file.
      const edited = `${text.slice(0, queryLocation.range.start)}${JSON.stringify('not sql')}${text.slice(queryLocation.range.end)}`;
      assert.notEqual(statementText, '"not sql"');
      const { changedElsewhere } = await editAndCompare(session, root, queryLocation.file, edited);
      assert.ok(changedElsewhere.includes(target.file), 'the loop file lost its finding');
      assert.ok(nPlusOneFiles.has(target.file));
      await editAndCompare(session, root, queryLocation.file, text);
    } finally {
      session.close();
      removeWorkspace(root);
    }
  });

  it('typing in a query of the large generated file, as the benchmark does, keeps every file as a fresh analysis sees it', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-incremental-'));
    try {
      const generated = generateWorkspace(root, { files: 80, queries: 200, tables: 10, largeFileLines: 600 });
      const large = generated.largeFile!;
      const session = await AnalysisSession.open(root, DEFAULT_CONFIG);
      try {
        shown(session);
        const original = fs.readFileSync(path.join(root, large.file), 'utf8');
        const scan = `${original.slice(0, large.editOffset)}email = ?${original.slice(large.editOffset + 'id = ?'.length)}`;
        assert.equal(original.slice(large.editOffset, large.editOffset + 'id = ?'.length), 'id = ?');
        for (const text of [scan, original, scan]) {
          await editAndCompare(session, root, large.file, text);
          assert.notEqual(session.lastUpdateAffected, 'all', 'a query edit is not a schema change');
        }
      } finally {
        session.close();
      }
    } finally {
      removeWorkspace(root);
    }
  });

  it('a query that starts needing an index rewords the advice of other files on the same table, and they are named', async () => {
    const query = (where: string) => `import sqlite3\n\ndef load(conn, value):\n    return conn.execute("SELECT name FROM users WHERE ${where}", (value,)).fetchall()\n`;
    const root = writeWorkspace('incremental', {
      'migrations/001_users.sql': 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, status TEXT NOT NULL, name TEXT);\n',
      'other.py': query("email = ? AND status = 'active'"),
      'edited.py': query('id = ?'),
    });
    try {
      const session = await AnalysisSession.open(root, DEFAULT_CONFIG);
      try {
        const before = shown(session);
        assert.equal(before.get('edited.py')?.length, 0);
        const { changedElsewhere } = await editAndCompare(session, root, 'edited.py', query('email = ?'));
        assert.deepEqual(changedElsewhere, ['other.py'], 'the other file now names the query it shares the index with');
        assert.match(shown(session).get('other.py')?.join('\n') ?? '', /also serves 1 other query on users/);
        await editAndCompare(session, root, 'edited.py', query('id = ?'));
      } finally {
        session.close();
      }
    } finally {
      removeWorkspace(root);
    }
  });

  it('a .sql file read by query_file! that stops being analysed hands its finding back to the Rust call', async () => {
    const root = writeWorkspace('incremental', QUERY_FILE_WORKSPACE);
    try {
      const session = await AnalysisSession.open(root, DEFAULT_CONFIG);
      try {
        assert.deepEqual(shown(session).get('src/lib.rs'), []);
        const { schemaChanged } = await session.updateFile('queries/by_email.sql', undefined);
        assert.equal(schemaChanged, false);
        assert.ok(session.lastUpdateAffected !== 'all' && session.lastUpdateAffected.has('src/lib.rs'));
        assert.deepEqual(session.findingsFor('src/lib.rs').map((finding) => finding.ruleId), ['missing-index']);
      } finally {
        session.close();
      }
    } finally {
      removeWorkspace(root);
    }
  });

  it('a helper that starts querying gives a loop elsewhere, which pointed nowhere before, its n-plus-one finding', async () => {
    const helper = (body: string) => `import sqlite3\n\ndef ping(conn):\n    conn.execute("SELECT 1")\n\ndef load(conn, key):\n    ${body}\n`;
    const root = writeWorkspace('incremental', {
      'migrations/001_users.sql': 'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n',
      'app/helpers.py': helper('return key'),
      'app/jobs.py': 'import sqlite3\nfrom app.helpers import load\n\ndef run(conn, keys):\n    conn.execute("SELECT 1")\n    for key in keys:\n        load(conn, key)\n',
    });
    try {
      const session = await AnalysisSession.open(root, DEFAULT_CONFIG);
      try {
        assert.deepEqual(shown(session).get('app/jobs.py'), []);
        const querying = helper('return conn.execute("SELECT name FROM users WHERE id = ?", (key,)).fetchone()');
        const { changedElsewhere } = await editAndCompare(session, root, 'app/helpers.py', querying);
        assert.deepEqual(changedElsewhere, ['app/jobs.py']);
        assert.deepEqual(session.findingsFor('app/jobs.py').map((finding) => finding.ruleId), ['n-plus-one']);
      } finally {
        session.close();
      }
    } finally {
      removeWorkspace(root);
    }
  });
});

describe('one-off runs', () => {
  it('report what a kept session shows, though they drop the workload facts before planning', async () => {
    let workloadFindings = 0;
    for (const fixture of fs.readdirSync(FIXTURES)) {
      const root = path.join(FIXTURES, fixture);
      const oneOff = await analyzeWorkspace({ root, paths: [], config: DEFAULT_CONFIG });
      const kept = [...(await freshView(root)).values()].flat().sort();
      assert.deepEqual(oneOff.findings.map(view).sort(), kept, fixture);
      workloadFindings += oneOff.findings.filter((finding) => ['n-plus-one', 'write-in-loop', 'count-aggregation', 'pragma-config'].includes(finding.ruleId)).length;
    }
    assert.ok(workloadFindings >= 10, `${workloadFindings} workload findings over the fixtures`);
  });

  it('with the index rules off, report everything else as before (nothing is parsed ahead)', async () => {
    const indexRules = ['missing-index', 'incomplete-index', 'temp-sort'];
    let kept = 0;
    for (const fixture of ['seed001', 'seed004', 'seed001-workload', 'ts-count']) {
      const root = path.join(FIXTURES, fixture);
      const all = await analyzeWorkspace({ root, paths: [], config: DEFAULT_CONFIG });
      const rules = Object.fromEntries(indexRules.map((id) => [id, 'off' as const]));
      const without = await analyzeWorkspace({ root, paths: [], config: { ...DEFAULT_CONFIG, rules } });
      const expected = all.findings.filter((finding) => !indexRules.includes(finding.ruleId));
      assert.deepEqual(without.findings.map(view), expected.map(view), fixture);
      assert.ok(all.findings.length > expected.length, `${fixture} has index findings to turn off`);
      kept += expected.length;
    }
    assert.ok(kept > 0, 'some findings of other rules remain');
  });

  it('a session whose workload facts were released refuses updates instead of answering from half its facts', async () => {
    const root = copyFixture('seed001-workload');
    try {
      const session = await AnalysisSession.open(root, DEFAULT_CONFIG);
      try {
        const before = session.files().flatMap((file) => session.findingsFor(file).map(view));
        session.releaseWorkloadFacts();
        assert.deepEqual(session.files().flatMap((file) => session.findingsFor(file).map(view)), before);
        assert.ok(session.files().every((file) => session.factsOf(file)?.workload === undefined));
        await assert.rejects(session.updateFile(session.files()[0], ''), /released/);
      } finally {
        session.close();
      }
    } finally {
      removeWorkspace(root);
    }
  });
});
