/**
 * A sanity check, not a benchmark (npm run bench measures): the seed scenario of 100 activities
 * sleeping 1 s with maxParallel 10 and maxConcurrentActivityFunctions 10 must take about 10 s,
 * nowhere near the 100 s of running them one by one. The bound is deliberately generous.
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
  it('runs 100 one-second tasks ten at a time in well under 100 s', async () => {
    const t0 = Date.now();
    const r = await call('POST', `${host.url}/api/workflows/fanOut`, { taskCount: 100 });
    const done = await untilStatus(r.body.statusQueryGetUri, ['Completed'], 90_000);
    const seconds = (Date.now() - t0) / 1000;
    expect(done.body.output).toEqual({ count: 100, first: 0, last: 99 });
    expect(seconds).toBeGreaterThanOrEqual(10); // ten waves of 1 s cannot be faster
    expect(seconds).toBeLessThan(30);
    console.log(`seed fan-out: ${seconds.toFixed(1)} s (ideal 10 s)`);
  }, 120_000);
});
