/**
 * The .NET tasks the extension's C# code awaits, reduced to what replay needs: whether a task is
 * still pending, and what to run once it settles. DurableTask.Core runs orchestrator code on a
 * synchronous task scheduler (SynchronousTaskScheduler.cs: QueueTask runs the task at once), so a
 * continuation runs inline, inside whatever settled the task; this model does the same.
 */

export type TaskStatus = 'pending' | 'succeeded' | 'failed' | 'canceled';

export class DTask {
  status: TaskStatus = 'pending';
  private continuations: Array<() => void> = [];

  get settled(): boolean {
    return this.status !== 'pending';
  }

  /** Settles the task (once) and runs its continuations inline, in the order they were added. */
  settle(status: Exclude<TaskStatus, 'pending'>): boolean {
    if (this.settled) return false;
    this.status = status;
    const run = this.continuations;
    this.continuations = [];
    for (const c of run) c();
    return true;
  }

  /** Runs `c` when the task settles (at once if it has). */
  then(c: () => void): void {
    if (this.settled) c();
    else this.continuations.push(c);
  }

  static settled(status: Exclude<TaskStatus, 'pending'>): DTask {
    const t = new DTask();
    t.status = status;
    return t;
  }
}

/** Task.WhenAny: settles (successfully) as soon as one child settles, whichever way. */
export function whenAny(children: readonly DTask[]): DTask {
  const any = new DTask();
  for (const c of children) c.then(() => any.settle('succeeded'));
  return any;
}

/** Task.WhenAll: settles once every child has; failed when one failed, else canceled when one was. */
export function whenAll(children: readonly DTask[]): DTask {
  const all = new DTask();
  let left = children.length;
  const done = (): void => {
    if (--left > 0) return;
    all.settle(children.some((c) => c.status === 'failed') ? 'failed' : children.some((c) => c.status === 'canceled') ? 'canceled' : 'succeeded');
  };
  if (left === 0) all.settle('succeeded');
  for (const c of children) c.then(done);
  return all;
}
