/**
 * What the extension does after an episode: number the new actions (actions.ts), append the
 * history events that record them, and hand back the work to do. Pure: the host's store and
 * the test harness both apply the result.
 */
import { scheduleActions, type Action, type WorkItem } from './actions';
import type { OrchestratorState } from './episode';
import { history, type HistoryEvent } from './history';

/** Per-execution counters the extension keeps between episodes. */
export interface ExecutionCursor {
  nextId: number;
  seenActions: number;
}

export interface EpisodePlan {
  /** TaskScheduled, TimerCreated and SubOrchestrationInstanceCreated events, in id order. */
  events: HistoryEvent[];
  work: Array<Exclude<WorkItem, { kind: 'continueAsNew' | 'unsupported' }>>;
  cursor: ExecutionCursor;
  /** Set when the orchestration called continueAsNew and returned. */
  continueAsNew?: { input: unknown };
  unsupported: number[];
}

/**
 * The instance id of a sub-orchestration started without one. DurableTask.Core uses
 * `ExecutionId + ":" + taskId` (TaskOrchestrationContext.CreateSubOrchestrationInstanceCore);
 * pass the execution's id so children of successive continueAsNew executions do not collide.
 */
export function childInstanceId(executionId: string, taskId: number): string {
  return `${executionId}:${taskId}`;
}

/**
 * Plans what the extension records and does after an episode. `executionId` names the current
 * execution (defaults to the instance id) and only shapes generated child instance ids.
 */
export function planEpisode(state: OrchestratorState, cursor: ExecutionCursor, instanceId: string, at: Date, executionId: string = instanceId): EpisodePlan {
  const fresh: Action[] = state.actions.slice(cursor.seenActions);
  const { items, nextId } = scheduleActions(fresh, cursor.nextId);
  const plan: EpisodePlan = { events: [], work: [], cursor: { nextId, seenActions: state.actions.length }, unsupported: [] };
  for (const item of items) {
    switch (item.kind) {
      case 'activity':
        plan.events.push(history.taskScheduled(at, item.taskId, item.name, item.input));
        plan.work.push(item);
        break;
      case 'timer':
        plan.events.push(history.timerCreated(at, item.taskId, item.fireAt));
        plan.work.push(item);
        break;
      case 'subOrchestration': {
        const id = item.instanceId ?? childInstanceId(executionId, item.taskId);
        plan.events.push(history.subOrchestrationCreated(at, item.taskId, item.name, id, item.input));
        plan.work.push({ ...item, instanceId: id });
        break;
      }
      case 'continueAsNew':
        if (state.isDone) plan.continueAsNew = { input: item.input };
        break;
      case 'unsupported':
        plan.unsupported.push(item.actionType);
        break;
    }
  }
  return plan;
}
