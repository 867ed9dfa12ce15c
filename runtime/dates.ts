/**
 * Durations and dates from data: what `delay: ${ ... }` and the other duration keys compute, what
 * `until:` takes, and the date helpers expressions call (`addDuration`, `toEpochMs`,
 * `fromEpochMs`, `durationMs`). All pure and bounded: the same value gives the same result on
 * every machine and every replay (no local time zone, no engine-specific date parsing), and a
 * value out of range fails with a named error instead of overflowing.
 */
import { parseDuration } from './durations';
import { WorkflowError } from './errors';

/**
 * The longest duration: 1,000 years (365,000 days). A timer must fire before the year 10000, the
 * last the Durable extension can store (.NET DateTime); a bound well inside it keeps
 * `now + duration` valid for centuries and fails an absurd value where it is computed.
 */
export const MAX_DURATION_MS = 365_000 * 86_400_000;

/** The earliest and latest instants a date may be: 0001-01-01 to 9999-12-31 (UTC), as .NET stores them. */
export const MIN_DATE_MS = -62_135_596_800_000;
export const MAX_DATE_MS = 253_402_300_799_999;

const DURATION_HINT = 'write 500ms, 30s, 5m, 2h, 7d, ISO 8601 like PT5M, or a number of milliseconds';
const DATE_HINT = 'write an ISO 8601 date-time like 2026-03-01T09:00:00Z (or a date, 2026-03-01) or a number of milliseconds since 1970-01-01 UTC';

/** A value for a message: short, on one line. */
function shown(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Milliseconds for a duration value, or why it is not one. */
function durationOf(value: unknown, negative: boolean): number | string {
  let ms: number | undefined;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return 'is not a finite number';
    if (value < 0 && !negative) return 'is negative';
    ms = Math.round(value);
  } else if (typeof value === 'string') {
    ms = parseDuration(value);
    if (ms === undefined) return `is not a duration: ${DURATION_HINT}`;
  } else {
    return `is not a duration (a ${value === null ? 'null' : Array.isArray(value) ? 'list' : typeof value}): ${DURATION_HINT}`;
  }
  if (Math.abs(ms) > MAX_DURATION_MS) return 'is longer than 1000 years (365000d), the longest duration';
  return ms === 0 ? 0 : ms; // never -0
}

/**
 * A duration key's value computed when the step runs (`delay: ${ input.remindIn }`): a duration
 * string or a number of milliseconds, at most MAX_DURATION_MS. `what` names the key and the step
 * (`delay of step 'wait' (workflows/x.yaml:12)`); anything else fails with `InvalidDuration`.
 * `negative` lets a negative number through (addDuration goes back with one).
 */
export function duration(value: unknown, what: string, negative = false): number {
  const ms = durationOf(value, negative);
  if (typeof ms === 'string') throw new WorkflowError('InvalidDuration', `${what}: ${shown(value)} ${ms}`);
  return ms;
}

/** `durationMs('5m')`: the milliseconds of a duration (a string, or a number of ms as it is). */
export function durationMs(value: unknown): number {
  return duration(value, 'durationMs');
}

// YYYY-MM-DD, optionally THH:mm, :ss, .fraction, and Z or ±HH:mm (RFC 3339 / ISO 8601 extended).
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * The instant an ISO 8601 text names, or undefined. Parsed here, not by `Date.parse`, whose
 * reading of anything but its own format is engine-specific and which reads a date-time without
 * an offset in the machine's local zone: here that is UTC, on every machine (Azure runs in UTC).
 */
export function parseIsoDate(text: string): number | undefined {
  const m = ISO_DATE.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC reads the years 0-99 as 1900-1999.
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCMonth() !== month - 1) return undefined; // 2026-02-30
  date.setUTCHours(Number(h), Number(mi), Number(s), Number(frac.padEnd(3, '0').slice(0, 3)));
  let offset = 0;
  if (zone !== 'Z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) return undefined;
    offset = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  return date.getTime() - offset;
}

/** Epoch ms for a date value, or why it is not one. */
function instantOf(value: unknown): number | string {
  let ms: number | undefined;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return 'is not a finite number';
    ms = Math.round(value);
  } else if (typeof value === 'string') {
    ms = parseIsoDate(value);
    if (ms === undefined) return `is not a date-time: ${DATE_HINT}`;
  } else if (value instanceof Date) {
    ms = value.getTime();
    if (Number.isNaN(ms)) return 'is not a date-time';
  } else {
    return `is not a date-time (a ${value === null ? 'null' : Array.isArray(value) ? 'list' : typeof value}): ${DATE_HINT}`;
  }
  if (ms < MIN_DATE_MS || ms > MAX_DATE_MS) return 'is outside the years 0001 to 9999, the dates a durable timer can hold';
  return ms === 0 ? 0 : ms;
}

/** Epoch ms of a date value (ISO text or epoch ms), or `InvalidDate` naming `what` and the value. */
export function instant(value: unknown, what: string): number {
  const ms = instantOf(value);
  if (typeof ms === 'string') throw new WorkflowError('InvalidDate', `${what}: ${shown(value)} ${ms}`);
  return ms;
}

/** `toEpochMs(t)`: milliseconds since 1970-01-01 UTC; compare dates with these, not as text. */
export function toEpochMs(t: unknown): number {
  return instant(t, 'toEpochMs');
}

/** `fromEpochMs(n)`: the ISO 8601 text (UTC, with milliseconds: the form `now` has) of an instant. */
export function fromEpochMs(n: unknown): string {
  if (typeof n !== 'number') throw new WorkflowError('InvalidDate', `fromEpochMs: ${shown(n)} is not a number of milliseconds`);
  return new Date(instant(n, 'fromEpochMs')).toISOString();
}

/**
 * `addDuration(t, '60s')`: the ISO text of `t` (ISO text or epoch ms) plus a duration (a duration
 * string, or a number of milliseconds, which may be negative to go back).
 */
export function addDuration(t: unknown, d: unknown): string {
  const at = instant(t, 'addDuration');
  const ms = duration(d, 'addDuration', true);
  return new Date(instant(at + ms, 'addDuration (the result)')).toISOString();
}
