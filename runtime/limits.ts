/**
 * Allocation limits for workflow expressions. An expression can ask for a huge value in a few
 * characters (`Array.from({ length: input.n })`, `'x'.repeat(input.n)`, `''.padStart(input.n)`,
 * `[...s]`), and V8 ends the whole process when one allocation cannot be met: on Azure that is the
 * app's worker, on the embedded host the episode's process. The translator
 * (compiler/src/expressions/translate.ts) routes those calls through the checks here, which
 * look at the size asked for before anything is allocated and fail the step with `LimitExceeded`.
 */
import type { Json } from './values';

/** The longest list an expression may build with `Array.from` or a spread. */
export const MAX_LIST_LENGTH = 1_000_000;
/** The longest string an expression may build with `repeat`, `padStart` or `padEnd`. */
export const MAX_STRING_LENGTH = 10_000_000;

function exceeded(what: string, size: number, unit: string, limit: number): never {
  throw Object.assign(new Error(`${what} would have ${size} ${unit}, more than the limit of ${limit}`), { name: 'LimitExceeded' });
}

/** The length a list of `value` would have (a string's characters, an array's or array-like's length), or undefined. */
function lengthOf(value: unknown): number | undefined {
  if (typeof value === 'string' || Array.isArray(value)) return value.length;
  if (value !== null && typeof value === 'object' && !(Symbol.iterator in value)) {
    const n = Number((value as { length?: unknown }).length);
    return Number.isNaN(n) ? 0 : n;
  }
  return undefined;
}

/** The source of `Array.from(source, f)`: refused when the list it makes would be too long. */
export function listSource(source: unknown): Json {
  const n = lengthOf(source);
  if (n !== undefined && n > MAX_LIST_LENGTH) exceeded('a list made by Array.from', n, 'items', MAX_LIST_LENGTH);
  return source;
}

/** What a spread (`[...x]`, `{ ...x }`, `f(...x)`) spreads: refused when it has too many items. */
export function spread(value: unknown): Json {
  const n = typeof value === 'string' || Array.isArray(value) ? value.length : undefined;
  if (n !== undefined && n > MAX_LIST_LENGTH) exceeded('a spread', n, 'items', MAX_LIST_LENGTH);
  return value;
}

/** The string methods that build a longer string from a count: the length each would make. */
const GROWING: Readonly<Record<string, (s: string, args: unknown[]) => number>> = {
  repeat: (s, [count]) => s.length * Number(count),
  padStart: (s, [target]) => Number(target),
  padEnd: (s, [target]) => Number(target),
};

/**
 * The receiver of `s.repeat(n)`, `s.padStart(n, fill)` or `s.padEnd(n, fill)`: for a string, an
 * object whose method of that name checks the length it would make, then calls the real one;
 * anything else as it is (so `null.repeat` and `x?.repeat` behave as written).
 */
export function sized(receiver: unknown, method: string): Json {
  const size = GROWING[method];
  if (typeof receiver !== 'string' || !size) return receiver;
  return {
    [method]: (...args: unknown[]): unknown => {
      const n = size(receiver, args);
      if (n > receiver.length && n > MAX_STRING_LENGTH) exceeded(`a string made by ${method}`, n, 'characters', MAX_STRING_LENGTH);
      return (receiver as unknown as Record<string, (...a: unknown[]) => unknown>)[method](...args);
    },
  };
}
