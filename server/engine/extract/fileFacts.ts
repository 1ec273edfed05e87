// One file in, its facts out: read (or take the editor's text), pick the extractor by language, add ORM facts.
// Used by the main thread and by the extraction workers alike.
import type { FileFacts, Note, SourceFile } from '../types';
import { MAX_FILE_BYTES, languageForPath, readSourceFile } from '../workspace/files';
import { extractSqlFile } from './sqlFile';
import { extractPython } from './python';
import { extractTypeScript } from './typescript';
import { extractRust } from './rust';
import { withOrmFacts } from '../orm';
import { isMainThread } from 'node:worker_threads';
import { compactFacts } from './compact';

/** What reading and extracting one file gives; a failure is a note, never a lost run. */
export interface ExtractedFile {
  fact?: FileFacts;
  text?: string;
  /** In place of `text` for a file a one-off run only searches for callers (made by workload/skipped.ts). */
  calledNames?: string[];
  notes: Note[];
}

/** Extracts one file's statements. */
async function extractFacts(file: SourceFile, root: string): Promise<FileFacts | undefined> {
  switch (file.language) {
    case 'sql':
      return extractSqlFile(file);
    case 'python':
      return extractPython(file);
    case 'typescript':
    case 'javascript':
      return extractTypeScript(file);
    case 'rust':
      return extractRust(file, { root });
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Reads `relative` under `root` (or takes `textOverride`, an editor buffer) and extracts it. */
export async function readAndExtract(root: string, relative: string, textOverride?: string): Promise<ExtractedFile> {
  const notes: Note[] = [];
  let file: SourceFile | undefined;
  if (textOverride !== undefined) {
    const language = languageForPath(relative);
    if (!language) return { notes };
    // An editor buffer is held to the same size limit as a file on disk.
    if (textOverride.length > MAX_FILE_BYTES / 3 && Buffer.byteLength(textOverride, 'utf8') > MAX_FILE_BYTES) {
      notes.push({ level: 'warning', file: relative, message: 'skipped: the editor buffer is over the 2 MB limit' });
      return { notes };
    }
    // A BOM the editor kept becomes a space: offsets stay those of the editor's text.
    file = { path: relative, language, text: textOverride.replace(/^\uFEFF/, ' ') };
  } else {
    const read = readSourceFile(root, relative);
    if (read.note) notes.push(read.note);
    file = read.file;
  }
  if (!file) return { notes };
  try {
    const extracted = await withOrmFacts(file, await extractFacts(file, root));
    // Facts are compacted where they are kept: an extraction worker's copies are compacted when they arrive.
    const fact = extracted && isMainThread ? compactFacts(extracted) : extracted;
    if (fact?.skippedDialect) notes.push({ level: 'info', file: file.path, message: `skipped: ${fact.skippedDialect}` });
    return { fact, text: file.text, notes };
  } catch (error) {
    notes.push({ level: 'error', file: file.path, message: `could not extract queries: ${errorMessage(error)}` });
    return { text: file.text, notes };
  }
}
