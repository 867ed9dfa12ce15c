/**
 * A better-sqlite3 whose install script never ran (npm 12 runs none a project has not approved
 * in allowScripts) has no native binding: opening a database then fails with a page of "Could
 * not locate the bindings file. Tried: ...". The host and the kit say it in one line, with the
 * commands that fix it. Here better-sqlite3 is a copy of the installed one without its build/
 * folder, as such an install leaves it; the whole path through a real install, host and CLI is
 * test/package/install.test.ts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bindingProblem } from '../../host/store/sqlite';

const repo = path.resolve(__dirname, '../..');
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-sqlite-binding-'));
  const modules = path.join(dir, 'node_modules');
  fs.cpSync(path.join(repo, 'node_modules/better-sqlite3'), path.join(modules, 'better-sqlite3'), { recursive: true, filter: (f) => !f.includes(`${path.sep}build`) });
  for (const p of ['bindings', 'file-uri-to-path']) fs.symlinkSync(fs.realpathSync(path.join(repo, 'node_modules', p)), path.join(modules, p), 'dir');
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

it("turns better-sqlite3's missing-binding error into one line naming npm approve-scripts", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Database = require(path.join(dir, 'node_modules/better-sqlite3')) as typeof import('better-sqlite3');
  let error: unknown;
  try {
    new Database(':memory:');
  } catch (e) {
    error = e;
  }
  expect(String(error)).toMatch(/Could not locate the bindings file/);
  expect(String(error).split('\n').length).toBeGreaterThan(3);
  const line = bindingProblem(error);
  expect(line).toBe(
    "better-sqlite3's native SQLite binding is missing (its install script did not run: npm 12 runs a dependency's install script only when package.json allowScripts approves it): run `npm approve-scripts better-sqlite3`, then `npm rebuild better-sqlite3`",
  );
});

it('leaves any other error alone', () => {
  expect(bindingProblem(new Error('SQLITE_CANTOPEN: unable to open database file'))).toBeUndefined();
});
