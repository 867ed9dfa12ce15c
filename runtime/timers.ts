/** Durable timers, step timeouts and wait-for-event-with-timeout. */
import type * as df from 'durable-functions';
import { timeoutError, WorkflowError } from './errors';

/** The replay-safe date `ms` from the orchestration's current time. */
export function after(context: df.OrchestrationContext, ms: number): Date {
  return new Date(context.df.currentUtcDateTime.getTime() + ms);
}

/** A date from an `until` value (ISO string, epoch ms, or Date). */
export function dateOf(value: unknown): Date {
  const d = value instanceof Date ? value : new Date(value as string | number);
  if (Number.isNaN(d.getTime())) throw new WorkflowError('InvalidDate', `until: '${String(value)}' is not a date-time`);
  return d;
}

/**
 * Waits for `task`, failing with `Timeout` after `ms`. The timer is cancelled when the task
 * wins (a pending timer would keep the orchestration from completing).
 */
export function* withTimeout(context: df.OrchestrationContext, task: df.Task, ms: number, what: string): Generator<df.Task, unknown, unknown> {
  const timer = context.df.createTimer(after(context, ms));
  const winner = yield context.df.Task.any([task, timer]);
  if (winner === timer) throw timeoutError(what, ms);
  timer.cancel();
  if (task.isFaulted) throw task.result;
  return task.result;
}

/**
 * Waits for the external event `name`. With `ms`, races it with a timer that is cancelled when
 * the event wins; on timeout, `onTimeout: 'continue'` yields null and `'fail'` throws `Timeout`.
 */
export function* waitForEvent(
  context: df.OrchestrationContext,
  name: string,
  ms: number | undefined,
  onTimeout: 'fail' | 'continue',
): Generator<df.Task, unknown, unknown> {
  const event = context.df.waitForExternalEvent(name);
  if (ms === undefined) return yield event;
  const timer = context.df.createTimer(after(context, ms));
  const winner = yield context.df.Task.any([event, timer]);
  if (winner === event) {
    timer.cancel();
    return event.result ?? null;
  }
  if (onTimeout === 'continue') return null;
  throw timeoutError(`waiting for event '${name}'`, ms);
}
