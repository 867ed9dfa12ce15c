/**
 * Per-execution workflow state: input, step outputs, variables, and the custom status, which
 * carries the user's `status` value and the progress of running forEach steps.
 */
import type * as df from 'durable-functions';
import { StepMarks } from './flow/state';
import { LateWork, type LateOutcome } from './late';
import type { Deadline } from './timers';
import type { Json, Steps } from './values';

export interface Progress {
  done: number;
  failed: number;
  total: number;
}

/** The custom status every durable-flow instance publishes. */
export interface WorkflowStatus {
  /** The last value of a `status` step; null before the first. */
  status: Json;
  /** Progress of forEach steps by step id (or `forEach@<line>` when the step has no id). */
  progress?: Record<string, Progress>;
  /**
   * For the status pages: which steps have started, failed and finished, in the compact form of
   * runtime/flow/state.ts (`0-3 4.0.0 !4.0.0`). The per-workflow status API decodes it as `steps`.
   */
  flow?: string;
  /**
   * Work a timeout, a decided quorum or a failed branch abandoned (activities and child
   * workflows), and how each ended after that (runtime/late.ts). Absent when there is none.
   */
  late?: LateOutcome[];
  /** How many earlier records `late` leaves out (it keeps the latest LATE_SHOWN). */
  lateOmitted?: number;
  /**
   * For the status pages: the compensations `compensate: all` steps ran, in the order they ran
   * (the last MAX_COMPENSATIONS_SHOWN; messages cut to 200 characters, to stay far from the 16 KB
   * a custom status may hold).
   */
  compensations?: CompensationMark[];
}


/** One compensation as the status pages show it. */
export interface CompensationMark {
  step: string;
  undo: string;
  state: 'running' | 'completed' | 'failed';
  error?: { name: string; message: string };
}

/** The compensations the custom status keeps. */
export const MAX_COMPENSATIONS_SHOWN = 40;


/**
 * The most abandoned-work records the custom status carries (the latest ones): a loop that
 * abandons an attempt every iteration must not outgrow the 16 KB the extension allows a custom
 * status (a record is ~150 bytes).
 */
export const LATE_SHOWN = 30;

export class WorkflowRun {
  readonly input: Json;
  readonly steps: Steps = {};
  readonly vars: Record<string, Json> = {};
  /** The workflow instance's id; in a partition slice, the id of the workflow that started it. */
  readonly instanceId: string;
  /**
   * The deadline of the innermost forEach/parallel `timeout` around the code running now: the
   * window sets it while it advances one of its bodies, so every wait in the body races it.
   */
  deadline?: Deadline;
  /** The version of the workflow this execution runs (runtime/versions.ts); 1 when unversioned. */
  readonly version: number;
  /** The latest version the app has: what a `continueAsNew` moves to. */
  readonly latest: number;
  /** Set by a `continueAsNew` step: the execution ends there (runtime/versions.ts). */
  continued = false;
  private status: WorkflowStatus = { status: null };
  private readonly marks = new StepMarks();
  /** Abandoned work whose late outcome the status records (runtime/late.ts). */
  readonly late = new LateWork();

  /** `options.input` replaces the execution's input (a versioned orchestrator unwraps it first). */
  constructor(
    readonly context: df.OrchestrationContext,
    options: { version?: number; latest?: number; input?: Json } = {},
  ) {
    this.input = options.input !== undefined ? options.input : context.df.getInput() ?? null;
    this.instanceId = context.df.instanceId;
    this.version = options.version ?? 1;
    this.latest = options.latest ?? this.version;
  }

  /** A slice of a partitioned forEach runs its body with the parent's scope, sent as its input. */
  static restore(context: df.OrchestrationContext, instanceId: string, from: { input: Json; vars: Record<string, Json>; steps: Steps }, version = 1): WorkflowRun {
    const run = new WorkflowRun(context, { version, input: from.input });
    Object.assign(run, { instanceId });
    Object.assign(run.vars, from.vars);
    Object.assign(run.steps, from.steps);
    return run;
  }

  /** The replay-safe current time, as an ISO string. */
  now(): string {
    return this.context.df.currentUtcDateTime.toISOString();
  }

  setStatus(value: Json): void {
    this.status = { ...this.status, status: value ?? null };
    this.context.df.setCustomStatus(this.status);
  }

  progress(step: string, p: Progress): void {
    this.status = { ...this.status, progress: { ...this.status.progress, [step]: { ...p } } };
    this.context.df.setCustomStatus(this.status);
  }

  /** A step starts (generated code: one call per step, with the step's graph key). */
  step(key: string): void {
    this.marks.start(key);
    this.late.harvest();
    this.publishMarks();
  }

  /** Publishes the abandoned work and the outcomes it has had so far (runtime/late.ts). */
  publishLate(): void {
    this.late.harvest();
    if (this.late.records.length === 0) return;
    this.status = { ...this.status, ...this.lateStatus() };
    this.context.df.setCustomStatus(this.status);
  }

  /** A try step's catch begins: the steps of its body that were running failed. */
  caught(key: string): void {
    this.marks.caught(key);
    this.publishMarks();
  }

  /** A parallel branch ran to its end while the parallel step still runs. */
  branchEnded(sequence: string): void {
    this.marks.end(sequence);
    this.publishMarks();
  }

  /** A `compensate: all` step starts one compensation (runtime/saga.ts). */
  compensating(step: string, undo: string): void {
    const list = [...(this.status.compensations ?? []), { step, undo, state: 'running' as const }].slice(-MAX_COMPENSATIONS_SHOWN);
    this.status = { ...this.status, compensations: list };
    this.context.df.setCustomStatus(this.status);
  }

  /** The compensation started last has ended. */
  compensated(outcome: { outcome: 'completed' | 'failed'; error?: { name: string; message: string } }): void {
    const list = [...(this.status.compensations ?? [])];
    const last = list[list.length - 1];
    if (!last) return;
    const error = outcome.error ? { name: outcome.error.name, message: [...outcome.error.message].slice(0, 200).join('') } : undefined;
    list[list.length - 1] = { ...last, state: outcome.outcome, ...(error ? { error } : {}) };
    this.status = { ...this.status, compensations: list };
    this.context.df.setCustomStatus(this.status);
  }

  /** The latest LATE_SHOWN late records and how many it leaves out (nothing when there are none). */
  private lateStatus(): Pick<WorkflowStatus, 'late' | 'lateOmitted'> {
    const all = this.late.records;
    if (all.length === 0) return {};
    const shown = all.slice(-LATE_SHOWN).map((r) => ({ ...r }));
    return all.length > LATE_SHOWN ? { late: shown, lateOmitted: all.length - LATE_SHOWN } : { late: shown };
  }

  private publishMarks(): void {
    this.status = { ...this.status, flow: this.marks.encode(), ...this.lateStatus() };
    this.context.df.setCustomStatus(this.status);
  }
}

export function begin(context: df.OrchestrationContext): WorkflowRun {
  return new WorkflowRun(context);
}
