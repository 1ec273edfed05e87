// Limits on the SQL handed to SQLite and to the parser: pathological statements are skipped with a note naming
// the limit, quickly, and the rest of the file is still analysed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  MAX_PARSED_SQL_CHARS,
  MAX_PARSED_SQL_NESTING,
  MAX_PLANNED_SQL_CHARS,
  nestingDepth,
  parsingLimit,
  planningLimit,
} from '../../server/engine/sql/limits';
import { AnalysisSession } from '../../server/engine/analyze';
import { DEFAULT_CONFIG } from '../../server/engine/config';
import { removeWorkspace } from '../helpers/workspace';

describe('SQL limits', () => {
  it('measures nesting outside strings and comments', () => {
    assert.equal(nestingDepth('SELECT 1'), 0);
    assert.equal(nestingDepth('SELECT max((a + (b)))'), 3);
    assert.equal(nestingDepth("SELECT '((((((' || x FROM t -- ((((\n WHERE a IN (1)"), 1);
    assert.equal(nestingDepth('SELECT /* ((( */ ((1)'), 2); // unbalanced: the deepest level reached counts
    assert.equal(nestingDepth(')))((('), 3);
  });

  it('names the limit a statement is over', () => {
    assert.equal(planningLimit('SELECT 1'), undefined);
    assert.equal(
      planningLimit(`SELECT '${'x'.repeat(MAX_PLANNED_SQL_CHARS)}'`),
      'query not planned: 100,009 characters is over the limit of 100,000',
    );
    assert.equal(parsingLimit(`SELECT ${'('.repeat(MAX_PARSED_SQL_NESTING)}1${')'.repeat(MAX_PARSED_SQL_NESTING)}`), undefined);
    assert.equal(
      parsingLimit(`SELECT ${'('.repeat(MAX_PARSED_SQL_NESTING + 1)}1${')'.repeat(MAX_PARSED_SQL_NESTING + 1)}`),
      'query not checked for indexes: parentheses nested 33 deep, over the limit of 32',
    );
    assert.equal(
      parsingLimit(`SELECT * FROM t WHERE a IN (${'?, '.repeat(MAX_PARSED_SQL_CHARS / 3)}?)`),
      'query not checked for indexes: 10,029 characters is over the limit of 10,000',
    );
  });

  it('skips pathological statements with a note and analyses the rest of the file', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-limits-'));
    try {
      fs.writeFileSync(path.join(root, 'schema.sql'), 'CREATE TABLE t (id INTEGER PRIMARY KEY, a INT, b INT);\n');
      let nested = 'SELECT id FROM t WHERE a = 1';
      for (let i = 0; i < 1000; i++) nested = `SELECT id FROM (${nested})`;
      const huge = `INSERT INTO t (a) VALUES ${Array.from({ length: 15_000 }, (_, i) => `(${i})`).join(', ')}`;
      const parens = `SELECT ${'('.repeat(1000)}1${')'.repeat(1000)} FROM t WHERE a = 1`;
      fs.writeFileSync(path.join(root, 'q.sql'), [parens, nested, huge, 'SELECT * FROM t WHERE b = ?'].join(';\n') + ';\n');
      const started = performance.now();
      const session = await AnalysisSession.open(root, DEFAULT_CONFIG);
      try {
        const findings = session.findingsFor('q.sql');
        assert.ok(performance.now() - started < 10_000);
        // The last query is analysed as usual.
        assert.deepEqual(
          findings.filter((finding) => finding.ruleId === 'missing-index').map((finding) => finding.message.split('.')[0]),
          ['Full scan of t: the query filters on b but scans every row'],
        );
        assert.deepEqual(
          session.notes().filter((note) => note.file === 'q.sql').map((note) => note.message),
          [
            'line 1: query not checked for indexes: parentheses nested 1,000 deep, over the limit of 32',
            'line 2: query not checked for indexes: 17,028 characters is over the limit of 10,000',
            'line 3: query not planned: 123,913 characters is over the limit of 100,000',
          ],
        );
      } finally {
        session.close();
      }
    } finally {
      removeWorkspace(root);
    }
  });
});
