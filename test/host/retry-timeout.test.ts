/**
 * Faithful to durable-js#629 (open upstream), which is why the compiler warns with DF504: once a
 * retry timeout has passed, the Durable extension creates no retry timer and fails nothing, while
 * durable-functions v3 waits for that timer, so the orchestration stops where it is: still
 * Running, its catch never runs, nothing left to do. The embedded host does the same as Azure.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../bench/app';
import { createHost, type Host } from '../../host/main';
import { call, until } from './http-helpers';

const repo = path.resolve(__dirname, '../..');

const ACTIVITIES = `
export async function Flaky(): Promise<never> {
  throw new Error('always fails');
}
`;

// Attempts at ~0, ~300 and ~600 ms; after the third the 500 ms retry timeout has passed.
const WORKFLOWS = {
  retryTimeout: [
    'dsl: 1',
    'steps:',
    '  - try:',
    '      - activity: Flaky',
    '        retry: { maxAttempts: 10, interval: 300ms, timeout: 500ms }',
    '    catch:',
    '      steps:',
    '        - set:',
    '            caught: true',
    'output: ${ vars.caught }',
    '',
  ].join('\n'),
};

let app: string;
let dir: string;
let host: Host;

beforeAll(async () => {
  app = buildApp(repo, WORKFLOWS, ACTIVITIES, 'df-retry-timeout-app-');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-retry-timeout-'));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ main: path.join(app, 'dist/generated/index.js') }));
  host = await createHost({ appDir: dir, db: path.join(dir, 'r.db'), port: 0, quiet: true });
}, 120_000);

afterAll(async () => {
  await host?.close();
  for (const d of [dir, app]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

describe('a retry timeout that passes (durable-js#629)', () => {
  it('leaves the orchestration Running with nothing left to do, as on Azure; the catch never runs', async () => {
    const started = await call('POST', `${host.url}/api/workflows/retryTimeout`, {});
    expect(started.status).toBe(202);
    const id = started.body.id as string;
    const failures = (): number => host.store.history(id).filter((e) => e.EventType === 6).length;
    // Stuck: nothing queued or running, no timer left to wake it, after at least two attempts.
    await until(
      async () => {
        await host.engine.whenIdle();
        return failures() >= 2 && host.store.nextTimer() === undefined ? true : undefined;
      },
      'the retries to stop',
      30_000,
    );

    const status = await call('GET', `${started.body.statusQueryGetUri}&showHistory=true`);
    expect(status.body.runtimeStatus).toBe('Running');
    expect(status.body.output).toBeNull();
    const kinds = (status.body.historyEvents as Array<{ EventType: string }>).map((e) => e.EventType);
    // Every attempt failed; a retry timer followed each failure but the last, after which the
    // timeout had passed (three attempts on an unloaded machine, at ~0, ~300 and ~600 ms).
    const attempts = kinds.filter((k) => k === 'TaskScheduled').length;
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(attempts).toBeLessThan(10); // the timeout, not maxAttempts, ended the retries
    expect(kinds.filter((k) => k === 'TaskFailed')).toHaveLength(attempts);
    expect(kinds.filter((k) => k === 'TimerCreated')).toHaveLength(attempts - 1);
    expect(kinds.at(-1)).toBe('TaskFailed');
  }, 60_000);
});
