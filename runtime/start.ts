/**
 * Starting workflows: the HTTP starter each blueprint registers, the timer starter, and
 * singleton starts (an instance id derived from the input; a running instance is returned or
 * rejected instead of a second one being started).
 */
import type { HttpRequest, HttpResponseInit, InvocationContext, Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { parseDuration } from './durations';
import { jsonError } from './management';
import type { Json } from './values';

/** An input validator compiled at build time (ajv standalone). */
export type InputValidator = ((input: unknown) => boolean) & { errors?: Array<{ instancePath: string; message?: string }> | null };

export interface StarterOptions {
  /** The orchestrator's registered name. */
  workflow: string;
  /** Validates the start input against the workflow's `input` schema. */
  validate?: InputValidator;
  singleton?: {
    /** The instance id for a start input. */
    key: (input: Json) => unknown;
    onConflict: 'returnExisting' | 'reject';
  };
}

const ACTIVE = new Set<string>([
  df.OrchestrationRuntimeStatus.Running,
  df.OrchestrationRuntimeStatus.Pending,
  df.OrchestrationRuntimeStatus.Suspended,
  df.OrchestrationRuntimeStatus.ContinuedAsNew,
]);


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

/** Computes a singleton's instance id; a key that is not a non-empty string or number is a 400. */
export function singletonId(options: NonNullable<StarterOptions['singleton']>, input: Json): string | undefined {
  let key: unknown;
  try {
    key = options.key(input);
  } catch {
    return undefined;
  }
  if ((typeof key !== 'string' && typeof key !== 'number') || String(key) === '') return undefined;
  return String(key);
}

/**
 * Starts `options.workflow` with the request body as input and answers with Durable's
 * check-status response (202, Location, status links).
 */
export async function startFromHttp(options: StarterOptions, request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const read = await readInput(request);
  if (!read.ok) return read.response;
  if (options.validate && !options.validate(read.input)) {
    const violations = (options.validate.errors ?? []).map((e) => ({ pointer: e.instancePath || '/', message: e.message ?? 'is invalid' }));
    return jsonError(400, 'InvalidInput', `the input of '${options.workflow}' does not match its schema: ${violations.map((v) => `${v.pointer} ${v.message}`).join('; ')}`, { violations });
  }
  const waitText = request.query.get('wait');
  const waitMs = waitText === null ? undefined : parseDuration(waitText);
  if (waitText !== null && (waitMs === undefined || waitMs > 10 * 60_000)) {
    return jsonError(400, 'InvalidWait', `'wait' must be a duration up to 10m, like 30s; got '${waitText}'`);
  }
  const client = df.getClient(context);
  let instanceId: string | undefined;
  const conflict = async (id: string): Promise<HttpResponseInit | undefined> => {
    const existing = await client.getStatus(id).catch(() => undefined);
    if (!existing || !ACTIVE.has(existing.runtimeStatus)) return undefined;
    const links = client.createCheckStatusResponse(request, id);
    if (options.singleton?.onConflict === 'reject') {
      return jsonError(409, 'AlreadyRunning', `instance '${id}' of '${options.workflow}' is already ${existing.runtimeStatus}`, { instance: await links.json() });
    }
    return links;
  };
  if (options.singleton) {
    instanceId = singletonId(options.singleton, read.input);
    if (instanceId === undefined) {
      return jsonError(400, 'InvalidSingletonKey', `the singleton key of '${options.workflow}' could not be computed from this input`);
    }
    const answer = await conflict(instanceId);
    if (answer) return answer;
  }
  let id: string;
  try {
    id = await client.startNew(options.workflow, { input: read.input, instanceId });
  } catch (e) {
    // Two starts raced past the check: the backend let one create the instance; answer the
    // other with it, exactly as if it had arrived second.
    const answer = instanceId ? await conflict(instanceId) : undefined;
    if (answer) return answer;
    throw e;
  }
  context.log(`started orchestration '${options.workflow}' with id '${id}'`);
  if (waitMs !== undefined) {
    return client.waitForCompletionOrCreateCheckStatusResponse(request, id, { timeoutInMilliseconds: waitMs, retryIntervalInMilliseconds: Math.min(250, waitMs) });
  }
  return client.createCheckStatusResponse(request, id);
}

export function httpStarter(options: StarterOptions): (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit> {
  return (request, context) => startFromHttp(options, request, context);
}

/** A timer trigger starts the workflow with input null (a singleton keeps overlapping ticks out). */
export function timerStarter(options: StarterOptions): (timer: Timer, context: InvocationContext) => Promise<void> {
  return async (_timer, context) => {
    const client = df.getClient(context);
    let instanceId: string | undefined;
    if (options.singleton) {
      instanceId = singletonId(options.singleton, null);
      const existing = instanceId ? await client.getStatus(instanceId).catch(() => undefined) : undefined;
      if (existing && ACTIVE.has(existing.runtimeStatus)) {
        context.log(`'${options.workflow}' instance '${instanceId}' is still ${existing.runtimeStatus}; skipping this tick`);
        return;
      }
    }
    const id = await client.startNew(options.workflow, { input: null, instanceId });
    context.log(`timer started orchestration '${options.workflow}' with id '${id}'`);
  };
}
