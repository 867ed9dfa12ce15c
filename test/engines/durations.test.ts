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
