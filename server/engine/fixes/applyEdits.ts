import type { FileEdit } from '../types';

/**
 * Applies edits to in-memory texts and returns the new texts of the files touched. Replacements in one file
 * are applied from the end so earlier offsets stay valid; overlapping replacements are rejected.
 */
export function applyEdits(edits: FileEdit[], readText: (file: string) => string | undefined): Map<string, string> {
  const results = new Map<string, string>();
  const byFile = new Map<string, Array<Extract<FileEdit, { kind: 'replace' }>>>();
  for (const edit of edits) {
    if (edit.kind === 'create') {
      results.set(edit.file, edit.text);
      continue;
    }
    const list = byFile.get(edit.file) ?? [];
    list.push(edit);
    byFile.set(edit.file, list);
  }
  for (const [file, replacements] of byFile) {
    let text = results.get(file) ?? readText(file);
    if (text === undefined) throw new Error(`cannot edit ${file}: it does not exist`);
    const sorted = [...replacements].sort((a, b) => b.range.start - a.range.start);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i].range.end > sorted[i - 1].range.start) throw new Error(`overlapping edits in ${file}`);
    }
    for (const edit of sorted) text = text.slice(0, edit.range.start) + edit.newText + text.slice(edit.range.end);
    results.set(file, text);
  }
  return results;
}
