// Activation time of the extension bundle: `require` + `activate()` in fresh Node processes (activationProbe.cjs),
// with a stand-in for the `vscode` module. What VS Code adds around it (its extension host) is not ours to time.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export interface ActivationMeasure {
  /** `require` of dist/extension.js. */
  loadMs: number;
  /** The `activate()` call. */
  activateMs: number;
  /** dist/languageClient.js, loaded after `activate` returns; undefined when the bundle has none. */
  clientLoadMs?: number;
  runs: number;
}

interface ProbeResult {
  loadMs: number;
  activateMs: number;
  clientLoadMs: number | null;
}

/** The median run (by load + activate) of `runs` fresh processes. */
export function measureActivation(repo: string, runs = 9): ActivationMeasure {
  const results: ProbeResult[] = [];
  for (let run = 0; run < runs; run++) {
    const probe = spawnSync(
      process.execPath,
      [path.join(repo, 'bench', 'activationProbe.cjs'), path.join(repo, 'dist', 'extension.js'), require.resolve('@types/vscode/index.d.ts')],
      { encoding: 'utf8' },
    );
    if (probe.status !== 0) throw new Error(`the activation probe failed: ${probe.stderr.trim().split('\n').slice(0, 5).join(' ')}`);
    results.push(JSON.parse(probe.stdout) as ProbeResult);
  }
  const median = <T>(values: T[], key: (value: T) => number) => [...values].sort((a, b) => key(a) - key(b))[Math.floor(values.length / 2)];
  const typical = median(results, (result) => result.loadMs + result.activateMs);
  const clientLoads = results.map((result) => result.clientLoadMs).filter((value): value is number => value !== null);
  return {
    loadMs: typical.loadMs,
    activateMs: typical.activateMs,
    clientLoadMs: clientLoads.length > 0 ? median(clientLoads, (value) => value) : undefined,
    runs,
  };
}
