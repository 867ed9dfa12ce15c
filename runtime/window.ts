/**
 * The capped fan-out window: runs several step bodies (generators) cooperatively inside one
 * orchestrator, never more than `maxParallel` at once, starting a new one as soon as one
 * finishes, results in input order.
 *
 * The compound-action trap (durable-js#574): the Durable extension gives every child of a NEW
 * Task.any/Task.all a new task id, so a task that was already yielded and is put into a new
 * compound gets scheduled AGAIN on Azure. The textbook window (`yield Task.any(inflight)`) thus
 * runs activities twice and maps results to the wrong items. This window never puts a yielded
 * task into a compound:
 *
 * - Tasks the bodies just started ("fresh": never yielded before) are yielded once, together, in
 *   one Task.any; when older tasks are still running, with a timer due now, so the window is
 *   back in the next episode instead of waiting for the new batch.
 * - Otherwise it waits on the oldest in-flight task alone (re-yielding one task schedules nothing).
 * - Every wake harvests every in-flight task whose isCompleted/isFaulted is set, in start order,
 *   and refills the free slots.
 *
 * Waiting on the oldest suits work of similar length, which finishes in start order; completions
 * of newer tasks are seen when the oldest finishes (or at the next start round). The cap, the
 * input order of results and exactly-once scheduling hold in every order.
 *
 * A `timeout` is a deadline every wait inside the bodies races with a timer of its own
 * (`run.deadline`, set while a body runs; see steps.ts), so the window wakes at the deadline
 * whichever task it is waiting on, and then fails the step with `Timeout`.
 */
import type * as df from 'durable-functions';
import { timeoutError, toErrorInfo } from './errors';
import { cancel, earliest, passed, type Deadline } from './timers';
import type { Json } from './values';
import type { Progress, WorkflowRun } from './workflow';

export type Body = Generator<df.Task, Json, Json>;

export interface WindowOptions {
  /** Bodies in flight at most; undefined for no cap. */
  maxParallel?: number;
  onItemError: 'fail' | 'continue';
  onProgress?: (p: Progress) => void;
  /** This scope's deadline: every wait in the bodies races it, and the step fails with `Timeout` at it. */
  deadline?: Deadline;
}

interface Fiber {
  index: number;
  body: Body;
  task?: df.Task;
}

/** Whether durable-functions has scheduled a task already (it was yielded before): such a task must never go into a new compound. */
function yielded(task: df.Task): boolean {
  return (task as { alreadyScheduled?: boolean }).alreadyScheduled === true;
}

export function* runWindow(run: WorkflowRun, count: number, start: (index: number) => Body, options: WindowOptions): Generator<df.Task, Json[], Json> {
  const { context } = run;
  const outer = run.deadline;
  const deadline = earliest(options.deadline, outer);
  const cap = options.maxParallel ?? Number.POSITIVE_INFINITY;
  const results: Json[] = new Array(count).fill(null);
  const inflight: Fiber[] = [];
  let fresh: df.Task[] = [];
  let next = 0;
  let done = 0;
  let failed = 0;

  /** Advances a body until it yields a task (it stays in flight) or ends (returns true). */
  const advance = (f: Fiber, input: { value: Json } | { error: unknown }): boolean => {
    let r: IteratorResult<df.Task, Json>;
    // The body's waits race this scope's deadline while it runs (and the enclosing one's).
    run.deadline = deadline;
    try {
      r = 'error' in input ? f.body.throw(input.error) : f.body.next(input.value);
    } catch (e) {
      run.deadline = outer;
      done++;
      failed++;
      if (options.onItemError === 'fail') throw e;
      results[f.index] = { error: toErrorInfo(e) };
      return true;
    }
    run.deadline = outer;
    if (r.done) {
      done++;
      results[f.index] = r.value ?? null;
      return true;
    }
    f.task = r.value;
    // A body may yield a task it yielded before (a nested window waiting on its oldest task).
    if (!yielded(r.value)) fresh.push(r.value);
    return false;
  };

  const fill = (): void => {
    while (inflight.length < cap && next < count) {
      const f: Fiber = { index: next, body: start(next) };
      next++;
      if (!advance(f, { value: undefined })) inflight.push(f);
    }
  };

  const report = (): void => options.onProgress?.({ done, failed, total: count });
  const checkDeadline = (): void => {
    if (passed(context, deadline)) throw timeoutError(deadline!.what, deadline!.ms);
  };

  checkDeadline();
  fill();
  report();
  while (inflight.length > 0) {
    let wait: df.Task;
    let timer: df.TimerTask | undefined;
    if (fresh.length > 0) {
      // Start the fresh tasks. With older tasks still running, also wait on a timer due now: the
      // window is then back in the next episode (after every message delivered with this one)
      // instead of waiting for the new batch while older tasks finish unseen.
      const older = inflight.length > fresh.length;
      timer = older ? context.df.createTimer(context.df.currentUtcDateTime) : undefined;
      const targets = timer ? [...fresh, timer] : fresh;
      wait = targets.length === 1 ? targets[0] : context.df.Task.any(targets);
      fresh = [];
    } else {
      wait = inflight[0].task!;
    }
    try {
      yield wait;
    } catch {
      // A faulted task surfaces here when yielded alone; it is harvested below like any other.
    }
    cancel(context, timer);
    for (let i = 0; i < inflight.length; ) {
      const f = inflight[i];
      const t = f.task!;
      if (!t.isCompleted && !t.isFaulted) {
        i++;
        continue;
      }
      const ended = t.isFaulted ? advance(f, { error: t.result }) : advance(f, { value: t.result });
      if (ended) inflight.splice(i, 1);
      else i++;
    }
    checkDeadline();
    fill();
    report();
  }
  return results;
}
