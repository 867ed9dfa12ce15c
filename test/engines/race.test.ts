/**
 * The first of several events and deadlines on `try` and `repeat`, on both engines, in a small
 * compiled app: `waitForEvent: [Approve, Reject]` answers `{ name, data }` of the event that came
 * and leaves the other wait open (a later wait for that name, standing when the event comes, gets
 * it); a `try` with a `timeout` cuts its waits short at one deadline and its catch sees
 * `Timeout`; a `repeat` with a `timeout` races its interval with it. Both engines must give the
 * same output; the expected values are what the workflows promise.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../bench/app';
import { call, until, untilStatus } from '../host/http-helpers';
import { ENGINES, startEngine, summary, type Engine, type EngineName } from './engines';

const repo = path.resolve(__dirname, '../..');

const ACTIVITIES = `
export async function Tick(n: unknown): Promise<unknown> {
  return n;
}
export async function Pause(ms: number): Promise<null> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return null;
}
`;

const WORKFLOWS: Record<string, string> = {
  decide: [
    'dsl: 1',
    'steps:',
    '  - id: decision',
    '    waitForEvent: [Approve, Reject]',
    '    timeout: 1h',
    '  - status: waiting again',
    '  - id: later',
    '    waitForEvent: Reject',
    '    timeout: 1h',
    'output: { decision: "${ steps.decision.output }", later: "${ steps.later.output }" }',
    '',
  ].join('\n'),
  decideLate: [
    'dsl: 1',
    'steps:',
    '  - id: decision',
    '    waitForEvent: [Approve, Reject]',
    '    timeout: 1h',
    '  - status: pausing',
    '  - activity: Pause',
    '    input: 4000',
    '  - id: later',
    '    waitForEvent: Reject',
    '    timeout: 5s',
    '    onTimeout: continue',
    'output: { decision: "${ steps.decision.output }", later: "${ steps.later.output }" }',
    '',
  ].join('\n'),
  decideBuffered: [
    'dsl: 1',
    'steps:',
    '  - status: pausing',
    '  - activity: Pause',
    '    input: 4000',
    '  - id: decision',
    '    waitForEvent: [Approve, Reject]',
    '    timeout: 1h',
    'output: ${ steps.decision.output }',
    '',
  ].join('\n'),
  deadlines: [
    'dsl: 1',
    'steps:',
    '  - id: guarded',
    '    try:',
    '      - activity: Tick',
    '        input: 1',
    '      - delay: 30s',
    '      - activity: Tick',
    '        input: never',
    '    timeout: 3s',
    '    catch:',
    '      as: err',
    '      steps:',
    '        - activity: Tick',
    '          input: ${ [err.name, err.message] }',
    '  - id: polled',
    '    try:',
    '      - repeat:',
    '          steps:',
    '            - activity: Tick',
    '              input: ${ loop.index }',
    '          interval: 30s',
    '          maxIterations: 10',
    '        timeout: 2s',
    '    catch:',
    '      as: err',
    '      steps:',
    '        - activity: Tick',
    '          input: ${ err.message }',
    'output: { guarded: "${ steps.guarded.output }", polled: "${ steps.polled.output }" }',
    '',
  ].join('\n'),
};

let app: string;
const engines = new Map<EngineName, Engine>();

beforeAll(async () => {
  app = buildApp(repo, WORKFLOWS, ACTIVITIES, 'df-engines-race-');
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

async function start(engine: Engine, workflow: string, input: unknown): Promise<Record<string, string>> {
  const started = await call('POST', `${engine.url}/api/workflows/${workflow}`, input);
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  return started.body;
}

async function raise(links: Record<string, string>, name: string, data: unknown): Promise<void> {
  const raised = await call('POST', links.sendEventPostUri.replace('{eventName}', name), data);
  expect(raised.status, `event ${name}`).toBe(202);
}

describe('the first of several events, and deadlines on try and repeat, on both engines', () => {
  it('answers { name, data } of the first event; a later wait for the other name, standing when it comes, gets it', async () => {
    const out: Record<string, unknown> = {};
    for (const [name, engine] of engines) {
      const links = await start(engine, 'decide', null);
      await raise(links, 'Approve', { by: 'dana' });
      // The later wait stands once the status says so (published by the episode that made it).
      await until(async () => {
        const s = await call('GET', links.statusQueryGetUri);
        return (s.body.customStatus as { status?: unknown } | null)?.status === 'waiting again' ? true : undefined;
      }, `${name}: the later wait`, 60_000);
      await raise(links, 'Reject', { late: true });
      const done = await untilStatus(links.statusQueryGetUri, ['Completed', 'Failed'], 120_000);
      out[name] = summary(done.body).output;
    }
    expect(out.embedded).toEqual(out.extension);
    expect(out.extension).toEqual({ decision: { name: 'Approve', data: { by: 'dana' } }, later: { late: true } });
  }, 300_000);

  it("gives an event raised while no later wait stands to the race's ended wait for it, on the extension too", async () => {
    const out: Record<string, unknown> = {};
    for (const [name, engine] of engines) {
      const links = await start(engine, 'decideLate', null);
      await raise(links, 'Approve', 1);
      await until(async () => {
        const s = await call('GET', links.statusQueryGetUri);
        return (s.body.customStatus as { status?: unknown } | null)?.status === 'pausing' ? true : undefined;
      }, `${name}: the pause`, 60_000);
      // Raised while Pause runs: only the race's ended wait for Reject stands.
      await raise(links, 'Reject', 2);
      const done = await untilStatus(links.statusQueryGetUri, ['Completed', 'Failed'], 120_000);
      out[name] = summary(done.body).output;
    }
    expect(out.embedded).toEqual(out.extension);
    expect(out.extension).toEqual({ decision: { name: 'Approve', data: 1 }, later: null });
  }, 300_000);

  it('takes the first listed of events raised before the wait started, whatever their order', async () => {
    const out: Record<string, unknown> = {};
    for (const [name, engine] of engines) {
      const links = await start(engine, 'decideBuffered', null);
      await until(async () => {
        const s = await call('GET', links.statusQueryGetUri);
        return (s.body.customStatus as { status?: unknown } | null)?.status === 'pausing' ? true : undefined;
      }, `${name}: the pause`, 60_000);
      await raise(links, 'Reject', { raised: 'first' });
      await raise(links, 'Approve', { raised: 'second' });
      const done = await untilStatus(links.statusQueryGetUri, ['Completed', 'Failed'], 120_000);
      out[name] = summary(done.body).output;
    }
    expect(out.embedded).toEqual(out.extension);
    expect(out.extension).toEqual({ name: 'Approve', data: { raised: 'second' } });
  }, 300_000);

  it('cuts the waits of a try and the interval of a repeat short at their deadlines; the catches see Timeout', async () => {
    const out: Record<string, unknown> = {};
    for (const [name, engine] of engines) {
      const links = await start(engine, 'deadlines', null);
      const done = await untilStatus(links.statusQueryGetUri, ['Completed', 'Failed'], 120_000);
      out[name] = summary(done.body);
    }
    expect(out.embedded).toEqual(out.extension);
    expect(out.extension).toMatchObject({
      runtimeStatus: 'Completed',
      output: {
        guarded: ['Timeout', "try 'guarded' did not finish within 3000 ms"],
        polled: "repeat 'repeat@18' did not finish within 2000 ms",
      },
    });
  }, 300_000);
});
