// Worker threads read and parse a share of the files on cold runs: the bundled CLI must report exactly what it
// reports with the main thread alone, on the fixtures and on a generated workspace big enough for 'auto'.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateWorkspace } from '../../bench/generate';
import { clockVersionNow, clockVersionsAsNow } from '../helpers/workspace';

const REPO = path.resolve(__dirname, '../..');
const CLI = path.join(REPO, 'dist', 'cli.js');

interface Run {
  status: number | null;
  findings: unknown[];
  notes: Array<{ message: string }>;
  stderr: string;
}

const TESTS_STARTED = clockVersionNow();

function check(root: string, ...args: string[]): Run {
  const result = spawnSync(process.execPath, [CLI, 'check', root, '--format', 'json', ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  // Two runs may straddle a second, which names new migrations: see clockVersionsAsNow.
  const stdout = clockVersionsAsNow(result.stdout, TESTS_STARTED);
  const report = stdout ? (JSON.parse(stdout) as { findings: unknown[]; notes?: Array<{ message: string }> }) : { findings: [] };
  return { status: result.status, findings: report.findings, notes: report.notes ?? [], stderr: result.stderr };
}

function workerNote(run: Run): string | undefined {
  return run.notes.map((note) => note.message).find((message) => /worker threads? read and parsed/.test(message));
}

describe('parallel extraction (dist/cli.js)', () => {
  let dir: string;
  before(() => {
    assert.ok(fs.existsSync(CLI), 'run npm run build first');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-parallel-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('gives the same findings with workers as without, on every fixture', () => {
    const fixtures = path.join(REPO, 'test', 'fixtures');
    for (const fixture of fs.readdirSync(fixtures)) {
      const root = path.join(fixtures, fixture);
      const alone = check(root, '--jobs', '1');
      const shared = check(root, '--jobs', '3');
      assert.equal(shared.status, alone.status, fixture);
      assert.deepEqual(shared.findings, alone.findings, fixture);
      assert.equal(workerNote(alone), undefined);
    }
  });

  it("uses workers on its own ('auto') for a large workspace, with the same findings", () => {
    const root = path.join(dir, 'generated');
    generateWorkspace(root, { files: 700, queries: 1200, tables: 30 });
    const alone = check(root, '--jobs', '1');
    const auto = check(root);
    assert.equal(alone.status, 1);
    assert.ok(alone.findings.length > 50, `${alone.findings.length} findings`);
    assert.deepEqual(auto.findings, alone.findings);
    assert.equal(workerNote(alone), undefined);
    if (os.availableParallelism() > 1) assert.match(workerNote(auto) ?? '', /^1 worker thread read and parsed \d+ of \d+ files$/);
  });

  it('parses SQL on a second thread from 2,000 queries, not with --jobs 1, with the same findings', () => {
    const root = path.join(dir, 'many-queries');
    generateWorkspace(root, { files: 1000, queries: 2400, tables: 40 });
    const alone = check(root, '--jobs', '1');
    const auto = check(root);
    const shapeNote = (run: Run) => run.notes.map((note) => note.message).find((message) => /SQL texts for their shape/.test(message));
    assert.deepEqual(auto.findings, alone.findings);
    assert.equal(shapeNote(alone), undefined);
    assert.match(shapeNote(auto) ?? '', /^a second thread parsed \d+ SQL texts for their shape$/);
    // Below the threshold (a fixture's few queries), planning stays on the main thread.
    assert.equal(shapeNote(check(path.join(REPO, 'test', 'fixtures', fs.readdirSync(path.join(REPO, 'test', 'fixtures'))[0]))), undefined);
  });

  it('rejects a bad --jobs with a usage error', () => {
    for (const value of ['0', 'many', '1.5', '65']) {
      const run = spawnSync(process.execPath, [CLI, 'check', '.', '--jobs', value], { encoding: 'utf8', cwd: dir });
      assert.equal(run.status, 2, value);
      assert.match(run.stderr, /--jobs must be a number from 1 to 64 or 'auto'/);
    }
    // parseArgs' own complaint about a value that looks like an option: still a usage error.
    assert.equal(spawnSync(process.execPath, [CLI, 'check', '.', '--jobs', '-2'], { encoding: 'utf8', cwd: dir }).status, 2);
  });
});
