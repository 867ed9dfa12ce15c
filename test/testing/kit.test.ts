/**
 * The test kit's own behaviour (durable-flow/testing, as users import it), on the workflows of
 * test/fixtures/testkit-project compiled into a temporary folder: virtual time that moves only as
 * far as asked, result() that skips timers and names what a stuck run waits for, activity
 * replacements and planned failures that behave like registered activities, the cap proven from
 * history, the replay check and its divergence report, and clear errors.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createTestEnv, EventType, RunStuckError, type TestEnv } from 'durable-flow/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { compileToGenerated } from '../../compiler/src/compile';
import { resolveApp } from '../../testing/app';

const repo = path.resolve(__dirname, '../..');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 1);

let dir: string;
let app: string;
let env: TestEnv;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-kit-'));
  fs.cpSync(path.join(repo, 'test/fixtures/testkit-project/workflows'), path.join(dir, 'workflows'), { recursive: true });
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'));
  fs.symlinkSync(path.join(repo, 'runtime'), path.join(dir, 'runtime'));
  const r = compileToGenerated(dir, { write: true });
  if (!r.front.ok) throw new Error(r.front.diagnostics.map((d) => d.message).join('\n'));
  app = path.join(dir, 'generated/index.ts');
}, 120_000);

afterEach(async () => {
  await env?.close();
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const invoices = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((id, i) => ({ id, email: `${id}@example.com`, amount: 10 * (i + 1) }));

describe('virtual time', () => {
  it('runs a 30-day delay and a 7-day event timeout at once (real time is printed, not asserted)', async () => {
    env = await createTestEnv({ app });
    const started = performance.now();
    const run = await env.start('trial', { account: 'acme' });
    const r = await run.result();
    const ms = performance.now() - started;
    expect(r).toEqual({ status: 'Completed', output: { subscribed: false, outcome: 'acme closed', startedAt: new Date(T0).toISOString(), finishedAt: new Date(T0 + 37 * DAY).toISOString() } });
    expect(env.now().getTime()).toBe(T0 + 37 * DAY);
    console.log(`trial (30-day delay, 7-day event timeout): start → result in ${ms.toFixed(1)} ms of real time`);
  });

  it('advance moves exactly as far as asked, firing the timers due on the way', async () => {
    env = await createTestEnv({ app, startTime: '2030-06-01T00:00:00Z' });
    const run = await env.start('trial', { account: 'acme' });
    await env.advance('29d');
    expect(env.now().toISOString()).toBe('2030-06-30T00:00:00.000Z');
    expect(run.status()).toMatchObject({ status: 'Running', customStatus: null, waitingFor: [] });
    expect(env.calls('SendEmail')).toEqual([{ to: 'acme', template: 'welcome' }]);
    await env.advance('PT24H');
    expect(env.now().toISOString()).toBe('2030-07-01T00:00:00.000Z');
    expect(env.calls('SendEmail')).toEqual([
      { to: 'acme', template: 'welcome' },
      { to: 'acme', template: 'trial-ended' },
    ]);
    expect(run.status()).toMatchObject({ status: 'Running', customStatus: 'awaiting subscription', waitingFor: ['Subscribe'] });
    await run.raiseEvent('Subscribe', { plan: 'pro' });
    expect(run.status()).toMatchObject({ status: 'Completed', waitingFor: [], output: { subscribed: true, outcome: 'acme is on pro' } });
    expect(run.history().some((e) => e.EventType === EventType.EventRaised && e.Name === 'Subscribe')).toBe(true);
    // Nothing ran ahead: the run finished at the time the event was raised.
    expect(env.now().toISOString()).toBe('2030-07-01T00:00:00.000Z');
  });

  it('result() does not skip more than maxTime, and says what is next', async () => {
    env = await createTestEnv({ app });
    const run = await env.start('trial', { account: 'acme' });
    const error = await run.result({ maxTime: '30d' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunStuckError);
    expect((error as Error).message).toContain(`its next timer is due ${new Date(T0 + 37 * DAY).toISOString()}, beyond this call's maxTime of 30d`);
    expect((error as Error).message).toContain("trial 'trial-1' waits for event 'Subscribe'");
    // It went as far as the last timer within the guard (the end of the trial, day 30) and no further.
    expect(env.now().getTime()).toBe(T0 + 30 * DAY);
    expect(run.status().waitingFor).toEqual(['Subscribe']);
  });

  it('rejects what is not a duration', async () => {
    env = await createTestEnv({ app });
    await expect(env.advance('a month')).rejects.toThrow(/'a month' is not a duration/);
  });
});

describe('a run that cannot finish', () => {
  it('result() throws RunStuckError naming the events each unfinished instance waits for (a child workflow here)', async () => {
    env = await createTestEnv({ app });
    const run = await env.start('signoff', { release: '1.2' });
    const error = await run.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunStuckError);
    const [child] = run.children();
    expect((error as RunStuckError).waits).toEqual([
      { instanceId: run.id, workflow: 'signoff', status: 'Running', events: [] },
      { instanceId: child.id, workflow: 'review', status: 'Running', events: ['Approve'] },
    ]);
    expect((error as Error).message).toContain(`review '${child.id}' waits for event 'Approve'`);
    expect((error as Error).message).toContain(`await env.run(${JSON.stringify(child.id)}).raiseEvent("Approve", payload)`);
    expect((error as Error).message).toContain(`signoff '${run.id}' waits for its child workflows`);
    await child.raiseEvent('Approve', { by: 'kim' });
    expect(await run.result()).toEqual({ status: 'Completed', output: { by: 'kim' } });
  });

  it("result() moves time only as far as its own run's timers need, firing earlier ones of other runs on the way", async () => {
    env = await createTestEnv({ app });
    const trial = await env.start('trial', { account: 'acme' });
    const escalation = await env.start('escalation', { incident: 'db down' });
    // The escalation's child pages again after 15 minutes; then it can only wait for Ack.
    await expect(escalation.result()).rejects.toThrow(RunStuckError);
    expect(env.now().getTime()).toBe(T0 + 15 * 60_000);
    expect(env.calls('SendEmail')).toContainEqual({ to: 'on-call', template: 'reminder: db down' });
    expect((await trial.result()).status).toBe('Completed');
    expect(env.now().getTime()).toBe(T0 + 37 * DAY);
    expect(escalation.status()).toMatchObject({ status: 'Running', waitingFor: ['Ack'] });
  });

  it('terminate ends it; the result says so', async () => {
    env = await createTestEnv({ app });
    const run = await env.start('escalation', { incident: 'disk full' });
    await run.terminate('resolved elsewhere');
    expect(await run.result()).toEqual({ status: 'Terminated', output: 'resolved elsewhere' });
  });
});

describe('activities', () => {
  it('a replacement is wrapped like a registered activity: an unserializable result fails with UnserializableResult, caught by name', async () => {
    env = await createTestEnv({ app, activities: { PostToLedger: () => 10n } });
    const run = await env.start('invoices', { invoices: invoices.slice(0, 2) });
    expect((await run.result()).output).toMatchObject({ ledger: null, ledgerError: 'UnserializableResult' });
    expect(run.status().customStatus).toMatch(/^ledger unavailable: UnserializableResult/);
  });

  it("an uncaught activity error fails the run with the error's name", async () => {
    class UnknownPlan extends Error {
      override name = 'UnknownPlan';
    }
    env = await createTestEnv({
      app,
      activities: {
        ActivatePlan: (input: { plan: string }) => {
          throw new UnknownPlan(`no plan called '${input.plan}'`);
        },
      },
    });
    const run = await env.start('trial', { account: 'acme' });
    await env.advance('30d');
    await run.raiseEvent('Subscribe', { plan: 'platinum' });
    expect(await run.result()).toEqual({
      status: 'Failed',
      output: null,
      error: { name: 'UnknownPlan', message: "no plan called 'platinum'", text: "Orchestrator function 'trial' failed: UnknownPlan: no plan called 'platinum'" },
    });
  });

  it('failOnCall fails the nth call as if the activity threw: a nonRetryable name is not retried', async () => {
    env = await createTestEnv({ app });
    env.failOnCall('SendInvoice', 2, { name: 'InvalidAddress', message: 'bounced' });
    const r = await (await env.start('invoices', { invoices })).result();
    expect(r.output).toMatchObject({ sent: ['a', 'c', 'd', 'e', 'f', 'g'], failed: ['InvalidAddress'] });
    expect(env.calls('SendInvoice')).toHaveLength(7);
  });

  it('failOnCall with a retryable error: the item runs again after the back-off and succeeds', async () => {
    env = await createTestEnv({ app });
    env.failOnCall('SendInvoice', [1], new Error('SMTP timeout'));
    const run = await env.start('invoices', { invoices });
    const r = await run.result();
    expect(r.output).toMatchObject({ sent: ['a', 'b', 'c', 'd', 'e', 'f', 'g'], failed: [], ledger: 280 });
    const calls = env.calls<{ id: string }>('SendInvoice');
    expect(calls.map((c) => c.id).sort()).toEqual(['a', 'a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(env.now().getTime()).toBe(T0 + HOUR);
    // The cap, proven from history: never more than 3 calls scheduled and not yet completed.
    expect(run.maxInFlight('SendInvoice')).toBe(3);
    expect(run.maxInFlight()).toBe(3);
    expect(run.status().progress).toEqual({ sent: { done: 7, failed: 0, total: 7 } });
  });

  it('names the real activities when a name is unknown', async () => {
    await expect(createTestEnv({ app, activities: { SendMail: () => 'x' } })).rejects.toThrow(
      "activities: 'SendMail' is not an activity of this app; its activities are: ActivatePlan, CloseAccount, PostToLedger, SendEmail, SendInvoice",
    );
    env = await createTestEnv({ app });
    expect(() => env.failOnCall('SendMail', 1)).toThrow(/its activities are: ActivatePlan, /);
    expect(() => env.calls('SendMail')).toThrow(/its activities are: ActivatePlan, /);
    expect(() => env.failOnCall('SendEmail', 0)).toThrow(/call numbers start at 1/);
  });
});

describe('starting', () => {
  it('validates the input against the workflow schema and names the workflows', async () => {
    env = await createTestEnv({ app });
    await expect(env.start('trial', {})).rejects.toThrow("start: the input of 'trial' does not match its schema: / must have required property 'account'");
    await expect(env.start('trail', {})).rejects.toThrow("start: the app has no workflow named 'trail'; its workflows are: escalation, invoices, page, review, signoff, trial");
    expect(env.workflows()).toContain('trial');
    const run = await env.start('trial', { account: 'x' }, { instanceId: 'trial-for-x' });
    expect(run.id).toBe('trial-for-x');
    await env.close();
    await expect(env.start('trial', { account: 'x' })).rejects.toThrow('this test environment is closed');
  });

  it("finds the project's app: generated/index.ts (through tsx), else the package.json main, else says what to do", () => {
    const project = fs.mkdtempSync(path.join(os.tmpdir(), 'df-kit-app-'));
    try {
      fs.mkdirSync(path.join(project, 'test'));
      fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ main: 'dist/generated/index.js' }));
      expect(() => resolveApp(undefined, path.join(project, 'test'))).toThrow(/no compiled app in .*: looked for generated\/index.ts \(with tsx\) and the package.json "main" \(dist\/generated\/index.js\)/);
      fs.mkdirSync(path.join(project, 'dist/generated'), { recursive: true });
      fs.writeFileSync(path.join(project, 'dist/generated/index.js'), '');
      expect(resolveApp(undefined, path.join(project, 'test'))).toBe(path.join(project, 'dist/generated/index.js'));
      fs.mkdirSync(path.join(project, 'generated'));
      fs.writeFileSync(path.join(project, 'generated/index.ts'), '');
      expect(resolveApp(undefined, path.join(project, 'test'))).toBe(path.join(project, 'generated/index.ts'));
      expect(resolveApp('.', project)).toBe(path.join(project, 'dist/generated/index.js'));
    } finally {
      fs.rmSync(project, { recursive: true, force: true });
    }
  });

  it('runs one app per process, and says so', async () => {
    env = await createTestEnv({ app });
    await expect(createTestEnv({ app: path.join(repo, 'generated/index.ts') })).rejects.toThrow(/one test file runs one app/);
    await expect(createTestEnv({ app: path.join(dir, 'nothing-here.ts') })).rejects.toThrow(/does not exist/);
  });
});

describe('replay check', () => {
  it('replays a finished run and its child workflows through the current code', async () => {
    env = await createTestEnv({ app });
    const run = await env.start('escalation', { incident: 'db down' });
    await env.advance('1h');
    await run.raiseEvent('Ack', { by: 'sam' });
    expect((await run.result()).status).toBe('Completed');
    const check = await env.replayCheck(run);
    expect(check).toMatchObject({ ok: true, instances: 2 });
    expect(check.ok && check.episodes).toBeGreaterThan(4);
  });

  it('reports the first episode a recorded history and the current code disagree on', async () => {
    env = await createTestEnv({ app });
    const run = await env.start('trial', { account: 'acme' });
    await env.advance('31d');
    await run.raiseEvent('Subscribe', { plan: 'pro' });
    await run.result();
    const recording = run.recording();
    expect(await env.replayCheck(recording)).toMatchObject({ ok: true });
    // As if an earlier version had sent a 'trial-over' email where this one sends 'trial-ended'.
    const older = structuredClone(recording);
    const sent = older.history.filter((e) => e.EventType === EventType.TaskScheduled && e.Name === 'SendEmail');
    sent[1].Input = JSON.stringify({ to: 'acme', template: 'trial-over' });
    const check = await env.replayCheck(older);
    expect(check.ok).toBe(false);
    if (check.ok) return;
    // Episodes: the start, the welcome email's completion, then the end of the trial (its timer fired).
    expect(check.episode).toBe(2);
    expect(check.expected).toEqual([{ type: 'activity', id: 2, name: 'SendEmail', input: { to: 'acme', template: 'trial-over' } }]);
    expect(check.actual).toEqual([{ type: 'activity', id: 2, name: 'SendEmail', input: { to: 'acme', template: 'trial-ended' } }]);
    expect(check.message).toContain('diverges at episode 2 (the episode that delivered TimerFired of task 1)');
  });

  it('compares a timer by its task number, not its due time, as DurableTask.Core does', async () => {
    env = await createTestEnv({ app });
    const run = await env.start('trial', { account: 'acme' });
    await env.advance('31d');
    await run.raiseEvent('Subscribe', { plan: 'pro' });
    await run.result();
    // As if an earlier version had waited 30 days and an hour: the recorded timer is what fires.
    const older = structuredClone(run.recording());
    const timer = older.history.find((e) => e.EventType === EventType.TimerCreated)!;
    timer.FireAt = new Date(Date.parse(String(timer.FireAt)) + 3600_000).toISOString();
    expect(await env.replayCheck(older)).toMatchObject({ ok: true });
    // A timer where the code now schedules something else still diverges.
    timer.EventType = EventType.TaskScheduled;
    timer.Name = 'SendEmail';
    expect(await env.replayCheck(older)).toMatchObject({ ok: false });
  });
});
