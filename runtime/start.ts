/**
 * Starting workflows: the HTTP starter each blueprint registers, the timer starter, and
 * singleton starts (an instance id derived from the input; a running instance is returned or
 * rejected instead of a second one being started).
 *
 * Every starter records its workflow in the registry (runtime/registry.ts) as it is created, so
 * a host can validate starts that bypass it (the Durable webhook API) with the same validator.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext, Timer } from '@azure/functions';
import * as df from 'durable-functions';
import type { DurableClient } from 'durable-functions';
import { parseDuration } from './durations';
import { nameError, nameErrorCode, urlPart } from './ids';
import { newInstanceId } from './new-id';
import { checkStatusResponse, instanceError, isActive, jsonError } from './management';
import { inputProblem, registerWorkflow, startVersion, violations, type AuthLevel, type InputValidator } from './registry';
import type { Json } from './values';
import { VERSION_KEY, versionEnvelope } from './version-text';

export interface StarterOptions {
  /** The orchestrator's registered name. */
  workflow: string;
  /** Validates the start input against the workflow's `input` schema. */
  validate?: InputValidator;
  /** The authLevel of the workflow's HTTP routes (recorded for the host; the Functions host enforces it). */
  authLevel?: AuthLevel;
  /** The function name of the workflow's partition orchestrator, when it has one. */
  partition?: string;
  /** The workflow's latest version: every start passes it (runtime/versions.ts). */
  version?: number;
  singleton?: {
    /** The instance id for a start input. */
    key: (input: Json) => unknown;
    onConflict: 'returnExisting' | 'reject';
  };
}

/** The version a start passes (the latest, with the app version: version-text.ts), as Durable carries it; undefined leaves it to host.json. */
function versionText(options: Pick<StarterOptions, 'version'>): string | undefined {
  return startVersion(options.version);
}

/** The longest `?wait`: Azure's front end closes HTTP requests after 230 s. */
export const MAX_WAIT_MS = 230_000;

/** The start input from a request body: JSON, or null when empty. */
export async function readInput(request: HttpRequest): Promise<{ ok: true; input: Json } | { ok: false; response: HttpResponseInit }> {
  const body = await request.text();
  if (body.trim() === '') return { ok: true, input: null };
  try {
    return { ok: true, input: JSON.parse(body) };
  } catch (e) {
    return { ok: false, response: jsonError(400, 'InvalidJson', `the request body is not valid JSON: ${(e as Error).message}`) };
  }
}

/**
 * The most levels of objects and arrays an input may nest: the Durable Task extension reads JSON
 * with Newtonsoft's default MaxDepth of 64 and its start API answers 400 "Invalid JSON content"
 * past it (seen on the real extension), so the starter says so itself, on every engine.
 */
export const MAX_INPUT_DEPTH = 64;

/** Whether `value` nests more than `limit` objects and arrays (iterative: hostile input may be deep). */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > limit) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Runs the workflow's validator; the 400 answer (with every violation) when the input does not match. */
export function checkInput(options: Pick<StarterOptions, 'workflow' | 'validate'>, input: Json): HttpResponseInit | undefined {
  if (nestedDeeperThan(input, MAX_INPUT_DEPTH)) {
    return jsonError(400, 'InvalidInput', `the input of '${options.workflow}' nests objects and arrays more than ${MAX_INPUT_DEPTH} levels deep, which the Durable Task extension refuses (Newtonsoft's MaxDepth); flatten it`);
  }
  if (versionEnvelope(input)) {
    return jsonError(400, 'InvalidInput', `the input of '${options.workflow}' has the shape durable-flow reserves for carrying a version across continueAsNew ({ "${VERSION_KEY}", "input" }); wrap it in another object`);
  }
  const problem = inputProblem(options.workflow, options.validate, input);
  return problem && jsonError(400, 'InvalidInput', problem.message, { violations: problem.violations });
}

/**
 * A singleton's instance id for this input: the key as a string, or why it cannot be one (not a
 * non-empty string or number, or not a valid instance id, see runtime/ids.ts).
 */
export function singletonKey(options: NonNullable<StarterOptions['singleton']>, input: Json): { ok: true; id: string } | { ok: false; message: string } {
  let key: unknown;
  try {
    key = options.key(input);
  } catch (e) {
    return { ok: false, message: `the singleton key could not be computed from this input: ${(e as Error).message}` };
  }
  if ((typeof key !== 'string' && typeof key !== 'number') || String(key) === '') {
    return { ok: false, message: `the singleton key must be a non-empty string or number, not ${key === '' ? 'an empty string' : JSON.stringify(key) ?? String(key)}` };
  }
  const problem = nameError('singleton key', String(key));
  return problem ? { ok: false, message: problem } : { ok: true, id: String(key) };
}

/** Computes a singleton's instance id; undefined when the key is not a valid one (a 400). */
export function singletonId(options: NonNullable<StarterOptions['singleton']>, input: Json): string | undefined {
  const k = singletonKey(options, input);
  return k.ok ? k.id : undefined;
}

/**
 * The durable client binding's raw data, read as durable-functions' getClient reads it. The
 * embedded host adds `durableFlowWait` (not part of the extension's binding): it answers
 * GET <rpcBaseUrl>instances/<id>?durableFlowWaitMs=<ms> when the instance finishes.
 */
function clientBinding(context: InvocationContext): { rpcBaseUrl?: string; durableFlowWait?: boolean } | undefined {
  const input = context.options.extraInputs.find((i) => i.type === 'durableClient' || i.type === 'orchestrationClient');
  const data = input ? context.extraInputs.get(input) : undefined;
  return data && typeof data === 'object' ? (data as { rpcBaseUrl?: string; durableFlowWait?: boolean }) : undefined;
}

/** The status as the durable client returns it (the fields waitOrCheckStatus reads). */
type Status = { runtimeStatus: string; output?: unknown };

/**
 * Until the instance has finished or `ms` has passed, then its status: on the embedded host one
 * request the engine answers at the end (its answer is the status); elsewhere polling.
 */
async function untilFinished(client: DurableClient, context: InvocationContext, id: string, ms: number): Promise<Status> {
  const binding = clientBinding(context);
  if (binding?.durableFlowWait && binding.rpcBaseUrl) {
    // A connection refused under load (thousands of waits at once) falls back to polling.
    const r = await fetch(`${binding.rpcBaseUrl}instances/${urlPart(id)}?durableFlowWaitMs=${Math.ceil(ms)}`).catch(() => undefined);
    if (r && (r.status === 200 || r.status === 202)) return (await r.json()) as Status;
    await r?.arrayBuffer();
  }
  // Polling, often at first (a short workflow answers within milliseconds), then every 250 ms.
  const deadline = Date.now() + ms;
  for (let interval = 10; ; interval = Math.min(250, interval * 2)) {
    const s = await client.getStatus(urlPart(id));
    if (FINISHED.has(s.runtimeStatus) || Date.now() >= deadline) return s;
    await new Promise((r) => setTimeout(r, Math.min(interval, Math.max(0, deadline - Date.now()))));
  }
}

const FINISHED = new Set<string>([
  df.OrchestrationRuntimeStatus.Completed,
  df.OrchestrationRuntimeStatus.Failed,
  df.OrchestrationRuntimeStatus.Terminated,
  df.OrchestrationRuntimeStatus.Canceled,
]);

/**
 * What `?wait` answers once the instance has finished, in one shape whatever the outcome:
 * Completed, 200 with the output as JSON (`null` for none: never an empty body); Failed, or
 * Terminated (or Canceled), 500 with `{ id, status, error: { name, message, text } }`, the error as
 * `GET .../instances/<id>` gives it (for a terminated instance, `Terminated` and the reason).
 * Never Durable's raw status payload: its output of a failed instance carries the stack.
 * Undefined while the instance has not finished.
 */
export function finishedAnswer(id: string, s: { runtimeStatus: string; output?: unknown }): HttpResponseInit | undefined {
  const json = (status: number, body: unknown): HttpResponseInit => ({ status, body: JSON.stringify(body ?? null), headers: { 'Content-Type': 'application/json; charset=utf-8' } });
  switch (s.runtimeStatus) {
    case df.OrchestrationRuntimeStatus.Completed:
      return json(200, s.output);
    case df.OrchestrationRuntimeStatus.Failed:
      return json(500, { id, status: s.runtimeStatus, error: instanceError(s.output) });
    case df.OrchestrationRuntimeStatus.Terminated:
    case df.OrchestrationRuntimeStatus.Canceled:
      return json(500, { id, status: s.runtimeStatus, error: { name: 'Terminated', message: typeof s.output === 'string' ? s.output : JSON.stringify(s.output ?? null) } });
    default:
      return undefined;
  }
}

/**
 * Waits up to `waitMs` for the instance to finish: its finished answer (finishedAnswer), else
 * the check-status answer (202, the links).
 */
async function waitOrCheckStatus(client: DurableClient, context: InvocationContext, request: HttpRequest, id: string, waitMs: number): Promise<HttpResponseInit> {
  const s = await untilFinished(client, context, id, waitMs);
  return finishedAnswer(id, s) ?? checkStatusResponse(client, request, id);
}

/**
 * The 409 for a start of `workflow` under an id that belongs to an instance of another workflow
 * (`owner`, from its status), else undefined. The answer does not name the other workflow: the
 * caller holds this workflow's level, not necessarily that one's.
 */
export function idTaken(workflow: string, id: string, owner: unknown): HttpResponseInit | undefined {
  if (typeof owner !== 'string' || owner === workflow) return undefined;
  return jsonError(409, 'InstanceIdTaken', `'${workflow}': the instance id '${id}' belongs to an instance of another workflow; a start never takes over another workflow's instance id`);
}

/**
 * Starts `options.workflow` with the request body as input and answers with Durable's
 * check-status response (202, Location, status links).
 */
export async function startFromHttp(options: StarterOptions, request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const read = await readInput(request);
  if (!read.ok) return read.response;
  const invalid = checkInput(options, read.input);
  if (invalid) return invalid;
  const waitText = request.query.get('wait');
  const waitMs = waitText === null ? undefined : parseDuration(waitText);
  if (waitText !== null && (waitMs === undefined || waitMs > MAX_WAIT_MS)) {
    return jsonError(400, 'InvalidWait', `'wait' must be a duration of at most 230s (Azure's front end ends HTTP requests after 230 seconds), like 30s; got '${waitText}'`);
  }
  const client = df.getClient(context);
  let instanceId: string | undefined;
  const conflict = async (id: string): Promise<HttpResponseInit | undefined> => {
    const existing = await client.getStatus(urlPart(id)).catch(() => undefined);
    if (!existing) return undefined;
    // An id belongs to its workflow: a start never answers with, or replaces, another workflow's
    // instance (a start over a finished instance's id would erase its input, output and history).
    const taken = idTaken(options.workflow, id, existing.name);
    if (taken) return taken;
    if (!isActive(existing.runtimeStatus)) return undefined;
    const links = await checkStatusResponse(client, request, id);
    if (options.singleton?.onConflict === 'reject') {
      return jsonError(409, 'AlreadyRunning', `instance '${id}' of '${options.workflow}' is already ${existing.runtimeStatus}`, { instance: links.jsonBody });
    }
    return links;
  };
  if (options.singleton) {
    const key = singletonKey(options.singleton, read.input);
    if (!key.ok) return jsonError(400, nameErrorCode('singleton key'), `'${options.workflow}': ${key.message}`);
    instanceId = key.id;
    const answer = await conflict(instanceId);
    if (answer) return answer;
  }
  const chosen = instanceId ?? newInstanceId(options.workflow);
  let id: string;
  try {
    id = await client.startNew(options.workflow, { input: read.input, instanceId: chosen === undefined ? undefined : urlPart(chosen), version: versionText(options) });
  } catch (e) {
    // Two starts raced past the check: the backend let one create the instance; answer the
    // other with it, exactly as if it had arrived second.
    const answer = instanceId ? await conflict(instanceId) : undefined;
    if (answer) return answer;
    throw e;
  }
  id = chosen ?? id;
  context.log(`started orchestration '${options.workflow}' with id '${id}'`);
  if (waitMs !== undefined) return waitOrCheckStatus(client, context, request, id, waitMs);
  return checkStatusResponse(client, request, id);
}

export function httpStarter(options: StarterOptions): (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit> {
  registerWorkflow({ workflow: options.workflow, validate: options.validate, authLevel: options.authLevel, singleton: options.singleton !== undefined, partition: options.partition, version: options.version });
  return (request, context) => startFromHttp(options, request, context);
}

/**
 * A timer trigger starts the workflow with input null (a singleton keeps overlapping ticks out).
 * The input is validated like any other start: a workflow whose schema refuses null fails the
 * tick with the violations instead of starting.
 */
export function timerStarter(options: StarterOptions): (timer: Timer, context: InvocationContext) => Promise<void> {
  registerWorkflow({ workflow: options.workflow, validate: options.validate, authLevel: options.authLevel, singleton: options.singleton !== undefined, partition: options.partition, version: options.version });
  return async (_timer, context) => {
    if (options.validate && !options.validate(null)) {
      const list = violations(options.validate);
      throw new Error(`the timer start input (null) of '${options.workflow}' does not match its schema: ${list.map((v) => `${v.pointer} ${v.message}`).join('; ')}`);
    }
    const client = df.getClient(context);
    let instanceId: string | undefined;
    if (options.singleton) {
      const key = singletonKey(options.singleton, null);
      if (!key.ok) throw new Error(`'${options.workflow}': ${key.message}`);
      instanceId = key.id;
      const existing = await client.getStatus(urlPart(instanceId)).catch(() => undefined);
      if (existing && idTaken(options.workflow, instanceId, existing.name)) {
        throw new Error(`'${options.workflow}': the singleton key '${instanceId}' is the id of another workflow's instance; a start never replaces another workflow's instance`);
      }
      if (existing && isActive(existing.runtimeStatus)) {
        context.log(`'${options.workflow}' instance '${instanceId}' is still ${existing.runtimeStatus}; skipping this tick`);
        return;
      }
    }
    const chosen = instanceId ?? newInstanceId(options.workflow);
    const id = await client.startNew(options.workflow, { input: null, instanceId: chosen === undefined ? undefined : urlPart(chosen), version: versionText(options) });
    context.log(`timer started orchestration '${options.workflow}' with id '${chosen ?? id}'`);
  };
}
