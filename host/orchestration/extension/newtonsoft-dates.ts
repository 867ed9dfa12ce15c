/**
 * What Newtonsoft.Json (13.0.1, the extension's) does to a string value when it reads JSON with
 * its default `DateParseHandling.DateTime` and writes it back: a string it takes for a date
 * becomes a DateTime and is written in its own ISO form. The extension reads a failed
 * orchestrator's state that way (`JObject.Parse` of the text after `$OutOfProcData$`,
 * TaskOrchestrationShim.ParseOOProcResult), so on Azure the custom status and activity inputs of
 * that last episode come out rewritten: `.990Z` -> `.99Z`, `.000Z` -> `Z`, `+02:00` -> the
 * instant in the machine's zone, `/Date(0)/` -> `1970-01-01T00:00:00Z`.
 *
 * Read from Newtonsoft's DateTimeUtils.TryParseDateTime / DateTimeParser and DateTimeUtils
 * .WriteDateTimeString; every case is checked against the real extension
 * (test/engines/durations.test.ts). The machine's zone is taken as UTC, Azure Functions' default
 * (WEBSITE_TIME_ZONE unset): local times are written with `+00:00`.
 */

import { MAX_DATE_MS, MIN_DATE_MS } from '../../../runtime/dates';

const TICKS_PER_MS = 10_000;
const MAX_FRACTION_DIGITS = 7;

type Kind = 'utc' | 'local' | 'unspecified';

/** An instant as .NET holds it: whole milliseconds since the Unix epoch plus 100 ns ticks (0-9999). */
interface NetDate {
  ms: number;
  ticks: number;
  kind: Kind;
}

/** The epoch ms of a calendar date at midnight UTC, or undefined for a day the month does not have. */
function dayMs(year: number, month: number, day: number): number | undefined {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day); // setUTCFullYear: no 1900 offset for years below 100
  return d.getUTCMonth() === month - 1 ? d.getTime() : undefined;
}

/** DateTimeParser.Parse, then DateTimeUtils.TryParseDateTimeIso's conversion. */
function parseIso(s: string): NetDate | undefined {
  const len = s.length;
  const digit = (i: number): number => (i < len ? s.charCodeAt(i) - 48 : -1);
  const two = (i: number): number | undefined => {
    if (i + 1 >= len) return undefined;
    const a = digit(i);
    const b = digit(i + 1);
    return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : undefined;
  };
  const four = (i: number): number | undefined => {
    const hi = two(i);
    const lo = two(i + 2);
    return hi === undefined || lo === undefined ? undefined : hi * 100 + lo;
  };
  const at = (i: number, ch: string): boolean => i < len && s[i] === ch;

  const year = four(0);
  if (year === undefined || year < 1 || !at(4, '-')) return undefined;
  const month = two(5);
  if (month === undefined || month < 1 || month > 12 || !at(7, '-')) return undefined;
  const day = two(8);
  const midnight = day === undefined || day < 1 ? undefined : dayMs(year, month, day);
  if (midnight === undefined || !at(10, 'T')) return undefined;
  const hour = two(11);
  const minute = two(14);
  const second = two(17);
  if (hour === undefined || hour > 24 || !at(13, ':') || minute === undefined || minute >= 60 || !at(16, ':') || second === undefined || second >= 60) return undefined;
  if (hour === 24 && (minute !== 0 || second !== 0)) return undefined;
  let i = 19;
  let fraction = 0;
  if (at(i, '.')) {
    let digits = 0;
    while (++i < len && digits < MAX_FRACTION_DIGITS) {
      const d = digit(i);
      if (d < 0 || d > 9) break;
      fraction = fraction * 10 + d;
      digits++;
    }
    if (digits === 0) return undefined;
    fraction *= 10 ** (MAX_FRACTION_DIGITS - digits);
    if (hour === 24 && fraction !== 0) return undefined;
  }
  // ParseZone
  let zone: 'unspecified' | 'utc' | 'west' | 'east' = 'unspecified';
  let zoneHour = 0;
  let zoneMinute = 0;
  if (i < len) {
    const ch = s[i];
    if (ch === 'Z' || ch === 'z') {
      zone = 'utc';
      i++;
    } else {
      const zh = i + 2 < len ? two(i + 1) : undefined;
      if (zh !== undefined) {
        zoneHour = zh;
        if (ch === '-' || ch === '+') {
          zone = ch === '-' ? 'west' : 'east';
          i += 3;
        }
      }
      if (i < len) {
        if (at(i, ':')) i++;
        const zm = i + 1 < len ? two(i) : undefined;
        if (zm !== undefined) {
          zoneMinute = zm;
          i += 2;
        }
      }
    }
  }
  if (i !== len) return undefined;

  // 24:00:00 (minutes and seconds 0) is midnight of the next day.
  let ms = midnight + ((hour * 60 + minute) * 60 + second) * 1000;
  ms += Math.floor(fraction / TICKS_PER_MS);
  const ticks = fraction % TICKS_PER_MS;
  if (zone === 'utc') return { ms, ticks, kind: 'utc' };
  if (zone === 'unspecified') return { ms, ticks, kind: 'unspecified' };
  // An offset: the instant in UTC, then ToLocalTime (the machine's zone, UTC), kind Local;
  // clamped at DateTime's range as Newtonsoft does when the offset takes it past either end.
  const offset = (zoneHour * 60 + zoneMinute) * 60_000;
  ms = zone === 'west' ? ms + offset : ms - offset;
  if (ms > MAX_DATE_MS) return { ms: MAX_DATE_MS, ticks: TICKS_PER_MS - 1, kind: 'local' };
  if (ms < MIN_DATE_MS) return { ms: MIN_DATE_MS, ticks: 0, kind: 'local' };
  return { ms, ticks, kind: 'local' };
}

/** DateTimeUtils.TryParseDateTimeMicrosoft: `/Date(<ms>)/`, `/Date(<ms>+hhmm)/` (the offset only makes it local). */
function parseMicrosoft(s: string): NetDate | undefined {
  const body = s.slice(0, s.length - 2); // without ")/"
  let end = body.indexOf('+', 7);
  if (end === -1) end = body.indexOf('-', 7);
  let kind: Kind = 'utc';
  if (end !== -1) {
    kind = 'local';
    // TryReadOffset: two digits of hours; two of minutes when there is room for them.
    if (!/^\d\d$/.test(s.slice(end + 1, end + 3))) return undefined;
    if (s.length - end > 5 && !/^\d\d$/.test(s.slice(end + 3, end + 5))) return undefined;
  } else {
    end = body.length;
  }
  const digits = s.slice(6, end);
  if (!/^-?\d+$/.test(digits)) return undefined;
  const ms = Number(digits);
  // Outside DateTime's range .NET throws; such strings are left as they are (a guess).
  if (!Number.isSafeInteger(ms) || ms < MIN_DATE_MS || ms > MAX_DATE_MS) return undefined;
  return { ms, ticks: 0, kind };
}

/** DateTimeUtils.TryParseDateTime with DateTimeZoneHandling.RoundtripKind and no format string. */
export function readAsNewtonsoftDate(s: string): NetDate | undefined {
  if (s.length === 0) return undefined;
  if (s[0] === '/') return s.length >= 9 && s.startsWith('/Date(') && s.endsWith(')/') ? parseMicrosoft(s) : undefined;
  const c = s.charCodeAt(0);
  if (s.length >= 19 && s.length <= 40 && c >= 48 && c <= 57 && s[10] === 'T') return parseIso(s);
  return undefined;
}

/** DateTimeUtils.WriteDateTimeString, DateFormatHandling.IsoDateFormat. */
function writeNewtonsoftDate(d: NetDate): string {
  const date = new Date(d.ms);
  const pad = (n: number, w: number): string => String(n).padStart(w, '0');
  let out = `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}T${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}`;
  const fraction = date.getUTCMilliseconds() * TICKS_PER_MS + d.ticks;
  if (fraction !== 0) out += `.${pad(fraction, MAX_FRACTION_DIGITS).replace(/0+$/, '')}`;
  if (d.kind === 'utc') out += 'Z';
  else if (d.kind === 'local') out += '+00:00';
  return out;
}

/**
 * A JSON value as it comes out of JObject.Parse and back: date-like strings rewritten, the rest as
 * it was. A value nested too deep for this walk is returned as it is, never a crash (how the
 * extension treats such depth is not modelled here).
 */
export function roundTripDates(value: unknown): unknown {
  try {
    return walk(value);
  } catch (e) {
    if (e instanceof RangeError) return value;
    throw e;
  }
}

function walk(value: unknown): unknown {
  if (typeof value === 'string') {
    const d = readAsNewtonsoftDate(value);
    return d ? writeNewtonsoftDate(d) : value;
  }
  if (Array.isArray(value)) return value.map(walk);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    // defineProperty: a key "__proto__" from JSON stays a key, never the object's prototype.
    for (const [k, v] of Object.entries(value)) Object.defineProperty(out, k, { value: walk(v), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}
