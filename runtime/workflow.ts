/**
 * Per-execution workflow state: input, step outputs, variables, and the custom status, which
 * carries the user's `status` value and the progress of running forEach steps.
 */
import type * as df from 'durable-functions';
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
}

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
  private status: WorkflowStatus = { status: null };

  constructor(readonly context: df.OrchestrationContext) {
    this.input = context.df.getInput() ?? null;
    this.instanceId = context.df.instanceId;
  }

  /** A slice of a partitioned forEach runs its body with the parent's scope, sent as its input. */
  static restore(context: df.OrchestrationContext, instanceId: string, from: { input: Json; vars: Record<string, Json>; steps: Steps }): WorkflowRun {
    const run = new WorkflowRun(context);
    Object.assign(run, { input: from.input, instanceId });
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
}

export function begin(context: df.OrchestrationContext): WorkflowRun {
  return new WorkflowRun(context);
}
