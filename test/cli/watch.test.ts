/**
 * `compile --watch` keeps following a workflow through rename-style saves (`sed -i`, and an
 * editor's write-a-new-file-then-rename), and sees files added and removed: each save recompiles,
 * says which file changed, and generated/ follows. Real saves on a temporary project.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as spawnAsync } from '../helpers/spawn';

const repo = path.resolve(__dirname, '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-watch-'));
let child: ChildProcess;
let out = '';

// The edits change the description only: no new version is recorded, so no file the compile
// writes under workflows/.versions/ wakes a watcher that missed the save itself.
const flow = (description: string): string => `dsl: 1\ndescription: ${description}\nsteps:\n  - activity: Greet\n    input: world\n`;
const generated = (name: string): string => {
  const folder = path.join(dir, 'generated', name);
  return fs.existsSync(folder) ? fs.readdirSync(folder).map((f) => fs.readFileSync(path.join(folder, f), 'utf8')).join('\n') : '';
};

/** Waits until `probe` holds (the watcher compiles on its own time). */
async function until(probe: () => boolean, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output:\n${out}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Output since `mark`. */
const since = (mark: number): string => out.slice(mark);

beforeAll(async () => {
  fs.mkdirSync(path.join(dir, 'workflows/activities'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'workflows/activities/greet.ts'), 'export async function Greet(name: string) { return `hi ${name}`; }\n');
  fs.writeFileSync(path.join(dir, 'workflows/a.yaml'), flow('first'));
  child = spawn(process.execPath, [path.join(repo, 'bin/durable-flow.js'), 'compile', '--watch', '--no-build'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (b) => (out += b));
  child.stderr!.on('data', (b) => (out += b));
  await until(() => out.includes('watching workflows/'), 'the first compile');
}, 90_000);

afterAll(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('compile --watch', () => {
  it('compiled the project at start', () => {
    expect(generated('a')).toContain('first');
  });

  it('follows a file through sed -i, save after save', async () => {
    for (const word of ['second', 'third']) {
      const mark = out.length;
      const sed = await spawnAsync('sed', ['-i', `s/description: .*/description: ${word}/`, 'workflows/a.yaml'], { cwd: dir });
      expect(sed.status).toBe(0);
      await until(() => generated('a').includes(word), `generated/a to say ${word}`);
      await until(() => since(mark).includes('generated '), 'the compile to finish');
      expect(since(mark)).toContain('workflows/a.yaml changed: recompiling');
    }
  }, 120_000);

  it('follows a file written as a new file and renamed over it, and keeps following it', async () => {
    for (const word of ['fourth', 'fifth']) {
      const mark = out.length;
      const tmp = path.join(dir, 'workflows/.a.yaml.swp');
      fs.writeFileSync(tmp, flow(word));
      fs.renameSync(tmp, path.join(dir, 'workflows/a.yaml'));
      await until(() => generated('a').includes(word), `generated/a to say ${word}`);
      await until(() => since(mark).includes('generated '), 'the compile to finish');
      expect(since(mark)).toContain('workflows/a.yaml changed: recompiling');
    }
    // And a plain write after the renames is still seen.
    fs.writeFileSync(path.join(dir, 'workflows/a.yaml'), flow('sixth'));
    await until(() => generated('a').includes('sixth'), 'generated/a to say sixth');
  }, 120_000);

  it('sees a workflow added and one removed, and an activity changed', async () => {
    let mark = out.length;
    fs.writeFileSync(path.join(dir, 'workflows/b.yaml'), flow('bee'));
    await until(() => generated('b').includes('bee'), 'generated/b');
    expect(since(mark)).toContain('workflows/b.yaml added: recompiling');
    mark = out.length;
    fs.rmSync(path.join(dir, 'workflows/b.yaml'));
    await until(() => !fs.existsSync(path.join(dir, 'generated/b/blueprint.ts')), 'generated/b to go');
    expect(since(mark)).toContain('workflows/b.yaml removed: recompiling');
    mark = out.length;
    // An activity renamed: the workflow using the old name no longer compiles, and says so.
    fs.writeFileSync(path.join(dir, 'workflows/activities/greet.ts'), 'export async function Welcome(name: string) { return `hi ${name}`; }\n');
    await until(() => since(mark).includes("unknown activity 'Greet'"), 'the error for the renamed activity');
    expect(since(mark)).toContain('workflows/activities/greet.ts changed: recompiling');
  }, 120_000);
});
