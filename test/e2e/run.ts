// `npm run test:e2e`: the extension in a real VS Code and the language server in Neovim.
//   1. Compiles the in-editor suites (test/e2e/suite, @vscode/test-electron form) to out/e2e/.
//   2. Starts the VS Code server from the code-server package with the smoke-test driver, opens a multi-root
//      workspace of fresh copies of the fixtures (seed000, examples) in headless Chromium with the
//      extension-development and extension-tests payload, and waits for the result file that run() writes.
//   3. Runs Neovim 0.7 headless against `node dist/server.js --stdio` (test/e2e/nvim/diagnostics.lua).
//   4. Packages the extension (`npm run package`), installs the .vsix into code-server's full UI and uses it like a
//      person would (test/e2e/workbenchUi.ts). `--screenshot FILE` saves the README picture on the way:
//        node --import tsx test/e2e/run.ts --screenshot media/screenshot.png
// Needs scripts/setup-e2e.sh (npm run test:e2e runs it) and a built dist/ (server and extension).
// PLANLENS_E2E_KEEP=1 keeps the scratch folders (editor logs, browser console, failure.png) of failed runs.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import type { SuiteResult } from './suite/index';
import { runWorkbenchUi } from './workbenchUi';
import {
  REPO_ROOT,
  checkInstalled,
  copyFixture,
  delay,
  freePort,
  launchChromium,
  scratchEnv,
  startVscodeServer,
  waitForHttp,
} from './editorHost';

const SUITE_OUT = path.join(REPO_ROOT, 'out', 'e2e', 'suite');
const VSCODE_SUITE_TIMEOUT_MS = 240_000;

interface Outcome {
  name: string;
  passed: number;
  failed: number;
}

async function main(): Promise<number> {
  const missing = checkInstalled();
  if (missing) {
    console.error(missing);
    return 2;
  }
  for (const bundle of ['dist/server.js', 'dist/extension.js']) {
    if (!fs.existsSync(path.join(REPO_ROOT, bundle))) {
      console.error(`${bundle} is missing: run npm run build`);
      return 2;
    }
  }
  const screenshotFlag = process.argv.indexOf('--screenshot');
  const screenshot = screenshotFlag > 0 ? path.resolve(process.argv[screenshotFlag + 1] ?? '') : undefined;
  const outcomes = [await runVscodeSuites(), runNeovim(), await runPackagedExtension(screenshot)];
  const passed = outcomes.reduce((sum, outcome) => sum + outcome.passed, 0);
  const failed = outcomes.reduce((sum, outcome) => sum + outcome.failed, 0);
  console.log(`\n${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

async function compileSuites(): Promise<void> {
  const suiteDir = path.join(__dirname, 'suite');
  fs.rmSync(SUITE_OUT, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: fs.readdirSync(suiteDir).filter((f) => f.endsWith('.ts')).map((f) => path.join(suiteDir, f)),
    outdir: SUITE_OUT,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
}

async function runVscodeSuites(): Promise<Outcome> {
  const name = 'VS Code';
  console.log('== VS Code (extension host of code-server 4.139.1, headless Chromium)');
  await compileSuites();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-e2e-vscode-'));
  const resultFile = path.join(stateDir, 'result.json');
  const workspace = path.join(stateDir, 'workspace', 'planlens-e2e.code-workspace');
  const folders = ['seed000', 'examples'].map((name) => ({ path: copyFixture(name, stateDir) }));
  fs.writeFileSync(workspace, JSON.stringify({ folders }, null, 2));
  const port = await freePort();
  const server = startVscodeServer(stateDir, port, scratchEnv(stateDir, { PLANLENS_E2E_RESULT: resultFile }));
  const browserConsole: string[] = [];
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  const started = Date.now();
  try {
    const origin = `http://127.0.0.1:${port}`;
    await waitForHttp(origin, 60_000, server);
    const remote = (file: string) => `vscode-remote://127.0.0.1:${port}${file}`;
    const payload = [
      ['extensionDevelopmentPath', remote(REPO_ROOT)],
      ['extensionTestsPath', remote(path.join(SUITE_OUT, 'index.js'))],
    ];
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('console', (message) => browserConsole.push(message.text()));
    await page.goto(`${origin}/?workspace=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);

    const result = await waitForResult(resultFile, () => server.running);
    for (const test of result.tests) {
      console.log(`  ${test.state === 'passed' ? 'ok  ' : 'FAIL'} ${test.title} (${test.durationMs} ms)`);
      if (test.error) console.log(indent(test.error));
    }
    console.log(`  ${result.passed} passed, ${result.failed} failed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (result.failed > 0) printDiagnostics(browserConsole, server.logTail(), stateDir);
    return { name, passed: result.passed, failed: result.failed };
  } catch (error) {
    console.log(`  FAIL ${(error as Error).message}`);
    printDiagnostics(browserConsole, server.logTail(), stateDir);
    return { name, passed: 0, failed: 1 };
  } finally {
    await browser?.close();
    await server.stop();
    if (!process.env.PLANLENS_E2E_KEEP) fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

async function waitForResult(resultFile: string, serverRunning: () => boolean): Promise<SuiteResult> {
  const deadline = Date.now() + VSCODE_SUITE_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (fs.existsSync(resultFile)) return JSON.parse(fs.readFileSync(resultFile, 'utf8')) as SuiteResult;
    if (!serverRunning()) throw new Error('the VS Code server exited before the suites finished');
    await delay(250);
  }
  throw new Error(`the suites wrote no result within ${VSCODE_SUITE_TIMEOUT_MS / 1000} s`);
}

function printDiagnostics(browserConsole: string[], serverLog: string, stateDir: string): void {
  fs.writeFileSync(path.join(stateDir, 'browser-console.log'), browserConsole.join('\n'));
  // The workbench logs a lot about features that need the network; the extension host's lines are what matter.
  const relevant = browserConsole.filter((line) => /Extension Host|PlanLens|planlens|mocha|Error/i.test(line) && !/AgentHost/.test(line));
  console.log('  -- browser console, extension host and errors (last 60 lines):');
  console.log(indent(relevant.slice(-60).join('\n')));
  console.log('  -- VS Code server log (tail):');
  console.log(indent(serverLog));
  if (process.env.PLANLENS_E2E_KEEP) console.log(`  -- state kept in ${stateDir}`);
}

/** Neovim 0.7 (Debian) as a plain LSP client of `planlens-server --stdio`. */
function runNeovim(): Outcome {
  const name = 'Neovim';
  console.log('== Neovim (headless, vim.lsp.start_client)');
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-e2e-nvim-'));
  try {
    const workspace = copyFixture('seed000', stateDir);
    const started = Date.now();
    const run = spawnSync(
      'nvim',
      ['--headless', '--clean', '-n', '-c', `luafile ${path.join(__dirname, 'nvim', 'diagnostics.lua')}`,
        path.join(workspace, 'computer', 'parachute', 'db', 'database.py')],
      {
        cwd: workspace,
        encoding: 'utf8',
        timeout: 60_000,
        env: scratchEnv(stateDir, {
          PLANLENS_SERVER: path.join(REPO_ROOT, 'dist', 'server.js'),
          PLANLENS_ROOT: workspace,
        }),
      },
    );
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const output = `${run.stdout ?? ''}${run.stderr ?? ''}`.trim();
    if (run.status === 0) {
      console.log(`  ok   ${output.split('\n').pop()} (${seconds} s)`);
      return { name, passed: 1, failed: 0 };
    }
    console.log(`  FAIL exit ${run.status ?? run.signal ?? run.error?.message} after ${seconds} s`);
    console.log(indent(output));
    return { name, passed: 0, failed: 1 };
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

/** `npm run package`, then the .vsix in code-server's UI. */
async function runPackagedExtension(screenshot: string | undefined): Promise<Outcome> {
  const name = 'VS Code UI';
  console.log('== VS Code UI (npm run package, the .vsix installed into code-server)');
  const started = Date.now();
  const pack = spawnSync('npm', ['run', 'package'], { cwd: REPO_ROOT, encoding: 'utf8' });
  const vsix = path.join(REPO_ROOT, 'planlens.vsix');
  if (pack.status !== 0 || !fs.existsSync(vsix)) {
    console.log('  FAIL npm run package');
    console.log(indent(`${pack.stdout}${pack.stderr}`.trim().split('\n').slice(-30).join('\n')));
    return { name, passed: 0, failed: 1 };
  }
  const megabytes = fs.statSync(vsix).size / 1024 / 1024;
  console.log(`  ok   planlens.vsix packaged: ${megabytes.toFixed(2)} MB`);
  if (megabytes > 6) {
    console.log('  FAIL the .vsix is over 6 MB');
    return { name, passed: 1, failed: 1 };
  }
  // The V8 flags of server/engine/sql/parserCompilation.ts name the parser's entry function: minifying it away
  // would silently bring back seconds of compiling and a 250 MB peak.
  const unnamed = ['server.js', 'cli.js'].filter((bundle) => !fs.readFileSync(path.join(REPO_ROOT, 'dist', bundle), 'utf8').includes('function peg$parse('));
  if (unnamed.length > 0) {
    console.log(`  FAIL the production ${unnamed.join(' and ')} no longer name peg$parse`);
    return { name, passed: 1, failed: 1 };
  }
  console.log('  ok   the production bundles still name peg$parse for the V8 flags');
  try {
    await runWorkbenchUi({ vsix, screenshot }, (line) => console.log(`  ok   ${line}`));
    console.log(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { name, passed: 3, failed: 0 };
  } catch (error) {
    console.log(`  FAIL ${(error as Error).message}`);
    return { name, passed: 2, failed: 1 };
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `      ${line}`)
    .join('\n');
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(3);
  },
);
