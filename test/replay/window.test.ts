/**
 * Replay tests of the capped window and the constructs around it, compiled from
 * test/fixtures/window/workflows/*.yaml by the real front end and code generator and run through
 * the real durable-functions library by the harness (extension task ids, compound trap included).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateProject } from '../../compiler/src/codegen';
import { checkProjectDir } from '../../compiler/src/front-end';
import { ActionType, type Action } from '../../host/orchestration/actions';
import { createHarness, type Harness, type ReplayInstance, type RunOptions } from '../harness/replay';

const root = path.resolve(__dirname, '../fixtures/window');
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

type Item = { n: number; fail?: boolean };
const items = (count: number, failing: (n: number) => boolean = () => false): Item[] =>
  Array.from({ length: count }, (_, n) => (failing(n) ? { n, fail: true } : { n }));
const work = {
  Work: (i: Item) => {
    if (i.fail) throw new Error(`item ${i.n} failed`);
    return i.n * 10;
  },
};

/** Items scheduled per episode, as their `n`. */
const scheduledItems = (run: ReplayInstance): number[] =>
  run.episodes.flatMap((e) => e.scheduled.filter((s) => s.name === 'Work').map((s) => (s.input as Item).n));

describe('forEach maxParallel 10 over 100 items', () => {
  it('keeps exactly 10 in flight, starting the next item in the episode where one completes (oldest first)', async () => {
    const run = harness.start('window', { items: items(100) });
    const state = await run.runToCompletion({ activities: work, order: 'fifo', perEpisode: 1 });
    expect(state.output).toEqual(items(100).map((i) => i.n * 10));
    let finished = 0;
    for (const [i, e] of run.episodes.entries()) {
      finished += e.completions;
      expect(e.activitiesInFlight, `episode ${i}`).toBe(Math.min(10, 100 - finished));
      if (e.completions > 0 && finished <= 90) expect(e.scheduled.length, `episode ${i}`).toBe(1);
    }
    expect(await run.replayCheck()).toEqual([]);
  });

  const orders: Array<RunOptions['order']> = ['fifo', 'lifo', { seed: 3 }, { seed: 99 }];
  for (const order of orders) {
    for (const perEpisode of [1, 4]) {
      it(`caps, refills every free slot in the episode that frees it, keeps input order (${JSON.stringify(order)}, ${perEpisode} completion(s) per episode)`, async () => {
        const run = harness.start('window', { items: items(100, (n) => n % 17 === 5) });
        const state = await run.runToCompletion({ activities: work, order, perEpisode });
        expect(state.error).toBeUndefined();
        // input order, whatever the completion order; failed items hold their error
        const expected = items(100).map(({ n }) => (n % 17 === 5 ? { error: { name: 'Error', message: `item ${n} failed` } } : n * 10));
        expect(state.output).toEqual(expected);
        // every item scheduled exactly once: no task was re-scheduled by a compound action
        expect(scheduledItems(run).sort((a, b) => a - b)).toEqual(items(100).map((i) => i.n));
        const full: number[] = [];
        let finished = 0;
        for (const e of run.episodes) {
          finished += e.completions;
          full.push(Math.min(10, 100 - finished));
        }
        for (const [i, e] of run.episodes.entries()) {
          // never more than the cap scheduled-and-unfinished
          expect(e.activitiesInFlight, `episode ${i}`).toBeLessThanOrEqual(10);
          // Every episode ends with the window full again: durable-functions resumes the window
          // at each completion it delivers, and the window refills the slot at once, whichever
          // task ended (issue 22: it used to wait on its oldest task, so a refill could wait for
          // the next episode or longer).
          expect(e.activitiesInFlight, `episode ${i}`).toBe(full[i]);
        }
        expect(Math.max(...run.episodes.map((e) => e.activitiesInFlight))).toBe(10);
        // progress in the custom status, merged with the user's status
        expect(state.customStatus).toEqual({ status: 'started', flow: expect.any(String), progress: { each: { done: 100, failed: 6, total: 100 } } });
        expect(await run.replayCheck()).toEqual([]);
      });
    }
  }
});

describe('forEach with a multi-step body', () => {
  it('throws a failed activity into its body, where try/catch handles it, and runs the rest of the body', async () => {
    const run = harness.start('bodies', { items: items(5, (n) => n === 1 || n === 3) });
    const state = await run.runToCompletion({ activities: { ...work, Note: (v: unknown) => v }, order: 'lifo' });
    expect(state.error).toBeUndefined();
    expect(state.output).toEqual([
      { index: 0, got: 0 },
      { index: 1, got: 'recovered item 1 failed' },
      { index: 2, got: 20 },
      { index: 3, got: 'recovered item 3 failed' },
      { index: 4, got: 40 },
    ]);
    // maxParallel 2 counts bodies, not activities: never more than 2 activities at once
    expect(Math.max(...run.episodes.map((e) => e.activitiesInFlight))).toBe(2);
    expect(run.executed.map((e) => e.name).filter((n) => n === 'Work')).toHaveLength(5);
    expect(run.executed.filter((e) => e.name === 'Note')).toHaveLength(7);
    expect(await run.replayCheck()).toEqual([]);
  });
});

describe('forEach with onItemError fail', () => {
  it('fails the workflow with the first failed item and starts no further items', async () => {
    const run = harness.start('failfast', { items: items(6, (n) => n === 2) });
    const state = await run.runToCompletion({ activities: work, order: 'fifo' });
    expect(run.failed).toBe(true);
    expect(state.error).toContain('item 2 failed');
    // items 0,1 then 2,3 ran; after 2 failed nothing new started
    expect(scheduledItems(run).sort()).toEqual([0, 1, 2, 3]);
  });
});

describe('retry', () => {
  it('follows the policy: attempts, backoff and the interval cap', async () => {
    const run = harness.start('retrying', null);
    const state = await run.runToCompletion({ activities: work });
    expect(run.failed).toBe(true);
    expect(state.error).toContain('item 1 failed');
    expect(run.executed).toHaveLength(4);
    // every attempt a plain activity call, every back-off a plain timer (never the library's retry)
    const actions = flat(state.actions);
    expect(actions.filter((a) => a.actionType === ActionType.CallActivityWithRetry)).toHaveLength(0);
    expect(actions.filter((a) => a.actionType === ActionType.CallActivity)).toHaveLength(4);
    // the back-off timers: 1 s, then 2 s, then 4 s capped at 3 s; none after the last attempt
    const fired = run.history.filter((e) => e.EventType === 10).map((e) => new Date((e as unknown as { FireAt: string }).FireAt).getTime());
    const start = new Date('2026-01-01T00:00:00Z').getTime();
    expect(fired.map((t, i, all) => t - (i === 0 ? start : all[i - 1]))).toEqual([1000, 2000, 3000]);
  });
});

describe('parallel without a cap, step timeout met, child workflow', () => {
  it('starts every branch at once, runs a branch step by step, cancels the timeout timer when the activity wins', async () => {
    const run = harness.start('fan', null);
    const state = await run.runToCompletion({ activities: { Note: (v: unknown) => v }, order: 'lifo' });
    expect(state.error).toBeUndefined();
    expect(state.output).toEqual({ both: ['a2', 'b', 'leaf c'], timed: 'timed' });
    // first episode: the first step of each activity branch, and the child workflow
    const first = flat(run.episodes[0].actions);
    expect(run.episodes[0].scheduled.map((s) => s.input)).toEqual(['a1', 'b']);
    expect(first.some((a) => a.actionType === ActionType.CallSubOrchestrator && a.functionName === 'leaf')).toBe(true);
    // a2 only after a1
    const a2 = run.episodes.findIndex((e) => e.scheduled.some((s) => s.input === 'a2'));
    expect(a2).toBeGreaterThan(0);
    // the step timeout's timer (30 s); other timers here are the window's gates (created cancelled, a day ahead)
    const timers = flat(state.actions).filter((a) => a.actionType === ActionType.CreateTimer);
    const timeout = timers.filter((a) => new Date(a.fireAt!).toISOString() === '2026-01-01T00:00:30.000Z');
    expect(timeout).toHaveLength(1);
    expect(timeout[0].isCanceled).toBe(true);
    expect(run.clock.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(await run.replayCheck()).toEqual([]);
  });
});
