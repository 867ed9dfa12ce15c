/**
 * A workflow as a graph: every step a node, in order; forEach, parallel, switch and try are
 * containers holding their bodies as sequences. The status pages, `durable-flow graph` and the
 * step marks in generated orchestrators all read this one model, so a node's key is the same
 * everywhere.
 *
 * Two names per node:
 * - `step`: how pages and tests address it (`data-step`): the step's `id`, or its path in the
 *   YAML (`steps[2]`, `steps[3].parallel[1].steps[0]`, `steps[4].catch.steps[0]`).
 * - `key`: the compact name the orchestrator reports its state under (runtime/flow/state.ts):
 *   the step's index in its sequence, prefixed by its container's key and the sequence's index
 *   in that container (`3`, `3.1.0`). A container's sequences are numbered: parallel branches
 *   and switch cases (the `else` last) in order, try's body 0 and its catch 1, forEach's body 0.
 *
 * Steps inside a forEach body run once per item: they have keys but report no state of their own
 * (`marked: false`); the forEach reports done/failed/total over its items instead. The same holds
 * for a repeat's steps, which run once per iteration: the repeat reports the iterations done out
 * of maxIterations as its progress (its node stands as their `inForEach`).
 */
import type { Duration, ForEachStep, Quorum, RetryPolicy, Step, StepKind, Value, Workflow } from '../model';
import { partitionSize } from '../partition';

export interface GraphNode {
  key: string;
  /** `data-step`: the step's id, or its YAML path. */
  step: string;
  kind: StepKind;
  /** The first line of the label: what the step does (activity name, event, duration, ...). */
  title: string;
  /** The second line: the step's id (when it has one) and its kind, e.g. `charges · forEach`. */
  subtitle: string;
  /** Settings worth seeing on the node: `max 5 at once`, `retry ×3`, `timeout 5m`, `if ...`. */
  badges: string[];
  /** The YAML line of the step. */
  line: number;
  /** Whether the orchestrator reports this step's state (false inside forEach bodies). */
  marked: boolean;
  /** Inside a forEach or repeat body: the key of the innermost enclosing forEach or repeat. */
  inForEach?: string;
  /** forEach and repeat: the name its progress (done/failed/total) is published under. */
  progress?: string;
  /** waitForEvent: the event's name. */
  event?: string;
  /** waitForEvent with a list: the names, in order. */
  events?: string[];
  /** A step that carries `compensate`: what undoes it (`activity CancelFlight`, `workflow refund`, `steps`). */
  compensation?: string;
  /** A step that carries `compensate`: the name its undo goes by in the instance's compensations (runtime/saga.ts): its id, or `<kind>@<line>`. */
  saga?: string;
  /** Containers: their bodies, in order. */
  sequences: GraphSequence[];
}

export interface GraphSequence {
  key: string;
  /** Shown above a body: `branch 1`, `if total > 100`, `else`, `try`, `catch err`, `each order`. */
  label?: string;
  nodes: GraphNode[];
}

export interface WorkflowGraph {
  workflow: string;
  file: string;
  description?: string;
  /** How it starts: `POST /api/workflows/hello`, plus the schedule when it has one. */
  trigger: string[];
  root: GraphSequence;
  /** Every event a waitForEvent step of the workflow waits for, sorted. */
  events: string[];
}

/** At most this many characters of an expression or value in a label (the full text is in the title tooltip). */
const LABEL_CHARS = 48;

export function clip(text: string, max = LABEL_CHARS): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** A YAML value as short display text: an expression's source, a literal, `{…}` for structures. */
export function valueText(v: Value): string {
  switch (v.kind) {
    case 'literal':
      return typeof v.value === 'string' ? v.value : JSON.stringify(v.value);
    case 'expr':
      return v.expr.source;
    case 'template':
      return v.parts.map((p) => (typeof p === 'string' ? p : `\${ ${p.source} }`)).join('');
    case 'array':
      return `[${v.items.map(valueText).join(', ')}]`;
    case 'object':
      return `{ ${v.entries.map((e) => `${e.key}: ${valueText(e.value)}`).join(', ')} }`;
  }
}

function retryBadge(r: RetryPolicy | RetryPolicy[] | undefined): string[] {
  const times = (p: RetryPolicy): string => (p.maxAttempts === 'unlimited' ? `retry until ${p.timeout?.text ?? ''}` : `retry ×${p.maxAttempts}`);
  if (!r) return [];
  if (!Array.isArray(r)) return [times(r)];
  return r.map((p) => (p.on ? `${times(p)} on ${clip(p.on.join(', '), 30)}` : `${times(p)} otherwise`));
}

function durationBadge(prefix: string, d: Duration | undefined): string[] {
  return d ? [`${prefix} ${d.text}`] : [];
}

/** `succeedWhen: { atLeast }`: `at least 2 must succeed`. */
function quorumBadge(q: Quorum | undefined): string[] {
  return q ? [`at least ${clip(valueText(q.atLeast), 24)} must succeed`] : [];
}

/** The forEach `activity:`/`workflow:` shortcut: its one body step stands where the forEach does. */
export function isShortcut(step: ForEachStep): boolean {
  const [only] = step.steps;
  return step.steps.length === 1 && only.span.start.line === step.span.start.line && only.span.start.col === step.span.start.col;
}

function describe(step: Step): { title: string; kind: string; badges: string[] } {
  const common = [...(step.if ? [`if ${clip(valueText(step.if), 32)}`] : [])];
  switch (step.kind) {
    case 'activity':
      return { title: step.activity, kind: 'activity', badges: [...retryBadge(step.retry), ...durationBadge('attempt timeout', step.attemptTimeout), ...durationBadge('timeout', step.timeout), ...common] };
    case 'workflow':
      return { title: step.workflow, kind: 'sub-workflow', badges: [...retryBadge(step.retry), ...durationBadge('attempt timeout', step.attemptTimeout), ...durationBadge('timeout', step.timeout), ...common] };
    case 'forEach': {
      const call = isShortcut(step) ? step.steps[0] : undefined;
      const what = call?.kind === 'activity' ? ` → ${call.activity}` : call?.kind === 'workflow' ? ` → workflow ${call.workflow}` : '';
      const size = partitionSize(step);
      return {
        title: `each ${step.as} in ${clip(valueText(step.items), 36)}${what}`,
        kind: 'forEach',
        badges: [
          ...(step.maxParallel !== undefined ? [`max ${step.maxParallel} at once`] : []),
          ...retryBadge(call?.retry),
          ...durationBadge('attempt timeout', call?.attemptTimeout),
          ...(call?.compensate ? [`undo each: ${clip(compensationText(call) ?? '', 36)}`] : []),
          ...(step.onItemError === 'continue' ? ['on item error: continue'] : []),
          ...durationBadge('timeout', step.timeout),
          ...quorumBadge(step.succeedWhen),
          ...(size > 0 ? [] : ['not partitioned']),
          ...common,
        ],
      };
    }
    case 'parallel':
      return {
        title: `${step.branches.length} branch${step.branches.length === 1 ? '' : 'es'}`,
        kind: 'parallel',
        badges: [...(step.maxParallel !== undefined ? [`max ${step.maxParallel} at once`] : []), ...durationBadge('timeout', step.timeout), ...quorumBadge(step.succeedWhen), ...common],
      };
    case 'waitForEvent':
      return {
        title: step.events ? `first of ${step.events.join(', ')}` : step.event,
        kind: 'wait for event',
        badges: [...(step.eventTimeout ? [`timeout ${step.eventTimeout.text} → ${step.onTimeout === 'continue' ? 'continue' : 'fail'}`] : []), ...common],
      };
    case 'delay':
      return { title: `wait ${step.duration.text}`, kind: 'timer', badges: common };
    case 'until':
      return { title: `until ${clip(valueText(step.at), 40)}`, kind: 'timer', badges: common };
    case 'switch':
      return { title: `${step.cases.length + (step.otherwise ? 1 : 0)} cases`, kind: 'switch', badges: common };
    case 'set':
      return { title: `set ${clip(step.vars.map((v) => v.name).join(', '), 40)}`, kind: 'set', badges: common };
    case 'status':
      return { title: `status: ${clip(valueText(step.value), 40)}`, kind: 'status', badges: common };
    case 'try':
      return { title: 'try / catch', kind: 'try', badges: [...durationBadge('timeout', step.timeout), ...common] };
    case 'fail':
      return { title: step.rethrow ? `fail with ${clip(valueText(step.rethrow), 40)}` : `fail ${clip(step.computedError ? valueText(step.computedError) : step.error, 40)}`, kind: 'fail', badges: common };
    case 'continueAsNew':
      return { title: 'continue as new', kind: 'continueAsNew', badges: common };
    case 'repeat': {
      const cond = step.while ? `while ${clip(valueText(step.while), 40)}` : step.until ? `until ${clip(valueText(step.until), 40)}` : 'repeat';
      return {
        title: cond,
        kind: 'repeat',
        badges: [
          `max ${step.maxIterations} times${step.onMaxIterations === 'continue' ? ' → continue' : ''}`,
          ...durationBadge('every', step.interval),
          ...durationBadge('timeout', step.timeout),
          ...common,
        ],
      };
    }
    case 'break':
      return { title: 'break', kind: 'break', badges: common };
    case 'compensate':
      return { title: 'compensate all', kind: 'compensate', badges: [...(step.onError === 'fail' ? ['on error: fail'] : []), ...common] };
  }
}

/** What undoes a step, in words: `activity CancelFlight`, `workflow refund`, `steps`. */
export function compensationText(step: Step): string | undefined {
  const call = step.compensate?.call;
  if (!step.compensate) return undefined;
  return call ? (call.kind === 'activity' ? `activity ${call.activity}` : `workflow ${call.workflow}`) : 'steps';
}

interface Walk {
  /** Inside a forEach body: the forEach's key. */
  inForEach?: string;
  events: Set<string>;
  byStep: Map<Step, GraphNode>;
}

function node(step: Step, key: string, path: string, w: Walk): GraphNode {
  const d = describe(step);
  const n: GraphNode = {
    key,
    step: step.id ?? path,
    kind: step.kind,
    title: clip(d.title, 56),
    subtitle: step.id ? `${step.id} · ${d.kind}` : d.kind,
    // Sagas: the undo shows on the step it undoes.
    badges: step.compensate ? [...d.badges, `undo: ${clip(compensationText(step) ?? '', 40)}`] : d.badges,
    line: step.span.start.line,
    marked: w.inForEach === undefined,
    ...(w.inForEach !== undefined ? { inForEach: w.inForEach } : {}),
    ...(step.compensate ? { compensation: compensationText(step), saga: step.id ?? `${step.kind}@${step.span.start.line}` } : {}),
    // The forEach shortcut's undo is its call's, per item: the forEach stands for the call.
    ...(step.kind === 'forEach' && isShortcut(step) && step.steps[0].compensate
      ? { compensation: compensationText(step.steps[0]), saga: `${step.steps[0].kind}@${step.steps[0].span.start.line}` }
      : {}),
    sequences: [],
  };
  w.byStep.set(step, n);
  const seq = (i: number, steps: Step[], at: (j: number) => string, label: string | undefined, inner: Walk = w): GraphSequence => ({
    key: `${key}.${i}`,
    ...(label !== undefined ? { label } : {}),
    nodes: steps.map((s, j) => node(s, `${key}.${i}.${j}`, at(j), inner)),
  });
  switch (step.kind) {
    case 'forEach':
      n.progress = step.id ?? `forEach@${step.span.start.line}`;
      // The shortcut's call is the node itself; a body of steps is a sequence of its own.
      if (!isShortcut(step)) n.sequences.push(seq(0, step.steps, (j) => `${path}.steps[${j}]`, `each ${step.as}`, { ...w, inForEach: key }));
      break;
    case 'repeat':
      // Its steps run once per iteration: like a forEach body, they report no state of their own.
      n.progress = step.id ?? `repeat@${step.span.start.line}`;
      n.sequences.push(seq(0, step.steps, (j) => `${path}.repeat.steps[${j}]`, 'each iteration', { ...w, inForEach: key }));
      break;
    case 'parallel':
      step.branches.forEach((b, i) => n.sequences.push(seq(i, b.steps, (j) => `${path}.parallel[${i}].steps[${j}]`, `branch ${i + 1}`)));
      break;
    case 'switch':
      step.cases.forEach((k, i) => n.sequences.push(seq(i, k.steps, (j) => `${path}.switch[${i}].steps[${j}]`, `if ${clip(valueText(k.when), 40)}`)));
      if (step.otherwise) n.sequences.push(seq(step.cases.length, step.otherwise, (j) => `${path}.switch[${step.cases.length}].else[${j}]`, 'else'));
      break;
    case 'try':
      n.sequences.push(seq(0, step.steps, (j) => `${path}.try[${j}]`, 'try'));
      n.sequences.push(seq(1, step.catch.steps, (j) => `${path}.catch.steps[${j}]`, `catch ${step.catch.as}`));
      break;
    case 'waitForEvent':
      // The pages mark the events a running wait awaits.
      if (step.events) n.events = step.events;
      else n.event = step.event;
      // Each event of a list can be raised from the status pages.
      for (const e of step.events ?? [step.event]) w.events.add(e);
      break;
    default:
      break;
  }
  return n;
}

export interface BuiltGraph {
  graph: WorkflowGraph;
  /** The node of each step of the model (a forEach shortcut's call has none: the forEach stands for it). */
  byStep: Map<Step, GraphNode>;
}

export function buildGraph(w: Workflow): BuiltGraph {
  const walk: Walk = { events: new Set(), byStep: new Map() };
  const root: GraphSequence = { key: '', nodes: w.steps.map((s, i) => node(s, String(i), `steps[${i}]`, walk)) };
  const http = w.trigger.http;
  const trigger = [`${http.methods.join(', ')} /api/${http.route}`, ...(w.trigger.schedule ? [`schedule ${w.trigger.schedule.cron}`] : [])];
  return {
    graph: { workflow: w.name, file: w.file, ...(w.description ? { description: w.description } : {}), trigger, root, events: [...walk.events].sort() },
    byStep: walk.byStep,
  };
}

/** Every node of a sequence and its containers' sequences, in pre-order. */
export function allNodes(seq: GraphSequence): GraphNode[] {
  return seq.nodes.flatMap((n) => [n, ...n.sequences.flatMap(allNodes)]);
}
