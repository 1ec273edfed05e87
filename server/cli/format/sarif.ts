// SARIF 2.1.0 for CI and code scanning: one run, rule metadata with help links, results with 1-based
// regions relative to the ROOT base URI, and fixes as artifact changes.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnalysisResult, FileEdit, Finding, Note, Severity } from '../../engine/types';
import { RULE_IDS } from '../../engine/types';
import { ruleMeta } from '../../engine/rules/registry';
import { ruleDocsUrl } from '../../engine/rules/docsUrl';
import { jsonChunks, mapLazily, RegionMapper, compareCodePoints, reportableFindings, STREAMED_ARRAY, type Region } from './common';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const INFORMATION_URI = 'https://github.com/planlens/planlens';
const ROOT_BASE_ID = 'ROOT';

type SarifLevel = 'error' | 'warning' | 'note' | 'none';

interface ArtifactLocation {
  uri: string;
  uriBaseId?: string;
}

interface PhysicalLocation {
  artifactLocation: ArtifactLocation;
  region?: Region;
}

export interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  helpUri: string;
  defaultConfiguration: { level: SarifLevel };
}

export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: { text: string };
  locations: Array<{ physicalLocation: PhysicalLocation }>;
  relatedLocations?: Array<{ id: number; physicalLocation: PhysicalLocation; message: { text: string } }>;
  fixes?: Array<{
    description: { text: string };
    artifactChanges: Array<{
      artifactLocation: ArtifactLocation;
      replacements: Array<{ deletedRegion: Region; insertedContent: { text: string } }>;
    }>;
  }>;
}

export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: Array<{
    tool: { driver: { name: 'PlanLens'; informationUri: string; version: string; semanticVersion: string; rules: SarifRule[] } };
    originalUriBaseIds: Record<string, { uri: string }>;
    columnKind: 'utf16CodeUnits';
    invocations: Array<{
      executionSuccessful: boolean;
      toolExecutionNotifications: Array<{ level: SarifLevel; message: { text: string }; locations?: Array<{ physicalLocation: PhysicalLocation }> }>;
    }>;
    results: SarifResult[];
  }>;
}

const LEVEL_BY_SEVERITY: Record<Severity, SarifLevel> = { error: 'error', warning: 'warning', info: 'note', hint: 'note' };
const LEVEL_BY_NOTE: Record<Note['level'], SarifLevel> = { error: 'error', warning: 'warning', info: 'note' };

/** An insertion at the very start of a file: how a new file's content is expressed as a replacement. */
const START_OF_FILE: Region = { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 };

export function buildSarifLog(result: AnalysisResult, toolVersion: string): SarifLog {
  return sarifLog(result, toolVersion, (findings, resultOf) => findings.map(resultOf));
}

/** The SARIF log as `formatSarif` writes it, in pieces: one per result (see `jsonChunks`). */
export function sarifLogChunks(result: AnalysisResult, toolVersion: string): Iterable<string> {
  let lazyResults: Iterable<SarifResult> = [];
  const log = sarifLog(result, toolVersion, (findings, resultOf) => {
    lazyResults = mapLazily(findings, resultOf);
    return STREAMED_ARRAY as unknown as SarifResult[]; // written in its place by jsonChunks
  });
  return jsonChunks(log, lazyResults);
}

/** The log, with `results` as the caller makes them from the reportable findings. */
function sarifLog(
  result: AnalysisResult,
  toolVersion: string,
  makeResults: (findings: Finding[], resultOf: (finding: Finding) => SarifResult) => SarifResult[],
): SarifLog {
  const regions = new RegionMapper(result.texts);
  const findings = reportableFindings(result.findings);
  const rules = sarifRules(findings);
  const ruleIndex = new Map(rules.map((rule, index) => [rule.id, index]));
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: { name: 'PlanLens', informationUri: INFORMATION_URI, version: toolVersion, semanticVersion: toolVersion, rules },
        },
        originalUriBaseIds: { [ROOT_BASE_ID]: { uri: directoryUri(result.root) } },
        columnKind: 'utf16CodeUnits',
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: result.notes.map((note) => ({
              level: LEVEL_BY_NOTE[note.level],
              message: { text: note.message },
              ...(note.file ? { locations: [{ physicalLocation: { artifactLocation: artifactLocation(note.file) } }] } : {}),
            })),
          },
        ],
        results: makeResults(findings, (finding) => sarifResult(finding, ruleIndex.get(finding.ruleId) ?? -1, regions)),
      },
    ],
  };
}

export function formatSarif(result: AnalysisResult, toolVersion: string): string {
  return [...sarifLogChunks(result, toolVersion)].join('');
}

/** Metadata for the rules that have results: known rules in RULE_IDS order, then any others by id. */
function sarifRules(findings: readonly Finding[]): SarifRule[] {
  const present = new Set(findings.map((finding) => finding.ruleId));
  const known = RULE_IDS.filter((id) => present.has(id));
  const unknown = [...present].filter((id) => !(RULE_IDS as readonly string[]).includes(id)).sort(compareCodePoints);
  return [...known, ...unknown].map((id) => {
    const meta = ruleMeta(id);
    return {
      id,
      name: pascalCase(id),
      shortDescription: { text: meta?.summary ?? `PlanLens rule ${id}.` },
      helpUri: ruleDocsUrl(id),
      defaultConfiguration: { level: LEVEL_BY_SEVERITY[meta?.defaultSeverity ?? 'warning'] },
    };
  });
}

function sarifResult(finding: Finding, ruleIndex: number, regions: RegionMapper): SarifResult {
  const result: SarifResult = {
    ruleId: finding.ruleId,
    ruleIndex,
    level: LEVEL_BY_SEVERITY[finding.severity],
    message: { text: finding.message },
    locations: [{ physicalLocation: { artifactLocation: artifactLocation(finding.file), region: regions.region(finding.file, finding.range) } }],
  };
  if (finding.related.length > 0) {
    result.relatedLocations = finding.related.map((related, id) => ({
      id,
      physicalLocation: { artifactLocation: artifactLocation(related.file), region: regions.region(related.file, related.range) },
      message: { text: related.message },
    }));
  }
  if (finding.fixes.length > 0) {
    result.fixes = finding.fixes.map((fix) => ({
      description: { text: fix.title },
      artifactChanges: groupByFile(fix.edits).map(([file, edits]) => ({
        artifactLocation: artifactLocation(file),
        replacements: edits.map((edit) =>
          edit.kind === 'create'
            ? { deletedRegion: START_OF_FILE, insertedContent: { text: edit.text } }
            : { deletedRegion: regions.region(edit.file, edit.range), insertedContent: { text: edit.newText } },
        ),
      })),
    }));
  }
  return result;
}

/** SARIF wants one artifactChange per file, holding all of that file's replacements. */
function groupByFile(edits: readonly FileEdit[]): Array<[string, FileEdit[]]> {
  const byFile = new Map<string, FileEdit[]>();
  for (const edit of edits) {
    const list = byFile.get(edit.file);
    if (list) list.push(edit);
    else byFile.set(edit.file, [edit]);
  }
  return [...byFile];
}

/** A workspace-relative path becomes a URI reference against ROOT; an absolute one (outside the root) a file URI. */
function artifactLocation(file: string): ArtifactLocation {
  if (path.isAbsolute(file)) return { uri: pathToFileURL(file).href };
  return { uri: file.split('/').map(encodeURIComponent).join('/'), uriBaseId: ROOT_BASE_ID };
}

function directoryUri(directory: string): string {
  const href = pathToFileURL(directory).href;
  return href.endsWith('/') ? href : href + '/';
}

function pascalCase(id: string): string {
  return id.replace(/(^|-)([a-z])/g, (_, __, letter: string) => letter.toUpperCase());
}
