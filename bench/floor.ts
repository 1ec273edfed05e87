// The floor: what no checker can avoid. Reading every file, parsing every host file with tree-sitter, and asking
// SQLite for the plan of every query against the migrations, with nothing else (no extraction, no rules, no
// advice). Runs in its own process, like the check it is compared with; prints one JSON object.
// Usage: node --import tsx bench/floor.ts MANIFEST.json
import * as fs from 'node:fs';
import * as path from 'node:path';
import { getParser, type GrammarName } from '../server/engine/extract/treeSitter';
import { loadSqlJs } from '../server/engine/schema/sqlite';
import type { BenchLanguage } from './generate';

export interface FloorManifest {
  root: string;
  files: Array<{ file: string; language: BenchLanguage }>;
  migrations: string[];
  queries: string[];
  /** Measure this many times and keep the fastest of each phase (warm numbers for one-file floors). */
  repeat?: number;
}

export interface FloorResult {
  /** Loading the WASM runtimes and grammars, not part of the floor. */
  initMs: number;
  readMs: number;
  parseMs: number;
  schemaMs: number;
  explainMs: number;
  files: number;
  parsedFiles: number;
  queries: number;
  explainErrors: number;
}

const GRAMMAR: Partial<Record<BenchLanguage, GrammarName>> = { python: 'python', typescript: 'typescript', rust: 'rust' };

export async function measureFloor(manifest: FloorManifest): Promise<FloorResult> {
  let best: FloorResult | undefined;
  for (let round = 0; round < (manifest.repeat ?? 1); round++) {
    const result = await measureOnce(manifest);
    best = best
      ? {
          ...result,
          initMs: best.initMs,
          readMs: Math.min(best.readMs, result.readMs),
          parseMs: Math.min(best.parseMs, result.parseMs),
          schemaMs: Math.min(best.schemaMs, result.schemaMs),
          explainMs: Math.min(best.explainMs, result.explainMs),
        }
      : result;
  }
  return best!;
}

async function measureOnce(manifest: FloorManifest): Promise<FloorResult> {
  const initStart = performance.now();
  const SQL = await loadSqlJs();
  const parsers = new Map<GrammarName, Awaited<ReturnType<typeof getParser>>>();
  for (const grammar of new Set(Object.values(GRAMMAR))) parsers.set(grammar, await getParser(grammar));
  const initMs = performance.now() - initStart;

  const decoder = new TextDecoder('utf-8', { fatal: true });
  let readMs = 0;
  let parseMs = 0;
  let parsedFiles = 0;
  for (const { file, language } of manifest.files) {
    const readStart = performance.now();
    const text = decoder.decode(fs.readFileSync(path.join(manifest.root, file)));
    const parseStart = performance.now();
    readMs += parseStart - readStart;
    const grammar = GRAMMAR[language];
    if (!grammar) continue;
    const tree = parsers.get(grammar)!.parse(text);
    tree?.delete();
    parseMs += performance.now() - parseStart;
    parsedFiles++;
  }

  const db = new SQL.Database();
  const schemaStart = performance.now();
  for (const migration of manifest.migrations) db.exec(fs.readFileSync(path.join(manifest.root, migration), 'utf8'));
  const explainStart = performance.now();
  let explainErrors = 0;
  for (const sql of manifest.queries) {
    try {
      const statement = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
      while (statement.step()) statement.get();
      statement.free();
    } catch {
      explainErrors++;
    }
  }
  const explainMs = performance.now() - explainStart;
  db.close();
  return {
    initMs,
    readMs,
    parseMs,
    schemaMs: explainStart - schemaStart,
    explainMs,
    files: manifest.files.length,
    parsedFiles,
    queries: manifest.queries.length,
    explainErrors,
  };
}

if (require.main === module) {
  const manifest = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')) as FloorManifest;
  void measureFloor(manifest).then((result) => process.stdout.write(`${JSON.stringify(result)}\n`));
}
