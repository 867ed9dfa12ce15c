/**
 * NCRONTAB, the schedule format of Azure Functions timer triggers: six fields,
 * `second minute hour day month day-of-week`, each `*`, a number, a range `a-b`, a list `a,b`,
 * or a step `*\/n` / `a-b/n`. Times are UTC (as on a Functions app without WEBSITE_TIME_ZONE).
 */

const LIMITS: Array<[number, number]> = [
  [0, 59], // second
  [0, 59], // minute
  [0, 23], // hour
  [1, 31], // day of month
  [1, 12], // month
  [0, 6], // day of week (0 = Sunday)
];

export type Schedule = Array<Set<number>>;

export function parseSchedule(expr: string): Schedule {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 6) throw new Error(`'${expr}' is not an NCRONTAB schedule: it needs 6 fields (second minute hour day month weekday)`);
  return fields.map((field, i) => {
    const [lo, hi] = LIMITS[i];
    const values = new Set<number>();
    for (const part of field.split(',')) {
      const m = /^(\*|\d+(?:-\d+)?)(?:\/(\d+))?$/.exec(part);
      if (!m) throw new Error(`'${part}' is not a valid NCRONTAB field in '${expr}'`);
      const [from, to] = m[1] === '*' ? [lo, hi] : m[1].includes('-') ? m[1].split('-').map(Number) : [Number(m[1]), m[2] ? hi : Number(m[1])];
      const step = m[2] ? Number(m[2]) : 1;
      if (from < lo || to > hi || from > to || step < 1) throw new Error(`'${part}' is out of range ${lo}-${hi} in '${expr}'`);
      for (let v = from; v <= to; v += step) values.add(i === 5 && v === 7 ? 0 : v);
    }
    return values;
  });
}

/** The first time strictly after `after` that matches the schedule (UTC), within ~5 years. */
export function nextOccurrence(schedule: Schedule, after: Date): Date {
  const [sec, min, hour, day, month, dow] = schedule;
  const start = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
  for (let d = 0; d < 366 * 5; d++) {
    const date = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate() + d));
    if (!month.has(date.getUTCMonth() + 1) || !day.has(date.getUTCDate()) || !dow.has(date.getUTCDay())) continue;
    for (const h of [...hour].sort((a, b) => a - b)) {
      for (const mi of [...min].sort((a, b) => a - b)) {
        for (const s of [...sec].sort((a, b) => a - b)) {
          const t = new Date(date.getTime() + ((h * 60 + mi) * 60 + s) * 1000);
          if (t >= start) return t;
        }
      }
    }
  }
  throw new Error('the schedule never fires');
}
