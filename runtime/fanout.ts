/**
 * The forEach and parallel steps: a list (or static branches) through the capped window, and a
 * long list through slice orchestrations (partition.ts).
 */
import type * as df from 'durable-functions';
import { WorkflowError } from './errors';
import { runPartitioned, type PartitionOptions } from './partition';
import { deadlineIn } from './timers';
import { scope, type Json, type Steps } from './values';
import { isBreak } from './repeat';
import { runWindow, type Body } from './window';
import type { WorkflowRun } from './workflow';

export interface ForEachOptions {
  /** The step's name in progress reports. */
  step: string;
  items: Json;
  maxParallel?: number;
  onItemError: 'fail' | 'continue';
  timeoutMs?: number;
  /** Set when the body can run in slice orchestrations: lists longer than `size` are partitioned. */
  partition?: PartitionOptions;
  /** `succeedWhen: { atLeast }`, as written or computed: checked by `quorumOf` when the step runs. */
  atLeast?: unknown;
}

/**
 * The `succeedWhen.atLeast` of a step with `count` bodies, checked when the step runs (it may be
 * computed): a whole number from 1 up. More than `count` can never be reached: `QuorumNotReached` at once.
 */
export function quorumOf(atLeast: unknown, count: number, what: string): number | undefined {
  if (atLeast === undefined) return undefined;
  if (typeof atLeast !== 'number' || !Number.isInteger(atLeast) || atLeast < 1) {
    const shown = typeof atLeast === 'object' && atLeast !== null ? (Array.isArray(atLeast) ? 'a list' : 'an object') : JSON.stringify(atLeast) ?? String(atLeast);
    throw new WorkflowError('InvalidQuorum', `${what}: succeedWhen.atLeast must be a whole number from 1 up, got ${shown}`);
  }
  if (atLeast > count) throw new WorkflowError('QuorumNotReached', `${what}: at least ${atLeast} had to succeed, but there are only ${count}`);
  return atLeast;
}

/**
 * A forEach step: the body runs once per item (in its own step scope), at most maxParallel at
 * once; a list longer than the partition size runs in slice orchestrations (partition.ts).
 */
export function* forEach(
  run: WorkflowRun,
  parent: Steps,
  options: ForEachOptions,
  body: (item: Json, index: number, steps: Steps, run: WorkflowRun) => Body,
): Generator<df.Task, Json[], Json> {
  if (!Array.isArray(options.items)) {
    throw new WorkflowError('InvalidItems', `forEach '${options.step}': expected a list, got ${options.items === null ? 'null' : typeof options.items}`);
  }
  const items: Json[] = options.items;
  const deadline = deadlineIn(run.context, options.timeoutMs, `forEach '${options.step}'`);
  const atLeast = quorumOf(options.atLeast, items.length, `forEach '${options.step}'`);
  // A quorum is decided over every item at once, so a forEach with one runs in this orchestration.
  const partition = atLeast === undefined ? options.partition : undefined;
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
  // One item at a time, a `break` in an item's body (runtime/repeat.ts) ends the step after that
  // item: the items after it run no step, and the output holds the results up to it.
  let broke: number | undefined;
  const item = function* (i: number): Body {
    if (broke !== undefined) return null;
    const out = yield* body(items[i], i, scope(parent), run);
    if (!isBreak(out)) return out;
    if (options.maxParallel === 1) broke = i;
    return out.output;
  };
  const results = yield* runWindow(run, items.length, item, {
    maxParallel: options.maxParallel,
    onItemError: options.onItemError,
    onProgress: (p) => run.progress(options.step, broke === undefined ? p : { ...p, done: Math.min(p.done, broke + 1), total: broke + 1 }),
    deadline,
    atLeast,
    what: `forEach '${options.step}'`,
  });
  return broke === undefined ? results : results.slice(0, broke + 1);
}

/**
 * A parallel step: static branches, at most maxParallel at once; output is each branch's last
 * output. With `step` (the step's graph key), each branch that finishes is reported to the
 * status pages (runtime/flow/state.ts), since the step itself goes on while others run.
 */
export function* parallel(
  run: WorkflowRun,
  parent: Steps,
  options: { step?: string; maxParallel?: number; timeoutMs?: number; atLeast?: unknown },
  branches: ReadonlyArray<(steps: Steps) => Body>,
): Generator<df.Task, Json[], Json> {
  const deadline = deadlineIn(run.context, options.timeoutMs, 'parallel');
  const key = options.step;
  const branch = function* (i: number): Body {
    const output = yield* branches[i](scope(parent));
    if (key !== undefined) run.branchEnded(`${key}.${i}`);
    return output;
  };
  const atLeast = quorumOf(options.atLeast, branches.length, 'parallel');
  return yield* runWindow(run, branches.length, branch, { maxParallel: options.maxParallel, onItemError: 'fail', deadline, atLeast, what: 'parallel' });
}
