/**
 * Replay tests for the first of several events (`waitForEvent: [A, B]`) and for `timeout` on
 * `try` and `repeat` (one deadline for every wait inside), compiled from
 * test/fixtures/race/workflows/*.yaml by the real front end and code generator, run through the
 * real durable-functions library.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateProject } from '../../compiler/src/codegen';
import { checkProjectDir } from '../../compiler/src/front-end';
import { ActionType, type Action } from '../../host/orchestration/actions';
import { createHarness, type Harness, type ReplayInstance } from '../harness/replay';

const root = path.resolve(__dirname, '../fixtures/race');
const flat = (actions: Action[]): Action[] => actions.flatMap((a) => (a.compoundActions ? [a, ...flat(a.compoundActions)] : [a]));
const timersOf = (actions: Action[]): Action[] => flat(actions).filter((a) => a.actionType === ActionType.CreateTimer);
let harness: Harness;

beforeAll(() => {
  const front = checkProjectDir(root);
  expect(front.diagnostics.map((d) => `${d.span.file}:${d.span.start.line} ${d.code} ${d.message}`)).toEqual([]);
  const runtimeImport = path.relative(path.join(root, 'generated/x'), path.resolve(__dirname, '../../runtime')).split(path.sep).join('/');
  fs.rmSync(path.join(root, 'generated'), { recursive: true, force: true });
  for (const f of generateProject(front.project, { runtimeImport })) {
    fs.mkdirSync(path.dirname(path.join(root, f.path)), { recursive: true });
    fs.writeFileSync(path.join(root, f.path), f.text);
  }
  harness = createHarness(path.join(root, 'generated/index.ts'));
});

describe('waitForEvent: the first of several events', () => {
  it('waits for every name at once with one timer, and outputs { name, data } of the first; the timer is cancelled', async () => {
    const run = harness.start('decide', {});
    await run.runToCompletion({ fireTimers: false });
    expect(run.status().isDone).toBe(false);
    run.raiseEvent('Reject', { why: 'too dear' });
    const state = await run.runToCompletion({ fireTimers: false });
    expect(state.output).toEqual({ decision: { name: 'Reject', data: { why: 'too dear' } }, later: null });
    // One compound: the two waits in the order written, then the timer (cancelled when Reject came).
    const any = state.actions.find((a) => a.actionType === ActionType.WhenAny)!;
    expect(any.compoundActions!.map((a) => [a.actionType, a.externalEventName ?? new Date(a.fireAt!).toISOString()])).toEqual([
      [ActionType.WaitForExternalEvent, 'Approve'],
      [ActionType.WaitForExternalEvent, 'Reject'],
      [ActionType.CreateTimer, '2026-01-01T01:00:00.000Z'],
    ]);
    expect(timersOf(state.actions).every((t) => t.isCanceled)).toBe(true);
    expect(await run.replayCheck()).toEqual([]);
  });

  it('takes the event that came first when both are in the same episode, and a payload-less event as data null', async () => {
    const run = harness.start('decide', {});
    await run.runToCompletion({ fireTimers: false });
    run.raiseEvent('Approve', undefined);
    run.raiseEvent('Reject', { late: true });
    const state = await run.runToCompletion({ fireTimers: false });
    expect(state.output).toEqual({ decision: { name: 'Approve', data: null }, later: null });
  });

  it('takes the first listed of events that were raised before the wait started (buffered), whatever their order', async () => {
    const run = harness.start('decide', { before: true });
    await run.deliver();
    const [before] = run.pendingActivities();
    run.raiseEvent('Reject', 'first raised');
    run.raiseEvent('Approve', 'second raised');
    await run.deliver();
    run.complete(before.taskId, 'before');
    const state = await run.runToCompletion({ fireTimers: false });
    expect(state.output).toEqual({ decision: { name: 'Approve', data: 'second raised' }, later: null });
    expect(await run.replayCheck()).toEqual([]);
  });

  it('outputs null after the timeout with onTimeout: continue', async () => {
    const run = harness.start('decide', {});
    const state = await run.runToCompletion();
    expect(state.error).toBeUndefined();
    expect(state.output).toEqual({ decision: null, later: null });
  });

  it('fails with Timeout naming the events when none comes', async () => {
    const run = harness.start('strict', null);
    const state = await run.runToCompletion();
    expect(run.failed).toBe(true);
    expect(state.error).toContain("Timeout: waiting for events 'Approve', 'Reject' did not finish within 600000 ms");
  });

  it("leaves the loser's wait open: a later wait for that name that is already waiting gets the next such event", async () => {
    const run = harness.start('decide', { waitAgain: true });
    await run.runToCompletion({ fireTimers: false });
    run.raiseEvent('Approve', 1);
    await run.runToCompletion({ fireTimers: false });
    expect(run.status().isDone).toBe(false);
    // The later wait stands now (the newest wait for Reject): the event goes to it.
    run.raiseEvent('Reject', 2);
    const state = await run.runToCompletion({ fireTimers: false });
    expect(state.output).toEqual({ decision: { name: 'Approve', data: 1 }, later: 2 });
    expect(await run.replayCheck()).toEqual([]);
  });

  it("gives an event raised while no later wait stands to the loser's ended wait: the later wait does not get it", async () => {
    const run = harness.start('decide', { waitAgain: true, pause: true });
    await run.runToCompletion({ fireTimers: false });
    run.raiseEvent('Approve', 1);
    await run.deliver();
    // Between the race and the later wait: an activity runs, and Reject is raised meanwhile.
    const [pause] = run.pendingActivities();
    expect(pause.input).toBe('pause');
    run.raiseEvent('Reject', 2);
    await run.deliver();
    run.complete(pause.taskId, 'pause');
    const state = await run.runToCompletion();
    // As durable-functions (and the extension's stack of waits) do: the race's ended Reject wait took it.
    expect(state.output).toEqual({ decision: { name: 'Approve', data: 1 }, later: null });
    expect(await run.replayCheck()).toEqual([]);
  });
});

describe('timeout on try: one deadline for every wait inside', () => {
  it('cuts the waits inside short at the deadline; the catch sees Timeout and runs without it', async () => {
    const run = harness.start('guarded', null);
    await run.deliver();
    const [first] = run.pendingActivities();
    run.complete(first.taskId, 'first');
    await run.deliver();
    // The 20 m delay fires; the second activity starts, raced with the try's deadline at 30 m.
    const at = (iso: string): Array<{ timerId: number }> => run.pendingTimers().filter((t) => new Date(t.fireAt).toISOString() === iso);
    run.fireTimer(at('2026-01-01T00:20:00.000Z')[0].timerId);
    await run.deliver();
    expect(run.pendingActivities().map((a) => a.input)).toEqual(['second']);
    // The deadline passes while it runs (with the first activity's race timer, cancelled, also due then):
    // the catch runs, with no timer of its own, then the step after.
    for (const t of at('2026-01-01T00:30:00.000Z')) run.fireTimer(t.timerId);
    await run.deliver();
    const state = await run.runToCompletion({ order: 'lifo' });
    expect(state.error).toBeUndefined();
    expect(run.executed.map((e) => e.input)).toEqual([['caught', 'Timeout', "try 'guarded' did not finish within 1800000 ms"], 'after', 'second']);
    // The first activity raced with the deadline (cancelled when it ended), the 20 m delay, then the
    // second activity raced with the deadline at 30 m; no timer for the catch or after it.
    expect(timersOf(state.actions).map((t) => [new Date(t.fireAt!).toISOString(), t.isCanceled === true])).toEqual([
      ['2026-01-01T00:30:00.000Z', true],
      ['2026-01-01T00:20:00.000Z', false],
      ['2026-01-01T00:30:00.000Z', false],
    ]);
    expect(await run.replayCheck()).toEqual([]);
  });

  it('completes without Timeout when every wait ends before the deadline, its timer cancelled', async () => {
    const run = harness.start('guarded', null);
    const state = await run.runToCompletion();
    expect(run.executed.map((e) => e.input)).toEqual(['first', 'second', 'after']);
    expect(timersOf(state.actions).filter((t) => !t.isCanceled).map((t) => new Date(t.fireAt!).toISOString())).toEqual(['2026-01-01T00:20:00.000Z']);
  });

  it('keeps the deadline of a try inside a parallel branch while the other branch is advanced', async () => {
    const run = harness.start('branches', null);
    const state = await run.runToCompletion();
    expect(state.error).toBeUndefined();
    // The 20 m delay after `a` is cut to the try's 10 m deadline: `a2` never runs.
    expect(run.executed.map((e) => e.input).sort()).toEqual(['a', 'b']);
    expect(state.output).toEqual({ a: 'Timeout', both: [null, 'b'] });
    // One timer for the deadline (the race of `a` with it was cancelled): no 20 m timer.
    expect(timersOf(state.actions).filter((t) => !t.isCanceled).map((t) => new Date(t.fireAt!).toISOString())).toEqual(['2026-01-01T00:10:00.000Z']);
    expect(await run.replayCheck()).toEqual([]);
  });
});

describe('timeout on repeat', () => {
  it('races the interval with the deadline and fails the step with Timeout', async () => {
    const run = harness.start('poll', null);
    const state = await run.runToCompletion();
    expect(run.failed).toBe(true);
    expect(state.error).toContain("Timeout: repeat 'poll' did not finish within 720000 ms");
    // Iterations at 0, 5 and 10 min; the next interval would end at 15 min, after the deadline at 12.
    expect(run.executed.map((e) => e.input)).toEqual([0, 1, 2]);
    expect(run.clock.toISOString()).toBe('2026-01-01T00:12:00.000Z');
  });

  it('hands the deadline to the loop orchestration past 100 iterations, which ends with Timeout at it', async () => {
    const children: ReplayInstance[] = [];
    const start = harness.start.bind(harness);
    harness.start = (name, input, id) => {
      const child = start(name, input, id);
      if (name === 'longPoll-partition') children.push(child);
      return child;
    };
    try {
      const run = harness.start('longPoll', null);
      const state = await run.runToCompletion();
      expect(run.failed).toBe(true);
      expect(state.error).toContain("Timeout: repeat 'long' did not finish within 10800000 ms");
      expect(children).toHaveLength(1);
      // The deadline travels as an absolute time: every execution of the loop keeps to it.
      // (Its latest execution's input: it continued as new at iteration 200.)
      expect(children[0].input).toMatchObject({ loop: 'long', index: 200, deadline: { at: '2026-01-01T03:00:00.000Z', ms: 10_800_000, what: "repeat 'long'" } });
      expect(children[0].status()).toMatchObject({ isDone: true, output: { error: { name: 'Timeout' } } });
      // The harness starts a child on its own clock at the workflow's start time: it stops at the deadline all the same.
      expect(children[0].clock.toISOString()).toBe('2026-01-01T03:00:00.000Z');
    } finally {
      harness.start = start;
    }
  });
});
