/**
 * DurableTask.Core's TaskOrchestrationContext as the out-of-proc shim drives it, plus the
 * external-event bookkeeping of the extension's DurableOrchestrationContext.
 *
 * - Task ids come from one counter, in the order the shim issues calls
 *   (TaskOrchestrationContext.cs: `int id = this.idCounter++` in ScheduleTaskInternal,
 *   CreateSubOrchestrationInstanceCore, CreateTimer).
 * - Every call is recorded in the actions map (a SortedDictionary: id order) until a history
 *   event confirms it; what is left after replay is the episode's new work.
 * - A history event at an id the replay did not schedule, or of another kind or name, fails the
 *   orchestration with NonDeterministicOrchestrationException (HandleTaskScheduledEvent,
 *   HandleTimerCreatedEvent, HandleSubOrchestrationCreatedEvent; messages as DurableTask.Core's).
 * - A cancelled timer leaves the open tasks at once but stays an action: its TimerCreated is
 *   recorded and it fires later (CreateTimer's cancellation callback).
 * - External events: waiters per name on a stack (the newest gets the event), events that arrive
 *   with no waiter buffered in a queue (DurableOrchestrationContext.WaitForExternalEvent/RaiseEvent).
 */
import { EventType, type HistoryEvent } from '../history';
import { DTask } from './tasks';

export type ScheduledAction =
  | { kind: 'activity'; id: number; name: string; input: unknown }
  | { kind: 'timer'; id: number; fireAt: string }
  /** `version`: the one the call passed (durable-functions' callSubOrchestrator `version`), if any. */
  | { kind: 'subOrchestration'; id: number; name: string; instanceId: string; input: unknown; version?: string };

/** The .NET type names DurableTask.Core prints in its nondeterminism messages. */
const ACTION_TYPE: Record<ScheduledAction['kind'], string> = {
  activity: 'ScheduleTaskOrchestratorAction',
  timer: 'CreateTimerOrchestratorAction',
  subOrchestration: 'CreateSubOrchestrationAction',
};

const CHANGED = 'Was a change made to the orchestrator code after this instance had already started running?';

export class NonDeterminismError extends Error {
  constructor(
    readonly eventId: number,
    details: string,
  ) {
    // NonDeterministicOrchestrationException(int eventId, string eventDetails)
    super(`Non-Deterministic workflow detected: ${details}`);
    this.name = 'NonDeterministicOrchestrationException';
  }
}

export class OrchestrationContext {
  /** The orchestration's clock: the timestamp of the OrchestratorStarted event replayed last. */
  now = new Date(0);
  private idCounter = 0;
  /** Calls not yet confirmed by history, by id (after replay: the episode's new work). */
  readonly actions = new Map<number, ScheduledAction>();
  private readonly openTasks = new Map<number, DTask>();
  private readonly waiters = new Map<string, DTask[]>();
  private readonly buffered = new Map<string, number>();
  /** Set by ContinueAsNew; events raised after it carry over to the next execution. */
  continueAsNew?: { input: unknown; carryover: HistoryEvent[] };

  constructor(readonly executionId: string) {}

  get hasOpenTasks(): boolean {
    return this.openTasks.size > 0;
  }

  private open(action: ScheduledAction): DTask {
    this.actions.set(action.id, action);
    const task = new DTask();
    this.openTasks.set(action.id, task);
    return task;
  }

  scheduleTask(name: string, input: unknown): DTask {
    return this.open({ kind: 'activity', id: this.idCounter++, name, input });
  }

  createSubOrchestration(name: string, instanceId: string | undefined, input: unknown, version?: string): DTask {
    const id = this.idCounter++;
    // CreateSubOrchestrationInstanceCore: no instance id given → "<executionId>:<taskId>".
    return this.open({ kind: 'subOrchestration', id, name, instanceId: instanceId?.trim() ? instanceId : `${this.executionId}:${id}`, input, ...(version ? { version } : {}) });
  }

  createTimer(fireAt: Date, canceled = false): DTask {
    const id = this.idCounter++;
    const task = this.open({ kind: 'timer', id, fireAt: fireAt.toISOString() });
    if (canceled && task.settle('canceled')) this.openTasks.delete(id);
    return task;
  }

  waitForExternalEvent(name: string): DTask {
    const task = new DTask();
    const stack = this.waiters.get(name) ?? [];
    stack.push(task);
    this.waiters.set(name, stack);
    const queued = this.buffered.get(name) ?? 0;
    if (queued > 0) {
      if (queued === 1) this.buffered.delete(name);
      else this.buffered.set(name, queued - 1);
      this.deliverEvent(name);
    }
    return task;
  }

  private deliverEvent(name: string): void {
    const stack = this.waiters.get(name);
    const task = stack?.pop();
    if (!task) {
      this.buffered.set(name, (this.buffered.get(name) ?? 0) + 1);
      return;
    }
    if (stack!.length === 0) this.waiters.delete(name);
    task.settle('succeeded');
  }

  /** Applies one history event (DurableTask.Core TaskOrchestrationExecutor.ProcessEvent and the Handle* methods). */
  handle(e: HistoryEvent): void {
    switch (e.EventType) {
      case EventType.TaskScheduled:
        return this.confirm(e, 'activity');
      case EventType.TimerCreated:
        return this.confirm(e, 'timer');
      case EventType.SubOrchestrationInstanceCreated:
        return this.confirm(e, 'subOrchestration');
      case EventType.TaskCompleted:
      case EventType.SubOrchestrationInstanceCompleted:
        return this.complete(e.TaskScheduledId as number, 'succeeded');
      case EventType.TaskFailed:
      case EventType.SubOrchestrationInstanceFailed:
        return this.complete(e.TaskScheduledId as number, 'failed');
      case EventType.TimerFired:
        return this.complete(e.TimerId as number, 'succeeded');
      case EventType.EventRaised:
        if (this.continueAsNew) this.continueAsNew.carryover.push(e);
        else this.deliverEvent(String(e.Name));
        return;
    }
  }

  private complete(id: number, status: 'succeeded' | 'failed'): void {
    const task = this.openTasks.get(id);
    // A completion for no open task (a cancelled timer firing, a duplicate) is logged and ignored.
    if (!task) return;
    this.openTasks.delete(id);
    task.settle(status);
  }

  private confirm(e: HistoryEvent, kind: ScheduledAction['kind']): void {
    const id = e.EventId;
    const action = this.actions.get(id);
    const name = String(e.Name ?? '');
    if (kind === 'activity') {
      if (!action) throw new NonDeterminismError(id, `A previous execution of this orchestration scheduled an activity task with sequence ID ${id} and name '${name}' (version ''), but the current replay execution hasn't (yet?) scheduled this task. ${CHANGED}`);
      if (action.kind !== 'activity') throw new NonDeterminismError(id, `A previous execution of this orchestration scheduled an activity task with sequence number ${id} named '${name}', but the current orchestration replay instead produced a ${ACTION_TYPE[action.kind]} action with this sequence number. ${CHANGED}`);
      if (action.name.toLowerCase() !== name.toLowerCase()) throw new NonDeterminismError(id, `A previous execution of this orchestration scheduled an activity task with sequence number ${id} named '${name}', but the current orchestration replay instead scheduled an activity task named '${action.name}' with this sequence number.  ${CHANGED}`);
    } else if (kind === 'timer') {
      if (!action) throw new NonDeterminismError(id, `A previous execution of this orchestration scheduled a timer task with sequence number ${id} but the current replay execution hasn't (yet?) scheduled this task. ${CHANGED}`);
      if (action.kind !== 'timer') throw new NonDeterminismError(id, `A previous execution of this orchestration scheduled a timer task with sequence number ${id} named but the current orchestration replay instead produced a ${ACTION_TYPE[action.kind]} action with this sequence number. ${CHANGED}`);
    } else {
      const what = `A previous execution of this orchestration scheduled a sub-orchestration task with sequence ID ${id} and name '${name}' (version '${String(e.Version ?? '')}', instance ID '${String(e.InstanceId ?? '')}'), but the current`;
      if (!action) throw new NonDeterminismError(id, `${what} replay execution hasn't (yet?) scheduled this task. ${CHANGED}`);
      if (action.kind !== 'subOrchestration') throw new NonDeterminismError(id, `${what} orchestration replay instead produced a ${ACTION_TYPE[action.kind]} action at this sequence number. ${CHANGED}`);
      if (action.name.toLowerCase() !== name.toLowerCase()) throw new NonDeterminismError(id, `${what} orchestration replay instead scheduled a sub-orchestration task with name ${action.name} at this sequence number. ${CHANGED}`);
    }
    this.actions.delete(id);
  }
}
