/**
 * One workflow instance in a test environment: raise events, read its status and history, and
 * await its result, which skips virtual time while only timers stand between it and its end.
 */
import type { Engine } from '../host/executor/engine';
import type { VirtualClock } from '../host/executor/clock';
import { EventType, type HistoryEvent } from '../host/orchestration/history';
import { TERMINAL, type InstanceRow, type RuntimeStatus, type Store } from '../host/store/store';
import { fromWireText } from '../runtime/errors';
import { workflowRegistry } from '../runtime/registry';
import { versionEnvelope, workflowVersion } from '../runtime/version-text';
import type { Recording } from './replay-check';
import { durationMs } from './duration';

/** What the environment shares with its runs. */
export interface EnvCore {
  readonly engine: Engine;
  readonly store: Store;
  readonly clock: VirtualClock;
  /** Runs everything that needs no time to pass, until nothing is left to do. */
  settle(): Promise<void>;
  /** The next durable timer's time (ms), of any instance or (given ids) of those instances. */
  nextTimer(instanceIds?: readonly string[]): number | undefined;
  /** The external events an instance's last episode left it waiting for. */
  waitingFor(instanceId: string): string[];
  /** Host errors logged so far (an episode that could not run, ...). */
  readonly hostErrors: readonly string[];
}

/** How a run ended. */
export interface RunResult {
  status: 'Completed' | 'Failed' | 'Terminated';
  /** The workflow's output (Completed), or the reason (Terminated); null when it failed. */
  output: unknown;
  /**
   * Why it failed: the error's name and message as a `catch` would see them (`Rejected` for a
   * `fail: { error: Rejected }` step, `Timeout`, an activity's error name), and the instance's
   * error text as Durable Functions reports it.
   */
  error?: { name: string; message: string; text: string };
}

/** An instance's status, shaped like the workflow API's `GET <route>/instances/<id>`. */
export interface RunStatus {
  id: string;
  workflow: string;
  /** The version of the workflow it runs (its continueAsNew may have moved it to a later one). */
  version: number;
  status: RuntimeStatus;
  input: unknown;
  output: unknown;
  error: RunResult['error'] | null;
  /** The value of the last `status` step (null before one ran). */
  customStatus: unknown;
  /** Progress of running and finished forEach steps, by step id: `{ done, failed, total }`. */
  progress: Record<string, { done: number; failed: number; total: number }> | null;
  /** External events it waits for now (raise them with `raiseEvent`). */
  waitingFor: string[];
  createdAt: string;
  updatedAt: string;
}

/** What a run waits for, per unfinished instance of its tree (itself, child workflows, slices). */
export interface Wait {
  instanceId: string;
  workflow: string;
  status: RuntimeStatus;
  events: string[];
}

/** Thrown by `result()` when a run cannot end without something the test has to do. */
export class RunStuckError extends Error {
  constructor(
    message: string,
    readonly instanceId: string,
    readonly waits: Wait[],
  ) {
    super(message);
    this.name = 'RunStuckError';
  }
}

const DEFAULT_MAX_TIME = '365d';

function errorOf(row: InstanceRow): RunResult['error'] | undefined {
  if (row.status !== 'Failed' || row.error === null) return undefined;
  const { name, message } = fromWireText(row.error);
  return { name, message, text: row.error };
}

export class TestRun {
  constructor(
    private readonly env: EnvCore,
    /** The instance id. */
    readonly id: string,
  ) {}

  private row(): InstanceRow {
    const row = this.env.store.instance(this.id);
    if (!row) throw new Error(`instance '${this.id}' no longer exists`);
    return row;
  }

  /** The workflow (orchestrator) name. */
  get workflow(): string {
    return this.row().name;
  }

  /** Raises an external event and runs what follows (virtual time does not move). */
  async raiseEvent(name: string, payload?: unknown): Promise<void> {
    this.env.engine.raiseEvent(this.id, name, payload ?? null);
    await this.env.settle();
  }

  /** Terminates the instance (the Durable way: its child workflows keep running). */
  async terminate(reason = 'terminated by the test'): Promise<void> {
    this.env.engine.terminate(this.id, reason);
    await this.env.settle();
  }

  /**
   * Runs the instance to its end and returns how it ended. While only durable timers stand in the
   * way (delays, event timeouts, retry back-offs) virtual time skips to the next one; it never
   * skips more than `maxTime` (default 365d) in one call. A run that waits for an event with no
   * timer to end the wait throws a RunStuckError naming the events, instead of hanging.
   */
  async result(options: { maxTime?: string | number } = {}): Promise<RunResult> {
    const maxTime = options.maxTime ?? DEFAULT_MAX_TIME;
    const limit = this.env.clock.now().getTime() + durationMs(maxTime, 'result({ maxTime })');
    for (;;) {
      await this.env.settle();
      const row = this.row();
      if (TERMINAL.has(row.status)) return this.ended(row);
      // Only this run's timers (its own and its child workflows') can move it on; time still
      // passes in order, so other instances' timers due before them fire first.
      const mine = this.env.nextTimer(this.tree().map((r) => r.id));
      if (mine === undefined || mine > limit) throw this.stuck(row, mine, maxTime);
      this.env.clock.advanceTo(Math.min(mine, this.env.nextTimer() ?? mine));
    }
  }

  private ended(row: InstanceRow): RunResult {
    const error = errorOf(row);
    return { status: row.status as RunResult['status'], output: row.output ?? null, ...(error ? { error } : {}) };
  }

  /** This instance and every instance it started, at any depth (child workflows, slices), parents first. */
  private tree(): InstanceRow[] {
    const all = this.env.store.listInstances({ top: Number.MAX_SAFE_INTEGER });
    const out: InstanceRow[] = [];
    const visit = (row: InstanceRow): void => {
      out.push(row);
      for (const child of all.filter((r) => r.parentId === row.id)) visit(child);
    };
    visit(this.row());
    return out;
  }

  /** What each unfinished instance of this run's tree waits for. */
  waits(): Wait[] {
    return this.tree()
      .filter((row) => !TERMINAL.has(row.status))
      .map((row) => ({ instanceId: row.id, workflow: row.name, status: row.status, events: this.env.waitingFor(row.id) }));
  }

  private stuck(row: InstanceRow, next: number | undefined, maxTime: string | number): RunStuckError {
    const waits = this.waits();
    const unfinished = new Set(waits.map((w) => w.instanceId));
    const parents = new Map(this.tree().map((r) => [r.id, r.parentId]));
    const hasUnfinishedChild = (id: string): boolean => [...unfinished].some((c) => parents.get(c) === id);
    const lines = waits.map((w) => {
      const what =
        w.status === 'Suspended'
          ? 'is Suspended'
          : w.events.length > 0
            ? `waits for event${w.events.length > 1 ? 's' : ''} ${w.events.map((e) => `'${e}'`).join(', ')}`
            : hasUnfinishedChild(w.instanceId)
              ? 'waits for its child workflows'
              : next === undefined
                ? 'waits for nothing a test can send'
                : 'waits for a timer';
      return `  - ${w.workflow} '${w.instanceId}' ${what}`;
    });
    const now = this.env.clock.now().toISOString();
    const head =
      next === undefined
        ? `run '${this.id}' (${row.name}) cannot finish: it is ${row.status} at ${now} (virtual time) with no activity running and no timer of its own pending`
        : `run '${this.id}' (${row.name}) is still ${row.status} at ${now} (virtual time): its next timer is due ${new Date(next).toISOString()}, beyond this call's maxTime of ${typeof maxTime === 'number' ? `${maxTime} ms` : maxTime} (pass result({ maxTime }) to allow more)`;
    const first = waits.find((w) => w.events.length > 0);
    const hint = first ? `\nRaise it with: await ${first.instanceId === this.id ? 'run' : `env.run(${JSON.stringify(first.instanceId)})`}.raiseEvent(${JSON.stringify(first.events[0])}, payload)` : '';
    const errors = this.env.hostErrors.length > 0 ? `\nHost errors:\n${this.env.hostErrors.join('\n')}` : '';
    return new RunStuckError(`${head}:\n${lines.join('\n')}${hint}${errors}`, this.id, waits);
  }


  /** The instance's status now (custom status, forEach progress, the events it waits for). */
  status(): RunStatus {
    const row = this.row();
    const custom = (row.customStatus ?? null) as { status?: unknown; progress?: RunStatus['progress'] } | null;
    const envelope = versionEnvelope(row.input);
    return {
      id: row.id,
      workflow: row.name,
      version: workflowVersion(envelope ? envelope.version : row.version, workflowRegistry().get(row.name)?.version ?? 1),
      status: row.status,
      input: envelope ? envelope.input : row.input ?? null,
      output: row.status === 'Failed' ? null : row.output ?? null,
      error: errorOf(row) ?? null,
      customStatus: custom?.status ?? null,
      progress: custom?.progress ?? null,
      waitingFor: TERMINAL.has(row.status) ? [] : this.env.waitingFor(row.id),
      createdAt: row.created,
      updatedAt: row.updated,
    };
  }

  /** The instance's history, as the Durable extension records it (Durable Task event shape). */
  history(): HistoryEvent[] {
    return this.env.store.history(this.id);
  }

  /** The history with what a replay check needs: save it as JSON to check it against later code. */
  recording(): Recording {
    const row = this.row();
    return { workflow: row.name, instanceId: row.id, executionId: row.executionId, ...(row.parentId ? { parentInstanceId: row.parentId } : {}), history: this.history() };
  }

  /** Child workflows and forEach slices this instance started, in start order. */
  children(): TestRun[] {
    return this.env.store
      .listInstances({ top: Number.MAX_SAFE_INTEGER })
      .filter((r) => r.parentId === this.id)
      .map((r) => new TestRun(this.env, r.id));
  }

  /**
   * The most activity calls in flight at once in this instance's history (scheduled and not yet
   * completed or failed), for one activity or all: a capped forEach's cap, proven from history.
   * A forEach long enough to run in slices (partitionSize) runs its calls in `children()`.
   */
  maxInFlight(activity?: string): number {
    const open = new Set<number>();
    let max = 0;
    for (const e of this.history()) {
      if (e.EventType === EventType.TaskScheduled && (activity === undefined || e.Name === activity)) open.add(e.EventId);
      else if (e.EventType === EventType.TaskCompleted || e.EventType === EventType.TaskFailed) open.delete(e.TaskScheduledId as number);
      max = Math.max(max, open.size);
    }
    return max;
  }
}
