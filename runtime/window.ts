/**
 * The capped fan-out window: runs several step bodies (generators) cooperatively inside one
 * orchestrator, never more than `maxParallel` at once, starting a new one as soon as one
 * finishes, results in input order. Every completion, failure or fired timer of any body is acted
 * on when durable-functions delivers it, whatever the order and durations.
 *
 * Two rules of the Durable extension shape it:
 *
 * - The compound-action trap (durable-js#574): the extension gives every child of a NEW
 *   Task.any/Task.all a new task id, so a task that was already yielded and is put into a new
 *   compound gets scheduled AGAIN on Azure. The textbook window (`yield Task.any(inflight)`)
 *   thus runs activities twice and maps results to the wrong items. Here a task goes into a
 *   compound only the one time it is started.
 * - One action at a time (OutOfProcOrchestrationShim.ProcessAsyncActionsV2): the extension
 *   replays the orchestrator's action list in order and issues action k+1 only once action k has
 *   completed. A compound that starts tasks while others still run must not hold back what the
 *   window starts after it.
 *
 * So each round:
 * - Tasks the bodies just started ("fresh": never yielded) are yielded once, together, in one
 *   Task.any. When older tasks still run, that Task.any also holds a "gate": a timer created
 *   cancelled, which completes the compound at once on the extension's side (a cancelled timer
 *   ends its Task.any there), so whatever the window starts next is issued in the same episode.
 *   The older tasks are linked to the compound (watch.ts): they wake it too, on the JavaScript
 *   side only, without entering its action.
 * - With nothing fresh, it waits on a watch of every running task (watch.ts): no action, and it
 *   wakes at the first of them to end.
 * - Every wake harvests every body whose task has ended, in start order, and refills the free
 *   slots. durable-functions resumes the orchestrator at each completion while it replays an
 *   episode's new events, so each is acted on in the episode that delivers it.
 *
 * A `timeout` is a deadline every wait inside the bodies races with a timer of its own
 * (`run.deadline`, set while a body runs; see steps.ts), so the window wakes at the deadline, and
 * then fails the step with `Timeout`.
 *
 * A quorum (`atLeast`, `succeedWhen` in the language) is checked after every harvest, so it is
 * decided in the episode that delivers the deciding result. When the window ends early (quorum
 * decided, deadline passed, a body failed), the bodies still in flight are abandoned through
 * runtime/late.ts: their timers cancelled, their activities and children left to end on their own
 * and recorded. Each wait the window yields stands for the tasks of all its bodies (`standsFor`),
 * so an enclosing window that abandons this one reaches them too.
 */
import type * as df from 'durable-functions';
import { timeoutError, toErrorInfo, wireText, WorkflowError } from './errors';
import { standsFor } from './late';
import { after, cancel, earliest, passed, type Deadline } from './timers';
import { ended, link, watch, yielded } from './watch';
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
  /**
   * `succeedWhen: { atLeast }` (a whole number, 1 to the number of bodies; fanout.ts checks it):
   * the window ends as soon as this many bodies have succeeded, or fails with `QuorumNotReached`
   * as soon as so many have failed that it cannot be reached; a failing body does not fail it.
   * Bodies still running then are abandoned (runtime/late.ts).
   */
  atLeast?: number;
  /** The step, for error messages: `parallel`, `forEach 'charges'`. */
  what?: string;
}

interface Fiber {
  index: number;
  body: Body;
  task?: df.Task;
  /** The deadline its waits race: this scope's, or a `try`/`repeat` timeout's inside the body (timers.ts enterDeadline). */
  deadline?: Deadline;
}

/**
 * How far ahead a gate timer is set. It is cancelled when created, so it never holds anything up;
 * the extension still delivers its firing then (a no-op), so it is set after the window has
 * most likely ended, and within a short timer's limit (6 days on Azure Storage).
 */
const GATE_MS = 24 * 3600_000;

export function* runWindow(run: WorkflowRun, count: number, start: (index: number) => Body, options: WindowOptions): Generator<df.Task, Json[], Json> {
  const { context } = run;
  const outer = run.deadline;
  const deadline = earliest(options.deadline, outer);
  const cap = options.maxParallel ?? Number.POSITIVE_INFINITY;
  const results: Json[] = new Array(count).fill(null);
  const inflight: Fiber[] = [];
  let next = 0;
  let done = 0;
  let failed = 0;
  const quorum = options.atLeast;
  let firstError: string | undefined;

  /** Advances a body until it yields a task (it stays in flight) or ends (returns true). */
  const advance = (f: Fiber, input: { value: Json } | { error: unknown }): boolean => {
    let r: IteratorResult<df.Task, Json>;
    // The body's waits race this scope's deadline while it runs (and the enclosing one's), or
    // the deadline of a scope with a timeout the body is in.
    run.deadline = f.deadline;
    try {
      r = 'error' in input ? f.body.throw(input.error) : f.body.next(input.value);
    } catch (e) {
      run.deadline = outer;
      done++;
      failed++;
      // With a quorum, a failing body only counts against it (its slot stays null unless onItemError: continue).
      if (options.onItemError === 'fail' && quorum === undefined) throw e;
      firstError ??= wireText(toErrorInfo(e));
      if (options.onItemError === 'continue') results[f.index] = { error: toErrorInfo(e) };
      return true;
    }
    f.deadline = run.deadline;
    run.deadline = outer;
    if (r.done) {
      done++;
      results[f.index] = r.value ?? null;
      return true;
    }
    f.task = r.value;
    return false;
  };

  /** With a quorum: 'reached', 'lost', or undefined while it is still open. */
  const decided = (): 'reached' | 'lost' | undefined => {
    if (quorum === undefined) return undefined;
    if (done - failed >= quorum) return 'reached';
    return count - failed < quorum ? 'lost' : undefined;
  };

  const fill = (): void => {
    while (inflight.length < cap && next < count && decided() === undefined) {
      const f: Fiber = { index: next, body: start(next), deadline };
      next++;
      if (!advance(f, { value: undefined })) inflight.push(f);
    }
  };

  const report = (): void => options.onProgress?.({ done, failed, total: count });
  const checkDeadline = (): void => {
    if (passed(context, deadline)) throw timeoutError(deadline!.what, deadline!.ms);
  };

  /** Abandons every body still in flight (runtime/late.ts): cancels its timers, records its late outcomes. */
  const abandonAll = (by: 'timeout' | 'quorum' | 'failure'): void => {
    for (const f of inflight) run.late.abandon(run, f.task, by);
    inflight.length = 0;
    run.publishLate();
  };

  /** Runs `step`; when it fails the window (a failed body, the deadline), the bodies still in flight are abandoned. */
  const guarded = (step: () => void): void => {
    try {
      step();
    } catch (e) {
      // This scope's deadline, or a body that failed (its siblings are abandoned by that failure).
      abandonAll(passed(context, deadline) ? 'timeout' : 'failure');
      throw e;
    }
  };

  /** Advances every body whose task has ended, in start order, and refills the free slots. */
  const harvest = (): void => guarded(() => {
    for (let i = 0; i < inflight.length; ) {
      const f = inflight[i];
      const t = f.task!;
      if (!ended(t)) {
        i++;
        continue;
      }
      const finished = t.isFaulted ? advance(f, { error: t.result }) : advance(f, { value: t.result });
      if (finished) inflight.splice(i, 1);
      else i++;
    }
    checkDeadline();
    fill();
  });

  /** A timer that is cancelled as it is created: in a Task.any, it ends that compound at once on the extension's side. */
  const gate = (): df.Task => {
    const timer = context.df.createTimer(after(context, GATE_MS));
    cancel(context, timer);
    return timer;
  };

  guarded(() => {
    checkDeadline();
    fill();
  });
  report();
  while (inflight.length > 0 && decided() === undefined) {
    // A body can yield a task that has ended already (one it yielded before): nothing to wait for.
    if (inflight.some((f) => ended(f.task!))) {
      harvest();
      report();
      continue;
    }
    const fresh = inflight.filter((f) => !yielded(f.task!)).map((f) => f.task!);
    const older = inflight.filter((f) => yielded(f.task!)).map((f) => f.task!);
    let wait: df.Task;
    if (fresh.length === 0) {
      // Nothing to start: wake at whichever running task ends first, scheduling nothing.
      wait = watch(older);
    } else if (older.length === 0) {
      // Everything running starts now: the compound ends on the extension when the first of them does, as here.
      wait = fresh.length === 1 ? fresh[0] : context.df.Task.any(fresh);
    } else {
      // Start the fresh tasks, with a gate so that the extension does not hold back the next
      // action until one of them ends; the older ones wake the window too.
      wait = context.df.Task.any([...fresh, gate()]);
      link(wait, older);
    }
    // An enclosing window that abandons this one reaches every body in flight through the wait.
    standsFor(wait, () => inflight.map((f) => f.task!));
    try {
      yield wait;
    } catch {
      // A faulted task surfaces here when yielded alone; it is harvested below like any other.
    }
    harvest();
    report();
  }
  const outcome = decided();
  // The quorum is decided: the bodies still running are abandoned, their results ignored.
  if (outcome !== undefined) abandonAll('quorum');
  if (outcome === 'lost') {
    throw new WorkflowError('QuorumNotReached', `${options.what ?? 'the step'}: at least ${quorum} of ${count} had to succeed, but ${failed} failed${firstError ? ` (first: ${firstError})` : ''}`);
  }
  return results;
}
