/**
 * `repeat` on the real embedded host (compiled from YAML by the real compiler, built by tsc, served
 * over loopback, history in SQLite): a loop longer than one history's bound goes on in a loop
 * orchestration that continues as new, with the same output a short loop would give, and its
 * errors reach the workflow by name. The example pollJob runs in test/host/e2e.test.ts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../bench/app';
import { createHost, type Host } from '../../host/main';
import { call, untilStatus } from './http-helpers';

const repo = path.resolve(__dirname, '../..');

const ACTIVITIES = `
export async function Tick(n: number): Promise<number> {
  return n;
}
`;

const WORKFLOWS = {
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
    '      maxIterations: ${MAX}',
    '      onMaxIterations: ${ON_MAX}',
    'output: { last: "${ steps.count.output }", sum: "${ vars.sum }", who: "${ instanceId }" }',
    '',
  ].join('\n'),
};

let app: string;
let dir: string;
let host: Host;

beforeAll(async () => {
  const workflows = {
    counter: WORKFLOWS.counter.replace('${MAX}', '1000').replace('${ON_MAX}', 'fail'),
    bounded: WORKFLOWS.counter.replace('${MAX}', '150').replace('${ON_MAX}', 'fail'),
    quiet: WORKFLOWS.counter.replace('${MAX}', '150').replace('${ON_MAX}', 'continue'),
  };
  app = buildApp(repo, workflows, ACTIVITIES, 'df-loops-app-');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-loops-'));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ main: path.join(app, 'dist/generated/index.js') }));
  fs.writeFileSync(path.join(dir, 'host.json'), JSON.stringify({ version: '2.0', extensions: { durableTask: { versionMatchStrategy: 'None' } } }));
  host = await createHost({ appDir: dir, db: path.join(dir, 'l.db'), port: 0, quiet: true });
}, 120_000);

afterAll(async () => {
  await host?.close();
  for (const d of [dir, app]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

async function runToEnd(workflow: string, input: unknown): Promise<{ id: string; body: any }> {
  const started = await call('POST', `${host.url}/api/workflows/${workflow}`, input);
  expect(started.status).toBe(202);
  const done = await untilStatus(started.body.statusQueryGetUri, ['Completed', 'Failed'], 90_000);
  return { id: started.body.id, body: done.body };
}

const hook = (p: string): string => `${host.url}/runtime/webhooks/durabletask/${p}`;

describe('a repeat past 100 iterations', () => {
  it('goes on in a loop orchestration that continues as new every 100 iterations, with the output and variables of one loop', async () => {
    const { id, body } = await runToEnd('counter', { stop: 230 });
    expect(body.runtimeStatus).toBe('Completed');
    // 0 + 1 + ... + 229, summed across three histories; instanceId inside is the workflow's.
    expect(body.output).toEqual({ last: 229, sum: (229 * 230) / 2, who: id });
    expect(body.customStatus.progress.count).toEqual({ done: 230, failed: 0, total: 1000 });
    // The workflow's own history: 100 Tick calls and one loop orchestration.
    const own = await call('GET', hook(`instances/${id}?showHistory=true`));
    const events = own.body.historyEvents as Array<{ EventType: string; FunctionName?: string }>;
    expect(events.filter((e) => e.EventType === 'TaskCompleted')).toHaveLength(100);
    expect(events.filter((e) => e.EventType === 'SubOrchestrationInstanceCompleted').map((e) => e.FunctionName)).toEqual(['counter-partition']);
    // The loop orchestration: its latest execution holds only the last 30 iterations.
    const all = await call('GET', hook('instances?top=1000&showInput=true'));
    const loops = all.body.filter((s: any) => s.name === 'counter-partition' && s.input?.instanceId === id);
    expect(loops).toHaveLength(1);
    expect(loops[0]).toMatchObject({ runtimeStatus: 'Completed', input: { loop: 'count', index: 200 } });
    const child = await call('GET', hook(`instances/${loops[0].instanceId}?showHistory=true`));
    expect(child.body.historyEvents.filter((e: { EventType: string }) => e.EventType === 'TaskCompleted')).toHaveLength(30);
  });

  it('a short run of the same loop stays in the workflow', async () => {
    const { id, body } = await runToEnd('counter', { stop: 20 });
    expect(body.output).toEqual({ last: 19, sum: 190, who: id });
    const all = await call('GET', hook('instances?top=1000&showInput=true'));
    expect(all.body.filter((s: any) => s.name === 'counter-partition' && s.input?.instanceId === id)).toEqual([]);
  });

  it('reaching maxIterations in the loop orchestration fails the workflow with MaxIterations, or ends quietly', async () => {
    const failed = await runToEnd('bounded', { stop: 10_000 });
    expect(failed.body.runtimeStatus).toBe('Failed');
    expect(failed.body.output).toContain("MaxIterations: repeat 'count' reached maxIterations (150)");
    const quiet = await runToEnd('quiet', { stop: 10_000 });
    expect(quiet.body.runtimeStatus).toBe('Completed');
    expect(quiet.body.output).toMatchObject({ last: 149, sum: (149 * 150) / 2 });
  });
});
