/** A workflow's `retry` policy as Durable Functions RetryOptions. */
import * as df from 'durable-functions';

export function retryOptions(
  firstIntervalMs: number,
  maxAttempts: number,
  extra: { backoff?: number; maxIntervalMs?: number; timeoutMs?: number } = {},
): df.RetryOptions {
  const o = new df.RetryOptions(firstIntervalMs, maxAttempts);
  if (extra.backoff !== undefined) o.backoffCoefficient = extra.backoff;
  if (extra.maxIntervalMs !== undefined) o.maxRetryIntervalInMilliseconds = extra.maxIntervalMs;
  if (extra.timeoutMs !== undefined) o.retryTimeoutInMilliseconds = extra.timeoutMs;
  return o;
}
