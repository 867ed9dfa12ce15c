/**
 * The per-workflow HTTP surface under `<route>/instances`: a friendly status (with progress),
 * listing with paging, events, terminate/suspend/resume/restart, purge. It talks to Durable only
 * through the durable client, so it answers the same way under the embedded host and `func start`.
 * Every error is `{ error: { code, message } }`.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { DurableClient, DurableOrchestrationStatus } from 'durable-functions';

const FINISHED = new Set<string>([df.OrchestrationRuntimeStatus.Completed, df.OrchestrationRuntimeStatus.Failed, df.OrchestrationRuntimeStatus.Terminated]);
const STATUSES = Object.values(df.OrchestrationRuntimeStatus) as string[];

export function jsonError(status: number, code: string, message: string, extra: Record<string, unknown> = {}): HttpResponseInit {
  return { status, jsonBody: { error: { code, message }, ...extra } };
}

/** The status a workflow user wants to see: flat, with progress and times. */
export function friendlyStatus(s: DurableOrchestrationStatus, history: boolean): Record<string, unknown> {
  const custom = (s.customStatus ?? null) as { status?: unknown; progress?: unknown } | null;
  const failed = s.runtimeStatus === df.OrchestrationRuntimeStatus.Failed;
  return {
    id: s.instanceId,
    workflow: s.name,
    status: s.runtimeStatus,
    input: s.input ?? null,
    output: failed ? null : s.output ?? null,
    error: failed ? { message: String(s.output ?? '').split('\n')[0] } : null,
    customStatus: custom?.status ?? null,
    progress: custom?.progress ?? null,
    createdAt: new Date(s.createdTime).toISOString(),
    updatedAt: new Date(s.lastUpdatedTime).toISOString(),
    ...(history ? { history: s.history ?? [] } : {}),
  };
}

/** The instance if it exists and belongs to this workflow, else undefined (both mean 404 to callers). */
async function find(client: DurableClient, workflow: string, id: string, history = false): Promise<DurableOrchestrationStatus | undefined> {
  try {
    const s = await client.getStatus(id, { showHistory: history, showHistoryOutput: history, showInput: true });
    return s.name === workflow ? s : undefined;
  } catch (e) {
    if (/HTTP 404/.test(String((e as Error).message))) return undefined;
    throw e;
  }
}

export interface ManagementOptions {
  workflow: string;
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
    return list(options, client, request);
  }
  if (!action) {
    if (method === 'GET') {
      const history = request.query.get('history') === 'true';
      const s = await find(client, options.workflow, id, history);
      return s ? { status: 200, jsonBody: friendlyStatus(s, history) } : notFound();
    }
    if (method === 'DELETE') {
      if (!(await find(client, options.workflow, id))) return notFound();
      const r = await client.purgeInstanceHistory(id);
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
      if (finished) return jsonError(410, 'InstanceFinished', `instance '${id}' is ${s.runtimeStatus}: it takes no more events`);
      const body = await request.text();
      let payload: unknown = null;
      try {
        payload = body.trim() === '' ? null : JSON.parse(body);
      } catch (e) {
        return jsonError(400, 'InvalidJson', `the event payload is not valid JSON: ${(e as Error).message}`);
      }
      await client.raiseEvent(id, event, payload);
      return { status: 202, jsonBody: { id, event, accepted: true } };
    }
    case 'terminate':
    case 'suspend':
    case 'resume': {
      if (finished) return jsonError(410, 'InstanceFinished', `instance '${id}' is already ${s.runtimeStatus}`);
      const reason = request.query.get('reason') ?? `${action} requested over HTTP`;
      if (action === 'terminate') await client.terminate(id, reason);
      else if (action === 'suspend') await client.suspend(id, reason);
      else await client.resume(id, reason);
      return { status: 202, jsonBody: { id, action, accepted: true } };
    }
    case 'restart': {
      const newId = await client.startNew(options.workflow, { input: s.input });
      return client.createCheckStatusResponse(request, newId);
    }
    default:
      return jsonError(404, 'UnknownAction', `unknown instance action '${action}'; use events, terminate, suspend, resume or restart`);
  }
}

async function list(options: ManagementOptions, client: DurableClient, request: HttpRequest): Promise<HttpResponseInit> {
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
  const all = (
    await client.getStatusBy({
      createdTimeFrom: from,
      createdTimeTo: to,
      runtimeStatus: statuses.length ? (statuses as df.OrchestrationRuntimeStatus[]) : undefined,
    })
  )
    .filter((s) => s.name === options.workflow)
    .sort((a, b) => new Date(a.createdTime).getTime() - new Date(b.createdTime).getTime() || a.instanceId.localeCompare(b.instanceId));
  // The continuation token is the offset into this ordered list, opaque to callers.
  const token = q.get('continuationToken');
  const offset = token ? Number(Buffer.from(token, 'base64url').toString('utf8')) : 0;
  if (!Number.isInteger(offset) || offset < 0) return jsonError(400, 'InvalidContinuationToken', 'the continuation token is not one this endpoint issued');
  const page = all.slice(offset, offset + top);
  const next = offset + top < all.length ? Buffer.from(String(offset + top)).toString('base64url') : null;
  return {
    status: 200,
    jsonBody: { instances: page.map((s) => friendlyStatus(s, false)), continuationToken: next },
    headers: next ? { 'x-ms-continuation-token': next } : {},
  };
}

export function managementHandler(options: ManagementOptions): (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit> {
  return (request, context) => manage(options, request, context);
}
