/**
 * Which forEach steps can run partitioned (runtime/partition.ts: slices of a long list in
 * sub-orchestrations), and what their bodies read from the workflow's scope.
 *
 * A body can run in another orchestration when everything it reads can be sent there as data and
 * nothing it writes must come back: so no local name is in scope where the forEach stands (it is
 * not inside another forEach body, whose item it might read, nor in a catch, whose error it
 * might read; parallel branches, switch cases and try blocks add no names), and its
 * body sets no variables or status, does not continue as new, and waits for no event (events
 * are raised to the workflow's instance, which a slice is not).
 */
import type { ForEachStep, RepeatStep, Step, Value } from './model';

/** Lists longer than this run partitioned unless the step says otherwise (`partitionSize`). */
export const DEFAULT_PARTITION_SIZE = 100;

/**
 * A `repeat` runs at most this many iterations in one history: past it, the loop goes on in a
 * loop orchestration (`<workflow>-partition`) that continues as new after every this many
 * iterations (runtime/repeat.ts), so each iteration replays a bounded history.
 */
export const REPEAT_ITERATIONS_PER_HISTORY = 100;

/** Step kinds that act on the workflow instance itself, which a slice orchestration is not. */
const WORKFLOW_ONLY = new Set<Step['kind']>(['set', 'status', 'continueAsNew', 'waitForEvent']);

/** Every step in `steps`, nested bodies included. */
export function allSteps(steps: readonly Step[]): Step[] {
  const out: Step[] = [];
  const walk = (list: readonly Step[]): void => {
    for (const s of list) {
      out.push(s);
      switch (s.kind) {
        case 'forEach':
          walk(s.steps);
          break;
        case 'parallel':
          for (const b of s.branches) walk(b.steps);
          break;
        case 'switch':
          for (const k of s.cases) walk(k.steps);
          if (s.otherwise) walk(s.otherwise);
          break;
        case 'try':
          walk(s.steps);
          walk(s.catch.steps);
          break;
        case 'repeat':
          walk(s.steps);
          break;
        default:
          break;
      }
      // An undo's steps run in this orchestration too, when a catch compensates.
      if (s.compensate) walk(s.compensate.steps);
    }
  };
  walk(steps);
  return out;
}

/** The break steps of a loop body that end that loop (not those of loops nested in it). */
export function ownBreaks(steps: readonly Step[]): Step[] {
  const out: Step[] = [];
  const walk = (list: readonly Step[]): void => {
    for (const s of list) {
      if (s.kind === 'break') out.push(s);
      else if (s.kind === 'switch') {
        for (const k of s.cases) walk(k.steps);
        if (s.otherwise) walk(s.otherwise);
      } else if (s.kind === 'try') {
        walk(s.steps);
        walk(s.catch.steps);
      }
    }
  };
  walk(steps);
  return out;
}

/** Why this forEach's body cannot run in a slice orchestration, or undefined when it can. */
export function notPartitionable(step: ForEachStep, noLocals: boolean): string | undefined {
  if (!noLocals) return 'it stands inside a forEach body, a repeat or a catch, whose names its body could read';
  // A quorum is decided over every item at once, in this orchestration (runtime/fanout.ts).
  if (step.succeedWhen) return 'it has a quorum (succeedWhen), decided over all its items at once';
  const blocker = allSteps(step.steps).find((s) => WORKFLOW_ONLY.has(s.kind));
  if (blocker) return `its body has a '${blocker.kind}' step`;
  // Undos register with the workflow's own saga (runtime/saga.ts), which a slice cannot reach.
  if (allSteps(step.steps).some((s) => s.compensate !== undefined || s.kind === 'compensate')) return 'its body registers compensations';
  // A break stops the items after it: they must run one by one, in this orchestration.
  return ownBreaks(step.steps).length > 0 ? "its body has a 'break' step" : undefined;
}

/**
 * Why this repeat's later iterations cannot run in a loop orchestration (and so its whole
 * history stays in the workflow's), or undefined when they can: the same rule as for a forEach
 * body (runtime/repeat.ts).
 */
export function notDetachable(step: RepeatStep, noLocals: boolean): string | undefined {
  if (!noLocals) return 'it stands inside a forEach body, a repeat or a catch, whose names its body could read';
  // Variables the body sets travel to the loop orchestration and back (runtime/repeat.ts).
  const blocker = allSteps(step.steps).find((s) => s.kind !== 'set' && WORKFLOW_ONLY.has(s.kind));
  if (allSteps(step.steps).some((s) => s.compensate !== undefined || s.kind === 'compensate')) return 'its body registers compensations, which stay with the workflow\'s own saga';
  return blocker ? `its body has a '${blocker.kind}' step, which acts on the workflow's own instance` : undefined;
}

/** The partition size in effect: the step's own, else the default; 0 means never. */
export function partitionSize(step: ForEachStep): number {
  return step.partitionSize ?? DEFAULT_PARTITION_SIZE;
}

/** Expression sources anywhere in a model subtree (values of every step, however nested). */
function expressionSources(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const n of node) expressionSources(n, out);
  } else if (node !== null && typeof node === 'object') {
    const v = node as Partial<Value> & { expr?: { source?: unknown }; parts?: unknown[] };
    if (v.kind === 'expr' && typeof v.expr?.source === 'string') out.push(v.expr.source);
    else if (v.kind === 'template' && Array.isArray(v.parts)) {
      for (const p of v.parts) if (p && typeof p === 'object' && typeof (p as { source?: unknown }).source === 'string') out.push((p as { source: string }).source);
    } else for (const [k, child] of Object.entries(node)) if (k !== 'span' && k !== 'kindSpan') expressionSources(child, out);
  }
  return out;
}

/** What a body reads from the workflow scope: `input`, `vars`, and which `steps.<id>`. */
export function bodyReads(step: ForEachStep | RepeatStep): { input: boolean; vars: boolean; steps: string[] } {
  const sources = expressionSources(step.kind === 'repeat' ? [step.steps, step.while, step.until, step.interval] : step.steps);
  // A free name, not a property (`x.input`) nor part of a longer name.
  const free = (name: string): RegExp => new RegExp(`(?<![.\\w$])${name}(?![\\w$])`);
  const stepIds = new Set<string>();
  let anyStep = false;
  for (const src of sources) {
    if (!free('steps').test(src)) continue;
    for (const m of src.matchAll(/(?<![.\w$])steps\s*(\??\.)?\s*([A-Za-z_$][\w$]*)?/g)) {
      // `steps.x` names its step; any other use (`steps[k]`) may read any of them.
      if (m[1] && m[2]) stepIds.add(m[2]);
      else anyStep = true;
    }
  }
  return {
    input: sources.some((s) => free('input').test(s)),
    // A body that sets variables gets them all, and hands them back.
    vars: sources.some((s) => free('vars').test(s)) || (step.kind === 'repeat' && allSteps(step.steps).some((s) => s.kind === 'set')),
    steps: anyStep ? ['*'] : [...stepIds].sort(),
  };
}
