/**
 * The example workflows (workflows/*.yaml) tested with durable-flow/testing, the way a project
 * tests its own: read it as documentation (docs/testing.md explains the API).
 *
 * Each test creates an environment over the project's compiled app (generated/index.ts): the
 * generated orchestrators run through the real durable-functions library and the embedded
 * host's engine and Durable extension model, on an in-memory store, with virtual time.
 * Activities are the real ones from workflows/activities/ unless a test replaces them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createTestEnv, RunStuckError, type Recording, type TestEnv } from 'durable-flow/testing';
import { afterEach, describe, expect, it } from 'vitest';

let env: TestEnv;
afterEach(async () => {
  await env.close();
});

describe('hello: three activities in sequence', () => {
  it('runs the real activities', async () => {
    env = await createTestEnv();
    const run = await env.start('hello', {});
    expect(await run.result()).toEqual({ status: 'Completed', output: ['Hello, Tokyo!', 'Hello, Seattle!', 'Hello, London!'] });
  });

  it('runs a replacement instead, and records every call', async () => {
    env = await createTestEnv({ activities: { SayHello: (name: string) => `Hi ${name}` } });
    const run = await env.start('hello', {});
    expect((await run.result()).output).toEqual(['Hi Tokyo', 'Hi Seattle', 'Hi London']);
    expect(env.calls('SayHello')).toEqual(['Tokyo', 'Seattle', 'London']);
  });
});

describe('fanOut: a forEach capped at 10 in flight', () => {
  it('never has more than 10 tasks in flight (proven from history) and keeps input order', async () => {
    env = await createTestEnv();
    const run = await env.start('fanOut', { taskCount: 30, taskMs: 1 }); // the real Sleep activity, 1 ms each
    expect(await run.result()).toEqual({ status: 'Completed', output: { count: 30, first: 0, last: 29 } });
    expect(run.maxInFlight('Sleep')).toBe(10);
    expect(run.status().progress).toEqual({ tasks: { done: 30, failed: 0, total: 30 } });
  });
});

describe('orderReview: the first of Approve or Reject, then closing steps under one deadline', () => {
  const order = { customer: 'ACME', total: 120 };

  it('waits for both events at once, and takes the one that comes', async () => {
    env = await createTestEnv();
    const run = await env.start('orderReview', order);
    expect(run.status()).toMatchObject({ customStatus: 'waiting for Approve or Reject', waitingFor: ['Approve', 'Reject'] });
    await env.advance('3h');
    await run.raiseEvent('Approve', { by: 'dana' });
    expect(await run.result()).toEqual({ status: 'Completed', output: { decision: 'Approve', record: 'receipt for ACME: 120.00' } });
    expect(env.calls('RecordDecision')).toEqual([{ approved: true, by: 'dana' }]);
  });

  it('records a rejection when nobody answers within the day', async () => {
    env = await createTestEnv();
    const run = await env.start('orderReview', order);
    expect(await run.result()).toEqual({ status: 'Completed', output: { decision: 'none', record: 'rejected' } });
  });
});

describe('customerReport: parallel branches, a status, a 2 s delay', () => {
  it('reports "building" until the delay is over, then "done"', async () => {
    env = await createTestEnv();
    // A singleton's instance id is its key; the kit starts instances directly, so pass it.
    const run = await env.start('customerReport', { customerId: 'ACME' }, { instanceId: 'report-ACME' });
    expect(run.status()).toMatchObject({ status: 'Running', customStatus: 'building' });
    await env.advance('2s');
    expect(run.status()).toMatchObject({ status: 'Completed', customStatus: 'done', output: ['sales report for ACME', 'support report for ACME'] });
  });
});

describe('approval: wait 24 h for an Approval event', () => {
  const order = { customer: 'ACME', total: 120 };

  it('is rejected when nobody answers: result() skips the 24 h', async () => {
    env = await createTestEnv();
    const started = env.now().getTime();
    const run = await env.start('approval', order);
    expect(run.status()).toMatchObject({ customStatus: 'waiting for approval', waitingFor: ['Approval'] });
    expect(await run.result()).toEqual({ status: 'Completed', output: { approved: false, record: 'rejected' } });
    expect(env.now().getTime() - started).toBe(24 * 3600_000);
  });

  it('is approved by an event two hours in', async () => {
    env = await createTestEnv();
    const run = await env.start('approval', order);
    await env.advance('2h');
    await run.raiseEvent('Approval', { approved: true, by: 'dana' });
    expect(await run.result()).toEqual({ status: 'Completed', output: { approved: true, record: 'approved by dana' } });
    expect(env.calls('RecordDecision')).toEqual([{ approved: true, by: 'dana' }]);
  });

  it('is over once the 24 h have passed: a late answer is refused', async () => {
    env = await createTestEnv();
    const run = await env.start('approval', order);
    await env.advance('24h');
    expect(run.status()).toMatchObject({ status: 'Completed', output: { approved: false } });
    await expect(run.raiseEvent('Approval', { approved: true, by: 'dana' })).rejects.toThrow(/is Completed/);
  });

  it('result() will not skip further than its maxTime guard', async () => {
    env = await createTestEnv();
    const run = await env.start('approval', order);
    await expect(run.result({ maxTime: '1h' })).rejects.toThrow(RunStuckError);
    await expect(run.result({ maxTime: '1h' })).rejects.toThrow(/waits for event 'Approval'/);
  });
});

describe('processOrders: capped fan-out with retries, onItemError, try/catch, a sub-workflow', () => {
  const orders = [
    { id: 'A', amount: 10 },
    { id: 'B', amount: 0 }, // the real ChargeOrder refuses an amount that is not positive
    { id: 'C', amount: 25 },
    { id: 'D', amount: 5 },
    { id: 'E', amount: 1 },
    { id: 'F', amount: 2 },
    { id: 'G', amount: 3 },
  ];

  it('retries the failing order 3 times, continues without it, sends the receipt and greets', async () => {
    env = await createTestEnv();
    const run = await env.start('processOrders', { customer: 'ACME', orders });
    expect(await run.result()).toEqual({ status: 'Completed', output: { charged: 46, failed: 1, receipt: 'receipt for ACME: 46.00' } });
    expect(env.calls<{ id: string }>('ChargeOrder').filter((o) => o.id === 'B')).toHaveLength(3);
    expect(run.maxInFlight('ChargeOrder')).toBe(5);
    expect(run.status().progress).toEqual({ charges: { done: 7, failed: 1, total: 7 } });
    expect(run.children().map((c) => c.workflow)).toEqual(['hello']);
  });

  it('a charge failing on its 2nd call is retried after the 1 s back-off and succeeds', async () => {
    env = await createTestEnv();
    env.failOnCall('ChargeOrder', 2, new Error('card network timeout'));
    const valid = orders.filter((o) => o.amount > 0);
    const run = await env.start('processOrders', { customer: 'ACME', orders: valid });
    expect((await run.result()).output).toEqual({ charged: 46, failed: 0, receipt: 'receipt for ACME: 46.00' });
    expect(env.calls('ChargeOrder')).toHaveLength(valid.length + 1);
  });

  it('catches a failing receipt and says so in the status', async () => {
    class MailboxFull extends Error {
      override name = 'MailboxFull';
    }
    env = await createTestEnv({
      activities: {
        SendReceipt: () => {
          throw new MailboxFull('no room for the receipt');
        },
      },
    });
    const run = await env.start('processOrders', { customer: 'ACME', orders: orders.slice(0, 1) });
    expect((await run.result()).output).toEqual({ charged: 10, failed: 0, receipt: null });
    expect(run.status().customStatus).toBe('receipt failed: no room for the receipt');
  });
});

describe('digest: an event wait with a timeout, then continueAsNew, five times', () => {
  it('takes each event once: a, b, c, d, e in, "a, b, c, d, e" out', async () => {
    env = await createTestEnv();
    const run = await env.start('digest', { customer: 'GAMMA' });
    for (const kind of ['a', 'b', 'c', 'd', 'e']) {
      await env.advance('1m');
      await run.raiseEvent('Item', { kind });
    }
    expect(await run.result()).toEqual({ status: 'Completed', output: 'digest to GAMMA: a, b, c, d, e' });
  });

  it('sends what it has after a week without an item', async () => {
    env = await createTestEnv();
    const run = await env.start('digest', { customer: 'GAMMA', items: ['a', 'b'] });
    expect(await run.result()).toEqual({ status: 'Completed', output: 'digest to GAMMA: a, b' });
  });
});

describe('nightlyReport: a scheduled singleton', () => {
  it('greets the night shift after its 2 s delay', async () => {
    env = await createTestEnv();
    // Timer triggers do not fire in the kit: start the workflow as its timer would (input null).
    const run = await env.start('nightlyReport', null, { instanceId: 'nightly' });
    expect(await run.result()).toEqual({ status: 'Completed', output: 'Hello, night shift!' });
  });
});

describe('replay check: does the current code still replay these histories?', () => {
  it('replays a finished run, its sub-workflow included', async () => {
    env = await createTestEnv();
    const run = await env.start('processOrders', { customer: 'ACME', orders: [{ id: 'A', amount: 10 }] });
    await run.result();
    expect(await env.replayCheck(run)).toMatchObject({ ok: true, instances: 2 });
  });

  it('replays the committed history of an approval (histories/approval.json): a change that breaks running instances fails here', async () => {
    env = await createTestEnv();
    const file = path.join(__dirname, 'histories/approval.json');
    if (process.env.DF_RECORD_HISTORIES) {
      // DF_RECORD_HISTORIES=1 npx vitest run test/testing/examples.test.ts: record it again, on purpose only.
      const run = await env.start('approval', { customer: 'ACME', total: 120 }, { instanceId: 'approval-recorded' });
      await env.advance('3h');
      await run.raiseEvent('Approval', { approved: true, by: 'dana' });
      await run.result();
      fs.writeFileSync(file, JSON.stringify(run.recording(), null, 2) + '\n');
    }
    const recorded = JSON.parse(fs.readFileSync(file, 'utf8')) as Recording;
    expect(await env.replayCheck(recorded)).toMatchObject({ ok: true });
  });

  it('reports where a history and the current code part ways', async () => {
    env = await createTestEnv();
    const run = await env.start('hello', {});
    await run.result();
    // As if an earlier hello had greeted Paris second.
    const older = run.recording();
    const second = older.history.find((e) => e.Name === 'SayHello' && e.EventId === 1)!;
    second.Input = JSON.stringify('Paris');
    const check = await env.replayCheck(older);
    expect(check).toMatchObject({
      ok: false,
      episode: 1,
      expected: [{ type: 'activity', name: 'SayHello', input: 'Paris' }],
      actual: [{ type: 'activity', name: 'SayHello', input: 'Seattle' }],
      message:
        "replaying 'hello' (instance 'hello-1') diverges at episode 1 (the episode that delivered TaskCompleted of task 0): " +
        'the history records: activity SayHello("Paris") as task 1; the current code does: activity SayHello("Seattle") as task 1',
    });
  });
});
