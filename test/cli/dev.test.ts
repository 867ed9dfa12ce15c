/**
 * `durable-flow dev` on a temporary app, on a free loopback port, driven as a person would: the
 * CLI's own `run` and `instances` against it, and real saves of the YAML. An instance started
 * before an edit carries on (on the version it started with) while new starts get the new
 * version; a new workflow file answers once compiled; an edit that fails to compile leaves the
 * last good app serving and prints the errors. Then `start` serves the same app and database, and
 * says so when the app is compiled again under it (it does not reload).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as spawnAsync } from '../helpers/spawn';
import { call, freePort, until } from '../host/http-helpers';

const repo = path.resolve(__dirname, '../..');
const bin = path.join(repo, 'bin/durable-flow.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-dev-'));
const db = path.join(dir, 'dev.db');
const holdNotes = path.join(dir, 'hold.log');
const holdFlag = path.join(dir, 'hold.flag');
const children: ChildProcess[] = [];
let port: number;
let base: string;
let dev: ChildProcess;
let out = '';

const APPROVE = `dsl: 1
steps:
  - id: decision
    waitForEvent: Go
output:
  ok: \${ steps.decision.output.ok }
`;
const GREET = (word: string): string => `dsl: 1\nsteps:\n  - id: greet\n    activity: Greet\n    input: ${word}\noutput: \${ steps.greet.output }\n`;

/** The CLI, in the app's folder, against the dev host. */
const cli = (...args: string[]) => spawnAsync(process.execPath, [bin, ...args], { cwd: dir, timeoutMs: 90_000 });

/** A save as editors make it: a new file renamed over the old one. */
function save(file: string, text: string): void {
  const full = path.join(dir, file);
  fs.writeFileSync(`${full}.tmp`, text);
  fs.renameSync(`${full}.tmp`, full);
}

function outputUntil(needle: string | RegExp, from: number, ms = 60_000): Promise<string> {
  return until(async () => {
    const s = out.slice(from);
    return (typeof needle === 'string' ? s.includes(needle) : needle.test(s)) ? s : dev.exitCode !== null ? Promise.reject(new Error(`dev exited:\n${out}`)) : undefined;
  }, `'${needle}' in the dev output:\n${out.slice(from)}`, ms);
}

const status = async (workflow: string, id: string) => (await call('GET', `${base}/api/workflows/${workflow}/instances/${id}`)).body;

beforeAll(async () => {
  fs.mkdirSync(path.join(dir, 'workflows/activities'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'dev-app', private: true, main: 'dist/generated/index.js' }));
  fs.writeFileSync(path.join(dir, 'host.json'), JSON.stringify({ version: '2.0', extensions: { durableTask: { hubName: 'DevHub' } } }));
  fs.copyFileSync(path.join(repo, 'test/fixtures/testkit-project/tsconfig.json'), path.join(dir, 'tsconfig.json'));
  fs.copyFileSync(path.join(repo, 'test/fixtures/testkit-project/tsconfig.build.json'), path.join(dir, 'tsconfig.build.json'));
  fs.writeFileSync(
    path.join(dir, 'workflows/activities/greet.ts'),
    "export function Greet(name: string): string {\n  return `hi ${name}`;\n}\n\nexport function Boom(): never {\n  throw new Error('boom on purpose');\n}\n",
  );
  // Hold: notes that it started, then runs until the test creates the flag file.
  fs.writeFileSync(
    path.join(dir, 'workflows/activities/hold.ts'),
    "import * as fs from 'node:fs';\n\nexport async function Hold(): Promise<string> {\n  fs.appendFileSync(process.env.HOLD_NOTES!, 'started\\n');\n  while (!fs.existsSync(process.env.HOLD_FLAG!)) await new Promise((r) => setTimeout(r, 20));\n  return 'held';\n}\n",
  );
  fs.writeFileSync(path.join(dir, 'workflows/held.yaml'), 'dsl: 1\nsteps:\n  - id: hold\n    activity: Hold\noutput: ${ steps.hold.output }\n');
  fs.writeFileSync(path.join(dir, 'workflows/approve.yaml'), APPROVE);
  fs.writeFileSync(path.join(dir, 'workflows/hello.yaml'), GREET('world'));
  fs.writeFileSync(path.join(dir, 'workflows/explode.yaml'), 'dsl: 1\nsteps:\n  - activity: Boom\n');
  fs.cpSync(path.join(repo, 'runtime'), path.join(dir, 'runtime'), { recursive: true });
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  dev = spawn(process.execPath, [bin, 'dev', '--port', String(port), '--db', db], { cwd: dir, env: { ...process.env, NO_COLOR: '1', HOLD_NOTES: holdNotes, HOLD_FLAG: holdFlag }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(dev);
  dev.stdout!.on('data', (b) => (out += b));
  dev.stderr!.on('data', (b) => (out += b));
  await outputUntil('watching workflows/', 0, 120_000);
  expect(out).toContain(`listening on ${base}`);
}, 150_000);

afterAll(async () => {
  for (const c of children) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (c.exitCode === null) c.kill('SIGKILL');
  }
  fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('durable-flow dev', () => {
  let waiting: string;

  it('serves the app: run --wait prints the output, and exits 1 for a failed instance', async () => {
    const ok = await cli('run', 'hello', '--wait', '--url', base);
    expect(ok.stderr).toMatch(/^started hello~\S+; waiting for it to finish\n$/);
    expect(ok.stdout).toBe('"hi world"\n');
    expect(ok.status).toBe(0);
    const failed = await cli('run', 'explode', '--wait', '--url', base);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(/explode~\S+ Failed: .*boom on purpose/);
    const unknown = await cli('run', 'hellp', '--url', base);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain(`the app at ${base} has no workflow named 'hellp'; its workflows are approve, explode, held, hello — did you mean 'hello'?`);
  }, 120_000);

  it('an instance started before an edit carries on with its version; new starts get the new one', async () => {
    const started = await cli('run', 'approve', '--url', base);
    expect(started.status, started.stderr).toBe(0);
    waiting = JSON.parse(started.stdout).id;
    await until(async () => ((await status('approve', waiting)).status === 'Running' ? true : undefined), 'the instance to wait');
    const mark = out.length;
    save('workflows/approve.yaml', APPROVE.replace('steps:\n', 'steps:\n  - id: hello\n    activity: Greet\n    input: first\n'));
    const reloaded = await outputUntil(/app reloaded in \d+ ms/, mark);
    expect(reloaded).toContain('workflows/approve.yaml changed: recompiling');
    expect(reloaded).toContain('approve: version 2');
    const raised = await cli('instances', 'raise', waiting, 'Go', '--data', '{"ok":true}', '--url', base);
    expect(raised.stdout).toBe(`raised Go to ${waiting}\n`);
    expect(raised.status).toBe(0);
    const done = await until(async () => {
      const s = await status('approve', waiting);
      return s.status === 'Running' ? undefined : s;
    }, 'the old instance to finish');
    expect(done).toMatchObject({ status: 'Completed', version: 1, output: { ok: true } });
    // A start after the compile runs version 2 (not the version 1 the host loaded first).
    const next = await cli('run', 'approve', '--url', base);
    const nextId = JSON.parse(next.stdout).id;
    await until(async () => ((await status('approve', nextId)).status === 'Running' ? true : undefined), 'the new instance to wait');
    expect(await status('approve', nextId)).toMatchObject({ version: 2 });
  }, 120_000);

  it('an activity running during a reload finishes on the old worker, once', async () => {
    const started = await cli('run', 'held', '--url', base);
    const id = JSON.parse(started.stdout).id;
    await until(async () => (fs.existsSync(holdNotes) ? true : undefined), 'the activity to start');
    const mark = out.length;
    save('workflows/hello.yaml', GREET('world') + '# a comment: a compile, a reload\n');
    await outputUntil(/app reloaded in \d+ ms/, mark);
    fs.writeFileSync(holdFlag, '');
    const done = await until(async () => {
      const s = await status('held', id);
      return s.status === 'Running' || s.status === 'Pending' ? undefined : s;
    }, 'the held instance to finish');
    expect(done).toMatchObject({ status: 'Completed', output: 'held' });
    expect(fs.readFileSync(holdNotes, 'utf8')).toBe('started\n');
  }, 120_000);

  it('a new workflow file answers once compiled, and instances lists its instances', async () => {
    expect((await call('POST', `${base}/api/workflows/later`, {})).status).toBe(404);
    const mark = out.length;
    save('workflows/later.yaml', GREET('later'));
    const reloaded = await outputUntil(/app reloaded in \d+ ms/, mark);
    expect(reloaded).toContain('workflows/later.yaml added: recompiling');
    expect(reloaded).toContain('new: /api/workflows/later');
    const r = await cli('run', 'later', '--wait', '--url', base);
    expect(r.stdout).toBe('"hi later"\n');
    const id = /started (\S+);/.exec(r.stderr)![1];
    const list = await cli('instances', 'list', '--workflow', 'later', '--url', base);
    expect(list.status).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^ID +WORKFLOW +STATUS +CREATED +UPDATED$/);
    expect(list.stdout).toMatch(new RegExp(`\\n${id} +later +Completed `));
    expect(list.stdout).not.toContain('approve');
  }, 120_000);

  it('an edit that fails to compile prints the errors and leaves the last good app serving', async () => {
    const mark = out.length;
    save('workflows/hello.yaml', GREET('world').replace('activity: Greet', 'activity: Gret'));
    const failed = await outputUntil('1 error', mark);
    expect(failed).toContain("workflows/hello.yaml:4:5 error DF401: unknown activity 'Gret' — did you mean 'Greet'?");
    expect(failed).not.toContain('app reloaded');
    const r = await cli('run', 'hello', '--wait', '--url', base);
    expect(r.stdout).toBe('"hi world"\n');
    // Fixed: served again, with the edit.
    const fixed = out.length;
    save('workflows/hello.yaml', GREET('again'));
    await outputUntil(/app reloaded in \d+ ms/, fixed);
    expect((await cli('run', 'hello', '--wait', '--url', base)).stdout).toBe('"hi again"\n');
  }, 120_000);

  it('new code that throws while loading leaves the last good app serving', async () => {
    const mark = out.length;
    // Compiles (tsc is content), but throws when the host loads it.
    save('workflows/activities/broken.ts', "throw new Error('this module cannot load');\nexport function Broken(): string {\n  return 'never';\n}\n");
    const failed = await outputUntil('the previous app keeps serving', mark);
    expect(failed).toContain('the app could not be reloaded');
    expect(failed).not.toContain('app reloaded in');
    expect((await cli('run', 'hello', '--wait', '--url', base)).stdout).toBe('"hi again"\n');
    const fixed = out.length;
    fs.rmSync(path.join(dir, 'workflows/activities/broken.ts'));
    await outputUntil(/app reloaded in \d+ ms/, fixed);
    expect((await cli('run', 'later', '--wait', '--url', base)).stdout).toBe('"hi later"\n');
  }, 120_000);

  it('instances show, terminate and purge', async () => {
    const started = await cli('run', 'approve', '--url', base);
    const id = JSON.parse(started.stdout).id;
    const shown = await cli('instances', 'show', id, '--url', base);
    expect(shown.status).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ instanceId: id, name: 'approve' });
    const terminated = await cli('instances', 'terminate', id, '--reason', 'no longer needed', '--url', base);
    expect(terminated.stdout).toBe(`terminated ${id}\n`);
    await until(async () => ((await status('approve', id)).status === 'Terminated' ? true : undefined), 'the instance to be terminated');
    const again = await cli('instances', 'terminate', id, '--url', base);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain(`terminate ${id}: 410`);
    const purged = await cli('instances', 'purge', id, '--url', base);
    expect(purged.stdout).toBe(`purged ${id}\n`);
    const gone = await cli('instances', 'show', id, '--url', base);
    expect(gone.status).toBe(1);
    expect(gone.stderr).toContain('404');
    expect(gone.stderr).toContain('(no such instance)');
  }, 120_000);

  it('stops on SIGTERM; start then serves the same app and database (--port)', async () => {
    const exited = new Promise((r) => dev.once('exit', r));
    dev.kill('SIGTERM');
    expect(await exited).toBe(0);
    const startPort = await freePort();
    const start = spawn(process.execPath, [bin, 'start', '--port', String(startPort), '--db', db, '--no-compile'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(start);
    let startOut = '';
    start.stdout!.on('data', (b) => (startOut += b));
    start.stderr!.on('data', (b) => (startOut += b));
    await until(async () => (startOut.includes(`listening on http://127.0.0.1:${startPort}`) ? true : start.exitCode !== null ? Promise.reject(new Error(startOut)) : undefined), `start:\n${startOut}`, 60_000);
    const list = await cli('instances', 'list', '--status', 'Completed', '--url', `http://127.0.0.1:${startPort}`);
    expect(list.stdout).toContain(waiting);
    // start does not reload, and says so when the app is compiled again under it.
    const compiled = await cli('compile');
    expect(compiled.status, compiled.stdout + compiled.stderr).toBe(0);
    await until(async () => (startOut.includes('dist/generated/index.js was compiled again: this host still serves the app it loaded') ? true : undefined), `the warning in:\n${startOut}`, 15_000);
  }, 150_000);
});
