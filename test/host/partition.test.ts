/**
 * Partitioned forEach on the real host: a long list runs in slice sub-orchestrations (compiled
 * from YAML by the real compiler, built by tsc, served over loopback), with the same results as
 * one orchestration, maxParallel held across all slices at once, item errors kept faithful, and
 * slices hidden from the workflow's own instance listing.
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
let inFlight = 0;
let maxSeen = 0;
export async function Prep(): Promise<string> {
  return 'tag-1';
}
export async function Track(input: { item: number; index: number; tag: string; who: string }): Promise<unknown> {
  inFlight++;
  maxSeen = Math.max(maxSeen, inFlight);
  await new Promise((r) => setTimeout(r, 2 + (input.item % 4) * 3));
  inFlight--;
  if (input.item === 12 || input.item === 33) throw Object.assign(new Error('bad ' + input.item), { name: 'BadItem' });
  return { ...input, maxSeen };
}
`;

const body = (extra: string): string =>
  [
    'dsl: 1',
    'steps:',
    '  - id: prep',
    '    activity: Prep',
    '  - id: all',
    '    forEach: ${ input.items }',
    '    maxParallel: 4',
    extra,
    '    activity: Track',
    '    input: { item: "${ item }", index: "${ index }", tag: "${ steps.prep.output }", who: "${ instanceId }" }',
    'output: ${ steps.all.output }',
    '',
  ].join('\n');

const WORKFLOWS = {
  sliced: body('    partitionSize: 7\n    onItemError: continue'),
  whole: body('    partitionSize: 0\n    onItemError: continue'),
  slicedFail: [
    'dsl: 1',
    'steps:',
    '  - try:',
    '      - forEach: ${ input.items }',
    '        maxParallel: 3',
    '        partitionSize: 5',
    '        activity: Track',
    '        input: { item: "${ item }", index: "${ index }", tag: x, who: y }',
    '    catch:',
    '      as: err',
    '      steps:',
    '        - set:',
    '            caught: ${ err }',
    'output: ${ vars.caught }',
    '',
  ].join('\n'),
};

let app: string;
let dir: string;
let host: Host;

beforeAll(async () => {
  app = buildApp(repo, WORKFLOWS, ACTIVITIES, 'df-partition-app-');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-partition-'));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ main: path.join(app, 'dist/generated/index.js') }));
  fs.writeFileSync(path.join(dir, 'host.json'), JSON.stringify({ version: '2.0', extensions: { durableTask: { maxConcurrentActivityFunctions: 20, versionMatchStrategy: 'None' } } }));
  host = await createHost({ appDir: dir, db: path.join(dir, 'p.db'), port: 0, quiet: true });
}, 120_000);

afterAll(async () => {
  await host?.close();
  for (const d of [dir, app]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

async function runToEnd(workflow: string, input: unknown): Promise<{ id: string; body: any }> {
  const started = await call('POST', `${host.url}/api/workflows/${workflow}`, input);
  expect(started.status).toBe(202);
  const done = await untilStatus(started.body.statusQueryGetUri, ['Completed', 'Failed'], 60_000);
  return { id: started.body.id, body: done.body };
}

const items = Array.from({ length: 45 }, (_, i) => i);

describe('a forEach longer than its partitionSize', () => {
  it('gives the same results as one orchestration, in order, with global indexes and the workflow scope', async () => {
    const sliced = await runToEnd('sliced', { items });
    const whole = await runToEnd('whole', { items });
    expect(sliced.body.runtimeStatus).toBe('Completed');
    const strip = (out: any[], id: string) => out.map((r) => (r.error ? r : { ...r, maxSeen: undefined, who: r.who === id ? 'self' : r.who }));
    expect(strip(sliced.body.output, sliced.id)).toEqual(strip(whole.body.output, whole.id));
    const expected = items.map((i) =>
      i === 12 || i === 33 ? { error: { name: 'BadItem', message: `bad ${i}` } } : { item: i, index: i, tag: 'tag-1', who: 'self', maxSeen: undefined },
    );
    expect(strip(sliced.body.output, sliced.id)).toEqual(expected);
    expect(sliced.body.customStatus.progress.all).toEqual({ done: 45, failed: 2, total: 45 });
  });

  it('never has more than maxParallel items in flight across all slices', async () => {
    const { body } = await runToEnd('sliced', { items });
    const seen = body.output.filter((r: any) => !r.error).map((r: any) => r.maxSeen);
    expect(Math.max(...seen)).toBeLessThanOrEqual(4);
    // and the slices really ran side by side (ceil(45 / 7) = 7 slices share the cap of 4 as 2 slots of 2)
    expect(Math.max(...seen)).toBeGreaterThan(1);
  });

  it('runs ceil(n / size) slice orchestrations, which the workflow listing leaves out', async () => {
    const { id } = await runToEnd('sliced', { items });
    const all = await call('GET', `${host.url}/runtime/webhooks/durabletask/instances?top=1000&showInput=true`);
    const slices = all.body.filter((s: any) => s.name === 'sliced-partition' && String(s.instanceId).length > 0 && s.input?.instanceId === id);
    expect(slices).toHaveLength(Math.ceil(45 / 7));
    expect(slices.every((s: any) => s.runtimeStatus === 'Completed')).toBe(true);
    const listed = await call('GET', `${host.url}/api/workflows/sliced/instances`);
    expect(listed.status).toBe(200);
    const names = new Set((listed.body.instances ?? listed.body).map((s: any) => s.workflow ?? s.name));
    expect([...names]).toEqual(['sliced']);
  });

  it('fails the step with the failing item error itself when onItemError is fail', async () => {
    const { body } = await runToEnd('slicedFail', { items: items.slice(0, 20) });
    expect(body.runtimeStatus).toBe('Completed');
    expect(body.output).toEqual({ name: 'BadItem', message: 'bad 12' });
  });
});
