/**
 * The status pages' script (served at /api/flow/assets/app.js). Plain DOM, no framework: three
 * views behind the URL's hash, drawn from what the page's shell inlines (the workflows) and what
 * the app's HTTP API answers.
 *
 * - `#/` dashboard: every workflow with its counts by status, the latest instances (filter, pages);
 *   refreshes itself every few seconds.
 * - `#/workflow/<name>`: the graph the compiler laid out, a start form, that workflow's instances.
 * - `#/instance/<workflow>/<id>`: the graph with every step's state, live until the instance
 *   finishes; input, output, error, custom status; events; terminate/suspend/resume/restart; the
 *   replay trace.
 *
 * Everything from the server is put into the page as text (textContent), never as markup, except
 * the graph's SVG, which the compiler generated with every string escaped. A key in the page's
 * URL (`?code=`) goes on every request. Compiled by the durable-flow compiler (TypeScript's
 * transpiler) into generated/flow-ui/assets.json; type-checked with compiler/ui/tsconfig.json.
 * A module (loaded with type="module"), so nothing here becomes a global of the page.
 */
export {};

interface NodeInfo {
  key: string;
  step: string;
  kind: string;
  inForEach?: string;
  progress?: string;
  event?: string;
  /** waitForEvent with a list: every name it waits for. */
  events?: string[];
}

/** What a version of a workflow looks like: its events and its graph's nodes. */
interface Shape {
  version: number;
  events: string[];
  nodes: NodeInfo[];
}

interface Workflow {
  name: string;
  description?: string;
  route: string;
  methods: string[];
  authLevel: string;
  schedule?: string;
  trigger: string[];
  events: string[];
  sample?: unknown;
  inputHint?: unknown;
  /** The version new instances start; `events` and `nodes` are its. */
  version: number;
  nodes: NodeInfo[];
  /** Older versions the app keeps, by number. */
  versions?: Record<string, { events: string[]; nodes: NodeInfo[] }>;
}

interface Progress {
  done: number;
  failed: number;
  total: number;
}

interface Instance {
  id: string;
  workflow: string;
  /** The version of the workflow it runs (null: the backend does not say; it runs version 1). */
  version?: number | null;
  status: string;
  input?: unknown;
  output?: unknown;
  /** `text`: as the Durable extension words it; `name` and `message`: as a `catch` sees them. */
  error?: { name?: string; message: string; text?: string } | null;
  customStatus: unknown;
  progress: Record<string, Progress> | null;
  steps?: Record<string, 'running' | 'completed' | 'failed'> | null;
  /** The compensations `compensate: all` steps ran, in order (runtime/saga.ts). */
  compensations?: Compensation[] | null;
  /** Abandoned work and how it ended after that, when there is any (runtime/late.ts). */
  late?: LateOutcome[];
  /** Earlier records the status leaves out (it keeps the latest). */
  lateOmitted?: number;
  createdAt: string;
  updatedAt: string;
}

interface Compensation {
  /** The step it undoes: its id, or `<kind>@<line>` (the graph's `data-saga`). */
  step: string;
  /** What undoes it: `activity CancelFlight`, `workflow refund`, `steps`. */
  undo: string;
  state: 'running' | 'completed' | 'failed';
  error?: { name: string; message: string };
}

interface InstancesPage {
  now: string;
  instances: Instance[];
  continuationToken: string | null;
}

/** Counts by workflow and status of the instances created within a window (runtime/flow/listing.ts). */
interface CountsPage {
  now: string;
  window: string;
  counts: Record<string, Record<string, number>>;
  /** Instances read; false `complete`: more were there than the endpoint reads. */
  read: number;
  complete: boolean;
}

interface TraceEvent {
  type: string;
  name?: string;
  at: string;
  detail?: string;
  folded?: true;
}

interface Episode {
  index: number;
  at: string;
  replayed: number;
  consumed: TraceEvent[];
  issued: TraceEvent[];
}

interface Trace {
  status: string;
  events: number;
  total: number;
  episodes: Episode[];
}

type State = 'pending' | 'running' | 'completed' | 'failed' | 'skipped';

const STATUSES = ['Running', 'Pending', 'Suspended', 'Completed', 'Failed', 'Terminated', 'ContinuedAsNew'];
const FINISHED = new Set(['Completed', 'Failed', 'Terminated']);
/** How often a live view asks again (ms). */
const POLL_INSTANCE = 1000;
const POLL_DASHBOARD = 3000;
/**
 * Counts read every instance created within their window (the one read that grows with the task
 * hub), so they are asked for when the latest instances changed and at most this often otherwise.
 */
const POLL_COUNTS = 15_000;
const WINDOWS: Array<[string, string]> = [['1h', 'last hour'], ['24h', 'last 24 hours'], ['7d', 'last 7 days'], ['30d', 'last 30 days'], ['all', 'all time']];
const PAGE_SIZE = 15;
/** The latest episodes the replay trace shows. */
const TRACE_EPISODES = 100;

const body = document.body;
const BASE = body.dataset.base ?? '/api/flow';
const API = body.dataset.api ?? '/api';
const CODE = new URLSearchParams(location.search).get('code');
const WORKFLOWS: Workflow[] = (JSON.parse(document.getElementById('flow-data')?.textContent ?? '{"workflows":[]}') as { workflows: Workflow[] }).workflows;
const byName = new Map(WORKFLOWS.map((w) => [w.name, w]));
const app = document.getElementById('app')!;

// --- small helpers ---------------------------------------------------------------------------

type Child = Node | string | null | undefined | false;

/** An element with attributes (`on*` functions become listeners) and children (strings become text). */
function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, unknown> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v as EventListener);
    else if (k === 'className') el.className = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** A URL with the page's key (if any) and the given query added. */
function url(path: string, query: Record<string, string | undefined> = {}): string {
  const u = new URL(path, location.origin);
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') u.searchParams.set(k, v);
  if (CODE) u.searchParams.set('code', CODE);
  return u.pathname + u.search;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function request<T>(method: string, path: string, query: Record<string, string | undefined> = {}, payload?: unknown): Promise<T> {
  const res = await fetch(url(path, query), {
    method,
    headers: payload === undefined ? {} : { 'Content-Type': 'application/json' },
    body: payload === undefined ? undefined : JSON.stringify(payload),
    cache: 'no-store',
  });
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  if (!res.ok) {
    const err = (data as { error?: { message?: string } } | null)?.error?.message;
    const hint = res.status === 401 ? ' — open this page with ?code=<function key>' : '';
    throw new HttpError(res.status, `${res.status}: ${err ?? res.statusText}${hint}`);
  }
  return data as T;
}

function routeOf(w: Workflow): string {
  return `${API}/${w.route}`;
}

function instancePath(w: Workflow, id: string, action = ''): string {
  return `${routeOf(w)}/instances/${encodeURIComponent(id)}${action ? `/${action}` : ''}`;
}

/** A link to a view: only the hash changes, so the page's `?code=` stays. */
function link(hash: string, ...children: Child[]): HTMLAnchorElement {
  return h('a', { href: hash }, ...children);
}

function instanceHash(workflow: string, id: string): string {
  return `#/instance/${encodeURIComponent(workflow)}/${encodeURIComponent(id)}`;
}

function json(value: unknown): string {
  return value === undefined ? '' : JSON.stringify(value, null, 2);
}

/** Server time minus this browser's, so ages are right even when the clocks differ. */
let skew = 0;

function age(iso: string): string {
  const s = Math.max(0, Math.round((Date.now() + skew - Date.parse(iso)) / 1000));
  if (s < 2) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

function time(iso: string): HTMLTimeElement {
  return h('time', { datetime: iso, title: iso, 'data-age': iso }, age(iso));
}

function statusBadge(status: string): HTMLSpanElement {
  return h('span', { className: `status status-${status.toLowerCase()}`, 'data-status': status }, status);
}

function progressText(i: Pick<Instance, 'customStatus' | 'progress'>): HTMLElement {
  const out = h('div', { className: 'progress-cell' });
  if (i.customStatus !== null && i.customStatus !== undefined) out.append(h('div', { className: 'custom' }, typeof i.customStatus === 'string' ? i.customStatus : JSON.stringify(i.customStatus)));
  for (const [name, p] of Object.entries(i.progress ?? {})) out.append(bar(name, p));
  return out;
}

function bar(name: string, p: Progress): HTMLElement {
  const ok = p.total ? ((p.done - p.failed) / p.total) * 100 : 0;
  const bad = p.total ? (p.failed / p.total) * 100 : 0;
  const meter = h('div', { className: 'bar' }, h('span', { className: 'ok' }), h('span', { className: 'bad' }));
  // Widths through the CSS object model (no inline style attributes: the page's CSP forbids them).
  (meter.children[0] as HTMLElement).style.width = `${ok}%`;
  (meter.children[1] as HTMLElement).style.width = `${bad}%`;
  return h('div', { className: 'progress', title: `${name}: ${p.done} of ${p.total} done, ${p.failed} failed` }, h('span', { className: 'name' }, name), meter, h('span', { className: 'nums' }, `${p.done}/${p.total}${p.failed ? ` · ${p.failed} failed` : ''}`));
}

function message(text: string, kind: 'error' | 'info' = 'error'): HTMLElement {
  return h('p', { className: `message ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

// --- live views: one timer at a time -----------------------------------------------------------

let view = 0;
let timer: number | undefined;

/** Runs `tick` now and then every `ms` while the view that started it is shown. */
function every(ms: number, tick: () => Promise<boolean | void>): void {
  const mine = view;
  const run = async (): Promise<void> => {
    let again: boolean | void = true;
    try {
      again = await tick();
    } catch (e) {
      console.error(e);
    }
    if (mine === view && again !== false) timer = window.setTimeout(run, ms);
  };
  void run();
}

function leave(): void {
  view++;
  if (timer !== undefined) window.clearTimeout(timer);
  timer = undefined;
}

// --- header ------------------------------------------------------------------------------------

function header(...crumbs: Child[]): HTMLElement {
  return h(
    'header',
    { className: 'top' },
    h('a', { className: 'brand', href: '#/' }, h('span', { className: 'logo' }), 'durable-flow'),
    h('nav', { className: 'crumbs' }, ...crumbs.flatMap((c) => [h('span', { className: 'sep' }, '/'), c])),
    h('span', { className: 'live', title: 'this page updates itself' }, h('span', { className: 'dot' }), 'live'),
  );
}

// --- start form ---------------------------------------------------------------------------------

function startForm(w: Workflow): HTMLElement {
  const input = h('textarea', { className: 'code', rows: 4, spellcheck: 'false', 'aria-label': `input of ${w.name}`, name: 'input' });
  // An input the schema accepts (the first click starts), else an empty form showing the shape to fill in.
  input.value = json(w.sample);
  if (w.sample === undefined && w.inputHint !== undefined) input.placeholder = `Fill in the input (the schema has no example it accepts). Its shape:\n${json(w.inputHint)}`;
  const out = h('div', { className: 'form-out' });
  const button = h('button', { type: 'submit', className: 'primary' }, 'Start');
  const form = h(
    'form',
    {
      className: 'start-form',
      'data-workflow': w.name,
      onsubmit: async (e: Event) => {
        e.preventDefault();
        out.replaceChildren();
        let payload: unknown;
        try {
          payload = input.value.trim() === '' ? null : JSON.parse(input.value);
        } catch (err) {
          out.append(message(`The input is not JSON: ${(err as Error).message}`));
          return;
        }
        button.disabled = true;
        try {
          const r = await request<{ id: string }>(w.methods[0] ?? 'POST', routeOf(w), {}, payload);
          location.hash = instanceHash(w.name, r.id);
        } catch (err) {
          out.append(message((err as Error).message));
        } finally {
          button.disabled = false;
        }
      },
    },
    h('label', {}, 'Input (JSON)', input),
    h('div', { className: 'row' }, button, h('span', { className: 'hint' }, `${w.methods[0] ?? 'POST'} ${API}/${w.route}`)),
    out,
  );
  return form;
}

// --- dashboard ----------------------------------------------------------------------------------

interface ListState {
  workflow: string;
  status: string;
  tokens: Array<string | undefined>;
}

function instancesSection(fixedWorkflow?: string): { el: HTMLElement; refresh: () => Promise<InstancesPage> } {
  const state: ListState = { workflow: fixedWorkflow ?? '', status: '', tokens: [undefined] };
  const tbody = h('tbody');
  const pager = h('span', { className: 'pager-text' });
  const older = h('button', { type: 'button', onclick: () => move(1) }, 'Older ›');
  const newer = h('button', { type: 'button', onclick: () => move(-1) }, '‹ Newer');
  const wfSelect = h('select', { name: 'workflow', 'aria-label': 'workflow', onchange: () => filter() }, h('option', { value: '' }, 'all workflows'), ...WORKFLOWS.map((w) => h('option', { value: w.name }, w.name)));
  const statusSelect = h('select', { name: 'status', 'aria-label': 'status', onchange: () => filter() }, h('option', { value: '' }, 'any status'), ...STATUSES.map((s) => h('option', { value: s }, s)));
  let last: InstancesPage | undefined;

  const filter = (): void => {
    state.workflow = fixedWorkflow ?? wfSelect.value;
    state.status = statusSelect.value;
    state.tokens = [undefined];
    void refresh();
  };
  const move = (d: number): void => {
    if (d > 0 && last?.continuationToken) state.tokens.push(last.continuationToken);
    if (d < 0 && state.tokens.length > 1) state.tokens.pop();
    void refresh();
  };
  const refresh = async (): Promise<InstancesPage> => {
    const page = await request<InstancesPage>('GET', `${BASE}/api/instances`, { workflow: state.workflow, status: state.status, top: String(PAGE_SIZE), continuationToken: state.tokens.at(-1) });
    skew = Date.parse(page.now) - Date.now();
    last = page;
    tbody.replaceChildren(
      ...(page.instances.length
        ? page.instances.map((i) =>
            h(
              'tr',
              { 'data-instance': i.id, 'data-status': i.status },
              h('td', { className: 'mono' }, link(instanceHash(i.workflow, i.id), i.id)),
              fixedWorkflow ? null : h('td', {}, link(`#/workflow/${encodeURIComponent(i.workflow)}`, i.workflow)),
              h('td', {}, statusBadge(i.status)),
              h('td', {}, progressText(i)),
              h('td', {}, time(i.createdAt)),
              h('td', {}, time(i.updatedAt)),
            ),
          )
        : [h('tr', {}, h('td', { colspan: 6, className: 'empty' }, 'No instances yet.'))]),
    );
    const first = (state.tokens.length - 1) * PAGE_SIZE;
    pager.textContent = page.instances.length ? `${first + 1}–${first + page.instances.length}` : '';
    newer.disabled = state.tokens.length <= 1;
    older.disabled = !page.continuationToken;
    return page;
  };
  const el = h(
    'section',
    { className: 'card instances' },
    h(
      'div',
      { className: 'card-head' },
      h('h2', {}, fixedWorkflow ? 'Instances' : 'Latest instances'),
      h('div', { className: 'filters' }, fixedWorkflow ? null : wfSelect, statusSelect, newer, pager, older),
    ),
    h(
      'table',
      { className: 'list' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Instance'), fixedWorkflow ? null : h('th', {}, 'Workflow'), h('th', {}, 'Status'), h('th', {}, 'Progress'), h('th', {}, 'Started'), h('th', {}, 'Updated'))),
      tbody,
    ),
  );
  return { el, refresh };
}

function dashboard(): void {
  const counts = new Map<string, HTMLElement>();
  const starts = new Map<string, HTMLElement>();
  const rows = WORKFLOWS.map((w) => {
    const c = h('td', { className: 'counts' });
    counts.set(w.name, c);
    const form = h('tr', { className: 'start-row', hidden: true }, h('td', { colspan: 5 }, startForm(w)));
    starts.set(w.name, form);
    const toggle = h('button', { type: 'button', className: 'primary small', 'data-start': w.name, onclick: () => (form.hidden = !form.hidden) }, 'Start…');
    return [
      h(
        'tr',
        { 'data-workflow': w.name },
        h('td', {}, link(`#/workflow/${encodeURIComponent(w.name)}`, h('strong', {}, w.name)), w.description ? h('div', { className: 'muted' }, w.description) : null),
        h('td', { className: 'trigger' }, ...w.trigger.map((t) => h('div', { className: 'mono' }, t))),
        c,
        h('td', { className: 'actions' }, toggle),
      ),
      form,
    ];
  }).flat();
  const list = instancesSection();
  const problem = h('div', { className: 'problem' });
  const windowSelect = h('select', { name: 'window', 'aria-label': 'count instances created in the', onchange: () => void refreshCounts() }, ...WINDOWS.map(([v, label]) => h('option', { value: v, selected: v === '24h' }, label)));
  const countsNote = h('span', { className: 'hint counts-note' });
  app.replaceChildren(
    header(h('span', {}, 'Dashboard')),
    h(
      'main',
      {},
      problem,
      h(
        'section',
        { className: 'card' },
        h('div', { className: 'card-head' }, h('h2', {}, 'Workflows'), h('div', { className: 'filters' }, h('label', {}, 'instances created in the ', windowSelect), countsNote)),
        h('table', { className: 'list workflows' }, h('thead', {}, h('tr', {}, h('th', {}, 'Workflow'), h('th', {}, 'Trigger'), h('th', {}, 'Instances'), h('th', {}))), h('tbody', {}, ...rows)),
      ),
      list.el,
    ),
  );
  let countsAt = 0;
  let shown = '';
  const refreshCounts = async (): Promise<void> => {
    countsAt = Date.now();
    const c = await request<CountsPage>('GET', `${BASE}/api/counts`, { window: windowSelect.value });
    countsNote.textContent = c.complete ? '' : `(the first ${c.read.toLocaleString()} instances read)`;
    for (const w of WORKFLOWS) {
      const by = c.counts[w.name] ?? {};
      const chips = STATUSES.filter((s) => by[s]).map((s) => h('span', { className: `chip status-${s.toLowerCase()}`, 'data-count': s, title: s }, `${by[s]} ${s.toLowerCase()}`));
      counts.get(w.name)?.replaceChildren(h('div', { className: 'chips' }, ...(chips.length ? chips : [h('span', { className: 'muted' }, 'none')])));
    }
  };
  every(POLL_DASHBOARD, async () => {
    let page: InstancesPage;
    try {
      page = await list.refresh();
      // What the list shows: when it changes, so may the counts.
      const now = page.instances.map((i) => `${i.id}:${i.status}`).join(',');
      if (now !== shown || Date.now() - countsAt >= POLL_COUNTS) {
        shown = now;
        await refreshCounts();
      }
      problem.replaceChildren();
    } catch (e) {
      problem.replaceChildren(message((e as Error).message));
      return !(e instanceof HttpError && (e.status === 401 || e.status === 403));
    }
  });
}

// --- graph --------------------------------------------------------------------------------------

const svgCache = new Map<string, Promise<string>>();

/** The shape of the version an instance runs (the latest when the app does not keep it, or it is unknown). */
function shapeOf(w: Workflow, version: number | null | undefined): Shape {
  const old = version !== null && version !== undefined && version !== w.version ? w.versions?.[String(version)] : undefined;
  return old ? { version: version!, ...old } : { version: w.version, events: w.events, nodes: w.nodes };
}

/** The graph of one version of a workflow, as the compiler drew it. */
async function graphElement(w: Workflow, version = w.version): Promise<HTMLElement> {
  const key = `${w.name}@${version}`;
  let svg = svgCache.get(key);
  if (!svg) {
    const path = `${BASE}/api/graph/${encodeURIComponent(w.name)}${version === w.version ? '' : `/${version}`}`;
    svg = fetch(url(path), { cache: 'no-store' }).then(async (r) => {
      if (!r.ok) throw new HttpError(r.status, `${r.status}: the graph of ${w.name} could not be loaded`);
      return r.text();
    });
    svgCache.set(key, svg);
    svg.catch(() => svgCache.delete(key));
  }
  const holder = h('div', { className: 'graph' });
  // The compiler generated this SVG with every string escaped (compiler/src/graph/svg.ts).
  holder.innerHTML = await svg;
  return holder;
}

function legend(): HTMLElement {
  return h(
    'div',
    { className: 'legend' },
    ...(['pending', 'running', 'completed', 'failed', 'skipped'] as const).map((s) => h('span', { className: `key state-${s}` }, h('i', {}), s)),
    // Sagas: a step whose undo ran (runtime/saga.ts).
    h('span', { className: 'key state-undone', title: 'a step whose compensation ran (a saga undid it)' }, h('i', {}), 'undone'),
  );
}

// --- step states --------------------------------------------------------------------------------

function placeOf(key: string): { seq: string; index: number; container?: string } {
  const dot = key.lastIndexOf('.');
  const seq = dot < 0 ? '' : key.slice(0, dot);
  const index = Number(dot < 0 ? key : key.slice(dot + 1));
  const cdot = seq.lastIndexOf('.');
  return { seq, index, container: seq === '' ? undefined : seq.slice(0, cdot) };
}

/**
 * Every node's state: started steps as the server resolved them (runtime/flow/state.ts); a step
 * that never started is skipped when the flow passed it by (a later step of its sequence started,
 * an earlier one failed, its container or the instance finished), else pending. Steps inside a
 * forEach body share the forEach's state (the forEach counts its items).
 */
function nodeStates(shape: Shape, inst: Instance): Map<string, State> {
  const started = inst.steps ?? {};
  const finished = FINISHED.has(inst.status);
  const highest = new Map<string, number>();
  const failedAt = new Map<string, number>();
  for (const [key, s] of Object.entries(started)) {
    const p = placeOf(key);
    highest.set(p.seq, Math.max(highest.get(p.seq) ?? -1, p.index));
    if (s === 'failed') failedAt.set(p.seq, Math.min(failedAt.get(p.seq) ?? Infinity, p.index));
  }
  const out = new Map<string, State>();
  const nodes = new Map(shape.nodes.map((n) => [n.key, n]));
  const state = (key: string): State => {
    const known = out.get(key);
    if (known) return known;
    let s: State;
    const node = nodes.get(key);
    if (node?.inForEach !== undefined) s = state(node.inForEach);
    else if (started[key]) s = started[key];
    else {
      const p = placeOf(key);
      const containerState = p.container === undefined ? undefined : state(p.container);
      const passed = (highest.get(p.seq) ?? -1) > p.index || (failedAt.get(p.seq) ?? Infinity) < p.index;
      const closed = p.container === undefined ? finished : containerState === 'completed' || containerState === 'failed' || containerState === 'skipped';
      s = passed || closed ? 'skipped' : 'pending';
    }
    out.set(key, s);
    return s;
  };
  for (const n of shape.nodes) state(n.key);
  return out;
}

function paintGraph(holder: HTMLElement, shape: Shape, inst: Instance): Map<string, State> {
  const states = nodeStates(shape, inst);
  for (const el of Array.from(holder.querySelectorAll<SVGGElement>('[data-key]'))) {
    const s = states.get(el.dataset.key ?? '') ?? 'pending';
    if (el.dataset.state !== s) el.dataset.state = s;
    const name = el.dataset.progress;
    const count = el.querySelector('.count');
    if (name && count) {
      const p = inst.progress?.[name];
      count.textContent = p ? `${p.done}/${p.total}${p.failed ? ` · ${p.failed} failed` : ''}` : '';
      el.dataset.done = p ? String(p.done) : '';
      el.dataset.failed = p ? String(p.failed) : '';
      el.dataset.total = p ? String(p.total) : '';
    }
    // Sagas: a step whose undo ran shows how the undo ended (its latest run).
    const saga = el.dataset.saga;
    if (saga !== undefined) {
      const undo = (inst.compensations ?? []).filter((c) => c.step === saga).pop();
      const mark = undo ? undo.state : '';
      if ((el.dataset.compensated ?? '') !== mark) el.dataset.compensated = mark;
    }
  }
  return states;
}

/** The compensations an instance ran, newest registration first, each with how it ended. */
function compensationList(list: readonly Compensation[]): HTMLElement {
  if (list.length === 0) return h('p', { className: 'muted' }, '—');
  return h(
    'ol',
    { className: 'compensations' },
    ...list.map((c) =>
      h(
        'li',
        { 'data-compensation': c.step, 'data-state': c.state },
        h('span', { className: 'undo-mark', 'aria-hidden': 'true' }, '↩ '),
        h('span', { className: 'mono' }, c.step),
        ` undone by ${c.undo}: `,
        h('strong', {}, c.state),
        c.error ? h('span', { className: 'edetail' }, ` — ${c.error.name}: ${c.error.message}`) : null,
      ),
    ),
  );
}

// --- workflow view ------------------------------------------------------------------------------

async function workflowView(name: string): Promise<void> {
  const w = byName.get(name);
  if (!w) return notFound(`No workflow named '${name}'.`);
  const list = instancesSection(w.name);
  const graph = h('div', { className: 'graph-slot' }, h('p', { className: 'loading' }, 'Loading the graph…'));
  app.replaceChildren(
    header(h('span', {}, w.name)),
    h(
      'main',
      {},
      h(
        'section',
        { className: 'card intro' },
        h('h1', {}, w.name),
        w.description ? h('p', {}, w.description) : null,
        h('p', { className: 'muted' }, ...w.trigger.map((t, i) => h('span', { className: 'mono' }, `${i ? ' · ' : ''}${t}`)), w.events.length ? ` · waits for ${w.events.join(', ')}` : ''),
      ),
      h('div', { className: 'split' }, h('section', { className: 'card' }, h('div', { className: 'card-head' }, h('h2', {}, 'Graph'), legend()), graph), h('section', { className: 'card' }, h('h2', {}, 'Start an instance'), startForm(w))),
      list.el,
    ),
  );
  const mine = view;
  try {
    const g = await graphElement(w);
    if (mine === view) graph.replaceChildren(g);
  } catch (e) {
    graph.replaceChildren(message((e as Error).message));
  }
  const problem = h('div', { className: 'problem' });
  app.querySelector('main')?.prepend(problem);
  every(POLL_DASHBOARD, async () => {
    try {
      await list.refresh();
      problem.replaceChildren();
    } catch (e) {
      problem.replaceChildren(message((e as Error).message));
      return !(e instanceof HttpError && (e.status === 401 || e.status === 403));
    }
  });
}

// --- instance view ------------------------------------------------------------------------------

function eventForm(w: Workflow, shape: Shape, inst: () => Instance | undefined, waiting: () => Set<string>): HTMLElement {
  if (shape.events.length === 0) return h('p', { className: 'muted' }, 'This workflow waits for no events.');
  const select = h('select', { name: 'event', 'aria-label': 'event name' }, ...shape.events.map((e) => h('option', { value: e }, e)));
  const payload = h('textarea', { className: 'code', rows: 3, name: 'payload', spellcheck: 'false', 'aria-label': 'event payload' });
  payload.value = '{}';
  const out = h('div', { className: 'form-out' });
  const button = h('button', { type: 'submit', className: 'primary' }, 'Raise event');
  const form = h(
    'form',
    {
      className: 'event-form',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        out.replaceChildren();
        const i = inst();
        if (!i) return;
        let data: unknown;
        try {
          data = payload.value.trim() === '' ? null : JSON.parse(payload.value);
        } catch (err) {
          out.append(message(`The payload is not JSON: ${(err as Error).message}`));
          return;
        }
        button.disabled = true;
        try {
          await request('POST', instancePath(w, i.id, `events/${encodeURIComponent(select.value)}`), {}, data);
          out.append(message(`Raised '${select.value}'.`, 'info'));
        } catch (err) {
          out.append(message((err as Error).message));
        } finally {
          button.disabled = false;
        }
      },
    },
    h('label', {}, 'Event', select),
    h('label', {}, 'Payload (JSON)', payload),
    h('div', { className: 'row' }, button),
    out,
  );
  const refreshWaiting = (): void => {
    const now = waiting();
    for (const o of Array.from(select.options)) o.textContent = now.has(o.value) ? `${o.value} (waiting)` : o.value;
  };
  form.addEventListener('refresh', refreshWaiting);
  return form;
}

/**
 * The trace's completions that are abandoned work ending late, matched to the instance's late
 * records (runtime/late.ts): the first completion of that activity or child, ending that way,
 * recorded after it was abandoned (the history does not say which call a completion answers).
 */
function lateEvents(t: Trace, late: LateOutcome[] | undefined): Map<TraceEvent, LateOutcome> {
  const out = new Map<TraceEvent, LateOutcome>();
  const consumed = t.episodes.flatMap((e) => e.consumed);
  for (const r of [...(late ?? [])].filter((x) => x.outcome).sort((a, b) => a.abandonedAt.localeCompare(b.abandonedAt))) {
    const m = /^(activity|workflow) '(.*)'$/.exec(r.what);
    if (!m) continue;
    const type = m[1] === 'activity' ? (r.outcome === 'Failed' ? 'TaskFailed' : 'TaskCompleted') : r.outcome === 'Failed' ? 'SubOrchestrationInstanceFailed' : 'SubOrchestrationInstanceCompleted';
    const e = consumed.find((x) => !out.has(x) && x.type === type && x.name === m[2] && x.at > r.abandonedAt);
    if (e) out.set(e, r);
  }
  return out;
}

function traceList(t: Trace, compensations: readonly Compensation[] = [], late?: LateOutcome[]): HTMLElement {
  const lateOnes = lateEvents(t, late);
  // Sagas: the calls of undos are tagged in the trace (by name: `activity CancelFlight` tags CancelFlight).
  const undoOf = new Map<string, string[]>();
  for (const c of compensations) {
    const name = c.undo.replace(/^(activity|workflow) /, '');
    if (name !== c.undo) undoOf.set(name, [...(undoOf.get(name) ?? []), c.step]);
  }
  const events = (list: TraceEvent[], cls: string): HTMLElement =>
    h(
      'ul',
      { className: `events ${cls}` },
      ...list.map((e) =>
        h(
          'li',
          { 'data-type': e.type, title: e.at },
          h('span', { className: 'etype' }, e.type),
          e.name ? h('span', { className: 'ename' }, e.name) : null,
          e.detail ? h('span', { className: 'edetail' }, e.detail) : null,
          e.folded ? h('span', { className: 'muted' }, ' (folded into its completion)') : null,
          e.name && undoOf.has(e.name) ? h('span', { className: 'undo-tag', 'data-undo': undoOf.get(e.name)!.join(' ') }, `↩ compensation of ${undoOf.get(e.name)!.join(', ')}`) : null,
          lateOnes.has(e) ? h('span', { className: 'late-note', 'data-late-event': lateOnes.get(e)!.by }, ` finished after ${ABANDONED_BY[lateOnes.get(e)!.by] ?? 'it was abandoned'}: result ignored`) : null,
        ),
      ),
    );
  const items = t.episodes.map((e) =>
    h(
      'li',
      { className: 'episode', 'data-episode': String(e.index) },
      h(
        'div',
        { className: 'ep-head' },
        h('strong', {}, `Episode ${e.index}`),
        h('span', { className: 'muted' }, e.at ? ` ${new Date(e.at).toLocaleTimeString()}` : ''),
        h('span', { className: 'replay' }, e.index === 1 ? 'first run' : `replayed ${e.replayed} earlier event${e.replayed === 1 ? '' : 's'} from the top`),
      ),
      h(
        'div',
        { className: 'ep-body' },
        h('div', {}, h('div', { className: 'ep-label' }, 'woke on'), e.consumed.length ? events(e.consumed, 'consumed') : h('p', { className: 'muted' }, '—')),
        h('div', {}, h('div', { className: 'ep-label' }, 'issued'), e.issued.length ? events(e.issued, 'issued') : h('p', { className: 'muted' }, 'nothing (waits for more)')),
      ),
    ),
  );
  return h(
    'div',
    {},
    h('p', { className: 'muted' }, `${t.events} history events in ${t.total} episodes${t.total > t.episodes.length ? ` (the latest ${t.episodes.length} shown)` : ''}. Each episode re-ran the orchestrator from the top over the history before it, then did what was new.`),
    compensations.length ? h('div', { className: 'trace-compensations' }, h('div', { className: 'ep-label' }, 'compensations run, in order'), compensationList(compensations)) : null,
    h('ol', { className: 'trace' }, ...items),
  );
}

/** Work a timeout, a decided quorum or a failed branch abandoned, as the custom status carries it (runtime/late.ts). */
interface LateOutcome {
  what: string;
  by: 'timeout' | 'quorum' | 'failure';
  abandonedAt: string;
  outcome?: 'Completed' | 'Failed';
  error?: string;
}

const ABANDONED_BY: Record<LateOutcome['by'], string> = { timeout: 'its timeout', quorum: 'the quorum was decided', failure: 'its step failed' };

/** The abandoned work of an instance and how each ended: "finished after its timeout: Failed: <error>". */
function lateList(late: unknown, omitted?: number): HTMLElement | undefined {
  if (!Array.isArray(late) || late.length === 0) return undefined;
  const items = (late as LateOutcome[]).map((r) => {
    const after = ABANDONED_BY[r.by] ?? String(r.by);
    const how = r.outcome === undefined ? `still running after ${after}` : `finished after ${after}: ${r.outcome}${r.outcome === 'Failed' && r.error ? `: ${r.error}` : ''}`;
    return h('li', { 'data-late': r.outcome ?? 'Running', className: r.outcome === 'Failed' ? 'late-failed' : '' }, h('span', { className: 'ename' }, String(r.what)), ' ', h('span', { className: 'late-how' }, how), h('span', { className: 'muted' }, ' · abandoned '), time(String(r.abandonedAt)));
  });
  const more = typeof omitted === 'number' && omitted > 0 ? h('p', { className: 'muted' }, `and ${omitted} earlier, not kept`) : null;
  return h('div', {}, h('p', { className: 'muted' }, 'Work the workflow stopped waiting for; its results were ignored and did not change the outcome.'), h('ul', { className: 'late-list' }, ...items), more);
}

function panel(title: string, content: HTMLElement, attrs: Record<string, unknown> = {}): HTMLElement {
  return h('section', { className: 'card panel', ...attrs }, h('h2', {}, title), content);
}

async function instanceView(name: string, id: string): Promise<void> {
  const w = byName.get(name);
  if (!w) return notFound(`No workflow named '${name}'.`);
  let inst: Instance | undefined;
  let states = new Map<string, State>();
  const badge = h('span', { className: 'badge-slot' });
  const meta = h('p', { className: 'muted meta' });
  const notice = h('div', { className: 'notice' });
  const graphSlot = h('div', { className: 'graph-slot' }, h('p', { className: 'loading' }, 'Loading the graph…'));
  const pre = (label: string): HTMLPreElement => h('pre', { className: 'code', 'aria-label': label });
  const input = pre('input');
  const output = pre('output');
  const error = h('pre', { className: 'code error-text', 'data-error': '' });
  const custom = pre('custom status');
  const progress = h('div', { className: 'progress-list' });
  const compensations = h('div', { className: 'compensation-list' });
  const late = h('div', { className: 'late-slot' });
  const traceSlot = h('div', { className: 'trace-slot' }, h('p', { className: 'loading' }, 'Loading the trace…'));
  // The instance's version decides its graph and events; known with its first status.
  let shape: Shape | undefined;
  const waitingNow = (): Set<string> =>
    new Set((shape?.nodes ?? []).filter((n) => (n.event || n.events) && states.get(n.key) === 'running').flatMap((n) => n.events ?? [n.event!]));
  const eventsSlot = h('div', { className: 'events-slot' }, h('p', { className: 'loading' }, 'Loading…'));
  const act = (action: string, label: string): HTMLButtonElement =>
    h(
      'button',
      {
        type: 'button',
        'data-action': action,
        onclick: async (e: Event) => {
          const b = e.currentTarget as HTMLButtonElement;
          b.disabled = true;
          notice.replaceChildren();
          try {
            const r = await request<{ id?: string }>('POST', instancePath(w, id, action));
            if (action === 'restart' && r.id && r.id !== id) location.hash = instanceHash(w.name, r.id);
            else {
              notice.append(message(`${label} requested.`, 'info'));
              await refresh();
              if (action === 'restart') live();
            }
          } catch (err) {
            notice.append(message((err as Error).message));
            b.disabled = false;
          }
        },
      },
      label,
    );
  const buttons = { suspend: act('suspend', 'Suspend'), resume: act('resume', 'Resume'), terminate: act('terminate', 'Terminate'), restart: act('restart', 'Restart') };
  buttons.terminate.classList.add('danger');

  app.replaceChildren(
    header(link(`#/workflow/${encodeURIComponent(w.name)}`, w.name), h('span', { className: 'mono' }, id)),
    h(
      'main',
      {},
      h('section', { className: 'card intro' }, h('div', { className: 'title-row' }, h('h1', { className: 'mono' }, id), badge), meta, h('div', { className: 'actions row' }, ...Object.values(buttons)), notice),
      h(
        'div',
        { className: 'split' },
        h('section', { className: 'card' }, h('div', { className: 'card-head' }, h('h2', {}, 'Graph'), legend()), graphSlot),
        h(
          'div',
          { className: 'side' },
          panel('Custom status', custom),
          panel('Progress', progress),
          panel('Error', error, { className: 'card panel error-panel', hidden: true }),
          panel('Compensations', compensations, { className: 'card panel compensations-panel', hidden: true }),
          panel('Abandoned work', late, { className: 'card panel late-panel', hidden: true }),
          panel('Events', eventsSlot),
          panel('Input', input),
          panel('Output', output),
        ),
      ),
      h('section', { className: 'card' }, h('h2', {}, 'Replay trace'), traceSlot),
    ),
  );

  const mine = view;
  let graph: HTMLElement | undefined;
  /** Draws the graph and the event form of the version the instance runs (once). */
  const showVersion = (i: Instance): void => {
    if (shape) return;
    const s = shapeOf(w, i.version);
    shape = s;
    eventsSlot.replaceChildren(eventForm(w, s, () => inst, waitingNow));
    graphElement(w, s.version)
      .then((g) => {
        if (mine !== view) return;
        // An instance whose version the backend does not report may run an older graph than
        // this one: it is shown, but with no step drawn as running or done.
        const unknown = i.version === null && w.version !== 1;
        if (!unknown) graph = g;
        graphSlot.replaceChildren(g, ...(unknown ? [message(`The backend does not report which version this instance runs, so its steps are not drawn on version ${s.version}'s graph (they may be another version's).`, 'info')] : []));
        if (inst && !unknown) states = paintGraph(g, s, inst);
        eventsSlot.firstElementChild?.dispatchEvent(new Event('refresh'));
      })
      .catch((e: Error) => graphSlot.replaceChildren(message(e.message)));
  };

  // The trace is read again when the instance changed: at most every 2 s, every 10 s once its
  // history is long (each read walks the whole history on the server).
  let traceFor = '';
  let traceAt = 0;
  let traceEvery = 2000;
  const refreshTrace = async (force: boolean): Promise<void> => {
    if (!inst) return;
    const stamp = `${inst.status}@${inst.updatedAt}`;
    if (stamp === traceFor || (!force && Date.now() - traceAt < traceEvery)) return;
    traceAt = Date.now();
    const t = await request<Trace>('GET', `${BASE}/api/trace/${encodeURIComponent(w.name)}/${encodeURIComponent(id)}`, { limit: String(TRACE_EPISODES) });
    traceFor = stamp;
    traceEvery = t.events > 1000 ? 10_000 : 2000;
    if (mine === view) traceSlot.replaceChildren(traceList(t, inst?.compensations ?? [], inst?.late));
  };

  const refresh = async (): Promise<Instance> => {
    const i = await request<Instance>('GET', instancePath(w, id));
    inst = i;
    badge.replaceChildren(statusBadge(i.status));
    body.dataset.instanceStatus = i.status;
    showVersion(i);
    const version =
      i.version === null && w.version !== 1
        ? `version unknown (new instances start version ${w.version})`
        : shape!.version === w.version
          ? `version ${shape!.version}`
          : `version ${shape!.version} (new instances start version ${w.version})`;
    meta.replaceChildren('started ', time(i.createdAt), ' · updated ', time(i.updatedAt), ` · ${version} · ${w.trigger[0]}`);
    input.textContent = json(i.input);
    output.textContent = i.output === null || i.output === undefined ? '—' : json(i.output);
    custom.textContent = i.customStatus === null || i.customStatus === undefined ? '—' : json(i.customStatus);
    const errorPanel = error.closest('section')!;
    errorPanel.hidden = !i.error;
    error.textContent = i.error ? (i.error.name ? `${i.error.name}: ${i.error.message}` : i.error.message) : '';
    const lateNow = lateList(i.late, i.lateOmitted);
    late.closest('section')!.hidden = !lateNow;
    late.replaceChildren(...(lateNow ? [lateNow] : []));
    progress.replaceChildren(...(Object.keys(i.progress ?? {}).length ? Object.entries(i.progress!).map(([n, p]) => bar(n, p)) : [h('p', { className: 'muted' }, '—')]));
    compensations.closest('section')!.hidden = !i.compensations?.length;
    compensations.replaceChildren(compensationList(i.compensations ?? []));
    const done = FINISHED.has(i.status);
    buttons.suspend.disabled = done || i.status === 'Suspended';
    buttons.resume.disabled = i.status !== 'Suspended';
    buttons.terminate.disabled = done;
    if (graph) states = paintGraph(graph, shape!, i);
    eventsSlot.firstElementChild?.dispatchEvent(new Event('refresh'));
    return i;
  };

  const problem = h('div', { className: 'problem' });
  notice.before(problem);
  const live = (): void =>
    every(POLL_INSTANCE, async () => {
      let i: Instance;
      try {
        i = await refresh();
        problem.replaceChildren();
      } catch (e) {
        problem.replaceChildren(message((e as Error).message));
        // An unknown instance or a refused key will not change by asking again.
        return !(e instanceof HttpError && (e.status === 404 || e.status === 401 || e.status === 403));
      }
      const done = FINISHED.has(i.status);
      await refreshTrace(done).catch((e: Error) => traceSlot.replaceChildren(message(e.message)));
      for (const el of Array.from(document.querySelectorAll<HTMLTimeElement>('time[data-age]'))) el.textContent = age(el.dataset.age!);
      return !done;
    });
  live();
}

function notFound(text: string): void {
  app.replaceChildren(header(h('span', {}, 'Not found')), h('main', {}, h('section', { className: 'card' }, message(text), h('p', {}, link('#/', 'Back to the dashboard')))));
}

// --- routing ------------------------------------------------------------------------------------

function route(): void {
  leave();
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  try {
    if (parts[0] === 'workflow' && parts[1]) void workflowView(parts[1]);
    else if (parts[0] === 'instance' && parts[1] && parts[2]) void instanceView(parts[1], parts.slice(2).join('/'));
    else dashboard();
  } catch (e) {
    app.replaceChildren(message((e as Error).message));
  }
  window.scrollTo(0, 0);
}

window.addEventListener('hashchange', route);
route();
