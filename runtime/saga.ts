/**
 * Sagas: compensations registered as steps succeed, run newest first by `compensate: all`.
 *
 * Each `try` whose body registers compensations gets a Saga (generated code: `const saga12 =
 * new rt.Saga(saga4)`, the enclosing try's saga as its parent). A step that carries `compensate`
 * adds its undo when it succeeds to its innermost try's saga and to every saga around it, so a
 * `compensate: all` in an outer catch also undoes what nested trys did (unless their own catch
 * already compensated it: each undo runs at most once). Parallel branches and forEach items add
 * to the same saga as they finish, so "newest first" is the reverse of the order they succeeded.
 *
 * The undo is a closure over what it needs: the `activity`/`workflow` form's input is evaluated
 * when the step succeeds (generated code), a `steps` form keeps the step's output. Both live in
 * the orchestrator's memory: replay re-runs the steps in the same order, so the same undos are
 * registered with the same inputs again, and nothing needs to be stored in the history beyond
 * what the steps' own calls store. A `continueAsNew` starts with no saga (a try cannot span it).
 */
import type * as df from 'durable-functions';
import { toErrorInfo, WorkflowError, type ErrorInfo } from './errors';
import type { Json } from './values';
import type { Body } from './window';
import type { WorkflowRun } from './workflow';

/** An undo: the generated closure that runs a compensation. */
export type Undo = () => Body;

interface Entry {
  /** The compensated step: its id, or `<kind>@<line>`. */
  step: string;
  /** What undoes it, for people: `activity CancelFlight`, `steps`. */
  undo: string;
  run: Undo;
  /** Set as it starts: an undo runs at most once, whichever catch runs it. */
  done: boolean;
}

/** How one compensation ended: the `compensate` step's output lists these, newest registration first. */
export interface CompensationOutcome {
  step: string;
  undo: string;
  outcome: 'completed' | 'failed';
  /** A failed compensation's error. */
  error?: ErrorInfo;
}

export class Saga {
  private readonly entries: Entry[] = [];

  constructor(private readonly parent?: Saga) {}

  /** A step succeeded: its undo joins this saga and every saga around it. */
  add(step: string, undo: string, run: Undo): void {
    const entry: Entry = { step, undo, run, done: false };
    for (let s: Saga | undefined = this; s !== undefined; s = s.parent) s.entries.push(entry);
  }

  /** The undos not yet run, newest first. */
  pending(): Entry[] {
    return this.entries.filter((e) => !e.done).reverse();
  }
}

/** The error `onCompensationError: fail` ends with: each failed compensation in its message. */
export function compensationFailed(failed: readonly CompensationOutcome[]): WorkflowError {
  const each = failed.map((f) => `${f.step} (${f.undo}): ${f.error?.name ?? 'Error'}: ${f.error?.message ?? ''}`);
  return new WorkflowError('CompensationFailed', `${failed.length} compensation${failed.length === 1 ? '' : 's'} failed: ${each.join('; ')}`);
}

/**
 * A `compensate: all` step: runs the saga's pending undos one at a time, newest first. A failing
 * undo (after its own retries) is recorded and the rest still run; with `onError: 'fail'` the
 * step then fails with CompensationFailed. The output lists each undo and how it ended.
 */
export function* compensateAll(run: WorkflowRun, saga: Saga | undefined, onError: 'continue' | 'fail'): Body {
  const outcomes: CompensationOutcome[] = [];
  for (const entry of saga?.pending() ?? []) {
    entry.done = true;
    run.compensating(entry.step, entry.undo);
    try {
      yield* entry.run();
      outcomes.push({ step: entry.step, undo: entry.undo, outcome: 'completed' });
    } catch (thrown) {
      outcomes.push({ step: entry.step, undo: entry.undo, outcome: 'failed', error: toErrorInfo(thrown) });
    }
    run.compensated(outcomes[outcomes.length - 1]);
  }
  const failed = outcomes.filter((o) => o.outcome === 'failed');
  if (failed.length > 0 && onError === 'fail') throw compensationFailed(failed);
  return outcomes as unknown as Json;
}
