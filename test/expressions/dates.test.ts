/**
 * Durations and dates from data: the date helpers in the checker (DF216, capabilities) and the
 * translation, and the runtime functions they call (runtime/dates.ts): strict, bounded, and the
 * same on every machine whatever its time zone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { checkExpression, translateExpression, type ExpressionScope } from '../../compiler/src/expressions';
import { checkSources } from '../../compiler/src/front-end';
import { backoffMs } from '../../runtime/retry';
import * as rt from '../../runtime/values';

const scope: ExpressionScope = { locals: [], visibleSteps: [], allSteps: [] };
const check = (source: string): string[] =>
  checkExpression({ source, span: { file: 'workflows/w.yaml', start: { line: 3, col: 7 }, end: { line: 3, col: 7 + source.length } } }, scope).map(
    (d) => `${d.code} ${d.span.start.col} ${d.message}`,
  );
const error = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
  return 'no error';
};

describe('the checker', () => {
  it.each([
    "addDuration(now, '60s')",
    'addDuration(input.at, -durationMs(input.back))',
    'toEpochMs(now) < toEpochMs(input.deadline)',
    'fromEpochMs(toEpochMs(now) + 1000)',
    "durationMs('PT5M') / 1000",
    'input.list.map(x => addDuration(x, 5000))',
  ])('accepts %s', (source) => {
    expect(check(source)).toEqual([]);
  });

  it.each([
    ['durationMs()', 'DF216 7 durationMs(duration) takes 1 argument, written out'],
    ["addDuration(now, '60s', 1)", 'DF216 7 addDuration(date, duration) takes 2 arguments, written out'],
    ['addDuration(...input.args)', 'DF216 7 addDuration(date, duration) takes 2 arguments, written out'],
    ["durationMs('5 minutes')", "DF216 18 '5 minutes' is not a duration (durationMs(duration)): write 500ms, 30s, 5m, 2h, 7d, ISO 8601 like PT5M, or a number of milliseconds"],
    ["toEpochMs('2026-02-30')", "DF216 17 '2026-02-30' is not an ISO 8601 date-time (toEpochMs(date)): write 2026-03-01T09:00:00Z, or a date like 2026-03-01"],
    ["fromEpochMs('2026-03-01')", "DF216 19 fromEpochMs(milliseconds) takes a number of milliseconds since 1970-01-01 UTC; for ISO text use toEpochMs('2026-03-01')"],
    ["durationMS('5m')", "DF304 7 'durationMS(...)' is not an allowed function — did you mean 'durationMs'?"],
  ])('refuses %s, located', (source, expected) => {
    expect(check(source)).toEqual([expected]);
  });

  it('warns (DF508) where now is compared as text, at the comparison; not where epoch ms are', () => {
    const d = checkExpression({ source: 'now < input.deadline', span: { file: 'workflows/w.yaml', start: { line: 3, col: 7 }, end: { line: 3, col: 27 } } }, scope);
    expect(d.map((x) => [x.code, x.severity, x.span.start.col, x.span.end.col])).toEqual([['DF508', 'warning', 7, 27]]);
    expect(d[0].message).toContain('compare epoch milliseconds: toEpochMs(now) < toEpochMs(...)');
    expect(check("input.at >= now")[0]).toMatch(/^DF508 7 /);
    expect(check('toEpochMs(now) < toEpochMs(input.deadline)')).toEqual([]);
    expect(check('now === input.at')).toEqual([]);
  });

  it('refuses a parameter named like a helper (DF206), as it refuses one named String', () => {
    expect(check('input.list.map(durationMs => durationMs)')).toEqual([
      "DF206 22 'durationMs' is a global function or value of expressions and cannot name an arrow function parameter: choose another name",
    ]);
  });

  it.each(['input.list.map(toEpochMs)', '{ f: addDuration }', '[durationMs][0]("5m")', 'input.f ?? fromEpochMs'])(
    'refuses %s: a helper is a function, called only where it is written (DF304)',
    (source) => {
      expect(check(source).map((d) => d.slice(0, 5))).toContain('DF304');
    },
  );
});

describe('the translation', () => {
  it("calls the runtime's helpers, and leaves a parameter's name alone", () => {
    expect(translateExpression("addDuration(now, '60s')", { now: 'run.now()' })).toBe("rt.addDuration(run.now(), '60s')");
    expect(translateExpression('toEpochMs(a) < toEpochMs(b)', {})).toBe('(rt.toEpochMs(a) < rt.toEpochMs(b))');
    expect(translateExpression('input.list.map(x => fromEpochMs(x))', {})).toBe('input.list.map((x: rt.Json) => rt.fromEpochMs(x))');
  });
});

describe('durations in a workflow', () => {
  const compile = (steps: string): string[] =>
    checkSources('/nowhere', [{ file: 'workflows/w.yaml', text: `dsl: 1\nsteps:\n${steps}` }], [{ file: 'workflows/activities/a.ts', text: 'export async function A(x: unknown) { return x; }\n' }]).diagnostics.map(
      (d) => `${d.code} ${d.span.start.line}:${d.span.start.col} ${d.message}`,
    );

  it('takes ${ } at every duration key', () => {
    expect(
      compile(
        [
          '  - delay: ${ input.a }',
          '  - waitForEvent: E',
          '    timeout: ${ input.b }',
          '  - activity: A',
          '    attemptTimeout: ${ input.c }',
          '    timeout: "${ input.d }"',
          '    retry: { maxAttempts: 3, interval: "${ input.e }", maxInterval: "${ input.f }", timeout: "${ input.g }" }',
          '  - forEach: ${ [1] }',
          '    timeout: ${ item }',
          '    steps: [ { delay: "${ item * 1000 }" } ]',
          '  - repeat: { maxIterations: 2, interval: "${ loop.index * 1000 }", steps: [ { activity: A } ] }',
          '',
        ].join('\n'),
      ),
      // Only: a forEach's timeout reads the scope around it, where `item` is not (its body's delay may).
    ).toEqual(['DF302 11:17 unknown name \'item\'; in scope: input, instanceId, now, steps, vars, workflow']);
  });

  it('keeps refusing a literal that is not a duration, and one over 1000 years', () => {
    expect(compile('  - delay: 5 minutes\n')).toEqual(["DF105 3:12 'delay' in step 1 (delay) must be a duration like 30s, 5m or PT5M, or ${ ... } computed when the step runs; got '5 minutes'"]);
    expect(compile('  - delay: 365001d\n')).toEqual([
      "DF215 3:12 '365001d' is longer than 1000 years (365000d), the longest duration: a durable timer must fire before the year 10000",
    ]);
    expect(compile('  - delay: 365000d\n')).toEqual([]);
  });
});

describe('the runtime', () => {
  const zone = process.env.TZ;
  afterEach(() => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  });

  it('durations: strings, ISO 8601 and milliseconds; anything else fails with InvalidDuration naming the value and the key', () => {
    expect(rt.duration('90s', 'x')).toBe(90_000);
    expect(rt.duration('PT1M30S', 'x')).toBe(90_000);
    expect(rt.duration(90_000, 'x')).toBe(90_000);
    expect(rt.duration(1.6, 'x')).toBe(2);
    expect(rt.durationMs('365000d')).toBe(365_000 * 86_400_000);
    expect(error(() => rt.duration('365001d', "delay of step 'w' (workflows/w.yaml:4)"))).toBe(
      `InvalidDuration: delay of step 'w' (workflows/w.yaml:4): "365001d" is longer than 1000 years (365000d), the longest duration`,
    );
    expect(error(() => rt.duration(1e300, 'd'))).toBe('InvalidDuration: d: 1e+300 is longer than 1000 years (365000d), the longest duration');
    expect(error(() => rt.duration(Infinity, 'd'))).toBe('InvalidDuration: d: null is not a finite number');
    expect(error(() => rt.duration(-5, 'd'))).toBe('InvalidDuration: d: -5 is negative');
    expect(error(() => rt.duration('5000', 'd'))).toContain('InvalidDuration: d: "5000" is not a duration: write 500ms');
    expect(error(() => rt.duration(null, 'd'))).toContain('InvalidDuration: d: null is not a duration (a null)');
    expect(error(() => rt.duration('x'.repeat(1000), 'd'))).toContain(`"${'x'.repeat(76)}...`);
  });

  it('dates: ISO 8601 read the same in every time zone (no offset means UTC); other text fails with InvalidDate', () => {
    for (const tz of ['UTC', 'Asia/Tokyo', 'America/Los_Angeles']) {
      process.env.TZ = tz;
      expect(rt.toEpochMs('2026-03-01T09:00:00'), tz).toBe(Date.UTC(2026, 2, 1, 9));
      expect(rt.toEpochMs('2026-03-01'), tz).toBe(Date.UTC(2026, 2, 1));
      expect(rt.toEpochMs('2026-03-01T10:30:00.5+01:30'), tz).toBe(Date.UTC(2026, 2, 1, 9, 0, 0, 500));
      // Years 0-99 are not read as 1900-1999 (as Date.UTC would).
      expect(rt.fromEpochMs(rt.toEpochMs('0050-01-01T00:00:00Z')), tz).toBe('0050-01-01T00:00:00.000Z');
      expect(rt.addDuration('2026-03-01T09:00:00', '90m'), tz).toBe('2026-03-01T10:30:00.000Z');
    }
    for (const bad of ['March 1, 2026', '2026-3-1', '2026-02-29', '2026-03-01T24:00:00Z', '2026-03-01 09:00:00Z', '2026-03-01T09:00:00+25:00', '']) {
      expect(error(() => rt.toEpochMs(bad)), bad).toContain(`InvalidDate: toEpochMs: ${JSON.stringify(bad)} is not a date-time`);
    }
    expect(error(() => rt.toEpochMs(true))).toContain('InvalidDate: toEpochMs: true is not a date-time (a boolean)');
  });

  it('date helpers stay within the years 0001 to 9999 and never give an invalid date', () => {
    expect(rt.fromEpochMs(0)).toBe('1970-01-01T00:00:00.000Z');
    expect(rt.fromEpochMs(rt.MAX_DATE_MS)).toBe('9999-12-31T23:59:59.999Z');
    expect(rt.fromEpochMs(rt.MIN_DATE_MS)).toBe('0001-01-01T00:00:00.000Z');
    expect(error(() => rt.fromEpochMs(rt.MAX_DATE_MS + 1))).toBe('InvalidDate: fromEpochMs: 253402300800000 is outside the years 0001 to 9999, the dates a durable timer can hold');
    expect(error(() => rt.fromEpochMs('1'))).toBe('InvalidDate: fromEpochMs: "1" is not a number of milliseconds');
    expect(error(() => rt.addDuration('9999-06-01T00:00:00Z', '365d'))).toBe(
      'InvalidDate: addDuration (the result): 253415347200000 is outside the years 0001 to 9999, the dates a durable timer can hold',
    );
    expect(rt.addDuration(0, -1000)).toBe('1969-12-31T23:59:59.000Z');
    expect(error(() => rt.addDuration(0, '-5m'))).toContain('InvalidDuration: addDuration: "-5m" is not a duration');
    // Epoch ms compare as numbers: ISO text with an offset does not compare as text.
    expect('2026-03-01T10:00:00+02:00' < '2026-03-01T09:00:00Z').toBe(false);
    expect(rt.toEpochMs('2026-03-01T10:00:00+02:00') < rt.toEpochMs('2026-03-01T09:00:00Z')).toBe(true);
  });

  it('an exponential back-off stops growing at the longest duration, never reaching Infinity (an invalid timer date)', () => {
    expect(backoffMs({ intervalMs: 1000, backoff: 2 }, 3)).toBe(4000);
    expect(backoffMs({ intervalMs: 1000, backoff: 2 }, 2000)).toBe(rt.MAX_DURATION_MS);
    expect(backoffMs({ intervalMs: 1000, backoff: 2, maxIntervalMs: 60_000 }, 2000)).toBe(60_000);
  });
});
