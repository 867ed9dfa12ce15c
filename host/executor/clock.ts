/**
 * The engine's time: the real clock, or a virtual one that tests (and the test kit) move by hand,
 * so a 30-day timer fires the moment the test says so.
 */

export interface Clock {
  now(): Date;
  /** Calls `fn` once the clock reaches `when` (ms since the epoch); returns a cancel function. */
  at(when: number, fn: () => void): () => void;
}

/** setTimeout takes at most 2^31-1 ms; a later timer re-arms itself. */
const MAX_WAIT = 2 ** 31 - 1;

export const realClock: Clock = {
  now: () => new Date(),
  at(when, fn) {
    let handle: NodeJS.Timeout;
    const arm = (): void => {
      const wait = when - Date.now();
      handle = setTimeout(wait > MAX_WAIT ? arm : fn, Math.max(0, Math.min(wait, MAX_WAIT)));
    };
    arm();
    return () => clearTimeout(handle);
  },
};

/** A clock that stands still until `advanceTo` moves it; callbacks run in time order. */
export class VirtualClock implements Clock {
  private time: number;
  private waiting: Array<{ when: number; seq: number; fn: () => void }> = [];
  private seq = 0;

  constructor(start: Date | number = Date.UTC(2026, 0, 1)) {
    this.time = typeof start === 'number' ? start : start.getTime();
  }

  now(): Date {
    return new Date(this.time);
  }

  at(when: number, fn: () => void): () => void {
    const entry = { when, seq: this.seq++, fn };
    if (when <= this.time) {
      // Due already: run on the next turn, as a real timer of 0 ms would.
      const handle = setImmediate(fn);
      return () => clearImmediate(handle);
    }
    this.waiting.push(entry);
    return () => {
      this.waiting = this.waiting.filter((w) => w !== entry);
    };
  }

  /** The earliest pending callback's time, if any. */
  next(): number | undefined {
    return this.waiting.reduce<number | undefined>((m, w) => (m === undefined || w.when < m ? w.when : m), undefined);
  }

  /** Moves the clock to `when` (never backwards), running every callback due by then in time order. */
  advanceTo(when: number): void {
    this.time = Math.max(this.time, when);
    const due = this.waiting.filter((w) => w.when <= this.time).sort((a, b) => a.when - b.when || a.seq - b.seq);
    this.waiting = this.waiting.filter((w) => w.when > this.time);
    for (const w of due) w.fn();
  }
}
