/**
 * A retry `timeout` ends the retries and the step fails with the last attempt's error, so a
 * `catch` runs shortly after the timeout. (With durable-functions' own callActivityWithRetry the
 * orchestration stopped silently once the timeout passed, durable-js#629: the extension creates
 * no retry timer while durable-functions waits for one. durable-flow's retries are runtime code
 * over plain calls and timers, runtime/retry.ts.)
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

// Attempts every 300 ms; a back-off that would end after the 1 s retry timeout is cut short to end
// at it (on an idle machine: attempts at 0, 300, 600, 900 and 1000 ms).
const WORKFLOWS = {
  retryTimeout: [
    'dsl: 1',
    'steps:',
    '  - try:',
    '      - activity: Flaky',
    '        retry: { maxAttempts: 10, interval: 300ms, timeout: 1s }',
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
  // durable-flow starts pass versions: without this the extension's defaults reject them all.
  fs.writeFileSync(path.join(dir, 'host.json'), JSON.stringify({ version: '2.0', extensions: { durableTask: { versionMatchStrategy: 'None' } } }));
  host = await createHost({ appDir: dir, db: path.join(dir, 'r.db'), port: 0, quiet: true });
}, 120_000);

afterAll(async () => {
  await host?.close();
  for (const d of [dir, app]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

describe('a retry timeout', () => {
  it('ends the retries shortly after it passes, and the catch runs with the last error', async () => {
    const started = await call('POST', `${host.url}/api/workflows/retryTimeout`, {});
    expect(started.status).toBe(202);
    const done = await until(
      async () => {
        const s = await call('GET', `${started.body.statusQueryGetUri}&showHistory=true`);
        return s.body.runtimeStatus === 'Completed' || s.body.runtimeStatus === 'Failed' ? s : undefined;
      },
      'the workflow to finish',
      30_000,
    );
    expect(done.body.runtimeStatus).toBe('Completed');
    expect(done.body.output).toBe(true);
    // The history as the extension shows it: each attempt's TaskScheduled folded into its TaskFailed.
    const events = done.body.historyEvents as Array<{ EventType: string; Timestamp: string; FireAt?: string; ScheduledTime?: string }>;
    const kinds = events.map((e) => e.EventType);
    // The timeout, not maxAttempts, ended the attempts; a back-off after each failure but the last.
    const attempts = kinds.filter((k) => k === 'TaskFailed').length;
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(attempts).toBeLessThan(10);
    expect(kinds.filter((k) => k === 'TaskScheduled' || k === 'TaskCompleted')).toHaveLength(0);
    const first = Date.parse(events.find((e) => e.EventType === 'TaskFailed')!.ScheduledTime!);
    const backoffs = events.filter((e) => e.EventType === 'TimerCreated').map((e) => Date.parse(e.FireAt!) - first);
    expect(backoffs).toHaveLength(attempts - 1);
    // No back-off ends after the retry timeout: the last one that would have is cut to end at it.
    for (const b of backoffs) expect(b).toBeLessThanOrEqual(1000);
  }, 60_000);
});
