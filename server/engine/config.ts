// planlens.json: loading, validation and merging with defaults (and, later, with editor settings).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PlanLensConfig } from './analyzeTypes';
import { RULE_IDS } from './types';

export const CONFIG_FILE_NAME = 'planlens.json';

/** Always excluded, whatever the config says: dependencies, VCS data, build output, virtualenvs. */
export const BUILTIN_EXCLUDES: readonly string[] = [
  '**/node_modules/**',
  '**/.git/**',
  '**/dist/**',
  '**/build/**',
  '**/out/**',
  '**/.venv/**',
  '**/venv/**',
  '**/__pycache__/**',
  '**/target/**',
  '**/.tox/**',
];

/** Frozen all the way down; mergeConfig hands out copies. */
export const DEFAULT_CONFIG: Readonly<PlanLensConfig> = Object.freeze({
  include: Object.freeze(['**/*']) as string[],
  exclude: Object.freeze([]) as unknown as string[],
  schema: Object.freeze([]) as unknown as string[],
  rules: Object.freeze({}),
  smallTables: Object.freeze([]) as unknown as string[],
  defaultRowCount: 1_000_000,
  countFilterSyntax: false,
  databases: Object.freeze([]) as unknown as string[],
  useDatabaseFiles: false,
  maxDatabaseBytes: 64 * 1024 * 1024,
});

const SEVERITY_VALUES = ['error', 'warning', 'info', 'hint', 'off'] as const;

/** An invalid or unreadable config file. The message is meant for the user as is. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Reads `planlens.json` at `root` (or `explicitPath`, resolved against `root`) and merges it with the defaults.
 * A missing default file means defaults; a missing explicit file, bad JSON or a bad value throws ConfigError.
 */
export function loadConfig(root: string, explicitPath?: string): { config: PlanLensConfig; source?: string } {
  const source = path.resolve(root, explicitPath ?? CONFIG_FILE_NAME);
  let text: string;
  try {
    text = fs.readFileSync(source, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && explicitPath === undefined) return { config: mergeConfig(DEFAULT_CONFIG, {}) };
    const reason = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
    throw new ConfigError(`cannot read config ${source}: ${reason}`, source);
  }
  const overrides = parseConfigText(text, source);
  return { config: mergeConfig(DEFAULT_CONFIG, overrides), source };
}

/** Parses and validates the text of a config file; `source` names it in error messages. */
export function parseConfigText(text: string, source: string): Partial<PlanLensConfig> {
  const withoutBom = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let raw: unknown;
  try {
    raw = JSON.parse(withoutBom);
  } catch (error) {
    throw new ConfigError(`invalid JSON in ${source}${jsonErrorPosition(withoutBom, error as Error)}: ${(error as Error).message}`, source);
  }
  return validateConfig(raw, source);
}

/** Checks a parsed config object, key by key. Throws ConfigError naming the file, key and bad value. */
export function validateConfig(raw: unknown, source: string): Partial<PlanLensConfig> {
  const fail = (message: string): never => {
    throw new ConfigError(`${source}: ${message}`, source);
  };
  if (!isPlainObject(raw)) return fail(`the config must be a JSON object, got ${describe(raw)}`);

  const result: Partial<PlanLensConfig> = {};
  for (const [key, value] of Object.entries(raw)) {
    switch (key) {
      case '$schema': // editors add it for completion; it has no meaning here
        break;
      case 'include':
      case 'exclude':
      case 'schema':
      case 'smallTables':
      case 'databases':
        result[key] = stringArray(key, value, fail);
        break;
      case 'rules':
        result.rules = ruleSeverities(value, fail);
        break;
      case 'defaultRowCount':
      case 'maxDatabaseBytes':
        if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
          fail(`"${key}" must be a positive integer, got ${describe(value)}`);
        }
        result[key] = value as number;
        break;
      case 'countFilterSyntax':
      case 'useDatabaseFiles':
        if (typeof value !== 'boolean') fail(`"${key}" must be true or false, got ${describe(value)}`);
        result[key] = value as boolean;
        break;
      default:
        fail(`unknown key "${key}"; valid keys: ${Object.keys(DEFAULT_CONFIG).join(', ')}`);
    }
  }
  return result;
}

/**
 * Applies overrides on top of a base config, key by key: arrays replace, `rules` merge per rule id,
 * undefined values are ignored. Never mutates its arguments.
 */
export function mergeConfig(base: Readonly<PlanLensConfig>, overrides: Partial<PlanLensConfig>): PlanLensConfig {
  const pick = <K extends keyof PlanLensConfig>(key: K): PlanLensConfig[K] => overrides[key] ?? base[key];
  return {
    include: [...pick('include')],
    exclude: [...pick('exclude')],
    schema: [...pick('schema')],
    rules: { ...base.rules, ...overrides.rules },
    smallTables: [...pick('smallTables')],
    defaultRowCount: pick('defaultRowCount'),
    countFilterSyntax: pick('countFilterSyntax'),
    databases: [...pick('databases')],
    useDatabaseFiles: pick('useDatabaseFiles'),
    maxDatabaseBytes: pick('maxDatabaseBytes'),
  };
}

function stringArray(key: string, value: unknown, fail: (message: string) => never): string[] {
  if (!Array.isArray(value)) return fail(`"${key}" must be an array of strings, got ${describe(value)}`);
  value.forEach((item, index) => {
    if (typeof item !== 'string' || item.trim() === '') {
      fail(`"${key}[${index}]" must be a non-empty string, got ${describe(item)}`);
    }
  });
  return value as string[];
}

function ruleSeverities(value: unknown, fail: (message: string) => never): PlanLensConfig['rules'] {
  if (!isPlainObject(value)) return fail(`"rules" must be an object of rule id to severity, got ${describe(value)}`);
  const rules: PlanLensConfig['rules'] = {};
  for (const [ruleId, severity] of Object.entries(value)) {
    if (!(RULE_IDS as readonly string[]).includes(ruleId)) {
      fail(`unknown rule "${ruleId}" in "rules"; valid rules: ${RULE_IDS.join(', ')}`);
    }
    if (typeof severity !== 'string' || !(SEVERITY_VALUES as readonly string[]).includes(severity)) {
      fail(`"rules.${ruleId}" must be one of ${SEVERITY_VALUES.join(', ')}, got ${describe(severity)}`);
    }
    rules[ruleId] = severity as (typeof SEVERITY_VALUES)[number];
  }
  return rules;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short rendering of a bad value for error messages. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

/** V8 reports JSON errors as "at position N"; users want line and column. */
function jsonErrorPosition(text: string, error: Error): string {
  const match = /at position (\d+)/.exec(error.message);
  if (!match || /\bline \d+/.test(error.message)) return ''; // newer V8 already says where
  const offset = Number(match[1]);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return ` at line ${line}, column ${column}`;
}
