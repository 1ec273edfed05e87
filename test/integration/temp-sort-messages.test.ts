import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze, removeWorkspace } from '../helpers/workspace';

test('an ORDER BY over two tables says no single index can deliver it, without naming a table that is not there', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-sort-'));
  t.after(() => removeWorkspace(root));
  fs.cpSync(path.resolve(__dirname, '..', '..', 'examples'), root, { recursive: true });
  fs.writeFileSync(
    path.join(root, 'app', 'report.sql'),
    'SELECT t.id, s.title FROM task_queue t JOIN sessions s ON s.title = t.task_type WHERE t.priority > 3 ORDER BY t.created_at DESC, s.title;\n',
  );
  const result = await analyze(root);
  const sorts = result.findings.filter((f) => f.file === 'app/report.sql' && f.ruleId === 'temp-sort');
  assert.equal(sorts.length, 1);
  assert.equal(
    sorts[0].message,
    'Sort in a temp B-tree: the ORDER BY depends on several tables (task_queue, sessions), so no single index can deliver ' +
      "that order. Order by one table's columns, or narrow the rows before they are sorted.",
  );
});
