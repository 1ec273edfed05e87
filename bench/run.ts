// `npm run bench [-- --quick] [--skip-build] [--keep] [--profile]`: builds dist/, generates synthetic workspaces,
// measures the bundled CLI and language server against the targets of issue 7 next to the floor (reading and
// parsing every file, EXPLAIN of every query), prints a table and writes docs/benchmarks.md.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateWorkspace, type GeneratedWorkspace, type WorkspaceOptions } from './generate';
import type { FloorManifest, FloorResult } from './floor';
import { measureLanguageServer, type LspMeasures } from './lsp';
import { measureActivation } from './activation';
import { newestProfile, summarizeProfile, type ProfileSummary } from './profile';

const REPO = path.resolve(__dirname, '..');
const CLI = path.join(REPO, 'dist', 'cli.js');
const SERVER = path.join(REPO, 'dist', 'server.js');
const MB = 1024 * 1024;

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');

/** Sizes of the two workspaces: the issue's in a full run, a few seconds' worth with --quick. */
const SIZES = quick
  ? {
      small: { files: 300, queries: 600, tables: 30, largeFileLines: 1500 },
      large: { files: 2000, queries: 4000, tables: 80 },
      edits: 40,
    }
  : {
      small: { files: 1000, queries: 2000, tables: 60, largeFileLines: 5000 },
      large: { files: 10_000, queries: 20_000, tables: 200 },
      edits: 200,
    };

interface Target {
  measure: string;
  limit: number;
  unit: 'ms' | 'MB';
}

const TARGETS = {
  check: { measure: `cold check, ${SIZES.large.files.toLocaleString('en-US')} files / ${SIZES.large.queries.toLocaleString('en-US')} queries`, limit: 8000, unit: 'ms' },
  start: { measure: `server start → first full diagnostics, ${SIZES.small.files.toLocaleString('en-US')} files`, limit: 2000, unit: 'ms' },
  edit: { measure: `edit → diagnostics p95, ${SIZES.edits} edits in a ${SIZES.small.largeFileLines.toLocaleString('en-US')}-line file`, limit: 50, unit: 'ms' },
  memory: { measure: 'peak memory (RSS), CLI and server', limit: 300, unit: 'MB' },
  vsix: { measure: '.vsix size', limit: 6, unit: 'MB' },
  activation: { measure: 'activation: load dist/extension.js + `activate()`', limit: 50, unit: 'ms' },
} satisfies Record<string, Target>;

interface CheckRun {
  wallMs: number;
  userMs?: number;
  systemMs?: number;
  peakRssBytes?: number;
  findings: number;
  filesWithFindings: number;
  errorNotes: string[];
  exitCode: number | null;
}

interface Row {
  measure: string;
  result: string;
  target: string;
  met?: boolean;
  floor?: string;
  ratio?: string;
}

// --- small helpers ---------------------------------------------------------------------------------------------

function log(text: string): void {
  process.stderr.write(`[bench] ${text}\n`);
}

function ms(value: number): string {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(value < 10 ? 1 : 0)} ms`;
}

function megabytes(bytes: number): string {
  return `${(bytes / MB).toFixed(bytes < 10 * MB ? 2 : 0)} MB`;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function ratio(value: number, floor: number): string {
  return floor > 0 ? `${(value / floor).toFixed(1)}×` : '–';
}

function run(command: string, commandArgs: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, commandArgs, { cwd: options.cwd ?? REPO, env: options.env ?? process.env, encoding: 'utf8', maxBuffer: 256 * MB });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

// --- machine ---------------------------------------------------------------------------------------------------

interface Machine {
  cpus: number;
  cpuModel: string;
  memory: string;
  node: string;
  date: string;
  commit: string;
  loadBefore: number[];
  loadAfter?: number[];
}

function machine(): Machine {
  const cpuInfo = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuInfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const head = run('git', ['rev-parse', '--short', 'HEAD']).stdout.trim() || 'unknown';
  // The page this run rewrites does not count: the run before left it changed.
  const dirty = run('git', ['status', '--porcelain', '--untracked-files=no', '--', '.', ':!docs/benchmarks.md']).stdout.trim() !== '';
  return {
    cpus: os.availableParallelism(),
    cpuModel: model.trim(),
    memory: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GB`,
    node: process.version,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    commit: dirty ? `${head} (with uncommitted changes)` : head,
    loadBefore: os.loadavg(),
  };
}

// --- measures --------------------------------------------------------------------------------------------------

function writeManifest(dir: string, name: string, manifest: FloorManifest): string {
  const file = path.join(dir, `${name}.manifest.json`);
  fs.writeFileSync(file, JSON.stringify(manifest));
  return file;
}

function measureFloor(manifestFile: string): FloorResult {
  const result = run(process.execPath, ['--import', 'tsx', path.join(__dirname, 'floor.ts'), manifestFile]);
  if (result.status !== 0) throw new Error(`floor measurement failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as FloorResult;
}

function manifestOf(workspace: GeneratedWorkspace): FloorManifest {
  return { root: workspace.root, files: workspace.files, migrations: workspace.migrations, queries: workspace.queries.map((query) => query.sql) };
}

const floorMs = (floor: FloorResult) => floor.readMs + floor.parseMs + floor.explainMs;

/** `planlens check` in a fresh process; peak memory from /usr/bin/time -v when it exists, else from /proc. */
async function measureCheck(root: string, outputDir: string, extraNodeArgs: string[] = []): Promise<CheckRun> {
  const output = path.join(outputDir, `${path.basename(root)}.json`);
  const nodeArgs = [...extraNodeArgs, CLI, 'check', root, '--format', 'json', '--output', output];
  const timed = fs.existsSync('/usr/bin/time');
  const [command, commandArgs] = timed ? ['/usr/bin/time', ['-v', process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const started = performance.now();
  const child = spawn(command, commandArgs, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let polledRss = 0;
  const poller = timed
    ? undefined
    : setInterval(() => {
        const status = child.pid ? fs.readFileSync(`/proc/${child.pid}/status`, 'utf8') : '';
        polledRss = Math.max(polledRss, Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1] ?? 0) * 1024);
      }, 20);
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const wallMs = performance.now() - started;
  if (poller) clearInterval(poller);
  const seconds = (label: string) => {
    const value = new RegExp(`${label} \\(seconds\\): ([\\d.]+)`).exec(stderr)?.[1];
    return value === undefined ? undefined : Number(value) * 1000;
  };
  const rssKb = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1];
  const report = fs.existsSync(output)
    ? (JSON.parse(fs.readFileSync(output, 'utf8')) as { findings: Array<{ file: string }>; notes: Array<{ level: string; file?: string; message: string }> })
    : { findings: [], notes: [] };
  if (exitCode !== 0 && exitCode !== 1) log(`check exited with ${exitCode}:\n${stderr.slice(-2000)}`);
  return {
    wallMs,
    userMs: seconds('User time'),
    systemMs: seconds('System time'),
    peakRssBytes: rssKb ? Number(rssKb) * 1024 : polledRss || undefined,
    findings: report.findings.length,
    filesWithFindings: new Set(report.findings.map((finding) => finding.file)).size,
    errorNotes: report.notes.filter((note) => note.level === 'error').map((note) => `${note.file ?? ''}: ${note.message}`),
    exitCode,
  };
}

/** Which host languages the engine analyses today: one unindexed filter per language, checked. */
async function probeLanguages(dir: string): Promise<string[]> {
  const root = path.join(dir, 'language-probe');
  const sql = 'SELECT id FROM probe WHERE owner = ?';
  const files: Record<string, string> = {
    'db/schema.sql': 'CREATE TABLE probe (id INTEGER PRIMARY KEY, owner TEXT);\n',
    'q.sql': `${sql};\n`,
    'p.py': `def load(conn, owner):\n    return conn.execute("${sql}", (owner,)).fetchall()\n`,
    't.ts': `export function load(db: any, owner: string) {\n  return db.prepare('${sql}').all(owner);\n}\n`,
    'r.rs': `pub fn load(conn: &rusqlite::Connection, owner: &str) {\n    let _ = conn.prepare("${sql}");\n}\n`,
  };
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  await measureCheck(root, dir);
  const report = JSON.parse(fs.readFileSync(path.join(dir, 'language-probe.json'), 'utf8')) as { findings: Array<{ file: string }> };
  const found = new Set(report.findings.map((finding) => finding.file));
  const names: Record<string, string> = { 'q.sql': 'SQL', 'p.py': 'Python', 't.ts': 'TypeScript', 'r.rs': 'Rust' };
  return Object.entries(names).filter(([file]) => found.has(file)).map(([, name]) => name);
}

function packageVsix(): { bytes?: number; note: string } {
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  if (!manifest.scripts?.package) return { note: 'not built (no `npm run package` script)' };
  const result = run('npm', ['run', 'package']);
  const vsix = fs.readdirSync(REPO).filter((name) => name.endsWith('.vsix')).map((name) => path.join(REPO, name));
  const newest = vsix.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
  if (result.status !== 0 || !newest) return { note: `not built (npm run package failed: ${result.stderr.trim().split('\n').slice(-3).join(' ')})` };
  return { bytes: fs.statSync(newest).size, note: path.basename(newest) };
}

const CHECK_STAGES = [
  'readAndExtract',
  'extractPython',
  'extractTypeScript',
  'extractRust',
  'extractSqlFile',
  'buildSchema',
  'analyzeStatement',
  'explain',
  'analyzeQueryShape',
  'diagnoseQuery',
  'withHypotheticalIndexes',
  'indexFix',
  'workspaceFindings',
  'indexPlan',
  'formatJson',
];

const SERVER_STAGES = [
  'reload',
  'publishAll',
  'publish',
  'findingsFor',
  'updateFile',
  'readAndExtract',
  'extractPython',
  'buildSchema',
  'analyzeStatement',
  'analyzeQueryShape',
  'withHypotheticalIndexes',
  'indexPlan',
  'preferPlannedIndexes',
  'workspaceFindings',
  'completeWorkloadFacts',
];

async function profileCheck(root: string, dir: string): Promise<ProfileSummary | undefined> {
  const profileDir = path.join(dir, 'profile-check');
  await measureCheck(root, dir, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]);
  const file = newestProfile(profileDir);
  return file ? summarizeProfile(file, CHECK_STAGES) : undefined;
}

// --- report ----------------------------------------------------------------------------------------------------

function table(rows: Row[]): string {
  const header = ['measure', 'result', 'target', 'met', 'floor', 'ratio to floor'];
  const lines = rows.map((row) => [row.measure, row.result, row.target, row.met === undefined ? '–' : row.met ? 'yes' : 'NO', row.floor ?? '–', row.ratio ?? '–']);
  const widths = header.map((title, i) => Math.max(title.length, ...lines.map((line) => line[i].length)));
  const format = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  return [format(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...lines.map(format)].join('\n');
}

function profileSection(title: string, summary: ProfileSummary | undefined): string {
  if (!summary) return '';
  const top = summary.topSelf.map((entry) => `| ${entry.name} | ${entry.where || '–'} | ${ms(entry.ms)} | ${(entry.share * 100).toFixed(1)}% |`);
  const stages = summary.stages
    .filter((entry) => entry.ms > 0)
    .map((entry) => `| ${entry.name} | ${ms(entry.ms)} | ${(entry.share * 100).toFixed(1)}% |`);
  return [
    `### ${title}`,
    '',
    `CPU profile (\`node --cpu-prof\`), ${ms(summary.totalMs)} sampled. Top functions by self time:`,
    '',
    '| function | where | self | share |',
    '|---|---|---|---|',
    ...top,
    '',
    'Time inside each stage (inclusive; async work is attributed to the stage only up to its first `await`):',
    '',
    '| stage | time | share |',
    '|---|---|---|',
    ...stages,
    '',
  ].join('\n');
}

const MARK_START = '<!-- bench:start (written by `npm run bench`; edit outside these markers) -->';
const MARK_END = '<!-- bench:end -->';

function writeDocs(generated: string): void {
  const file = path.join(REPO, 'docs', 'benchmarks.md');
  const existing = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const start = existing.indexOf(MARK_START);
  const end = existing.indexOf(MARK_END);
  const body = `${MARK_START}\n${generated}\n${MARK_END}`;
  const text =
    start >= 0 && end > start
      ? existing.slice(0, start) + body + existing.slice(end + MARK_END.length)
      : `# Benchmarks\n\nRun \`npm run bench\` (about two minutes on two cores; \`npm run bench -- --quick\` for a small run).\n\n${body}\n`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

// --- main ------------------------------------------------------------------------------------------------------

/** Rejects after `ms` instead of waiting forever (a server that died at start leaves nothing to wake this process). */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish in ${ms / 60_000} minutes`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function main(): Promise<void> {
  const benchStarted = performance.now();
  if (!args.has('--skip-build')) {
    log('npm run build');
    const build = run('npm', ['run', 'build']);
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stderr}`);
  }
  if (!fs.existsSync(CLI) || !fs.existsSync(SERVER)) throw new Error('dist/cli.js or dist/server.js is missing: run npm run build');
  const host = machine();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-bench-'));
  try {
    log(`workspaces in ${dir}`);
    const small = generateWorkspace(path.join(dir, 'small'), SIZES.small as WorkspaceOptions);
    const large = generateWorkspace(path.join(dir, 'large'), SIZES.large as WorkspaceOptions);
    const languages = await probeLanguages(dir);
    log(`languages analysed: ${languages.join(', ')}`);

    log('floor: read + parse, EXPLAIN');
    const smallFloor = measureFloor(writeManifest(dir, 'small', manifestOf(small)));
    const largeFloor = measureFloor(writeManifest(dir, 'large', manifestOf(large)));

    log(`cold check, ${SIZES.small.files} files`);
    const smallCheck = await measureCheck(small.root, dir);
    log(`cold check, ${SIZES.large.files} files`);
    const largeCheck = await measureCheck(large.root, dir);

    log('language server');
    const lsp = await withTimeout(measureLanguageServer(small, SIZES.edits), 15 * 60_000, 'the language server measures');
    // One edit cannot cost less than parsing the file once and planning the edited query.
    const editFloor = measureFloor(
      writeManifest(dir, 'edit', {
        root: small.root,
        files: [{ file: small.largeFile!.file, language: 'python' }],
        migrations: small.migrations,
        queries: [small.queries.find((query) => query.sql.includes('edited_id'))!.sql],
        repeat: 20,
      }),
    );

    log('npm run package');
    const vsix = packageVsix();
    // Right after packaging, dist/ holds the production bundles that the .vsix ships.
    log('activation');
    const activation = measureActivation(REPO);
    const activationBundle = vsix.bytes === undefined ? 'development build' : 'production build, as packaged';
    host.loadAfter = os.loadavg();
    // Packaging leaves a minified dist/: the profiles below need function names, and the next user a normal build.
    if (!args.has('--skip-build')) run('npm', ['run', 'build']);

    const p50 = percentile(lsp.editLatenciesMs, 50);
    const p95 = percentile(lsp.editLatenciesMs, 95);
    const peak = Math.max(largeCheck.peakRssBytes ?? 0, lsp.peakRssBytes ?? 0);
    const met = {
      check: largeCheck.wallMs <= TARGETS.check.limit,
      start: lsp.startMs <= TARGETS.start.limit,
      edit: lsp.editLatenciesMs.length > 0 && p95 <= TARGETS.edit.limit,
      memory: peak > 0 && peak <= TARGETS.memory.limit * MB,
      vsix: vsix.bytes !== undefined && vsix.bytes <= TARGETS.vsix.limit * MB,
      activation: activation.loadMs + activation.activateMs <= TARGETS.activation.limit,
    };
    // Targets are for the full sizes: a quick run shows its numbers without judging them.
    const judged = (value: boolean) => (quick ? undefined : value);
    const cpu = (check: CheckRun) => (check.userMs === undefined ? '' : `; CPU ${ms(check.userMs + (check.systemMs ?? 0))}`);
    const rows: Row[] = [
      {
        measure: TARGETS.check.measure,
        result: `${ms(largeCheck.wallMs)}${cpu(largeCheck)}`,
        target: `≤ ${ms(TARGETS.check.limit)}`,
        met: judged(met.check),
        floor: ms(floorMs(largeFloor)),
        ratio: ratio(largeCheck.wallMs, floorMs(largeFloor)),
      },
      {
        measure: `cold check, ${SIZES.small.files.toLocaleString('en-US')} files / ${small.queries.length.toLocaleString('en-US')} queries`,
        result: `${ms(smallCheck.wallMs)}${cpu(smallCheck)}`,
        target: '–',
        floor: ms(floorMs(smallFloor)),
        ratio: ratio(smallCheck.wallMs, floorMs(smallFloor)),
      },
      {
        measure: TARGETS.start.measure,
        result: ms(lsp.startMs),
        target: `≤ ${ms(TARGETS.start.limit)}`,
        met: judged(met.start),
        floor: ms(floorMs(smallFloor)),
        ratio: ratio(lsp.startMs, floorMs(smallFloor)),
      },
      {
        measure: TARGETS.edit.measure,
        result: `p50 ${ms(p50)}, p95 ${ms(p95)}`,
        target: `p95 ≤ ${ms(TARGETS.edit.limit)}`,
        met: judged(met.edit),
        floor: ms(floorMs(editFloor)),
        ratio: ratio(p95, floorMs(editFloor)),
      },
      {
        measure: `schema edit → ${lsp.schemaEdit?.dependentFiles ?? 0} dependent files updated`,
        result: lsp.schemaEdit ? ms(lsp.schemaEdit.ms) : `not measured: ${lsp.schemaEditSkipped}`,
        target: '–',
      },
      {
        measure: TARGETS.memory.measure,
        result: `CLI ${largeCheck.peakRssBytes ? megabytes(largeCheck.peakRssBytes) : '?'} (${SIZES.large.files.toLocaleString('en-US')} files), server ${lsp.peakRssBytes ? megabytes(lsp.peakRssBytes) : '?'}`,
        target: `≤ ${TARGETS.memory.limit} MB`,
        met: judged(met.memory),
      },
      {
        measure: TARGETS.vsix.measure,
        result: vsix.bytes === undefined ? vsix.note : megabytes(vsix.bytes),
        target: `≤ ${TARGETS.vsix.limit} MB`,
        met: vsix.bytes === undefined ? undefined : met.vsix,
      },
      {
        measure: TARGETS.activation.measure,
        result:
          `${ms(activation.loadMs + activation.activateMs)} (load ${ms(activation.loadMs)}, activate ${ms(activation.activateMs)}; ` +
          `${activationBundle}, median of ${activation.runs})` +
          (activation.clientLoadMs === undefined ? '' : `; the language client loads after it: ${ms(activation.clientLoadMs)}`),
        target: `≤ ${ms(TARGETS.activation.limit)}`,
        met: judged(met.activation),
      },
    ];

    // The table first: profiling below only explains it.
    process.stdout.write(`\n${table(rows)}\n\n`);
    let checkProfile: ProfileSummary | undefined;
    if (!quick && (!met.check || args.has('--profile'))) {
      log('profiling the large check');
      checkProfile = await profileCheck(large.root, dir);
    }
    let serverProfile: ProfileSummary | undefined;
    if (!quick && (!met.start || !met.edit || args.has('--profile'))) {
      log('profiling the language server (start, edits, migration edit)');
      const profileDir = path.join(dir, 'profile-server');
      const profiled = generateWorkspace(path.join(dir, 'small-profiled'), SIZES.small as WorkspaceOptions);
      await withTimeout(measureLanguageServer(profiled, SIZES.edits, profileDir), 15 * 60_000, 'the profiled server run');
      const file = newestProfile(profileDir);
      serverProfile = file ? summarizeProfile(file, SERVER_STAGES) : undefined;
    }

    const floorLine = (name: string, floor: FloorResult) =>
      `- ${name}: read ${ms(floor.readMs)}, tree-sitter parse ${ms(floor.parseMs)} (${floor.parsedFiles.toLocaleString('en-US')} host files), ` +
      `EXPLAIN ${ms(floor.explainMs)} (${floor.queries.toLocaleString('en-US')} queries${floor.explainErrors ? `, ${floor.explainErrors} failed` : ''}); ` +
      `not counted: runtime start ${ms(floor.initMs)}, schema ${ms(floor.schemaMs)}`;
    const warnings = [
      ...(host.loadBefore[0] > host.cpus || (host.loadAfter?.[0] ?? 0) > host.cpus
        ? [`The machine was busy (load average ${host.loadBefore[0].toFixed(1)} before, ${host.loadAfter?.[0].toFixed(1)} after, on ${host.cpus} CPUs): wall times are inflated; CPU times are closer to an idle run.`]
        : []),
      ...[...largeCheck.errorNotes, ...smallCheck.errorNotes].slice(0, 5).map((note) => `Error note from the check: ${note}`),
      ...lsp.crashes.slice(0, 5).map((line) => `Server log reports a crash: ${line}`),
    ];
    const report = [
      quick ? '## Quick run (reduced sizes: targets are for the full run)' : '## Results',
      '',
      `- Date: ${host.date}; commit ${host.commit}; Node ${host.node}`,
      `- Machine: ${host.cpus} CPUs (${host.cpuModel}), ${host.memory} RAM; load average ${host.loadBefore.map((load) => load.toFixed(1)).join(' / ')} at the start`,
      `- Languages analysed: ${languages.join(', ')} (a probe file per language; the generator writes Python, TypeScript, Rust and .sql either way)`,
      `- Workspaces: ${SIZES.large.files.toLocaleString('en-US')} files / ${large.queries.length.toLocaleString('en-US')} queries / ${SIZES.large.tables} tables ` +
        `(${largeCheck.findings.toLocaleString('en-US')} findings in ${largeCheck.filesWithFindings.toLocaleString('en-US')} files), and ` +
        `${SIZES.small.files.toLocaleString('en-US')} files / ${small.queries.length.toLocaleString('en-US')} queries / ${SIZES.small.tables} tables ` +
        `(${smallCheck.findings.toLocaleString('en-US')} findings; the server published ${lsp.diagnostics.toLocaleString('en-US')} diagnostics in ${lsp.filesWithDiagnostics.toLocaleString('en-US')} files)`,
      '',
      table(rows),
      '',
      'The floor is what any checker pays: reading every file, one tree-sitter parse per host file and one `EXPLAIN QUERY PLAN` per query, in one process, measured in the same run:',
      '',
      floorLine(`${SIZES.large.files.toLocaleString('en-US')} files`, largeFloor),
      floorLine(`${SIZES.small.files.toLocaleString('en-US')} files`, smallFloor),
      floorLine('edit (the large file and the edited query)', editFloor),
      '',
      `Edit latencies: min ${ms(Math.min(...lsp.editLatenciesMs))}, p50 ${ms(p50)}, p95 ${ms(p95)}, max ${ms(Math.max(...lsp.editLatenciesMs))}.`,
      ...(warnings.length > 0 ? ['', ...warnings.map((warning) => `> ${warning}`)] : []),
      '',
      // A section only for a profile that was taken (the targets met are not profiled).
      ...[
        profileSection(`Where the time goes: cold check, ${SIZES.large.files.toLocaleString('en-US')} files`, checkProfile),
        profileSection(`Where the time goes: language server, ${SIZES.small.files.toLocaleString('en-US')} files (start, ${SIZES.edits} edits, migration edit)`, serverProfile),
      ].filter((section) => section !== ''),
      `Bench run took ${ms(performance.now() - benchStarted)}.`,
    ].join('\n');

    for (const warning of warnings) process.stdout.write(`! ${warning}\n`);
    if (quick) {
      log('quick run: docs/benchmarks.md left as it is');
    } else {
      writeDocs(report);
      log('wrote docs/benchmarks.md');
    }
  } finally {
    if (args.has('--keep')) log(`kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench] failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
