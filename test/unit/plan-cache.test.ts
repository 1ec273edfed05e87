// The plan cache: which plans may skip parsing, what a schema change drops, and that cached analysis gives the
// same findings as planning from scratch. Also: a rule that throws is reported once and the others survive.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSchema, type SchemaDatabase } from '../../server/engine/schema/schemaBuilder';
import { mayHaveAccessProblem, PlanCache, type CacheSchema, type PlanInputs } from '../../server/engine/planCache';
import { AnalysisSession, prepareWorkspace } from '../../server/engine/analyze';
import { analyzeQueryShape } from '../../server/engine/sql/shape';
import { diagnoseQuery } from '../../server/engine/rules/accessDiagnosis';
import { detectNamingStyle } from '../../server/engine/advisor/naming';
import { QUERY_RULES } from '../../server/engine/rules/registry';
import { DEFAULT_CONFIG } from '../../server/engine/config';
import type { QueryRule } from '../../server/engine/rules/rule';
import type { PlanResult, RuleId } from '../../server/engine/types';
import { generateWorkspace } from '../../bench/generate';
import { FIXTURES, removeWorkspace } from '../helpers/workspace';

const SCHEMA = `CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  email TEXT UNIQUE,
  account_id INTEGER NOT NULL,
  status TEXT NOT NULL,
  name TEXT,
  archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1))
);
CREATE INDEX idx_users_account_status ON users(account_id, status);
CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), total INTEGER);
CREATE INDEX idx_orders_user ON orders(user_id);`;

function build(sql = SCHEMA): Promise<SchemaDatabase> {
  return buildSchema(
    [{ label: 's.sql', statements: [{ file: 's.sql', language: 'sql', sql, range: { start: 0, end: sql.length }, role: 'schema', certainty: 'executed' }], home: { kind: 'schema-file', file: 's.sql' } }],
    { defaultRowCount: 1_000_000 },
  );
}

function mayHaveProblem(db: SchemaDatabase, sql: string): boolean {
  const plan = db.explain(sql);
  assert.ok(plan.ok, sql);
  return mayHaveAccessProblem(sql, plan.flat, db.tables);
}

/** Each case is a query and whether it may hide a problem in `schema`. */
async function assertVerdicts(schema: string, cases: Array<[string, boolean]>): Promise<void> {
  const db = await build(schema);
  try {
    assert.deepEqual(
      cases.map(([sql]) => [sql, mayHaveProblem(db, sql)]),
      cases,
    );
  } finally {
    db.close();
  }
}

describe('mayHaveAccessProblem', () => {
  it('lets plain plans skip parsing and keeps everything that could hide a problem', async () => {
    await assertVerdicts(SCHEMA, [
      ['SELECT * FROM users WHERE id = ?', false],
      ['SELECT * FROM users WHERE id IN (?, ?, ?)', false],
      ['SELECT name FROM users WHERE email = ?', false],
      ['SELECT * FROM users', false],
      ['SELECT * FROM users WHERE account_id = ? AND status = ?', false],
      ["SELECT * FROM users WHERE account_id = ? AND status = 'order by archived'", false],
      ['INSERT INTO users (email, account_id, status) VALUES (?, ?, ?)', false],
      ['UPDATE users SET status = ? WHERE id = ?', false],
      ['SELECT u.name, o.total FROM orders o JOIN users u ON u.id = o.user_id WHERE o.user_id = ?', false],
      ['SELECT * FROM users WHERE archived = 1', true],
      ['SELECT * FROM users WHERE account_id = ? AND archived = 0', true],
      ['SELECT * FROM users WHERE account_id = ? ORDER BY name', true],
      ['SELECT * FROM users u JOIN orders o ON o.user_id = u.id WHERE u.account_id = ? AND o.total > 10', true],
      ['SELECT * FROM "users" WHERE account_id = ?', true],
      ['SELECT * FROM users WHERE id IN (SELECT user_id FROM orders WHERE total > ?)', true],
      // One uncorrelated subquery: each level is held to its own text.
      ['SELECT name FROM users WHERE id IN (SELECT user_id FROM orders WHERE user_id = ?)', false],
      ['DELETE FROM orders WHERE user_id IN (SELECT id FROM users WHERE account_id = ? AND status = ?)', false],
      ['SELECT * FROM orders WHERE user_id IN (SELECT id FROM users WHERE account_id = ? AND archived = 0)', true],
      ['SELECT * FROM users WHERE account_id = ? AND status = ? AND id IN (SELECT user_id FROM orders WHERE user_id = ?) AND archived = 1', true],
      ['SELECT * FROM users WHERE id IN (SELECT user_id FROM orders WHERE user_id = ?) ORDER BY name', true],
      ['SELECT * FROM users WHERE id IN (SELECT user_id FROM orders WHERE user_id = ?) OR id IN (SELECT user_id FROM orders WHERE user_id = ?)', true],
      ['SELECT * FROM users u WHERE EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id AND o.total > 5)', true],
      ['SELECT * FROM users WHERE id IN (SELECT user_id FROM orders)', true],
      ['SELECT * FROM users WHERE id IN (SELECT "user_id" FROM orders WHERE user_id = ?)', true],
      ['SELECT COUNT(*) FROM users GROUP BY status', true],
    ]);
  });

  it('matches index and column names whatever their case', async () => {
    const schema = `CREATE TABLE Accounts (Id INTEGER PRIMARY KEY, Email TEXT, Region TEXT, Plan TEXT);
CREATE INDEX IX_Accounts_Region ON Accounts(Region);`;
    await assertVerdicts(schema, [
      ['SELECT Id FROM accounts WHERE region = ?', false],
      ['SELECT Id FROM ACCOUNTS WHERE REGION = ?', false],
      ['SELECT Id FROM accounts WHERE region = ? AND plan = ?', true],
      ['SELECT Id FROM accounts a WHERE a.Region = ? AND a.PLAN = ?', true],
    ]);
  });

  it('never skips a query the diagnosis would report (every query of a generated workspace)', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-plan-cache-'));
    try {
      const generated = generateWorkspace(root, { files: 120, queries: 600, tables: 24 });
      const workspace = await prepareWorkspace(root, DEFAULT_CONFIG);
      try {
        const { db } = workspace;
        const namingStyle = detectNamingStyle(db.tables.values());
        let skipped = 0;
        let diagnosed = 0;
        for (const { sql } of generated.queries) {
          const plan = db.explain(sql);
          assert.ok(plan.ok, sql);
          const shape = analyzeQueryShape(sql, { columnsOf: (table) => db.tables.get(table.toLowerCase())?.columns.map((c) => c.name) });
          assert.ok(shape, sql);
          const diagnoses = diagnoseQuery({ sql, shape, planRoots: plan.roots, planFlat: plan.flat, db, config: DEFAULT_CONFIG, namingStyle });
          if (diagnoses.length > 0) diagnosed++;
          if (mayHaveAccessProblem(sql, plan.flat, db.tables)) continue;
          skipped++;
          assert.deepEqual(diagnoses, [], sql);
        }
        // Both kinds are well represented, or the property above proves little.
        assert.ok(skipped > 250, `skipped ${skipped}`);
        assert.ok(diagnosed > 40, `diagnosed ${diagnosed}`);
      } finally {
        workspace.db.close();
      }
    } finally {
      removeWorkspace(root);
    }
  });
});

/** A fake schema whose signatures the test controls. */
function fakeSchema(signatures: Record<string, string>): CacheSchema {
  return { tables: new Map(), planningSignatures: () => new Map(Object.entries(signatures)) };
}

function countingInputs(): PlanInputs & { explained: string[] } {
  const explained: string[] = [];
  return {
    explained,
    explain: (sql): PlanResult => {
      explained.push(sql);
      return sql.includes('broken') ? { ok: false, error: 'no such table: broken' } : { ok: true, roots: [], flat: [] };
    },
    shape: () => undefined,
    diagnose: () => [],
  };
}

describe('PlanCache', () => {
  it('plans each SQL text once per schema, and after a rebuild only what names a changed object', () => {
    const cache = new PlanCache();
    const inputs = countingInputs();
    const first = fakeSchema({ users: 'a', orders: 'b' });
    for (const sql of ['SELECT * FROM users', 'SELECT * FROM orders', 'SELECT * FROM broken', 'SELECT * FROM users']) cache.lookup(first, sql, inputs);
    assert.deepEqual(inputs.explained, ['SELECT * FROM users', 'SELECT * FROM orders', 'SELECT * FROM broken']);

    // orders changed: its query and the failed one are planned again, the users query is not.
    const second = fakeSchema({ users: 'a', orders: 'c' });
    inputs.explained.length = 0;
    for (const sql of ['SELECT * FROM users', 'SELECT * FROM orders', 'SELECT * FROM broken']) cache.lookup(second, sql, inputs);
    assert.deepEqual(inputs.explained, ['SELECT * FROM orders', 'SELECT * FROM broken']);

    // A new table is a change for every query that names it.
    const third = fakeSchema({ users: 'a', orders: 'c', broken: 'd' });
    inputs.explained.length = 0;
    for (const sql of ['SELECT * FROM users', 'SELECT * FROM "Broken"']) cache.lookup(third, sql, inputs);
    assert.deepEqual(inputs.explained, ['SELECT * FROM "Broken"']);

    // keepAny false (e.g. another index naming style) drops everything: users, orders and "Broken" (the failed
    // plan of `broken` went with the previous rebuild).
    assert.equal(cache.rebase(fakeSchema({ users: 'a', orders: 'c', broken: 'd' }), false), 3);
    assert.equal(cache.size, 0);
  });

  it('forgets the least recently used entries beyond its limit', () => {
    const cache = new PlanCache(2);
    const inputs = countingInputs();
    const schema = fakeSchema({});
    for (const sql of ['SELECT 1', 'SELECT 2', 'SELECT 1', 'SELECT 3', 'SELECT 1', 'SELECT 2']) cache.lookup(schema, sql, inputs);
    assert.deepEqual(inputs.explained, ['SELECT 1', 'SELECT 2', 'SELECT 3', 'SELECT 2']);
    assert.equal(cache.size, 2);
  });
});

describe('analysis with the cache', () => {
  it('gives the same findings after a schema edit as a fresh session, and re-plans only the changed table', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-plan-cache-'));
    try {
      const generated = generateWorkspace(root, { files: 60, queries: 240, tables: 12 });
      const session = await AnalysisSession.open(root, DEFAULT_CONFIG);
      const findingsOf = (s: AnalysisSession) => s.files().flatMap((file) => s.findingsFor(file)).map((f) => `${f.file}@${f.range.start} ${f.ruleId} ${f.message}`);
      try {
        const before = findingsOf(session);
        const migration = generated.migrations.find((file) => file.endsWith(`_create_${generated.probe.table}.sql`))!;
        const text = fs.readFileSync(path.join(root, migration), 'utf8');
        const edited = `${text}CREATE INDEX idx_probe ON ${generated.probe.table}(external_ref);\n`;
        const cached = session.prepared.planCache.size;
        const { schemaChanged } = await session.updateFile(migration, edited);
        assert.equal(schemaChanged, true);
        // Only queries that name the probe table left the cache.
        const probeQueries = new Set(generated.queries.filter((q) => new RegExp(`\\b${generated.probe.table}\\b`).test(q.sql)).map((q) => q.sql));
        assert.equal(session.prepared.planCache.size, cached - [...probeQueries].length);
        const after = findingsOf(session);
        assert.ok(before.some((line) => line.includes('filters on external_ref')));
        assert.ok(!after.some((line) => line.includes('filters on external_ref')));

        fs.writeFileSync(path.join(root, migration), edited);
        const fresh = await AnalysisSession.open(root, DEFAULT_CONFIG);
        try {
          assert.deepEqual(after, findingsOf(fresh));
        } finally {
          fresh.close();
        }
      } finally {
        session.close();
      }
    } finally {
      removeWorkspace(root);
    }
  });

  it('keeps fixes right when a file holding DDL changes but the schema does not (typing after the last DDL string)', async () => {
    const root = path.join(FIXTURES, 'seed000');
    const file = 'computer/parachute/db/database.py';
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    const session = await AnalysisSession.open(root, DEFAULT_CONFIG);
    const view = () => session.findingsFor(file).map((finding) => [finding.ruleId, finding.fixes.map((fix) => fix.title)]);
    try {
      const fresh = view();
      assert.ok(fresh.some(([, fixes]) => fixes.length > 0));
      // Typing the closing quote of each DDL string: first the string is unterminated (the schema loses it), then the
      // file ends right after it (the schema is whole again, but the migration list around it is unterminated).
      const ends = session.factsOf(file)!.statements.filter((statement) => statement.role === 'schema').map((statement) => statement.range.end);
      for (const end of ends) {
        await session.updateFile(file, text.slice(0, end - 1));
        await session.updateFile(file, text.slice(0, end));
        view();
        await session.updateFile(file, text);
        assert.deepEqual(view(), fresh, `after a cut at ${end}`);
      }
    } finally {
      session.close();
    }
  });

  it('reports a rule that throws once, and keeps the other rules findings', async () => {
    const brokenRule: QueryRule = {
      meta: { id: 'broken-rule' as RuleId, defaultSeverity: 'warning', summary: 'always throws', fixable: false },
      checkQuery: () => {
        throw new Error('boom');
      },
    };
    const root = path.join(FIXTURES, 'seed001sql');
    const clean = await AnalysisSession.open(root, DEFAULT_CONFIG);
    const expected = clean.files().flatMap((file) => clean.findingsFor(file)).map((finding) => finding.ruleId);
    clean.close();
    QUERY_RULES.push(brokenRule);
    try {
      const session = await AnalysisSession.open(root, DEFAULT_CONFIG);
      try {
        const statements = session.files().flatMap((file) => session.factsOf(file)?.statements.filter((s) => s.role === 'query') ?? []);
        assert.ok(statements.length > 2);
        const findings = session.files().flatMap((file) => session.findingsFor(file)).map((finding) => finding.ruleId);
        assert.deepEqual(findings, expected);
        assert.ok(expected.length > 0);
        const failures = session.notes().filter((note) => note.message.includes('broken-rule'));
        assert.deepEqual(
          failures.map((note) => [note.level, note.message]),
          [['error', 'rule broken-rule failed on a query (its findings are missing wherever it fails): boom']],
        );
      } finally {
        session.close();
      }
    } finally {
      QUERY_RULES.splice(QUERY_RULES.indexOf(brokenRule), 1);
    }
  });
});
