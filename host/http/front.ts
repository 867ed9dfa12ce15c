/**
 * What every engine's HTTP front shares (the embedded host's HostServer and the real extension's
 * front, host/extension-engine/front.ts): JSON errors, bounded bodies, the checks every request
 * passes (Host header, Origin), keys, and the app's HTTP triggers invoked through the app's own
 * programming model with a durable client binding the engine supplies.
 */
import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CoreApi, Registration } from '../functions/core-api';
import { bindingName, invoke, type RpcHttpResponse } from '../functions/invoke';
import type { Logger } from '../log';
import { authLevel, grants, levelOfKey, ownHosts, type AuthLevel, type HostKeys } from './auth';
import { MalformedPathError, matchRoute } from './routes';

/** Where a front listens: its origin, and the Host and Origin values it answers to (requestTarget). */
export interface Listening {
  origin: string;
  hosts: Set<string>;
  origins: Set<string>;
}

export function listenOn(server: http.Server, port: number, host = '127.0.0.1'): Promise<Listening> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // A deep accept queue: thousands of clients connecting at once (long polls, and the app's own
    // calls back to the host for each) would overflow Node's default 511, and the kernel would
    // refuse the rest (capped by net.core.somaxconn).
    server.listen({ port, host, backlog: 4096 }, () => {
      const a = server.address() as AddressInfo;
      const hosts = ownHosts(a.port, host);
      resolve({ origin: `http://${host.includes(':') ? `[${host}]` : host}:${a.port}`, hosts, origins: new Set([...hosts].map((h) => `http://${h}`)) });
    });
  });
}

/** Stops accepting and drops open connections (keep-alive ones included). */
export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Request bodies above this are refused with 413. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(text);
}

/** Answers a request's failure: an HttpError as its JSON, anything else as a logged 500. */
export function sendFailure(req: http.IncomingMessage, res: http.ServerResponse, e: unknown, log: Logger): void {
  if (e instanceof HttpError) return send(res, e.status, { error: { code: e.code, message: e.message }, ...e.extra }, e.headers);
  log.error(`request ${req.method} ${req.url} failed: ${e instanceof Error ? e.stack : String(e)}`);
  if (!res.headersSent) send(res, 500, { error: { code: 'InternalError', message: e instanceof Error ? e.message : String(e) } });
  else res.end();
}

export function readBody(req: http.IncomingMessage): Promise<Buffer> {
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

export function jsonBody(body: Buffer): unknown {
  const t = body.toString('utf8');
  if (t.trim() === '') return null;
  try {
    return JSON.parse(t);
  } catch (e) {
    throw new HttpError(400, 'InvalidJson', `the request body is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * The request's path and query, after the checks every request passes: the Host header must
 * name this host, an absolute-form target (`GET http://host:port/path`) must too (only its path
 * is used), and a browser's Origin must be this host's.
 */
export function requestTarget(req: http.IncomingMessage, hosts: ReadonlySet<string>, origins: ReadonlySet<string>): string {
  const host = (req.headers.host ?? '').toLowerCase();
  if (!hosts.has(host)) {
    throw new HttpError(421, 'MisdirectedRequest', `this host answers only to ${[...hosts].join(', ')}; the Host header was '${host.slice(0, 100)}'`);
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !origins.has(origin.toLowerCase())) {
    throw new HttpError(403, 'CrossOriginRequest', `requests from pages of another origin ('${origin.slice(0, 100)}') are refused`);
  }
  let target = req.url ?? '/';
  if (!target.startsWith('/')) {
    let absolute: URL;
    try {
      absolute = new URL(target);
    } catch {
      throw new HttpError(400, 'BadRequest', `the request target '${target.slice(0, 100)}' is neither a path nor an absolute URL`);
    }
    if (!hosts.has(absolute.host.toLowerCase())) {
      throw new HttpError(421, 'MisdirectedRequest', `this host answers only to ${[...hosts].join(', ')}; the request target named '${absolute.host}'`);
    }
    target = `${absolute.pathname}${absolute.search}`;
  }
  return target;
}

/** The key a request presents: `?code=`, else the `x-functions-key` header (as the Functions host reads them). */
export function presentedKey(req: http.IncomingMessage, url: URL): string | undefined {
  const header = req.headers['x-functions-key'];
  return url.searchParams.get('code') ?? (Array.isArray(header) ? header[0] : header);
}

/**
 * Refuses (403) a request the browser marks as coming from another site, unless it carries a valid
 * key (with keys enforced; without them such a request is always refused).
 *
 * Browsers send `Sec-Fetch-Site` (Fetch Metadata) on every request, navigations and `<img>`
 * included, where they leave out `Origin`: `same-origin` from this host's own pages, `none` when
 * the user opened the URL themself (address bar, bookmark, a link clicked in a terminal),
 * `same-site` from another origin of the same site (for `127.0.0.1` and `localhost` that is any
 * other port: another local dev server's page), `cross-site` from anywhere else. The last two are
 * other origins, so both are refused: a page the developer visits cannot start a workflow (even
 * one whose starter answers GET), raise an event, terminate, purge or restart, or read anything.
 * Clients that are not browsers (curl, the SDKs, the app's own durable client) send no such header
 * and are unaffected.
 */
export function refuseCrossSite(keys: HostKeys | undefined, req: http.IncomingMessage, url: URL): void {
  // a browser sends one value; any other site named among repeated headers counts
  const values = String(req.headers['sec-fetch-site'] ?? '').split(',').map((v) => v.trim().toLowerCase());
  const site = values.find((v) => v === 'cross-site' || v === 'same-site');
  if (site === undefined) return;
  if (keys && levelOfKey(keys, presentedKey(req, url)) !== 'anonymous') return;
  throw new HttpError(403, 'CrossSiteRequest', `the browser marked this request as coming from another site (Sec-Fetch-Site: ${site}); requests from other sites' pages are refused${keys ? ' unless they carry a key' : ''}. Open the URL from the address bar or call it from a script or tool instead`);
}

/** Throws 401 unless the request's key grants `needed` (only when keys are enforced). */
export function authorize(keys: HostKeys | undefined, needed: AuthLevel, req: http.IncomingMessage, url: URL): void {
  if (!keys || needed === 'anonymous') return;
  if (!grants(levelOfKey(keys, presentedKey(req, url)), needed)) {
    throw new HttpError(401, 'Unauthorized', `this route needs a ${needed === 'admin' ? 'master' : 'function'} key (?code= or x-functions-key)`);
  }
}

export interface TriggerContext {
  api: CoreApi;
  keys?: HostKeys;
  /** The durable client binding for a function invoked at `level`. */
  clientBinding(level: AuthLevel): Record<string, unknown>;
  log: Logger;
}

/** An app HTTP trigger under /api/, invoked through the app's own programming model. */
export async function serveTrigger(ctx: TriggerContext, req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
  const path = url.pathname.slice('/api/'.length);
  const method = (req.method ?? 'GET').toUpperCase();
  let wrongMethod = false;
  for (const reg of ctx.api.registrations.values()) {
    if (reg.trigger.type !== 'httpTrigger') continue;
    let params: Record<string, string> | undefined;
    try {
      params = matchRoute(String(reg.trigger.route ?? reg.name), path);
    } catch (e) {
      if (e instanceof MalformedPathError) throw new HttpError(400, 'InvalidPath', e.message);
      throw e;
    }
    if (!params) continue;
    const methods = (reg.trigger.methods as string[] | undefined)?.map((m) => m.toUpperCase()) ?? ['GET', 'POST'];
    if (!methods.includes(method)) {
      wrongMethod = true;
      continue;
    }
    const level = authLevel(reg.trigger.authLevel);
    authorize(ctx.keys, level, req, url);
    const body = await readBody(req);
    return invokeHttp(ctx, reg, level, req, res, url, params, body);
  }
  if (wrongMethod) throw new HttpError(405, 'MethodNotAllowed', `${method} is not allowed on /api/${path}`);
  throw new HttpError(404, 'NotFound', `no function serves /api/${path}`);
}

async function invokeHttp(ctx: TriggerContext, reg: Registration, level: AuthLevel, req: http.IncomingMessage, res: http.ServerResponse, url: URL, params: Record<string, string>, body: Buffer): Promise<void> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  const inputs: Parameters<typeof invoke>[2] = {
    [reg.trigger.name]: {
      http: { method: req.method ?? 'GET', url: url.href, headers, body: { string: body.toString('utf8') }, params, query: Object.fromEntries(url.searchParams) },
    },
  };
  const client = bindingName(reg, 'durableClient') ?? bindingName(reg, 'orchestrationClient');
  if (client) inputs[client] = { string: JSON.stringify(ctx.clientBinding(level)) };
  const started = Date.now();
  const id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  ctx.log.executing(reg.name, `This function was programmatically called via the host APIs.`, id);
  try {
    const response = await invoke(ctx.api, reg, inputs);
    ctx.log.executed(reg.name, 'Succeeded', id, Date.now() - started);
    const out = (response.returnValue?.http ?? {}) as RpcHttpResponse;
    const status = Number(out.statusCode ?? 200);
    const payload = out.body?.bytes ? Buffer.from(out.body.bytes) : Buffer.from(out.body?.string ?? '', 'utf8');
    res.writeHead(status, out.headers ?? {});
    res.end(payload);
  } catch (e) {
    ctx.log.executed(reg.name, 'Failed', id, Date.now() - started);
    ctx.log.error(`Functions.${reg.name}: ${e instanceof Error ? e.message : String(e)}`);
    throw new HttpError(500, 'FunctionFailed', `function '${reg.name}' failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}
