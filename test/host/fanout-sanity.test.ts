/**
 * The seed fan-out on the embedded host, checked by its history rather than a stopwatch (npm run
 * bench measures time): 100 tasks with maxParallel 10 never have more than 10 in flight, run
 * once each, and the window refills every free slot whenever its start timer wakes it. (It cannot
 * see every completion the moment it is delivered: durable-functions resumes it at the first
 * completion of an episode and applies the rest after it has yielded again, which is why it
 * starts new work together with a timer due at once: runtime/window.ts.)
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

    // Walk the committed history episode by episode (each starts with OrchestratorStarted).
    const events = host.store.history(done.body.instanceId) as Array<{ EventType: number; Name?: string; TimerId?: number }>;
    let inFlight = 0;
    let maxInFlight = 0;
    let completed = 0;
    const scheduled = new Set<number>();
    const timerWakes: Array<{ inFlightAtWake: number; left: number }> = [];
    let wake: { completedBefore: number; completedAfter: number } | undefined;
    const closeEpisode = (): void => {
      // At the timer wake the window saw every completion delivered before the TimerFired.
      if (wake) timerWakes.push({ inFlightAtWake: inFlight + wake.completedAfter, left: 100 - wake.completedBefore });
      wake = undefined;
    };
    for (const e of events as Array<{ EventType: number; Name?: string; EventId: number }>) {
      if (e.EventType === 12) closeEpisode();
      if (e.EventType === 11) wake = { completedBefore: completed, completedAfter: 0 };
      if (e.EventType === 4 && e.Name === 'Sleep') {
        expect(scheduled.has(e.EventId)).toBe(false);
        scheduled.add(e.EventId);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
      }
      if (e.EventType === 5) {
        completed++;
        inFlight--;
        if (wake) wake.completedAfter++;
      }
    }
    closeEpisode();
    expect(scheduled.size).toBe(100);
    expect(completed).toBe(100);
    expect(maxInFlight).toBe(10);
    expect(timerWakes.length).toBeGreaterThan(5);
    expect(timerWakes.filter((w) => w.inFlightAtWake !== Math.min(10, w.left))).toEqual([]);
  }, 120_000);
});
