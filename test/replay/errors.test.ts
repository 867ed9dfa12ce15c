/**
 * Errors on the Azure model (the replay harness: the real orchestrator through durable-functions,
 * the Durable extension's failure texts and replay rules). Error names: any valid name an
 * activity throws, a `fail` step computes or a child workflow fails with reaches `catch`,
 * `nonRetryable` and the instance's error unchanged, for a seeded fuzzer of names; retry policies
 * per error (`on`), `maxAttempts: unlimited` and `attemptTimeout`. Compiled from
 * test/fixtures/errors/workflows by the real front end and code generator.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateProject } from '../../compiler/src/codegen';
import { checkProjectDir } from '../../compiler/src/front-end';
import { fromWireText } from '../../runtime/errors';
import { createHarness, type Harness } from '../harness/replay';
import { errorNames } from '../helpers/error-names';

const root = path.resolve(__dirname, '../fixtures/errors');
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
afterAll(() => fs.rmSync(path.join(root, 'generated'), { recursive: true, force: true }));

/** Runs a workflow to its end; a failed instance's error as the extension words it. */
async function run(workflow: string, input: unknown) {
  const instance = harness.start(workflow, input);
  const state = await instance.runToCompletion();
  const reason = instance.outcome?.status === 'Failed' ? instance.outcome.reason : undefined;
  return { instance, output: state.output, reason, status: instance.outcome?.status };
}

describe('error names on the Azure model', () => {
  it('keeps the extension\'s failure texts: a bare identifier, any other name quoted', async () => {
    const literal = await run('literal', null);
    expect(literal.reason).toBe(`Orchestrator function 'literal' failed: "Job Failed: stage 2": exit 3`);
    const rethrown = await run('rethrow', { name: 'PaymentDeclined', message: 'card ending 4242' });
    expect(rethrown.reason).toBe("Orchestrator function 'rethrow' failed: PaymentDeclined: card ending 4242");
    expect(rethrown.instance.state?.customStatus).toMatchObject({ status: 'compensated' });
  });

  it('carries every fuzzed name whole from an activity to catch, through a rethrow to the instance\'s error, and from a child to its parent', async () => {
    const names = errorNames(23, 200);
    for (const name of names) {
      const info = { name, message: `failed: ${[...name].slice(0, 10).join('')}` };
      const label = JSON.stringify(name);
      expect((await run('relay', info)).output, label).toEqual(info);
      const rethrown = await run('rethrow', info);
      expect(rethrown.status, label).toBe('Failed');
      expect(fromWireText(rethrown.reason!), label).toEqual(info);
      expect((await run('parent', info)).output, label).toEqual(info);
      const computed = await run('computed', info);
      expect(fromWireText(computed.reason!), label).toEqual(info);
    }
  }, 120_000);

  it('fails at once on a listed name that is not an identifier, and retries the others', async () => {
    for (const name of ['Job Failed', 'card-declined', 'a: b']) {
      const r = await run('listed', { name, message: 'm' });
      expect(r.output).toEqual({ name, message: 'm' });
      expect(r.instance.executed.filter((e) => e.name === 'Throw')).toHaveLength(1);
    }
    for (const name of ['Job  Failed', 'card-declined ', 'a:b']) {
      const r = await run('listed', { name, message: 'm' });
      expect(r.output).toEqual({ name, message: 'm' });
      expect(r.instance.executed.filter((e) => e.name === 'Throw')).toHaveLength(3);
    }
  });

  it('fails with InvalidErrorName naming a computed name that is not valid', async () => {
    for (const [bad, shown] of [['', '""'], ['a\nb', '"a\\nb"'], [7, '7'], ['x'.repeat(201), `"${'x'.repeat(99)}...`]] as const) {
      const r = await run('computed', { name: bad, message: 'm' });
      const error = fromWireText(r.reason!);
      expect(error.name).toBe('InvalidErrorName');
      expect(error.message.startsWith(`fail: the error name ${shown}`), error.message).toBe(true);
    }
  });
});

/** The back-off timers a run created, as offsets in seconds from the start. */
function backoffs(instance: Awaited<ReturnType<typeof run>>['instance']): number[] {
  const start = Date.parse('2026-01-01T00:00:00.000Z');
  return instance.history.filter((e) => e.EventType === 10).map((e) => (Date.parse(String((e as unknown as { FireAt: string }).FireAt)) - start) / 1000);
}
const attempts = (r: Awaited<ReturnType<typeof run>>): number => r.instance.executed.filter((e) => e.name === 'Throw').length;

describe('retry policies per error on the Azure model', () => {
  it('gives each listed error its own policy: attempts and back-offs (Step Functions\' retriers)', async () => {
    const declined = await run('perError', { name: 'card-declined', message: 'no funds' });
    expect(declined.output).toEqual({ name: 'card-declined', message: 'no funds' });
    expect(attempts(declined)).toBe(2);
    expect(backoffs(declined.instance)).toEqual([60]);
    const failed = await run('perError', { name: 'Job Failed', message: 'exit 3' });
    expect(attempts(failed)).toBe(4);
    expect(backoffs(failed.instance)).toEqual([1, 3, 7]);
    // no policy lists it and none is without `on`: the step fails at once
    const other = await run('perError', { name: 'Other', message: 'm' });
    expect(other.output).toEqual({ name: 'Other', message: 'm' });
    expect(attempts(other)).toBe(1);
    expect(await declined.instance.replayCheck()).toEqual([]);
  });

  it('sends every error no policy lists to the policy without `on`', async () => {
    expect(attempts(await run('otherwise', { name: 'card-declined', message: 'm' }))).toBe(1);
    const other = await run('otherwise', { name: 'Busy', message: 'm' });
    expect(attempts(other)).toBe(3);
    expect(backoffs(other.instance)).toEqual([5, 10]);
  });

  it('retries `maxAttempts: unlimited` until its timeout, the last back-off cut to end at it', async () => {
    const r = await run('unlimited', { name: 'Busy', message: 'm' });
    expect(r.output).toEqual({ name: 'Busy', message: 'm' });
    expect(attempts(r)).toBe(11);
    expect(backoffs(r.instance)).toEqual([60, 120, 180, 240, 300, 360, 420, 480, 540, 600]);
    expect(await r.instance.replayCheck()).toEqual([]);
  });

  it('fails an attempt over its attemptTimeout with Timeout and retries it; the step succeeds with the next attempt', async () => {
    const instance = harness.start('attempts', 'hello');
    await instance.deliver();
    expect(instance.pendingActivities()).toEqual([{ taskId: 0, name: 'Echo', input: 'hello' }]);
    expect(instance.pendingTimers()).toEqual([{ timerId: 1, fireAt: '2026-01-01T00:00:30.000Z' }]);
    instance.fireTimer(1); // attempt 1 runs too long
    await instance.deliver();
    expect(instance.pendingTimers()).toEqual([{ timerId: 2, fireAt: '2026-01-01T00:00:31.000Z' }]); // the back-off
    instance.fireTimer(2);
    await instance.deliver();
    expect(instance.pendingActivities().map((a) => a.taskId)).toEqual([0, 3]);
    instance.complete(3, 'second');
    await instance.deliver();
    // the steps are done, but the abandoned attempt is still open: the extension waits for it, and
    // the orchestrator waits with it to record how it ends (runtime/late.ts)
    expect(instance.state?.isDone).toBe(false);
    expect(instance.outcome?.status).toBe('Running');
    expect((instance.state?.customStatus as { late?: unknown }).late).toEqual([expect.objectContaining({ what: "activity 'Echo'", by: 'timeout' })]);
    instance.complete(0, 'first, late');
    await instance.deliver();
    expect(instance.outcome?.status).toBe('Completed');
    expect(instance.state?.output).toBe('second');
    expect((instance.state?.customStatus as { late?: unknown }).late).toEqual([expect.objectContaining({ what: "activity 'Echo'", by: 'timeout', outcome: 'Completed' })]);
    expect(await instance.replayCheck()).toEqual([]);
  });

  it('fails the step with the last attempt\'s Timeout when every attempt runs too long', async () => {
    const instance = harness.start('attempts', 'x');
    await instance.deliver();
    instance.fireTimer(1);
    await instance.deliver();
    instance.fireTimer(2);
    await instance.deliver();
    const [, second] = instance.pendingTimers();
    expect(second).toBeUndefined();
    const attemptTimer = instance.pendingTimers()[0];
    expect(attemptTimer.fireAt).toBe('2026-01-01T00:01:01.000Z');
    instance.fireTimer(attemptTimer.timerId);
    await instance.deliver();
    // the instance fails once both abandoned attempts have ended (open tasks block completion);
    // the orchestrator waits for them too, to record how they end (runtime/late.ts)
    expect(instance.outcome?.status).toBe('Running');
    expect((instance.state?.customStatus as { late?: unknown[] }).late).toHaveLength(2);
    instance.complete(0, 'late');
    instance.complete(3, 'late');
    await instance.deliver();
    expect(instance.state?.error).toContain("Timeout: activity 'Echo' attempt 2 did not finish within 30000 ms");
    expect(instance.outcome).toMatchObject({ status: 'Failed', reason: "Orchestrator function 'attempts' failed: Timeout: activity 'Echo' attempt 2 did not finish within 30000 ms" });
  });
});
