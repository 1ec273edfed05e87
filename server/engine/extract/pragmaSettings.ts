// Connection settings read from PRAGMA statements the code runs, shared by the Python, TypeScript and Rust
// workload collectors.
import type { ExtractedSql, PragmaSetting } from '../types';

/** Pragmas pragma-config reads; others (table_info, foreign_keys, …) are not connection performance settings. */
export const SETTING_PRAGMAS: ReadonlySet<string> = new Set(['journal_mode', 'synchronous', 'busy_timeout']);

const PRAGMA_ASSIGNMENT = /\bPRAGMA\s+(?:[A-Za-z_]\w*\.)?([A-Za-z_]\w*)\s*(?:=\s*('[^']*'|"[^"]*"|[\w.+-]+)|\(\s*('[^']*'|"[^"]*"|[\w.+-]+)\s*\))/gi;

/** `PRAGMA journal_mode=WAL; PRAGMA busy_timeout(5000)` → the performance settings, with file ranges. */
export function pragmaSettings(statement: ExtractedSql): PragmaSetting[] {
  const settings: PragmaSetting[] = [];
  const toFile = statement.sqlToFile ?? ((offset: number) => statement.range.start + offset);
  for (const match of statement.sql.matchAll(PRAGMA_ASSIGNMENT)) {
    const name = match[1].toLowerCase();
    const raw = match[2] ?? match[3];
    if (!SETTING_PRAGMAS.has(name) || raw === undefined || match.index === undefined) continue;
    const rawAt = match.index + match[0].lastIndexOf(raw);
    const unquoted = /^['"]/.test(raw) ? raw.slice(1, -1) : raw;
    const valueStart = toFile(rawAt);
    const valueEnd = toFile(rawAt + raw.length - 1) + 1;
    settings.push({
      name,
      value: unquoted.toUpperCase(),
      range: statement.range,
      // Only offered for in-place edits when the value is written verbatim in the file.
      ...(valueEnd - valueStart === raw.length ? { valueRange: { start: valueStart, end: valueEnd } } : {}),
      source: 'pragma',
    });
  }
  return settings;
}
