/**
 * The status pages the compiled app serves itself (generated/flow-ui/index.ts registers them), so
 * they work wherever the app runs: the embedded host, `func start`, Azure.
 *
 * - `GET /api/flow`: the page (a small HTML shell with the workflows' descriptions inlined).
 * - `GET /api/flow/assets/{name}`: its script and stylesheet (static, the same for every app;
 *   cacheable for a year under their content hash).
 * - `GET /api/flow/api/{action}/...`: what the page reads besides each workflow's own API:
 *   `graph/<workflow>[/<version>]` (the SVG the compiler laid out, of the latest version or of
 *   an older one the app keeps), `instances` (the latest instances, filtered and paged),
 *   `counts` (by workflow and status, within a time window) and `trace/<workflow>/<id>` (the
 *   replay trace of one instance). These read through the durable client's binding, a page at a
 *   time (runtime/flow/listing.ts).
 *
 * The page itself reads and acts on instances through each workflow's HTTP API (runtime/
 * management.ts): status, events, terminate/suspend/resume/restart. A key in the page's own URL
 * (`?code=`) is passed on to every call, so with function keys (Azure, or the embedded host with
 * --enforce-auth) opening `/api/flow?code=<key>` is all it takes.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { DurableOrchestrationStatus } from 'durable-functions';
import { nameError, urlPart } from '../ids';
import { historyEvents, jsonError } from '../management';
import { countInstances, decodeCursor, encodeCursor, latestInstances, WINDOWS, type ListedWorkflow } from './listing';
import { replayTrace } from './trace';

/** What the page knows about a workflow (generated/flow-ui/workflows.json). */
export interface FlowWorkflow {
  name: string;
  description?: string;
  /** Route under the app's route prefix (`workflows/hello`). */
  route: string;
  methods: string[];
  authLevel: string;
  schedule?: string;
  /** How it starts, as the graph's start node says it. */
  trigger: string[];
  /** Every event a waitForEvent step waits for. */
  events: string[];
  /** The start input the page's form offers: one the input schema accepts (from its examples and defaults); absent when there is none. */
  sample?: unknown;
  /** Without a sample: the shape of an input (required properties, empty values), the form's placeholder. */
  inputHint?: unknown;
  /**
   * A singleton's ids (the page lists its instances by them): what they start with, '' when its
   * key starts with an expression; with `singletonIdExact`, the one id itself (a literal key).
   */
  singletonIdPrefix?: string;
  singletonIdExact?: boolean;
  /** The version new instances start (the graph above is its graph). */
  version: number;
  /** The graph's nodes by key: where they stand in the graph's structure (for pending/skipped). */
  nodes: FlowNode[];
  /** The graph, laid out by the compiler. */
  svg: string;
  /** Older versions the app keeps, by number: their events and graphs (an instance is shown on its version's). */
  versions?: Record<string, { events: string[]; nodes: FlowNode[]; svg: string }>;
}

export interface FlowNode {
  key: string;
  step: string;
  kind: string;
  inForEach?: string;
  progress?: string;
  event?: string;
  /** waitForEvent with a list: every name it waits for. */
  events?: string[];
}

export interface FlowData {
  workflows: FlowWorkflow[];
}

/**
 * The pages' data as its declared type. generated/flow-ui/pages.ts imports workflows.json (the
 * app's build copies imported JSON into dist/), and TypeScript infers a JSON module's type from
 * its contents: with two workflows keeping older versions under different numbers, the inferred
 * union (`"2"?: undefined`) is not assignable to FlowData (TS2322), so the data goes through this
 * declared type instead, with a check that it has the shape the compiler writes.
 */
export function flowData(json: unknown): FlowData {
  const workflows = (json as { workflows?: unknown } | null)?.workflows;
  const bad = !Array.isArray(workflows)
    ? 'no workflows list'
    : workflows.map((w: Partial<FlowWorkflow> | null, i) => (w && typeof w.name === 'string' && typeof w.version === 'number' && Array.isArray(w.nodes) && typeof w.svg === 'string' ? undefined : `workflow #${i}`)).find(Boolean);
  if (bad) throw new Error(`generated/flow-ui/workflows.json is not the status pages' data (${bad}): run \`npm run compile\``);
  return json as FlowData;
}

/** A static file of the page (generated/flow-ui/assets.json). */
export interface FlowAsset {
  type: string;
  /** The content's hash: asset URLs carry it (`?v=`), so a cached copy is never stale. */
  hash: string;
  text: string;
}

export interface FlowPagesOptions {
  data: FlowData;
  assets: Record<string, FlowAsset>;
}

/** Headers every answer of the pages carries: no framing, no sniffing, no key in a Referer. */
const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Text for HTML character data and double-quoted attribute values. */
function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** JSON that can stand inside a <script> element: no `<` (so no `</script>`), no line separators. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** `/api/flow` as the request reached it (the route prefix may not be `api`), and the prefix itself. */
function bases(request: HttpRequest): { base: string; api: string } {
  const path = new URL(request.url).pathname.replace(/\/+$/, '');
  const at = path.toLowerCase().lastIndexOf('/flow');
  const base = at >= 0 ? path.slice(0, at + '/flow'.length) : '/api/flow';
  return { base, api: base.slice(0, -'/flow'.length) };
}

function page(options: FlowPagesOptions, request: HttpRequest): HttpResponseInit {
  const { base, api } = bases(request);
  // The assets need no key: their URLs carry none (the page's own key stays in the page).
  const css = options.assets['app.css'];
  const js = options.assets['app.js'];
  // The page carries what it needs to draw the dashboard; graphs are fetched when shown.
  const workflows = options.data.workflows.map(({ svg: _svg, versions, ...w }) => ({
    ...w,
    ...(versions ? { versions: Object.fromEntries(Object.entries(versions).map(([n, { svg: _old, ...v }]) => [n, v])) } : {}),
  }));
  const body = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>durable-flow</title>',
    '<link rel="icon" href="data:,">',
    `<link rel="stylesheet" href="${html(`${base}/assets/app.css?v=${css.hash}`)}">`,
    '</head>',
    `<body data-base="${html(base)}" data-api="${html(api)}">`,
    `<script type="application/json" id="flow-data">${scriptJson({ workflows })}</script>`,
    '<div id="app"><p class="loading">Loading…</p></div>',
    `<script type="module" src="${html(`${base}/assets/app.js?v=${js.hash}`)}"></script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
  return { status: 200, body, headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Security-Policy': CSP, ...SECURITY_HEADERS } };
}

function asset(options: FlowPagesOptions, request: HttpRequest): HttpResponseInit {
  const name = request.params.name ?? '';
  const a = Object.prototype.hasOwnProperty.call(options.assets, name) ? options.assets[name] : undefined;
  if (!a) return jsonError(404, 'NotFound', `no asset '${name.slice(0, 100)}'`);
  const etag = `"${a.hash}"`;
  const cache = request.query.get('v') === a.hash ? 'public, max-age=31536000, immutable' : 'no-cache';
  const headers = { ETag: etag, 'Cache-Control': cache, ...SECURITY_HEADERS };
  if (request.headers.get('if-none-match') === etag) return { status: 304, headers };
  return { status: 200, body: a.text, headers: { 'Content-Type': a.type, ...headers } };
}

export interface InstanceRow {
  id: string;
  workflow: string;
  status: string;
  customStatus: unknown;
  progress: unknown;
  createdAt: string;
  updatedAt: string;
}

function row(s: DurableOrchestrationStatus): InstanceRow {
  const custom = (s.customStatus ?? null) as { status?: unknown; progress?: unknown } | null;
  return {
    id: s.instanceId,
    workflow: s.name,
    status: s.runtimeStatus,
    customStatus: custom !== null && typeof custom === 'object' ? (custom.status ?? null) : custom,
    progress: custom !== null && typeof custom === 'object' ? (custom.progress ?? null) : null,
    createdAt: new Date(s.createdTime).toISOString(),
    updatedAt: new Date(s.lastUpdatedTime).toISOString(),
  };
}

const STATUSES = Object.values(df.OrchestrationRuntimeStatus) as string[];

function listed(w: FlowWorkflow): ListedWorkflow {
  if (w.singletonIdPrefix === undefined) return { name: w.name };
  // `singleton: true` and a literal key give one exact id; a key's fixed start, a prefix.
  return w.singletonIdExact ? { name: w.name, singleton: { exact: w.singletonIdPrefix } } : { name: w.name, singleton: { prefix: w.singletonIdPrefix } };
}

/** The latest instances (newest first), filtered and paged: runtime/flow/listing.ts. */
async function instances(options: FlowPagesOptions, request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const q = request.query;
  const workflow = q.get('workflow') || undefined;
  const chosen = options.data.workflows.filter((w) => workflow === undefined || w.name === workflow);
  if (workflow !== undefined && chosen.length === 0) return jsonError(404, 'NotFound', `no workflow '${workflow.slice(0, 100)}'`);
  const statuses = q.get('status')?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
  const unknown = statuses.filter((s) => !STATUSES.includes(s));
  if (unknown.length) return jsonError(400, 'InvalidStatus', `unknown status ${unknown.join(', ').slice(0, 200)}; use ${STATUSES.join(', ')}`);
  const top = Number(q.get('top') ?? 20);
  if (!Number.isInteger(top) || top < 1 || top > 200) return jsonError(400, 'InvalidTop', "'top' must be an integer from 1 to 200");
  const token = q.get('continuationToken');
  const cursor = token ? decodeCursor(token) : undefined;
  if (token && !cursor) return jsonError(400, 'InvalidContinuationToken', 'the continuation token is not one this endpoint issued');

  const page = await latestInstances(context, chosen.map(listed), { statuses }, top, cursor);
  return {
    status: 200,
    jsonBody: { now: new Date().toISOString(), instances: page.instances.map(row), continuationToken: page.next ? encodeCursor(page.next) : null },
    headers: { 'Cache-Control': 'no-store', ...SECURITY_HEADERS },
  };
}

/** Counts by workflow and status of the instances created within a window (`window`: 1h, 24h (default), 7d, 30d, all). */
async function counts(options: FlowPagesOptions, request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const window = request.query.get('window') || '24h';
  if (!Object.prototype.hasOwnProperty.call(WINDOWS, window)) return jsonError(400, 'InvalidWindow', `'window' must be one of ${Object.keys(WINDOWS).join(', ')}`);
  const span = WINDOWS[window];
  const now = new Date();
  const from = span === undefined ? undefined : new Date(now.getTime() - span);
  const r = await countInstances(context, options.data.workflows.map((w) => w.name), from);
  return {
    status: 200,
    jsonBody: { now: now.toISOString(), window, from: from?.toISOString() ?? null, counts: r.counts, read: r.read, complete: r.complete },
    headers: { 'Cache-Control': 'no-store', ...SECURITY_HEADERS },
  };
}

/** The replay trace of one instance of a workflow: its episodes, newest last (at most `limit`, the latest). */
async function trace(options: FlowPagesOptions, request: HttpRequest, context: InvocationContext, workflow: string, id: string): Promise<HttpResponseInit> {
  if (!options.data.workflows.some((w) => w.name === workflow)) return jsonError(404, 'NotFound', `no workflow '${workflow.slice(0, 100)}'`);
  const bad = nameError('instance id', id);
  if (bad) return jsonError(400, 'InvalidInstanceId', bad);
  const limit = Number(request.query.get('limit') ?? 200);
  if (!Number.isInteger(limit) || limit < 1 || limit > 5000) return jsonError(400, 'InvalidLimit', "'limit' must be an integer from 1 to 5000");
  const client = df.getClient(context);
  let status: DurableOrchestrationStatus | undefined;
  try {
    status = await client.getStatus(urlPart(id), { showInput: false });
  } catch (e) {
    if (!/HTTP 404/.test(String((e as Error).message))) throw e;
  }
  if (!status || status.name !== workflow) return jsonError(404, 'NotFound', `no instance '${id}' of workflow '${workflow}'`);
  const history = await historyEvents(client, id, false);
  const episodes = replayTrace(history);
  return {
    status: 200,
    jsonBody: { id, workflow, status: status.runtimeStatus, events: history.length, total: episodes.length, episodes: episodes.slice(-limit) },
    headers: { 'Cache-Control': 'no-store', ...SECURITY_HEADERS },
  };
}

/** The graph of a workflow's latest version, or of the version asked for (`graph/<workflow>/<version>`). */
function graph(options: FlowPagesOptions, request: HttpRequest, name: string, version?: string): HttpResponseInit {
  const w = options.data.workflows.find((x) => x.name === name);
  if (!w) return jsonError(404, 'NotFound', `no workflow '${name.slice(0, 100)}'`);
  const svg = version === undefined || version === String(w.version) ? w.svg : w.versions && Object.prototype.hasOwnProperty.call(w.versions, version) ? w.versions[version].svg : undefined;
  if (svg === undefined) return jsonError(404, 'NotFound', `workflow '${name}' has no version '${version!.slice(0, 20)}' in this app`);
  return { status: 200, body: svg, headers: { 'Content-Type': 'image/svg+xml; charset=utf-8', 'Cache-Control': 'no-cache', 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'", ...SECURITY_HEADERS } };
}

async function api(options: FlowPagesOptions, request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const { action, a, b } = request.params as { action?: string; a?: string; b?: string };
  if (action === 'instances' && !a) return instances(options, request, context);
  if (action === 'counts' && !a) return counts(options, request, context);
  if (action === 'graph' && a) return graph(options, request, a, b);
  if (action === 'trace' && a && b) return trace(options, request, context, a, b);
  return jsonError(404, 'NotFound', 'use /flow/api/instances, /flow/api/counts, /flow/api/graph/<workflow>[/<version>] or /flow/api/trace/<workflow>/<id>');
}

/** The handlers generated/flow-ui/index.ts registers. */
export function flowPages(options: FlowPagesOptions): {
  page: (request: HttpRequest) => Promise<HttpResponseInit>;
  asset: (request: HttpRequest) => Promise<HttpResponseInit>;
  api: (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;
} {
  return {
    page: async (request) => page(options, request),
    asset: async (request) => asset(options, request),
    api: (request, context) => api(options, request, context),
  };
}
