import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeFixes, suppressionEdit } from '../../server/lsp/editorActions';
import type { FileEdit, Finding } from '../../server/engine/types';

function finding(index: string, edits: FileEdit[], start = 0): Finding {
  return {
    ruleId: 'missing-index',
    severity: 'warning',
    file: 'app.py',
    range: { start, end: start + 1 },
    message: '',
    related: [],
    suggestion: { name: index, table: 't', columns: [], ddl: '' },
    fixes: [{ title: index, edits }],
    tags: [],
  };
}

test('fix-all applies an index once, merges new migrations in one folder, and never inserts twice at one place', () => {
  const entry = (text: string): FileEdit => ({ kind: 'replace', file: 'db.py', range: { start: 40, end: 40 }, newText: text });
  const create = (file: string, text: string): FileEdit => ({ kind: 'create', file, text });
  const edits = mergeFixes([
    finding('idx_a', [create('migrations/0003_add_idx_a.sql', 'CREATE INDEX idx_a ON t(a);\n')]),
    finding('idx_a', [create('migrations/0003_add_idx_a.sql', 'CREATE INDEX idx_a ON t(a);\n')]),
    finding('idx_b', [create('migrations/0003_add_idx_b.sql', 'CREATE INDEX idx_b ON t(b);\n')]),
    finding('idx_c', [entry('\n    2: "CREATE INDEX idx_c ON t(c)",')]),
    finding('idx_d', [entry('\n    2: "CREATE INDEX idx_d ON t(d)",')]),
  ]);
  assert.deepEqual(edits, [
    { kind: 'create', file: 'migrations/0003_add_idx_a.sql', text: 'CREATE INDEX idx_a ON t(a);\nCREATE INDEX idx_b ON t(b);\n' },
    entry('\n    2: "CREATE INDEX idx_c ON t(c)",'),
  ]);
});

test('the suppression comment uses the host language syntax and the line indentation', () => {
  const text = 'def f():\n    conn.execute("SELECT 1")\n';
  const start = text.indexOf('"SELECT');
  assert.deepEqual(suppressionEdit(finding('x', [], start), text, 'python'), {
    kind: 'replace',
    file: 'app.py',
    range: { start: 9, end: 9 },
    newText: '    # planlens: ignore[missing-index]\n',
  });
  assert.equal((suppressionEdit(finding('x', [], 0), 'SELECT 1;\r\n', 'sql') as { newText: string }).newText, '-- planlens-ignore:missing-index\r\n');
});
