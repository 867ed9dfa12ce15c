/**
 * Replay tests for `repeat` and `break`, compiled from test/fixtures/loops/workflows/*.yaml by the
 * real front end and code generator, run through the real durable-functions library.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateProject } from '../../compiler/src/codegen';
import { checkProjectDir } from '../../compiler/src/front-end';
import { ActionType, type Action } from '../../host/orchestration/actions';
import { EventType } from '../../host/orchestration/history';
import { createHarness, type Harness, type ReplayInstance } from '../harness/replay';

const root = path.resolve(__dirname, '../fixtures/loops');
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

describe('repeat until, with an interval', () => {
  it('polls until the job is done, a durable 30 s timer between polls, and outputs the last iteration', async () => {
    const run = harness.start('poll', { job: 'j1' });
    const state = await run.runToCompletion();
    expect(state.error).toBeUndefined();
    // CheckJob answers done at attempt 2: three iterations (loop.index 0, 1, 2).
    expect(run.executed.filter((e) => e.name === 'CheckJob').map((e) => e.input)).toEqual([0, 1, 2].map((attempt) => ({ job: 'j1', attempt })));
    expect(state.output).toEqual({ state: 'done', attempt: 2 });
    // Timers between iterations only: none before the first, none after the last.
    const timers = flat(state.actions).filter((a) => a.actionType === ActionType.CreateTimer).map((a) => new Date(a.fireAt!).toISOString());
    expect(timers).toEqual(['2026-01-01T00:00:30.000Z', '2026-01-01T00:01:00.000Z']);
    expect(run.executed.at(-1)).toMatchObject({ name: 'Record', input: [{ state: 'done', attempt: 2 }, 'after'] });
    expect((state.customStatus as { progress: unknown }).progress).toEqual({ poll: { done: 3, failed: 0, total: 5 } });
    expect(await run.replayCheck()).toEqual([]);
  });

  it('fails with MaxIterations when the job is never done within maxIterations', async () => {
    const run = harness.start('poll', { job: 'j2' });
    const state = await run.runToCompletion({ activities: { CheckJob: (i: { attempt: number }) => ({ state: 'running', attempt: i.attempt }) } });
    expect(run.failed).toBe(true);
    expect(state.error).toContain("MaxIterations: repeat 'poll' reached maxIterations (5)");
    expect(run.executed.filter((e) => e.name === 'CheckJob')).toHaveLength(5);
    // No timer after the fifth poll: the loop fails at once.
    expect(flat(state.actions).filter((a) => a.actionType === ActionType.CreateTimer)).toHaveLength(4);
  });
});

describe('repeat while, onMaxIterations: continue', () => {
  it('checks while before each iteration, after the interval, with loop.index and loop.last', async () => {
    // The clock starts at 2026-01-01T00:00:00Z; a 1 minute interval: the deadline admits iterations at 0 and 1 min.
    const run = harness.start('monitor', { deadline: '2026-01-01T00:01:30.000Z' });
    const state = await run.runToCompletion();
    expect(state.error).toBeUndefined();
    expect(run.executed.map((e) => e.input)).toEqual([
      { index: 0, last: null },
      { index: 1, last: { index: 0, last: null } },
    ]);
    expect(state.output).toEqual({ index: 1, last: { index: 0, last: null } });
  });

  it('ends quietly at maxIterations with the last output', async () => {
    const run = harness.start('monitor', { deadline: '2027-01-01T00:00:00.000Z' });
    const state = await run.runToCompletion();
    expect(state.error).toBeUndefined();
    expect(run.executed.map((e) => (e.input as { index: number }).index)).toEqual([0, 1, 2]);
    expect((state.output as { index: number }).index).toBe(2);
  });

  it('runs no iteration when while is false at once', async () => {
    const run = harness.start('monitor', { deadline: '2025-01-01T00:00:00.000Z' });
    const state = await run.runToCompletion();
    expect(run.executed).toEqual([]);
    expect(state.output).toBeNull();
  });
});

describe('break', () => {
  it('ends a repeat (paging with loop.last) and a sequential forEach, keeping the results up to the break', async () => {
    const run = harness.start('pages', null);
    const state = await run.runToCompletion();
    expect(state.error).toBeUndefined();
    expect(run.executed.filter((e) => e.name === 'FetchPage').map((e) => e.input)).toEqual([{ cursor: null }, { cursor: 2 }, { cursor: 4 }]);
    // The last page breaks (inside a switch) before its Record step: two Records of pages, then the forEach's.
    expect(run.executed.filter((e) => e.name === 'Record').map((e) => e.input)).toEqual([
      { items: [0, 1], next: 2 },
      { items: [2, 3], next: 4 },
      0, 10, 20, 30,
    ]);
    expect(state.output).toEqual({
      items: [0, 1, 2, 3, 4, 5],
      // The output of the step before the break: the set step's (null).
      paging: null,
      // Items 0..3 ran (the fourth broke after its Record; a guarded break that does not fire
      // keeps the output of the step before it); 4 and 5 never did.
      firstBig: [0, 10, 20, 30],
    });
    expect(await run.replayCheck()).toEqual([]);
  });
});

describe('MaxIterations in a catch', () => {
  it('is an error a catch sees by name', async () => {
    const run = harness.start('bounded', null);
    const state = await run.runToCompletion();
    expect(state.error).toBeUndefined();
    expect(state.output).toMatch(/^MaxIterations repeat 'repeat@5' reached maxIterations \(3\)/);
    expect(run.executed.slice(0, 3).map((e) => e.input)).toEqual([0, 1, 2]);
  });
});

describe('a long repeat continues in a fresh history', () => {
  it('runs 100 iterations in the workflow, the rest in a loop orchestration that continues as new every 100', async () => {
    const children: ReplayInstance[] = [];
    const start = harness.start.bind(harness);
    harness.start = (name, input, id) => {
      const child = start(name, input, id);
      if (name === 'long-partition') children.push(child);
      return child;
    };
    try {
      const run = harness.start('long', { stop: 250 });
      const state = await run.runToCompletion();
      expect(state.error).toBeUndefined();
      // 0 + 1 + ... + 249 = 31,125: the variable the body set, carried through both histories.
      expect(state.output).toEqual([249, 1000, 31125]);
      // The workflow's own history: the count, 100 iterations of two activities, one loop orchestration.
      expect(run.executed).toHaveLength(201);
      const created = run.history.filter((e) => e.EventType === EventType.SubOrchestrationInstanceCreated);
      expect(created.map((e) => (e as { Name?: string }).Name)).toEqual(['long-partition']);
      expect(run.executions).toBe(1);
      // The loop orchestration: iterations 100..249 in two executions of at most 100 each.
      expect(children).toHaveLength(1);
      expect(children[0].executions).toBe(2);
      expect(children[0].executed.map((e) => e.input)).toEqual(Array.from({ length: 150 }, (_, i) => [100 + i, 100 + i]).flat());
      expect(children[0].history.filter((e) => e.EventType === EventType.TaskScheduled).length).toBeLessThanOrEqual(200);
      expect((state.customStatus as { progress: unknown }).progress).toEqual({ long: { done: 250, failed: 0, total: 1000 } });
      expect(await run.replayCheck()).toEqual([]);
      expect(await children[0].replayCheck()).toEqual([]);
    } finally {
      harness.start = start;
    }
  });
});
