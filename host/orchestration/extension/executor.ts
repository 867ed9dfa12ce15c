/**
 * DurableTask.Core's TaskOrchestrationExecutor for one episode (TaskOrchestrationExecutor.cs,
 * ExecuteCore/ProcessEvent): replays the execution's whole history, past events then this
 * episode's, event by event, with the orchestration's clock set by each OrchestratorStarted; the
 * shim starts when ExecutionStarted is replayed and issues calls as the events let it. Then:
 *
 * - calls the history has not confirmed are the episode's new work (id order);
 * - the orchestration completes (or fails, or continues as new) only when the shim has finished
 *   AND no task is open (`if (!this.context.HasOpenTasks)`): an orchestrator that returned while
 *   activities or timers are still pending stays Running until they end (durabletask#415);
 * - a NonDeterministicOrchestrationException fails it at once (`catch (NonDeterministic...)`).
 */
import { EventType, type HistoryEvent } from '../history';
import { NonDeterminismError, OrchestrationContext, type ScheduledAction } from './context';
import { startShim, type JsResult, type KnownFunctions } from './shim';

export interface ReplayRequest {
  /** The orchestrator function's name. */
  name: string;
  executionId: string;
  /** The execution's history in order: everything recorded, then this episode's new events. */
  history: readonly HistoryEvent[];
  js: JsResult;
  known: KnownFunctions;
}

export type ReplayOutcome =
  | { status: 'Running' }
  | { status: 'Completed'; output: unknown }
  | { status: 'Failed'; reason: string; details: string }
  | { status: 'ContinuedAsNew'; input: unknown; carryover: HistoryEvent[] };

export interface ReplayResult {
  /** Calls this episode issued that history does not hold yet: the new work, in id order. */
  newActions: ScheduledAction[];
  outcome: ReplayOutcome;
  /** While Running: the external events the action the shim awaits now is waiting for (none when it awaits other work). */
  waitingFor?: string[];
}

export function replayEpisode(req: ReplayRequest): ReplayResult {
  const context = new OrchestrationContext(req.executionId);
  let shim: ReturnType<typeof startShim> | undefined;
  try {
    for (const e of req.history) {
      if (e.EventType === EventType.OrchestratorStarted) context.now = new Date(e.Timestamp);
      else if (e.EventType === EventType.ExecutionStarted) shim ??= startShim(context, req.name, req.js, req.known);
      else context.handle(e);
    }
  } catch (e) {
    if (!(e instanceof NonDeterminismError)) throw e;
    return { newActions: [], outcome: { status: 'Failed', reason: e.message, details: `${e.name}: ${e.message}` } };
  }
  const newActions = [...context.actions.values()].sort((a, b) => a.id - b.id);
  if (!shim || !shim.task.settled || context.hasOpenTasks) return { newActions, outcome: { status: 'Running' }, waitingFor: shim?.waitingFor() ?? [] };
  const o = shim.outcome()!;
  if (o.kind === 'failed') return { newActions, outcome: { status: 'Failed', reason: o.reason, details: o.details } };
  if (context.continueAsNew) return { newActions, outcome: { status: 'ContinuedAsNew', input: context.continueAsNew.input, carryover: context.continueAsNew.carryover } };
  return { newActions, outcome: { status: 'Completed', output: o.output } };
}
