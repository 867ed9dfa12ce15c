/**
 * Waiting on tasks that were yielded before, without scheduling anything again.
 *
 * A task already yielded must never go into a new Task.any/Task.all: the Durable extension gives
 * every child of a new compound action a new task id and schedules it again (durable-js#574).
 * Yet a window must wake at whichever of its running tasks ends first. durable-functions 3.x
 * decides both things on the JavaScript side alone, which is what this module uses:
 *
 * - The executor (TaskOrchestrationExecutor.tryResumingUserCode) adds an action for a yielded task
 *   only when its `alreadyScheduled` is false, and resumes the orchestrator when the yielded task
 *   has a result. A `watch` is a task with `alreadyScheduled` set and no task id of its own: the
 *   executor issues no action for it and numbers nothing (trackOpenTask numbers only tasks whose
 *   id is `false`, and recurses only into CompoundTask children, so the tasks it watches are not
 *   tracked a second time: an event wait tracked twice would take two events).
 * - A task that gets its result tells its `parent` (TaskBase.propagate → handleCompletion). The
 *   watch makes itself the parent of the tasks it watches, so the first of them to end, however it
 *   ends, gives the watch its result (that task), as Task.any would.
 * - `link` does the same for a compound the window yields anyway (to start fresh tasks): the
 *   running tasks it links wake it too, though its action holds only the fresh ones.
 *
 * A task has one parent; the latest watch or link wins. The window only ever waits on its latest,
 * so earlier parents (compounds that have already ended) are not missed.
 */
import type * as df from 'durable-functions';

/** The parts of durable-functions' TaskBase/DFTask this module reads and sets. */
interface LibTask {
  parent?: unknown;
  isPlayed: boolean;
  readonly hasResult: boolean;
  alreadyScheduled: boolean;
  setValue(isError: boolean, value: unknown): void;
}

/**
 * durable-functions' own DFTask class: the executor resumes the orchestrator only for a yielded
 * `instanceof DFTask`. Not in the package's public types; required from the same copy the
 * library's executor uses (Node resolves both to one module).
 */
const { DFTask } = require('durable-functions/lib/src/task') as { DFTask: new (id: number | string | false, action: unknown) => LibTask };

/** No task id: history never names it (task ids are 0 and up, event keys are names). */
const NO_ID = -1;

class Watch extends DFTask {
  constructor(tasks: readonly df.Task[]) {
    super(NO_ID, undefined);
    // Nothing to schedule: the executor adds no action for an already-scheduled task.
    this.alreadyScheduled = true;
    for (const t of tasks) {
      if (!(t instanceof DFTask)) throw new Error('durable-flow: a task from another copy of durable-functions; the app must load one copy');
      t.parent = this;
    }
    // A task that ended already will not tell its parent: answer at once (the executor then resumes the orchestrator).
    const ended = tasks.find((t) => t.isCompleted || t.isFaulted);
    if (ended) this.setValue(false, ended);
  }

  /** Called by durable-functions when one of the watched tasks gets its result. */
  handleCompletion(child: LibTask): void {
    if (this.hasResult) return;
    this.isPlayed = child.isPlayed;
    this.setValue(false, child);
  }
}

/**
 * A task that ends when the first of `tasks` (all yielded before) ends, with that task as its
 * result, and that schedules nothing: yield it to wait on tasks a new Task.any may not hold.
 */
export function watch(tasks: readonly df.Task[]): df.Task {
  return new Watch(tasks) as unknown as df.Task;
}

/** Makes `tasks` (yielded before, still running) wake `compound` too, without entering its action. */
export function link(compound: df.Task, tasks: readonly df.Task[]): void {
  for (const t of tasks) (t as unknown as LibTask).parent = compound;
}

/** Whether durable-functions has scheduled a task already (it was yielded before, or is a watch). */
export function yielded(task: df.Task): boolean {
  return (task as unknown as LibTask).alreadyScheduled === true;
}

export function ended(task: df.Task): boolean {
  return task.isCompleted || task.isFaulted;
}
