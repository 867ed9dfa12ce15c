/**
 * The per-workflow HTTP surface under `<route>/instances`: a friendly status (with progress),
 * listing with paging, events, terminate/suspend/resume/restart, purge. It talks to Durable only
 * through the durable client, so it answers the same way under the embedded host and `func start`.
 * Every error is `{ error: { code, message } }`.
 *
 * Instance ids and event names from the request must match the pattern of runtime/ids.ts (400
 * naming the value otherwise), and every value placed into a durable client URL is encoded: the
 * client pastes them into paths, so an unchecked `../../orchestrators/X` would reach another
 * endpoint, on Azure as on the embedded host.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { DurableClient, DurableOrchestrationStatus } from 'durable-functions';
import { fromWireText } from './errors';
import { stepStates } from './flow/state';
import { nameError, nameErrorCode, urlPart, type NameKind } from './ids';
import { inputProblem, startVersion, workflowRegistry } from './registry';
import { decodeCursor, encodeCursor, latestInstances, type ListedWorkflow } from './flow/listing';
import { newInstanceId } from './new-id';
import { versionEnvelope, workflowVersion } from './version-text';

const FINISHED = new Set<string>([df.OrchestrationRuntimeStatus.Completed, df.OrchestrationRuntimeStatus.Failed, df.OrchestrationRuntimeStatus.Terminated]);
const STATUSES = Object.values(df.OrchestrationRuntimeStatus) as string[];
const ACTIVE = new Set<string>([
  df.OrchestrationRuntimeStatus.Running,
  df.OrchestrationRuntimeStatus.Pending,
  df.OrchestrationRuntimeStatus.Suspended,
  df.OrchestrationRuntimeStatus.ContinuedAsNew,
]);

/** Whether a runtime status means the instance may still do work. */
export function isActive(status: string): boolean {
  return ACTIVE.has(status);
}

export function jsonError(status: number, code: string, message: string, extra: Record<string, unknown> = {}): HttpResponseInit {
  return { status, jsonBody: { error: { code, message }, ...extra } };
}

/** A 400 naming the value when it is not a valid instance id / event name / singleton key. */
export function badName(kind: NameKind, value: unknown): HttpResponseInit | undefined {
  const message = nameError(kind, value);
  return message === undefined ? undefined : jsonError(400, nameErrorCode(kind), message);
}

/**
 * Durable's check-status answer (202, Location, Retry-After, the status links) for an instance.
 * The id is encoded where it goes into the links; the payload's `id` is the id itself.
 */
export async function checkStatusResponse(client: DurableClient, request: HttpRequest, id: string): Promise<HttpResponseInit> {
  const links = (await client.createCheckStatusResponse(request, urlPart(id)).json()) as Record<string, string>;
  links.id = id;
  return { status: 202, jsonBody: links, headers: { 'Content-Type': 'application/json', Location: links.statusQueryGetUri, 'Retry-After': '10' } };
}

/**
 * An instance's status as the Durable HTTP API answers it: with `version` when the backend reports
 * one (the Durable extension's status payload carries it since orchestration versioning; the
 * embedded host's does), which durable-functions 3.5's DurableOrchestrationStatus leaves out.
 */
export type InstanceStatus = DurableOrchestrationStatus & { version?: string };

type StatusInternal = (options: { instanceId: string; showHistory?: boolean; showHistoryOutput?: boolean; showInput?: boolean }) => Promise<{ status: number; data?: unknown }>;

/** The instance's status, or undefined when there is none (the client reports 404 as an error). */
async function statusOf(client: DurableClient, id: string): Promise<InstanceStatus | undefined> {
  const internal = (client as unknown as { getStatusInternal?: StatusInternal }).getStatusInternal;
  if (typeof internal === 'function') {
    // The client's own request method keeps the whole answer, `version` included.
    const r = await internal.call(client, { instanceId: urlPart(id), showInput: true });
    if (r.status === 404) return undefined;
    const data = r.data as InstanceStatus | undefined;
    if ((r.status === 200 || r.status === 202 || r.status === 400) && data && typeof data === 'object' && typeof data.name === 'string') return data;
  }
  try {
    return await client.getStatus(urlPart(id), { showInput: true });
  } catch (e) {
    if (/HTTP 404/.test(String((e as Error).message))) return undefined;
    throw e;
  }
}

/**
 * An instance's history as the Durable HTTP API returns it (`historyEvents`). durable-functions
 * 3.x reads `history` from the status answer and so drops it (durable-js#620); the client's own
 * request method still returns the whole answer, so the history is read from there.
 */
export async function historyEvents(client: DurableClient, id: string, withOutput = false): Promise<unknown[]> {
  const internal = (client as unknown as { getStatusInternal?: StatusInternal }).getStatusInternal;
  if (typeof internal !== 'function') {
    const s = await client.getStatus(urlPart(id), { showHistory: true, showHistoryOutput: withOutput, showInput: false });
    return Array.isArray(s.history) ? s.history : [];
  }
  const r = await internal.call(client, { instanceId: urlPart(id), showHistory: true, showHistoryOutput: withOutput });
  if (r.status === 404) return [];
  if (r.status >= 300 && r.status !== 400) throw new Error(`reading the history of '${id}' failed with HTTP ${r.status}`);
  const events = (r.data as { historyEvents?: unknown } | undefined)?.historyEvents;
  return Array.isArray(events) ? events : [];
}

/**
 * The sub-orchestrations (sub-workflows, partition slices) an instance started, from its history:
 * the `InstanceId` of every SubOrchestrationInstanceCreated event. (The extension leaves out those
 * whose completion is recorded; the embedded host lists all. Callers check each child's status.)
 */
export async function childInstances(client: DurableClient, id: string): Promise<string[]> {
  const events = (await historyEvents(client, id)) as Array<{ EventType?: unknown; InstanceId?: unknown }>;
  const ids = events.filter((e) => e.EventType === 'SubOrchestrationInstanceCreated' && typeof e.InstanceId === 'string').map((e) => e.InstanceId as string);
  return [...new Set(ids)];
}

/**
 * Terminates an instance, then every sub-orchestration it started that is still running, and
 * theirs, recursively. The Durable extension does not propagate terminate to sub-orchestrations,
 * so without this a terminated workflow's slices and sub-workflows would run on. The parent goes
 * first, so it cannot react to its children's ends by starting more. Returns the children
 * terminated (not the instance itself).
 */
export async function terminateWithChildren(client: DurableClient, id: string, reason: string, seen = new Set<string>([id])): Promise<string[]> {
  await client.terminate(urlPart(id), urlPart(reason));
  const done: string[] = [];
  for (const child of await childInstances(client, id)) {
    if (seen.has(child)) continue;
    seen.add(child);
    const s = await statusOf(client, child);
    if (!s || !isActive(s.runtimeStatus)) continue;
    done.push(child, ...(await terminateWithChildren(client, child, `parent '${id}' was terminated: ${reason}`, seen)));
  }
  return done;
}

/**
 * The version an instance runs (runtime/versions.ts), from its status: the version its input
 * carries after a continueAsNew to another version, else its Durable version (one durable-flow
 * did not give means version 1); null when the backend reports none (an instance started before
 * versioning, which runs version 1, or a backend whose status payload has no version).
 */
export function instanceVersion(s: Pick<InstanceStatus, 'input' | 'version' | 'name'>): number | null {
  const latest = workflowRegistry().get(s.name)?.version ?? 1;
  const envelope = versionEnvelope(s.input);
  if (envelope) return workflowVersion(envelope.version, latest);
  if (typeof s.version !== 'string' || s.version === '') return null;
  return workflowVersion(s.version, latest);
}

/** The input an instance runs with: the start input, or the one its continueAsNew passed (unwrapped). */
export function instanceInput(s: Pick<InstanceStatus, 'input'>): unknown {
  const envelope = versionEnvelope(s.input);
  return envelope ? envelope.input : s.input ?? null;
}

/**
 * A failed instance's error: its name and message as a parent's `catch` would see them, and the
 * text as the Durable extension words it (`Orchestrator function '<workflow>' failed: <name>: <message>`,
 * its first line).
 */
export function instanceError(output: unknown): { name: string; message: string; text: string } {
  const text = String(output ?? '').split('\n')[0];
  return { ...fromWireText(text), text };
}

/** The status a workflow user wants to see: flat, with version, progress and times (and the history when given). */
export function friendlyStatus(s: InstanceStatus, history: boolean | unknown[]): Record<string, unknown> {
  const custom = (s.customStatus ?? null) as { status?: unknown; progress?: unknown; compensations?: unknown; late?: unknown; lateOmitted?: unknown } | null;
  const failed = s.runtimeStatus === df.OrchestrationRuntimeStatus.Failed;
  return {
    id: s.instanceId,
    workflow: s.name,
    version: instanceVersion(s),
    status: s.runtimeStatus,
    input: instanceInput(s),
    output: failed ? null : s.output ?? null,
    error: failed ? instanceError(s.output) : null,
    customStatus: custom?.status ?? null,
    progress: custom?.progress ?? null,
    // The compensations `compensate: all` steps ran, in order (runtime/saga.ts).
    compensations: custom?.compensations ?? null,
    // Each started step's state by its graph key, for the status pages (runtime/flow/state.ts).
    steps: stepStates(custom, s.runtimeStatus),
    // Abandoned work and how it ended after that (runtime/late.ts), when there is any.
    ...(Array.isArray(custom?.late) && custom.late.length > 0 ? { late: custom.late } : {}),
    ...(typeof custom?.lateOmitted === 'number' ? { lateOmitted: custom.lateOmitted } : {}),
    createdAt: new Date(s.createdTime).toISOString(),
    updatedAt: new Date(s.lastUpdatedTime).toISOString(),
    ...(Array.isArray(history) ? { history } : history ? { history: s.history ?? [] } : {}),
  };
}

/** The instance if it exists and belongs to this workflow, else undefined (both mean 404 to callers). */
async function find(client: DurableClient, workflow: string, id: string): Promise<InstanceStatus | undefined> {
  const s = await statusOf(client, id);
  return s?.name === workflow ? s : undefined;
}

/**
 * Whether an instance id is one the Durable extension gives a sub-orchestration started without
 * an id (`<parent execution id>:<task id>`, DurableTask's CreateSubOrchestrationInstance, the
 * execution id a GUID: `f32ba872-9038-409a-a6f1-274481e9515a:3` on the extension): how every
 * sub-workflow and partition slice durable-flow starts is named, on both engines. (GUIDs written
 * without dashes count too, as other backends may write them.)
 */
export function isSubOrchestrationId(id: string): boolean {
  return /^[0-9a-f]{8}(-?)[0-9a-f]{4}\1[0-9a-f]{4}\1[0-9a-f]{4}\1[0-9a-f]{12}:\d+$/i.test(id);
}

export interface ManagementOptions {
  workflow: string;
  /** The workflow is a singleton: its instance id is the key, so restart keeps the id. */
  singleton?: boolean;
  /** A singleton's ids: one exact id, or what they start with ('' when unknown): how its list finds them. */
  singletonIds?: { exact: string } | { prefix: string };
  /** The workflow's latest version: a restart starts it (runtime/versions.ts). */
  version?: number;
}

/**
 * Serves `GET instances`, `GET|DELETE instances/{id}` and
 * `POST instances/{id}/events/{event}|terminate|suspend|resume|restart`.
 */
export async function manage(options: ManagementOptions, request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const client = df.getClient(context);
  const { id, action, event } = request.params as { id?: string; action?: string; event?: string };
  const method = request.method.toUpperCase();
  const notFound = (): HttpResponseInit => jsonError(404, 'NotFound', `no instance '${id}' of workflow '${options.workflow}'`);
  const wrongMethod = (allowed: string): HttpResponseInit => ({ ...jsonError(405, 'MethodNotAllowed', `${method} is not allowed here; use ${allowed}`), headers: { Allow: allowed } });

  if (!id) {
    if (method !== 'GET') return wrongMethod('GET');
    return list(options, request, context);
  }
  const badId = badName('instance id', id);
  if (badId) return badId;
  if (!action) {
    if (method === 'GET') {
      const s = await find(client, options.workflow, id);
      if (!s) return notFound();
      const history = request.query.get('history') === 'true' ? await historyEvents(client, id, true) : false;
      return { status: 200, jsonBody: friendlyStatus(s, history) };
    }
    if (method === 'DELETE') {
      if (!(await find(client, options.workflow, id))) return notFound();
      const r = await client.purgeInstanceHistory(urlPart(id));
      return { status: 200, jsonBody: { purged: r.instancesDeleted } };
    }
    return wrongMethod('GET, DELETE');
  }
  if (method !== 'POST') return wrongMethod('POST');
  const s = await find(client, options.workflow, id);
  if (!s) return notFound();
  const finished = FINISHED.has(s.runtimeStatus);
  switch (action) {
    case 'events': {
      if (!event) return jsonError(400, 'MissingEventName', 'POST .../events/<eventName>');
      const badEvent = badName('event name', event);
      if (badEvent) return badEvent;
      if (finished) return jsonError(410, 'InstanceFinished', `instance '${id}' is ${s.runtimeStatus}: it takes no more events`);
      const body = await request.text();
      let payload: unknown = null;
      try {
        payload = body.trim() === '' ? null : JSON.parse(body);
      } catch (e) {
        return jsonError(400, 'InvalidJson', `the event payload is not valid JSON: ${(e as Error).message}`);
      }
      await client.raiseEvent(urlPart(id), urlPart(event), payload);
      return { status: 202, jsonBody: { id, event, accepted: true } };
    }
    case 'terminate':
    case 'suspend':
    case 'resume': {
      if (finished) return jsonError(410, 'InstanceFinished', `instance '${id}' is already ${s.runtimeStatus}`);
      const reason = request.query.get('reason') ?? `${action} requested over HTTP`;
      if (action === 'terminate') {
        const children = await terminateWithChildren(client, id, reason);
        return { status: 202, jsonBody: { id, action, accepted: true, alsoTerminated: children } };
      }
      if (action === 'suspend') await client.suspend(urlPart(id), urlPart(reason));
      else await client.resume(urlPart(id), urlPart(reason));
      return { status: 202, jsonBody: { id, action, accepted: true } };
    }
    case 'restart': {
      // A sub-workflow runs for the instance that started it: started again on its own, it would
      // redo that instance's work outside it (the Durable status does not name the parent, so
      // whether it still runs cannot be asked here; the id the parent gave it tells what it is).
      if (isSubOrchestrationId(id)) {
        return jsonError(409, 'SubOrchestration', `instance '${id}' was started by another workflow instance as a sub-workflow; restart the instance that started it instead`);
      }
      // A restart is a new start: the latest version, with the input the instance ran with, which
      // must pass the latest version's validator as any start does.
      const restart = { input: instanceInput(s), version: startVersion(options.version) };
      const problem = inputProblem(options.workflow, workflowRegistry().get(options.workflow)?.validate, restart.input);
      if (problem) return jsonError(400, 'InvalidInput', `cannot restart '${id}': ${problem.message}`, { violations: problem.violations });
      if (!options.singleton) {
        const chosen = newInstanceId(options.workflow);
        const newId = await client.startNew(options.workflow, { ...restart, instanceId: chosen });
        return checkStatusResponse(client, request, chosen ?? newId);
      }
      // A singleton's id is its key: restart it under that id once it has finished, never as a
      // second instance beside it.
      const running = async (): Promise<HttpResponseInit> =>
        jsonError(409, 'AlreadyRunning', `instance '${id}' of '${options.workflow}' is still running; a singleton restarts only once finished`, {
          instance: (await checkStatusResponse(client, request, id)).jsonBody,
        });
      if (!finished) return running();
      try {
        await client.startNew(options.workflow, { ...restart, instanceId: urlPart(id) });
      } catch (e) {
        const now = await statusOf(client, id);
        if (now && isActive(now.runtimeStatus)) return running();
        throw e;
      }
      return checkStatusResponse(client, request, id);
    }
    default:
      return jsonError(404, 'UnknownAction', `unknown instance action '${action}'; use events, terminate, suspend, resume or restart`);
  }
}

/**
 * A page of the workflow's instances, newest first, read a page at a time by their ids
 * (runtime/flow/listing.ts): `status`, `from`/`to` (creation time) and `top` go to the backend's
 * query; `continuationToken` is the cursor the previous page returned.
 */
async function list(options: ManagementOptions, request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const q = request.query;
  const statuses = q.get('status')?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
  const unknown = statuses.filter((s) => !STATUSES.includes(s));
  if (unknown.length) return jsonError(400, 'InvalidStatus', `unknown status ${unknown.join(', ')}; use ${STATUSES.join(', ')}`);
  const date = (name: string): Date | undefined | 'bad' => {
    const v = q.get(name);
    if (!v) return undefined;
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? 'bad' : d;
  };
  const from = date('from');
  const to = date('to');
  if (from === 'bad' || to === 'bad') return jsonError(400, 'InvalidDate', "'from' and 'to' must be ISO 8601 date-times");
  const top = Number(q.get('top') ?? 50);
  if (!Number.isInteger(top) || top < 1 || top > 1000) return jsonError(400, 'InvalidTop', "'top' must be an integer from 1 to 1000");
  const token = q.get('continuationToken');
  const cursor = token ? decodeCursor(token) : undefined;
  if (token && !cursor) return jsonError(400, 'InvalidContinuationToken', 'the continuation token is not one this endpoint issued');
  const workflow: ListedWorkflow = { name: options.workflow, ...(options.singletonIds ? { singleton: options.singletonIds } : options.singleton ? { singleton: { prefix: '' } } : {}) };
  const page = await latestInstances(context, [workflow], { statuses, from, to }, top, cursor);
  const next = page.next ? encodeCursor(page.next) : null;
  return {
    status: 200,
    // The query answers the payload as the backend sent it (`version` included).
    jsonBody: { instances: page.instances.map((s) => friendlyStatus(s, false)), continuationToken: next },
    headers: next ? { 'x-ms-continuation-token': next } : {},
  };
}

export function managementHandler(options: ManagementOptions): (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit> {
  return (request, context) => manage(options, request, context);
}
