/**
 * The Durable extension's side of an episode (host/orchestration/extension), rule by rule, on
 * hand-built histories and action lists: what the real OutOfProcOrchestrationShim and
 * DurableTask.Core do with them. Each rule's source is cited in the module that implements it.
 */
import { describe, expect, it } from 'vitest';
import { ActionType, type Action } from '../../host/orchestration/actions';
import { replayEpisode, type JsResult } from '../../host/orchestration/extension';
import { history, type HistoryEvent } from '../../host/orchestration/history';

const t0 = new Date('2026-01-01T00:00:00.000Z');
const at = (s: number): Date => new Date(t0.getTime() + s * 1000);
const known = { activities: ['A', 'B', 'C', 'Flaky'], orchestrators: ['orch', 'child'] };

const call = (name: string, input: unknown = null): Action => ({ actionType: ActionType.CallActivity, functionName: name, input });
const timer = (fireAt: Date, isCanceled = false): Action => ({ actionType: ActionType.CreateTimer, fireAt: fireAt.toISOString(), isCanceled });
const event = (name: string): Action => ({ actionType: ActionType.WaitForExternalEvent, externalEventName: name });
const any = (...children: Action[]): Action => ({ actionType: ActionType.WhenAny, compoundActions: children });
const all = (...children: Action[]): Action => ({ actionType: ActionType.WhenAll, compoundActions: children });
const retrying = (name: string, options: Action['retryOptions']): Action => ({ actionType: ActionType.CallActivityWithRetry, functionName: name, input: null, retryOptions: options });

/** A history: the start, then episodes of events (each opens with OrchestratorStarted at its time). */
function hist(...episodes: Array<[number, ...HistoryEvent[]]>): HistoryEvent[] {
  const out: HistoryEvent[] = [history.orchestratorStarted(t0), history.executionStarted(t0, 'orch', null)];
  for (const [s, ...events] of episodes) {
    if (s > 0 || out.length > 2) out.push(history.orchestratorStarted(at(s)));
    out.push(...events);
  }
  return out;
}
const scheduled = (id: number, name: string): HistoryEvent => history.taskScheduled(t0, id, name, null);
const completed = (id: number): HistoryEvent => history.taskCompleted(t0, id, 1);
const failed = (id: number): HistoryEvent => history.taskFailed(t0, id, 'boom', '');
const timerCreated = (id: number, fireAt: Date): HistoryEvent => history.timerCreated(t0, id, fireAt.toISOString());
const fired = (id: number, fireAt: Date): HistoryEvent => history.timerFired(t0, id, fireAt.toISOString());

function replay(h: HistoryEvent[], js: Partial<JsResult> & { actions: Action[] }) {
  return replayEpisode({ name: 'orch', executionId: 'exec', history: h, js: { isDone: false, ...js }, known });
}
const ids = (r: ReturnType<typeof replay>): Array<[string, number]> => r.newActions.map((a) => [a.kind === 'activity' || a.kind === 'subOrchestration' ? a.name : 'timer', a.id]);

describe('task ids', () => {
  it('come from one counter in the order the shim issues calls, depth-first through compounds; event waits take none', () => {
    const r = replay(hist(), { actions: [any(call('A'), event('Go'), timer(at(60))), all(call('B'), any(call('C')))] });
    // the WhenAny is not complete, so nothing after it is issued yet
    expect(ids(r)).toEqual([
      ['A', 0],
      ['timer', 1],
    ]);
  });

  it('give every child of a new compound a new id, even a task the orchestrator re-used (the compound-action trap, durable-js#574)', () => {
    const first = any(call('A', 0), call('A', 1));
    const episode1 = replay(hist(), { actions: [first] });
    expect(ids(episode1)).toEqual([
      ['A', 0],
      ['A', 1],
    ]);
    // A(0) completed; the textbook window re-puts A(1) with a fresh A(2) into a new Task.any.
    const h = hist([0, scheduled(0, 'A'), scheduled(1, 'A')], [1, completed(0)]);
    const episode2 = replay(h, { actions: [first, any(call('A', 1), call('A', 2))] });
    expect(episode2.newActions).toEqual([
      { kind: 'activity', id: 2, name: 'A', input: 1 },
      { kind: 'activity', id: 3, name: 'A', input: 2 },
    ]);
  });

  it('name a child orchestration started without an id "<executionId>:<taskId>"', () => {
    const r = replay(hist(), { actions: [{ actionType: ActionType.CallSubOrchestrator, functionName: 'child', input: 1 }] });
    expect(r.newActions).toEqual([{ kind: 'subOrchestration', id: 0, name: 'child', instanceId: 'exec:0', input: 1 }]);
  });
});

describe('one action at a time', () => {
  it('issues an action only once the one before it has completed (a failed Task.all waits for all its children)', () => {
    // durable-functions' Task.all fails fast: the orchestrator caught A's failure and called C at once.
    const actions = [all(call('A'), call('B')), call('C')];
    const h = hist([0, scheduled(0, 'A'), scheduled(1, 'B')], [1, failed(0)]);
    expect(ids(replay(h, { actions }))).toEqual([]); // C waits: the C# WhenAll still waits for B
    const later = [...h, history.orchestratorCompleted(at(1)), history.orchestratorStarted(at(2)), completed(1)];
    expect(ids(replay(later, { actions }))).toEqual([['C', 2]]);
  });

  it('lets a cancelled timer complete its Task.any at once, so what follows is issued right away', () => {
    const r = replay(hist(), { actions: [any(event('Go'), timer(at(3600), true)), call('B')] });
    expect(ids(r)).toEqual([
      ['timer', 0],
      ['B', 1],
    ]);
  });
});

describe('completion', () => {
  it('waits until no task is open, even when the orchestrator has returned (durabletask#415)', () => {
    const actions = [any(call('A'), call('B'))];
    const h = hist([0, scheduled(0, 'A'), scheduled(1, 'B')], [1, completed(0)]);
    expect(replay(h, { actions, isDone: true, output: 'early' }).outcome).toEqual({ status: 'Running' });
    const later = [...h, history.orchestratorStarted(at(2)), completed(1)];
    expect(replay(later, { actions, isDone: true, output: 'early' }).outcome).toEqual({ status: 'Completed', output: 'early' });
  });

  it('does not wait for a cancelled timer, which is still recorded and fires later', () => {
    const r = replay(hist([0, scheduled(0, 'A')], [1, completed(0)]), { actions: [any(call('A'), timer(at(3600), true))], isDone: true, output: 1 });
    expect(r.outcome).toEqual({ status: 'Completed', output: 1 });
    expect(ids(r)).toEqual([['timer', 1]]);
  });

  it('fails with the extension\'s wording, once the actions before the error have completed', () => {
    const actions = [all(call('A'), call('B'))];
    const h = hist([0, scheduled(0, 'A'), scheduled(1, 'B')], [1, failed(0)]);
    expect(replay(h, { actions, error: 'Error: A failed' }).outcome).toEqual({ status: 'Running' });
    const later = [...h, history.orchestratorStarted(at(2)), completed(1)];
    expect(replay(later, { actions, error: 'Error: A failed', errorStack: 'at x' }).outcome).toEqual({
      status: 'Failed',
      reason: "Orchestrator function 'orch' failed: Error: A failed",
      details: 'Message: Error: A failed, StackTrace: at x',
    });
  });

  it('continues as new with the new input, carrying over events raised after continueAsNew', () => {
    const h = hist([0, scheduled(0, 'A')], [1, completed(0), history.eventRaised(at(1), 'Later', 7)]);
    const r = replay(h, { actions: [call('A'), { actionType: ActionType.ContinueAsNew, input: { n: 2 } }], isDone: true });
    expect(r.outcome).toMatchObject({ status: 'ContinuedAsNew', input: { n: 2 } });
    expect(r.outcome.status === 'ContinuedAsNew' && r.outcome.carryover.map((e) => e.Name)).toEqual(['Later']);
  });
});

describe('NonDeterministicOrchestrationException', () => {
  it('names the id and both kinds when history holds another kind at an id', () => {
    const r = replay(hist([0, scheduled(0, 'A')]), { actions: [timer(at(60))] });
    expect(r.outcome.status).toBe('Failed');
    const reason = r.outcome.status === 'Failed' ? r.outcome.reason : '';
    expect(reason).toMatch(/^Non-Deterministic workflow detected: A previous execution of this orchestration scheduled an activity task with sequence number 0 named 'A', but the current orchestration replay instead produced a CreateTimerOrchestratorAction action/);
  });

  it('says so when the replay has not scheduled what history holds, or named it differently', () => {
    const missing = replay(hist([0, scheduled(0, 'A')]), { actions: [] });
    expect(missing.outcome.status === 'Failed' && missing.outcome.reason).toContain("sequence ID 0 and name 'A' (version ''), but the current replay execution hasn't (yet?) scheduled this task");
    const renamed = replay(hist([0, scheduled(0, 'A')]), { actions: [call('B')] });
    expect(renamed.outcome.status === 'Failed' && renamed.outcome.reason).toContain("instead scheduled an activity task named 'B' with this sequence number");
    const timerMissing = replay(hist([0, timerCreated(0, at(60))]), { actions: [] });
    expect(timerMissing.outcome.status === 'Failed' && timerMissing.outcome.reason).toContain('scheduled a timer task with sequence number 0 but the current replay execution');
  });
});

describe('callActivityWithRetry (DurableTask.Core RetryInterceptor)', () => {
  const options = { firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 3, backoffCoefficient: 2 };

  it('creates a retry timer when it replays a failure, then the next attempt when the timer fires; after the last, a timer due at once', () => {
    const actions = [retrying('Flaky', options)];
    let h = hist([0, scheduled(0, 'Flaky')], [1, failed(0)]);
    expect(replay(h, { actions }).newActions).toEqual([{ kind: 'timer', id: 1, fireAt: at(2).toISOString() }]);
    h = [...h, timerCreated(1, at(2)), history.orchestratorStarted(at(2)), fired(1, at(2))];
    expect(ids(replay(h, { actions }))).toEqual([['Flaky', 2]]);
    h = [...h, scheduled(2, 'Flaky'), history.orchestratorStarted(at(3)), failed(2)];
    expect(replay(h, { actions }).newActions).toEqual([{ kind: 'timer', id: 3, fireAt: at(5).toISOString() }]); // 1 s · 2
    h = [...h, timerCreated(3, at(5)), history.orchestratorStarted(at(5)), fired(3, at(5)), scheduled(4, 'Flaky'), history.orchestratorStarted(at(6)), failed(4)];
    expect(replay(h, { actions }).newActions).toEqual([{ kind: 'timer', id: 5, fireAt: at(6).toISOString() }]); // due at once
  });

  it('gives up without a timer once the retry timeout has passed', () => {
    const actions = [retrying('Flaky', { ...options, retryTimeoutInMilliseconds: 500 })];
    const h = hist([0, scheduled(0, 'Flaky')], [1, failed(0)]);
    expect(replay(h, { actions }).newActions).toEqual([]);
  });

  it('numbers its timer after calls that an earlier event in the same episode let the shim issue', () => {
    // Task.any([retrying, B]), then C. In one episode B completes (the shim issues C: id 2),
    // then the retrying call fails (its timer: id 3). durable-functions numbers the timer first.
    const actions = [any(retrying('Flaky', options), call('B')), call('C')];
    const h = hist([0, scheduled(0, 'Flaky'), scheduled(1, 'B')], [1, completed(1), failed(0)]);
    expect(ids(replay(h, { actions }))).toEqual([
      ['C', 2],
      ['timer', 3],
    ]);
  });
});

describe('the shim', () => {
  it('refuses a custom status over 16 KB of UTF-16 JSON', () => {
    const ok = replay(hist(), { actions: [], isDone: true, customStatus: 'x'.repeat(8000) });
    expect(ok.outcome.status).toBe('Completed');
    const big = replay(hist(), { actions: [], isDone: true, customStatus: 'x'.repeat(9000) });
    expect(big.outcome).toMatchObject({
      status: 'Failed',
      reason: "Orchestrator function 'orch' failed: The UTF-16 size of the JSON-serialized payload must not exceed 16 KB. The current payload size is 17 KB.",
    });
  });

  it('fails the orchestration when it calls a function the app does not have', () => {
    const r = replay(hist(), { actions: [call('Nope')] });
    expect(r.outcome).toMatchObject({
      status: 'Failed',
      reason: "Orchestrator function 'orch' failed: The function 'Nope' doesn't exist, is disabled, or is not an activity function. Additional info: The following are the known activity functions: 'A', 'B', 'C', 'Flaky'.",
    });
  });

  it('hands each event to a waiter of that name, and buffers one that nobody waits for', () => {
    const actions = [any(event('Go'), call('A')), event('Go'), call('B')];
    const h = hist([0, scheduled(0, 'A')], [1, history.eventRaised(at(1), 'Go', 1)]);
    // The first Go completes the Task.any; the second wait has had none yet: B is not issued.
    expect(ids(replay(h, { actions }))).toEqual([]);
    const twice = [...h, history.orchestratorStarted(at(2)), history.eventRaised(at(2), 'Go', 2)];
    expect(ids(replay(twice, { actions }))).toEqual([['B', 1]]);
    // An event that came before anyone waited is kept for the next wait.
    const early = hist([0, history.eventRaised(t0, 'Go', 0)]);
    expect(ids(replay(early, { actions: [event('Go'), call('C')] }))).toEqual([['C', 0]]);
  });

  it('tells which events the action it awaits now waits for, not those of waits already over', () => {
    // A Task.any of an event and a timer that fired: that wait is over; the next action waits for Pay or Cancel.
    const actions = [any(event('Approval'), timer(at(60))), any(event('Pay'), event('Cancel'), call('A'))];
    const h = hist([0, timerCreated(0, at(60))], [60, fired(0, at(60)), scheduled(1, 'A')]);
    expect(replay(hist([0, timerCreated(0, at(60))]), { actions: actions.slice(0, 1) }).waitingFor).toEqual(['Approval']);
    expect(replay(h, { actions }).waitingFor).toEqual(['Pay', 'Cancel']);
    // Once it has what it waited for, it waits for no event (it stays Running while A is open).
    const paid = replay([...h, history.orchestratorStarted(at(61)), history.eventRaised(at(61), 'Pay', 1)], { actions, isDone: true });
    expect(paid.outcome).toEqual({ status: 'Running' });
    expect(paid.waitingFor).toEqual([]);
  });
});
