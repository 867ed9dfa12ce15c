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
import { MAX_DURATION_MS } from './dates';
import { timeoutError, toErrorInfo } from './errors';
import { cancel, deadlineIn, earliest, race } from './timers';
import type { Json } from './values';
import type { WorkflowRun } from './workflow';

/**
 * One retry policy of a step, in milliseconds. A step's `retry` is one policy, or a list of them
 * (Step Functions' retriers): each failure is handled by the first policy that lists its error's
 * name in `on`, else by the policy without `on`, else by none (the step fails at once). Each
 * policy counts its own attempts and back-offs.
 */
export interface RetryPolicy {
  /** Attempts this policy allows, the first attempt included; absent: unlimited (`timeoutMs` then bounds them). */
  maxAttempts?: number;
  /** The back-off before the second attempt. */
  intervalMs: number;
  /** Multiplier applied to the back-off after each attempt (default 1). */
  backoff?: number;
  maxIntervalMs?: number;
  /** Retrying stops once this long has passed since the first attempt started. */
  timeoutMs?: number;
  /** Errors with these names are not retried. */
  nonRetryable?: readonly string[];
  /** The error names this policy handles; absent: every error no other policy lists. */
  on?: readonly string[];
}

export interface CallOptions {
  retry?: RetryPolicy | readonly RetryPolicy[];
  /** The step's `timeout`: from the step's start, across every attempt and back-off. */
  timeoutMs?: number;
  /** The step's `attemptTimeout`: each attempt's own limit; an attempt over it fails with `Timeout` and may be retried. */
  attemptTimeoutMs?: number;
}

/** The back-off after attempt `attempt` (1-based) failed. */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  // Capped at the longest duration: a long exponential back-off would overflow a timer's date.
  const ms = Math.min(policy.intervalMs * (policy.backoff ?? 1) ** (attempt - 1), MAX_DURATION_MS);
  return policy.maxIntervalMs !== undefined ? Math.min(ms, policy.maxIntervalMs) : ms;
}

/** The policy that handles an error named `name`: the first listing it in `on`, else the first without `on`. */
export function policyFor(retry: RetryPolicy | readonly RetryPolicy[] | undefined, name: string): RetryPolicy | undefined {
  if (retry === undefined) return undefined;
  const policies: readonly RetryPolicy[] = Array.isArray(retry) ? retry : [retry as RetryPolicy];
  return policies.find((p) => p.on?.includes(name)) ?? policies.find((p) => p.on === undefined);
}

/**
 * When to start the attempt after `attempt` failed at `failedAt`, or undefined when the step
 * fails now: attempts used up, a non-retryable error, or the retry timeout passed. The last
 * back-off is shortened to end at the retry timeout, so a step gives up shortly after it.
 * `attempt` counts the failures this policy has handled, this one included.
 */
export function nextAttemptAt(policy: RetryPolicy, attempt: number, error: unknown, firstAt: number, failedAt: number): number | undefined {
  if (policy.maxAttempts !== undefined && attempt >= policy.maxAttempts) return undefined;
  if (policy.nonRetryable?.includes(toErrorInfo(error).name)) return undefined;
  const at = failedAt + backoffMs(policy, attempt);
  if (policy.timeoutMs === undefined) return at;
  const expires = firstAt + policy.timeoutMs;
  return failedAt >= expires ? undefined : Math.min(at, expires);
}

/**
 * Runs `start()` (a fresh call each attempt) with the step's retry policies, attempt timeout and
 * timeout, and the enclosing scope's deadline (`run.deadline`, set by a forEach/parallel with
 * `timeout`). Returns the result; throws the last attempt's error, or `Timeout`.
 */
export function* call(run: WorkflowRun, start: () => df.Task, what: string, options: CallOptions = {}): Generator<df.Task, Json, unknown> {
  const { context } = run;
  const now = (): number => context.df.currentUtcDateTime.getTime();
  const firstAt = now();
  const deadline = earliest(deadlineIn(context, options.timeoutMs, what), run.deadline);
  /** Failures each policy has handled (a policy object stands for itself). */
  const handled = new Map<RetryPolicy, number>();
  for (let attempt = 1; ; attempt++) {
    const task = start();
    // An attempt races the earlier of its own limit and the step's deadline; only its own limit is retried.
    const own = deadlineIn(context, options.attemptTimeoutMs, `${what} attempt ${attempt}`);
    const limit = earliest(own, deadline);
    let error: unknown;
    if (!(yield* race(context, task, limit))) {
      // The attempt goes on without us: its late outcome is recorded (runtime/late.ts).
      run.late.abandon(run, task, 'timeout');
      run.publishLate();
      if (limit !== own) throw timeoutError(deadline!.what, deadline!.ms);
      error = timeoutError(own!.what, own!.ms);
    } else if (!task.isFaulted) {
      return task.result ?? null;
    } else {
      error = task.result;
    }
    const policy = policyFor(options.retry, toErrorInfo(error).name);
    const count = policy ? (handled.get(policy) ?? 0) + 1 : 0;
    if (policy) handled.set(policy, count);
    const at = policy && nextAttemptAt(policy, count, error, firstAt, now());
    if (at === undefined) throw error;
    const backoff = context.df.createTimer(new Date(at));
    if (!(yield* race(context, backoff, deadline))) {
      cancel(context, backoff);
      throw timeoutError(deadline!.what, deadline!.ms);
    }
  }
}
