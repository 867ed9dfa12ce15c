/**
 * Step marks: the one line per step that lets the status pages show each step's state. The
 * generated orchestrator calls `run.step("<key>")` as the step starts (inside its `if` guard, so
 * a skipped step never marks), a `try` step's catch block begins with `run.caught("<key>")`, and
 * a parallel step passes its key to `rt.parallel` (`step: "<key>"`), which reports each branch
 * that finishes while others still run.
 * The runtime (runtime/flow/state.ts) keeps the marks in the custom status and works out every
 * state from them: a step is completed once the flow moved past it, failed when a catch or the
 * instance's failure ended it, skipped when the flow passed it by.
 *
 * Keys come from the graph model (compiler/src/graph/model.ts), so the pages and the
 * orchestrator agree on them. Steps inside a forEach body run once per item and are not marked:
 * the forEach's progress (done/failed/total) stands for them.
 */
import type { Step, Workflow } from '../model';
import { buildGraph } from '../graph/model';
import { literal } from './values';

/** The key of each step that reports its state, for the workflow being generated. */
const keys = new WeakMap<Step, string>();

/** Records the keys of a workflow's steps; the code generator calls it before generating the workflow. */
export function assignStepKeys(w: Workflow): void {
  for (const [step, node] of buildGraph(w).byStep) if (node.marked) keys.set(step, node.key);
}

/**
 * Where a try step's own catch block starts in its generated lines: the `} catch (thrown) {`
 * at the try's own nesting depth (nested steps' catches are deeper). Generated lines open a block
 * by ending with `{` and close one by starting with `}`; comments and string contents never
 * stand at either end of a line.
 */
function ownCatch(code: readonly string[]): number {
  let depth = 0;
  for (let i = 0; i < code.length; i++) {
    const line = code[i].trim();
    if (line.startsWith('//')) continue;
    if (line.startsWith('}')) depth--;
    if (depth === 0 && line === '} catch (thrown) {') return i;
    if (line.endsWith('{')) depth++;
  }
  throw new Error(`internal error: no catch block at the try's own depth in ${JSON.stringify(code.slice(0, 3))}`);
}

/** The step's code with its marks (unchanged for a step that reports no state of its own). */
export function markStep(step: Step, code: readonly string[]): string[] {
  const key = keys.get(step);
  if (key === undefined) return [...code];
  const out = [`run.step(${literal(key)});`, ...code];
  if (step.kind === 'parallel') {
    // `last = yield* rt.parallel(run, steps, { <options> }, [` (steps.ts), after a quorum's comment
    // if it has one: the key goes first among the options.
    const line = out[1].startsWith('//') ? 2 : 1;
    const call = /^(last = yield\* rt\.parallel\(run, steps, \{)(.*)(\}, \[)$/.exec(out[line]);
    if (!call) throw new Error(`internal error: unexpected parallel call ${JSON.stringify(out[line])}`);
    const options = call[2].trim();
    out[line] = `${call[1]} step: ${literal(key)}${options ? `, ${options}` : ''} ${call[3]}`;
  }
  if (step.kind === 'try') {
    const at = ownCatch(out) + 1;
    out.splice(at, 0, `run.caught(${literal(key)});`);
  }
  return out;
}
