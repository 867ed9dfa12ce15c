/**
 * Replay tests for the constructs the examples do not use, compiled from
 * test/fixtures/constructs/workflows/*.yaml by the real front end and code generator.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateProject } from '../../compiler/src/codegen';
import { checkProjectDir } from '../../compiler/src/front-end';
import { ActionType, type Action } from '../../host/orchestration/actions';
import { EventType } from '../../host/orchestration/history';
import { createHarness, type Harness } from '../harness/replay';

const root = path.resolve(__dirname, '../fixtures/constructs');
const flat = (actions: Action[]): Action[] => actions.flatMap((a) => (a.compoundActions ? [a, ...flat(a.compoundActions)] : [a]));
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

describe('forEach with a multi-step body, capped parallel, set, result, if', () => {
  it('runs each item body in order within the cap, one branch at a time, and skips the guarded step', async () => {
    const run = harness.start('bodies', { items: [1, 2, 3, 4, 5] });
    const state = await run.runToCompletion({ order: 'lifo' });
    expect(state.error).toBeUndefined();
    // each item: Double(Double(n)) + index
    expect(state.output).toEqual({ each: [4, 9, 14, 19, 24], branches: ['a', 'b', 'c'], total: 70, skipped: null });
    // maxParallel 2 on the forEach, then 1 on the parallel.
    expect(Math.max(...run.episodes.map((e) => e.activitiesInFlight))).toBe(2);
    const branchEpisodes = run.episodes.filter((e) => e.scheduled.some((s) => s.name === 'Record'));
    expect(branchEpisodes.map((e) => e.scheduled.map((s) => s.input))).toEqual([['a'], ['b'], ['c']]);
    expect(run.executed.some((e) => e.input === 'never')).toBe(false);
    expect(await run.replayCheck()).toEqual([]);
  });
});

describe('switch, fail, try/catch with retries, timers, step timeout, event timeout', () => {
  it('fails the workflow with the fail step error', async () => {
    const run = harness.start('control', { mode: 'fail' });
    const state = await run.runToCompletion();
    expect(run.failed).toBe(true);
    expect(state.error).toContain('mode fail');
    expect(run.executed).toEqual([]);
  });

  it('retries the flaky activity 3 times with backoff, then runs catch with the error message', async () => {
    const run = harness.start('control', { mode: 'other' });
    const state = await run.runToCompletion();
    expect(state.error).toBeUndefined();
    expect(state.output).toBe('caught flaky failed');
    expect(run.executed.filter((e) => e.name === 'Flaky')).toHaveLength(3);
    // back-off timers of 2 s and 4 s between the three attempts (plain timers, none after the
    // last attempt), then a 5 minute delay and an absolute until date: the clock ends there
    const timers = flat(state.actions).filter((a) => a.actionType === ActionType.CreateTimer).map((a) => new Date(a.fireAt!).toISOString());
    expect(timers).toEqual(['2026-01-01T00:00:02.000Z', '2026-01-01T00:00:06.000Z', '2026-01-01T00:05:06.000Z', '2030-01-01T00:00:00.000Z']);
    expect(run.clock.toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(await run.replayCheck()).toEqual([]);
  });

  it('fails with Timeout when the event does not come (onTimeout: fail)', async () => {
    const run = harness.start('control', { mode: 'event' });
    const state = await run.runToCompletion();
    expect(state.error).toContain("waiting for event 'Go' did not finish within 3600000 ms");
  });

  it('continues with the event payload when it comes, cancelling the timer', async () => {
    const run = harness.start('control', { mode: 'event' });
    await run.runToCompletion({ fireTimers: false });
    run.raiseEvent('Go', { ok: 1 });
    const state = await run.runToCompletion();
    expect(state.output).toEqual({ ok: 1 });
    const eventTimer = flat(state.actions).find((a) => a.actionType === ActionType.CreateTimer);
    expect(eventTimer?.isCanceled).toBe(true);
  });

  it('fails an activity step with Timeout when its timer fires first', async () => {
    const run = harness.start('control', { mode: 'slow' });
    await run.deliver();
    const [slow] = run.activities.values();
    expect(slow.input).toBe('slow');
    const [timer] = run.timers.values();
    run.fireTimer(timer.taskId);
    await run.deliver();
    // The abandoned activity keeps the instance Running (as DurableTask.Core does); the
    // orchestrator fails once it has ended, recording how it ended (runtime/late.ts).
    expect(run.outcome?.status).toBe('Running');
    run.complete(slow.taskId, 'late');
    const state = await run.deliver();
    expect(state.error).toContain("activity 'Record' did not finish within 30000 ms");
    expect((state.customStatus as { late?: unknown }).late).toEqual([expect.objectContaining({ what: "activity 'Record'", by: 'timeout', outcome: 'Completed' })]);
  });
});

describe('continueAsNew', () => {
  it('restarts with the new input and a fresh history until the guard stops it', async () => {
    const run = harness.start('eternal', null);
    const state = await run.runToCompletion();
    expect(run.executions).toBe(3);
    expect(state.output).toBe(2);
    expect(run.executed.map((e) => e.input)).toEqual([0, 1, 2]);
    // The last execution's history holds only its own events.
    expect(run.history.filter((e) => e.EventType === 4)).toHaveLength(1);
  });
});

describe('a forEach longer than its partitionSize', () => {
  it('runs slices as sub-orchestrations whose results join in order, reading vars, steps and the global index', async () => {
    const items = Array.from({ length: 10 }, (_, i) => i);
    const run = harness.start('sliced', { items, offset: 1 });
    const state = await run.runToCompletion({ order: 'random(7)' });
    expect(state.error).toBeUndefined();
    expect(state.output).toEqual(items.map((n) => [2 * (n + 1), n]));
    // ceil(10 / 4) = 3 slices, each a child orchestration of the slice orchestrator.
    const created = run.history.filter((e) => e.EventType === EventType.SubOrchestrationInstanceCreated);
    expect(created.map((e) => (e as { Name?: string }).Name)).toEqual(['sliced-partition', 'sliced-partition', 'sliced-partition']);
    expect(run.executed).toEqual([]);
    expect(await run.replayCheck()).toEqual([]);
  });
});
