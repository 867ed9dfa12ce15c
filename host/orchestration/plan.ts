/**
 * What the extension records and does after an episode: for each call the replay issued that
 * history does not hold yet (extension/executor.ts), the history event that records it
 * (TaskScheduled, TimerCreated, SubOrchestrationInstanceCreated, with the replay's task id) and
 * the work to do. Cancelled timers are recorded and fire like any other (the extension creates
 * the timer, then cancels only its C# task). Pure: the host's engine and the test harness apply it.
 */
import type { ReplayOutcome, ScheduledAction } from './extension';
import { history, type HistoryEvent } from './history';

export type Work =
  | { kind: 'activity'; taskId: number; name: string; input: unknown }
  | { kind: 'timer'; taskId: number; fireAt: string }
  /** `version`: what the call passed, else host.json's defaultVersion (none when neither). */
  | { kind: 'subOrchestration'; taskId: number; name: string; instanceId: string; input: unknown; version?: string };

export interface EpisodePlan {
  /** History events for the new calls, in id order. */
  events: HistoryEvent[];
  work: Work[];
}

/**
 * `defaultVersion` (host.json) is the version of a sub-orchestration whose call passed none: the
 * extension hands it to DurableTask.Core as the call's version, which records it on the
 * SubOrchestrationInstanceCreated event and the child's ExecutionStarted.
 */
export function planEpisode(newActions: readonly ScheduledAction[], at: Date, defaultVersion?: string): EpisodePlan {
  const plan: EpisodePlan = { events: [], work: [] };
  for (const a of newActions) {
    switch (a.kind) {
      case 'activity':
        plan.events.push(history.taskScheduled(at, a.id, a.name, a.input));
        plan.work.push({ kind: 'activity', taskId: a.id, name: a.name, input: a.input });
        break;
      case 'timer':
        plan.events.push(history.timerCreated(at, a.id, a.fireAt));
        plan.work.push({ kind: 'timer', taskId: a.id, fireAt: a.fireAt });
        break;
      case 'subOrchestration': {
        const version = a.version || defaultVersion || undefined;
        plan.events.push(history.subOrchestrationCreated(at, a.id, a.name, a.instanceId, a.input, version));
        plan.work.push({ kind: 'subOrchestration', taskId: a.id, name: a.name, instanceId: a.instanceId, input: a.input, ...(version ? { version } : {}) });
        break;
      }
    }
  }
  return plan;
}

/**
 * Everything an episode adds to the execution's history, in order: its OrchestratorStarted and
 * messages (`fresh`), the events recording its new work, the execution's end when it ended, and
 * OrchestratorCompleted. (An execution that continues as new starts a new history instead.)
 */
export function episodeRecord(fresh: readonly HistoryEvent[], plan: EpisodePlan, outcome: ReplayOutcome, at: Date): HistoryEvent[] {
  const end =
    outcome.status === 'Completed' || outcome.status === 'Failed'
      ? [history.executionCompleted(at, outcome.status, outcome.status === 'Failed' ? outcome.reason : outcome.output)]
      : [];
  return [...fresh, ...plan.events, ...end, history.orchestratorCompleted(at)];
}
