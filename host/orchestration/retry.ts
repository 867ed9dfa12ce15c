/**
 * When the extension retries a failed CallActivityWithRetry / CallSubOrchestratorWithRetry.
 * The extension (not the JS library) runs the retry loop: DurableTask.Core's RetryInterceptor
 * awaits the call, and after EVERY failed attempt, the last included, creates a retry timer
 * (one task id) unless the computed delay is zero; then, if attempts remain, calls again (the
 * next task id). durable-js's RetryableTask mirrors this: it waits for that timer after each
 * failure and only fails the task once the timer after the last attempt has fired.
 * Unset options take the extension's defaults (RetryOptionsConverter: backoff 1, no cap, no timeout).
 */
import type { Action } from './actions';

export type RetryOptions = NonNullable<Action['retryOptions']>;

/**
 * The delay before the retry timer after attempt `failedAttempt` (1-based) failed, or undefined
 * when the interceptor gives up at once (zero delay: the retry timeout has passed or the cap is 0).
 */
export function retryDelay(options: RetryOptions, failedAttempt: number, firstAttemptAt: Date, now: Date): number | undefined {
  const timeout = options.retryTimeoutInMilliseconds;
  if (timeout !== undefined && now.getTime() >= firstAttemptAt.getTime() + timeout) return undefined;
  const delay = options.firstRetryIntervalInMilliseconds * (options.backoffCoefficient ?? 1) ** (failedAttempt - 1);
  const cap = options.maxRetryIntervalInMilliseconds;
  const capped = cap !== undefined && delay >= cap ? cap : delay;
  return capped > 0 ? capped : undefined;
}

/** Whether another attempt follows the retry timer after attempt `failedAttempt`. */
export function attemptsLeft(options: RetryOptions, failedAttempt: number): boolean {
  return failedAttempt < options.maxNumberOfAttempts;
}
