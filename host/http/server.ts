/**
 * The host's HTTP surface on loopback: the app's HTTP triggers under /api/<route>, the Durable
 * webhook API under /runtime/webhooks/durabletask/, and the durable client binding's rpcBaseUrl
 * (/_internal/durabletask/<secret>/), so df.getClient(context) in the app talks to this server
 * unchanged. Every error is JSON `{ error: { code, message } }`; nothing a request does stops the
 * server.
 *
 * Every request passes the same checks first: its Host header (and an absolute-form target's
 * authority) must name this host (127.0.0.1, localhost or [::1] with its port), else 421, which
 * stops DNS rebinding; a browser's Origin header, when sent, must be this host's, else 403, which
 * stops cross-site requests from a page the developer visits, as does a `Sec-Fetch-Site` of
 * `cross-site` or `same-site` without a key (browsers send it where they leave Origin out: links,
 * <img>). Links and the client binding are always built from the host's own origin, never from the
 * request.
 *
 * Keys (with --enforce-auth): a route needs its authLevel's key (`?code=` or `x-functions-key`):
 * function routes the function or master key, admin routes the master key. The webhook API needs,
 * for an instance, the key of its workflow's authLevel (from the runtime registry; `function` for
 * orchestrators the registry does not know; for a sub-workflow or partition slice, the strictest
 * of its own and its parents'), and the master key for listing or purging across instances. An
 * instance id belongs to its workflow: a start under the id of an existing instance of another
 * workflow (or of a sub-workflow) needs that instance's level, and never takes a singleton's key
 * (409 otherwise). Status links carry the key of the level the caller was served at: none for an
 * anonymous route, the function key for a function route, the master key only for an admin route,
 * so every link works for its receiver and none grants more than the caller already had.
 */
import * as http from 'node:http';
import { nameError, nameErrorCode, urlPart, type NameKind } from '../../runtime/ids';
import { inputProblem, workflowRegistry } from '../../runtime/registry';
import { VERSION_KEY, versionEnvelope } from '../../runtime/version-text';
import type { CoreApi } from '../functions/core-api';
import { ConflictError, GoneError, NotFoundError, type Engine } from '../executor/engine';
import type { Logger } from '../log';
import { TERMINAL, type InstanceRow, type Store } from '../store/store';
import { authLevel, grants, levelOfKey, randomKey, safeEqual, type AuthLevel, type HostKeys } from './auth';
import { authorize, closeServer, HttpError, jsonBody, listenOn, presentedKey, readBody, refuseCrossSite, requestTarget, send, sendFailure, serveTrigger, type TriggerContext } from './front';

export const WEBHOOK_PREFIX = '/runtime/webhooks/durabletask';
/**
 * The durable client binding's rpcBaseUrl is `<origin>/_internal/durabletask/<secret>/`: the
 * same API without keys, for the app's own calls. The secret is random per process and travels
 * in the path, because the durable client resolves every request against rpcBaseUrl (a query
 * string would be dropped); requests without it get 403, as do requests not from loopback.
 */
export const RPC_PREFIX = '/_internal/durabletask';
export { MAX_BODY_BYTES } from './front';

export interface ServerOptions {
  hubName: string;
  /** When set, routes need keys as their authLevel says (see above). */
  keys?: HostKeys;
  /** The internal RPC endpoint's secret; default: random per server. */
  rpcSecret?: string;
}

/** Throws a 400 naming the value when it is not a valid instance id / event name (runtime/ids.ts). */
function checkName(kind: NameKind, value: string): void {
  const message = nameError(kind, value);
  if (message !== undefined) throw new HttpError(400, nameErrorCode(kind), message);
}

/** A path's segments, each percent-decoded (400 on a malformed escape). */
function segments(path: string): string[] {
  return path.split('/').map((seg) => {
    try {
      return decodeURIComponent(seg);
    } catch {
      throw new HttpError(400, 'InvalidPath', `the path segment '${seg.slice(0, 100)}' is not valid percent-encoding`);
    }
  });
}

export class HostServer {
  readonly server: http.Server;
  private origin = '';
  private hosts = new Set<string>();
  private origins = new Set<string>();
  private readonly rpcSecret: string;
  private readonly triggers: TriggerContext;

  constructor(
    private readonly api: CoreApi,
    private readonly engine: Engine,
    private readonly store: Store,
    private readonly options: ServerOptions,
    private readonly log: Logger,
  ) {
    this.rpcSecret = options.rpcSecret ?? randomKey();
    this.triggers = { api, keys: options.keys, clientBinding: (level) => this.clientBinding(level), log };
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => sendFailure(req, res, e, this.log));
    });
  }

  async listen(port: number, host = '127.0.0.1'): Promise<string> {
    ({ origin: this.origin, hosts: this.hosts, origins: this.origins } = await listenOn(this.server, port, host));
    return this.origin;
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  // --- the durable client binding and check-status payloads ------------------------------------

  /** The key links carry for a caller served at `level`: never more than that level's own key. */
  private linkKey(level: AuthLevel): string | undefined {
    const keys = this.options.keys;
    if (!keys || level === 'anonymous') return undefined;
    return level === 'admin' ? keys.master : keys.function;
  }

  private query(level: AuthLevel): string {
    const key = this.linkKey(level);
    return `taskHub=${urlPart(this.options.hubName)}&connection=Storage${key ? `&code=${urlPart(key)}` : ''}`;
  }

  /** The status links of an instance, on this host's origin, with the key of `level` (see the file comment). */
  managementUrls(id: string, level: AuthLevel): Record<string, string> {
    const base = `${this.origin}${WEBHOOK_PREFIX}/instances/${urlPart(id)}`;
    const q = this.query(level);
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

  /**
   * The durable client binding for a function invoked at `level` (a timer: anonymous). The client
   * makes its calls through rpcBaseUrl (which carries the per-process secret); the link templates
   * are what `createCheckStatusResponse` hands to callers.
   */
  clientBinding(level: AuthLevel = 'anonymous'): Record<string, unknown> {
    const q = this.query(level);
    const key = this.linkKey(level);
    const code = key ? `?code=${urlPart(key)}` : '';
    return {
      taskHubName: this.options.hubName,
      creationUrls: {
        createNewInstancePostUri: `${this.origin}${WEBHOOK_PREFIX}/orchestrators/{functionName}[/{instanceId}]${code}`,
        createAndWaitOnNewInstancePostUri: `${this.origin}${WEBHOOK_PREFIX}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}${key ? `&code=${urlPart(key)}` : ''}`,
      },
      managementUrls: this.managementUrls('INSTANCEID', level),
      baseUrl: `${this.origin}${WEBHOOK_PREFIX}`,
      requiredQueryStringParameters: q,
      rpcBaseUrl: `${this.origin}${RPC_PREFIX}/${this.rpcSecret}/`,
      // Not part of the extension's binding: tells durable-flow's shim it may wait for an instance
      // with GET <rpcBaseUrl>instances/<id>?durableFlowWaitMs=<ms> (runtime/start.ts).
      durableFlowWait: true,
      httpBaseUrl: '',
      maxGrpcMessageSizeInBytes: 0,
      grpcHttpClientTimeout: '00:01:40',
    };
  }

  // --- dispatch ---------------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(`${this.origin}${requestTarget(req, this.hosts, this.origins)}`);
    refuseCrossSite(this.options.keys, req, url);
    if (url.pathname.startsWith(`${WEBHOOK_PREFIX}/`)) {
      return this.webhook(req, res, url, segments(url.pathname.slice(WEBHOOK_PREFIX.length + 1)), 'webhook');
    }
    if (url.pathname === RPC_PREFIX || url.pathname.startsWith(`${RPC_PREFIX}/`)) {
      const remote = req.socket.remoteAddress ?? '';
      if (!/^(127\.|::1$|::ffff:127\.)/.test(remote)) throw new HttpError(403, 'Forbidden', 'the internal durable API answers only on loopback');
      const rest = url.pathname.slice(RPC_PREFIX.length + 1);
      const slash = rest.indexOf('/');
      if (slash < 0 || !safeEqual(rest.slice(0, slash), this.rpcSecret)) {
        throw new HttpError(403, 'Forbidden', "the internal durable API is only for the app's durable client (its binding carries this host's per-process secret)");
      }
      return this.webhook(req, res, url, segments(rest.slice(slash + 1)), 'rpc');
    }
    if (url.pathname.startsWith('/api/') || url.pathname === '/api') return serveTrigger(this.triggers, req, res, url);
    if (url.pathname === '/' || url.pathname === '/admin/functions') {
      authorize(this.options.keys, 'admin', req, url);
      return send(res, 200, { functions: [...this.api.registrations.values()].map((r) => ({ name: r.name, trigger: r.trigger.type, route: r.trigger.route, methods: r.trigger.methods })) });
    }
    throw new HttpError(404, 'NotFound', `nothing is served at ${url.pathname}`);
  }

  /** The authLevel of a workflow's routes (and so of its instances) from the runtime registry. */
  private workflowLevel(name: string): AuthLevel {
    const level = workflowRegistry().get(name)?.authLevel;
    return level === undefined ? 'function' : authLevel(level);
  }

  /**
   * The level an instance needs: the strictest of its own workflow's and those of the instances
   * that started it (a sub-workflow or partition slice belongs to the workflow that started it, so
   * an admin workflow's children are not reachable with a function key).
   */
  private instanceLevel(inst: InstanceRow): AuthLevel {
    let level = this.workflowLevel(inst.name);
    const seen = new Set([inst.id]);
    for (let at = inst; at.parentId !== null && !seen.has(at.parentId); ) {
      seen.add(at.parentId);
      const parent = this.store.instance(at.parentId);
      if (!parent) break;
      const own = this.workflowLevel(parent.name);
      if (!grants(level, own)) level = own;
      at = parent;
    }
    return level;
  }

  /** The level a webhook caller holds: every level without keys (anyone may do anything then), else its key's. */
  private callerLevel(req: http.IncomingMessage, url: URL): AuthLevel {
    return this.options.keys ? levelOfKey(this.options.keys, presentedKey(req, url)) : 'admin';
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
      // The orchestration version, as the extension's status payload has it (left out when the instance has none).
      ...(inst.version ? { version: inst.version } : {}),
      // `historyEvents`, as the extension answers (durable-js's client reads `history` and so drops
      // it, durable-js#620; runtime/management.ts reads it the way that works on Azure too).
      ...(opts.showHistory ? { historyEvents: this.historyView(inst.id, opts.showHistoryOutput) } : {}),
    };
  }

  /**
   * The history as the extension's HTTP API shows it (DurableClient.GetDurableOrchestrationStatusAsync):
   * no OrchestratorStarted/Completed; each TaskScheduled and SubOrchestrationInstanceCreated that
   * has completed or failed is folded into its completion (`FunctionName`, `ScheduledTime`, the
   * child's `InstanceId`) and left out, so only the calls still open show as scheduled;
   * completions carry no TaskScheduledId and TimerFired no TimerId; ExecutionStarted names the
   * orchestrator as `FunctionName` (no Version). Shown on the real extension by test/engines/examples.test.ts.
   */
  private historyView(id: string, withOutput: boolean): unknown[] {
    const names = ['ExecutionStarted', 'ExecutionCompleted', 'ExecutionFailed', 'ExecutionTerminated', 'TaskScheduled', 'TaskCompleted', 'TaskFailed', 'SubOrchestrationInstanceCreated', 'SubOrchestrationInstanceCompleted', 'SubOrchestrationInstanceFailed', 'TimerCreated', 'TimerFired', 'OrchestratorStarted', 'OrchestratorCompleted', 'EventSent', 'EventRaised', 'ContinueAsNew'];
    const events = this.store.history(id).filter((e) => e.EventType !== 12 && e.EventType !== 13) as Array<Record<string, unknown>>;
    // The calls that completed or failed, by kind and task id: their scheduling event folds into the completion.
    const issuedBy = (type: number): number | undefined => (type === 5 || type === 6 ? 4 : type === 8 || type === 9 ? 7 : undefined);
    const completed = new Set(events.flatMap((e) => (issuedBy(e.EventType as number) !== undefined ? [`${issuedBy(e.EventType as number)}:${String(e.TaskScheduledId)}`] : [])));
    const scheduled = new Map(events.filter((e) => (e.EventType === 4 || e.EventType === 7) && completed.has(`${String(e.EventType)}:${String(e.EventId)}`)).map((e) => [`${String(e.EventType)}:${String(e.EventId)}`, e]));
    return events
      .filter((e) => !scheduled.has(`${String(e.EventType)}:${String(e.EventId)}`))
      .map((e) => {
        const { EventType, Timestamp, Result, Input, Name, InstanceId, TaskScheduledId, FireAt, Reason, OrchestrationStatus } = e;
        const type = EventType as number;
        const issued = issuedBy(type) === undefined ? undefined : scheduled.get(`${issuedBy(type)}:${String(TaskScheduledId)}`);
        const child = issued?.InstanceId ?? InstanceId;
        return {
          EventType: names[type] ?? String(EventType),
          Timestamp,
          ...(Name !== undefined ? (type === 0 ? { FunctionName: Name } : { Name }) : {}),
          ...(issued ? { ScheduledTime: issued.Timestamp, FunctionName: issued.Name } : {}),
          // a sub-orchestration's id, as the extension shows it (how a client finds the children)
          ...(child !== undefined ? { InstanceId: child } : {}),
          ...(FireAt !== undefined ? { FireAt } : {}),
          ...(Reason !== undefined ? { Reason } : {}),
          // how an execution ended (Completed, Failed, ContinuedAsNew), as the extension shows it
          ...(OrchestrationStatus !== undefined ? { OrchestrationStatus } : {}),
          ...(withOutput && Result !== undefined ? { Result: JSON.parse(Result as string) } : {}),
          ...(withOutput && Input !== undefined && type === 15 ? { Input: JSON.parse(Input as string) } : {}),
        };
      });
  }

  /**
   * The Durable HTTP API, for callers (`via` webhook: keys as the file comment says, start inputs
   * validated) and for the app's durable client (`via` rpc: the secret was checked).
   */
  private async webhook(req: http.IncomingMessage, res: http.ServerResponse, url: URL, parts: string[], via: 'webhook' | 'rpc'): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const q = url.searchParams;
    const flag = (name: string, dflt: boolean): boolean => (q.has(name) ? q.get(name) !== 'false' : dflt);
    const need = (level: AuthLevel): void => {
      if (via === 'webhook') authorize(this.options.keys, level, req, url);
    };
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

    // POST orchestrators/{name}[/{id}][?version=]: the version, else host.json's defaultVersion
    if (parts[0] === 'orchestrators' && parts.length >= 2 && parts.length <= 3) {
      const name = parts[1];
      const level = this.workflowLevel(name);
      need(level);
      if (method !== 'POST') throw new HttpError(405, 'MethodNotAllowed', 'start an orchestration with POST');
      const id = parts[2] || undefined;
      if (id !== undefined) checkName('instance id', id);
      const input = jsonBody(await readBody(req));
      if (via === 'webhook') {
        this.checkStart(name, input);
        if (id !== undefined) this.checkIdOwner(name, id, req, url);
      }
      const version = q.get('version') || undefined;
      const started = guard(() => this.engine.startInstance(name, input, id, undefined, version));
      const links = this.managementUrls(started, via === 'webhook' ? level : 'anonymous');
      return send(res, 202, links, { Location: links.statusQueryGetUri, 'Retry-After': '10' });
    }
    if (parts[0] !== 'instances') throw new HttpError(404, 'NotFound', `unknown Durable API route ${url.pathname}`);

    // GET / DELETE instances (collection): every workflow's instances, so the master key
    if (parts.length === 1 || (parts.length === 2 && parts[1] === '')) {
      need('admin');
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
    const known = this.store.instance(id);
    const level = known ? this.instanceLevel(known) : 'function';
    need(level);
    checkName('instance id', id);
    if (parts.length > (action === 'raiseEvent' ? 4 : 3)) throw new HttpError(404, 'NotFound', `unknown Durable API route ${url.pathname}`);
    if (action === undefined) {
      if (method === 'GET') {
        // durable-flow's shim waits here for an instance to finish (the binding's durableFlowWait):
        // the engine answers when it commits the end, instead of the shim polling.
        const waitMs = via === 'rpc' ? Number(q.get('durableFlowWaitMs') ?? 0) : 0;
        if (waitMs > 0) await this.engine.whenFinished(id, Math.min(waitMs, 230_000));
        const inst = this.store.instance(id);
        if (!inst) throw new HttpError(404, 'NotFound', `no instance with id '${id}'`);
        const payload = this.status(inst, { showInput: flag('showInput', true), showHistory: flag('showHistory', false), showHistoryOutput: flag('showHistoryOutput', false) });
        // As the extension answers (HttpApiHandler): 202 + Location while it may still run, 200 once
        // it has finished, a failure too unless ?returnInternalServerErrorOnFailure=true (500).
        const code = TERMINAL.has(inst.status) ? (inst.status === 'Failed' && flag('returnInternalServerErrorOnFailure', false) ? 500 : 200) : 202;
        const headers: Record<string, string> = code === 202 ? { Location: `${this.origin}${url.pathname}${url.search}`, 'Retry-After': '5' } : {};
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
        checkName('event name', parts[3]);
        // As the extension answers (HttpApiHandler.HandleRaiseEventRequestAsync): 404 and 410 first,
        // then only a JSON body (curl -d sends a form content type unless told otherwise).
        const mediaType = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
        if (known && !TERMINAL.has(known.status) && mediaType !== 'application/json') {
          throw new HttpError(400, 'BadRequest', 'Only application/json request content is supported');
        }
        const data = jsonBody(await readBody(req));
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
        const input = this.checkRestart(inst);
        // A singleton's instance id is its key: it restarts under that id, never beside itself.
        const singleton = workflowRegistry().get(inst.name)?.singleton === true;
        const keepId = singleton || q.get('restartWithNewInstanceId') === 'false';
        if (keepId && !TERMINAL.has(inst.status)) {
          throw new HttpError(409, 'Conflict', `instance '${id}' is still ${inst.status}${singleton ? `: '${inst.name}' is a singleton, so it restarts under the same id once finished` : ''}`);
        }
        // A restart is a new start with no version given: host.json's defaultVersion (the extension's
        // RestartAsync starts the orchestration again through StartNewAsync, which passes none).
        const started = guard(() => this.engine.startInstance(inst.name, input, keepId ? id : undefined));
        const links = this.managementUrls(started, via === 'webhook' ? level : 'anonymous');
        return send(res, 202, links, { Location: links.statusQueryGetUri });
      }
      default:
        throw new HttpError(404, 'NotFound', `unknown instance operation '${action}'`);
    }
  }

  /**
   * An instance id belongs to its workflow: a webhook start of `name` under the id of an instance of
   * another workflow (or of a sub-workflow, which belongs to the instance that started it) would
   * erase that instance (a start over a finished id replaces it, as on the extension), so it needs
   * the level that instance needs (409 otherwise), and a singleton's key is not taken by another
   * workflow at all, keys or not. The answer does not name the other workflow.
   */
  private checkIdOwner(name: string, id: string, req: http.IncomingMessage, url: URL): void {
    const existing = this.store.instance(id);
    if (!existing || (existing.name === name && existing.parentId === null)) return;
    // A singleton's key is never taken by another workflow, whatever the key: purge it first.
    if (existing.name !== name && workflowRegistry().get(existing.name)?.singleton === true) {
      throw new HttpError(409, 'InstanceIdTaken', `the instance id '${id}' is the key of another workflow's singleton instance; no other workflow starts under it (purge that instance first)`);
    }
    const needed = this.instanceLevel(existing);
    if (grants(this.callerLevel(req, url), needed)) return;
    throw new HttpError(409, 'InstanceIdTaken', `the instance id '${id}' belongs to ${existing.name === name ? 'a sub-workflow of another instance' : 'an instance of another workflow'}; starting '${name}' under it needs ${needed === 'admin' ? 'the master key' : 'the function key'}`);
  }

  /**
   * What a restart may start, and with which input: never a workflow's partition orchestrator (a
   * slice started on its own redoes its items outside the workflow) nor a sub-workflow whose parent
   * still runs; the input it ran with (unwrapped from the version carrier of a continueAsNew) must
   * pass the workflow's validator, as any start does, since a restart starts the latest version.
   */
  private checkRestart(inst: InstanceRow): unknown {
    const entry = workflowRegistry().get(inst.name);
    if (entry?.partitionOf) {
      throw new HttpError(400, 'InternalOrchestrator', `instance '${inst.id}' is a slice of a '${entry.partitionOf}' instance and runs only inside it; restart that instance instead`);
    }
    const parent = inst.parentId === null ? undefined : this.store.instance(inst.parentId);
    if (parent && !TERMINAL.has(parent.status)) {
      throw new HttpError(409, 'ParentRunning', `instance '${inst.id}' is a sub-workflow of '${parent.id}', which is still ${parent.status}; restart or terminate that instance instead`);
    }
    const input = versionEnvelope(inst.input)?.input ?? inst.input;
    const problem = inputProblem(inst.name, entry?.validate, input);
    if (problem) throw new HttpError(400, 'InvalidInput', `cannot restart '${inst.id}': ${problem.message}`, {}, { violations: problem.violations });
    return input;
  }

  /**
   * A start through the webhook API runs the workflow's own input validator (from the runtime
   * registry), as its HTTP starter does; a workflow's partition orchestrator is started only by
   * the workflow.
   */
  private checkStart(name: string, input: unknown): void {
    const entry = workflowRegistry().get(name);
    if (!entry) return;
    if (entry.partitionOf) {
      throw new HttpError(400, 'InternalOrchestrator', `'${name}' runs slices of '${entry.partitionOf}' and is started only by it; start '${entry.partitionOf}' instead`);
    }
    // The wrapper that carries a version across continueAsNew would let a caller pick a version
    // and skip the validator (runtime/versions.ts); pass `?version=` instead.
    if (versionEnvelope(input)) {
      throw new HttpError(400, 'InvalidInput', `the input of '${name}' has the shape durable-flow reserves for carrying a version across continueAsNew ({ "${VERSION_KEY}", "input" }); to start a version, pass ?version=`);
    }
    const problem = inputProblem(name, entry.validate, input);
    if (problem) throw new HttpError(400, 'InvalidInput', problem.message, {}, { violations: problem.violations });
  }
}
