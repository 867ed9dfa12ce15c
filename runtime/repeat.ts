/**
 * The `repeat` step and `break`.
 *
 * An iteration runs the loop's body in a fresh step scope. Between two iterations: the
 * `interval` (a durable timer), then `while`; after each iteration: `until`. `maxIterations`
 * bounds the loop: one more iteration fails the step with `MaxIterations`, or ends it quietly
 * with `onMaxIterations: continue`. The output is the last iteration's output (or, after a
 * `break`, the output of the step before it).
 *
 * Fresh histories: every iteration adds events to the history an orchestrator replays on each
 * wake, so a loop of N iterations in one history costs ~N². A repeat whose body can run in
 * another orchestration (compiler/src/partition.ts says when; the generator then hoists it,
 * with `detach`) runs its first `every` iterations in the workflow's own history and the rest in
 * a loop orchestration (the workflow's `<workflow>-partition` function), which continues as new
 * after every `every` iterations carrying the loop's state (index, last output, what the body
 * reads), and answers the loop's output or error, and the variables, which the body may set. So no history holds more than `every`
 * iterations, and a loop of 10,000 polls replays as little per iteration as a loop of 100.
 */
import type * as df from 'durable-functions';
import { toErrorInfo, WorkflowError, type ErrorInfo } from './errors';
import { call } from './retry';
import { delay } from './steps';
import { cancelledATimer, enterDeadline, leaveDeadline } from './timers';
import { childVersion } from './version-text';
import { scope, type Json, type Steps } from './values';
import { WorkflowRun } from './workflow';

/** What expressions inside a repeat read as `loop`. */
export interface Loop {
  /** The iteration's number, from 0. */
  readonly index: number;
  /** The output of the iteration before (null before the first). */
  readonly last: Json;
}

/** What a `break` step returns from a loop body: the output of the step before it. */
export class LoopBreak {
  constructor(readonly output: Json) {}
}

/** A `break` step: `return rt.breakLoop(last);` ends the body and the loop around it. */
export function breakLoop(output: Json): Json {
  return new LoopBreak(output);
}

/** Whether a body's result is a break (and so the loop around it ends). */
export function isBreak(value: unknown): value is LoopBreak {
  return value instanceof LoopBreak;
}

/** A repeat's body: its steps for one iteration; returns their last output, or a LoopBreak. */
export type LoopBody = (loop: Loop, steps: Steps, run: WorkflowRun) => Generator<df.Task, Json, Json>;

/** A condition over the loop and the scope it is checked in (`until`: the iteration's). */
export type LoopCondition = (loop: Loop, steps: Steps, run: WorkflowRun) => unknown;

export interface RepeatOptions {
  /** The step's name (its id, or `repeat@<line>`): in progress reports, errors and the loop table. */
  step: string;
  maxIterations: number;
  intervalMs?: number;
  /** `interval: ${ ... }`: the delay computed before each interval (`loop.index` is the next iteration's), in ms. */
  interval?: (loop: Loop, steps: Steps, run: WorkflowRun) => number;
  onMaxIterations: 'fail' | 'continue';
  while?: LoopCondition;
  until?: LoopCondition;
  /** Set when the body can run in a loop orchestration (see the file comment). */
  detach?: LoopDetach;
  /** The step's `timeout`: every wait of the loop (intervals included) races it, and the step fails with `Timeout` at it. */
  timeoutMs?: number;
}

export interface LoopDetach {
  /** The orchestrator function that runs loops and slices of this workflow. */
  orchestrator: string;
  /** Iterations per history. */
  every: number;
  /** What the body and conditions read from the workflow's scope (`*`: every step). */
  reads: { input: boolean; vars: boolean; steps: readonly string[] };
}

/** A hoisted repeat, as the loop orchestration finds it in its version's table. */
export interface LoopEntry {
  options: RepeatOptions;
  body: LoopBody;
}

/** The input of a loop orchestration. */
export interface LoopInput {
  /** The repeat step (its key in the version's table of loops). */
  loop: string;
  /** The next iteration's index, and the output of the one before it. */
  index: number;
  last: Json;
  /** The workflow's instance id (what `instanceId` means inside the body). */
  instanceId: string;
  scope: { input: Json; vars: Record<string, Json>; steps: Steps };
  /** The deadline around the loop (its `timeout`, or an enclosing scope's; `at` as ISO text): the loop fails with Timeout at it. */
  deadline?: { at: string; ms: number; what: string };
}

/** What a loop orchestration answers: the loop's output, or the error that ended it. */
export type LoopOutput = { output: Json; iterations: number; vars?: Record<string, Json> } | { error: ErrorInfo };

/** Where a run of iterations stopped: the loop ended (with its output), or it goes on elsewhere. */
type Stop = { ended: true; output: Json; iterations: number } | { ended: false; index: number; last: Json };

function maxIterationsError(options: RepeatOptions): WorkflowError {
  return new WorkflowError(
    'MaxIterations',
    `repeat '${options.step}' reached maxIterations (${options.maxIterations}) without ending: raise maxIterations, or set onMaxIterations: continue to go on with the last output`,
  );
}

/**
 * Runs iterations from `index` until the loop ends or `limit` iterations have run in this
 * history and another would start (then the caller carries the state on).
 */
function* iterate(run: WorkflowRun, parent: Steps, options: RepeatOptions, body: LoopBody, start: { index: number; last: Json }, limit: number): Generator<df.Task, Stop, Json> {
  let { index, last } = start;
  for (let ran = 0; ; ran++) {
    if (index > 0) {
      if (index >= options.maxIterations) {
        // One more iteration would run: unless `while` already says no.
        if (options.while && !options.while({ index, last }, parent, run)) return { ended: true, output: last, iterations: index };
        if (options.onMaxIterations === 'continue') return { ended: true, output: last, iterations: index };
        throw maxIterationsError(options);
      }
      if (ran >= limit) return { ended: false, index, last };
      const intervalMs = options.interval ? options.interval({ index, last }, parent, run) : options.intervalMs;
      if (intervalMs !== undefined && intervalMs > 0) yield* delay(run, intervalMs);
    }
    if (options.while && !options.while({ index, last }, parent, run)) return { ended: true, output: last, iterations: index };
    const steps = scope(parent);
    const out = yield* body({ index, last }, steps, run);
    if (isBreak(out)) return { ended: true, output: out.output, iterations: index + 1 };
    last = out;
    run.progress(options.step, { done: index + 1, failed: 0, total: options.maxIterations });
    if (options.until && options.until({ index, last }, steps, run)) return { ended: true, output: last, iterations: index + 1 };
    index++;
  }
}

/** The visible step outputs the loop reads (`*`: all of them), copied out of the scope chain. */
function pick(steps: Steps, names: readonly string[]): Steps {
  const out: Steps = {};
  // for...in walks the scope chain (enclosing scopes' steps) too; ids are plain keys.
  if (names.includes('*')) for (const n in steps) out[n] = steps[n];
  else for (const n of names) if (n in steps) out[n] = steps[n];
  return out;
}

/** A `repeat` step; with a `timeout`, every wait of its iterations races the deadline. */
export function* repeat(run: WorkflowRun, parent: Steps, options: RepeatOptions, body: LoopBody): Generator<df.Task, Json, Json> {
  if (options.timeoutMs === undefined) return yield* loop(run, parent, options, body);
  enterDeadline(run, options.timeoutMs, `repeat '${options.step}'`);
  try {
    return yield* loop(run, parent, options, body);
  } finally {
    leaveDeadline(run);
  }
}

function* loop(run: WorkflowRun, parent: Steps, options: RepeatOptions, body: LoopBody): Generator<df.Task, Json, Json> {
  const detach = options.detach;
  const stop = yield* iterate(run, parent, options, body, { index: 0, last: null }, detach ? detach.every : Number.POSITIVE_INFINITY);
  if (stop.ended) return stop.output;
  // Past `every` iterations: the loop goes on in a loop orchestration with a fresh history.
  const { context } = run;
  const input: LoopInput = {
    loop: options.step,
    index: stop.index,
    last: stop.last,
    instanceId: run.instanceId,
    scope: { input: detach!.reads.input ? run.input : null, vars: detach!.reads.vars ? run.vars : {}, steps: pick(parent, detach!.reads.steps) },
    // The loop orchestration keeps to the deadline around the loop, so it ends when the step times out.
    ...(run.deadline ? { deadline: { at: run.deadline.at.toISOString(), ms: run.deadline.ms, what: run.deadline.what } } : {}),
  };
  // The loop runs this version's body: its version is passed, not left to host.json's defaultVersion.
  const out = (yield* call(run, () => context.df.callSubOrchestrator(detach!.orchestrator, input, undefined, childVersion(context, run.version)), `repeat '${options.step}'`)) as LoopOutput;
  // The parent raises the loop's own error, not "sub-orchestration failed".
  if ('error' in out) throw new WorkflowError(out.error.name, out.error.message);
  // Variables the body set come back (the loop got them all: see compiler/src/partition.ts).
  if (out.vars) Object.assign(run.vars, out.vars);
  run.progress(options.step, { done: out.iterations, failed: 0, total: options.maxIterations });
  return out.output;
}

/** Whether a partition orchestration's input is a loop's (else it is a forEach slice's). */
export function isLoopInput(input: unknown): input is LoopInput {
  return typeof input === 'object' && input !== null && typeof (input as { loop?: unknown }).loop === 'string';
}

/**
 * The loop orchestration: runs `every` iterations of the repeat named in its input, then
 * continues as new with the loop's state, until the loop ends; answers its output or error.
 */
export function* runLoop(context: df.OrchestrationContext, loops: Readonly<Record<string, LoopEntry>>, version = 1): Generator<df.Task, Json, Json> {
  const input = context.df.getInput() as LoopInput;
  const entry = Object.prototype.hasOwnProperty.call(loops, input.loop) ? loops[input.loop] : undefined;
  if (!entry) throw new WorkflowError('InvalidLoop', `version ${version} of this workflow has no repeat step '${input.loop}' that runs in a loop orchestration`);
  const run = WorkflowRun.restore(context, input.instanceId, input.scope, version);
  if (input.deadline) run.deadline = { ...input.deadline, at: new Date(input.deadline.at) };
  const every = entry.options.detach?.every ?? Number.POSITIVE_INFINITY;
  try {
    const stop = yield* iterate(run, run.steps, entry.options, entry.body, input, every);
    if (stop.ended) return { output: stop.output, iterations: stop.iterations, vars: run.vars } satisfies LoopOutput;
    // The next `every` iterations replay a fresh history. The same version runs them: the
    // loop's Durable version carries over, and its body is that version's. After a cancelled
    // timer (a step timeout), first a timer due now, as versions.ts's continueAsNew explains.
    if (cancelledATimer(context)) yield context.df.createTimer(context.df.currentUtcDateTime);
    context.df.continueAsNew({ ...input, index: stop.index, last: stop.last, scope: { ...input.scope, vars: run.vars } } satisfies LoopInput);
    return null;
  } catch (e) {
    return { error: toErrorInfo(e) } satisfies LoopOutput;
  }
}
