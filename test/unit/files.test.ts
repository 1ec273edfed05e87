import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_CONFIG, mergeConfig } from '../../server/engine/config';
import { discoverFiles, languageForPath, readSourceFile, MAX_FILE_BYTES } from '../../server/engine/workspace/files';

const tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-files-'));
after(() => fs.rmSync(tempRoot, { recursive: true, force: true }));

let counter = 0;
/** Creates a folder with the given files (path → content). */
function workspace(files: Record<string, string | Buffer>): string {
  const root = path.join(tempRoot, `ws${counter++}`);
  for (const [relative, content] of Object.entries(files)) {
    const absolute = path.join(root, relative);
    fs.mkdirSync(path.dirname(absolute), { recursive: true });
    fs.writeFileSync(absolute, content);
  }
  fs.mkdirSync(root, { recursive: true });
  return root;
}

const defaults = mergeConfig(DEFAULT_CONFIG, {});

test('languageForPath maps extensions case-insensitively', () => {
  assert.equal(languageForPath('db/schema.SQL'), 'sql');
  assert.equal(languageForPath('app.py'), 'python');
  assert.equal(languageForPath('a.tsx'), 'typescript');
  assert.equal(languageForPath('a.cjs'), 'javascript');
  assert.equal(languageForPath('src/db.mts'), 'typescript');
  assert.equal(languageForPath('src/db.CTS'), 'typescript');
  assert.equal(languageForPath('src/lib.rs'), 'rust');
  assert.equal(languageForPath('README.md'), undefined);
  assert.equal(languageForPath('Makefile'), undefined);
  assert.equal(languageForPath('.sql'), undefined, 'a dotfile named .sql has no extension');
});

test('walks the tree: relevant extensions, dot folders, built-in excludes, sorted POSIX paths', async () => {
  const root = workspace({
    'b.sql': '',
    'a.py': '',
    'README.md': '',
    'src/db/queries.ts': '',
    'src/db/Queries.ts': '',
    '.config/x.sql': '',
    'node_modules/pkg/index.js': '',
    'packages/app/node_modules/dep/x.js': '',
    '.git/hooks/pre-commit.py': '',
    'dist/cli.js': '',
    'build/x.sql': '',
    'out/x.js': '',
    '.venv/lib/x.py': '',
    'venv/lib/x.py': '',
    'app/__pycache__/x.py': '',
    'target/debug/build.rs': '',
    '.tox/py3/x.py': '',
    'distribution/keep.sql': '',
  });
  const { files, notes } = await discoverFiles(root, defaults);
  assert.deepEqual(files, ['.config/x.sql', 'a.py', 'b.sql', 'distribution/keep.sql', 'src/db/Queries.ts', 'src/db/queries.ts']);
  assert.deepEqual(notes, []);
});

test('include and exclude globs from the config', async () => {
  const root = workspace({
    'src/a.py': '',
    'src/legacy/b.py': '',
    'src/c.test.py': '',
    'scripts/d.py': '',
  });
  const config = mergeConfig(DEFAULT_CONFIG, { include: ['src/**'], exclude: ['src/legacy/**', '**/*.test.py'] });
  assert.deepEqual((await discoverFiles(root, config)).files, ['src/a.py']);
});

test('paths restrict the walk; named files keep the filters but say why they were skipped', async () => {
  const root = workspace({
    'src/a.py': '',
    'src/b.sql': '',
    'lib/c.py': '',
    'notes.txt': '',
    'vendor/v.py': '',
  });
  const config = mergeConfig(DEFAULT_CONFIG, { exclude: ['vendor/**'] });
  const { files, notes } = await discoverFiles(root, config, [
    path.join(root, 'src'),
    'lib/c.py',
    'src/a.py',
    'notes.txt',
    'vendor/v.py',
    'missing.sql',
    path.join(tempRoot, 'elsewhere.py'),
  ]);
  assert.deepEqual(files, ['lib/c.py', 'src/a.py', 'src/b.sql']);
  assert.deepEqual(notes, [
    { level: 'error', file: path.join(tempRoot, 'elsewhere.py'), message: `outside the workspace root ${root}, skipped` },
    { level: 'error', file: 'missing.sql', message: 'cannot read path: no such file or folder' },
    { level: 'info', file: 'notes.txt', message: 'skipped: not a file type PlanLens reads' },
    { level: 'info', file: 'vendor/v.py', message: 'skipped: excluded by configuration' },
  ]);
});

test('a missing root is a note, not a crash', async () => {
  const result = await discoverFiles(path.join(tempRoot, 'does-not-exist'), defaults);
  assert.deepEqual(result, {
    files: [],
    notes: [{ level: 'error', file: '.', message: 'cannot read path: no such file or folder' }],
    databaseFiles: [],
  });
});

test('useDatabaseFiles: the same walk lists *.db, *.sqlite, *.sqlite3 by name, with the same excludes', async () => {
  const root = workspace({
    'data/app.db': 'anything: the header is checked when the file is read',
    'data/cache.SQLITE': '',
    'legacy/old.sqlite3': '',
    'node_modules/pkg/test.db': '',
    'notes.dbx': '',
    'db/schema.sql': '',
  });
  const withDatabases = await discoverFiles(root, mergeConfig(DEFAULT_CONFIG, { useDatabaseFiles: true, exclude: ['legacy/**'] }));
  assert.deepEqual(withDatabases.databaseFiles, ['data/app.db', 'data/cache.SQLITE']);
  assert.deepEqual(withDatabases.files, ['db/schema.sql']);
  assert.deepEqual((await discoverFiles(root, defaults)).databaseFiles, [], 'opt-in only');
});

test('symlinks: loops are walked once, links inside the root add no duplicates, outside targets are followed', async () => {
  const root = workspace({ 'src/a.sql': '', 'src/nested/b.sql': '' });
  const outside = workspace({ 'shared.sql': '', 'deeper/c.py': '' });
  fs.symlinkSync('..', path.join(root, 'src', 'nested', 'up')); // a loop
  fs.symlinkSync(path.join(root, 'src'), path.join(root, 'src-link')); // a second name for src
  fs.symlinkSync(outside, path.join(root, 'linked')); // a folder outside the root
  fs.symlinkSync(path.join(outside, 'shared.sql'), path.join(root, 'file-link.sql'));
  fs.symlinkSync(path.join(root, 'gone.sql'), path.join(root, 'dangling.sql'));
  fs.symlinkSync(path.join(root, 'gone.txt'), path.join(root, 'dangling.txt'));
  fs.symlinkSync(root, path.join(outside, 'back')); // the outside tree links back into the root
  const { files, notes } = await discoverFiles(root, defaults);
  assert.deepEqual(files, ['file-link.sql', 'linked/deeper/c.py', 'linked/shared.sql', 'src/a.sql', 'src/nested/b.sql']);
  assert.deepEqual(notes, [{ level: 'info', file: 'dangling.sql', message: 'skipped: broken symbolic link' }]);
});

test('an unreadable folder is a note and the rest is still listed', { skip: process.getuid?.() === 0 && 'root reads everything' }, async () => {
  const root = workspace({ 'a.sql': '', 'locked/b.sql': '' });
  fs.chmodSync(path.join(root, 'locked'), 0o000);
  try {
    const { files, notes } = await discoverFiles(root, defaults);
    assert.deepEqual(files, ['a.sql']);
    assert.deepEqual(notes, [{ level: 'warning', file: 'locked', message: 'cannot read folder: permission denied' }]);
  } finally {
    fs.chmodSync(path.join(root, 'locked'), 0o755);
  }
});

test('readSourceFile: UTF-8 text with BOM stripped, CRLF kept, language from extension', () => {
  const root = workspace({ 'q.sql': Buffer.from('\ufeffSELECT 1;\r\nSELECT \'é\';\r\n', 'utf8'), 'src/app.py': 'x = 1\n' });
  assert.deepEqual(readSourceFile(root, 'q.sql'), { file: { path: 'q.sql', language: 'sql', text: "SELECT 1;\r\nSELECT 'é';\r\n" } });
  assert.deepEqual(readSourceFile(root, 'src/app.py'), { file: { path: 'src/app.py', language: 'python', text: 'x = 1\n' } });
});

test('readSourceFile: binary files are skipped with a note', () => {
  const bytes = Buffer.concat([Buffer.from('SQLite format 3'), Buffer.from([0, 1, 2])]);
  const root = workspace({ 'data.sql': bytes });
  assert.deepEqual(readSourceFile(root, 'data.sql'), { note: { level: 'info', file: 'data.sql', message: 'binary file skipped' } });
});

test('readSourceFile: a NUL byte past the first 8 KB does not make a file binary', () => {
  const text = 'x'.repeat(9000) + '\u0000';
  const root = workspace({ 'big.py': text });
  assert.equal(readSourceFile(root, 'big.py').file?.text, text);
});

test('readSourceFile: Latin-1 files are skipped with a note', () => {
  const root = workspace({ 'legacy.sql': Buffer.from("SELECT 'caf\xe9';\n", 'latin1') });
  assert.deepEqual(readSourceFile(root, 'legacy.sql'), {
    note: { level: 'warning', file: 'legacy.sql', message: 'skipped: not valid UTF-8 (Latin-1 or another legacy encoding?)' },
  });
});

test('readSourceFile: files over 2 MB are skipped; exactly 2 MB is read', () => {
  const root = workspace({ 'huge.sql': Buffer.alloc(3 * 1024 * 1024, 0x20), 'edge.sql': Buffer.alloc(MAX_FILE_BYTES, 0x20) });
  assert.deepEqual(readSourceFile(root, 'huge.sql'), {
    note: { level: 'warning', file: 'huge.sql', message: 'skipped: 3.0 MB is over the 2 MB limit' },
  });
  assert.equal(readSourceFile(root, 'edge.sql').file?.text.length, MAX_FILE_BYTES);
});

test('readSourceFile: missing files, folders and unsupported types give notes', () => {
  const root = workspace({ 'dir.sql/inner.sql': '', 'notes.md': '' });
  assert.deepEqual(readSourceFile(root, 'gone.py'), {
    note: { level: 'warning', file: 'gone.py', message: 'cannot read file: no such file or folder' },
  });
  assert.deepEqual(readSourceFile(root, 'dir.sql'), { note: { level: 'warning', file: 'dir.sql', message: 'cannot read file: is a folder' } });
  assert.deepEqual(readSourceFile(root, 'notes.md'), {
    note: { level: 'info', file: 'notes.md', message: 'skipped: not a file type PlanLens reads' },
  });
});
