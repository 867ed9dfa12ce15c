/**
 * Durations as workflows write them: `500ms`, `30s`, `5m`, `2h`, `7d`, or ISO 8601 (`PT5M`, `P1DT2H`).
 * Shared by the compiler (which validates and pre-computes them) and the runtime.
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SHORT = /^(\d+)(ms|s|m|h|d)$/;
const ISO = /^P(?!$)(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Milliseconds for a duration string, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const short = SHORT.exec(text);
  if (short) return Number(short[1]) * UNIT_MS[short[2]];
  const iso = ISO.exec(text);
  if (!iso) return undefined;
  const [, d, h, m, s] = iso;
  return Math.round(
    Number(d ?? 0) * UNIT_MS.d + Number(h ?? 0) * UNIT_MS.h + Number(m ?? 0) * UNIT_MS.m + Number(s ?? 0) * UNIT_MS.s,
  );
}
