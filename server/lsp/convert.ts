// Conversions between the engine's data (workspace-relative paths, UTF-16 offsets) and LSP's
// (URIs, 0-based line/character positions).
import * as path from 'node:path';
import { URI } from 'vscode-uri';
import {
  CreateFile,
  DiagnosticSeverity,
  DiagnosticTag,
  TextDocumentEdit,
  TextEdit,
  type Diagnostic,
  type Range,
  type WorkspaceEdit,
} from 'vscode-languageserver/node';
import type { FileEdit, Finding, OffsetRange, Severity } from '../engine/types';
import { LineIndex } from '../engine/text/lineIndex';
import { ruleDocsUrl } from '../engine/rules/docsUrl';

export function uriToPath(uri: string): string | undefined {
  const parsed = URI.parse(uri);
  return parsed.scheme === 'file' ? parsed.fsPath : undefined;
}

export function pathToUri(absolutePath: string): string {
  return URI.file(absolutePath).toString();
}

export function relativeToRoot(root: string, absolutePath: string): string | undefined {
  const relative = path.relative(root, absolutePath);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  return relative.split(path.sep).join('/');
}

export function toRange(lines: LineIndex, range: OffsetRange): Range {
  return { start: lines.positionAt(range.start), end: lines.positionAt(range.end) };
}

const SEVERITIES: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/** Identifies a finding across requests (code action → resolve) without keeping server-side state. */
export function findingKey(finding: Finding): string {
  return `${finding.ruleId}:${finding.range.start}:${finding.range.end}`;
}

export interface DiagnosticData {
  key: string;
}

export function toDiagnostic(
  finding: Finding,
  lines: LineIndex,
  root: string,
  linesOf: (file: string) => LineIndex | undefined,
): Diagnostic {
  const relatedInformation = finding.related.flatMap((related) => {
    const relatedLines = linesOf(related.file);
    if (!relatedLines) return [];
    return [
      {
        location: { uri: pathToUri(path.join(root, related.file)), range: toRange(relatedLines, related.range) },
        message: related.message,
      },
    ];
  });
  const data: DiagnosticData = { key: findingKey(finding) };
  return {
    range: toRange(lines, finding.range),
    severity: SEVERITIES[finding.severity],
    code: finding.ruleId,
    codeDescription: { href: ruleDocsUrl(finding.ruleId) },
    source: 'planlens',
    message: finding.message,
    relatedInformation: relatedInformation.length > 0 ? relatedInformation : undefined,
    tags: finding.tags.includes('unnecessary') ? [DiagnosticTag.Unnecessary] : undefined,
    data,
  };
}

/**
 * Turns engine edits into a WorkspaceEdit. New files become CreateFile + an insert; edits to existing files
 * use the file's current text (as the session knows it) for positions.
 */
export function toWorkspaceEdit(
  edits: FileEdit[],
  root: string,
  linesOf: (file: string) => LineIndex | undefined,
): WorkspaceEdit | undefined {
  const documentChanges: Array<TextDocumentEdit | CreateFile> = [];
  const byFile = new Map<string, TextEdit[]>();
  for (const edit of edits) {
    const uri = pathToUri(path.join(root, edit.file));
    if (edit.kind === 'create') {
      documentChanges.push(CreateFile.create(uri, { ignoreIfExists: true }));
      documentChanges.push(
        TextDocumentEdit.create({ uri, version: null }, [TextEdit.insert({ line: 0, character: 0 }, edit.text)]),
      );
      continue;
    }
    const lines = linesOf(edit.file);
    if (!lines) return undefined;
    const list = byFile.get(uri) ?? [];
    list.push(TextEdit.replace(toRange(lines, edit.range), edit.newText));
    byFile.set(uri, list);
  }
  for (const [uri, textEdits] of byFile) documentChanges.push(TextDocumentEdit.create({ uri, version: null }, textEdits));
  return { documentChanges };
}
