// The Explain Query Plan webview's pure helpers (media/planTree.js): plan tree parsing, step classes, SQL display.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as path from 'node:path';

interface PlanNode {
  detail: string;
  children: PlanNode[];
}
const requireFromHere = createRequire(__filename);
const planTree = requireFromHere(path.resolve(__dirname, '../../media/planTree.js')) as {
  buildTree(lines: unknown[]): PlanNode[];
  classify(detail: string): string;
  dedent(sql: string): string;
};

/** `detail(child, child…)` for compact assertions. */
function shape(nodes: PlanNode[]): string[] {
  return nodes.map((node) => (node.children.length ? `${node.detail}(${shape(node.children).join(', ')})` : node.detail));
}

test('buildTree nests lines by their |  and three-space prefixes', () => {
  const lines = [
    '|--CO-ROUTINE recent',
    '|  |--SCAN traces',
    '|  `--USE TEMP B-TREE FOR ORDER BY',
    '|--SCAN recent',
    '`--CORRELATED SCALAR SUBQUERY 2',
    '   `--SEARCH sessions USING INDEX idx_sessions_parent_session (parent_session_id=?)',
  ];
  assert.deepEqual(shape(planTree.buildTree(lines)), [
    'CO-ROUTINE recent(SCAN traces, USE TEMP B-TREE FOR ORDER BY)',
    'SCAN recent',
    'CORRELATED SCALAR SUBQUERY 2(SEARCH sessions USING INDEX idx_sessions_parent_session (parent_session_id=?))',
  ]);
});

test('buildTree keeps a line without connector as a root and skips blank ones', () => {
  assert.deepEqual(shape(planTree.buildTree(['SCAN t', '', '`--', '   `--SEARCH u USING INDEX i (a=?)'])), [
    'SCAN t(SEARCH u USING INDEX i (a=?))',
  ]);
  assert.deepEqual(planTree.buildTree([]), []);
  // A child deeper than its parent's depth + 1 (malformed input) attaches to the deepest open node.
  assert.deepEqual(shape(planTree.buildTree(['|--A', '|  |  |  `--B'])), ['A(B)']);
  assert.deepEqual(shape(planTree.buildTree([42, null])), ['42', 'null']);
});

test('classify marks scans, temp B-trees, automatic indexes and seeks', () => {
  const cases: Array<[string, string]> = [
    ['SCAN task_queue', 'scan'],
    ['SCAN task_queue USING COVERING INDEX idx_status', 'scan'],
    ['SCAN CONSTANT ROW', 'other'],
    ['USE TEMP B-TREE FOR ORDER BY', 'sort'],
    ['USE TEMP B-TREE FOR GROUP BY', 'sort'],
    ['USE TEMP B-TREE FOR LAST TERM OF ORDER BY', 'sort'],
    ['SEARCH s USING AUTOMATIC COVERING INDEX (title=?)', 'auto'],
    ['SEARCH s USING AUTOMATIC PARTIAL COVERING INDEX (title=?)', 'auto'],
    ['SEARCH sessions USING INDEX idx_sessions_parent_session (parent_session_id=?)', 'search'],
    ['SEARCH sessions USING INTEGER PRIMARY KEY (rowid=?)', 'search'],
    ['BLOOM FILTER ON s (title=?)', 'other'],
    ['CO-ROUTINE recent', 'other'],
    ['', 'other'],
  ];
  for (const [detail, kind] of cases) assert.equal(planTree.classify(detail), kind, detail);
});

test('dedent removes the host string indentation and blank edge lines only', () => {
  assert.equal(
    planTree.dedent('\n            SELECT COUNT(*) FROM sessions\n            WHERE parent_session_id = ? AND archived = 0\n            '),
    'SELECT COUNT(*) FROM sessions\nWHERE parent_session_id = ? AND archived = 0',
  );
  assert.equal(planTree.dedent('SELECT 1\r\n  FROM t'), 'SELECT 1\n  FROM t');
  assert.equal(planTree.dedent('    a\n\n      b'), 'a\n\n  b');
  assert.equal(planTree.dedent(''), '');
  assert.equal(planTree.dedent('   \n  '), '');
});
