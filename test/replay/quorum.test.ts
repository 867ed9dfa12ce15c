/**
 * Replay tests of quorums (`succeedWhen: { atLeast }` on parallel and forEach) and of abandoned
 * work's late outcomes (runtime/late.ts), compiled from test/fixtures/quorum/workflows/*.yaml by
 * the real front end and code generator, run through the real durable-functions library by the
 * harness, which completes an orchestration as DurableTask.Core does (only once no task is open).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateProject } from '../../compiler/src/codegen';
import { checkProjectDir } from '../../compiler/src/front-end';
import { ActionType, type Action } from '../../host/orchestration/actions';
import { createHarness, type Harness } from '../harness/replay';

const root = path.resolve(__dirname, '../fixtures/quorum');
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

type Late = { what: string; by: string; outcome?: string; error?: string };
const late = (customStatus: unknown): Late[] | undefined => (customStatus as { late?: Late[] } | undefined)?.late;

describe('parallel with succeedWhen: { atLeast: 2 } of 3', () => {
  it('goes on once two branches succeed, in the episode that delivers the second; the third is abandoned and its late result recorded, not used', async () => {
    const run = harness.start('vote', { atLeast: 2 });
    await run.deliver();
    const [a0, a1, a2] = run.pendingActivities();
    expect([a0, a1, a2].map((a) => a.input)).toEqual([0, 1, 2].map((n) => ({ n, fail: false })));
    run.complete(a1.taskId, 'yes from 1');
    await run.deliver();
    expect(run.pendingActivities().map((a) => a.name)).toEqual(['Ask', 'Ask']);
    run.complete(a0.taskId, 'yes from 0');
    await run.deliver();
    // The step ended at once: the next step (Note) is scheduled while branch 2 still runs.
    expect(run.pendingActivities().map((a) => [a.name, a.input])).toEqual([
      ['Ask', { n: 2, fail: false }],
      ['Note', 'after'],
    ]);
    const note = run.pendingActivities()[1];
    run.complete(note.taskId, 'after');
    await run.deliver();
    // The workflow has returned, but an activity is open: Running, as on Azure (HasOpenTasks).
    expect(run.done).toBe(false);
    expect(late(run.state?.customStatus)).toEqual([expect.objectContaining({ what: "activity 'Ask'", by: 'quorum' })]);
    expect(late(run.state?.customStatus)?.[0].outcome).toBeUndefined();
    run.complete(a2.taskId, 'yes from 2, late');
    await run.deliver();
    expect(run.outcome).toMatchObject({ status: 'Completed', output: ['yes from 0', 'yes from 1', null] });
    expect(late(run.state?.customStatus)).toEqual([expect.objectContaining({ what: "activity 'Ask'", by: 'quorum', outcome: 'Completed' })]);
    expect(await run.replayCheck()).toEqual([]);
  });

  it('records a late failure with its error, and the workflow still completes', async () => {
    const run = harness.start('vote', { atLeast: 2, fail: [false, false, true] });
    const state = await run.runToCompletion({ order: 'fifo' });
    expect(run.outcome).toMatchObject({ status: 'Completed' });
    expect(state.output).toEqual(['yes from 0', 'yes from 1', null]);
    expect(late(state.customStatus)).toEqual([expect.objectContaining({ by: 'quorum', outcome: 'Failed', error: 'ReplicaDown: replica 2 is down' })]);
    expect(await run.replayCheck()).toEqual([]);
  });

  it('counts a failed branch against the quorum and still succeeds with the others', async () => {
    const run = harness.start('vote', { atLeast: 2, fail: [true, false, false] });
    const state = await run.runToCompletion({ order: 'fifo' });
    expect(state.error).toBeUndefined();
    expect(state.output).toEqual([null, 'yes from 1', 'yes from 2']);
    expect(late(state.customStatus)).toBeUndefined();
  });

  it('fails with QuorumNotReached as soon as two have failed, without waiting for the third', async () => {
    const run = harness.start('vote', { atLeast: 2, fail: [true, true, false] });
    await run.deliver();
    const [a0, a1, a2] = run.pendingActivities();
    // Messages as the activity wrapper sends them across (runtime/errors.ts).
    run.fail(a0.taskId, 'ReplicaDown: replica 0 is down');
    run.fail(a1.taskId, 'ReplicaDown: replica 1 is down');
    await run.deliver();
    // The step failed in this episode: the third branch is abandoned (the instance fails once it
    // has ended, as DurableTask.Core completes nothing with a task open), and no Note runs.
    expect(run.done).toBe(false);
    expect(late(run.state?.customStatus)).toEqual([expect.objectContaining({ what: "activity 'Ask'", by: 'quorum' })]);
    expect(run.pendingActivities().map((a) => a.taskId)).toEqual([a2.taskId]);
    run.complete(a2.taskId, 'yes from 2');
    await run.deliver();
    expect(run.failed).toBe(true);
    expect(run.state?.error).toContain('QuorumNotReached: parallel: at least 2 of 3 had to succeed, but 2 failed (first: ReplicaDown: replica 0 is down)');
    expect(late(run.state?.customStatus)).toEqual([expect.objectContaining({ by: 'quorum', outcome: 'Completed' })]);
    expect(await run.replayCheck()).toEqual([]);
  });

  it('fails with QuorumNotReached at once when more are needed than there are, and InvalidQuorum for a value that is not a whole number', async () => {
    const more = harness.start('vote', { atLeast: 4 });
    await more.runToCompletion();
    expect(more.state?.error).toContain('QuorumNotReached: parallel: at least 4 had to succeed, but there are only 3');
    expect(more.executed).toEqual([]);
    for (const bad of [0, 1.5, '2', null]) {
      const run = harness.start('vote', { atLeast: bad });
      await run.runToCompletion();
      expect(run.state?.error, String(bad)).toContain('InvalidQuorum: parallel: succeedWhen.atLeast must be a whole number from 1 up');
    }
  });

  it('cancels the timer of an abandoned branch, so the instance does not wait an hour for it', async () => {
    const run = harness.start('sleeper', {});
    const state = await run.runToCompletion({ order: 'fifo', fireTimers: false });
    expect(run.outcome).toMatchObject({ status: 'Completed', output: ['yes from 0', 'yes from 1', null] });
    const timers = flat(state.actions).filter((a) => a.actionType === ActionType.CreateTimer);
    expect(timers.filter((t) => !t.isCanceled && new Date(t.fireAt!).getTime() > Date.parse('2026-01-01T00:30:00Z'))).toEqual([]);
    expect(run.executed.filter((e) => (e.input as { n: number }).n === 2)).toEqual([]);
    expect(await run.replayCheck()).toEqual([]);
  });
});

describe('forEach with succeedWhen: { atLeast: 3 } and maxParallel 2', () => {
  it('starts no item once three have succeeded, outputs null for the rest', async () => {
    const run = harness.start('items', { items: [0, 1, 2, 3, 4, 5].map((n) => ({ n })) });
    const state = await run.runToCompletion({ order: 'fifo' });
    expect(state.output).toEqual(['yes from 0', 'yes from 1', 'yes from 2', null, null, null]);
    // Two at a time: items 0-2 succeed in order; item 3 was started with item 2 and is abandoned.
    expect(run.executed.map((e) => (e.input as { n: number }).n)).toEqual([0, 1, 2, 3]);
    expect(await run.replayCheck()).toEqual([]);
  });

  it('fails with QuorumNotReached once too many items failed', async () => {
    const run = harness.start('items', { items: [0, 1, 2, 3].map((n) => ({ n, fail: n < 2 })) });
    await run.runToCompletion({ order: 'fifo' });
    expect(run.failed).toBe(true);
    expect(run.state?.error).toContain("QuorumNotReached: forEach 'each': at least 3 of 4 had to succeed, but 2 failed");
  });
});

describe('late outcome after a step timeout', () => {
  it('records that the abandoned activity finished after its timeout, and the outcome of the workflow does not change', async () => {
    const run = harness.start('late', {});
    await run.deliver();
    const [slow] = run.pendingActivities();
    const [timer] = run.pendingTimers();
    run.fireTimer(timer.timerId);
    await run.deliver();
    // The catch ran: Note('Timeout') is scheduled while Slow still runs.
    const note = run.pendingActivities().find((a) => a.name === 'Note')!;
    expect(note.input).toBe('Timeout');
    expect(late(run.state?.customStatus)).toEqual([expect.objectContaining({ what: "activity 'Slow'", by: 'timeout' })]);
    run.complete(note.taskId, 'Timeout');
    await run.deliver();
    expect(run.done).toBe(false);
    run.fail(slow.taskId, 'IOError: disk full');
    await run.deliver();
    expect(run.outcome).toMatchObject({ status: 'Completed', output: 'done' });
    expect(late(run.state?.customStatus)).toEqual([expect.objectContaining({ what: "activity 'Slow'", by: 'timeout', outcome: 'Failed', error: 'IOError: disk full' })]);
    expect(await run.replayCheck()).toEqual([]);
  });
});

describe('many abandoned calls', () => {
  it('keeps the latest 30 records in the custom status (it must stay under 16 KB) and counts the rest', async () => {
    const run = harness.start('many', {});
    // Newest first: each iteration's second branch decides its quorum, the first is abandoned.
    const state = await run.runToCompletion({ order: 'lifo' });
    expect(run.outcome).toMatchObject({ status: 'Completed', output: 'done' });
    const status = state.customStatus as { late: Late[]; lateOmitted: number };
    expect(status.late).toHaveLength(30);
    expect(status.lateOmitted).toBe(5);
    expect(status.late.every((r) => r.by === 'quorum' && r.outcome === 'Completed')).toBe(true);
    expect(JSON.stringify(state.customStatus).length).toBeLessThan(16 * 1024);
    expect(await run.replayCheck()).toEqual([]);
  });
});
