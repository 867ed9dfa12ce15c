/**
 * FUNCTIONS_WORKER_PROCESS_COUNT: activities run in that many worker processes (each loading the
 * same app), not in the host's own, so CPU-bound activities can use every core.
 */
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost, type Host } from '../../host/main';
import { call, untilStatus } from './http-helpers';

let host: Host;

beforeAll(async () => {
  require('tsx/cjs/api').register(); // the fixture app is TypeScript
  process.env.FUNCTIONS_WORKER_PROCESS_COUNT = '2';
  host = await createHost({ appDir: path.resolve(__dirname, '../fixtures/host-app'), db: ':memory:', port: 0, quiet: true });
});
afterAll(async () => {
  await host?.close();
  delete process.env.FUNCTIONS_WORKER_PROCESS_COUNT;
});

describe('worker processes', () => {
  it('spreads activities over two worker processes, none in the host itself', async () => {
    const r = await call('POST', `${host.url}/runtime/webhooks/durabletask/orchestrators/whichProcesses`, null);
    const done = await untilStatus(r.body.statusQueryGetUri, ['Completed', 'Failed']);
    expect(done.body.runtimeStatus).toBe('Completed');
    const pids = new Set<number>(done.body.output);
    expect(pids.size).toBe(2);
    expect(pids.has(process.pid)).toBe(false);
  });
});
