/**
 * Replay tests for durations and dates from data (`delay: ${ input.remindIn }`, timeouts, retry
 * intervals, a repeat's interval, `until`) and the date helpers, compiled from
 * test/fixtures/durations/workflows/*.yaml by the real front end and code generator, run through
 * the real durable-functions library. The clock starts at 2026-01-01T00:00:00Z.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateProject } from '../../compiler/src/codegen';
import { checkProjectDir } from '../../compiler/src/front-end';
import { ActionType, type Action } from '../../host/orchestration/actions';
import { createHarness, type Harness } from '../harness/replay';
import { typecheck } from '../helpers/typecheck';

const root = path.resolve(__dirname, '../fixtures/durations');
const flat = (actions: Action[]): Action[] => actions.flatMap((a) => (a.compoundActions ? [a, ...flat(a.compoundActions)] : [a]));
const timers = (actions: Action[]): string[] => flat(actions).filter((a) => a.actionType === ActionType.CreateTimer).map((a) => new Date(a.fireAt!).toISOString());
let harness: Harness;

beforeAll(() => {
  const front = checkProjectDir(root);
  expect(front.diagnostics.map((d) => `${d.span.file}:${d.span.start.line} ${d.code} ${d.message}`)).toEqual([]);
  const runtimeImport = path.relative(path.join(root, 'generated/x'), path.resolve(__dirname, '../../runtime')).split(path.sep).join('/');
  const files = generateProject(front.project, { runtimeImport });
  // --strict type-check of everything generated (the hoisted repeat's interval function included).
  const virtual = new Map(files.map((f) => [path.join(root, f.path), f.text]));
  for (const a of fs.readdirSync(path.join(root, 'workflows/activities'))) virtual.set(path.join(root, 'workflows/activities', a), fs.readFileSync(path.join(root, 'workflows/activities', a), 'utf8'));
  expect(typecheck(root, virtual)).toEqual([]);
  fs.rmSync(path.join(root, 'generated'), { recursive: true, force: true });
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(root, f.path)), { recursive: true });
    fs.writeFileSync(path.join(root, f.path), f.text);
  }
  harness = createHarness(path.join(root, 'generated/index.ts'));
});

describe('delay from data, and the date helpers', () => {
  it.each([
    ['a duration string', '90s'],
    ['ISO 8601', 'PT1M30S'],
    ['milliseconds', 90_000],
  ])('waits %s from input with one durable timer, and addDuration computes the same instant', async (_, remindIn) => {
    const run = harness.start('remind', { remindIn });
    const state = await run.runToCompletion();
    expect(state.error).toBeUndefined();
    expect(timers(state.actions)).toEqual(['2026-01-01T00:01:30.000Z']);
    expect(state.output).toEqual({
      dueAt: '2026-01-01T00:01:30.000Z',
      firedAt: '2026-01-01T00:01:30.000Z',
      onTime: true,
      waitedMs: 90_000,
      back: '2026-01-01T00:01:30.000Z',
    });
    expect(await run.replayCheck()).toEqual([]);
  });

  it.each([
    ['text that is not a duration', '5 minutes', '"5 minutes" is not a duration: write 500ms, 30s, 5m, 2h, 7d, ISO 8601 like PT5M, or a number of milliseconds'],
    ['more than 1000 years', '400000d', '"400000d" is longer than 1000 years (365000d), the longest duration'],
    ['an object', { m: 5 }, '{"m":5} is not a duration (a object)'],
  ])('fails with InvalidDuration, naming the value and the step, for %s', async (_, remindIn, why) => {
    const run = harness.start('remind', { remindIn });
    const state = await run.runToCompletion();
    expect(run.failed).toBe(true);
    // addDuration (the set step) sees the bad value first: it names itself.
    expect(state.error).toContain(`InvalidDuration: addDuration: ${why}`);
    expect(timers(state.actions)).toEqual([]);
  });

  it('names the delay step and its line when the delay itself gets the bad value (addDuration takes a negative number: it goes back)', async () => {
    const run = harness.start('remind', { remindIn: -1 });
    const state = await run.runToCompletion();
    expect(run.failed).toBe(true);
    expect(state.error).toContain(`InvalidDuration: delay of step 'wait' (workflows/remind.yaml:7): -1 is negative`);
    expect(timers(state.actions)).toEqual([]);
  });

  it("names a forEach's timeout and its line", async () => {
    const run = harness.start('backoff', { limit: 'soon' });
    const state = await run.runToCompletion();
    expect(run.failed).toBe(true);
    expect(state.error).toContain(`InvalidDuration: timeout of step 'each' (workflows/backoff.yaml:14): "soon" is not a duration: write 500ms`);
  });
});

describe('retry, attempt timeout and timeout from data', () => {
  it('backs off by the intervals from input (capped by maxInterval) and stops at the timeout from input', async () => {
    const run = harness.start('calls', { interval: '10s', maxInterval: 15_000, attemptTimeout: '1m', timeout: 'PT1H' });
    const state = await run.runToCompletion();
    expect(run.failed).toBe(true);
    expect(state.error).toContain('Flaky');
    expect(run.executed.filter((e) => e.name === 'Flaky')).toHaveLength(4);
    const fired = timers(state.actions);
    // Each attempt races its own 1 min limit (the 1 h step deadline is later); back-offs of
    // 10 s, 15 s (20 s capped), 15 s, each racing the 1 h deadline.
    expect(fired).toEqual([
      ...['00:01:00', '00:00:10', '01:00:00'], // attempt 1's limit, the back-off, the deadline it races
      ...['00:01:10', '00:00:25', '01:00:00'],
      ...['00:01:25', '00:00:40', '01:00:00'],
      '00:01:40', // attempt 4's limit; it fails, the last attempt
    ].map((t) => `2026-01-01T${t}.000Z`));
    expect(await run.replayCheck()).toEqual([]);
  });

  it('fails with InvalidDuration naming the retry key and the step', async () => {
    const run = harness.start('calls', { interval: '10 s', maxInterval: 15_000, attemptTimeout: '1m', timeout: 'PT1H' });
    const state = await run.runToCompletion();
    expect(run.failed).toBe(true);
    expect(state.error).toContain(`InvalidDuration: retry.interval of step 'call' (workflows/calls.yaml:9): "10 s" is not a duration`);
    expect(run.executed).toEqual([]);
  });
});

describe('event timeout from data', () => {
  it.each([
    ['milliseconds', 120_000],
    ['a duration string', '2m'],
  ])('times out after %s from input', async (_, within) => {
    const run = harness.start('wait', { within });
    const state = await run.runToCompletion();
    expect(state.error).toBeUndefined();
    expect(timers(state.actions)).toEqual(['2026-01-01T00:02:00.000Z']);
    expect(state.output).toEqual({ answer: null, at: '2026-01-01T00:02:00.000Z' });
    expect(await run.replayCheck()).toEqual([]);
  });
});

describe("a repeat's interval from data", () => {
  it('computes the interval before each iteration from loop.index (10 s, 20 s, 30 s)', async () => {
    const run = harness.start('backoff', { limit: '1h' });
    const state = await run.runToCompletion();
    expect(state.error).toBeUndefined();
    expect(run.executed.filter((e) => e.name === 'Record').map((e) => e.input)).toEqual([0, 1, 2, 3]);
    const fired = timers(state.actions);
    expect(fired.slice(0, 3)).toEqual(['2026-01-01T00:00:10.000Z', '2026-01-01T00:00:30.000Z', '2026-01-01T00:01:00.000Z']);
    expect(await run.replayCheck()).toEqual([]);
  });

  it('a forEach timeout from data is the deadline of every wait inside it', async () => {
    const run = harness.start('backoff', { limit: 1500 });
    const state = await run.runToCompletion();
    expect(run.failed).toBe(true);
    // The 1 s item finishes; the 2 s item's delay meets the 1.5 s deadline.
    expect(state.error).toContain("Timeout: forEach 'each' did not finish within 1500 ms");
  });

  it('a hoisted repeat (its body in a module-level function) reads its interval from input', async () => {
    const run = harness.start('longPoll', { every: '5s' });
    const state = await run.runToCompletion();
    expect(state.error).toBeUndefined();
    expect(state.output).toBe(2);
    expect(timers(state.actions)).toEqual(['2026-01-01T00:00:05.000Z', '2026-01-01T00:00:10.000Z']);
    expect(await run.replayCheck()).toEqual([]);
  });
});

describe('until', () => {
  it.each([
    ['ISO 8601 with Z', '2026-01-01T03:00:00Z'],
    ['ISO 8601 with an offset', '2026-01-01T04:00:00+01:00'],
    ['ISO 8601 without an offset (UTC, whatever the machine zone)', '2026-01-01T03:00:00'],
    ['epoch ms', Date.UTC(2026, 0, 1, 3)],
  ])('waits until %s', async (_, at) => {
    const run = harness.start('wakeUp', { at });
    const state = await run.runToCompletion();
    expect(state.error).toBeUndefined();
    expect(timers(state.actions)).toEqual(['2026-01-01T03:00:00.000Z']);
    expect(state.output).toBe('2026-01-01T03:00:00.000Z');
  });

  it.each([
    ['text Date.parse would read in the local zone', 'January 1, 2026 03:00', 'is not a date-time'],
    ['the 30th of February', '2026-02-30T00:00:00Z', 'is not a date-time'],
    ['a date past the year 9999', 8.64e15, 'is outside the years 0001 to 9999'],
    ['null', null, 'is not a date-time (a null)'],
  ])('fails with InvalidDate for %s', async (_, at, why) => {
    const run = harness.start('wakeUp', { at });
    const state = await run.runToCompletion();
    expect(run.failed).toBe(true);
    expect(state.error).toContain(`InvalidDate: until: ${JSON.stringify(at)} ${why}`);
    expect(timers(state.actions)).toEqual([]);
  });
});
