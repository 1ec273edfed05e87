import type { FileEdit } from '../types';

type Replacement = Extract<FileEdit, { kind: 'replace' }>;

/**
 * Applies edits to in-memory texts and returns the new texts of the files touched. Replacements in one file
 * are applied from the end so earlier offsets stay valid; insertions at the same offset keep their order.
 * Throws, changing nothing, when edits overlap, a range lies outside its file, a replaced file does not
 * exist, or a created file already does (a fix never overwrites what is there).
 */
export function applyEdits(edits: FileEdit[], readText: (file: string) => string | undefined): Map<string, string> {
  const results = new Map<string, string>();
  const byFile = new Map<string, Replacement[]>();
  for (const edit of edits) {
    if (edit.kind === 'create') {
      if (results.has(edit.file) || readText(edit.file) !== undefined) throw new Error(`cannot create ${edit.file}: it already exists`);
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
    const ordered = replacements.map((edit, order) => ({ ...edit.range, edit, order }));
    for (const { start, end } of ordered) {
      if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= text.length)) {
        throw new Error(`edit outside ${file}: ${start}..${end} of ${text.length}`);
      }
    }
    ordered.sort((a, b) => a.start - b.start || a.end - b.end);
    for (let i = 1; i < ordered.length; i++) {
      if (ordered[i - 1].end > ordered[i].start) throw new Error(`overlapping edits in ${file}`);
    }
    // From the end so earlier offsets stay valid. Insertions at the offset where a replacement starts land
    // before its new text, and several insertions at one offset keep their given order.
    const sorted = ordered
      .sort((a, b) => b.start - a.start || b.end - a.end || b.order - a.order)
      .map(({ edit }) => edit);
    for (const edit of sorted) text = text.slice(0, edit.range.start) + edit.newText + text.slice(edit.range.end);
    results.set(file, text);
  }
  return results;
}
