/**
 * The seed fan-out on the embedded host, checked by its history rather than a stopwatch (npm run
 * bench measures time): 100 tasks with maxParallel 10 never have more than 10 in flight, run
 * once each, and keep the window full: it refills to 10 again and again, not once. (That it
 * refills every free slot at each wake, under every completion order, is checked where the
 * orchestrator's side can be seen: test/replay/window.test.ts.)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost, type Host } from '../../host/main';
import { call, untilStatus } from './http-helpers';

const root = path.resolve(__dirname, '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-sanity-'));
let host: Host;

beforeAll(async () => {
  host = await createHost({ appDir: root, db: path.join(dir, 's.db'), port: 0, quiet: true });
});
afterAll(async () => {
  await host?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the seed fan-out on the embedded host', () => {
  it('keeps ten of 100 tasks in flight: never more, and refilled after every batch of completions', async () => {
    const r = await call('POST', `${host.url}/api/workflows/fanOut`, { taskCount: 100, taskMs: 150 });
    const done = await untilStatus(r.body.statusQueryGetUri, ['Completed'], 90_000);
    expect(done.body.output).toEqual({ count: 100, first: 0, last: 99 });

    const events = host.store.history(done.body.instanceId) as Array<{ EventType: number; Name?: string; EventId: number }>;
    let inFlight = 0;
    let maxInFlight = 0;
    let completed = 0;
    let fullAgain = 0; // episodes that end with the window full again after some slots had freed
    let freed = false;
    const scheduled = new Set<number>();
    for (const e of events) {
      if (e.EventType === 13) {
        if (freed && inFlight === Math.min(10, 100 - completed)) fullAgain++, (freed = false);
      }
      if (e.EventType === 4 && e.Name === 'Sleep') {
        expect(scheduled.has(e.EventId)).toBe(false);
        scheduled.add(e.EventId);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
      }
      if (e.EventType === 5) {
        completed++;
        inFlight--;
        freed = true;
      }
    }
    expect(scheduled.size).toBe(100);
    expect(completed).toBe(100);
    expect(maxInFlight).toBe(10);
    // 100 tasks of 150 ms at 10 at a time: the window must have refilled to 10 many times over.
    expect(fullAgain).toBeGreaterThanOrEqual(5);
  }, 120_000);

  it('starts items beside running ones with gate timers: created cancelled a day ahead, never fired, gone once the instance completes', async () => {
    const r = await call('POST', `${host.url}/api/workflows/fanOut`, { taskCount: 30, taskMs: 20 });
    const done = await untilStatus(r.body.statusQueryGetUri, ['Completed'], 60_000);
    expect(done.body.output).toEqual({ count: 30, first: 0, last: 29 });
    const events = host.store.history(done.body.instanceId) as Array<{ EventType: number; EventId: number; FireAt?: string; Timestamp: string }>;
    const created = events.filter((e) => e.EventType === 10);
    // The window started items while older ones ran, each time with a gate (runtime/window.ts)...
    expect(created.length).toBeGreaterThan(0);
    for (const t of created) expect(Date.parse(t.FireAt!) - Date.parse(t.Timestamp)).toBe(24 * 3600_000);
    // ...which held nothing up: none fired, and the instance did not wait for them...
    expect(events.filter((e) => e.EventType === 11)).toEqual([]);
    // ...and none is left in the timer table.
    expect(host.store.nextTimerOf([done.body.instanceId])).toBeUndefined();
  }, 90_000);
});
