/**
 * The extension's task numbering, as pure functions: actions.ts (scheduleActions), plan.ts
 * (planEpisode over the cumulative list) and retry.ts (retry timers).
 */
import { describe, expect, it } from 'vitest';
import { ActionType, scheduleActions, type Action } from '../../host/orchestration/actions';
import { EventType } from '../../host/orchestration/history';
import { planEpisode } from '../../host/orchestration/plan';
import { attemptsLeft, retryDelay } from '../../host/orchestration/retry';

const activity = (name: string, input: unknown): Action => ({ actionType: ActionType.CallActivity, functionName: name, input });
const at = new Date('2026-01-01T00:00:00.000Z');

describe('scheduleActions', () => {
  it('numbers depth-first, compound children in order; event waits take no id', () => {
    const actions: Action[] = [
      {
        actionType: ActionType.WhenAny,
        compoundActions: [activity('A', 1), { actionType: ActionType.WaitForExternalEvent, externalEventName: 'Go' }, { actionType: ActionType.CreateTimer, fireAt: '2026-01-02T00:00:00Z', isCanceled: false }],
      },
      { actionType: ActionType.WhenAll, compoundActions: [activity('B', 2), { actionType: ActionType.WhenAny, compoundActions: [activity('C', 3)] }] },
    ];
    const { items, nextId } = scheduleActions(actions, 5);
    expect(items.map((i) => [i.kind, 'taskId' in i ? i.taskId : null])).toEqual([
      ['activity', 5],
      ['timer', 6],
      ['activity', 7],
      ['activity', 8],
    ]);
    expect(nextId).toBe(9);
    expect(items[1]).toMatchObject({ fireAt: '2026-01-02T00:00:00.000Z', canceled: false });
  });

  it('decodes the JSON text the library makes of string inputs', () => {
    const { items } = scheduleActions([activity('A', '"hello"'), activity('B', { n: 1 })], 0);
    expect(items.map((i) => (i.kind === 'activity' ? i.input : undefined))).toEqual(['hello', { n: 1 }]);
  });
});

describe('planEpisode', () => {
  it('schedules only actions beyond those already seen, re-put compound children included', () => {
    const first: Action = { actionType: ActionType.WhenAny, compoundActions: [activity('A', 0), activity('A', 1)] };
    const p1 = planEpisode({ isDone: false, actions: [first] }, { nextId: 0, seenActions: 0 }, 'i', at);
    expect(p1.events.map((e) => [e.EventType, e.EventId])).toEqual([
      [EventType.TaskScheduled, 0],
      [EventType.TaskScheduled, 1],
    ]);
    // The textbook window's second round: A(1) again (already scheduled) with a fresh A(2).
    const second: Action = { actionType: ActionType.WhenAny, compoundActions: [activity('A', 1), activity('A', 2)] };
    const p2 = planEpisode({ isDone: false, actions: [first, second] }, p1.cursor, 'i', at);
    expect(p2.work).toEqual([
      { kind: 'activity', taskId: 2, name: 'A', input: 1, retry: undefined },
      { kind: 'activity', taskId: 3, name: 'A', input: 2, retry: undefined },
    ]);
    expect(p2.cursor).toEqual({ nextId: 4, seenActions: 2 });
  });

  it('records sub-orchestrations with their instance ids and continueAsNew only when done', () => {
    const actions: Action[] = [
      { actionType: ActionType.CallSubOrchestrator, functionName: 'child', input: 1 },
      { actionType: ActionType.CallSubOrchestrator, functionName: 'child', input: 2, instanceId: 'mine' },
      { actionType: ActionType.ContinueAsNew, input: { n: 1 } },
    ];
    const p = planEpisode({ isDone: true, actions }, { nextId: 3, seenActions: 0 }, 'parent', at, 'exec1');
    expect(p.events.map((e) => [e.EventType, e.EventId, e.InstanceId])).toEqual([
      [EventType.SubOrchestrationInstanceCreated, 3, 'exec1:3'],
      [EventType.SubOrchestrationInstanceCreated, 4, 'mine'],
    ]);
    expect(p.continueAsNew).toEqual({ input: { n: 1 } });
    expect(planEpisode({ isDone: false, actions }, { nextId: 0, seenActions: 0 }, 'parent', at).continueAsNew).toBeUndefined();
  });
});

describe('retry timers', () => {
  const start = new Date('2026-01-01T00:00:00Z');
  it('back off from the first interval, capped, with a timer after the last attempt too', () => {
    const o = { firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 3, backoffCoefficient: 2, maxRetryIntervalInMilliseconds: 3000 };
    expect([1, 2, 3].map((n) => retryDelay(o, n, start, start))).toEqual([1000, 2000, 3000]);
    expect([1, 2, 3].map((n) => attemptsLeft(o, n))).toEqual([true, true, false]);
  });
  it('give up at once past the retry timeout', () => {
    const o = { firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 5, retryTimeoutInMilliseconds: 5000 };
    expect(retryDelay(o, 1, start, new Date(start.getTime() + 4999))).toBe(1000);
    expect(retryDelay(o, 2, start, new Date(start.getTime() + 5000))).toBeUndefined();
  });
});
