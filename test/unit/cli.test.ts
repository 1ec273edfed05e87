import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli, type CliEngine, type CliIo, type ExplainOptions } from '../../server/cli/main';
import { formatText } from '../../server/cli/format/text';
import { buildJsonReport } from '../../server/cli/format/json';
import type { AnalyzeOptions, ExplainReport } from '../../server/engine/analyzeTypes';
import type { AnalysisResult, Finding, Note } from '../../server/engine/types';

const tempRoot = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-cli-')));
after(() => fs.rmSync(tempRoot, { recursive: true, force: true }));

const PY = `import sqlite3

def count_children(conn, parent):
    return conn.execute(
        "SELECT COUNT(*) FROM sessions WHERE parent_session_id = ? AND archived = 0", (parent,)
    ).fetchone()
`;
const SQL = 'CREATE TABLE sessions (id INTEGER PRIMARY KEY, parent_session_id TEXT, archived INTEGER);\r\nCREATE INDEX idx_parent ON sessions (parent_session_id);\r\n';
const PY_QUERY = '"SELECT COUNT(*) FROM sessions WHERE parent_session_id = ? AND archived = 0"';
const INDEX_DDL = 'CREATE INDEX idx_parent ON sessions (parent_session_id)';

function rangeOf(text: string, needle: string) {
  const start = text.indexOf(needle);
  assert.ok(start >= 0, needle);
  return { start, end: start + needle.length };
}

function finding(overrides: Partial<Finding> & Pick<Finding, 'ruleId' | 'severity' | 'file' | 'range' | 'message'>): Finding {
  return { related: [], fixes: [], tags: [], ...overrides };
}

const incomplete = finding({
  ruleId: 'incomplete-index',
  severity: 'warning',
  file: 'app/db.py',
  range: rangeOf(PY, PY_QUERY),
  message: 'sessions: index idx_parent is used for parent_session_id, but archived = ? is filtered after the seek',
  table: 'sessions',
  planBefore: ['SEARCH sessions USING INDEX idx_parent (parent_session_id=?)'],
  planAfter: ['SEARCH sessions USING COVERING INDEX idx_sessions_parent_archived (parent_session_id=? AND archived=?)'],
  related: [{ file: 'db/schema.sql', range: rangeOf(SQL, INDEX_DDL), message: 'existing index idx_parent' }],
  fixes: [
    {
      title: 'Add index idx_sessions_parent_archived ON sessions(parent_session_id, archived) in db/schema.sql',
      edits: [
        {
          kind: 'replace',
          file: 'db/schema.sql',
          range: { start: SQL.length, end: SQL.length },
          newText: 'CREATE INDEX IF NOT EXISTS idx_sessions_parent_archived ON sessions (parent_session_id, archived);\r\n',
        },
      ],
    },
  ],
});
const redundant = finding({
  ruleId: 'redundant-index',
  severity: 'info',
  file: 'db/schema.sql',
  range: rangeOf(SQL, INDEX_DDL),
  message: 'idx_parent is a prefix of idx_sessions_parent_archived',
  tags: ['unnecessary'],
});
const scan = finding({ ruleId: 'missing-index', severity: 'warning', file: 'app/db.py', range: { start: 0, end: 6 }, message: 'Full scan' });

const NOTES: Note[] = [
  { level: 'warning', file: 'legacy/latin1.sql', message: 'skipped: not valid UTF-8 (Latin-1 or another legacy encoding?)' },
  { level: 'info', file: 'pg/schema.sql', message: 'skipped: PostgreSQL dialect' },
  { level: 'error', message: 'schema: near "CREAT": syntax error' },
];

/** A workspace folder holding planlens.json and the two files the findings point into. */
function workspace(config = '{}'): string {
  const root = fs.mkdtempSync(path.join(tempRoot, 'ws-'));
  fs.writeFileSync(path.join(root, 'planlens.json'), config);
  fs.mkdirSync(path.join(root, 'app'));
  fs.mkdirSync(path.join(root, 'db'));
  fs.writeFileSync(path.join(root, 'app', 'db.py'), PY);
  fs.writeFileSync(path.join(root, 'db', 'schema.sql'), SQL);
  return root;
}

function result(root: string, findings: Finding[], notes: Note[] = []): AnalysisResult {
  return {
    root,
    findings,
    notes,
    files: ['app/db.py', 'db/schema.sql', 'app/other.py'],
    texts: new Map([
      ['app/db.py', PY],
      ['db/schema.sql', SQL],
    ]),
  };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  analyzeCalls: AnalyzeOptions[];
  explainCalls: ExplainOptions[];
}

async function run(
  argv: string[],
  options: { cwd: string; analysis?: (o: AnalyzeOptions) => AnalysisResult | Promise<AnalysisResult>; explanation?: ExplainReport } & Partial<CliIo>,
): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const analyzeCalls: AnalyzeOptions[] = [];
  const explainCalls: ExplainOptions[] = [];
  const engine: CliEngine = {
    async analyzeWorkspace(o) {
      analyzeCalls.push(o);
      if (!options.analysis) throw new Error('analyzeWorkspace was not expected');
      return options.analysis(o);
    },
    async explainQuery(o) {
      explainCalls.push(o);
      if (!options.explanation) throw new Error('explainQuery was not expected');
      return options.explanation;
    },
  };
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    cwd: options.cwd,
    isTTY: options.isTTY ?? false,
    stderrIsTTY: options.stderrIsTTY,
    env: options.env ?? {},
  };
  const code = await runCli(argv, io, engine);
  return { code, stdout, stderr, analyzeCalls, explainCalls };
}

// ---------------------------------------------------------------------------------------------
// check: text output and exit codes

test('findings: compiler-style lines sorted by file and position, summary, exit 1', async () => {
  const root = workspace();
  const out = await run(['check'], { cwd: root, analysis: () => result(root, [redundant, incomplete, scan]) });
  assert.equal(out.code, 1);
  assert.equal(
    out.stdout,
    [
      'app/db.py:1:1 warning Full scan [missing-index]',
      'app/db.py:5:9 warning sessions: index idx_parent is used for parent_session_id, but archived = ? is filtered after the seek [incomplete-index]',
      'db/schema.sql:2:1 info idx_parent is a prefix of idx_sessions_parent_archived [redundant-index]',
      '',
      '3 findings (2 warnings, 1 info) in 2 files.',
      '',
    ].join('\n'),
  );
  assert.equal(out.stderr, '');
  assert.deepEqual(out.analyzeCalls.map((call) => [call.root, call.paths, call.config.defaultRowCount]), [[root, [], 1000000]]);
});

test('no findings: exit 0 and the file count', async () => {
  const root = workspace();
  const out = await run(['check', '.'], { cwd: root, analysis: () => result(root, []) });
  assert.equal(out.code, 0);
  assert.equal(out.stdout, 'No findings in 3 files.\n');
  assert.equal(out.analyzeCalls[0].paths.length, 0, 'naming the root means the whole workspace');
});

test('every severity counts for the exit code; singular words in the summary', async () => {
  const root = workspace();
  const hint = { ...redundant, severity: 'hint' as const };
  const out = await run(['check'], { cwd: root, analysis: () => result(root, [hint]) });
  assert.equal(out.code, 1);
  assert.equal(out.stdout.split('\n').at(-2), '1 finding (1 hint) in 1 file.');
});

test('notes: errors always on stderr, the rest only with --verbose', async () => {
  const root = workspace();
  const quiet = await run(['check'], { cwd: root, analysis: () => result(root, [], NOTES) });
  assert.equal(
    quiet.stderr,
    'error: schema: near "CREAT": syntax error\n1 warning about skipped input not shown; run with --verbose to see them.\n',
  );
  const verbose = await run(['check', '--verbose'], { cwd: root, analysis: () => result(root, [], NOTES) });
  assert.equal(
    verbose.stderr,
    [
      'legacy/latin1.sql: warning: skipped: not valid UTF-8 (Latin-1 or another legacy encoding?)',
      'pg/schema.sql: info: skipped: PostgreSQL dialect',
      'error: schema: near "CREAT": syntax error',
      '',
    ].join('\n'),
  );
});

test('--verbose adds plans, related locations and fixes under the finding', async () => {
  const root = workspace();
  const out = await run(['check', '--verbose'], { cwd: root, analysis: () => result(root, [incomplete]) });
  assert.equal(
    out.stdout,
    [
      'app/db.py:5:9 warning sessions: index idx_parent is used for parent_session_id, but archived = ? is filtered after the seek [incomplete-index]',
      '    plan before:',
      '      SEARCH sessions USING INDEX idx_parent (parent_session_id=?)',
      '    plan after:',
      '      SEARCH sessions USING COVERING INDEX idx_sessions_parent_archived (parent_session_id=? AND archived=?)',
      '    related: db/schema.sql:2:1 existing index idx_parent',
      '    fix: Add index idx_sessions_parent_archived ON sessions(parent_session_id, archived) in db/schema.sql',
      '',
      '1 finding (1 warning) in 1 file.',
      '',
    ].join('\n'),
  );
});

test('colors on a terminal only, and never with --no-color or NO_COLOR', async () => {
  const root = workspace();
  const analysis = () => result(root, [scan]);
  const colored = await run(['check'], { cwd: root, analysis, isTTY: true });
  assert.equal(colored.stdout.split('\n')[0], 'app/db.py:1:1 \x1b[33mwarning\x1b[0m Full scan [missing-index]');
  for (const out of [
    await run(['check', '--no-color'], { cwd: root, analysis, isTTY: true }),
    await run(['check'], { cwd: root, analysis, isTTY: true, env: { NO_COLOR: '1' } }),
    await run(['check'], { cwd: root, analysis, isTTY: false }),
  ]) {
    assert.equal(out.stdout.split('\n')[0], 'app/db.py:1:1 warning Full scan [missing-index]');
  }
});

test('the root is the nearest folder with planlens.json; printed paths are relative to the current folder', async () => {
  const root = workspace();
  const cwd = path.join(root, 'app');
  const out = await run(['check', 'db.py'], { cwd, analysis: () => result(root, [scan]) });
  assert.equal(out.analyzeCalls[0].root, root);
  assert.deepEqual(out.analyzeCalls[0].paths, [path.join(cwd, 'db.py')]);
  assert.equal(out.stdout.split('\n')[0], 'db.py:1:1 warning Full scan [missing-index]');
});

test('without planlens.json the root is the current folder', async () => {
  const cwd = fs.mkdtempSync(path.join(tempRoot, 'bare-'));
  fs.mkdirSync(path.join(cwd, 'src'));
  const out = await run(['check', 'src'], { cwd, analysis: () => ({ ...result(cwd, []), files: [] }) });
  assert.equal(out.analyzeCalls[0].root, cwd);
  assert.deepEqual(out.analyzeCalls[0].paths, [path.join(cwd, 'src')]);
  assert.equal(out.stdout, 'No findings in 0 files.\n');
});

test('--config is resolved against the current folder and its values reach the engine', async () => {
  const root = workspace();
  fs.writeFileSync(path.join(root, 'app', 'strict.json'), '{"defaultRowCount": 77, "rules": {"temp-sort": "off"}}');
  const out = await run(['check', '--config', 'strict.json'], { cwd: path.join(root, 'app'), analysis: () => result(root, []) });
  assert.equal(out.code, 0);
  assert.equal(out.analyzeCalls[0].config.defaultRowCount, 77);
  assert.deepEqual(out.analyzeCalls[0].config.rules, { 'temp-sort': 'off' });
});

test('--output writes the report to a file (creating folders) and keeps stdout empty', async () => {
  const root = workspace();
  const out = await run(['check', '--format', 'json', '--output', 'reports/planlens.json'], {
    cwd: root,
    analysis: () => result(root, [scan]),
    isTTY: true,
  });
  assert.equal(out.code, 1);
  assert.equal(out.stdout, '');
  const written = JSON.parse(fs.readFileSync(path.join(root, 'reports', 'planlens.json'), 'utf8'));
  assert.equal(written.findings[0].ruleId, 'missing-index');
});

test('--output replaces a longer earlier report whole, and a path it cannot write is a usage error', async () => {
  const root = workspace();
  const target = path.join(root, 'reports', 'planlens.json');
  await run(['check', '--format', 'sarif', '--output', 'reports/planlens.json'], { cwd: root, analysis: () => result(root, [scan]) });
  const longer = fs.readFileSync(target, 'utf8');
  const out = await run(['check', '--format', 'sarif', '--output', 'reports/planlens.json'], { cwd: root, analysis: () => result(root, []) });
  assert.equal(out.code, 0);
  const shorter = fs.readFileSync(target, 'utf8');
  assert.ok(shorter.length < longer.length);
  assert.deepEqual(JSON.parse(shorter).runs[0].results, []);
  const blocked = await run(['check', '--format', 'json', '--output', 'reports'], { cwd: root, analysis: () => result(root, [scan]) });
  assert.equal(blocked.code, 2);
  assert.match(blocked.stderr, /cannot write .*reports/);
});

test('progress on a terminal stderr, cleared at the end; nothing when stderr is not a terminal', async () => {
  const root = workspace();
  const analysis = (options: AnalyzeOptions) => {
    options.onProgress?.(0, 1204);
    options.onProgress?.(120, 1204); // within 50 ms of the last draw: skipped
    options.onProgress?.(1204, 1204); // the last one is always drawn
    return result(root, []);
  };
  const tty = await run(['check'], { cwd: root, analysis, stderrIsTTY: true });
  assert.equal(tty.stderr, '\r\x1b[KAnalyzing 0/1,204 files\r\x1b[KAnalyzing 1,204/1,204 files\r\x1b[K');
  const piped = await run(['check'], { cwd: root, analysis, stderrIsTTY: false, isTTY: true });
  assert.equal(piped.stderr, '');
});

test('json format through the CLI', async () => {
  const root = workspace();
  const out = await run(['check', '-f', 'json'], { cwd: root, analysis: () => result(root, [incomplete]) });
  assert.equal(out.code, 1);
  const report = JSON.parse(out.stdout);
  assert.equal(report.version, 1);
  assert.equal(report.tool.name, 'PlanLens');
  assert.equal(report.root, root);
  assert.equal(report.findings[0].startLine, 5);
});

test('sarif format through the CLI', async () => {
  const root = workspace();
  const out = await run(['check', '--format=sarif'], { cwd: root, analysis: () => result(root, [incomplete]) });
  assert.equal(out.code, 1);
  const log = JSON.parse(out.stdout);
  assert.equal(log.version, '2.1.0');
  assert.equal(log.runs[0].results[0].locations[0].physicalLocation.region.startLine, 5);
});

// ---------------------------------------------------------------------------------------------
// usage, config and internal errors

async function assertUsageError(argv: string[], cwd: string, expectedMessage: string): Promise<void> {
  const out = await run(argv, { cwd });
  assert.equal(out.code, 2, argv.join(' '));
  assert.equal(out.stdout, '');
  assert.equal(out.stderr, `planlens: ${expectedMessage}\nRun 'planlens --help' for usage.\n`, argv.join(' '));
  assert.equal(out.analyzeCalls.length + out.explainCalls.length, 0);
}

test('usage errors: exit 2, one line and a hint, no stack trace, engine untouched', async () => {
  const root = workspace();
  await assertUsageError(['check', '--fromat', 'json'], root, "Unknown option '--fromat'");
  await assertUsageError(['check', '--format', 'xml'], root, "unknown format 'xml' (expected text, json, sarif)");
  await assertUsageError(['check', '--format'], root, "Option '-f, --format <value>' argument missing");
  await assertUsageError(['check', 'nope/'], root, 'no such file or folder: nope/');
  await assertUsageError(['lint'], root, "unknown command 'lint'");
  await assertUsageError(['check', '.', path.dirname(root)], root, `${path.dirname(root)} is outside the workspace root ${root}`);
  await assertUsageError(['explain'], root, 'explain needs FILE:LINE, FILE --line N or --sql "SELECT ..."');
  await assertUsageError(['explain', 'app/db.py'], root, 'explain needs a line: app/db.py:LINE or app/db.py --line N');
  await assertUsageError(['explain', 'app/db.py:0'], root, "line must be a positive number, got '0'");
  await assertUsageError(['explain', 'app/db.py', '--line', 'x'], root, "line must be a positive number, got 'x'");
  await assertUsageError(['explain', 'app/gone.py:3'], root, 'no such file: app/gone.py');
  await assertUsageError(['explain', '--sql', 'SELECT 1', 'app/db.py:3'], root, 'explain takes either --sql or FILE:LINE, not both');
  await assertUsageError(['explain', '--sql', '  '], root, '--sql is empty');
});

test('no command prints usage on stderr with exit 2; --help on stdout with exit 0', async () => {
  const root = workspace();
  const none = await run([], { cwd: root });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /^Usage: planlens <command>/);
  for (const argv of [['--help'], ['-h'], ['help'], ['check', '--help'], ['explain', '-h']]) {
    const help = await run(argv, { cwd: root });
    assert.equal(help.code, 0, argv.join(' '));
    assert.match(help.stdout, /^Usage: planlens <command>/);
    assert.match(help.stdout, /Exit codes: 0 no findings, 1 findings \(of any severity\), 2 usage or config error, 3 internal error\./);
  }
});

test('--version prints the package version', async () => {
  const out = await run(['--version'], { cwd: tempRoot });
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
  assert.equal(out.code, 0);
  assert.equal(out.stdout, `${manifest.version}\n`);
});

test('config errors: exit 2 with the file and the key, no hint, engine untouched', async () => {
  const root = workspace('{"rules": {"missing-index": "loud"}}');
  const out = await run(['check'], { cwd: root });
  assert.equal(out.code, 2);
  assert.equal(
    out.stderr,
    `planlens: ${path.join(root, 'planlens.json')}: "rules.missing-index" must be one of error, warning, info, hint, off, got "loud"\n`,
  );
  assert.equal(out.analyzeCalls.length, 0);
  const missing = await run(['check', '--config', 'other.json'], { cwd: workspace() });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^planlens: cannot read config .*other\.json: file not found\n$/);
});

test('an engine crash is an internal error: exit 3, message only (stack with --verbose)', async () => {
  const root = workspace();
  const crash = () => {
    throw new TypeError('boom');
  };
  const out = await run(['check'], { cwd: root, analysis: crash, stderrIsTTY: true });
  assert.equal(out.code, 3);
  assert.equal(out.stderr, 'planlens: internal error: boom\n');
  const verbose = await run(['check', '--verbose'], { cwd: root, analysis: crash });
  assert.match(verbose.stderr, /^planlens: internal error: boom\nTypeError: boom\n\s+at /);
});

// ---------------------------------------------------------------------------------------------
// explain

const explanation: ExplainReport = {
  sql: 'SELECT COUNT(*) FROM sessions WHERE parent_session_id = ? AND archived = 0',
  location: { file: 'app/db.py', range: rangeOf(PY, PY_QUERY) },
  planBefore: ['SEARCH sessions USING INDEX idx_parent (parent_session_id=?)'],
  findings: [incomplete],
  suggestion: {
    name: 'idx_sessions_parent_archived',
    table: 'sessions',
    columns: [
      { name: 'parent_session_id', desc: false },
      { name: 'archived', desc: false },
    ],
    ddl: 'CREATE INDEX IF NOT EXISTS idx_sessions_parent_archived ON sessions (parent_session_id, archived);',
    replaces: 'idx_parent',
  },
  planAfter: ['SEARCH sessions USING COVERING INDEX idx_sessions_parent_archived (parent_session_id=? AND archived=?)'],
};

test('explain FILE:LINE passes a root-relative file and the 1-based line, and prints plan, advice and the plan after', async () => {
  const root = workspace();
  const out = await run(['explain', 'app/db.py:5'], { cwd: root, explanation });
  assert.equal(out.code, 1);
  assert.deepEqual(
    out.explainCalls.map(({ root: r, file, line, sql }) => ({ r, file, line, sql })),
    [{ r: root, file: 'app/db.py', line: 5, sql: undefined }],
  );
  assert.equal(
    out.stdout,
    [
      'Query at app/db.py:5:9:',
      '  SELECT COUNT(*) FROM sessions WHERE parent_session_id = ? AND archived = 0',
      '',
      'Plan:',
      '  SEARCH sessions USING INDEX idx_parent (parent_session_id=?)',
      '',
      'warning sessions: index idx_parent is used for parent_session_id, but archived = ? is filtered after the seek [incomplete-index]',
      '',
      'Suggested index:',
      '  CREATE INDEX IF NOT EXISTS idx_sessions_parent_archived ON sessions (parent_session_id, archived);',
      '',
      'Plan with the suggested index:',
      '  SEARCH sessions USING COVERING INDEX idx_sessions_parent_archived (parent_session_id=? AND archived=?)',
      '',
    ].join('\n'),
  );
});

test('explain FILE --line N from a subfolder is the same request', async () => {
  const root = workspace();
  const out = await run(['explain', 'db.py', '--line', '5'], { cwd: path.join(root, 'app'), explanation });
  assert.deepEqual(out.explainCalls.map(({ file, line }) => ({ file, line })), [{ file: 'app/db.py', line: 5 }]);
  assert.match(out.stdout, /^Query at db\.py:5:9:\n/);
});

test('explain --sql: a clean plan exits 0; a plan error exits 1 with SQLite\'s message', async () => {
  const root = workspace();
  const clean: ExplainReport = { sql: 'SELECT * FROM sessions WHERE id = ?', planBefore: ['SEARCH sessions USING INTEGER PRIMARY KEY (rowid=?)'], findings: [] };
  const out = await run(['explain', '--sql', clean.sql], { cwd: root, explanation: clean });
  assert.equal(out.code, 0);
  assert.equal(out.explainCalls[0].sql, clean.sql);
  assert.equal(out.explainCalls[0].file, undefined);
  assert.equal(
    out.stdout,
    'Query:\n  SELECT * FROM sessions WHERE id = ?\n\nPlan:\n  SEARCH sessions USING INTEGER PRIMARY KEY (rowid=?)\n\nNo findings: the plan looks fine.\n',
  );
  const broken: ExplainReport = { sql: 'SELECT * FROM nope', planBefore: [], findings: [], error: 'no such table: nope' };
  const failed = await run(['explain', '--sql', broken.sql], { cwd: root, explanation: broken });
  assert.equal(failed.code, 1);
  assert.equal(failed.stdout, 'Query:\n  SELECT * FROM nope\n\nSQLite cannot plan this query: no such table: nope\n');
});

// ---------------------------------------------------------------------------------------------
// formatters, directly

test('formatText: a finding in a file without text points at 1:1; multi-line messages are indented', () => {
  const lonely = finding({ ruleId: 'sql-error', severity: 'error', file: 'gone.sql', range: { start: 40, end: 50 }, message: 'no such table: x\nnear here' });
  const { stdout } = formatText({ ...result('/w', [lonely]), texts: new Map() }, { verbose: false, color: false });
  assert.equal(stdout, 'gone.sql:1:1 error no such table: x\n  near here [sql-error]\n\n1 finding (1 error) in 1 file.\n');
});

test('formatText: thousands separators in the summary', () => {
  const many = { ...result('/w', []), files: Array.from({ length: 12345 }, (_, i) => `f${i}.sql`) };
  assert.equal(formatText(many, { verbose: false, color: false }).stdout, 'No findings in 12,345 files.\n');
});

test('buildJsonReport: explicit 1-based fields, related, fixes with regions, notes and summary', () => {
  const report = buildJsonReport(result('/w', [incomplete, redundant], NOTES), '9.9.9');
  assert.deepEqual(report.tool, { name: 'PlanLens', version: '9.9.9' });
  assert.deepEqual(report.findings[0], {
    ruleId: 'incomplete-index',
    severity: 'warning',
    file: 'app/db.py',
    startLine: 5,
    startColumn: 9,
    endLine: 5,
    endColumn: 9 + PY_QUERY.length,
    message: incomplete.message,
    table: 'sessions',
    related: [{ file: 'db/schema.sql', startLine: 2, startColumn: 1, endLine: 2, endColumn: 1 + INDEX_DDL.length, message: 'existing index idx_parent' }],
    planBefore: incomplete.planBefore,
    planAfter: incomplete.planAfter,
    suggestion: undefined,
    fixes: [
      {
        title: incomplete.fixes[0].title,
        edits: [
          {
            kind: 'replace',
            file: 'db/schema.sql',
            startLine: 3,
            startColumn: 1,
            endLine: 3,
            endColumn: 1,
            newText: 'CREATE INDEX IF NOT EXISTS idx_sessions_parent_archived ON sessions (parent_session_id, archived);\r\n',
          },
        ],
      },
    ],
    tags: [],
  });
  assert.equal(report.findings[1].ruleId, 'redundant-index');
  assert.deepEqual(report.findings[1].tags, ['unnecessary']);
  assert.deepEqual(report.notes, NOTES);
  assert.deepEqual(report.summary, { findings: 2, errors: 0, warnings: 1, info: 1, hints: 0, filesWithFindings: 2, filesAnalyzed: 3 });
});

test('explain: an engine report with an error and no SQL (nothing on that line) is a usage error', async () => {
  const root = workspace();
  const nothing: ExplainReport = { sql: '', planBefore: [], findings: [], error: 'app/db.py:1: no query on this line' };
  const out = await run(['explain', 'app/db.py:1'], { cwd: root, explanation: nothing });
  assert.equal(out.code, 2);
  assert.equal(out.stdout, '');
  assert.equal(out.stderr, "planlens: app/db.py:1: no query on this line\nRun 'planlens --help' for usage.\n");
});
