/**
 * host/orchestration/extension/newtonsoft-dates.ts: what Newtonsoft's default reading and writing
 * does to date-like strings. The expected texts are what the real extension gave: the engines
 * test (test/engines/durations.test.ts, DATE_LIKE) sends these strings through both engines.
 */
import { describe, expect, it } from 'vitest';
import { readAsNewtonsoftDate, roundTripDates } from '../../host/orchestration/extension/newtonsoft-dates';

const REWRITTEN: Array<[string, string]> = [
  ['2026-12-07T14:47:11.990Z', '2026-12-07T14:47:11.99Z'],
  ['2026-12-07T14:47:11.000Z', '2026-12-07T14:47:11Z'],
  ['2026-12-07T14:47:11Z', '2026-12-07T14:47:11Z'],
  ['2026-12-07T14:47:11.5z', '2026-12-07T14:47:11.5Z'],
  ['2026-12-07T14:47:11+02:00', '2026-12-07T12:47:11+00:00'],
  ['2026-12-07T14:47:11.250-05:30', '2026-12-07T20:17:11.25+00:00'],
  ['2026-12-07T14:47:11+0200', '2026-12-07T12:47:11+00:00'],
  ['2026-12-07T14:47:11.120', '2026-12-07T14:47:11.12'],
  ['2026-12-07T14:47:11.1234560Z', '2026-12-07T14:47:11.123456Z'],
  ['2026-12-07T24:00:00Z', '2026-12-08T00:00:00Z'],
  ['/Date(0)/', '1970-01-01T00:00:00Z'],
  ['/Date(1700000000000+0200)/', '2023-11-14T22:13:20+00:00'],
  ['0099-03-01T00:00:00Z', '0099-03-01T00:00:00Z'],
  ['2024-02-29T23:59:59.9999999Z', '2024-02-29T23:59:59.9999999Z'],
];

const LEFT_ALONE = [
  '2026-12-07T14:47:11.12345678Z',
  '2026-02-30T10:00:00Z',
  '2025-02-29T10:00:00Z',
  '0000-01-01T00:00:00Z',
  '2026-12-07T14:47Z',
  ' 2026-12-07T14:47:11Z',
  '2026-12-07 14:47:11Z',
  '2026-12-07T24:00:01Z',
  '2026-12-07T14:47:11.Z',
  '2026-12-07T14:47:11Zx',
  '2026-12-07',
  '/Date(abc)/',
  '/Date()/',
  'plain text',
  '',
];

describe('Newtonsoft date handling', () => {
  it.each(REWRITTEN)('rewrites %j as %j', (from, to) => {
    expect(roundTripDates(from)).toBe(to);
  });

  it.each(LEFT_ALONE)('leaves %j as it is', (s) => {
    expect(readAsNewtonsoftDate(s)).toBeUndefined();
    expect(roundTripDates(s)).toBe(s);
  });

  it('walks objects and arrays, keeps other values, and keeps a "__proto__" key a key', () => {
    const value = JSON.parse('{"a":["2026-01-01T00:00:00.000Z",1,true,null],"__proto__":{"at":"2026-01-01T00:00:00.100Z"}}');
    const out = roundTripDates(value) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(JSON.stringify(out)).toBe('{"a":["2026-01-01T00:00:00Z",1,true,null],"__proto__":{"at":"2026-01-01T00:00:00.1Z"}}');
  });

  it('answers a value nested deeper than it can walk with the value as it is, never a throw', () => {
    const deep = JSON.parse(`${'['.repeat(20_000)}"2026-01-01T00:00:00.000Z"${']'.repeat(20_000)}`);
    expect(roundTripDates(deep)).toBe(deep);
  });
});
