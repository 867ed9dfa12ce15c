/**
 * The issue's scenario, end to end on the embedded host: an instance of a workflow waits for an
 * event; the YAML gains a step before the wait; the project is compiled again by the real CLI
 * (tsc included) and the host restarted on the same SQLite file. The old instance completes with
 * version 1's steps and output, a new start runs version 2, and the added step ran only for the
 * new instance. Around it: the versions on the status APIs, a start of an older version through
 * the webhook's ?version=, and `durable-flow versions` / `versions prune` against the database
 * (refused while instances run on the versions to remove, unless --force; what --force costs).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, freePort, until, untilStatus } from './http-helpers';

const root = path.resolve(__dirname, '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-versions-host-'));
const db = path.join(dir, 'versions.db');
const notes = path.join(dir, 'notes.log');
const children: ChildProcess[] = [];

const WORKFLOW = `dsl: 1
description: Ask, wait for the answer, record it.
steps:
  - id: ask
    activity: Note
    input: ask \${ input.who }
  - id: decision
    waitForEvent: Approval
  - id: record
    activity: Note
    input: "record \${ input.who }: \${ steps.decision.output.ok }"
output:
  who: \${ input.who }
  ok: \${ steps.decision.output.ok }
`;

/** The CLI in the project folder (a child process the test waits for without blocking its own). */
function cli(...args: string[]): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'bin/durable-flow.js'), ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (b) => (output += b));
    child.stderr!.on('data', (b) => (output += b));
    child.on('close', (status) => resolve({ status, output }));
  });
}

let port: number;
let host: ChildProcess | undefined;

async function startHost(): Promise<void> {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(root, 'host/cli.ts'), dir, '--port', String(port), '--db', db], {
    cwd: root,
    env: { ...process.env, NOTES: notes },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (b) => (out += b));
  child.stderr!.on('data', (b) => (out += b));
  await until(async () => (out.includes('listening on') ? true : child.exitCode !== null ? Promise.reject(new Error(out)) : undefined), `host start:\n${out}`, 30_000);
  host = child;
}

async function stopHost(): Promise<void> {
  const child = host!;
  host = undefined;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

const api = (p: string): string => `http://127.0.0.1:${port}/api/${p}`;
const hook = (p: string): string => `http://127.0.0.1:${port}/runtime/webhooks/durabletask/${p}`;
const noted = (): string[] => (fs.existsSync(notes) ? fs.readFileSync(notes, 'utf8').trim().split('\n').filter(Boolean) : []);

beforeAll(async () => {
  fs.mkdirSync(path.join(dir, 'workflows/activities'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'versions-host', private: true, main: 'dist/generated/index.js' }));
  fs.writeFileSync(path.join(dir, 'host.json'), JSON.stringify({ version: '2.0', extensions: { durableTask: { hubName: 'VersionsHub', versionMatchStrategy: 'None' } } }));
  fs.copyFileSync(path.join(root, 'test/fixtures/testkit-project/tsconfig.json'), path.join(dir, 'tsconfig.json'));
  fs.copyFileSync(path.join(root, 'test/fixtures/testkit-project/tsconfig.build.json'), path.join(dir, 'tsconfig.build.json'));
  fs.writeFileSync(
    path.join(dir, 'workflows/activities/note.ts'),
    "import * as fs from 'node:fs';\n\n/** Appends its text to $NOTES: what ran, for the test to read. */\nexport function Note(text: string): string {\n  fs.appendFileSync(process.env.NOTES!, text + '\\n');\n  return text;\n}\n",
  );
  fs.writeFileSync(path.join(dir, 'workflows/approve.yaml'), WORKFLOW);
  fs.cpSync(path.join(root, 'runtime'), path.join(dir, 'runtime'), { recursive: true });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  port = await freePort();
}, 60_000);

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('editing a workflow never breaks the instances already running', () => {
  let oldId: string;
  let pinnedId: string;

  it('version 1: compiled, started, waiting for its event', async () => {
    const compiled = await cli('compile');
    expect(compiled.status, compiled.output).toBe(0);
    expect(compiled.output).toContain('approve: version 1 recorded (workflows/.versions/approve/)');
    await startHost();
    const started = await call('POST', api('workflows/approve'), { who: 'old' });
    expect(started.status).toBe(202);
    oldId = started.body.id;
    await until(async () => (noted().includes('ask old') ? true : undefined), 'the old instance to ask');
    const status = await call('GET', api(`workflows/approve/instances/${oldId}`));
    expect(status.body).toMatchObject({ id: oldId, workflow: 'approve', version: 1, status: 'Running' });
    const durable = await call('GET', hook(`instances/${oldId}`));
    expect(durable.body).toMatchObject({ name: 'approve', runtimeStatus: 'Running', version: '1.0.1' });
    await stopHost();
  }, 120_000);

  it('the edit (a step before the wait) compiles to version 2, with the change located in the YAML', async () => {
    fs.writeFileSync(
      path.join(dir, 'workflows/approve.yaml'),
      WORKFLOW.replace('  - id: decision\n', '  - id: extra\n    activity: Note\n    input: extra ${ input.who }\n  - id: decision\n').replace('  ok: ${ steps.decision.output.ok }\n', '  ok: ${ steps.decision.output.ok }\n  extra: ${ steps.extra.output }\n'),
    );
    const compiled = await cli('compile');
    expect(compiled.status, compiled.output).toBe(0);
    expect(compiled.output).toContain(
      "workflows/approve.yaml:7:9 warning DF601: this edit changes what instances replay: added 'extra' before 'decision'. It makes version 2 of 'approve'; instances in flight keep the version they started with",
    );
    expect(compiled.output).toContain("approve: version 2 (steps changed: added 'extra' before 'decision'); version 1 kept for instances in flight");
    expect(fs.readdirSync(path.join(dir, 'generated/approve')).sort()).toEqual(['blueprint.ts', 'orchestrator.ts', 'v1.ts', 'v2.ts']);
    // the database says one instance still runs version 1
    const listed = await cli('versions', 'approve', '--db', db);
    expect(listed.status, listed.output).toBe(0);
    expect(listed.output).toMatch(/v1 {2}first recorded version {2}\[1 in flight\]/);
    expect(listed.output).toMatch(/v2 {2}steps changed: added 'extra' before 'decision' {2}\[latest; 0 in flight\]/);
    const refused = await cli('versions', 'prune', 'approve', '--below', '2', '--db', db);
    expect(refused.status).toBe(1);
    expect(refused.output).toContain(`prune: refused: 1 unfinished instance of 'approve' in versions.db runs a version below 2: '${oldId}' Running.`);
    expect(fs.existsSync(path.join(dir, 'workflows/.versions/approve/v1.yaml'))).toBe(true);
  }, 120_000);

  it('after the restart the old instance completes with version 1, and a new start runs version 2', async () => {
    await startHost();
    const raised = await call('POST', api(`workflows/approve/instances/${oldId}/events/Approval`), { ok: true });
    expect(raised.status).toBe(202);
    const done = await untilStatus(hook(`instances/${oldId}`), ['Completed', 'Failed']);
    expect(done.body).toMatchObject({ runtimeStatus: 'Completed', version: '1.0.1', output: { who: 'old', ok: true } });

    const started = await call('POST', api('workflows/approve'), { who: 'new' });
    const newId = started.body.id as string;
    await until(async () => (noted().includes('extra new') ? true : undefined), 'the new instance to run the added step');
    expect((await call('GET', api(`workflows/approve/instances/${newId}`))).body).toMatchObject({ version: 2, status: 'Running' });
    await call('POST', api(`workflows/approve/instances/${newId}/events/Approval`), { ok: false });
    const finished = await untilStatus(hook(`instances/${newId}`), ['Completed', 'Failed']);
    expect(finished.body).toMatchObject({ runtimeStatus: 'Completed', version: '2.0.2', output: { who: 'new', ok: false, extra: 'extra new' } });

    // the added step ran for the new instance only
    expect(noted()).toEqual(['ask old', 'record old: true', 'ask new', 'extra new', 'record new: false']);
    // the instance list shows each instance's version, newest first
    const list = await call('GET', api('workflows/approve/instances'));
    expect(list.body.instances.map((i: { id: string; version: number }) => [i.id, i.version])).toEqual([
      [newId, 2],
      [oldId, 1],
    ]);
  }, 120_000);

  it('the webhook start API starts an older version with ?version=', async () => {
    const started = await call('POST', hook('orchestrators/approve?version=1'), { who: 'pinned' });
    expect(started.status).toBe(202);
    pinnedId = started.body.id;
    await until(async () => (noted().includes('ask pinned') ? true : undefined), 'the pinned instance to ask');
    expect((await call('GET', hook(`instances/${pinnedId}`))).body).toMatchObject({ runtimeStatus: 'Running', version: '1' });
    expect(noted()).not.toContain('extra pinned');
    // The wrapper that carries a version across continueAsNew is no start input: neither route takes it.
    const wrapped = { $durableFlowVersion: '1', input: { who: 'sneaky' } };
    expect((await call('POST', api('workflows/approve'), wrapped)).body).toMatchObject({ error: { code: 'InvalidInput' } });
    expect((await call('POST', hook('orchestrators/approve'), wrapped)).body).toMatchObject({ error: { code: 'InvalidInput' } });
    await stopHost();
  }, 60_000);

  it('prune --force removes the version anyway, and says what that costs: its instances fail at their next episode', async () => {
    const refused = await cli('versions', 'prune', 'approve', '--below', '2', '--db', db);
    expect(refused.status).toBe(1);
    expect(refused.output).toContain(`'${pinnedId}' Running`);
    const forced = await cli('versions', 'prune', 'approve', '--below', '2', '--db', db, '--force');
    expect(forced.status, forced.output).toBe(0);
    expect(forced.output).toContain(`prune: --force: 1 unfinished instance on the removed versions will fail at their next episode`);
    expect(forced.output).toContain('approve: removed version 1; kept 2.');
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'workflows/.versions/approve/versions.json'), 'utf8')).versions.map((v: { version: number }) => v.version)).toEqual([2]);
    const compiled = await cli('compile');
    expect(compiled.status, compiled.output).toBe(0);
    expect(fs.readdirSync(path.join(dir, 'generated/approve')).sort()).toEqual(['blueprint.ts', 'orchestrator.ts', 'v2.ts']);

    await startHost();
    await call('POST', api(`workflows/approve/instances/${pinnedId}/events/Approval`), { ok: true });
    const failed = await untilStatus(hook(`instances/${pinnedId}`), ['Completed', 'Failed']);
    expect(failed.body.runtimeStatus).toBe('Failed');
    // It had run a step: the history records a call the code (which now refuses version 1 before
    // issuing anything) does not make, so the extension's replay fails it first, as on Azure.
    expect(failed.body.output).toMatch(/^Non-Deterministic workflow detected: A previous execution of this orchestration scheduled an activity task with sequence ID 0 and name 'Note'/);
    await stopHost();
  }, 120_000);
});
