/**
 * Step states for the status pages, reported by the generated orchestrators themselves: each
 * step marks its start (`run.step`), a try's catch marks its body's running steps failed
 * (`run.caught`), a parallel step reports each branch that finishes (runtime/flow/state.ts).
 * Run through the real durable-functions library by the replay harness, over the fixture
 * workflows of test/fixtures/flow compiled by the real front end and code generator (their size
 * on 1,000-step workflows: size.test.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateProject } from '../../compiler/src/codegen';
import { checkProjectDir, checkSources } from '../../compiler/src/front-end';
import { decodeMarks, encodeMarks, resolveStates, StepMarks, stepStates } from '../../runtime/flow/state';
import { createHarness, type Harness, type ReplayInstance } from '../harness/replay';

const repo = path.resolve(__dirname, '../..');

/** Generates a project's app next to its workflows (importing this repository's runtime) and loads it in the harness. */
export function harnessFor(root: string): Harness {
  const front = checkProjectDir(root);
  expect(front.diagnostics.map((d) => `${d.span.file}:${d.span.start.line} ${d.code} ${d.message}`)).toEqual([]);
  const runtimeImport = path.relative(path.join(root, 'generated/x'), path.join(repo, 'runtime')).split(path.sep).join('/');
  fs.rmSync(path.join(root, 'generated'), { recursive: true, force: true });
  for (const f of generateProject(front.project, { runtimeImport })) {
    fs.mkdirSync(path.dirname(path.join(root, f.path)), { recursive: true });
    fs.writeFileSync(path.join(root, f.path), f.text);
  }
  return createHarness(path.join(root, 'generated/index.ts'));
}

function runtimeStatus(run: ReplayInstance): string {
  return run.failed ? 'Failed' : run.done ? 'Completed' : 'Running';
}

function states(run: ReplayInstance): Record<string, string> | null {
  return stepStates(run.status().customStatus, runtimeStatus(run));
}

/** Completes every activity in flight (Boom fails), one episode each, until none is left. */
async function drain(run: ReplayInstance): Promise<void> {
  for (let guard = 0; guard < 100; guard++) {
    const [a] = run.pendingActivities();
    const [t] = run.pendingTimers().filter((x) => new Date(x.fireAt) <= run.clock);
    if (!a && !t) return;
    if (t) run.fireTimer(t.timerId);
    else if (a.name === 'Boom') run.fail(a.taskId, 'boom');
    else run.complete(a.taskId, a.input);
    await run.deliver();
  }
  throw new Error('no end');
}

let harness: Harness;
beforeAll(() => {
  harness = harnessFor(path.join(repo, 'test/fixtures/flow'));
});

describe('step states through replay', () => {
  it('are running, completed, failed and absent as the flow goes, and exact at every wake', async () => {
    const run = harness.start('states', { path: 'b' });
    await run.deliver();
    // The first step runs; nothing else has started.
    expect(states(run)).toEqual({ 0: 'running' });

    await drain(run);
    // Now the parallel step waits for Go in its second branch, while its first branch is done.
    expect(run.done).toBe(false);
    expect(states(run)).toEqual({
      0: 'completed',
      // 1 (skipped by its if) never started: absent, the pages show it skipped
      2: 'completed', // the switch, its else branch both steps
      '2.1.0': 'completed',
      '2.1.1': 'completed',
      3: 'completed', // try with an empty catch: the failed step is failed, the one after never started
      '3.0.0': 'failed',
      4: 'completed', // try with a catch: the failed step, then the catch's step
      '4.0.0': 'failed',
      '4.1.0': 'completed',
      5: 'running', // parallel: the short branch ended while the other waits for its event
      '5.0.0': 'completed',
      '5.1.0': 'running',
    });

    run.raiseEvent('Go', null);
    await run.deliver();
    await drain(run);
    expect(run.done && !run.failed).toBe(true);
    const end = states(run)!;
    expect(Object.entries(end).filter(([, s]) => s !== 'completed' && s !== 'failed')).toEqual([]);
    expect(end).toMatchObject({ 5: 'completed', '5.1.0': 'completed', '5.1.1': 'completed', 6: 'completed', 7: 'completed', '3.0.0': 'failed', '4.0.0': 'failed' });
    // forEach bodies report nothing of their own: the forEach's progress counts the items.
    expect(Object.keys(end).filter((k) => k.startsWith('6.'))).toEqual([]);
    expect(run.status().customStatus).toMatchObject({ progress: { each: { done: 3, failed: 0, total: 3 } } });
    expect(await run.replayCheck()).toEqual([]);
  });

  it('show the step that failed the instance as failed, and nothing after it as started', async () => {
    const run = harness.start('failing', null);
    await run.deliver();
    await drain(run);
    expect(run.failed).toBe(true);
    expect(states(run)).toEqual({ 0: 'completed', 1: 'failed' });
  });

  it('show a branch cut short by its sibling branch failing as failed too (the instance failed while it ran)', async () => {
    const run = harness.start('abandoned', null);
    await run.deliver();
    await drain(run);
    expect(run.failed).toBe(true);
    expect(states(run)).toEqual({ 0: 'failed', '0.0.0': 'failed', '0.1.0': 'failed' });
  });

  it("keep the user's status and progress as they were", async () => {
    const run = harness.start('states', { path: 'a' });
    await run.deliver();
    const custom = run.status().customStatus as Record<string, unknown>;
    expect(Object.keys(custom).sort()).toEqual(['flow', 'status']);
    expect(custom.status).toBeNull();
  });
});

describe('the marks', () => {
  it('encode as ranges per sequence, ended sequences and failed keys, and decode to the same', () => {
    const m = new StepMarks();
    // a sequence with a hole (3 skipped), a parallel (5) whose first branch ended, a try (12) whose catch began
    for (const k of ['0', '1', '2', '4', '5', '5.0.0', '5.0.1', '5.1.0']) m.start(k);
    m.end('5.0');
    expect(resolveStates(m, 'running')).toMatchObject({ 5: 'running', '5.0.1': 'completed', '5.1.0': 'running' });
    for (const k of ['12', '12.0.0']) m.start(k);
    m.caught('12');
    expect(m.encode()).toBe('0-2 4-5 12 5.0.0-1 5.1.0 12.0.0 ~5.0 !12.0.0');
    const back = decodeMarks(m.encode())!;
    expect(encodeMarks(back)).toBe(m.encode());
    expect(resolveStates(back, 'running')).toEqual({
      0: 'completed',
      1: 'completed',
      2: 'completed',
      4: 'completed',
      5: 'completed',
      12: 'running',
      '5.0.0': 'completed',
      '5.0.1': 'completed',
      '5.1.0': 'completed',
      '12.0.0': 'failed',
    });
    // How the instance ended settles what still runs.
    expect(resolveStates(back, 'failed')).toMatchObject({ 12: 'failed', '12.0.0': 'failed' });
    expect(resolveStates(back, 'completed')).toMatchObject({ 12: 'completed', '12.0.0': 'failed' });
  });

  it('refuse what is not theirs (no states rather than wrong ones)', () => {
    for (const bad of ['x', '1-0', '!a', '~1.', '0 - 2', 42, null, { flow: 1 }]) expect(decodeMarks(bad)).toBeUndefined();
    expect(stepStates({ status: 'hi' }, 'Running')).toBeNull();
    expect(stepStates('plain text status', 'Running')).toBeNull();
  });
});

describe('keys in the generated code', () => {
  it('match the graph model: one mark per step outside forEach bodies, one catch mark per try, the key on each parallel', () => {
    const root = path.join(repo, 'test/fixtures/flow');
    const text = fs.readFileSync(path.join(root, 'generated/states/v1.ts'), 'utf8');
    const marks = [...text.matchAll(/run\.step\("([\d.]+)"\);/g)].map((m) => m[1]);
    expect(marks).toEqual(['0', '1', '2', '2.0.0', '2.1.0', '2.1.1', '3', '3.0.0', '3.0.1', '4', '4.0.0', '4.1.0', '5', '5.0.0', '5.1.0', '5.1.1', '6', '7']);
    expect([...text.matchAll(/run\.caught\("([\d.]+)"\);/g)].map((m) => m[1])).toEqual(['3', '4']);
    expect(text).toContain('rt.parallel(run, steps, { step: "5" }, [');
    // Each catch mark stands first in its own try's catch block.
    expect(text).toMatch(/\} catch \(thrown\) \{\s*run\.caught\("3"\);\s*const error = rt\.toErrorInfo\(thrown\);/);
    expect(text).toMatch(/\} catch \(thrown\) \{\s*run\.caught\("4"\);\s*const err = rt\.toErrorInfo\(thrown\);/);
  });

  it('put a nested try’s catch mark in its own catch, not its parent’s', () => {
    const yaml = `dsl: 1
steps:
  - try:
      - try:
          - activity: Noop
        catch:
          steps:
            - try:
                - activity: Noop
              catch:
                steps: []
    catch:
      steps:
        - try:
            - activity: Noop
          catch:
            steps: []
`;
    const front = checkSources(repo, [{ file: 'workflows/nested.yaml', text: yaml }], [{ file: 'workflows/activities/n.ts', text: 'export function Noop(): null { return null; }\n' }]);
    expect(front.ok).toBe(true);
    const text = generateProject(front.project).find((f) => f.path === 'generated/nested/v1.ts')!.text;
    const order = [...text.matchAll(/run\.(step|caught)\("([\d.]+)"\);|\} catch \(thrown\) \{/g)].map((m) => (m[1] ? `${m[1]} ${m[2]}` : 'catch'));
    expect(order).toEqual([
      'step 0',
      'step 0.0.0',
      'step 0.0.0.0.0',
      'catch',
      'caught 0.0.0',
      'step 0.0.0.1.0',
      'step 0.0.0.1.0.0.0',
      'catch',
      'caught 0.0.0.1.0',
      'catch',
      'caught 0',
      'step 0.1.0',
      'step 0.1.0.0.0',
      'catch',
      'caught 0.1.0',
    ]);
  });
});
