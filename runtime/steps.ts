/**
 * The waits generated steps make: activities, child workflows, timers and events. Each honours
 * the step's own retry/timeout and the enclosing scope's deadline (`run.deadline`, set by a
 * forEach or parallel step with a `timeout` while one of its bodies runs).
 */
import type * as df from 'durable-functions';
import { call, type CallOptions } from './retry';
import { after, dateOf, sleepUntil, waitForEvent, waitForFirstEvent } from './timers';
import { childVersion } from './version-text';
import type { Json } from './values';
import type { WorkflowRun } from './workflow';

/** An `activity` step. */
export function* activity(run: WorkflowRun, name: string, input?: Json, options?: CallOptions): Generator<df.Task, Json, unknown> {
  return yield* call(run, () => run.context.df.callActivity(name, input), `activity '${name}'`, options);
}

/**
 * A `workflow` step: the child runs as a sub-orchestration (a new instance id per attempt), with
 * the version of the child this version of the caller was compiled against, passed explicitly.
 */
export function* workflow(run: WorkflowRun, child: { name: string; version: number }, input?: Json, options?: CallOptions): Generator<df.Task, Json, unknown> {
  return yield* call(run, () => run.context.df.callSubOrchestrator(child.name, input ?? null, undefined, childVersion(run.context, child.version)), `workflow '${child.name}'`, options);
}

/** A `delay` step. */
export function* delay(run: WorkflowRun, ms: number): Generator<df.Task, null, unknown> {
  return yield* sleepUntil(run.context, after(run.context, ms), run.deadline);
}

/** An `until` step: a date-time (ISO text, epoch ms or Date). */
export function* until(run: WorkflowRun, at: unknown): Generator<df.Task, null, unknown> {
  return yield* sleepUntil(run.context, dateOf(at), run.deadline);
}

/** A `waitForEvent` step: the event's payload, or null after a timeout with `onTimeout: continue`. */
export function* event(run: WorkflowRun, name: string, timeoutMs: number | undefined, onTimeout: 'fail' | 'continue'): Generator<df.Task, Json, unknown> {
  return yield* waitForEvent(run.context, name, timeoutMs, onTimeout, run.deadline);
}

/** A `waitForEvent: [A, B]` step: `{ name, data }` of the first event, or null after a timeout with `onTimeout: continue`. */
export function* firstEvent(run: WorkflowRun, names: readonly string[], timeoutMs: number | undefined, onTimeout: 'fail' | 'continue'): Generator<df.Task, Json, unknown> {
  return (yield* waitForFirstEvent(run.context, names, timeoutMs, onTimeout, run.deadline)) as Json;
}
