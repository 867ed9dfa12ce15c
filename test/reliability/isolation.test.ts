/**
 * A host that poisoned work cannot kill: orchestrator episodes run in episode processes under a time
 * budget and a heap limit, activities in supervised worker processes (replaced when they die, a
 * function timeout that frees the slot, leases renewed while they run), results JSON cannot carry
 * fail clearly, and a second host on the same database refuses to start. Each attack leaves the
 * host serving, and a restart on the same file does not run the poisoned work again.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost, type Host } from '../../host/main';
import { call, untilStatus } from '../host/http-helpers';

const app = path.resolve(__dirname, '../fixtures/hostile-app');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-isolation-'));
const db = path.join(dir, 'hostile.db');
const log = path.join(dir, 'long.log');
let host: Host;

// One episode thread, whatever the machine: episodes of other instances queue behind a stuck one.
const open = (): Promise<Host> => createHost({ appDir: app, db, port: 0, quiet: true, episodeBudgetMs: 1500, episodeHeapMb: 64, leaseMs: 1500, episodeThreads: 1 });

beforeAll(async () => {
  require('tsx/cjs/api').register(); // the fixture app is TypeScript
  process.env.HOSTILE_LOG = log;
  host = await open();
}, 60_000);
afterAll(async () => {
  await host?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const start = async (name: string, input: unknown = null): Promise<string> => {
  const r = await call('POST', `${host.url}/runtime/webhooks/durabletask/orchestrators/${name}`, input);
  expect(r.status).toBe(202);
  return r.body.statusQueryGetUri as string;
};
const finish = (uri: string) => untilStatus(uri, ['Completed', 'Failed', 'Terminated'], 60_000);
const alive = async (): Promise<void> => {
  const echo = await finish(await start('callOne', { name: 'Echo', input: 'still here' }));
  expect(echo.body.output).toEqual({ ok: 'still here' });
};

describe('orchestrator code that never yields or eats the heap', () => {
  it('fails its instance when the episode passes its time budget; the host keeps serving', async () => {
    const done = await finish(await start('spin'));
    expect(done.body.runtimeStatus).toBe('Failed');
    expect(String(done.body.output)).toMatch(/^Orchestrator function 'spin' failed: the episode ran longer than its budget of 1500 ms and was stopped/);
    await alive();
  }, 60_000);

  it('runs the episodes sent to the thread behind a stuck one on the thread that replaces it', async () => {
    const spin = await start('spin');
    // Sent right behind it to the same (only) thread, which holds several requests at once.
    const others = await Promise.all([1, 2, 3, 4, 5].map((i) => start('callOne', { name: 'Echo', input: `behind ${i}` })));
    const stuck = await finish(spin);
    expect(stuck.body.runtimeStatus).toBe('Failed');
    expect(String(stuck.body.output)).toMatch(/the episode ran longer than its budget of 1500 ms/);
    for (const [i, uri] of others.entries()) {
      const done = await finish(uri);
      expect(done.body.runtimeStatus).toBe('Completed');
      expect(done.body.output).toEqual({ ok: `behind ${i + 1}` });
    }
  }, 60_000);

  it('fails its instance at once with a clear error when the orchestrator returns what JSON cannot carry', async () => {
    const done = await finish(await start('bigOutput'));
    expect(done.body.runtimeStatus).toBe('Failed');
    expect(String(done.body.output)).toMatch(/BigInt/);
    expect(String(done.body.output)).not.toMatch(/budget/);
    await alive();
  }, 60_000);

  it('fails its instance when the episode runs out of memory; the host keeps serving', async () => {
    const done = await finish(await start('hog'));
    expect(done.body.runtimeStatus).toBe('Failed');
    expect(String(done.body.output)).toMatch(/the episode (ran out of memory \(the limit is 64 MB\)|ran longer than its budget)/);
    await alive();
  }, 60_000);
});

describe('activities that attack their worker', () => {
  it('process.exit: the worker is replaced, the activity runs again, and after 3 crashes it fails with ActivityCrashed', async () => {
    const done = await finish(await start('callOne', { name: 'Exit', input: null }));
    expect(done.body.output).toEqual({ failed: expect.stringMatching(/^Activity function 'Exit' failed: ActivityCrashed: activity 'Exit' brought down its worker process 3 times/) });
    await alive();
  }, 60_000);

  it('an activity that never returns fails at the function timeout, and its slot is freed', async () => {
    const uris = await Promise.all([1, 2, 3, 4, 5].map(() => start('callOne', { name: 'Hang', input: null })));
    for (const uri of uris) {
      const done = await finish(uri);
      expect(done.body.output).toEqual({ failed: "Activity function 'Hang' failed: Timeout value of 00:00:03 was exceeded by function: Functions.Hang" });
    }
    // Five hung activities on four slots all ended: the slots came back.
    await alive();
  }, 60_000);

  it('a result JSON cannot carry (circular, BigInt) fails the activity with UnserializableResult', async () => {
    for (const name of ['Circular', 'Big']) {
      const done = await finish(await start('callOne', { name, input: null }));
      expect(done.body.runtimeStatus).toBe('Completed');
      expect(done.body.output).toEqual({ failed: expect.stringMatching(new RegExp(`^Activity function '${name}' failed: UnserializableResult: activity '${name}' returned a value that cannot be sent as JSON`)) });
    }
  }, 60_000);

  it('an activity longer than its lease runs once: the lease is renewed while it runs', async () => {
    fs.writeFileSync(log, '');
    const done = await finish(await start('callOne', { name: 'Long', input: 2500 }));
    expect(done.body.output).toEqual({ ok: 2500 });
    expect(fs.readFileSync(log, 'utf8').trim().split('\n')).toEqual(['start']);
  }, 60_000);
});

describe('one host per database', () => {
  it('refuses a second host on the same file with a clear message', async () => {
    await expect(open()).rejects.toThrow(/another durable-flow host \(process \d+\) is using .*hostile\.db: stop it first/);
    await alive();
  }, 60_000);

  it('after a restart on the same file, the poisoned instances stay failed and the host serves', async () => {
    await host.close();
    host = await open();
    const failed = host.store.listInstances({ statuses: ['Failed'], top: 100 });
    // The orchestrator tests above poisoned bigOutput and hog once and spin twice.
    expect(failed.map((i) => i.name).sort()).toEqual(['bigOutput', 'hog', 'spin', 'spin']);
    await alive();
  }, 60_000);
});
