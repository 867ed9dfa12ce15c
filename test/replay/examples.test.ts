/**
 * Replay tests of the committed generated code for the example workflows, run through the real
 * durable-functions library by the harness (extension-faithful task ids, compound trap included).
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ActionType, type Action } from '../../host/orchestration/actions';
import { createHarness } from '../harness/replay';

const harness = createHarness(path.resolve(__dirname, '../../generated/index.ts'));
const flat = (actions: Action[]): Action[] => actions.flatMap((a) => (a.compoundActions ? [a, ...flat(a.compoundActions)] : [a]));

describe('hello (a sequence)', () => {
  it('calls the activities one after another and returns their outputs', async () => {
    const run = harness.start('hello', null);
    const state = await run.runToCompletion();
    expect(state.output).toEqual(['Hello, Tokyo!', 'Hello, Seattle!', 'Hello, London!']);
    expect(run.episodes.map((e) => e.scheduled.map((s) => s.input))).toEqual([['Tokyo'], ['Seattle'], ['London'], []]);
    expect(await run.replayCheck()).toEqual([]);
  });
});

describe('fanOut (forEach, maxParallel 10, 100 items)', () => {
  const sleep = { Sleep: (input: { index: number }) => input.index };

  for (const order of ['fifo', 'lifo', { seed: 1 }, { seed: 42 }] as const) {
    it(`never exceeds the cap, refills when it wakes, keeps input order (${JSON.stringify(order)})`, async () => {
      const run = harness.start('fanOut', { taskCount: 100 });
      const state = await run.runToCompletion({ activities: sleep, order });
      expect(state.error).toBeUndefined();
      expect(state.output).toEqual({ count: 100, first: 0, last: 99 });
      // Every item ran exactly once: no activity was scheduled twice.
      const scheduled = run.episodes.flatMap((e) => e.scheduled.map((s) => (s.input as { index: number }).index));
      expect(scheduled.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
      // The cap holds at the end of every episode...
      expect(Math.max(...run.episodes.map((e) => e.activitiesInFlight))).toBe(10);
      // ...and whenever the orchestrator woke and started work, it filled the window up again:
      // in flight = min(cap, items not yet finished).
      let finished = 0;
      for (const e of run.episodes) {
        finished += e.completions;
        if (e.scheduled.length > 0) expect(e.activitiesInFlight).toBe(Math.min(10, 100 - finished));
      }
      expect(await run.replayCheck()).toEqual([]);
    });
  }

  it('publishes progress in the custom status and replays deterministically', async () => {
    const run = harness.start('fanOut', { taskCount: 30 });
    const progress: Array<{ done: number; total: number }> = [];
    await run.deliver();
    while (!run.done) {
      const [first] = run.activities.values();
      if (first) run.complete(first.taskId, (first.input as { index: number }).index);
      // timers (the window's gates, created cancelled) fire when no activity is left to complete
      else for (const t of [...run.timers.values()]) run.fireTimer(t.taskId);
      const state = await run.deliver();
      progress.push((state.customStatus as { progress: { tasks: { done: number; total: number } } }).progress.tasks);
      if (progress.length > 200) throw new Error('no end');
    }
    expect(progress.at(-1)).toEqual({ done: 30, failed: 0, total: 30 });
    expect(progress.every((p, i) => i === 0 || p.done >= progress[i - 1].done)).toBe(true);
    expect(await run.replayCheck()).toEqual([]);
  });
});

describe('approval (waitForEvent with timeout, switch)', () => {
  it('takes the approved branch when the event arrives, and cancels the timeout timer', async () => {
    const run = harness.start('approval', { customer: 'ACME', total: 120 });
    await run.runToCompletion({ fireTimers: false }); // runs until only the event or the timer can move it
    expect(run.done).toBe(false);
    const waiting = flat(run.state!.actions);
    const timer = waiting.find((a) => a.actionType === ActionType.CreateTimer)!;
    expect(new Date(timer.fireAt!).getTime() - new Date('2026-01-01T00:00:00Z').getTime()).toBe(24 * 3600 * 1000);
    expect(waiting.some((a) => a.actionType === ActionType.WaitForExternalEvent && a.externalEventName === 'Approval')).toBe(true);
    run.raiseEvent('Approval', { approved: true, by: 'dana' });
    const state = await run.runToCompletion();
    expect(state.output).toEqual({ approved: true, record: 'approved by dana' });
    expect(flat(state.actions).find((a) => a.actionType === ActionType.CreateTimer)?.isCanceled).toBe(true);
    expect(await run.replayCheck()).toEqual([]);
  });

  it('takes the onTimeout: continue path when the timer fires first', async () => {
    const run = harness.start('approval', { customer: 'ACME', total: 120 });
    const state = await run.runToCompletion();
    expect(state.output).toEqual({ approved: false, record: 'rejected' });
    expect(run.clock.toISOString()).toBe('2026-01-02T00:00:00.000Z');
  });
});

describe('customerReport (parallel branches, status, delay)', () => {
  it('runs both branches, waits 2 s on a durable timer, and publishes its status', async () => {
    const run = harness.start('customerReport', { customerId: 'c-7' });
    const state = await run.runToCompletion();
    expect(state.output).toEqual(['sales report for c-7', 'support report for c-7']);
    expect(run.episodes[0].scheduled.map((s) => s.input)).toEqual([
      { customerId: 'c-7', section: 'sales' },
      { customerId: 'c-7', section: 'support' },
    ]);
    // the user's status, and the step marks of the status pages: steps 0-3 and both branches' steps started, both branches ended
    expect(state.customStatus).toEqual({ status: 'done', flow: '0-3 1.0.0 1.1.0 ~1.0 ~1.1' });
    expect(flat(state.actions).some((a) => a.actionType === ActionType.CreateTimer)).toBe(true);
  });
});

describe('processOrders (retry, onItemError continue, vars, try/catch, sub-workflow)', () => {
  it('retries each failing charge per its policy, records the failure in its slot, and goes on', async () => {
    const run = harness.start('processOrders', {
      customer: 'ACME',
      orders: [
        { id: 'a', amount: 10 },
        { id: 'b', amount: 0 },
        { id: 'c', amount: 5 },
      ],
    });
    const state = await run.runToCompletion();
    expect(state.error).toBeUndefined();
    expect(state.output).toEqual({ charged: 15, failed: 1, receipt: 'receipt for ACME: 15.00' });
    // The failing order was attempted 3 times (maxAttempts), the others once.
    const attempts = run.executed.filter((e) => e.name === 'ChargeOrder').map((e) => (e.input as { id: string }).id);
    expect(attempts.filter((id) => id === 'b')).toHaveLength(3);
    expect(attempts.filter((id) => id !== 'b').sort()).toEqual(['a', 'c']);
    // Each attempt a plain call, each back-off (1 s, then 2 s: backoff 2) a plain timer.
    expect(flat(state.actions).some((a) => a.actionType === ActionType.CallActivityWithRetry)).toBe(false);
    const backoffs = run.history.filter((e) => e.EventType === 10).map((e) => new Date(e.FireAt as string).getTime() - new Date(e.Timestamp).getTime());
    expect(backoffs).toContain(1000);
    expect(backoffs).toContain(2000);
    // The failed order's slot holds its error, as a catch would see it.
    expect(state.customStatus).toMatchObject({ progress: { charges: { done: 3, failed: 1, total: 3 } } });
    // The sub-workflow ran as a child orchestration.
    expect(flat(state.actions).some((a) => a.actionType === ActionType.CallSubOrchestrator && a.functionName === 'hello')).toBe(true);
  });

  it('takes the catch path when the receipt fails', async () => {
    const run = harness.start('processOrders', { customer: 'ACME', orders: [{ id: 'a', amount: 10 }] });
    const state = await run.runToCompletion({
      activities: {
        SendReceipt: () => {
          throw new Error('mail server down');
        },
      },
    });
    expect(state.output).toMatchObject({ charged: 10, receipt: null });
    expect(state.customStatus).toMatchObject({ status: 'receipt failed: mail server down' });
  });
});
