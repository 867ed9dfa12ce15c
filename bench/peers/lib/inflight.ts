/**
 * The activities every peer's worker runs, and the in-flight counter that checks the cap. The
 * counter lives in the process that executes the activities: each execution increments it on
 * entry and decrements it on exit, and the highest value seen is the cap actually observed.
 *
 * A no-op yields one event-loop turn (setImmediate) before returning, so that executions the
 * system runs at the same time overlap in the counter; a fully synchronous no-op would never
 * overlap another in one Node process and the check would prove nothing.
 */

let inFlight = 0;
let maxInFlight = 0;
let executions = 0;

async function tracked<T>(work: () => Promise<T>): Promise<T> {
  inFlight++;
  executions++;
  if (inFlight > maxInFlight) maxInFlight = inFlight;
  try {
    return await work();
  } finally {
    inFlight--;
  }
}

export function noop(i: number): Promise<number> {
  return tracked(() => new Promise<number>((r) => setImmediate(() => r(i))));
}

export function sleepItem(i: number, ms: number): Promise<number> {
  return tracked(() => new Promise<number>((r) => setTimeout(() => r(i), ms)));
}

/** Reads and resets the counter. */
export function takeCounter(): { maxInFlight: number; executions: number } {
  const c = { maxInFlight, executions };
  maxInFlight = inFlight;
  executions = 0;
  return c;
}
