/**
 * The extension engine's public HTTP surface, the same routes the embedded host serves: the app's
 * HTTP triggers under /api/ (with the durable client binding the real extension made), and the
 * Durable webhook API under /runtime/webhooks/durabletask/, answered by the extension itself (its
 * requests are passed to the .NET side with the URL the caller used, which the extension routes on
 * and builds its links from). Every request passes the same Host/Origin checks as on the embedded
 * host (host/http/front.ts).
 */
import * as http from 'node:http';
import type { CoreApi } from '../functions/core-api';
import { closeServer, HttpError, listenOn, readBody, refuseCrossSite, requestTarget, send, sendFailure, serveTrigger, type TriggerContext } from '../http/front';
import { WEBHOOK_PREFIX } from '../http/server';
import type { Logger } from '../log';

export class ExtensionFront {
  readonly server: http.Server;
  origin = '';
  private hosts = new Set<string>();
  private origins = new Set<string>();
  /** Set once the .NET side is ready: its API port and the client binding it made. */
  private backend?: { port: number; client: Record<string, unknown> };
  private readonly triggers: TriggerContext;

  constructor(
    private readonly api: CoreApi,
    private readonly log: Logger,
  ) {
    this.triggers = { api, clientBinding: () => this.clientBinding(), log };
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => sendFailure(req, res, e, this.log));
    });
  }

  connect(backend: { port: number; client: Record<string, unknown> }): void {
    this.backend = backend;
  }

  clientBinding(): Record<string, unknown> {
    if (!this.backend) throw new HttpError(503, 'Starting', 'the extension engine is still starting');
    return this.backend.client;
  }

  async listen(port: number, host = '127.0.0.1'): Promise<string> {
    ({ origin: this.origin, hosts: this.hosts, origins: this.origins } = await listenOn(this.server, port, host));
    return this.origin;
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const target = requestTarget(req, this.hosts, this.origins);
    const url = new URL(`${this.origin}${target}`);
    // no keys on this engine: a request a browser marks as from another site is always refused
    refuseCrossSite(undefined, req, url);
    if (url.pathname.startsWith(`${WEBHOOK_PREFIX}/`)) return this.webhook(req, res, url);
    if (url.pathname.startsWith('/api/') || url.pathname === '/api') return serveTrigger(this.triggers, req, res, url);
    if (url.pathname === '/' || url.pathname === '/admin/functions') {
      return send(res, 200, { functions: [...this.api.registrations.values()].map((r) => ({ name: r.name, trigger: r.trigger.type, route: r.trigger.route, methods: r.trigger.methods })) });
    }
    throw new HttpError(404, 'NotFound', `nothing is served at ${url.pathname}`);
  }

  /** Passes a webhook API request to the extension (dotnet/WebhookApi.cs) and its answer back. */
  private async webhook(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    if (!this.backend) throw new HttpError(503, 'Starting', 'the extension engine is still starting');
    const body = await readBody(req);
    const headers: Record<string, string> = { 'x-durable-flow-url': url.href };
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || k === 'host' || k === 'connection' || k === 'content-length' || k.startsWith('x-durable-flow-')) continue;
      headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    const answer = await fetch(`http://127.0.0.1:${this.backend.port}/`, { method: req.method, headers, body: body.length > 0 ? body : undefined });
    const out: Record<string, string> = {};
    answer.headers.forEach((v, k) => {
      if (k !== 'transfer-encoding' && k !== 'content-length' && k !== 'connection') out[k] = v;
    });
    const payload = Buffer.from(await answer.arrayBuffer());
    res.writeHead(answer.status, out);
    res.end(payload);
  }
}
