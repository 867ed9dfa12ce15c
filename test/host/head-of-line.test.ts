/**
 * The head-of-line repro of issue 22 on the embedded host, in real time: three branches (a long
 * activity, a short one, and a delay followed by an activity), as parallel branches and as capped
 * forEach items. The third one's activity must be scheduled as soon as its delay fires, not when
 * the long activity ends. Checked on the recorded history's timestamps (TimerFired, then the next
 * TaskScheduled), not on the test's own clock. The durations are 8 s / 200 ms / 1 s; these
 * keep their order at 3 s / 100 ms / 400 ms.
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
export async function Sleep(input: { index: number; ms: number }): Promise<number> {
  await new Promise((r) => setTimeout(r, input.ms));
  return input.index;
}
`;

const WORKFLOWS = {
  branches: [
    'dsl: 1',
    'steps:',
    '  - id: all',
    '    parallel:',
    '      - steps:',
    '          - activity: Sleep',
    '            input: { index: 0, ms: 3000 }',
    '      - steps:',
    '          - activity: Sleep',
    '            input: { index: 1, ms: 100 }',
    '      - steps:',
    '          - delay: 400ms',
    '          - activity: Sleep',
    '            input: { index: 2, ms: 0 }',
    'output: ${ steps.all.output }',
    '',
  ].join('\n'),
  // A timer due when its episode ends (a zero delay): the host fires it in that episode's own commit.
  dueNow: ['dsl: 1', 'steps:', '  - delay: 0s', '  - activity: Sleep', '    input: { index: 7, ms: 0 }', ''].join('\n'),
  items: [
    'dsl: 1',
    'steps:',
    '  - id: all',
    '    forEach: ${ [3000, 100, -1] }',
    '    as: ms',
    '    maxParallel: 3',
    '    steps:',
    '      - if: ${ ms < 0 }',
    '        delay: 400ms',
    '      - activity: Sleep',
    '        input: { index: "${ index }", ms: "${ ms < 0 ? 0 : ms }" }',
    'output: ${ steps.all.output }',
    '',
  ].join('\n'),
};

let app: string;
let dir: string;
let host: Host;

beforeAll(async () => {
  app = buildApp(repo, WORKFLOWS, ACTIVITIES, 'df-hol-app-');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-hol-'));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ main: path.join(app, 'dist/generated/index.js') }));
  fs.writeFileSync(path.join(dir, 'host.json'), JSON.stringify({ version: '2.0', extensions: { durableTask: { maxConcurrentActivityFunctions: 10, versionMatchStrategy: 'None' } } }));
  host = await createHost({ appDir: dir, db: path.join(dir, 'h.db'), port: 0, quiet: true });
}, 120_000);

afterAll(async () => {
  await host?.close();
  for (const d of [dir, app]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

interface Event {
  EventType: number;
  EventId: number;
  Timestamp: string;
  Name?: string;
  Input?: string;
  FireAt?: string;
  TimerId?: number;
}

/** Milliseconds from the delay's TimerFired to the TaskScheduled of the activity after it (index 2). */
async function gapAfterDelay(workflow: string): Promise<{ gap: number; events: Event[] }> {
  const started = await call('POST', `${host.url}/api/workflows/${workflow}`, {});
  expect(started.status).toBe(202);
  const done = await untilStatus(started.body.statusQueryGetUri, ['Completed', 'Failed'], 30_000);
  expect(done.body.runtimeStatus).toBe('Completed');
  expect(done.body.output).toEqual([0, 1, 2]);
  const events = host.store.history(started.body.id) as unknown as Event[];
  const t0 = Date.parse(events[0].Timestamp);
  // The delay's timer: created in the first episode, due 400 ms after the start.
  const delay = events.find((e) => e.EventType === 10 && Date.parse(e.FireAt!) - t0 >= 350 && Date.parse(e.FireAt!) - t0 <= 450);
  expect(delay, 'the 400 ms delay timer').toBeDefined();
  const fired = events.find((e) => e.EventType === 11 && e.TimerId === delay!.EventId)!;
  const third = events.find((e) => e.EventType === 4 && e.Name === 'Sleep' && JSON.parse(e.Input!).index === 2)!;
  return { gap: Date.parse(third.Timestamp) - Date.parse(fired.Timestamp), events };
}

describe('a branch is not held up by a longer one (issue 22, head-of-line)', () => {
  it('parallel: the third branch schedules its activity within 100 ms of its delay firing, while the 3 s branch still runs', async () => {
    const { gap, events } = await gapAfterDelay('branches');
    expect(gap).toBeGreaterThanOrEqual(0);
    expect(gap).toBeLessThan(100);
    // and the long activity was still running then: it completed later
    const third = events.find((e) => e.EventType === 4 && e.Name === 'Sleep' && JSON.parse(e.Input!).index === 2)!;
    const long = events.find((e) => e.EventType === 4 && e.Name === 'Sleep' && JSON.parse(e.Input!).index === 0)!;
    const longDone = events.find((e) => e.EventType === 5 && (e as { TaskScheduledId?: number }).TaskScheduledId === long.EventId)!;
    expect(Date.parse(longDone.Timestamp)).toBeGreaterThan(Date.parse(third.Timestamp));
  }, 30_000);

  it('capped forEach: the third item schedules its activity within 100 ms of its delay firing', async () => {
    const { gap } = await gapAfterDelay('items');
    expect(gap).toBeGreaterThanOrEqual(0);
    expect(gap).toBeLessThan(100);
  }, 30_000);
});

describe('a timer already due when its episode ends', () => {
  it("fires in that episode's own commit (no timer row, no wait for the timer loop)", async () => {
    const store = host.store as unknown as { addTimer: (row: { fireAt: string }) => void };
    const addTimer = store.addTimer;
    const rows: string[] = [];
    store.addTimer = function (this: unknown, row: { fireAt: string }) {
      rows.push(row.fireAt);
      return addTimer.call(this, row);
    };
    try {
      const r = await call('POST', `${host.url}/api/workflows/dueNow`, {});
      const done = await untilStatus(r.body.statusQueryGetUri, ['Completed'], 30_000);
      expect(done.body.runtimeStatus).toBe('Completed');
      const events = host.store.history(r.body.id) as unknown as Event[];
      const created = events.filter((e) => e.EventType === 10);
      expect(created).toHaveLength(1);
      expect(Date.parse(created[0].FireAt!)).toBeLessThanOrEqual(Date.parse(created[0].Timestamp));
      expect(events.some((e) => e.EventType === 11 && e.TimerId === created[0].EventId)).toBe(true);
      expect(rows).toEqual([]);
    } finally {
      store.addTimer = addTimer;
    }
  }, 30_000);
});
