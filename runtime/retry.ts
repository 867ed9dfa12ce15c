/**
 * Calls with a step's `retry` and `timeout`, decided by orchestrator code from history.
 *
 * Why not durable-functions' callActivityWithRetry: the extension runs those retries itself
 * (DurableTask.Core RetryInterceptor) and numbers each retry timer and attempt while it replays,
 * interleaved with whatever else the orchestrator issues; durable-functions numbers them in its
 * own order. Once a retrying call sits in a Task.any or runs beside other work, the two orders
 * differ and the instance fails with NonDeterministicOrchestrationException on Azure (or maps
 * results to the wrong tasks). Here every attempt is a plain callActivity / callSubOrchestrator
 * and every back-off a plain createTimer, so both sides number them the same way.
 */
import type * as df from 'durable-functions';
import { timeoutError, toErrorInfo } from './errors';
import { cancel, deadlineIn, earliest, race } from './timers';
import type { Json } from './values';
import type { WorkflowRun } from './workflow';

/** A step's `retry`, in milliseconds. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** The back-off before the second attempt. */
  intervalMs: number;
  /** Multiplier applied to the back-off after each attempt (default 1). */
  backoff?: number;
  maxIntervalMs?: number;
  /** Retrying stops once this long has passed since the first attempt started. */
  timeoutMs?: number;
  /** Errors with these names are not retried. */
  nonRetryable?: readonly string[];
}

export interface CallOptions {
  retry?: RetryPolicy;
  /** The step's `timeout`: from the step's start, across every attempt and back-off. */
  timeoutMs?: number;
}

/** The back-off after attempt `attempt` (1-based) failed. */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  const ms = policy.intervalMs * (policy.backoff ?? 1) ** (attempt - 1);
  return policy.maxIntervalMs !== undefined ? Math.min(ms, policy.maxIntervalMs) : ms;
}

/**
 * When to start the attempt after `attempt` failed at `failedAt`, or undefined when the step
 * fails now: attempts used up, a non-retryable error, or the retry timeout passed. The last
 * back-off is shortened to end at the retry timeout, so a step gives up shortly after it.
 */
export function nextAttemptAt(policy: RetryPolicy, attempt: number, error: unknown, firstAt: number, failedAt: number): number | undefined {
  if (attempt >= policy.maxAttempts) return undefined;
  if (policy.nonRetryable?.includes(toErrorInfo(error).name)) return undefined;
  const at = failedAt + backoffMs(policy, attempt);
  if (policy.timeoutMs === undefined) return at;
  const expires = firstAt + policy.timeoutMs;
  return failedAt >= expires ? undefined : Math.min(at, expires);
}

/**
 * Runs `start()` (a fresh call each attempt) with the step's retry policy and timeout, and the
 * enclosing scope's deadline (`run.deadline`, set by a forEach/parallel with `timeout`).
 * Returns the result; throws the last attempt's error, or `Timeout`.
 */
export function* call(run: WorkflowRun, start: () => df.Task, what: string, options: CallOptions = {}): Generator<df.Task, Json, unknown> {
  const { context } = run;
  const now = (): number => context.df.currentUtcDateTime.getTime();
  const firstAt = now();
  const deadline = earliest(deadlineIn(context, options.timeoutMs, what), run.deadline);
  for (let attempt = 1; ; attempt++) {
    const task = start();
    if (!(yield* race(context, task, deadline))) throw timeoutError(deadline!.what, deadline!.ms);
    if (!task.isFaulted) return task.result ?? null;
    const error = task.result;
    const at = options.retry && nextAttemptAt(options.retry, attempt, error, firstAt, now());
    if (at === undefined) throw error;
    const backoff = context.df.createTimer(new Date(at));
    if (!(yield* race(context, backoff, deadline))) {
      cancel(context, backoff);
      throw timeoutError(deadline!.what, deadline!.ms);
    }
  }
}
