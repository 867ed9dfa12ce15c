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

/** The deadline each scope deadline entered with `enterDeadline` replaced in `run.deadline`. */
const outerOf = new WeakMap<Deadline, Deadline | undefined>();

/**
 * Enters a scope with a `timeout` (a `try` or `repeat` step): until `leaveDeadline`, every wait
 * races the earlier of `ms` from now and the deadline already around it. The runs in flight of a
 * window keep theirs across their yields (window.ts), so a scope may span many waits.
 */
export function enterDeadline(run: { context: df.OrchestrationContext; deadline?: Deadline }, ms: number, what: string): void {
  const outer = run.deadline;
  // A new object even when the enclosing deadline is earlier: leaving restores exactly what was there.
  const inner = { ...earliest(deadlineIn(run.context, ms, what), outer)! };
  outerOf.set(inner, outer);
  run.deadline = inner;
}

/** Leaves the scope `enterDeadline` entered last (call it in a `finally`). */
export function leaveDeadline(run: { deadline?: Deadline }): void {
  if (!run.deadline || !outerOf.has(run.deadline)) throw new Error('internal error: leaveDeadline without enterDeadline');
  run.deadline = outerOf.get(run.deadline);
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

/** What a wait for the first of several events yields: which event came, and its payload. */
export interface FirstEvent {
  name: string;
  data: unknown;
}

/**
 * Waits for the first of the external events `names`: one wait per name, raced together (and with
 * a timer for `ms` or the enclosing deadline, cancelled when an event wins). The other waits are
 * left open, as Durable leaves any wait it no longer awaits: an event of one of those names that
 * arrives later goes to the newest wait for it, so a later wait for that name that is already
 * waiting gets it (docs/language.md#the-first-of-several-events).
 */
export function* waitForFirstEvent(
  context: df.OrchestrationContext,
  names: readonly string[],
  ms: number | undefined,
  onTimeout: 'fail' | 'continue',
  enclosing?: Deadline,
): Generator<df.Task, FirstEvent | null, unknown> {
  const own = deadlineIn(context, ms, `waiting for events ${names.map((n) => `'${n}'`).join(', ')}`);
  const deadline = earliest(own, enclosing);
  if (!passed(context, deadline)) {
    const waits = names.map((n) => context.df.waitForExternalEvent(n));
    const timer = deadline ? context.df.createTimer(deadline.at) : undefined;
    // One flat compound: the waits in the order written, then the timer.
    const won = (yield context.df.Task.any(timer ? [...waits, timer] : waits)) as df.Task;
    const i = waits.indexOf(won);
    if (i >= 0) {
      cancel(context, timer);
      return { name: names[i], data: won.result ?? null };
    }
  }
  if (deadline === own && onTimeout === 'continue') return null;
  throw timeoutError(deadline!.what, deadline!.ms);
}
