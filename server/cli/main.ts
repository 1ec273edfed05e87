// The `planlens` command: argument parsing, workspace root and config, progress, output and exit codes.
// Exit codes: 0 no findings; 1 at least one finding of any severity (error, warning, info or hint; rules set
// to 'off' report nothing); 2 usage or config error; 3 internal error. User errors never print a stack trace.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { AnalysisResult } from '../engine/types';
import type { AnalyzeOptions, ExplainReport, Jobs, PlanLensConfig } from '../engine/analyzeTypes';
import type { IndexPlanReport } from '../engine/workload/indexPlan';
import { CONFIG_FILE_NAME, ConfigError, loadConfig } from '../engine/config';
import { readSourceFile } from '../engine/workspace/files';
import { LineIndex } from '../engine/text/lineIndex';
import { formatNotes, formatText } from './format/text';
import { jsonReportChunks } from './format/json';
import { sarifLogChunks } from './format/sarif';
import { formatIndexPlan } from './format/indexes';
import { reportableFindings } from './format/common';
import { keepSqlParserEntryUnoptimized } from '../engine/sql/parserCompilation';
import { limitHeapGrowth } from '../engine/heapGrowth';

export const EXIT_NO_FINDINGS = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 3;

export interface CliOutput {
  write(text: string): unknown;
}

export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
  /** Folder that relative paths on the command line are resolved against. */
  cwd: string;
  /** stdout is a terminal: enables colors. */
  isTTY: boolean;
  /** stderr is a terminal: enables the progress line. Defaults to `isTTY`. */
  stderrIsTTY?: boolean;
  /** Environment, for NO_COLOR. */
  env?: Record<string, string | undefined>;
}

export interface ExplainOptions {
  root: string;
  config: PlanLensConfig;
  sql?: string;
  /** Workspace-relative POSIX path. */
  file?: string;
  /** 1-based line in `file`, as typed on the command line. */
  line?: number;
}

/** The engine entry points the CLI calls; tests pass a fake. */
export interface CliEngine {
  analyzeWorkspace(options: AnalyzeOptions): Promise<AnalysisResult>;
  explainQuery(options: ExplainOptions): Promise<ExplainReport>;
  /** The consolidated index plan (`planlens indexes`); optional so fakes for other commands need not provide it. */
  planIndexes?(options: AnalyzeOptions): Promise<IndexPlanReport>;
}

/** Loads the engine on first use, so --help, --version and usage errors answer instantly. */
const lazyEngine: CliEngine = {
  analyzeWorkspace: (options) => loadEngine().analyzeWorkspace(options),
  explainQuery: (options) => loadEngine().explainQuery(options),
  planIndexes: (options) => loadEngine().planWorkspaceIndexes(options),
};

function loadEngine(): CliEngine & { planWorkspaceIndexes(options: AnalyzeOptions): Promise<IndexPlanReport> } {
  return require('../engine/analyze') as CliEngine & { planWorkspaceIndexes(options: AnalyzeOptions): Promise<IndexPlanReport> };
}

/** A mistake on the command line: reported in one line, exit code 2. */
class UsageError extends Error {}

const FORMATS = ['text', 'json', 'sarif'] as const;
type Format = (typeof FORMATS)[number];

const USAGE = `Usage: planlens <command> [options]

Commands:
  check [paths...]            Report queries that will get slow (default: the whole workspace)
  explain FILE:LINE           Show the plan and advice for the query at a line
  explain FILE --line N       Same as FILE:LINE
  explain --sql "SELECT ..."  Show the plan and advice for a SQL string
  indexes [paths...]          Print one index migration for the whole workspace: each index consolidates the
                              advice of every query it serves (paths: only indexes their queries need)

Options for check:
  -f, --format text|json|sarif  Output format (default: text)
  -o, --output FILE             Write the report to FILE instead of stdout
  -c, --config FILE             Config file (default: planlens.json at the workspace root)
      --verbose                 Show plans, related locations, fixes and skipped files
      --no-color                No colors (also: NO_COLOR environment variable)
  -j, --jobs N|auto             Threads that read and parse files (default: auto, one per core up to 4
                                when there are at least 400 source files to parse; 1: no worker threads)

Options for explain and indexes:
  -c, --config FILE             Config file (default: planlens.json at the workspace root)
  -j, --jobs N|auto             As for check (indexes only)

  -h, --help                    Show this help
      --version                 Show the version

The workspace root is the nearest folder holding ${CONFIG_FILE_NAME}, searching upwards from the first path
(or the current folder). Without one it is the current folder, or the first path's folder when that path
lies outside the current folder. Paths are resolved against the current folder.

Exit codes: 0 no findings, 1 findings (of any severity), 2 usage or config error, 3 internal error.
`;

export async function runCli(argv: string[], io: CliIo, engine: CliEngine = lazyEngine): Promise<number> {
  try {
    return await dispatch(argv, io, engine);
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      // Node's parseArgs appends advice about '--' that does not fit here: keep its first sentence.
      const message = error instanceof UsageError ? error.message : (error as Error).message.split('. ')[0];
      io.stderr.write(`planlens: ${message}\nRun 'planlens --help' for usage.\n`);
      return EXIT_USAGE;
    }
    if (error instanceof ConfigError) {
      io.stderr.write(`planlens: ${error.message}\n`);
      return EXIT_USAGE;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`planlens: internal error: ${message}\n`);
    if (argv.includes('--verbose') && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return EXIT_INTERNAL;
  }
}

async function dispatch(argv: string[], io: CliIo, engine: CliEngine): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
      io.stderr.write(USAGE);
      return EXIT_USAGE;
    case '-h':
    case '--help':
    case 'help':
      io.stdout.write(USAGE);
      return EXIT_NO_FINDINGS;
    case '--version':
      io.stdout.write(`${readVersion()}\n`);
      return EXIT_NO_FINDINGS;
    case 'check':
      return check(rest, io, engine);
    case 'explain':
      return explain(rest, io, engine);
    case 'indexes':
      return indexes(rest, io, engine);
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

// ---------------------------------------------------------------------------------------------
// check

async function check(args: string[], io: CliIo, engine: CliEngine): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      format: { type: 'string', short: 'f' },
      output: { type: 'string', short: 'o' },
      config: { type: 'string', short: 'c' },
      verbose: { type: 'boolean' },
      'no-color': { type: 'boolean' },
      jobs: { type: 'string', short: 'j' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout.write(USAGE);
    return EXIT_NO_FINDINGS;
  }
  const format = values.format ?? 'text';
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`unknown format '${format}' (expected ${FORMATS.join(', ')})`);
  }
  const verbose = values.verbose ?? false;

  const { root, paths, config } = resolveWorkspace(positionals, values.config, io.cwd);

  const progress = new ProgressLine(io.stderr, io.stderrIsTTY ?? io.isTTY);
  let result: AnalysisResult;
  try {
    result = await engine.analyzeWorkspace({
      root,
      paths,
      config,
      onProgress: (done, total) => progress.update(done, total),
      jobs: parseJobs(values.jobs),
    });
  } finally {
    progress.clear();
  }

  const displayPath = (file: string) => (path.isAbsolute(file) ? file : toPosix(path.relative(io.cwd, path.join(root, file))));
  const color = io.isTTY && !values['no-color'] && values.output === undefined && !io.env?.NO_COLOR;
  const report = renderReport(result, format as Format, { verbose, color, displayPath });
  if (values.output !== undefined) writeOutputFile(path.resolve(io.cwd, values.output), report);
  else for (const piece of batched(report)) io.stdout.write(piece);
  io.stderr.write(formatNotes(result.notes, verbose, displayPath));
  return reportableFindings(result.findings).length > 0 ? EXIT_FINDINGS : EXIT_NO_FINDINGS;
}

function renderReport(
  result: AnalysisResult,
  format: Format,
  text: { verbose: boolean; color: boolean; displayPath: (file: string) => string },
): Iterable<string> {
  switch (format) {
    case 'text':
      return [formatText(result, text).stdout];
    case 'json':
      return jsonReportChunks(result, readVersion());
    case 'sarif':
      return sarifLogChunks(result, readVersion());
  }
}

/** Report pieces joined up to about 64 KB: few writes, and never the whole report of a large run in one string. */
function* batched(pieces: Iterable<string>): Generator<string> {
  let pending: string[] = [];
  let length = 0;
  for (const piece of pieces) {
    pending.push(piece);
    length += piece.length;
    if (length >= 65_536) {
      yield pending.join('');
      pending = [];
      length = 0;
    }
  }
  if (pending.length > 0) yield pending.join('');
}

function writeOutputFile(file: string, report: Iterable<string>): void {
  let descriptor: number | undefined;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    descriptor = fs.openSync(file, 'w');
    // Written at the descriptor's position, every byte (writeFileSync loops over partial writes).
    for (const piece of batched(report)) fs.writeFileSync(descriptor, piece);
  } catch (error) {
    throw new UsageError(`cannot write ${file}: ${(error as Error).message}`);
  } finally {
    if (descriptor !== undefined) fs.closeSync(descriptor);
  }
}

/** `Analyzing 120/1,204 files` on stderr, redrawn in place, only on a terminal, at most every 50 ms. */
class ProgressLine {
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly stream: CliOutput,
    private readonly enabled: boolean,
  ) {}

  update(done: number, total: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (done < total && now - this.lastDraw < 50) return;
    this.lastDraw = now;
    this.drawn = true;
    this.stream.write(`\r\x1b[KAnalyzing ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} files`);
  }

  clear(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}

/** `--jobs`: a positive whole number or 'auto'. */
function parseJobs(value: string | undefined): Jobs | undefined {
  if (value === undefined || value === 'auto') return value;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 64) {
    throw new UsageError(`--jobs must be a number from 1 to 64 or 'auto', got '${value}'`);
  }
  return Number(value);
}

// ---------------------------------------------------------------------------------------------
// indexes

async function indexes(args: string[], io: CliIo, engine: CliEngine): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      jobs: { type: 'string', short: 'j' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout.write(USAGE);
    return EXIT_NO_FINDINGS;
  }
  if (!engine.planIndexes) throw new Error('this engine cannot plan indexes');
  const jobs = parseJobs(values.jobs);
  const { root, paths, config } = resolveWorkspace(positionals, values.config, io.cwd);
  const report = await engine.planIndexes({ root, paths, config, jobs });
  const displayPath = (file: string) => toPosix(path.relative(io.cwd, path.join(root, file)));
  io.stdout.write(formatIndexPlan(report, displayPath));
  return EXIT_NO_FINDINGS;
}

// ---------------------------------------------------------------------------------------------
// explain

async function explain(args: string[], io: CliIo, engine: CliEngine): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      sql: { type: 'string' },
      line: { type: 'string', short: 'l' },
      config: { type: 'string', short: 'c' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout.write(USAGE);
    return EXIT_NO_FINDINGS;
  }
  if (positionals.length > 1) throw new UsageError(`explain takes one FILE:LINE, got ${positionals.length} arguments`);
  const [target] = positionals;
  if (values.sql !== undefined && (target !== undefined || values.line !== undefined)) {
    throw new UsageError('explain takes either --sql or FILE:LINE, not both');
  }
  if (values.sql === undefined && target === undefined) throw new UsageError('explain needs FILE:LINE, FILE --line N or --sql "SELECT ..."');
  if (values.sql !== undefined && values.sql.trim() === '') throw new UsageError('--sql is empty');

  const location = target === undefined ? undefined : explainLocation(target, values.line, io.cwd);
  const root = findWorkspaceRoot(location?.absolute ?? io.cwd, io.cwd);
  if (location && !isWithin(location.absolute, root)) throw new UsageError(`${target} is outside the workspace root ${root}`);
  const { config } = loadConfig(root, values.config === undefined ? undefined : path.resolve(io.cwd, values.config));

  const report = await engine.explainQuery(
    location
      ? { root, config, file: toPosix(path.relative(root, location.absolute)), line: location.line }
      : { root, config, sql: values.sql },
  );
  // An engine report with an error but no SQL means there was nothing to plan there (no query on that line).
  if (report.error !== undefined && report.sql.trim() === '') throw new UsageError(report.error);
  io.stdout.write(formatExplain(report, root, io.cwd));
  return report.error !== undefined || reportableFindings(report.findings).length > 0 ? EXIT_FINDINGS : EXIT_NO_FINDINGS;
}

/** `FILE:LINE`, or `FILE` with `--line N` (1-based). A file whose own name ends in `:N` wins over the split. */
function explainLocation(target: string, lineOption: string | undefined, cwd: string): { absolute: string; line: number } {
  let file = target;
  let lineText = lineOption;
  const split = /^(.+):(\d+)$/.exec(target);
  if (lineOption === undefined && split && !fs.existsSync(path.resolve(cwd, target))) {
    file = split[1];
    lineText = split[2];
  }
  if (lineText === undefined) throw new UsageError(`explain needs a line: ${target}:LINE or ${target} --line N`);
  if (!/^\d+$/.test(lineText) || Number(lineText) < 1) throw new UsageError(`line must be a positive number, got '${lineText}'`);
  const absolute = path.resolve(cwd, file);
  if (!fs.statSync(absolute, { throwIfNoEntry: false })?.isFile()) throw new UsageError(`no such file: ${file}`);
  return { absolute, line: Number(lineText) };
}

function formatExplain(report: ExplainReport, root: string, cwd: string): string {
  const lines: string[] = [];
  const indent = (text: string) => text.split(/\r?\n/).map((line) => `  ${line}`);
  if (report.location) {
    const shownPath = toPosix(path.relative(cwd, path.join(root, report.location.file)));
    const text = readSourceFile(root, report.location.file).file?.text;
    const position = text === undefined ? undefined : new LineIndex(text).positionAt(report.location.range.start);
    lines.push(position ? `Query at ${shownPath}:${position.line + 1}:${position.character + 1}:` : `Query in ${shownPath}:`);
  } else {
    lines.push('Query:');
  }
  lines.push(...indent(report.sql.trim()), '');
  if (report.error !== undefined) {
    lines.push(`SQLite cannot plan this query: ${report.error}`);
    return lines.join('\n') + '\n';
  }
  lines.push('Plan:', ...report.planBefore.map((line) => `  ${line}`), '');
  const findings = reportableFindings(report.findings);
  if (findings.length === 0) lines.push('No findings: the plan looks fine.');
  for (const finding of findings) lines.push(`${finding.severity} ${finding.message} [${finding.ruleId}]`);
  if (report.suggestion) lines.push('', 'Suggested index:', ...indent(report.suggestion.ddl));
  if (report.planAfter) lines.push('', 'Plan with the suggested index:', ...report.planAfter.map((line) => `  ${line}`));
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// shared

/**
 * The nearest folder holding planlens.json, from `start` upwards. Without one: `cwd`, or the start's folder
 * when `start` lies outside `cwd` (so every reported path stays inside the root).
 */
/**
 * The paths a command names (resolved against the cwd, which must exist), the workspace root they share, and its
 * config. Naming the root itself is the same as naming nothing: the whole workspace.
 */
function resolveWorkspace(
  positionals: string[],
  configOption: string | undefined,
  cwd: string,
): { root: string; paths: string[]; config: PlanLensConfig } {
  const targets = positionals.map((argument) => {
    const absolute = path.resolve(cwd, argument);
    if (!fs.existsSync(absolute)) throw new UsageError(`no such file or folder: ${argument}`);
    return absolute;
  });
  const root = findWorkspaceRoot(targets[0] ?? cwd, cwd);
  for (const [index, target] of targets.entries()) {
    if (!isWithin(target, root)) throw new UsageError(`${positionals[index]} is outside the workspace root ${root}`);
  }
  const { config } = loadConfig(root, configOption === undefined ? undefined : path.resolve(cwd, configOption));
  return { root, paths: targets.some((target) => target === root) ? [] : targets, config };
}

function findWorkspaceRoot(start: string, cwd: string): string {
  const startFolder = fs.statSync(start, { throwIfNoEntry: false })?.isDirectory() ? start : path.dirname(start);
  for (let folder = startFolder; ; folder = path.dirname(folder)) {
    if (fs.existsSync(path.join(folder, CONFIG_FILE_NAME))) return folder;
    if (path.dirname(folder) === folder) break;
  }
  return isWithin(start, cwd) ? cwd : startFolder;
}

function isWithin(candidate: string, folder: string): boolean {
  const relative = path.relative(folder, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function toPosix(relativePath: string): string {
  return relativePath.split(path.sep).join('/');
}

function isParseArgsError(error: unknown): boolean {
  return typeof (error as NodeJS.ErrnoException)?.code === 'string' && (error as NodeJS.ErrnoException).code!.startsWith('ERR_PARSE_ARGS');
}

/** The version in the package.json next to the bundle (dist/..) or the sources (server/cli/../..). */
function readVersion(): string {
  for (const candidate of [path.join(__dirname, '..', 'package.json'), path.join(__dirname, '..', '..', 'package.json')]) {
    try {
      const manifest = JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'planlens' && typeof manifest.version === 'string') return manifest.version;
    } catch {
      // not this one
    }
  }
  return 'unknown';
}

if (require.main === module) {
  keepSqlParserEntryUnoptimized();
  limitHeapGrowth();
  // `planlens check | head` closes the pipe early; that is not an error worth a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  void runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    isTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    env: process.env,
  }).then((code) => {
    process.exitCode = code;
  });
}
