// Entry point of the in-editor suites, in the @vscode/test-electron form: VS Code loads this module in the
// extension host and calls run(). Mocha TDD; every *.test.js next to this file (compiled) is a suite.
// The harness cannot see the extension host's exit, so run() also writes the results to PLANLENS_E2E_RESULT.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export interface SuiteResult {
  passed: number;
  failed: number;
  tests: Array<{ title: string; state: 'passed' | 'failed'; durationMs: number; error?: string }>;
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000, reporter: 'spec' });
  for (const file of fs.readdirSync(__dirname).filter((name) => name.endsWith('.test.js')).sort()) {
    mocha.addFile(path.join(__dirname, file));
  }
  const result: SuiteResult = { passed: 0, failed: 0, tests: [] };
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      writeResult(result);
      if (failures > 0) reject(new Error(`${failures} tests failed.`));
      else resolve();
    });
    runner.on('pass', (test) => {
      result.passed++;
      result.tests.push({ title: test.fullTitle(), state: 'passed', durationMs: test.duration ?? 0 });
    });
    runner.on('fail', (test, error: Error) => {
      result.failed++;
      result.tests.push({
        title: test.fullTitle(),
        state: 'failed',
        durationMs: test.duration ?? 0,
        error: error.stack ?? String(error),
      });
    });
  });
}

function writeResult(result: SuiteResult): void {
  const target = process.env.PLANLENS_E2E_RESULT;
  if (!target) return;
  // Written whole and renamed, so the harness never reads half a file.
  fs.writeFileSync(`${target}.partial`, JSON.stringify(result, null, 2));
  fs.renameSync(`${target}.partial`, target);
}
