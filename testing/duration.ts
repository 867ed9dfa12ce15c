import { parseDuration } from '../runtime/durations';

/** Milliseconds for a duration as workflows write them (`30s`, `24h`, `31d`, `PT5M`) or a number of ms. */
export function durationMs(d: string | number, where: string): number {
  const ms = typeof d === 'number' ? d : parseDuration(d);
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) throw new Error(`${where}: '${String(d)}' is not a duration (write 500ms, 30s, 5m, 24h, 31d, or ISO 8601 like PT5M; or a number of milliseconds)`);
  return ms;
}
