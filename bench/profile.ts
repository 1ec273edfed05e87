// Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time, and the time spent
// inside each of a few named stages (inclusive), so the report can say where the time goes.
import * as fs from 'node:fs';
import * as path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileEntry {
  name: string;
  where: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  topSelf: ProfileEntry[];
  /** Inclusive time of the named functions (a function counted once per sample even when recursive). */
  stages: ProfileEntry[];
}

function label(node: ProfileNode): { name: string; where: string } {
  const frame = node.callFrame;
  const name = frame.functionName || '(anonymous)';
  const file = frame.url ? path.basename(frame.url.replace(/^file:\/\//, '')) : '';
  return { name, where: file ? `${file}:${frame.lineNumber + 1}` : '' };
}

/** Reads the profile and ranks functions by self time; `stageNames` are measured inclusively. */
export function summarizeProfile(file: string, stageNames: string[] = [], top = 12): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

  const selfMicros = new Map<number, number>();
  let totalMicros = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    totalMicros += delta;
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + delta);
  });

  const selfByLabel = new Map<string, { name: string; where: string; micros: number }>();
  for (const [id, micros] of selfMicros) {
    const node = byId.get(id);
    if (!node) continue;
    const { name, where } = label(node);
    const key = `${name}\u0000${where}`;
    const entry = selfByLabel.get(key) ?? { name, where, micros: 0 };
    entry.micros += micros;
    selfByLabel.set(key, entry);
  }

  const wanted = new Set(stageNames);
  const stageMicros = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const seen = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parentOf.get(current)) {
      const name = byId.get(current)?.callFrame.functionName ?? '';
      if (wanted.has(name) && !seen.has(name)) {
        seen.add(name);
        stageMicros.set(name, (stageMicros.get(name) ?? 0) + micros);
      }
    }
  }

  const toEntry = (name: string, where: string, micros: number): ProfileEntry => ({
    name,
    where,
    ms: micros / 1000,
    share: totalMicros > 0 ? micros / totalMicros : 0,
  });
  return {
    totalMs: totalMicros / 1000,
    topSelf: [...selfByLabel.values()]
      .sort((a, b) => b.micros - a.micros)
      .slice(0, top)
      .map((entry) => toEntry(entry.name, entry.where, entry.micros)),
    stages: stageNames.map((name) => toEntry(name, '', stageMicros.get(name) ?? 0)),
  };
}

/** The newest main-thread .cpuprofile in a folder (`CPU.<date>.<time>.<pid>.<thread>.<n>`; workers write their own). */
export function newestProfile(dir: string): string | undefined {
  const all = fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => name.endsWith('.cpuprofile')) : [];
  const mainThread = all.filter((name) => /\.\d+\.0\.\d+\.cpuprofile$/.test(name));
  const files = mainThread.length > 0 ? mainThread : all;
  return files
    .map((name) => path.join(dir, name))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
}

if (require.main === module) {
  const [file, ...stages] = process.argv.slice(2);
  const summary = summarizeProfile(file, stages, 25);
  console.log(`total ${summary.totalMs.toFixed(0)} ms`);
  for (const entry of summary.topSelf) console.log(`${entry.ms.toFixed(0).padStart(7)} ms ${(entry.share * 100).toFixed(1).padStart(5)}%  ${entry.name}  ${entry.where}`);
  for (const entry of summary.stages) console.log(`stage ${entry.name}: ${entry.ms.toFixed(0)} ms (${(entry.share * 100).toFixed(1)}%)`);
}
