import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSarifLog, formatSarif, SARIF_SCHEMA } from '../../server/cli/format/sarif';
import { ruleDocsUrl } from '../../server/engine/rules/docsUrl';
import type { AnalysisResult, Finding } from '../../server/engine/types';

// ---------------------------------------------------------------------------------------------
// A structural check of the SARIF 2.1.0 schema's rules for the objects PlanLens writes: required
// properties, allowed property names (the schema sets additionalProperties: false), enums and minimums.

const ALLOWED: Record<string, string[]> = {
  log: ['$schema', 'version', 'runs', 'inlineExternalProperties', 'properties'],
  run: ['tool', 'invocations', 'conversion', 'language', 'versionControlProvenance', 'originalUriBaseIds', 'artifacts', 'logicalLocations', 'graphs', 'results', 'automationDetails', 'runAggregates', 'baselineGuid', 'redactionTokens', 'defaultEncoding', 'defaultSourceLanguage', 'newlineSequences', 'columnKind', 'externalPropertyFileReferences', 'threadFlowLocations', 'taxonomies', 'addresses', 'translations', 'policies', 'webRequests', 'webResponses', 'specialLocations', 'properties'],
  toolComponent: ['guid', 'name', 'organization', 'product', 'productSuite', 'shortDescription', 'fullDescription', 'fullName', 'version', 'semanticVersion', 'dottedQuadFileVersion', 'releaseDateUtc', 'downloadUri', 'informationUri', 'globalMessageStrings', 'notifications', 'rules', 'taxa', 'locations', 'language', 'contents', 'isComprehensive', 'localizedDataSemanticVersion', 'minimumRequiredLocalizedDataSemanticVersion', 'associatedComponent', 'translationMetadata', 'supportedTaxonomies', 'properties'],
  reportingDescriptor: ['id', 'deprecatedIds', 'guid', 'deprecatedGuids', 'name', 'deprecatedNames', 'shortDescription', 'fullDescription', 'messageStrings', 'defaultConfiguration', 'helpUri', 'help', 'relationships', 'properties'],
  reportingConfiguration: ['enabled', 'level', 'rank', 'parameters', 'properties'],
  multiformatMessageString: ['text', 'markdown', 'properties'],
  message: ['text', 'markdown', 'id', 'arguments', 'properties'],
  result: ['ruleId', 'ruleIndex', 'rule', 'kind', 'level', 'message', 'analysisTarget', 'locations', 'guid', 'correlationGuid', 'occurrenceCount', 'partialFingerprints', 'fingerprints', 'stacks', 'codeFlows', 'graphs', 'graphTraversals', 'relatedLocations', 'suppressions', 'baselineState', 'rank', 'attachments', 'hostedViewerUri', 'workItemUris', 'provenance', 'fixes', 'taxa', 'webRequest', 'webResponse', 'properties'],
  location: ['id', 'physicalLocation', 'logicalLocations', 'message', 'annotations', 'relationships', 'properties'],
  physicalLocation: ['address', 'artifactLocation', 'region', 'contextRegion', 'properties'],
  region: ['startLine', 'startColumn', 'endLine', 'endColumn', 'charOffset', 'charLength', 'byteOffset', 'byteLength', 'snippet', 'message', 'sourceLanguage', 'properties'],
  artifactLocation: ['uri', 'uriBaseId', 'index', 'description', 'properties'],
  fix: ['description', 'artifactChanges', 'properties'],
  artifactChange: ['artifactLocation', 'replacements', 'properties'],
  replacement: ['deletedRegion', 'insertedContent', 'properties'],
  artifactContent: ['text', 'binary', 'rendered', 'properties'],
  invocation: ['commandLine', 'arguments', 'responseFiles', 'startTimeUtc', 'endTimeUtc', 'exitCode', 'ruleConfigurationOverrides', 'notificationConfigurationOverrides', 'toolExecutionNotifications', 'toolConfigurationNotifications', 'exitCodeDescription', 'exitSignalName', 'exitSignalNumber', 'processStartFailureMessage', 'executionSuccessful', 'machine', 'account', 'processId', 'executableLocation', 'workingDirectory', 'environmentVariables', 'stdin', 'stdout', 'stderr', 'stdoutStderr', 'properties'],
  notification: ['locations', 'message', 'level', 'threadId', 'timeUtc', 'exception', 'descriptor', 'associatedRule', 'properties'],
};
const LEVELS = ['none', 'note', 'warning', 'error'];

type Json = Record<string, unknown>;

function check(value: unknown, kind: string, where: string, required: string[] = []): Json {
  assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), `${where} must be an object`);
  const object = value as Json;
  for (const key of Object.keys(object)) assert.ok(ALLOWED[kind].includes(key), `${where}: property "${key}" is not allowed on ${kind}`);
  for (const key of required) assert.ok(object[key] !== undefined, `${where}: ${kind} requires "${key}"`);
  return object;
}

function checkArray(value: unknown, where: string, minItems = 0): unknown[] {
  assert.ok(Array.isArray(value), `${where} must be an array`);
  assert.ok(value.length >= minItems, `${where} needs at least ${minItems} items`);
  return value;
}

function checkUri(value: unknown, where: string): void {
  assert.equal(typeof value, 'string', where);
  assert.doesNotThrow(() => new URL(value as string, 'file:///base/'), `${where} is not a URI reference: ${value}`);
  assert.doesNotMatch(value as string, /[\s#?]/, `${where} has characters that must be percent-encoded: ${value}`);
}

function checkMessage(value: unknown, kind: 'message' | 'multiformatMessageString', where: string): void {
  const message = check(value, kind, where, kind === 'multiformatMessageString' ? ['text'] : []);
  assert.ok(typeof message.text === 'string' && message.text.length > 0, `${where}.text`);
}

function checkRegion(value: unknown, where: string): void {
  const region = check(value, 'region', where, ['startLine']);
  for (const key of ['startLine', 'startColumn', 'endLine', 'endColumn']) {
    if (region[key] !== undefined) assert.ok(Number.isInteger(region[key]) && (region[key] as number) >= 1, `${where}.${key} >= 1`);
  }
  const { startLine, startColumn, endLine, endColumn } = region as Record<string, number>;
  assert.ok(endLine > startLine || (endLine === startLine && endColumn >= startColumn), `${where}: end before start`);
}

function checkArtifactLocation(value: unknown, baseIds: Json, where: string): void {
  const location = check(value, 'artifactLocation', where);
  checkUri(location.uri, `${where}.uri`);
  if (location.uriBaseId !== undefined) assert.ok(Object.hasOwn(baseIds, location.uriBaseId as string), `${where}.uriBaseId is not declared`);
  else assert.match(location.uri as string, /^file:\/\//, `${where}: a relative uri needs a uriBaseId`);
}

function checkPhysicalLocation(value: unknown, baseIds: Json, where: string): void {
  const physical = check(value, 'physicalLocation', where, ['artifactLocation']);
  checkArtifactLocation(physical.artifactLocation, baseIds, `${where}.artifactLocation`);
  if (physical.region !== undefined) checkRegion(physical.region, `${where}.region`);
}

function assertValidSarif(log: unknown): void {
  const root = check(log, 'log', 'log', ['version', 'runs']);
  assert.equal(root.version, '2.1.0');
  for (const [runIndex, runValue] of checkArray(root.runs, 'runs', 1).entries()) {
    const where = `runs[${runIndex}]`;
    const run = check(runValue, 'run', where, ['tool']);
    const baseIds = (run.originalUriBaseIds ?? {}) as Json;
    for (const [id, base] of Object.entries(baseIds)) {
      assert.match((base as Json).uri as string, /^file:\/\/.*\/$/, `${where}.originalUriBaseIds.${id} must be an absolute URI ending in /`);
    }
    if (run.columnKind !== undefined) assert.ok(['utf16CodeUnits', 'unicodeCodePoints'].includes(run.columnKind as string));
    const tool = run.tool as Json;
    const driver = check(tool.driver, 'toolComponent', `${where}.tool.driver`, ['name']);
    checkUri(driver.informationUri, `${where}.tool.driver.informationUri`);
    const rules = checkArray(driver.rules ?? [], `${where}.tool.driver.rules`).map((ruleValue, index) => {
      const rule = check(ruleValue, 'reportingDescriptor', `rules[${index}]`, ['id']);
      checkMessage(rule.shortDescription, 'multiformatMessageString', `rules[${index}].shortDescription`);
      assert.match(rule.helpUri as string, /^https:\/\//);
      const configuration = check(rule.defaultConfiguration, 'reportingConfiguration', `rules[${index}].defaultConfiguration`);
      assert.ok(LEVELS.includes(configuration.level as string));
      return rule;
    });
    assert.equal(new Set(rules.map((rule) => rule.id)).size, rules.length, 'rule ids are unique');
    for (const [index, invocationValue] of checkArray(run.invocations ?? [], `${where}.invocations`).entries()) {
      const invocation = check(invocationValue, 'invocation', `invocations[${index}]`, ['executionSuccessful']);
      for (const [n, notificationValue] of checkArray(invocation.toolExecutionNotifications ?? [], 'notifications').entries()) {
        const notification = check(notificationValue, 'notification', `notifications[${n}]`, ['message']);
        checkMessage(notification.message, 'message', `notifications[${n}].message`);
        assert.ok(LEVELS.includes(notification.level as string));
        for (const locationValue of checkArray(notification.locations ?? [], 'notification.locations')) {
          const location = check(locationValue, 'location', 'notification.location');
          checkPhysicalLocation(location.physicalLocation, baseIds, 'notification.location.physicalLocation');
        }
      }
    }
    for (const [index, resultValue] of checkArray(run.results, `${where}.results`).entries()) {
      const at = `results[${index}]`;
      const result = check(resultValue, 'result', at, ['message']);
      checkMessage(result.message, 'message', `${at}.message`);
      assert.ok(LEVELS.includes(result.level as string), `${at}.level`);
      assert.equal(rules[result.ruleIndex as number]?.id, result.ruleId, `${at}.ruleIndex points at its rule`);
      for (const [n, locationValue] of checkArray(result.locations, `${at}.locations`, 1).entries()) {
        const location = check(locationValue, 'location', `${at}.locations[${n}]`);
        checkPhysicalLocation(location.physicalLocation, baseIds, `${at}.locations[${n}].physicalLocation`);
      }
      const relatedIds = new Set<number>();
      for (const [n, relatedValue] of checkArray(result.relatedLocations ?? [], `${at}.relatedLocations`).entries()) {
        const related = check(relatedValue, 'location', `${at}.relatedLocations[${n}]`);
        assert.ok(Number.isInteger(related.id) && (related.id as number) >= 0 && !relatedIds.has(related.id as number));
        relatedIds.add(related.id as number);
        checkPhysicalLocation(related.physicalLocation, baseIds, `${at}.relatedLocations[${n}].physicalLocation`);
        checkMessage(related.message, 'message', `${at}.relatedLocations[${n}].message`);
      }
      for (const [n, fixValue] of checkArray(result.fixes ?? [], `${at}.fixes`).entries()) {
        const fix = check(fixValue, 'fix', `${at}.fixes[${n}]`, ['artifactChanges']);
        checkMessage(fix.description, 'message', `${at}.fixes[${n}].description`);
        for (const [c, changeValue] of checkArray(fix.artifactChanges, `${at}.fixes[${n}].artifactChanges`, 1).entries()) {
          const change = check(changeValue, 'artifactChange', `change[${c}]`, ['artifactLocation', 'replacements']);
          checkArtifactLocation(change.artifactLocation, baseIds, `change[${c}].artifactLocation`);
          for (const [r, replacementValue] of checkArray(change.replacements, `change[${c}].replacements`, 1).entries()) {
            const replacement = check(replacementValue, 'replacement', `replacement[${r}]`, ['deletedRegion']);
            checkRegion(replacement.deletedRegion, `replacement[${r}].deletedRegion`);
            check(replacement.insertedContent, 'artifactContent', `replacement[${r}].insertedContent`);
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// fixtures

const PY = '# 🚀 launch\nrows = conn.execute("SELECT * FROM jobs WHERE status = ? ORDER BY created_at").fetchall()\n';
const SQL = 'CREATE TABLE jobs (id INTEGER PRIMARY KEY, status TEXT, created_at TEXT);\r\nCREATE INDEX jobs_status ON jobs (status);\r\n';
const QUERY = '"SELECT * FROM jobs WHERE status = ? ORDER BY created_at"';
const INDEX_DDL = 'CREATE INDEX jobs_status ON jobs (status)';

function finding(overrides: Partial<Finding> & Pick<Finding, 'ruleId' | 'severity' | 'file' | 'range' | 'message'>): Finding {
  return { related: [], fixes: [], tags: [], ...overrides };
}

const tempSort = finding({
  ruleId: 'temp-sort',
  severity: 'warning',
  file: 'app/jobs.py',
  range: { start: PY.indexOf(QUERY), end: PY.indexOf(QUERY) + QUERY.length },
  message: 'jobs: ORDER BY created_at sorts in a temp B-tree',
  related: [{ file: 'db/schema.sql', range: { start: SQL.indexOf(INDEX_DDL), end: SQL.indexOf(INDEX_DDL) + INDEX_DDL.length }, message: 'jobs_status' }],
  fixes: [
    {
      title: 'Add index jobs_status_created_at in db/schema.sql',
      edits: [
        { kind: 'replace', file: 'db/schema.sql', range: { start: SQL.length, end: SQL.length }, newText: 'CREATE INDEX IF NOT EXISTS jobs_status_created_at ON jobs (status, created_at);\r\n' },
        { kind: 'replace', file: 'db/schema.sql', range: { start: 0, end: 0 }, newText: '-- indexed\r\n' },
      ],
    },
    {
      title: 'Add migration db/migrations/0002_jobs_status_created_at.sql',
      edits: [{ kind: 'create', file: 'db/migrations/0002 jobs#status.sql', text: 'CREATE INDEX IF NOT EXISTS jobs_status_created_at ON jobs (status, created_at);\n' }],
    },
  ],
});
const broken = finding({ ruleId: 'sql-error', severity: 'error', file: 'app/jobs.py', range: { start: 0, end: 1 }, message: 'no such table: jobz' });
const redundant = finding({ ruleId: 'redundant-index', severity: 'hint', file: 'db/schema.sql', range: { start: SQL.indexOf(INDEX_DDL), end: SQL.indexOf(INDEX_DDL) + INDEX_DDL.length }, message: 'jobs_status is redundant', tags: ['unnecessary'] });
const infoLevel = finding({ ruleId: 'missing-index', severity: 'info', file: 'app/jobs.py', range: { start: 2, end: 4 }, message: 'scan' });

function analysis(findings: Finding[]): AnalysisResult {
  return {
    root: '/work/my app',
    findings,
    notes: [
      { level: 'warning', file: 'legacy/old.sql', message: 'skipped: not valid UTF-8' },
      { level: 'info', message: 'schema: 3 tables' },
      { level: 'error', file: '/elsewhere/x.sql', message: 'outside the workspace root' },
    ],
    files: ['app/jobs.py', 'db/schema.sql'],
    texts: new Map([
      ['app/jobs.py', PY],
      ['db/schema.sql', SQL],
    ]),
  };
}

// ---------------------------------------------------------------------------------------------

test('the log passes the structural SARIF 2.1.0 checks, with and without results', () => {
  assertValidSarif(buildSarifLog(analysis([tempSort, broken, redundant, infoLevel]), '0.1.0'));
  assertValidSarif(buildSarifLog({ ...analysis([]), notes: [] }, '0.1.0'));
  assertValidSarif(JSON.parse(formatSarif(analysis([tempSort]), '0.1.0')));
});

test('the validator has teeth', () => {
  const log = buildSarifLog(analysis([tempSort]), '0.1.0');
  const bad = structuredClone(log);
  bad.runs[0].results[0].locations[0].physicalLocation.region!.startLine = 0;
  assert.throws(() => assertValidSarif(bad), /startLine >= 1/);
  const extra = structuredClone(log) as unknown as { runs: Array<{ results: Array<Record<string, unknown>> }> };
  extra.runs[0].results[0].severity = 'warning';
  assert.throws(() => assertValidSarif(extra), /property "severity" is not allowed on result/);
});

test('log header, tool driver and ROOT base URI', () => {
  const log = buildSarifLog(analysis([tempSort]), '1.2.3');
  assert.equal(log.$schema, SARIF_SCHEMA);
  assert.equal(log.$schema, 'https://json.schemastore.org/sarif-2.1.0.json');
  assert.equal(log.runs.length, 1);
  const run = log.runs[0];
  assert.equal(run.tool.driver.name, 'PlanLens');
  assert.equal(run.tool.driver.version, '1.2.3');
  assert.equal(run.tool.driver.informationUri, 'https://github.com/planlens/planlens');
  assert.deepEqual(run.originalUriBaseIds, { ROOT: { uri: 'file:///work/my%20app/' } });
  assert.equal(run.columnKind, 'utf16CodeUnits');
});

test('rules: only those with results, in rule-id order, with helpUri and default levels; ruleIndex points at them', () => {
  const log = buildSarifLog(analysis([redundant, tempSort, broken, infoLevel]), '0.1.0');
  const rules = log.runs[0].tool.driver.rules;
  assert.deepEqual(
    rules.map((rule) => [rule.id, rule.name, rule.helpUri, rule.defaultConfiguration.level]),
    [
      ['missing-index', 'MissingIndex', 'https://github.com/planlens/planlens/blob/main/docs/rules/missing-index.md', 'warning'],
      ['temp-sort', 'TempSort', ruleDocsUrl('temp-sort'), 'warning'],
      ['redundant-index', 'RedundantIndex', ruleDocsUrl('redundant-index'), 'note'],
      ['sql-error', 'SqlError', ruleDocsUrl('sql-error'), 'error'],
    ],
  );
  for (const rule of rules) assert.ok(rule.shortDescription.text.length > 10, rule.id);
  // Results are sorted by file and position; each ruleIndex matches.
  assert.deepEqual(
    log.runs[0].results.map((result) => [result.ruleId, result.ruleIndex, result.level]),
    [
      ['sql-error', 3, 'error'],
      ['missing-index', 0, 'note'],
      ['temp-sort', 1, 'warning'],
      ['redundant-index', 2, 'note'],
    ],
  );
});

test('a rule without metadata still gets a descriptor', () => {
  const future = finding({ ruleId: 'n-plus-one', severity: 'warning', file: 'app/jobs.py', range: { start: 0, end: 1 }, message: 'loop' });
  const custom = finding({ ruleId: 'zz-custom', severity: 'warning', file: 'app/jobs.py', range: { start: 0, end: 1 }, message: 'x' });
  const log = buildSarifLog(analysis([custom, future]), '0.1.0');
  assert.deepEqual(log.runs[0].tool.driver.rules.map((rule) => rule.id), ['n-plus-one', 'zz-custom']);
  assertValidSarif(log);
});

test('result location: relative uri on ROOT, 1-based region in UTF-16 columns, related locations', () => {
  const result = buildSarifLog(analysis([tempSort]), '0.1.0').runs[0].results[0];
  assert.deepEqual(result.message, { text: 'jobs: ORDER BY created_at sorts in a temp B-tree' });
  // Line 2 starts after "# 🚀 launch\n"; the rocket is two UTF-16 code units but sits on line 1.
  const column = 'rows = conn.execute('.length + 1;
  assert.deepEqual(result.locations, [
    {
      physicalLocation: {
        artifactLocation: { uri: 'app/jobs.py', uriBaseId: 'ROOT' },
        region: { startLine: 2, startColumn: column, endLine: 2, endColumn: column + QUERY.length },
      },
    },
  ]);
  assert.deepEqual(result.relatedLocations, [
    {
      id: 0,
      physicalLocation: {
        artifactLocation: { uri: 'db/schema.sql', uriBaseId: 'ROOT' },
        region: { startLine: 2, startColumn: 1, endLine: 2, endColumn: 1 + INDEX_DDL.length },
      },
      message: { text: 'jobs_status' },
    },
  ]);
});

test('columns count UTF-16 code units, so an astral character before a result counts twice', () => {
  const emojiFinding = finding({ ruleId: 'sql-error', severity: 'error', file: 'app/jobs.py', range: { start: 5, end: 11 }, message: 'x' });
  const region = buildSarifLog(analysis([emojiFinding]), '0.1.0').runs[0].results[0].locations[0].physicalLocation.region;
  // "# 🚀 launch": offset 5 is the "l" after "# " + two code units + " ".
  assert.deepEqual(region, { startLine: 1, startColumn: 6, endLine: 1, endColumn: 12 });
});

test('fixes: replacements grouped per file; a new file is an insertion at 1:1 with the whole text', () => {
  const result = buildSarifLog(analysis([tempSort]), '0.1.0').runs[0].results[0];
  assert.deepEqual(result.fixes, [
    {
      description: { text: 'Add index jobs_status_created_at in db/schema.sql' },
      artifactChanges: [
        {
          artifactLocation: { uri: 'db/schema.sql', uriBaseId: 'ROOT' },
          replacements: [
            {
              // The file ends with \r\n, so the end of the text is line 3, column 1.
              deletedRegion: { startLine: 3, startColumn: 1, endLine: 3, endColumn: 1 },
              insertedContent: { text: 'CREATE INDEX IF NOT EXISTS jobs_status_created_at ON jobs (status, created_at);\r\n' },
            },
            {
              deletedRegion: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 },
              insertedContent: { text: '-- indexed\r\n' },
            },
          ],
        },
      ],
    },
    {
      description: { text: 'Add migration db/migrations/0002_jobs_status_created_at.sql' },
      artifactChanges: [
        {
          artifactLocation: { uri: 'db/migrations/0002%20jobs%23status.sql', uriBaseId: 'ROOT' },
          replacements: [
            {
              deletedRegion: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 },
              insertedContent: { text: 'CREATE INDEX IF NOT EXISTS jobs_status_created_at ON jobs (status, created_at);\n' },
            },
          ],
        },
      ],
    },
  ]);
  assert.equal(buildSarifLog(analysis([broken]), '0.1.0').runs[0].results[0].fixes, undefined, 'no fixes key without fixes');
  assert.equal(buildSarifLog(analysis([broken]), '0.1.0').runs[0].results[0].relatedLocations, undefined);
});

test('notes become tool execution notifications', () => {
  const invocation = buildSarifLog(analysis([]), '0.1.0').runs[0].invocations[0];
  assert.equal(invocation.executionSuccessful, true);
  assert.deepEqual(invocation.toolExecutionNotifications, [
    {
      level: 'warning',
      message: { text: 'skipped: not valid UTF-8' },
      locations: [{ physicalLocation: { artifactLocation: { uri: 'legacy/old.sql', uriBaseId: 'ROOT' } } }],
    },
    { level: 'note', message: { text: 'schema: 3 tables' } },
    {
      level: 'error',
      message: { text: 'outside the workspace root' },
      locations: [{ physicalLocation: { artifactLocation: { uri: 'file:///elsewhere/x.sql' } } }],
    },
  ]);
});
