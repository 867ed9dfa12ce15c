/**
 * Versions of a workflow: every version the compiler recorded is kept in the generated code, and
 * the workflow's orchestrator runs each instance with the version it started with.
 *
 * Where an instance's version comes from:
 * - `context.df.version`, the Version of the execution's ExecutionStarted event: the starters, the
 *   per-workflow restart, sub-workflow steps and partition slices pass it explicitly
 *   (`startNew(name, { version })`, `callSubOrchestrator(name, input, id, version)`), never
 *   relying on host.json's `defaultVersion`.
 * - After `continueAsNew`, the input: the Durable extension gives the next execution the version
 *   of the one that continued (DurableTask.Core's dispatcher: `NewVersion ?? runtimeState.Version`,
 *   and durable-functions' continueAsNew carries no version), so when the next execution should
 *   run another version, its input is wrapped as `{ "$durableFlowVersion": "<n>", "input": ... }`.
 *
 * Versions are decimal numbers from 1, per workflow, carried with the app version as
 * `<app>.0.<n>` (version-text.ts); `<app>.1`, host.json's `defaultVersion` (a start through the
 * raw Durable API, which passes none), runs the latest. An instance with no version or one
 * durable-flow did not give (started before versioning existed) runs version 1. A durable-flow version this app does not have
 * (newer than its code, or pruned) fails the instance with `UnknownVersion`, naming the versions
 * it has, instead of replaying the wrong code.
 */
import type * as df from 'durable-functions';
import { WorkflowError } from './errors';
import type { PartitionBody } from './partition';
import { runSlice } from './partition';
import { settleLate } from './late';
import { isLoopInput, runLoop, type LoopEntry } from './repeat';
import { cancelledATimer } from './timers';
import type { Json } from './values';
import { readVersion, VERSION_KEY, versionEnvelope, versionNumber, workflowVersion } from './version-text';
import { WorkflowRun } from './workflow';

/** One version of a workflow's orchestrator: the generated steps, run with the instance's state. */
export type VersionBody = (run: WorkflowRun) => Generator<df.Task, Json, Json>;

export interface WorkflowVersions {
  workflow: string;
  /** The version new instances start with. */
  latest: number;
  versions: Readonly<Record<number, VersionBody>>;
}

export { childVersion, durableVersion, readVersion, VERSION_KEY, versionEnvelope, versionNumber, workerVersion, workflowVersion } from './version-text';

/**
 * The version an execution runs, by the rule in the file comment, and its input (unwrapped).
 * `durableVersion` is the execution's Durable version (ExecutionStarted.Version).
 */
export function startedVersion(durableVersion: string | undefined, input: Json, latest: number): { version: number; input: Json } {
  const envelope = versionEnvelope(input);
  const text = envelope ? envelope.version : durableVersion;
  return { version: workflowVersion(text, latest), input: envelope ? envelope.input : input ?? null };
}

function versionsText(versions: readonly number[]): string {
  if (versions.length === 0) return 'none';
  const contiguous = versions.every((v, i) => i === 0 || v === versions[i - 1] + 1);
  return contiguous && versions.length > 2 ? `${versions[0]} to ${versions.at(-1)}` : versions.join(', ');
}

function unknownVersion(what: string, version: number, durableVersion: string | undefined, kept: readonly number[]): WorkflowError {
  const latest = kept.at(-1) ?? 0;
  const why =
    version > latest
      ? 'it was started by an app with a newer version of this workflow: run it with that app'
      : versionNumber(durableVersion) === undefined
        ? 'it started before versioning (or with a version durable-flow did not give), which means version 1, and version 1 was pruned while it ran'
        : 'that version was pruned while the instance ran';
  return new WorkflowError('UnknownVersion', `${what} runs version ${version}, which this app does not have (it has versions ${versionsText(kept)}): ${why}`);
}

/** The workflow's orchestrator: runs the instance's version of the steps. */
export function* runVersion(context: df.OrchestrationContext, table: WorkflowVersions): Generator<df.Task, Json, Json> {
  const durableVersion = context.df.version;
  const { version, input } = startedVersion(durableVersion, context.df.getInput(), table.latest);
  const body = Object.prototype.hasOwnProperty.call(table.versions, version) ? table.versions[version] : undefined;
  if (!body) throw unknownVersion(`this instance of '${table.workflow}'`, version, durableVersion, Object.keys(table.versions).map(Number).sort((a, b) => a - b));
  const run = new WorkflowRun(context, { version, latest: table.latest, input });
  let output: Json;
  try {
    output = yield* body(run);
  } catch (e) {
    if (!run.continued) yield* settleLate(run);
    throw e;
  }
  // Abandoned work still running keeps the instance Running anyway (runtime/late.ts): wait for it
  // here, where its outcome can still be recorded.
  if (!run.continued) yield* settleLate(run);
  return output;
}

/**
 * The partition orchestrator: a slice runs the forEach bodies of the version that started it
 * (the parent passes its own version when it starts the slice); a loop orchestration, the repeat
 * bodies of that version.
 */
export function* runSliceVersion(
  context: df.OrchestrationContext,
  workflow: string,
  bodies: Readonly<Record<number, Readonly<Record<string, PartitionBody>>>>,
  loops: Readonly<Record<number, Readonly<Record<string, LoopEntry>>>> = {},
): Generator<df.Task, Json, Json> {
  const version = versionNumber(context.df.version) ?? 1;
  // The same function runs the long part of repeat steps (runtime/repeat.ts).
  if (isLoopInput(context.df.getInput())) {
    const loopTable = Object.prototype.hasOwnProperty.call(loops, version) ? loops[version] : undefined;
    if (!loopTable) throw unknownVersion(`this loop of a repeat of '${workflow}'`, version, context.df.version, Object.keys(loops).map(Number).sort((a, b) => a - b));
    return yield* runLoop(context, loopTable, version);
  }
  const table = Object.prototype.hasOwnProperty.call(bodies, version) ? bodies[version] : undefined;
  if (!table) throw unknownVersion(`this slice of a forEach of '${workflow}'`, version, context.df.version, Object.keys(bodies).map(Number).sort((a, b) => a - b));
  return yield* runSlice(context, table, version);
}

/**
 * A `continueAsNew` step: the next execution runs the latest version. When the execution's
 * Durable version is already the latest the input goes as it is; otherwise it is wrapped (see
 * the file comment), since the next execution keeps this one's Durable version.
 *
 * An execution that cancelled a timer first waits for a timer due now. The extension's shim
 * replays the orchestrator's actions one at a time, and a Task.any holding a cancelled timer
 * completes at once in that replay, so without the barrier it reaches ContinueAsNew before the
 * history's EventRaised events are replayed, and DurableTask.Core carries those (already taken)
 * events into the next execution, which takes them again: an event waited for with a timeout,
 * then continueAsNew, repeats forever (Azure/azure-functions-durable-extension#2606; shown on the
 * real extension by test/engines/continue-as-new.test.ts). The barrier timer fires after them.
 * An event raised in the moment between the event taken and the barrier's firing finds no wait
 * and is dropped with the execution, as Durable drops every unprocessed event at continueAsNew
 * (the out-of-process shim cannot preserve them); without the barrier it would be taken twice.
 */
export function* continueAsNew(run: WorkflowRun, input: Json): Generator<df.Task, void, unknown> {
  const { context } = run;
  run.continued = true;
  if (cancelledATimer(context)) yield context.df.createTimer(context.df.currentUtcDateTime);
  const durable = readVersion(context.df.version)?.workflow;
  const onLatest = durable === run.latest || (durable === 'latest' && run.version === run.latest);
  context.df.continueAsNew(onLatest ? input ?? null : { [VERSION_KEY]: String(run.latest), input: input ?? null });
}
