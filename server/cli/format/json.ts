// Machine-readable output with a stable shape. Lines and columns are 1-based (columns in UTF-16 code units,
// end exclusive) and spelled out in every name, so nobody has to guess whether a position is 0- or 1-based.
import type { AnalysisResult, FileEdit, Finding, IndexSuggestion, Note } from '../../engine/types';
import { jsonChunks, mapLazily, RegionMapper, reportableFindings, STREAMED_ARRAY, summarize, type FindingSummary, type Region } from './common';

/** Bumped when a field changes meaning or disappears; new fields do not bump it. */
export const JSON_FORMAT_VERSION = 1;

export interface JsonReport {
  version: number;
  tool: { name: 'PlanLens'; version: string };
  root: string;
  findings: JsonFinding[];
  notes: Note[];
  summary: FindingSummary;
}

export interface JsonFinding extends Region {
  ruleId: string;
  severity: string;
  file: string;
  message: string;
  table?: string;
  related: Array<Region & { file: string; message: string }>;
  planBefore?: string[];
  planAfter?: string[];
  suggestion?: IndexSuggestion;
  fixes: Array<{ title: string; edits: JsonEdit[] }>;
  tags: string[];
}

export type JsonEdit =
  | ({ kind: 'replace'; file: string; newText: string } & Region)
  | { kind: 'create'; file: string; text: string };

/** The report, with `findings` as the caller makes them from the reportable findings. */
function jsonReport(result: AnalysisResult, toolVersion: string, makeFindings: (findings: Finding[], regions: RegionMapper) => JsonFinding[]): JsonReport {
  const regions = new RegionMapper(result.texts);
  const findings = reportableFindings(result.findings);
  return {
    version: JSON_FORMAT_VERSION,
    tool: { name: 'PlanLens', version: toolVersion },
    root: result.root,
    findings: makeFindings(findings, regions),
    notes: result.notes,
    summary: summarize(findings, result.files.length),
  };
}

export function buildJsonReport(result: AnalysisResult, toolVersion: string): JsonReport {
  return jsonReport(result, toolVersion, (findings, regions) => findings.map((finding) => jsonFinding(finding, regions)));
}

/** The JSON report as `formatJson` writes it, in pieces: one per finding (see `jsonChunks`). */
export function jsonReportChunks(result: AnalysisResult, toolVersion: string): Iterable<string> {
  let lazyFindings: Iterable<JsonFinding> = [];
  const report = jsonReport(result, toolVersion, (findings, regions) => {
    lazyFindings = mapLazily(findings, (finding) => jsonFinding(finding, regions));
    return STREAMED_ARRAY as unknown as JsonFinding[]; // written in its place by jsonChunks
  });
  return jsonChunks(report, lazyFindings);
}

export function formatJson(result: AnalysisResult, toolVersion: string): string {
  return [...jsonReportChunks(result, toolVersion)].join('');
}

function jsonFinding(finding: Finding, regions: RegionMapper): JsonFinding {
  return {
    ruleId: finding.ruleId,
    severity: finding.severity,
    file: finding.file,
    ...regions.region(finding.file, finding.range),
    message: finding.message,
    table: finding.table,
    related: finding.related.map((related) => ({
      file: related.file,
      ...regions.region(related.file, related.range),
      message: related.message,
    })),
    planBefore: finding.planBefore,
    planAfter: finding.planAfter,
    suggestion: finding.suggestion,
    fixes: finding.fixes.map((fix) => ({ title: fix.title, edits: fix.edits.map((edit) => jsonEdit(edit, regions)) })),
    tags: finding.tags,
  };
}

function jsonEdit(edit: FileEdit, regions: RegionMapper): JsonEdit {
  if (edit.kind === 'create') return { kind: 'create', file: edit.file, text: edit.text };
  return { kind: 'replace', file: edit.file, ...regions.region(edit.file, edit.range), newText: edit.newText };
}
