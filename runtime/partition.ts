/**
 * Partitioned forEach: a list longer than the step's partition size runs as sub-orchestrations,
 * each over one slice, so no orchestration's history grows past a bound.
 *
 * Why: an orchestrator replays its whole history on every wake, so one orchestration that runs
 * N items does work that grows with N² (each of ~N wakes replays ~N events). Slices of at most
 * `size` items bound every history; the parent's history grows with N / size.
 *
 * The cap still holds across slices: C = maxParallel is split into slots (sliceCaps), one slice
 * runs per slot with that slot's share as its own cap, and the shares sum to C. Results come
 * back in input order; the body sees each item's index in the whole list.
 */
import type * as df from 'durable-functions';
import { toErrorInfo, WorkflowError, type ErrorInfo } from './errors';
import { call } from './retry';
import { childVersion } from './version-text';
import type { Deadline } from './timers';
import { scope, type Json, type Steps } from './values';
import { runWindow, type Body, type WindowOptions } from './window';
import { WorkflowRun } from './workflow';

/** A forEach body that can run in another orchestration: everything it reads comes in `run`. */
export type PartitionBody = (item: Json, index: number, steps: Steps, run: WorkflowRun) => Body;

export interface PartitionOptions {
  /** The orchestrator that runs slices of this workflow's partitionable forEach steps. */
  orchestrator: string;
  /** Lists longer than this run in slices of this many items; 0 never partitions. */
  size: number;
  /** What the body reads from the workflow's scope: only that is sent to each slice (`*`: every step). */
  reads: { input: boolean; vars: boolean; steps: readonly string[] };
}

/** The input of a slice orchestration. */
export interface SliceInput {
  /** The forEach step (its body's key in the partition orchestrator, and its progress name). */
  step: string;
  items: Json[];
  /** Index of the first item in the whole list. */
  offset: number;
  maxParallel?: number;
  onItemError: 'fail' | 'continue';
  /** The parent step's deadline (`at` as ISO text): the slice fails with Timeout at it. */
  deadline?: { at: string; ms: number; what: string };
  /** The workflow's instance id (what `instanceId` means inside the body). */
  instanceId: string;
  scope: { input: Json; vars: Record<string, Json>; steps: Steps };
}

/** What a slice answers: its results in order, or the first item error (onItemError: fail). */
export type SliceOutput = { results: Json[]; failed: number } | { error: ErrorInfo };

/** Slices in flight at once aim for this cap each: enough completions per episode to batch well. */
const SLICE_CAP = 10;

/**
 * How `slices` slices share `cap`: how many run at once, and the cap of each slot. At least two
 * run at once (when there are two), so one's tail overlaps another's full window; the slot caps
 * sum to exactly `cap`. A slice takes a free slot when it starts and frees it when it ends.
 */
export function sliceCaps(slices: number, cap: number | undefined): { atOnce: number; slotCaps: Array<number | undefined> } {
  if (cap === undefined) return { atOnce: slices, slotCaps: new Array(slices).fill(undefined) };
  const atOnce = Math.max(1, Math.min(slices, cap, Math.max(2, Math.ceil(cap / SLICE_CAP))));
  const base = Math.floor(cap / atOnce);
  const extra = cap % atOnce;
  return { atOnce, slotCaps: Array.from({ length: atOnce }, (_, slot) => base + (slot < extra ? 1 : 0)) };
}

/** The visible step outputs the body reads (`*`: all of them), copied out of the scope chain. */
function pick(steps: Steps, names: readonly string[]): Steps {
  const out: Steps = {};
  // for...in walks the scope chain (enclosing scopes' steps) too; ids are plain keys.
  if (names.includes('*')) for (const n in steps) out[n] = steps[n];
  else for (const n of names) if (n in steps) out[n] = steps[n];
  return out;
}

export interface PartitionedRun {
  run: WorkflowRun;
  parent: Steps;
  step: string;
  items: Json[];
  maxParallel?: number;
  onItemError: 'fail' | 'continue';
  deadline?: Deadline;
  partition: PartitionOptions;
  report: (done: number, failed: number) => void;
}

/** The parent's side: starts slice orchestrations through the capped window, joins their results. */
export function* runPartitioned(p: PartitionedRun): Generator<df.Task, Json[], Json> {
  const { run, items, partition } = p;
  const { context } = run;
  const slices = Math.ceil(items.length / partition.size);
  const caps = sliceCaps(slices, p.maxParallel);
  const shared = {
    input: partition.reads.input ? run.input : null,
    vars: partition.reads.vars ? run.vars : {},
    steps: pick(p.parent, partition.reads.steps),
  };
  let done = 0;
  let failed = 0;
  const outputs: SliceOutput[] = new Array(slices);
  // Slots in the order they free up: deterministic, so replay hands out the same ones.
  const free = caps.slotCaps.map((_, slot) => slot);
  const slice = function* (j: number): Body {
    const offset = j * partition.size;
    const slot = free.shift()!;
    const input: SliceInput = {
      step: p.step,
      items: items.slice(offset, offset + partition.size),
      offset,
      maxParallel: caps.slotCaps[slot],
      onItemError: p.onItemError,
      deadline: p.deadline && { ...p.deadline, at: p.deadline.at.toISOString() },
      instanceId: run.instanceId,
      scope: shared,
    };
    // The slice runs this version's body: its version is passed, not left to host.json's defaultVersion.
    const out = (yield* call(run, () => context.df.callSubOrchestrator(partition.orchestrator, input, undefined, childVersion(context, run.version)), `forEach '${p.step}'`)) as SliceOutput;
    free.push(slot);
    if ('error' in out) throw Object.assign(new WorkflowError(out.error.name, out.error.message), { slice: j });
    outputs[j] = out;
    done += out.results.length;
    failed += out.failed;
    return null;
  };
  const options: WindowOptions = { maxParallel: caps.atOnce, onItemError: 'fail', deadline: p.deadline, onProgress: () => p.report(done, failed) };
  yield* runWindow(run, slices, slice, options);
  return outputs.flatMap((o) => (o && 'results' in o ? o.results : []));
}

/** The slice's side: the body of the partition orchestrator generated for each workflow. */
export function* runSlice(context: df.OrchestrationContext, bodies: Readonly<Record<string, PartitionBody>>, version = 1): Generator<df.Task, Json, Json> {
  const input = context.df.getInput() as SliceInput;
  const body = Object.prototype.hasOwnProperty.call(bodies, input.step) ? bodies[input.step] : undefined;
  if (!body) throw new WorkflowError('InvalidPartition', `version ${version} of this workflow has no partitionable forEach step '${input.step}'`);
  const run = WorkflowRun.restore(context, input.instanceId, input.scope, version);
  let failed = 0;
  try {
    const results = yield* runWindow(run, input.items.length, (i) => body(input.items[i], input.offset + i, scope(run.steps), run), {
      maxParallel: input.maxParallel,
      onItemError: input.onItemError,
      onProgress: (p) => {
        failed = p.failed;
        run.progress(input.step, p);
      },
      deadline: input.deadline && { ...input.deadline, at: new Date(input.deadline.at) },
    });
    return { results, failed } satisfies SliceOutput;
  } catch (e) {
    // The parent raises the item's own error, not "sub-orchestration failed".
    return { error: toErrorInfo(e) } satisfies SliceOutput;
  }
}
