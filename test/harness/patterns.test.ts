/**
 * The replay harness against hand-written durable-functions apps (test/fixtures/apps/patterns.ts):
 * every protocol feature the Durable extension plays, driven through the real library.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventType, type HistoryEvent } from '../../host/orchestration/history';
import { ActionType } from '../../host/orchestration/actions';
import { createHarness } from './replay';

const harness = createHarness(path.join(__dirname, '../fixtures/apps/patterns.ts'));
const ids = (h: HistoryEvent[], type: number): number[] => h.filter((e) => e.EventType === type).map((e) => e.EventId);

describe('replay harness: step by step', () => {
  it('plays a sequence one activity at a time, with custom status', async () => {
    const run = harness.start('sequence', [1, 2, 3]);
    await run.deliver();
    expect(run.pendingActivities()).toEqual([{ taskId: 0, name: 'Double', input: 1 }]);
    expect(run.status()).toMatchObject({ isDone: false, customStatus: { at: 1 } });
    run.complete(0, 2);
    await run.deliver();
    expect(run.pendingActivities()).toEqual([{ taskId: 1, name: 'Double', input: 2 }]);
    expect(() => run.complete(0, 2)).toThrow(/no activity in flight with task id 0/);
    run.complete(1, 4);
    await run.deliver();
    run.complete(2, 6);
    await run.deliver();
    expect(run.status()).toMatchObject({ isDone: true, failed: false, output: [2, 4, 6], customStatus: { at: 3 } });
    expect(ids(run.history, EventType.TaskScheduled)).toEqual([0, 1, 2]);
    // Everything from earlier episodes was handed over as played, the new events were not.
    const last = run.episodes[3].history;
    expect(last.filter((e) => !e.IsPlayed).map((e) => e.EventType)).toEqual([EventType.OrchestratorStarted, EventType.TaskCompleted]);
    expect(await run.replayCheck()).toEqual([]);
  });

  it('runs a correct hand-written window within its cap, each item once, results in order', async () => {
    for (const order of ['fifo', 'lifo', 'random(3)'] as const) {
      for (const perEpisode of [1, 3]) {
        const run = harness.start('fixedWindow', { count: 12, cap: 3 });
        const state = await run.runToCompletion({ order, perEpisode });
        expect(state.output).toEqual(Array.from({ length: 12 }, (_, i) => i * 2));
        const stats = run.stats();
        expect(stats.scheduled).toBe(12);
        expect(stats.executed).toBe(12);
        expect(stats.maxInFlight).toBe(3);
        expect(await run.replayCheck()).toEqual([]);
      }
    }
  });
});

describe('replay harness: timers and events', () => {
  it('a durable timer moves the orchestration clock to its fire time', async () => {
    const run = harness.start('napThenWork', null);
    await run.deliver();
    expect(run.pendingActivities()).toEqual([]);
    const [timer] = run.pendingTimers();
    expect(timer).toEqual({ timerId: 0, fireAt: '2026-01-01T01:00:00.000Z' });
    run.fireTimer(0);
    await run.deliver();
    expect(run.pendingActivities()).toEqual([{ taskId: 1, name: 'Double', input: 21 }]);
    const state = await run.runToCompletion();
    expect(state.output).toEqual({ doubled: 42, woke: '2026-01-01T01:00:00.000Z' });
    expect(await run.replayCheck()).toEqual([]);
  });

  it('an event that beats its timeout wins and cancels the timer', async () => {
    const run = harness.start('approval', null);
    await run.deliver();
    expect(run.pendingTimers().map((t) => t.timerId)).toEqual([0]);
    run.raiseEvent('Approve', { by: 'ann' });
    const state = await run.deliver();
    expect(state).toMatchObject({ isDone: true, output: { approved: { by: 'ann' } } });
    const race = state.actions.find((a) => a.actionType === ActionType.WhenAny)!;
    expect(race.compoundActions!.map((a) => [a.actionType, a.isCanceled ?? null])).toEqual([
      [ActionType.WaitForExternalEvent, null],
      [ActionType.CreateTimer, true],
    ]);
    expect(await run.replayCheck()).toEqual([]);
  });

  it('a timeout that fires first wins; a later event changes nothing', async () => {
    const run = harness.start('approval', null);
    const state = await run.runToCompletion();
    expect(state).toMatchObject({ isDone: true, output: 'timeout' });
    expect(run.clock.toISOString()).toBe('2026-01-02T00:00:00.000Z');
  });

  it('an event raised after the timeout fired changes nothing', async () => {
    const run = harness.start('approval', null);
    await run.deliver();
    run.fireTimer(0);
    run.raiseEvent('Approve', 'late');
    expect((await run.deliver()).output).toBe('timeout');
  });
});

describe('replay harness: retries', () => {
  it('two failures then success: attempts and retry timers take ids as the extension gives them', async () => {
    let calls = 0;
    const flaky = (n: number): number => {
      if (++calls < 3) throw new Error(`attempt ${calls} failed`);
      return n + 100;
    };
    const run = harness.start('retrying', null);
    const state = await run.runToCompletion({ activities: { Flaky: flaky } });
    expect(state.output).toEqual({ value: 105, doubled: 210 });
    expect(calls).toBe(3);
    // Attempt 0, retry timer 1, attempt 2, retry timer 3, attempt 4, then the next call gets 5.
    expect(ids(run.history, EventType.TaskScheduled)).toEqual([0, 2, 4, 5]);
    expect(ids(run.history, EventType.TimerCreated)).toEqual([1, 3]);
    expect(run.history.filter((e) => e.EventType === EventType.TimerFired).map((e) => e.TimerId)).toEqual([1, 3]);
    expect(run.executed.map((e) => [e.name, e.taskId])).toEqual([
      ['Flaky', 0],
      ['Flaky', 2],
      ['Flaky', 4],
      ['Double', 5],
    ]);
    expect(await run.replayCheck()).toEqual([]);
  });

  it('retries exhausted (callActivityWithRetry, run by the extension): a retry timer after each failure, one due at once after the last, then the error', async () => {
    const run = harness.start('retrying', null);
    await run.deliver();
    for (const expectTimer of [1, 3, 5]) {
      const [attempt] = run.pendingActivities();
      run.fail(attempt.taskId, `no luck at ${attempt.taskId}`);
      // The extension's RetryInterceptor creates the timer while it replays the failure.
      await run.deliver();
      const timers = run.pendingTimers();
      expect(timers).toEqual([expect.objectContaining({ timerId: expectTimer })]);
      // 1 s back-off after attempts 1 and 2; after the last, a timer due at once (durabletask#661).
      expect(Date.parse(timers[0].fireAt) - run.clock.getTime()).toBe(expectTimer < 5 ? 1000 : 0);
      expect(run.status().isDone).toBe(false);
      run.fireTimer(expectTimer);
      await run.deliver();
    }
    expect(run.status()).toMatchObject({ isDone: true, output: { failed: expect.stringContaining('no luck at 4') } });
    expect(run.history.filter((e) => e.EventType === EventType.TaskFailed)).toHaveLength(3);
  });
});

describe('replay harness: sub-orchestrations, continueAsNew, failures', () => {
  it('runs a sub-orchestration to completion and hands its output to the parent', async () => {
    const run = harness.start('parent', [1, 2]);
    const state = await run.runToCompletion();
    expect(state.output).toEqual({ fromChild: [2, 4], total: 12 });
    const created = run.history.find((e) => e.EventType === EventType.SubOrchestrationInstanceCreated)!;
    expect(created).toMatchObject({ EventId: 0, Name: 'sequence' });
    // Generated child ids follow DurableTask.Core: <executionId>:<taskId>.
    expect(created.InstanceId).toBe(`${run.executionId}:0`);
    expect(await run.replayCheck()).toEqual([]);
  });

  it("a failing child fails the parent's task with the extension's reason", async () => {
    const run = harness.start('parentOfFailure', null);
    const state = await run.runToCompletion();
    expect(state.output).toEqual({ childFailed: expect.stringContaining("Orchestrator function 'boom' failed: kaput") });
    expect(run.history.find((e) => e.EventType === EventType.SubOrchestrationInstanceCreated)?.InstanceId).toBe('the-child');
  });

  it('continueAsNew starts fresh executions with new input, history and ids', async () => {
    const run = harness.start('countdown', { n: 3, sum: 0 });
    const state = await run.runToCompletion();
    expect(state.output).toBe(12);
    expect(run.status().executions).toBe(4);
    expect(run.executed.map((e) => [e.input, e.taskId])).toEqual([
      [3, 0],
      [2, 0],
      [1, 0],
    ]);
    // The last execution's history starts from scratch with the carried-over input.
    expect(run.history.find((e) => e.EventType === EventType.ExecutionStarted)?.Input).toBe(JSON.stringify({ n: 0, sum: 12 }));
  });

  it('an orchestrator exception fails the instance with the error message', async () => {
    const run = harness.start('boom', null);
    const state = await run.runToCompletion();
    expect(run.status()).toMatchObject({ failed: true });
    expect(state.error).toContain('kaput');
    expect(run.executed).toHaveLength(1);
  });
});

describe('replay harness: determinism', () => {
  it('replayCheck flags an orchestrator whose actions change between replays', async () => {
    const run = harness.start('moody', null);
    await run.runToCompletion();
    expect(await run.replayCheck()).toEqual([0, 1]);
  });
});
