// Machine-readable output with a stable shape. Lines and columns are 1-based (columns in UTF-16 code units,
// end exclusive) and spelled out in every name, so nobody has to guess whether a position is 0- or 1-based.
import type { AnalysisResult, FileEdit, Finding, IndexSuggestion, Note } from '../../engine/types';
import { RegionMapper, reportableFindings, summarize, type FindingSummary, type Region } from './common';

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

export function buildJsonReport(result: AnalysisResult, toolVersion: string): JsonReport {
  const regions = new RegionMapper(result.texts);
  const findings = reportableFindings(result.findings);
  return {
    version: JSON_FORMAT_VERSION,
    tool: { name: 'PlanLens', version: toolVersion },
    root: result.root,
    findings: findings.map((finding) => jsonFinding(finding, regions)),
    notes: result.notes,
    summary: summarize(findings, result.files.length),
  };
}

export function formatJson(result: AnalysisResult, toolVersion: string): string {
  return JSON.stringify(buildJsonReport(result, toolVersion), null, 2) + '\n';
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
