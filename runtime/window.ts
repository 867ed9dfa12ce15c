/**
 * The capped fan-out window: runs several step bodies (generators) cooperatively inside one
 * orchestrator, never more than `maxParallel` at once, starting a new one as soon as one
 * finishes, results in input order.
 *
 * The compound-action trap (durable-js#574): the Durable extension gives every child of a NEW
 * Task.any/Task.all a new task id, so a task that was already yielded and is put into a new
 * compound gets scheduled AGAIN on Azure. The textbook window (`yield Task.any(inflight)`) thus
 * runs activities twice and maps results to the wrong items. This window never does that: each
 * round it yields only the tasks started since the last round (as one Task.any), or, when none
 * were started, the oldest in-flight task alone (re-yielding a single task schedules nothing).
 * After waking it harvests every in-flight task whose isCompleted/isFaulted is set.
 */
import type * as df from 'durable-functions';
import { timeoutError, toErrorInfo, WorkflowError } from './errors';
import { runPartitioned, type PartitionOptions } from './partition';
import { scope, type Json, type Steps } from './values';
import type { Progress, WorkflowRun } from './workflow';

export type Body = Generator<df.Task, Json, Json>;

export interface WindowOptions {
  /** Bodies in flight at most; undefined for no cap. */
  maxParallel?: number;
  onItemError: 'fail' | 'continue';
  onProgress?: (p: Progress) => void;
  /** Fail with `Timeout` once the orchestration's clock passes this (checked each time the window wakes). */
  deadline?: Date;
  what?: string;
}

interface Fiber {
  index: number;
  body: Body;
  task?: df.Task;
}

export function* runWindow(context: df.OrchestrationContext, count: number, start: (index: number) => Body, options: WindowOptions): Generator<df.Task, Json[], Json> {
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
    try {
      r = 'error' in input ? f.body.throw(input.error) : f.body.next(input.value);
    } catch (e) {
      done++;
      failed++;
      if (options.onItemError === 'fail') throw e;
      results[f.index] = { error: toErrorInfo(e) };
      return true;
    }
    if (r.done) {
      done++;
      results[f.index] = r.value ?? null;
      return true;
    }
    f.task = r.value;
    fresh.push(r.value);
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

  fill();
  report();
  let settle = false;
  while (inflight.length > 0) {
    // After waking on a task, also wait on a timer due now: the library resumes us at the FIRST
    // completion of an episode, before it has applied the others delivered with it. The timer
    // fires in the next episode, after all of them, so the window sees every slot that freed up.
    const timer: df.TimerTask | undefined = settle ? context.df.createTimer(context.df.currentUtcDateTime) : undefined;
    const targets = timer ? [...fresh, timer] : fresh;
    const wait = targets.length === 1 ? targets[0] : targets.length > 1 ? context.df.Task.any(targets) : inflight[0].task!;
    fresh = [];
    try {
      yield wait;
    } catch {
      // A faulted task surfaces here when yielded alone; it is harvested below like any other.
    }
    const byTimer: boolean = timer?.isCompleted === true;
    if (timer && !byTimer) timer.cancel();
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
    if (options.deadline && context.df.currentUtcDateTime.getTime() >= options.deadline.getTime()) {
      throw timeoutError(options.what ?? 'forEach', options.deadline.getTime() - context.df.currentUtcDateTime.getTime());
    }
    // Only tasks that were already running can have completions still unseen in this episode.
    settle = !byTimer && inflight.some((f) => !f.task!.isCompleted && !f.task!.isFaulted);
    fill();
    report();
  }
  return results;
}

export interface ForEachOptions {
  /** The step's name in progress reports. */
  step: string;
  items: Json;
  maxParallel?: number;
  onItemError: 'fail' | 'continue';
  timeoutMs?: number;
  /** Set when the body can run in slice orchestrations: lists longer than `size` are partitioned. */
  partition?: PartitionOptions;
}

/**
 * A forEach step: the body runs once per item (in its own step scope), at most maxParallel at
 * once; a list longer than the partition size runs in slice orchestrations (runtime/partition.ts).
 */
export function* forEach(
  run: WorkflowRun,
  parent: Steps,
  options: ForEachOptions,
  body: (item: Json, index: number, steps: Steps, run: WorkflowRun) => Body,
): Generator<df.Task, Json[], Json> {
  const { context } = run;
  if (!Array.isArray(options.items)) {
    throw new WorkflowError('InvalidItems', `forEach '${options.step}': expected a list, got ${options.items === null ? 'null' : typeof options.items}`);
  }
  const items: Json[] = options.items;
  const deadline = options.timeoutMs === undefined ? undefined : new Date(context.df.currentUtcDateTime.getTime() + options.timeoutMs);
  const partition = options.partition;
  if (partition && partition.size > 0 && items.length > partition.size) {
    return yield* runPartitioned({
      run,
      parent,
      step: options.step,
      items,
      maxParallel: options.maxParallel,
      onItemError: options.onItemError,
      deadline,
      partition,
      report: (done, failed) => run.progress(options.step, { done, failed, total: items.length }),
    });
  }
  return yield* runWindow(context, items.length, (i) => body(items[i], i, scope(parent), run), {
    maxParallel: options.maxParallel,
    onItemError: options.onItemError,
    onProgress: (p) => run.progress(options.step, p),
    deadline,
    what: `forEach '${options.step}'`,
  });
}

/** A parallel step: static branches, at most maxParallel at once; output is each branch's last output. */
export function* parallel(
  run: WorkflowRun,
  parent: Steps,
  maxParallel: number | undefined,
  branches: ReadonlyArray<(steps: Steps) => Body>,
): Generator<df.Task, Json[], Json> {
  return yield* runWindow(run.context, branches.length, (i) => branches[i](scope(parent)), { maxParallel, onItemError: 'fail' });
}
