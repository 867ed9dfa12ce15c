/**
 * `repeat` and `break` on both engines, in a small compiled app: a poll with a durable interval
 * ended by `until`, a break out of a repeat and out of a sequential forEach, and a loop longer
 * than one history's bound, which goes on in a loop orchestration (a sub-orchestration of
 * `<workflow>-partition` that continues as new every 100 iterations) and answers its output, its
 * variables and, at the bound, `MaxIterations`. Both engines must give the same output; the
 * expected values are what the workflows promise.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../bench/app';
import { call, untilStatus } from '../host/http-helpers';
import { ENGINES, startEngine, summary, type Engine, type EngineName } from './engines';

const repo = path.resolve(__dirname, '../..');

const ACTIVITIES = `
export async function Tick(n: number): Promise<number> {
  return n;
}
`;

const WORKFLOWS: Record<string, string> = {
  poll: [
    'dsl: 1',
    'steps:',
    '  - id: poll',
    '    repeat:',
    '      steps:',
    '        - id: tick',
    '          activity: Tick',
    '          input: ${ loop.index }',
    '      until: ${ steps.tick.output >= 2 }',
    '      interval: 1s',
    '      maxIterations: 5',
    '  - id: pages',
    '    repeat:',
    '      maxIterations: 10',
    '      steps:',
    '        - id: page',
    '          activity: Tick',
    '          input: ${ (loop.last ?? 0) + 10 }',
    '        - if: ${ steps.page.output >= 30 }',
    '          break: true',
    '  - id: firstBig',
    '    forEach: [1, 5, 9, 2]',
    '    maxParallel: 1',
    '    steps:',
    '      - activity: Tick',
    '        input: ${ item }',
    '      - if: ${ item > 4 }',
    '        break: true',
    'output: { poll: "${ steps.poll.output }", pages: "${ steps.pages.output }", firstBig: "${ steps.firstBig.output }" }',
    '',
  ].join('\n'),
  counter: [
    'dsl: 1',
    'steps:',
    '  - set: { sum: 0 }',
    '  - id: count',
    '    repeat:',
    '      steps:',
    '        - set: { sum: "${ vars.sum + loop.index }" }',
    '        - id: tick',
    '          activity: Tick',
    '          input: ${ loop.index }',
    '      until: ${ steps.tick.output + 1 >= input.stop }',
    '      maxIterations: 300',
    'output: { last: "${ steps.count.output }", sum: "${ vars.sum }" }',
    '',
  ].join('\n'),
};

let app: string;
const engines = new Map<EngineName, Engine>();

beforeAll(async () => {
  app = buildApp(repo, WORKFLOWS, ACTIVITIES, 'df-engines-loops-');
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

async function finish(engine: Engine, workflow: string, input: unknown): Promise<{ id: string; status: Record<string, unknown> }> {
  const started = await call('POST', `${engine.url}/api/workflows/${workflow}`, input);
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  const done = await untilStatus(started.body.statusQueryGetUri, ['Completed', 'Failed'], 180_000);
  return { id: started.body.id, status: done.body };
}

/** The loop orchestrations a workflow instance started (the Durable API lists them with their input). */
async function loopsOf(engine: Engine, id: string): Promise<Array<Record<string, any>>> {
  const all = await call('GET', `${engine.url}/runtime/webhooks/durabletask/instances?top=1000&showInput=true`);
  expect(all.status).toBe(200);
  return all.body.filter((s: any) => s.name === 'counter-partition' && s.input?.instanceId === id);
}

describe('repeat and break on both engines', () => {
  it('polls with a durable interval until done, breaks out of a repeat and a sequential forEach', async () => {
    const out: Record<string, unknown> = {};
    for (const [name, engine] of engines) out[name] = summary((await finish(engine, 'poll', {})).status);
    expect(out.embedded).toEqual(out.extension);
    expect(out.extension).toMatchObject({
      runtimeStatus: 'Completed',
      // until after the third tick; pages 10, 20, 30 (break keeps the page); the forEach ends at 5.
      output: { poll: 2, pages: 30, firstBig: [1, 5] },
    });
  }, 240_000);

  it('goes on past 100 iterations in a loop orchestration that continues as new, and fails with MaxIterations at the bound', async () => {
    const out: Record<string, unknown> = {};
    for (const [name, engine] of engines) {
      const long = await finish(engine, 'counter', { stop: 230 });
      const [loop] = await loopsOf(engine, long.id);
      const bounded = await finish(engine, 'counter', { stop: 1000 });
      out[name] = {
        long: summary(long.status),
        loop: loop && { runtimeStatus: loop.runtimeStatus, index: loop.input.index },
        bounded: { runtimeStatus: bounded.status.runtimeStatus, output: bounded.status.output },
      };
    }
    expect(out.embedded).toEqual(out.extension);
    expect(out.extension).toMatchObject({
      long: { runtimeStatus: 'Completed', output: { last: 229, sum: (229 * 230) / 2 }, customStatus: { progress: { count: { done: 230, failed: 0, total: 300 } } } },
      // Its latest execution started at iteration 200: it continued as new once.
      loop: { runtimeStatus: 'Completed', index: 200 },
      bounded: { runtimeStatus: 'Failed', output: "Orchestrator function 'counter' failed: MaxIterations: repeat 'count' reached maxIterations (300) without ending: raise maxIterations, or set onMaxIterations: continue to go on with the last output" },
    });
  }, 600_000);
});
