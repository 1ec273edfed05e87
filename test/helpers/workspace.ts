import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { analyzeWorkspace } from '../../server/engine/analyze';
import { DEFAULT_CONFIG, mergeConfig } from '../../server/engine/config';
import type { PlanLensConfig } from '../../server/engine/analyzeTypes';
import type { AnalysisResult, Finding, Fix } from '../../server/engine/types';
import { applyEdits } from '../../server/engine/fixes/applyEdits';
import { LineIndex } from '../../server/engine/text/lineIndex';

export const FIXTURES = path.resolve(__dirname, '..', 'fixtures');

/** Copies a fixture into a fresh temp folder, so tests can apply fixes without touching the repository. */
export function copyFixture(name: string): string {
  const target = fs.mkdtempSync(path.join(os.tmpdir(), `planlens-${name}-`));
  fs.cpSync(path.join(FIXTURES, name), target, { recursive: true });
  return target;
}

/** A sqlx crate whose query lives in a workspace .sql file read by `query_file!`, and lacks an index. */
export const QUERY_FILE_WORKSPACE: Record<string, string> = {
  'Cargo.toml': '[package]\nname = "app"\n\n[dependencies]\nsqlx = { version = "0.8", features = ["sqlite"] }\n',
  'migrations/20250101000000_init.sql': 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT);\n',
  'queries/by_email.sql': 'SELECT id, name FROM users WHERE email = ?\n',
  'src/lib.rs': 'pub async fn by_email(pool: &SqlitePool, email: &str) {\n    let _ = sqlx::query_file!("queries/by_email.sql", email).fetch_one(pool).await;\n}\n',
};

/** A fresh temp folder holding `files` (relative path → text). */
export function writeWorkspace(prefix: string, files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `planlens-${prefix}-`));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  return root;
}

export function removeWorkspace(root: string): void {
  fs.rmSync(root, { recursive: true, force: true });
}

export async function analyze(root: string, overrides: Partial<PlanLensConfig> = {}): Promise<AnalysisResult> {
  return analyzeWorkspace({ root, paths: [], config: mergeConfig(DEFAULT_CONFIG, overrides) });
}

/** A compact, comparable view of a finding: `file:line:col rule`. 1-based like the CLI. */
export function where(result: AnalysisResult, finding: Finding): string {
  const text = result.texts.get(finding.file) ?? '';
  const start = new LineIndex(text).positionAt(finding.range.start);
  return `${finding.file}:${start.line + 1}:${start.character + 1} ${finding.ruleId}`;
}

/** The source text a finding points at. */
export function textAt(result: AnalysisResult, finding: Finding): string {
  return (result.texts.get(finding.file) ?? '').slice(finding.range.start, finding.range.end);
}

/** Applies a fix to the files on disk under root. */
export function applyFix(root: string, fix: Fix): void {
  // Engine offsets are into the text without its BOM; keep the BOM on files that have one.
  const hadBom = new Set<string>();
  const texts = applyEdits(fix.edits, (file) => {
    const absolute = path.join(root, file);
    if (!fs.existsSync(absolute)) return undefined;
    const text = fs.readFileSync(absolute, 'utf8');
    if (text.startsWith('\uFEFF')) hadBom.add(file);
    return text.replace(/^\uFEFF/, '');
  });
  for (const [file, text] of texts) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), hadBom.has(file) ? `\uFEFF${text}` : text);
  }
}

/** Byte-compiles a Python file: throws with the compiler's message when the fix broke the code. */
export function assertPythonCompiles(file: string): void {
  execFileSync('python3', ['-m', 'py_compile', file], { stdio: 'pipe' });
}

/** UTC `YYYYMMDDHHMMSS` a second before now: migration versions from this point on are the clock's. */
export function clockVersionNow(): string {
  return new Date(Date.now() - 1000).toISOString().replace(/\D/g, '').slice(0, 14);
}

/**
 * `text` with every migration version at or after `since` (a `clockVersionNow()`) read as `<now>`. A new migration is
 * named after the clock's second (`20261122152916_add_…`), and two analyses compared in a test may straddle a second;
 * the fixtures' own, older versions stay as they are.
 */
export function clockVersionsAsNow(text: string, since: string): string {
  return text.replace(/\b\d{14}(?=_)/g, (version) => (version >= since ? '<now>' : version));
}
