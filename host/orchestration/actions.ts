/**
 * The actions an out-of-process orchestrator returns, and how the Durable extension turns the
 * NEW ones into history and work. With schema V2+ the library returns the cumulative list of
 * every action of the execution; the extension keeps how many it has seen and processes only
 * those beyond. Every action that schedules something takes the next sequence number as its
 * task id, and every child of a compound (WhenAny/WhenAll) counts as its own new action — even
 * when the orchestrator code re-used an already-scheduled task. That is the compound-action
 * trap (durable-js#574); this module reproduces it on purpose, so code that would misbehave on
 * Azure misbehaves here too.
 */

export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  WhenAny: 11,
  WhenAll: 12,
} as const;

export interface Action {
  actionType: number;
  functionName?: string;
  input?: unknown;
  instanceId?: string;
  fireAt?: string;
  isCanceled?: boolean;
  externalEventName?: string;
  retryOptions?: {
    firstRetryIntervalInMilliseconds: number;
    maxNumberOfAttempts: number;
    backoffCoefficient?: number;
    maxRetryIntervalInMilliseconds?: number;
    retryTimeoutInMilliseconds?: number;
  };
  compoundActions?: Action[];
}

/** Work the host must do because of new actions, each with the task id the extension gave it. */
export type WorkItem =
  | { kind: 'activity'; taskId: number; name: string; input: unknown; retry?: Action['retryOptions'] }
  | { kind: 'subOrchestration'; taskId: number; name: string; instanceId?: string; input: unknown }
  | { kind: 'timer'; taskId: number; fireAt: string; canceled: boolean }
  | { kind: 'continueAsNew'; input: unknown }
  | { kind: 'unsupported'; actionType: number };

/** The library JSON-encodes string inputs only (Utils.processInput); decode them back. */
export function decodeInput(input: unknown): unknown {
  if (typeof input !== 'string') return input;
  try {
    return JSON.parse(input);
  } catch {
    return input;
  }
}

/**
 * Numbers the new actions as the extension does: depth-first, compound children in order,
 * external-event waits taking no id. Returns the work items in that order.
 */
export function scheduleActions(newActions: readonly Action[], firstId: number): { items: WorkItem[]; nextId: number } {
  const items: WorkItem[] = [];
  let id = firstId;
  const visit = (a: Action): void => {
    switch (a.actionType) {
      case ActionType.WhenAny:
      case ActionType.WhenAll:
        for (const c of a.compoundActions ?? []) visit(c);
        return;
      case ActionType.CallActivity:
      case ActionType.CallActivityWithRetry:
        items.push({ kind: 'activity', taskId: id++, name: a.functionName!, input: decodeInput(a.input), retry: a.retryOptions });
        return;
      case ActionType.CallSubOrchestrator:
      case ActionType.CallSubOrchestratorWithRetry:
        items.push({ kind: 'subOrchestration', taskId: id++, name: a.functionName!, instanceId: a.instanceId || undefined, input: decodeInput(a.input) });
        return;
      case ActionType.CreateTimer:
        // The library hands fireAt over as a Date (JSON on the wire): normalise to ISO text.
        items.push({ kind: 'timer', taskId: id++, fireAt: new Date(a.fireAt as unknown as string).toISOString(), canceled: a.isCanceled === true });
        return;
      case ActionType.WaitForExternalEvent:
        return;
      case ActionType.ContinueAsNew:
        items.push({ kind: 'continueAsNew', input: decodeInput(a.input) });
        return;
      default:
        items.push({ kind: 'unsupported', actionType: a.actionType });
        id++;
    }
  };
  for (const a of newActions) visit(a);
  return { items, nextId: id };
}
