/**
 * The seed fan-out on the embedded host, checked by its history rather than a stopwatch (npm run
 * bench measures time): 100 tasks with maxParallel 10 never have more than 10 in flight, reach
 * 10, and every episode in which the window runs leaves it full again (min(10, items left))
 * unless it is waiting for the immediate settle timer that lets a batch of completions arrive
 * together. An episode that only delivers the completion of a task from an earlier batch does
 * not resume the window (it waits on the newest batch: see runtime/window.ts on durable-js#574);
 * that slot refills at the next wake.
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

    // Replay the committed history episode by episode (each starts with OrchestratorStarted).
    const events = host.store.history(done.body.instanceId) as Array<{ EventType: number; Name?: string }>;
    let inFlight = 0;
    let scheduled = 0;
    let completed = 0;
    let maxInFlight = 0;
    let settleTimerPending = false;
    let ran = false; // the window ran in this episode: it scheduled a task or a settle timer
    const episodeEnds: Array<{ inFlight: number; left: number; settleTimerPending: boolean; ran: boolean }> = [];
    for (const e of events) {
      if (e.EventType === 12 && scheduled > 0) episodeEnds.push({ inFlight, left: 100 - completed, settleTimerPending, ran });
      if (e.EventType === 12) settleTimerPending = ran = false;
      if ((e.EventType === 4 && e.Name === 'Sleep') || e.EventType === 10) ran = true;
      if (e.EventType === 4 && e.Name === 'Sleep') {
        scheduled++;
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
      }
      if (e.EventType === 5) {
        completed++;
        inFlight--;
      }
      if (e.EventType === 10) settleTimerPending = true; // TimerCreated
    }
    expect(scheduled).toBe(100);
    expect(completed).toBe(100);
    expect(maxInFlight).toBe(10);
    const notRefilled = episodeEnds.filter((x) => x.ran && x.inFlight !== Math.min(10, x.left) && !x.settleTimerPending);
    expect(notRefilled).toEqual([]);
    // The window did run in most episodes, and refilled after each of those.
    expect(episodeEnds.filter((x) => x.ran).length).toBeGreaterThan(episodeEnds.length / 2);
  }, 120_000);
});
