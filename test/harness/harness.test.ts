/**
 * The harness must be exactly as strict as the Durable extension. These tests drive the real
 * durable-functions library with hand-written orchestrators and show that the harness catches
 * the compound-action trap (durable-js#574) that a forgiving host would hide.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHarness } from './replay';

const harness = createHarness(path.join(__dirname, '../fixtures/apps/windows.ts'));
const expected = (n: number): number[] => Array.from({ length: n }, (_, i) => i * 10);

describe('replay harness: the compound-action trap', () => {
  it('re-puts an already-scheduled task into a new Task.any: the extension schedules it again (durable-js#574)', async () => {
    const run = harness.start('naiveWindow', { count: 3, cap: 2 });
    await run.deliver();
    expect(run.pendingActivities().map((a) => [a.taskId, a.input])).toEqual([
      [0, 0],
      [1, 1],
    ]);
    run.complete(0, 0);
    await run.deliver();
    // Round two yields Task.any([t1, t2]): t1 (input 1) is scheduled a second time, as task 2.
    expect(run.episodes[1].scheduled.map((a) => [a.taskId, a.input])).toEqual([
      [2, 1],
      [3, 2],
    ]);
    expect(run.pendingActivities()).toHaveLength(3);
    // The library numbered t2 as task 2, so the duplicate's result (input 1) lands on item 2.
    run.complete(2, 10);
    run.complete(1, 10);
    run.complete(3, 20);
    await run.deliver();
    expect(run.status().output).toEqual([0, 10, 10]);
  });

  it('catches the textbook sliding window: activities run again and the cap is exceeded', async () => {
    const run = harness.start('naiveWindow', { count: 20, cap: 4 });
    const state = await run.runToCompletion({ order: 'fifo', maxEpisodes: 2000 });
    // On Azure (and here) every re-put task is scheduled again: far more than 20 activities.
    const scheduled = run.episodes.reduce((n, e) => n + e.scheduled.length, 0);
    expect(scheduled).toBeGreaterThan(40);
    expect(Math.max(...run.episodes.map((e) => e.activitiesInFlight))).toBeGreaterThan(4);
    // And results land in the wrong slots, silently: no error is raised.
    expect(state.error).toBeUndefined();
    expect(state.output).not.toEqual(expected(20));
  });

  it("runs the runtime's window exactly once per item, within the cap, results in order", async () => {
    for (const order of ['fifo', 'lifo', { seed: 7 }] as const) {
      const run = harness.start('runtimeWindow', { count: 20, cap: 4 });
      const state = await run.runToCompletion({ order });
      expect(state.error).toBeUndefined();
      expect(state.output).toEqual(expected(20));
      expect(run.executed.map((e) => e.input).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(Math.max(...run.episodes.map((e) => e.activitiesInFlight))).toBe(4);
      expect(await run.replayCheck()).toEqual([]);
    }
  });
});
