/**
 * The host's HTTP surface on loopback: the app's HTTP triggers under /api/<route>, and the
 * Durable webhook API under /runtime/webhooks/durabletask/ (also the durable client binding's
 * rpcBaseUrl, so df.getClient(context) in the app talks to this server unchanged).
 * Every error is JSON `{ error: { code, message } }`; nothing a request does stops the server.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CoreApi, Registration } from '../functions/core-api';
import { bindingName, invoke, type RpcHttpResponse } from '../functions/invoke';
import { ConflictError, GoneError, NotFoundError, type Engine } from '../executor/engine';
import type { Logger } from '../log';
import { TERMINAL, type InstanceRow, type Store } from '../store/store';
import { matchRoute } from './routes';

export const WEBHOOK_PREFIX = '/runtime/webhooks/durabletask';
/**
 * The durable client binding's rpcBaseUrl: the same API without keys, for the app's own calls,
 * answered only on loopback (the real extension serves its RPC endpoint the same way).
 */
export const RPC_PREFIX = '/_internal/durabletask';
/** Request bodies above this are refused with 413. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface ServerOptions {
  hubName: string;
  /** When set, function and admin routes need `?code=` or `x-functions-key` with one of these keys. */
  keys?: { function: string; master: string };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(text);
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, 'PayloadTooLarge', `the request body is larger than ${MAX_BODY_BYTES} bytes`));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function jsonBody(body: Buffer): unknown {
  const t = body.toString('utf8');
  if (t.trim() === '') return null;
  try {
    return JSON.parse(t);
  } catch (e) {
    throw new HttpError(400, 'InvalidJson', `the request body is not valid JSON: ${(e as Error).message}`);
  }
}

export class HostServer {
  readonly server: http.Server;
  private origin = '';

  constructor(
    private readonly api: CoreApi,
    private readonly engine: Engine,
    private readonly store: Store,
    private readonly options: ServerOptions,
    private readonly log: Logger,
  ) {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        if (e instanceof HttpError) return send(res, e.status, { error: { code: e.code, message: e.message } }, e.headers);
        this.log.error(`request ${req.method} ${req.url} failed: ${e instanceof Error ? e.stack : String(e)}`);
        if (!res.headersSent) send(res, 500, { error: { code: 'InternalError', message: e instanceof Error ? e.message : String(e) } });
        else res.end();
      });
    });
  }

  listen(port: number, host = '127.0.0.1'): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        const a = this.server.address() as AddressInfo;
        this.origin = `http://${host}:${a.port}`;
        resolve(this.origin);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // --- the durable client binding and check-status payloads ------------------------------------

  private query(): string {
    return `taskHub=${encodeURIComponent(this.options.hubName)}&connection=Storage${this.options.keys ? `&code=${this.options.keys.master}` : ''}`;
  }

  managementUrls(origin: string, id: string): Record<string, string> {
    const base = `${origin}${WEBHOOK_PREFIX}/instances/${id}`;
    const q = this.query();
    return {
      id,
      purgeHistoryDeleteUri: `${base}?${q}`,
      sendEventPostUri: `${base}/raiseEvent/{eventName}?${q}`,
      statusQueryGetUri: `${base}?${q}`,
      terminatePostUri: `${base}/terminate?reason={text}&${q}`,
      resumePostUri: `${base}/resume?reason={text}&${q}`,
      suspendPostUri: `${base}/suspend?reason={text}&${q}`,
      rewindPostUri: `${base}/rewind?reason={text}&${q}`,
      restartPostUri: `${base}/restart?${q}`,
    };
  }

  clientBinding(origin: string): Record<string, unknown> {
    const q = this.query();
    return {
      taskHubName: this.options.hubName,
      creationUrls: {
        createNewInstancePostUri: `${origin}${WEBHOOK_PREFIX}/orchestrators/{functionName}[/{instanceId}]?code=${this.options.keys?.master ?? ''}`,
        createAndWaitOnNewInstancePostUri: `${origin}${WEBHOOK_PREFIX}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&code=${this.options.keys?.master ?? ''}`,
      },
      managementUrls: this.managementUrls(origin, 'INSTANCEID'),
      baseUrl: `${origin}${WEBHOOK_PREFIX}`,
      requiredQueryStringParameters: q,
      rpcBaseUrl: `${origin}${RPC_PREFIX}/`,
      httpBaseUrl: '',
      maxGrpcMessageSizeInBytes: 0,
      grpcHttpClientTimeout: '00:01:40',
    };
  }

  // --- dispatch ---------------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin || 'http://127.0.0.1');
    if (url.pathname.startsWith(`${WEBHOOK_PREFIX}/`)) {
      this.authorize('function', req, url);
      return this.webhook(req, res, url, WEBHOOK_PREFIX);
    }
    if (url.pathname.startsWith(`${RPC_PREFIX}/`)) {
      const remote = req.socket.remoteAddress ?? '';
      if (!/^(127\.|::1$|::ffff:127\.)/.test(remote)) throw new HttpError(403, 'Forbidden', 'the internal durable API answers only on loopback');
      return this.webhook(req, res, url, RPC_PREFIX);
    }
    if (url.pathname.startsWith('/api/') || url.pathname === '/api') return this.trigger(req, res, url);
    if (url.pathname === '/' || url.pathname === '/admin/functions') {
      return send(res, 200, { functions: [...this.api.registrations.values()].map((r) => ({ name: r.name, trigger: r.trigger.type, route: r.trigger.route, methods: r.trigger.methods })) });
    }
    throw new HttpError(404, 'NotFound', `nothing is served at ${url.pathname}`);
  }

  private authorize(level: string, req: http.IncomingMessage, url: URL): void {
    const keys = this.options.keys;
    if (!keys || level === 'anonymous') return;
    const given = url.searchParams.get('code') ?? (req.headers['x-functions-key'] as string | undefined);
    const ok = level === 'admin' ? given === keys.master : given === keys.master || given === keys.function;
    if (!ok) throw new HttpError(401, 'Unauthorized', `this route needs a ${level === 'admin' ? 'master' : 'function'} key (?code= or x-functions-key)`);
  }

  /** An app HTTP trigger, invoked through the app's own programming model. */
  private async trigger(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const path = url.pathname.slice('/api/'.length);
    const method = (req.method ?? 'GET').toUpperCase();
    let wrongMethod = false;
    for (const reg of this.api.registrations.values()) {
      if (reg.trigger.type !== 'httpTrigger') continue;
      const params = matchRoute(String(reg.trigger.route ?? reg.name), path);
      if (!params) continue;
      const methods = (reg.trigger.methods as string[] | undefined)?.map((m) => m.toUpperCase()) ?? ['GET', 'POST'];
      if (!methods.includes(method)) {
        wrongMethod = true;
        continue;
      }
      this.authorize(String(reg.trigger.authLevel ?? 'function'), req, url);
      const body = await readBody(req);
      return this.invokeHttp(reg, req, res, url, params, body);
    }
    if (wrongMethod) throw new HttpError(405, 'MethodNotAllowed', `${method} is not allowed on /api/${path}`);
    throw new HttpError(404, 'NotFound', `no function serves /api/${path}`);
  }

  private async invokeHttp(reg: Registration, req: http.IncomingMessage, res: http.ServerResponse, url: URL, params: Record<string, string>, body: Buffer): Promise<void> {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const inputs: Parameters<typeof invoke>[2] = {
      [reg.trigger.name]: {
        http: { method: req.method ?? 'GET', url: url.href, headers, body: { string: body.toString('utf8') }, params, query: Object.fromEntries(url.searchParams) },
      },
    };
    const client = bindingName(reg, 'durableClient') ?? bindingName(reg, 'orchestrationClient');
    if (client) inputs[client] = { string: JSON.stringify(this.clientBinding(url.origin)) };
    const started = Date.now();
    const id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    this.log.executing(reg.name, `This function was programmatically called via the host APIs.`, id);
    try {
      const response = await invoke(this.api, reg, inputs);
      this.log.executed(reg.name, 'Succeeded', id, Date.now() - started);
      const out = (response.returnValue?.http ?? {}) as RpcHttpResponse;
      const status = Number(out.statusCode ?? 200);
      const payload = out.body?.bytes ? Buffer.from(out.body.bytes) : Buffer.from(out.body?.string ?? '', 'utf8');
      res.writeHead(status, out.headers ?? {});
      res.end(payload);
    } catch (e) {
      this.log.executed(reg.name, 'Failed', id, Date.now() - started);
      this.log.error(`Functions.${reg.name}: ${e instanceof Error ? e.message : String(e)}`);
      throw new HttpError(500, 'FunctionFailed', `function '${reg.name}' failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  // --- the Durable webhook API ---------------------------------------------------------------------

  status(inst: InstanceRow, opts: { showInput: boolean; showHistory: boolean; showHistoryOutput: boolean }): Record<string, unknown> {
    const failed = inst.status === 'Failed';
    return {
      name: inst.name,
      instanceId: inst.id,
      runtimeStatus: inst.status,
      input: opts.showInput ? inst.input : null,
      customStatus: inst.customStatus,
      output: failed ? inst.error : inst.output,
      createdTime: inst.created,
      lastUpdatedTime: inst.updated,
      // `historyEvents` is the webhook API's name; durable-js's client reads `history`.
      ...(opts.showHistory ? ((h) => ({ historyEvents: h, history: h }))(this.historyView(inst.id, opts.showHistoryOutput)) : {}),
    };
  }

  private historyView(id: string, withOutput: boolean): unknown[] {
    const names = ['ExecutionStarted', 'ExecutionCompleted', 'ExecutionFailed', 'ExecutionTerminated', 'TaskScheduled', 'TaskCompleted', 'TaskFailed', 'SubOrchestrationInstanceCreated', 'SubOrchestrationInstanceCompleted', 'SubOrchestrationInstanceFailed', 'TimerCreated', 'TimerFired', 'OrchestratorStarted', 'OrchestratorCompleted', 'EventSent', 'EventRaised', 'ContinueAsNew'];
    return this.store
      .history(id)
      .filter((e) => e.EventType !== 12 && e.EventType !== 13)
      .map((e) => {
        const { EventType, Timestamp, Result, Input, Name, TaskScheduledId, TimerId, FireAt, Reason } = e as Record<string, unknown>;
        return {
          EventType: names[EventType as number] ?? String(EventType),
          Timestamp,
          ...(Name !== undefined ? { Name } : {}),
          ...(FireAt !== undefined ? { FireAt } : {}),
          ...(TaskScheduledId !== undefined ? { TaskScheduledId } : {}),
          ...(TimerId !== undefined ? { TimerId } : {}),
          ...(Reason !== undefined ? { Reason } : {}),
          ...(withOutput && Result !== undefined ? { Result: JSON.parse(Result as string) } : {}),
          ...(withOutput && Input !== undefined && EventType === 15 ? { Input: JSON.parse(Input as string) } : {}),
        };
      });
  }

  private async webhook(req: http.IncomingMessage, res: http.ServerResponse, url: URL, prefix: string): Promise<void> {
    const parts = url.pathname.slice(prefix.length + 1).split('/').map(decodeURIComponent);
    const method = (req.method ?? 'GET').toUpperCase();
    const q = url.searchParams;
    const flag = (name: string, dflt: boolean): boolean => (q.has(name) ? q.get(name) !== 'false' : dflt);
    const body = await readBody(req);
    const guard = <T>(fn: () => T): T => {
      try {
        return fn();
      } catch (e) {
        if (e instanceof NotFoundError) throw new HttpError(404, 'NotFound', e.message);
        if (e instanceof GoneError) throw new HttpError(410, 'Gone', e.message);
        if (e instanceof ConflictError) throw new HttpError(409, 'Conflict', e.message);
        throw e;
      }
    };

    // POST orchestrators/{name}[/{id}]
    if (parts[0] === 'orchestrators' && parts.length >= 2 && parts.length <= 3) {
      if (method !== 'POST') throw new HttpError(405, 'MethodNotAllowed', 'start an orchestration with POST');
      const input = jsonBody(body);
      const id = guard(() => this.engine.startInstance(parts[1], input, parts[2] || undefined));
      const links = this.managementUrls(url.origin, id);
      return send(res, 202, links, { Location: links.statusQueryGetUri, 'Retry-After': '10' });
    }
    if (parts[0] !== 'instances') throw new HttpError(404, 'NotFound', `unknown Durable API route ${url.pathname}`);

    // GET / DELETE instances (collection)
    if (parts.length === 1 || (parts.length === 2 && parts[1] === '')) {
      const filter = {
        from: q.get('createdTimeFrom') ?? undefined,
        to: q.get('createdTimeTo') ?? undefined,
        statuses: q.get('runtimeStatus')?.split(',').map((s) => s.trim()).filter(Boolean),
        prefix: q.get('instanceIdPrefix') ?? undefined,
      };
      if (method === 'GET') {
        // Without `top` everything comes back at once (the durable client does not page).
        const top = q.has('top') ? Math.min(Math.max(Number(q.get('top')) || 100, 1), 1000) : 1_000_000;
        const token = req.headers['x-ms-continuation-token'] as string | undefined;
        const after = token ? Buffer.from(token, 'base64url').toString('utf8') : undefined;
        const rows = this.store.listInstances({ ...filter, top: top + 1, after });
        const page = rows.slice(0, top);
        const headers: Record<string, string> = rows.length > top ? { 'x-ms-continuation-token': Buffer.from(page.at(-1)!.id).toString('base64url') } : {};
        return send(res, 200, page.map((r) => this.status(r, { showInput: flag('showInput', false), showHistory: false, showHistoryOutput: false })), headers);
      }
      if (method === 'DELETE') {
        if (!filter.from) throw new HttpError(400, 'BadRequest', 'purging by filter needs createdTimeFrom');
        const rows = this.store.listInstances({ ...filter, top: 1_000_000 }).filter((r) => TERMINAL.has(r.status));
        let deleted = 0;
        for (const r of rows) if (this.store.purge(r.id)) deleted++;
        return send(res, deleted > 0 ? 200 : 404, { instancesDeleted: deleted });
      }
      throw new HttpError(405, 'MethodNotAllowed', `${method} is not allowed on instances`);
    }

    const id = parts[1];
    const action = parts[2];
    if (action === undefined) {
      if (method === 'GET') {
        const inst = this.store.instance(id);
        if (!inst) throw new HttpError(404, 'NotFound', `no instance with id '${id}'`);
        const payload = this.status(inst, { showInput: flag('showInput', true), showHistory: flag('showHistory', false), showHistoryOutput: flag('showHistoryOutput', false) });
        const code = inst.status === 'Completed' ? 200 : inst.status === 'Failed' || inst.status === 'Terminated' ? 400 : 202;
        const headers: Record<string, string> = code === 202 ? { Location: this.managementUrls(url.origin, id).statusQueryGetUri, 'Retry-After': '10' } : {};
        return send(res, code, payload, headers);
      }
      if (method === 'DELETE') {
        if (!this.store.purge(id)) throw new HttpError(404, 'NotFound', `no instance with id '${id}'`);
        return send(res, 200, { instancesDeleted: 1 });
      }
      throw new HttpError(405, 'MethodNotAllowed', `${method} is not allowed on an instance`);
    }
    if (method !== 'POST') throw new HttpError(405, 'MethodNotAllowed', `use POST for ${action}`);
    const reason = q.get('reason') ?? '';
    switch (action) {
      case 'raiseEvent': {
        if (!parts[3]) throw new HttpError(400, 'BadRequest', 'raiseEvent needs an event name');
        const data = jsonBody(body);
        guard(() => this.engine.raiseEvent(id, parts[3], data));
        return send(res, 202, undefined);
      }
      case 'terminate':
        guard(() => this.engine.terminate(id, reason));
        return send(res, 202, undefined);
      case 'suspend':
        guard(() => this.engine.suspend(id));
        return send(res, 202, undefined);
      case 'resume':
        guard(() => this.engine.resume(id));
        return send(res, 202, undefined);
      case 'rewind':
        if (!this.store.instance(id)) throw new HttpError(404, 'NotFound', `no instance with id '${id}'`);
        throw new HttpError(501, 'NotImplemented', 'rewind is not supported by the local host; restart the instance instead');
      case 'restart': {
        const inst = this.store.instance(id);
        if (!inst) throw new HttpError(404, 'NotFound', `no instance with id '${id}'`);
        const newId = q.get('restartWithNewInstanceId') === 'false' ? id : undefined;
        if (newId && !TERMINAL.has(inst.status)) throw new HttpError(409, 'Conflict', `instance '${id}' is still ${inst.status}`);
        const started = guard(() => this.engine.startInstance(inst.name, inst.input, newId));
        const links = this.managementUrls(url.origin, started);
        return send(res, 202, links, { Location: links.statusQueryGetUri });
      }
      default:
        throw new HttpError(404, 'NotFound', `unknown instance operation '${action}'`);
    }
  }
}
