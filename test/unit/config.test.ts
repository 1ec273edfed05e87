import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, DEFAULT_CONFIG, loadConfig, mergeConfig } from '../../server/engine/config';

const tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-config-'));
after(() => fs.rmSync(tempRoot, { recursive: true, force: true }));

let counter = 0;
/** A fresh folder holding planlens.json with the given text (or none). */
function workspace(configText?: string): string {
  const dir = path.join(tempRoot, `ws${counter++}`);
  fs.mkdirSync(dir);
  if (configText !== undefined) fs.writeFileSync(path.join(dir, 'planlens.json'), configText);
  return dir;
}

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a ConfigError');
}

test('no planlens.json: defaults and no source', () => {
  const { config, source } = loadConfig(workspace());
  assert.equal(source, undefined);
  assert.deepEqual(config, {
    include: ['**/*'],
    exclude: [],
    schema: [],
    rules: {},
    smallTables: [],
    defaultRowCount: 1000000,
    countFilterSyntax: false,
    databases: [],
    useDatabaseFiles: false,
    maxDatabaseBytes: 67108864,
  });
  // The returned config is a copy: changing it leaves the defaults alone.
  const copy = loadConfig(workspace()).config;
  copy.include.push('x');
  copy.rules['missing-index'] = 'off';
  assert.deepEqual(DEFAULT_CONFIG.include, ['**/*']);
  assert.deepEqual(DEFAULT_CONFIG.rules, {});
});

test('a valid file is merged over the defaults', () => {
  const root = workspace(
    '\ufeff' + // editors on Windows write a BOM
      JSON.stringify({
        $schema: './node_modules/planlens/schema.json',
        exclude: ['legacy/**'],
        schema: ['db/schema.sql'],
        rules: { 'temp-sort': 'off', 'missing-index': 'error' },
        smallTables: ['settings'],
        defaultRowCount: 5000,
        countFilterSyntax: true,
        databases: ['data/app.db'],
        useDatabaseFiles: true,
        maxDatabaseBytes: 1048576,
      }),
  );
  const { config, source } = loadConfig(root);
  assert.equal(source, path.join(root, 'planlens.json'));
  assert.deepEqual(config, {
    include: ['**/*'],
    exclude: ['legacy/**'],
    schema: ['db/schema.sql'],
    rules: { 'temp-sort': 'off', 'missing-index': 'error' },
    smallTables: ['settings'],
    defaultRowCount: 5000,
    countFilterSyntax: true,
    databases: ['data/app.db'],
    useDatabaseFiles: true,
    maxDatabaseBytes: 1048576,
  });
});

test('an explicit path is read instead, resolved against the root', () => {
  const root = workspace('{"defaultRowCount": 1}');
  fs.mkdirSync(path.join(root, 'ci'));
  fs.writeFileSync(path.join(root, 'ci', 'strict.json'), '{"defaultRowCount": 42}');
  const { config, source } = loadConfig(root, 'ci/strict.json');
  assert.equal(config.defaultRowCount, 42);
  assert.equal(source, path.join(root, 'ci', 'strict.json'));
});

test('a missing explicit file is an error, a missing default file is not', () => {
  const root = workspace();
  const error = configErrorOf(() => loadConfig(root, 'nope.json'));
  assert.equal(error.message, `cannot read config ${path.join(root, 'nope.json')}: file not found`);
  assert.equal(error.file, path.join(root, 'nope.json'));
});

test('planlens.json that is a folder is an error', () => {
  const root = workspace();
  fs.mkdirSync(path.join(root, 'planlens.json'));
  const error = configErrorOf(() => loadConfig(root));
  assert.match(error.message, /planlens\.json: is a directory$/);
});

test('bad JSON names the file and the line and column', () => {
  const root = workspace('{\n  "exclude": ["a/**"],\n}\n');
  const error = configErrorOf(() => loadConfig(root));
  const file = path.join(root, 'planlens.json');
  assert.ok(error.message.startsWith(`invalid JSON in ${file}`), error.message);
  assert.match(error.message, /line 3/);
  assert.equal(error.file, file);
});

test('empty file and non-object JSON are errors', () => {
  assert.match(configErrorOf(() => loadConfig(workspace(''))).message, /^invalid JSON in /);
  assert.match(configErrorOf(() => loadConfig(workspace('[1]'))).message, /the config must be a JSON object, got \[1\]$/);
  assert.match(configErrorOf(() => loadConfig(workspace('null'))).message, /got null$/);
});

test('an unknown key is named, with the valid ones', () => {
  const root = workspace('{"exclude": [], "excludes": ["x"]}');
  const error = configErrorOf(() => loadConfig(root));
  assert.equal(
    error.message,
    `${path.join(root, 'planlens.json')}: unknown key "excludes"; valid keys: include, exclude, schema, rules, smallTables, defaultRowCount, countFilterSyntax, databases, useDatabaseFiles, maxDatabaseBytes`,
  );
});

test('a bad severity is named with its rule and the valid values', () => {
  const root = workspace('{"rules": {"missing-index": "warn"}}');
  assert.equal(
    configErrorOf(() => loadConfig(root)).message,
    `${path.join(root, 'planlens.json')}: "rules.missing-index" must be one of error, warning, info, hint, off, got "warn"`,
  );
});

test('an unknown rule id is an error', () => {
  const message = configErrorOf(() => loadConfig(workspace('{"rules": {"missing_index": "off"}}'))).message;
  assert.match(message, /unknown rule "missing_index" in "rules"; valid rules: missing-index, incomplete-index, /);
});

test('wrong types are errors that show the value', () => {
  const cases: Array<[string, RegExp]> = [
    ['{"include": "src/**"}', /"include" must be an array of strings, got "src\/\*\*"$/],
    ['{"exclude": ["a", 3]}', /"exclude\[1\]" must be a non-empty string, got 3$/],
    ['{"schema": [""]}', /"schema\[0\]" must be a non-empty string, got ""$/],
    ['{"smallTables": [null]}', /"smallTables\[0\]" must be a non-empty string, got null$/],
    ['{"rules": ["missing-index"]}', /"rules" must be an object of rule id to severity, got \["missing-index"\]$/],
    ['{"rules": {"temp-sort": 1}}', /"rules.temp-sort" must be one of .*, got 1$/],
    ['{"defaultRowCount": 0}', /"defaultRowCount" must be a positive integer, got 0$/],
    ['{"defaultRowCount": -5}', /got -5$/],
    ['{"defaultRowCount": 1.5}', /got 1.5$/],
    ['{"defaultRowCount": "1000"}', /got "1000"$/],
    ['{"countFilterSyntax": "yes"}', /"countFilterSyntax" must be true or false, got "yes"$/],
    ['{"databases": "data/app.db"}', /"databases" must be an array of strings, got "data\/app.db"$/],
    ['{"databases": ["data/app.db", ""]}', /"databases\[1\]" must be a non-empty string, got ""$/],
    ['{"useDatabaseFiles": 1}', /"useDatabaseFiles" must be true or false, got 1$/],
    ['{"maxDatabaseBytes": 0}', /"maxDatabaseBytes" must be a positive integer, got 0$/],
    ['{"maxDatabaseBytes": "64MB"}', /"maxDatabaseBytes" must be a positive integer, got "64MB"$/],
  ];
  for (const [text, expected] of cases) {
    assert.match(configErrorOf(() => loadConfig(workspace(text))).message, expected, text);
  }
});

test('long bad values are shortened in messages', () => {
  const message = configErrorOf(() => loadConfig(workspace(JSON.stringify({ include: 'x'.repeat(200) })))).message;
  assert.ok(message.endsWith(`got "${'x'.repeat(56)}...`), message);
});

test('mergeConfig: key by key, arrays replace, rules merge per id, undefined ignored', () => {
  const base = mergeConfig(DEFAULT_CONFIG, {
    exclude: ['a/**'],
    rules: { 'temp-sort': 'off', 'missing-index': 'error' },
    smallTables: ['settings'],
  });
  const merged = mergeConfig(base, {
    exclude: ['b/**'],
    rules: { 'missing-index': 'hint' },
    defaultRowCount: undefined,
    countFilterSyntax: true,
  });
  assert.deepEqual(merged, {
    include: ['**/*'],
    exclude: ['b/**'],
    schema: [],
    rules: { 'temp-sort': 'off', 'missing-index': 'hint' },
    smallTables: ['settings'],
    defaultRowCount: 1000000,
    countFilterSyntax: true,
    databases: [],
    useDatabaseFiles: false,
    maxDatabaseBytes: 67108864,
  });
  assert.deepEqual(base.exclude, ['a/**'], 'the base is not mutated');
  assert.deepEqual(base.rules, { 'temp-sort': 'off', 'missing-index': 'error' });
});
