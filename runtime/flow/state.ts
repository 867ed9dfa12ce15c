/**
 * Step states for the status pages, reported by the orchestrator itself.
 *
 * Generated code marks each step as it starts (`run.step("3.1.0")`) and each try's catch as it
 * begins (`run.caught("4")`); keys are the graph keys of compiler/src/graph/model.ts: a step's
 * index in its sequence, after its container's key and the sequence's index in the container.
 * The marks travel in the custom status the workflow already publishes, as one short string
 * (`flow`), and every state follows from them exactly:
 *
 * - a marked step is **completed** once a later step of its sequence has started (the flow
 *   moved past it normally), or its sequence has ended (a parallel branch that finished while
 *   others still run: `rt.parallel` reports it), or its container is completed, or (top level)
 *   the instance is;
 * - it is **failed** when a catch took over while it ran (`caught` marks every step of the try's
 *   body still running), or when its container failed, or (top level) the instance failed or was
 *   terminated;
 * - otherwise it is **running**.
 *
 * Steps that never marked are pending or skipped; the pages tell which from the graph (a later
 * step of the sequence started, or the container finished). Steps of forEach bodies are not
 * marked: the forEach's progress counts its items.
 *
 * The string stays small: marks are kept as ranges of started indices per sequence (`0-41`
 * for 42 steps in a row) plus the failed keys (`!4.0.2`), so a sequence of 1,000 steps costs
 * a few bytes, far from the 16 KB the Durable extension allows a custom status.
 */

export type StepState = 'running' | 'completed' | 'failed';
/** How the instance stands, for the steps it ended. */
export type InstanceEnd = 'running' | 'completed' | 'failed';

function parts(key: string): number[] {
  return key === '' ? [] : key.split('.').map(Number);
}

function compareKeys(a: string, b: string): number {
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/** The sequence a step key belongs to, and its index there: `3.1.0` → [`3.1`, 0]. */
function split(key: string): [string, number] {
  const dot = key.lastIndexOf('.');
  return dot < 0 ? ['', Number(key)] : [key.slice(0, dot), Number(key.slice(dot + 1))];
}

/** The container step that owns a sequence (`3.1` → `3`), or undefined for the top level. */
function owner(sequence: string): string | undefined {
  const dot = sequence.lastIndexOf('.');
  return sequence === '' ? undefined : sequence.slice(0, dot);
}

const KEY = /^\d+(\.\d+)*$/;

export interface Marks {
  /** Started indices per sequence, as sorted, disjoint [from, to] ranges. */
  started: Map<string, Array<[number, number]>>;
  failed: Set<string>;
  /** Sequences that ran to their end while their container still runs (parallel branches). */
  ended: Set<string>;
}

/** The marks one workflow execution has made; `encode()` is what goes into the custom status. */
export class StepMarks implements Marks {
  readonly started = new Map<string, Array<[number, number]>>();
  readonly failed = new Set<string>();
  readonly ended = new Set<string>();

  /** A step has started. Steps of a sequence start in order, so this usually extends the last range. */
  start(key: string): void {
    const [seq, i] = split(key);
    let ranges = this.started.get(seq);
    if (!ranges) this.started.set(seq, (ranges = []));
    const last = ranges.at(-1);
    if (last && i === last[1] + 1) last[1] = i;
    else if (!last || i > last[1]) ranges.push([i, i]);
    else if (!ranges.some(([a, b]) => a <= i && i <= b)) {
      ranges.push([i, i]);
      ranges.sort((a, b) => a[0] - b[0]);
    }
  }

  /** A try's catch begins: every step of its body still running failed. */
  caught(tryKey: string): void {
    const body = `${tryKey}.0.`;
    for (const [key, state] of Object.entries(resolveStates(this, 'running'))) if (state === 'running' && key.startsWith(body)) this.failed.add(key);
  }

  /** A sequence (a parallel branch) ran to its end. */
  end(sequence: string): void {
    this.ended.add(sequence);
  }

  encode(): string {
    return encodeMarks(this);
  }
}

export function encodeMarks(m: Marks): string {
  const tokens: string[] = [];
  for (const seq of [...m.started.keys()].sort(compareKeys)) {
    for (const [a, b] of m.started.get(seq)!) tokens.push(`${seq === '' ? '' : `${seq}.`}${a}${b > a ? `-${b}` : ''}`);
  }
  for (const seq of [...m.ended].sort(compareKeys)) tokens.push(`~${seq}`);
  for (const key of [...m.failed].sort(compareKeys)) tokens.push(`!${key}`);
  return tokens.join(' ');
}

/** The marks in a custom status's `flow` string; undefined when it is not one. */
export function decodeMarks(text: unknown): Marks | undefined {
  if (typeof text !== 'string') return undefined;
  const m: Marks = { started: new Map(), failed: new Set(), ended: new Set() };
  for (const token of text.split(' ').filter(Boolean)) {
    if (token.startsWith('~')) {
      if (!KEY.test(token.slice(1))) return undefined;
      m.ended.add(token.slice(1));
      continue;
    }
    if (token.startsWith('!')) {
      if (!KEY.test(token.slice(1))) return undefined;
      m.failed.add(token.slice(1));
      continue;
    }
    const match = /^((?:\d+\.)*)(\d+)(?:-(\d+))?$/.exec(token);
    if (!match) return undefined;
    const seq = match[1].replace(/\.$/, '');
    const a = Number(match[2]);
    const b = match[3] === undefined ? a : Number(match[3]);
    if (b < a) return undefined;
    const ranges = m.started.get(seq) ?? [];
    ranges.push([a, b]);
    m.started.set(seq, ranges);
  }
  return m;
}

/** The state of every step that has started, from the marks and how the instance stands. */
export function resolveStates(m: Marks, instance: InstanceEnd): Record<string, StepState> {
  const last = new Map<string, number>();
  const keys: string[] = [];
  for (const [seq, ranges] of m.started) {
    for (const [a, b] of ranges) for (let i = a; i <= b; i++) keys.push(seq === '' ? String(i) : `${seq}.${i}`);
    if (ranges.length) last.set(seq, Math.max(...ranges.map((r) => r[1])));
  }
  const memo = new Map<string, StepState>();
  const state = (key: string): StepState => {
    const known = memo.get(key);
    if (known) return known;
    const [seq, i] = split(key);
    let s: StepState;
    if (m.failed.has(key)) s = 'failed';
    else if ((last.get(seq) ?? -1) > i || m.ended.has(seq)) s = 'completed';
    else {
      const container = owner(seq);
      s = container === undefined ? instance : state(container);
    }
    memo.set(key, s);
    return s;
  };
  const out: Record<string, StepState> = {};
  for (const key of keys.sort(compareKeys)) out[key] = state(key);
  return out;
}

/** How an instance's runtime status ends its steps. */
export function instanceEnd(runtimeStatus: string): InstanceEnd {
  if (runtimeStatus === 'Completed') return 'completed';
  if (runtimeStatus === 'Failed' || runtimeStatus === 'Terminated') return 'failed';
  return 'running';
}

/** The states of an instance's started steps from its custom status, or null when it has no marks. */
export function stepStates(customStatus: unknown, runtimeStatus: string): Record<string, StepState> | null {
  const flow = customStatus !== null && typeof customStatus === 'object' ? (customStatus as { flow?: unknown }).flow : undefined;
  const marks = decodeMarks(flow);
  return marks ? resolveStates(marks, instanceEnd(runtimeStatus)) : null;
}
