/** What the runner needs of each system under test. */

/** One durability setting of a system: a row of the table. */
export interface Mode {
  /** Short id, used in --only filters' output and results.json. */
  id: string;
  /** The row's label, e.g. `fsync off (synchronous=NORMAL)`. */
  label: string;
  /** Whether this is the system's default durability. */
  isDefault: boolean;
  /** What is flushed when, in a few words: the table's durability column. */
  flushes: string;
  /** Exactly what a committed step survives, and what is flushed when: the legend under the table. */
  durability: string;
}

/** In-flight accounting read from the process that runs the activities. */
export interface Counter {
  /** The most activity executions in flight at once since the last read. */
  maxInFlight: number;
  /** Activity executions started since the last read. */
  executions: number;
}

/**
 * A running system (servers + the process that runs its workflows and activities), ready for the
 * workloads. Every call runs one workflow to completion and returns its output.
 */
export interface Driver {
  /** A workflow of `count` sequential no-op steps; returns how many steps ran (as the workflow reports it). */
  sequence(count: number): Promise<number>;
  /** A fan-out over `count` no-op items, at most `cap` in flight; returns the results in input order (item i returns i). */
  fanOut(count: number, cap: number): Promise<number[]>;
  /** A fan-out over `count` items that each take `ms`, at most `cap` in flight; results in input order. */
  sleepFanOut(count: number, ms: number, cap: number): Promise<number[]>;
  /** Starts the 3-step workflow and waits for it to complete, as one client would. */
  startAndAwait(): Promise<void>;
  /** Reads and resets the activity in-flight counter. */
  counter(): Promise<Counter>;
  /** Stops everything this driver started. */
  stop(): Promise<void>;
}

export interface RunContext {
  /** A fresh directory for this system and mode's data (under bench/peers/.data). */
  dataDir: string;
  log(s: string): void;
}

export interface System {
  /** Name as printed in the table. */
  name: string;
  /** Id used by --only. */
  id: string;
  modes: Mode[];
  /** Installs or checks what the system needs (packages, servers' binaries), once per bench. */
  prepare(log: (s: string) => void): Promise<void>;
  /** Versions of the system and its server, for the report. */
  versions(): Promise<Record<string, string>>;
  start(mode: Mode, ctx: RunContext): Promise<Driver>;
  /** Stops anything prepare() started (e.g. a shared database server). */
  shutdown(): Promise<void>;
  /** Notes on how the workloads are written for this system, for the report. */
  notes: string[];
}
