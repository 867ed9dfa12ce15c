/**
 * Abandoned work and its late outcomes.
 *
 * A step's `timeout`, a quorum that is decided (`succeedWhen`) or a failing branch abandons work
 * that is still running: Durable Functions cannot cancel an activity or a child workflow. The
 * workflow moves on at once and never reads that work's result. This module
 *
 * - cancels the abandoned timers (a pending timer would keep the instance Running on Azure until
 *   it fires: DurableTask.Core completes an orchestration only when no task is open), and
 * - keeps the abandoned activities and child workflows, and records how each ends ("finished
 *   after its timeout: Completed / Failed: <error>") in the instance's custom status (`late`),
 *   which the status pages show. The workflow's outcome never depends on them.
 *
 * Why the orchestrator waits for them before it returns (`settleLate`): the Durable extension
 * does not complete an orchestration while an activity or child it started is still open
 * (TaskOrchestrationExecutor `HasOpenTasks`), so the instance stays Running until they end
 * anyway; but once the JavaScript orchestrator has returned, durable-functions stops reading the
 * history at that point, so a completion that arrives later would never reach workflow code. The
 * wait is a `watch` (watch.ts): no action, nothing scheduled, deterministic on replay. Event waits
 * are not waited for (the extension does not hold an instance open for them).
 */
import type * as df from 'durable-functions';
import { toErrorInfo, wireText } from './errors';
import { cancel } from './timers';
import { ended, watch } from './watch';
import type { WorkflowRun } from './workflow';

/** Why work was abandoned, as the status pages say it. */
export type AbandonedBy = 'timeout' | 'quorum' | 'failure';

/** One abandoned activity or child workflow, as the custom status (`late`) carries it. */
export interface LateOutcome {
  /** `activity 'Charge'` or `workflow 'child'`. */
  what: string;
  by: AbandonedBy;
  /** When it was abandoned (orchestration time, ISO). */
  abandonedAt: string;
  /** Absent while it still runs; then how it ended. */
  outcome?: 'Completed' | 'Failed';
  /** For `Failed`: the error as `<name>: <message>` (errors.ts wire text). */
  error?: string;
}

/** The parts of durable-functions' tasks read here (not in its public types). */
interface LibTask {
  children?: LibTask[];
  actionObj?: { actionType?: number; functionName?: string };
  cancel?: () => void;
  isCanceled?: boolean;
  /** Set once the task was yielded to durable-functions, which then records its action. */
  alreadyScheduled?: boolean;
}

/** durable-functions' ActionType numbers. */
const CALL_ACTIVITY = 0;
const CALL_SUB_ORCHESTRATOR = 2;
const CREATE_TIMER = 5;

/**
 * What a wait the window yields stands for: the tasks of every body in flight, which a watch or a
 * compound that only links them does not hold as children. Read when abandoning it.
 */
const members = new WeakMap<object, () => readonly df.Task[]>();

/** Records that waiting on `wait` is waiting on `tasks()` (runtime/window.ts). */
export function standsFor(wait: df.Task, tasks: () => readonly df.Task[]): void {
  members.set(wait, tasks);
}

interface Tracked {
  task: df.Task;
  record: LateOutcome;
}

/** The abandoned work of one execution (kept on its WorkflowRun). */
export class LateWork {
  private readonly tracked: Tracked[] = [];
  private readonly seen = new WeakSet<object>();

  get records(): readonly LateOutcome[] {
    return this.tracked.map((t) => t.record);
  }

  /**
   * Abandons what `task` waits on: its timers are cancelled, its activities and child workflows
   * still running are kept for `settleLate`; event waits are left alone.
   */
  abandon(run: WorkflowRun, task: df.Task | undefined, by: AbandonedBy): void {
    const visit = (t: df.Task | undefined): void => {
      if (!t || this.seen.has(t)) return;
      this.seen.add(t);
      const lib = t as unknown as LibTask;
      const stands = members.get(t);
      if (stands) for (const m of stands()) visit(m);
      const type = lib.actionObj?.actionType;
      if (type === CREATE_TIMER && typeof lib.cancel === 'function') {
        cancel(run.context, t as df.TimerTask);
        return;
      }
      if (lib.children) {
        for (const c of lib.children) visit(c as unknown as df.Task);
        return;
      }
      // A call never yielded (a branch failed in the pass that created it) was never scheduled:
      // it will not run, and waiting for its outcome would keep the instance Running forever.
      if ((type === CALL_ACTIVITY || type === CALL_SUB_ORCHESTRATOR) && !ended(t) && lib.alreadyScheduled === true) {
        const kind = type === CALL_ACTIVITY ? 'activity' : 'workflow';
        this.tracked.push({ task: t, record: { what: `${kind} '${lib.actionObj?.functionName ?? '?'}'`, by, abandonedAt: run.now() } });
      }
    };
    visit(task);
  }

  /** Records the outcome of every tracked task that has ended; true when one changed. */
  harvest(): boolean {
    let changed = false;
    for (const t of this.tracked) {
      if (t.record.outcome || !ended(t.task)) continue;
      if (t.task.isFaulted) {
        t.record.outcome = 'Failed';
        t.record.error = wireText(toErrorInfo(t.task.result));
      } else {
        t.record.outcome = 'Completed';
      }
      changed = true;
    }
    return changed;
  }

  open(): df.Task[] {
    return this.tracked.filter((t) => !ended(t.task)).map((t) => t.task);
  }
}

/**
 * Before the orchestrator returns (or fails): waits for the abandoned activities and child
 * workflows still running, recording how each ends. Schedules nothing (see the file comment).
 */
export function* settleLate(run: WorkflowRun): Generator<df.Task, void, unknown> {
  run.publishLate();
  for (let open = run.late.open(); open.length > 0; open = run.late.open()) {
    try {
      yield watch(open);
    } catch {
      // A watch ends with the task that ended; it does not fail.
    }
    run.publishLate();
  }
}
