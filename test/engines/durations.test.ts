/**
 * Durations and dates from data on both engines, in a small compiled app: a delay, an event
 * timeout and a repeat's interval from the input, `until` at epoch ms computed with the date
 * helpers, and an invalid duration failing with InvalidDuration. The real Durable Task extension
 * must set each timer where the data says (read back from the instance's history) and fail with
 * the same error as the embedded host. Clock readings differ between the engines, so what is
 * compared is how each timer relates to them. (The extension on Azurite may deliver a timer before
 * its time: `now` in the episode a timer wakes can be earlier than its FireAt; docs/language.md.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../bench/app';
import { call, untilStatus } from '../host/http-helpers';
import { ENGINES, startEngine, type Engine, type EngineName } from './engines';

const repo = path.resolve(__dirname, '../..');

const ACTIVITIES = `
export async function Tick(n: unknown): Promise<unknown> {
  return n;
}
`;

const WORKFLOWS: Record<string, string> = {
  remind: [
    'dsl: 1',
    'steps:',
    '  - set: { startedAt: "${ now }", dueAt: "${ addDuration(now, input.wait) }" }',
    '  - delay: ${ input.wait }',
    '  - set: { firedAt: "${ now }" }',
    '  - id: answer',
    '    waitForEvent: Never',
    '    timeout: ${ input.within }',
    '    onTimeout: continue',
    '  - set: { answeredBy: "${ now }" }',
    '  - until: ${ toEpochMs(addDuration(now, 1000)) }',
    '  - id: polls',
    '    repeat:',
    '      interval: ${ input.every }',
    '      maxIterations: 3',
    '      onMaxIterations: continue',
    '      steps:',
    '        - activity: Tick',
    '          input: ${ loop.index }',
    'output:',
    '  answer: ${ steps.answer.output }',
    '  polls: ${ steps.polls.output }',
    '  startedAt: ${ vars.startedAt }',
    '  dueAt: ${ vars.dueAt }',
    '  firedAt: ${ vars.firedAt }',
    '  answeredBy: ${ vars.answeredBy }',
    '  dueInMs: ${ toEpochMs(vars.dueAt) - toEpochMs(vars.startedAt) }',
    '',
  ].join('\n'),
  echo: [
    'dsl: 1',
    'steps:',
    '  - id: tick',
    '    activity: Tick',
    '    input: ${ input }',
    'output:',
    '  direct: ${ input }',
    '  viaActivity: ${ steps.tick.output }',
    '',
  ].join('\n'),
  stamped: [
    'dsl: 1',
    'steps:',
    '  - status: ${ input }',
    '  - fail: { error: Stopped, message: stopped on purpose }',
    '',
  ].join('\n'),
};

WORKFLOWS.stampedCall = [
  'dsl: 1',
  'steps:',
  '  - parallel:',
  '      - steps:',
  '          - activity: Tick',
  '            input: ${ input }',
  '      - steps:',
  '          - fail: { error: Stopped, message: stopped on purpose }',
  '',
].join('\n');

/** Strings Newtonsoft may read as dates, and near misses it must leave alone. */
const DATE_LIKE = {
  trailingZero: '2026-12-07T14:47:11.990Z',
  wholeSecond: '2026-12-07T14:47:11.000Z',
  noFraction: '2026-12-07T14:47:11Z',
  lowerZ: '2026-12-07T14:47:11.5z',
  east: '2026-12-07T14:47:11+02:00',
  west: '2026-12-07T14:47:11.250-05:30',
  eastNoColon: '2026-12-07T14:47:11+0200',
  noZone: '2026-12-07T14:47:11.120',
  sevenDigits: '2026-12-07T14:47:11.1234560Z',
  eightDigits: '2026-12-07T14:47:11.12345678Z',
  midnight24: '2026-12-07T24:00:00Z',
  badDay: '2026-02-30T10:00:00Z',
  yearZero: '0000-01-01T00:00:00Z',
  noSeconds: '2026-12-07T14:47Z',
  leadingSpace: ' 2026-12-07T14:47:11Z',
  msEpoch: '/Date(0)/',
  msOffset: '/Date(1700000000000+0200)/',
  msBad: '/Date(abc)/',
  notLeap: '2025-02-29T10:00:00Z',
  leapMax: '2024-02-29T23:59:59.9999999Z',
  after24: '2026-12-07T24:00:01Z',
  emptyFraction: '2026-12-07T14:47:11.Z',
  trailingJunk: '2026-12-07T14:47:11Zx',
  spaceForT: '2026-12-07 14:47:11Z',
  year99: '0099-03-01T00:00:00Z',
  nested: { list: ['2026-12-07T00:00:00.100Z', 'plain', 3], deep: { at: '2026-01-01T00:00:00.000Z' } },
};

let app: string;
const engines = new Map<EngineName, Engine>();

beforeAll(async () => {
  app = buildApp(repo, WORKFLOWS, ACTIVITIES, 'df-engines-durations-');
  const file = path.join(app, 'host.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  json.extensions.durableTask.storageProvider = { maxQueuePollingInterval: '00:00:01' };
  fs.writeFileSync(file, JSON.stringify(json, null, 2));
  for (const name of ENGINES) engines.set(name, await startEngine(name, app));
}, 240_000);
afterAll(async () => {
  for (const e of engines.values()) await e.close();
  if (app) fs.rmSync(app, { recursive: true, force: true });
});

async function finish(engine: Engine, workflow: string, input: unknown): Promise<Record<string, any>> {
  const started = await call('POST', `${engine.url}/api/workflows/${workflow}`, input);
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  return (await untilStatus(started.body.statusQueryGetUri, ['Completed', 'Failed'], 180_000)).body;
}

/** The fire times of the timers an instance created, in order (the Durable API's history). */
async function timers(engine: Engine, id: string): Promise<string[]> {
  const got = await call('GET', `${engine.url}/runtime/webhooks/durabletask/instances/${id}?showHistory=true`);
  expect(got.status).toBe(200);
  return (got.body.historyEvents as Array<{ EventType: string; FireAt?: string }>).filter((e) => e.EventType === 'TimerCreated').map((e) => new Date(e.FireAt!).toISOString());
}

const plus = (iso: string, ms: number): string => new Date(Date.parse(iso) + ms).toISOString();

describe('durations and dates from data on both engines', () => {
  it('a delay, an event timeout and an interval from input, until at epoch ms from a date helper: each timer where the data says', async () => {
    const out: Record<string, unknown> = {};
    for (const [name, engine] of engines) {
      const done = await finish(engine, 'remind', { wait: '2s', within: 1500, every: 'PT1S' });
      const o = done.output;
      const fired = await timers(engine, done.instanceId);
      out[name] = {
        runtimeStatus: done.runtimeStatus,
        answer: o.answer,
        polls: o.polls,
        dueInMs: o.dueInMs,
        timers: fired.length,
        // The delay's timer fires at the instant addDuration computed from the same input.
        delayAtDueAt: fired[0] === o.dueAt,
        // The event's timeout (milliseconds from input) counts from the time the wait started.
        eventTimeoutFromData: fired[1] === plus(o.firedAt, 1500),
        // until at epoch ms: the instant toEpochMs(addDuration(now, 1000)) names.
        untilAtEpochMs: fired[2] === plus(o.answeredBy, 1000),
      };
    }
    expect(out.embedded).toEqual(out.extension);
    expect(out.extension).toEqual({
      runtimeStatus: 'Completed',
      answer: null,
      polls: 2,
      dueInMs: 2000,
      // delay, event timeout, until, and two intervals of the repeat.
      timers: 5,
      delayAtDueAt: true,
      eventTimeoutFromData: true,
      untilAtEpochMs: true,
    });
  }, 240_000);

  it('date-like strings in input, output and an activity\'s input and result arrive byte for byte, as the Functions host leaves them', async () => {
    // The Functions host parses a worker's JSON with DateParseHandling.None; Newtonsoft's default
    // would rewrite these (.990Z -> .99Z, .000Z -> Z, +02:00 -> the machine's offset).
    const dates = {
      trailingZero: '2026-12-07T14:47:11.990Z',
      wholeSecond: '2026-12-07T14:47:11.000Z',
      offset: '2026-12-07T14:47:11+02:00',
      sevenDigits: '2026-12-07T14:47:11.1234560Z',
      list: ['2026-12-07T00:00:00Z', '2026-12-07T00:00:00.100Z'],
    };
    for (const [name, engine] of engines) {
      const done = await finish(engine, 'echo', dates);
      expect({ engine: name, status: done.runtimeStatus, output: done.output, input: done.input }).toEqual({
        engine: name,
        status: 'Completed',
        output: { direct: dates, viaActivity: dates },
        input: dates,
      });
    }
  }, 240_000);

  it('a failed instance\'s custom status has its date-like strings as Newtonsoft writes them, as on Azure', async () => {
    // The extension reads a failed orchestrator's state out of the error text with JObject.Parse
    // (TaskOrchestrationShim.ParseOOProcResult): Newtonsoft's default date handling applies there.
    const out: Record<string, unknown> = {};
    for (const [name, engine] of engines) {
      const done = await finish(engine, 'stamped', DATE_LIKE);
      expect(done.runtimeStatus).toBe('Failed');
      out[name] = done.customStatus?.status;
    }
    expect(out.embedded).toEqual(out.extension);
    // Not the same strings as sent: Newtonsoft rewrote them (these two as examples).
    expect((out.extension as typeof DATE_LIKE).trailingZero).toBe('2026-12-07T14:47:11.99Z');
    expect((out.extension as typeof DATE_LIKE).east).toBe('2026-12-07T12:47:11+00:00');
  }, 240_000);

  it('a parallel whose branch fails in the pass that starts the others fails at once, with nothing left running (it once stayed Running forever)', async () => {
    // The first branch's activity was created but never yielded, so never scheduled: there is
    // no late outcome to wait for (runtime/late.ts).
    const out: Record<string, unknown> = {};
    for (const [name, engine] of engines) {
      const done = await finish(engine, 'stampedCall', { at: '2026-12-07T14:47:11.990Z' });
      const got = await call('GET', `${engine.url}/runtime/webhooks/durabletask/instances/${done.instanceId}?showHistory=true`);
      out[name] = {
        status: done.runtimeStatus,
        output: done.output,
        late: done.customStatus?.late ?? null,
        calls: (got.body.historyEvents as Array<{ EventType: string }>).filter((e) => e.EventType.startsWith('Task')).length,
      };
    }
    expect(out.embedded).toEqual(out.extension);
    expect(out.extension).toEqual({ status: 'Failed', output: "Orchestrator function 'stampedCall' failed: Stopped: stopped on purpose", late: null, calls: 0 });
  }, 240_000);

  it('an invalid duration from input fails with InvalidDuration, naming the value and the step, on both', async () => {
    const out: Record<string, unknown> = {};
    for (const [name, engine] of engines) {
      const done = await finish(engine, 'remind', { wait: '2s', within: '1.5s', every: 'PT1S' });
      out[name] = { runtimeStatus: done.runtimeStatus, output: done.output };
    }
    expect(out.embedded).toEqual(out.extension);
    expect(out.extension).toEqual({
      runtimeStatus: 'Failed',
      output: `Orchestrator function 'remind' failed: InvalidDuration: timeout of step 'answer' (workflows/remind.yaml:8): "1.5s" is not a duration: write 500ms, 30s, 5m, 2h, 7d, ISO 8601 like PT5M, or a number of milliseconds`,
    });
  }, 240_000);
});
