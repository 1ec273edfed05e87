// The shape thread (sql/shapeThread.ts, dist/shapeWorker.js) parses SQL for its shape on the second core while a
// check plans on the main thread. A shape is a pure function of the text and the tables' columns, so the thread's
// answers equal the main thread's, and planning with it gives the same findings and notes; a thread that fails
// leaves the parsing to the main thread. Runs the built bundle (npm test builds dist/ first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateWorkspace } from '../../bench/generate';
import { FIXTURES, removeWorkspace, where } from '../helpers/workspace';
import { AnalysisSession } from '../../server/engine/analyze';
import { DEFAULT_CONFIG } from '../../server/engine/config';
import { analyzeQueryShape } from '../../server/engine/sql/shape';
import { ShapeThread } from '../../server/engine/sql/shapeThread';
import type { AnalysisResult } from '../../server/engine/types';

const SCRIPT = path.resolve(__dirname, '..', '..', 'dist', 'shapeWorker.js');

function startThread(script = SCRIPT): ShapeThread {
  const thread = ShapeThread.start(script);
  assert.ok(thread, `${script} starts`);
  return thread;
}

test('the thread describes each text as analyzeQueryShape does here, with the columns it was sent', async () => {
  const columns: Record<string, string[]> = {
    users: ['id', 'email', 'team_id'],
    teams: ['id', 'name', 'archived'],
  };
  const sqls = [
    'SELECT id, email FROM users WHERE team_id = ? ORDER BY email',
    // Unqualified columns of a join: only the column lists tell which table `archived` and `email` belong to.
    'SELECT email FROM users u LEFT JOIN teams t ON t.id = u.team_id WHERE archived = 0 AND email LIKE ?',
    'WITH recent AS (SELECT * FROM users WHERE id > :since) SELECT COUNT(*) FROM recent',
    'UPDATE teams SET name = ? WHERE id IN (SELECT team_id FROM users WHERE email = ?)',
    'SELECT FROM WHERE', // does not parse
  ];
  const thread = startThread();
  try {
    thread.setColumns(Object.entries(columns));
    const shapes = await thread.shapes(sqls);
    assert.ok(shapes, 'the thread answered');
    const here = sqls.map((sql) => analyzeQueryShape(sql, { columnsOf: (table) => columns[table.toLowerCase()] ?? [] }) ?? null);
    assert.deepEqual(shapes, here);
    assert.equal(shapes[4], null);
    assert.deepEqual(shapes[1]?.tables.find((access) => access.table === 'teams')?.equality, ['archived']);
  } finally {
    thread.close();
  }
});

/** Every finding and note of a session whose queries were planned with the thread, or on this thread alone. */
async function planned(root: string, thread?: ShapeThread): Promise<string[]> {
  const session = await AnalysisSession.open(root, DEFAULT_CONFIG);
  try {
    if (thread) await session.planAllQueriesWith(thread);
    else session.planAllQueries();
    const result = { texts: session.prepared.texts } as AnalysisResult;
    const findings = session.files().flatMap((file) => session.findingsFor(file).map((finding) => `${where(result, finding)} ${finding.message}`));
    return [...findings, ...session.notes().map((note) => `${note.level} ${note.file ?? ''} ${note.message}`)];
  } finally {
    session.close();
  }
}

/** A thread whose answers are counted, to show it was used. */
function countingThread(script?: string): { thread: ShapeThread; answered: () => number } {
  const thread = startThread(script);
  const shapes = thread.shapes.bind(thread);
  let answered = 0;
  thread.shapes = async (sqls) => {
    const result = await shapes(sqls);
    answered += result?.length ?? 0;
    return result;
  };
  return { thread, answered: () => answered };
}

test('planning with the thread gives the same findings and notes, in every fixture and in a generated workspace', async () => {
  const roots = fs.readdirSync(FIXTURES).map((name) => path.join(FIXTURES, name));
  const generated = fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-shape-thread-'));
  generateWorkspace(generated, { files: 300, queries: 600, tables: 30 });
  try {
    for (const root of [...roots, generated]) {
      const { thread, answered } = countingThread();
      try {
        assert.deepEqual(await planned(root, thread), await planned(root), root);
        if (root === generated) assert.ok(answered() > 20, `the thread parsed ${answered()} texts`);
      } finally {
        thread.close();
      }
    }
  } finally {
    removeWorkspace(generated);
  }
});

test('a thread that fails leaves the parsing to the main thread: same findings', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-shape-fails-'));
  const script = path.join(dir, 'failing.cjs');
  fs.writeFileSync(script, "require('node:worker_threads').parentPort.on('message', (m) => { if (m.kind === 'shapes') throw new Error('boom'); });\n");
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-shape-fails-ws-'));
  generateWorkspace(root, { files: 120, queries: 240, tables: 20 });
  try {
    const { thread, answered } = countingThread(script);
    try {
      assert.deepEqual(await planned(root, thread), await planned(root));
      assert.equal(answered(), 0);
    } finally {
      thread.close();
    }
  } finally {
    removeWorkspace(root);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
