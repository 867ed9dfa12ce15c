/** Timer triggers: NCRONTAB schedules, and the host firing them into the app's durable client. */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nextOccurrence, parseSchedule } from '../../host/functions/ncrontab';
import { createHost } from '../../host/main';
import { call, untilStatus } from './http-helpers';

const next = (expr: string, after: string): string => nextOccurrence(parseSchedule(expr), new Date(after)).toISOString();

describe('NCRONTAB', () => {
  it.each([
    ['0 */5 * * * *', '2026-01-01T10:02:30Z', '2026-01-01T10:05:00.000Z'],
    ['30 0 9 * * 1-5', '2026-01-02T09:00:31Z', '2026-01-05T09:00:30.000Z'], // Friday after 9:00:30 -> Monday
    ['0 0 0 1 1 *', '2026-06-01T00:00:00Z', '2027-01-01T00:00:00.000Z'],
    ['*/10 * * * * *', '2026-01-01T00:00:05Z', '2026-01-01T00:00:10.000Z'],
    ['0 0 12 * * 0,6', '2026-01-05T00:00:00Z', '2026-01-10T12:00:00.000Z'], // next Saturday
  ])('%s after %s is %s', (expr, after, expected) => {
    expect(next(expr, after)).toBe(expected);
  });

  it.each(['* * * * *', '61 * * * * *', '* * * * 13 *', 'a * * * * *'])('rejects %s', (expr) => {
    expect(() => parseSchedule(expr)).toThrow(/NCRONTAB|range/);
  });
});

describe('timer triggers on the host', () => {
  it('fires the schedule and starts the workflow through the durable client', async () => {
    require('tsx/cjs/api').register(); // the fixture app is TypeScript
    const host = await createHost({ appDir: path.resolve(__dirname, '../fixtures/timer-app'), db: ':memory:', port: 0, quiet: true });
    try {
      const done = await untilStatus(`${host.url}/runtime/webhooks/durabletask/instances/ticked`, ['Completed'], 10_000);
      expect(done.body.output.input).toBeNull();
      expect((await call('GET', `${host.url}/runtime/webhooks/durabletask/instances?instanceIdPrefix=ticked`)).body.length).toBe(1);
    } finally {
      await host.close();
    }
  });
});
