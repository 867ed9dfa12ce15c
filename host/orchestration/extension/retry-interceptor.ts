/**
 * DurableTask.Core's RetryInterceptor (RetryInterceptor.cs, Invoke and ComputeNextDelay), which
 * runs CallActivityWithRetry / CallSubOrchestratorWithRetry for out-of-proc orchestrators. Each
 * attempt and each retry timer takes the next task id at the moment the interceptor reaches it
 * during replay, interleaved with whatever else the shim issues: that interleaving is what
 * durable-functions' RetryableTask does not follow, and why durable-flow never uses it.
 *
 * Rules: attempts up to maxNumberOfAttempts; after a failed attempt that is not the last, a timer
 * at now + min(first · backoff^retryCount, maxRetryInterval), or none (give up at once) when the
 * retry timeout counted from the first attempt has passed; after the last failed attempt a timer
 * due at once ("Dummy timer for back-compat", since durabletask#661), then the failure.
 * Defaults as the extension's RetryOptions: backoff 1, maxRetryInterval 6 days, no retry timeout.
 */
import type { Action } from '../actions';
import type { OrchestrationContext } from './context';
import { DTask } from './tasks';

export type RetryOptions = NonNullable<Action['retryOptions']>;

const SIX_DAYS = 6 * 24 * 3600 * 1000;

/** The delay before the retry after failed attempt `retryCount` (0-based), or 0 to give up. */
export function nextDelay(options: RetryOptions, retryCount: number, firstAttempt: Date, now: Date): number {
  const timeout = options.retryTimeoutInMilliseconds;
  if (timeout !== undefined && now.getTime() >= firstAttempt.getTime() + timeout) return 0;
  const delay = options.firstRetryIntervalInMilliseconds * (options.backoffCoefficient ?? 1) ** retryCount;
  const cap = options.maxRetryIntervalInMilliseconds ?? SIX_DAYS;
  return delay < cap ? delay : cap;
}

export function withRetries(context: OrchestrationContext, options: RetryOptions, attempt: () => DTask): DTask {
  const result = new DTask();
  const firstAttempt = context.now;
  let retryCount = 0;
  const run = (): void => {
    if (retryCount >= options.maxNumberOfAttempts) {
      result.settle('succeeded'); // no attempt at all (maxNumberOfAttempts < 1): the call returns default
      return;
    }
    const call = attempt();
    call.then(() => {
      if (call.status === 'succeeded') return void result.settle('succeeded');
      if (retryCount + 1 === options.maxNumberOfAttempts) {
        context.createTimer(context.now).then(() => result.settle('failed'));
        return;
      }
      const delay = nextDelay(options, retryCount, firstAttempt, context.now);
      if (delay === 0) return void result.settle('failed');
      context.createTimer(new Date(context.now.getTime() + delay)).then(() => {
        retryCount++;
        run();
      });
    });
  };
  run();
  return result;
}
