/**
 * Durable timers, deadlines and waits. Every wait that must end by a deadline races it with a
 * timer of its own: a task already yielded cannot go into a new Task.any, because the Durable
 * extension would schedule it again (durable-js#574), so no timer is ever re-raced.
 */
import type * as df from 'durable-functions';
import { instant } from './dates';
import { timeoutError } from './errors';

/** A point in orchestration time by which some scope must finish, and what to call it then. */
export interface Deadline {
  at: Date;
  /** The scope's length, for the error message. */
  ms: number;
  /** The scope, e.g. `forEach 'charges'` or `activity 'ChargeOrder'`. */
  what: string;
}

/** The replay-safe date `ms` from the orchestration's current time. */
export function after(context: df.OrchestrationContext, ms: number): Date {
  return new Date(context.df.currentUtcDateTime.getTime() + ms);
}

/**
 * A date from an `until` value: ISO 8601 text (a date-time without an offset is UTC), epoch ms,
 * or a Date; anything else, or a date past what a durable timer holds, fails with `InvalidDate`.
 */
export function dateOf(value: unknown, what = 'until'): Date {
  return new Date(instant(value, what));
}

/** A deadline `ms` from now for `what`; undefined when there is no such limit. */
export function deadlineIn(context: df.OrchestrationContext, ms: number | undefined, what: string): Deadline | undefined {
  return ms === undefined ? undefined : { at: after(context, ms), ms, what };
}

/** The earlier of two deadlines (either may be absent). */
export function earliest(a: Deadline | undefined, b: Deadline | undefined): Deadline | undefined {
  if (!a) return b;
  if (!b) return a;
  return b.at.getTime() < a.at.getTime() ? b : a;
}

export function passed(context: df.OrchestrationContext, deadline: Deadline | undefined): boolean {
  return deadline !== undefined && context.df.currentUtcDateTime.getTime() >= deadline.at.getTime();
}

/**
 * Cancels a timer that has not fired. Cancelling one that has fired throws in durable-functions
 * ("Cannot cancel a completed task."); a pending timer left uncancelled keeps the instance
 * Running on Azure until it fires (open tasks block completion).
 */
export function cancel(context: df.OrchestrationContext, timer: df.TimerTask | undefined): void {
  if (timer && !timer.isCompleted && !timer.isFaulted && !timer.isCanceled) {
    timer.cancel();
    cancelledIn.add(context.df);
  }
}

/** The executions (by their `context.df`) that cancelled a timer: see `continueAsNew` in versions.ts. */
const cancelledIn = new WeakSet<object>();

/** Whether this execution cancelled a timer (replay does the same cancels, so this is deterministic). */
export function cancelledATimer(context: df.OrchestrationContext): boolean {
  return cancelledIn.has(context.df);
}

/**
 * Waits for `task` (never yielded before) or `deadline`, whichever comes first. True when the
 * task finished (read `task.isFaulted` / `task.result`), false when the deadline came first;
 * a deadline already passed returns false without scheduling the task.
 */
export function* race(context: df.OrchestrationContext, task: df.Task, deadline: Deadline | undefined): Generator<df.Task, boolean, unknown> {
  if (!deadline) {
    try {
      yield task;
    } catch {
      // The caller reads the failure from the task.
    }
    return true;
  }
  if (passed(context, deadline)) return false;
  const timer = context.df.createTimer(deadline.at);
  yield context.df.Task.any([task, timer]);
  if (task.isCompleted || task.isFaulted) {
    cancel(context, timer);
    return true;
  }
  return false;
}

/** A durable timer until `at`, cut short by `deadline` (then it fails with Timeout). */
export function* sleepUntil(context: df.OrchestrationContext, at: Date, deadline: Deadline | undefined): Generator<df.Task, null, unknown> {
  if (deadline && deadline.at.getTime() <= at.getTime()) {
    // One timer does both: the deadline comes first.
    if (!passed(context, deadline)) yield context.df.createTimer(deadline.at);
    throw timeoutError(deadline.what, deadline.ms);
  }
  yield context.df.createTimer(at);
  return null;
}

/**
 * Waits for the external event `name`. With `ms`, races it with a timer (cancelled when the
 * event wins); on timeout, `onTimeout: 'continue'` yields null and `'fail'` throws `Timeout`.
 * An enclosing deadline that comes first fails the wait with that scope's Timeout.
 */
export function* waitForEvent(
  context: df.OrchestrationContext,
  name: string,
  ms: number | undefined,
  onTimeout: 'fail' | 'continue',
  enclosing?: Deadline,
): Generator<df.Task, unknown, unknown> {
  const own = deadlineIn(context, ms, `waiting for event '${name}'`);
  const deadline = earliest(own, enclosing);
  const event = context.df.waitForExternalEvent(name);
  if (yield* race(context, event, deadline)) return event.result ?? null;
  if (deadline === own && onTimeout === 'continue') return null;
  throw timeoutError(deadline!.what, deadline!.ms);
}
