// Editor-only edits that the engine does not produce: suppression comments, and merging several fixes
// into one "fix all" edit.
import * as path from 'node:path';
import type { FileEdit, Finding, HostLanguage } from '../engine/types';

const COMMENT_STYLE: Record<HostLanguage, (rule: string) => string> = {
  sql: (rule) => `-- planlens-ignore:${rule}`,
  python: (rule) => `# planlens: ignore[${rule}]`,
  typescript: (rule) => `// planlens: ignore[${rule}]`,
  javascript: (rule) => `// planlens: ignore[${rule}]`,
  rust: (rule) => `// planlens: ignore[${rule}]`,
  prisma: (rule) => `// planlens: ignore[${rule}]`,
};

/**
 * "Ignore this finding here": a suppression comment on its own line above the line where the finding starts,
 * indented like that line.
 */
export function suppressionEdit(finding: Finding, text: string, language: HostLanguage): FileEdit {
  const lineStart = text.lastIndexOf('\n', finding.range.start - 1) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? '';
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  return {
    kind: 'replace',
    file: finding.file,
    range: { start: lineStart, end: lineStart },
    newText: `${indent}${COMMENT_STYLE[language](finding.ruleId)}${eol}`,
  };
}

/**
 * All fixes of a file as one edit set. Fixes that propose the same index are applied once, and several new
 * migration files in one folder are merged into the first, so their numbers do not collide.
 */
export function mergeFixes(findings: Finding[]): FileEdit[] {
  const seenIndexes = new Set<string>();
  const edits: FileEdit[] = [];
  // Two fixes inserting at the same place (a new entry after the same last migration entry) would both take
  // the same version key; only the first goes in, and the next fix-all run adds the other.
  const insertionPoints = new Set<string>();
  const createdByDir = new Map<string, Extract<FileEdit, { kind: 'create' }>>();
  for (const finding of findings) {
    const fix = finding.fixes[0];
    if (!fix) continue;
    const indexName = finding.suggestion?.name.toLowerCase();
    if (indexName) {
      if (seenIndexes.has(indexName)) continue;
      seenIndexes.add(indexName);
    }
    const points = fix.edits.flatMap((edit) => (edit.kind === 'replace' ? [`${edit.file}:${edit.range.start}`] : []));
    if (points.some((point) => insertionPoints.has(point))) continue;
    for (const point of points) insertionPoints.add(point);
    for (const edit of fix.edits) {
      if (edit.kind === 'create' && !/\.down\.sql$/i.test(edit.file)) {
        const dir = path.posix.dirname(edit.file);
        const existing = createdByDir.get(dir);
        if (existing) {
          existing.text += edit.text;
          continue;
        }
        const copy = { ...edit };
        createdByDir.set(dir, copy);
        edits.push(copy);
        continue;
      }
      if (edit.kind === 'create') continue; // down files of merged migrations would not match the merged up file
      edits.push(edit);
    }
  }
  return edits;
}
