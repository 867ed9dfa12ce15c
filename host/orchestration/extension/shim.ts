/**
 * The extension's OutOfProcOrchestrationShim for schema V2/V3 (OutOfProcOrchestrationShim.cs):
 * every episode it walks the orchestrator's whole cumulative action list from the start and
 * awaits each action in turn (ProcessAsyncActionsV2): action k+1 is issued only once action k has
 * completed — for a WhenAny/WhenAll, once the compound has. A failed action's exception is
 * swallowed; the loop goes on. Only after the last action does it look at the orchestrator's
 * error (→ "Orchestrator function '<name>' failed: <error>") or `isDone` (→ the output); an
 * orchestrator that is not done keeps the C# side waiting forever (HandleDurableTaskReplay).
 * The custom status is set first and may not exceed 16 KB of UTF-16 JSON
 * (DurableOrchestrationContext.SetCustomStatus, MessagePayloadDataConverter.Serialize).
 */
import { ActionType, decodeInput, type Action } from '../actions';
import type { OrchestratorState } from '../episode';
import type { OrchestrationContext } from './context';
import { withRetries } from './retry-interceptor';
import { DTask, whenAll, whenAny } from './tasks';

/** What the orchestrator function returned for this episode (durable-functions' OrchestratorState, as episode.ts reads it). */
export type JsResult = OrchestratorState;

/** Functions the app registered (the extension checks every call: ThrowIfFunctionDoesNotExist). */
export interface KnownFunctions {
  activities: readonly string[];
  orchestrators: readonly string[];
}

export type ShimOutcome = { kind: 'output'; output: unknown } | { kind: 'failed'; reason: string; details: string };

const MAX_CUSTOM_STATUS_KB = 16;

/** Failures the shim raises before or while replaying (they fail the orchestration, like a thrown C# exception). */
class ShimError extends Error {}

function customStatusError(customStatus: unknown): string | undefined {
  if (customStatus === undefined || customStatus === null) return undefined;
  const json = JSON.stringify(customStatus) ?? '';
  const kb = Math.floor((json.length * 2) / 1024);
  return kb > MAX_CUSTOM_STATUS_KB ? `The UTF-16 size of the JSON-serialized payload must not exceed ${MAX_CUSTOM_STATUS_KB} KB. The current payload size is ${kb.toLocaleString('en-US')} KB.` : undefined;
}

function unknownFunction(name: string, kind: 'activity' | 'orchestrator', known: readonly string[]): string {
  // DurableTaskExtension.GetInvalidActivityFunctionMessage / GetInvalidOrchestratorFunctionMessage
  const info = known.length > 0 ? `The following are the known ${kind} functions: '${known.join("', '")}'.` : `No ${kind} functions are currently registered!`;
  return `The function '${name}' doesn't exist, is disabled, or is not an ${kind} function. Additional info: ${info}`;
}

/**
 * Starts the shim for one episode (when ExecutionStarted is replayed). Returns a task that settles
 * with the outcome once the action loop has walked every action; `outcome()` reads it.
 */
export function startShim(
  context: OrchestrationContext,
  name: string,
  js: JsResult,
  known: KnownFunctions,
): { task: DTask; outcome: () => ShimOutcome | undefined; waitingFor: () => string[] } {
  let outcome: ShimOutcome | undefined;
  const task = new DTask();
  // What the awaited tasks stand for (an event wait, a compound's children), and the action the
  // loop awaits now: enough to tell which external events a waiting orchestration waits for.
  const parts = new WeakMap<DTask, { event?: string; children?: readonly DTask[] }>();
  let awaiting: DTask | undefined;
  const waitingFor = (): string[] => {
    const names = new Set<string>();
    const walk = (t: DTask | undefined): void => {
      if (!t || t.settled) return;
      const p = parts.get(t);
      if (p?.event !== undefined) names.add(p.event);
      p?.children?.forEach(walk);
    };
    walk(awaiting);
    return [...names];
  };
  const fail = (message: string, details = ''): void => {
    outcome = { kind: 'failed', reason: `Orchestrator function '${name}' failed: ${message}`, details };
    task.settle('failed');
  };
  const has = (list: readonly string[], fn: string): boolean => list.some((n) => n.toLowerCase() === fn.toLowerCase());

  const invoke = (a: Action): DTask => {
    switch (a.actionType) {
      case ActionType.CallActivity:
      case ActionType.CallActivityWithRetry: {
        const fn = a.functionName ?? '';
        if (!has(known.activities, fn)) throw new ShimError(unknownFunction(fn, 'activity', known.activities));
        const call = (): DTask => context.scheduleTask(fn, decodeInput(a.input));
        return a.actionType === ActionType.CallActivity ? call() : withRetries(context, a.retryOptions!, call);
      }
      case ActionType.CallSubOrchestrator:
      case ActionType.CallSubOrchestratorWithRetry: {
        const fn = a.functionName ?? '';
        if (!has(known.orchestrators, fn)) throw new ShimError(unknownFunction(fn, 'orchestrator', known.orchestrators));
        const call = (): DTask => context.createSubOrchestration(fn, a.instanceId || undefined, decodeInput(a.input), a.version || undefined);
        return a.actionType === ActionType.CallSubOrchestrator ? call() : withRetries(context, a.retryOptions!, call);
      }
      case ActionType.CreateTimer:
        return context.createTimer(new Date(a.fireAt as unknown as string), a.isCanceled === true);
      case ActionType.WaitForExternalEvent: {
        const wait = context.waitForExternalEvent(a.externalEventName ?? '');
        parts.set(wait, { event: a.externalEventName ?? '' });
        return wait;
      }
      case ActionType.ContinueAsNew:
        context.continueAsNew = { input: decodeInput(a.input), carryover: [] };
        return DTask.settled('succeeded');
      case ActionType.WhenAny:
      case ActionType.WhenAll: {
        const children = (a.compoundActions ?? []).map(invoke);
        const compound = a.actionType === ActionType.WhenAny ? whenAny(children) : whenAll(children);
        parts.set(compound, { children });
        return compound;
      }
      default:
        throw new ShimError(`the embedded host does not support action type ${a.actionType} (entities and callHttp run only on Azure)`);
    }
  };

  const tooBig = customStatusError(js.customStatus);
  if (tooBig) {
    fail(tooBig);
    return { task, outcome: () => outcome, waitingFor };
  }
  let next = 0;
  const step = (): void => {
    try {
      while (next < js.actions.length) {
        const t = invoke(js.actions[next++]);
        if (!t.settled) {
          awaiting = t;
          t.then(step);
          return;
        }
      }
    } catch (e) {
      if (!(e instanceof ShimError)) throw e;
      return fail(e.message);
    }
    if (js.error !== undefined) return fail(js.error, `Message: ${js.error}, StackTrace: ${js.errorStack ?? ''}`);
    if (js.isDone) {
      outcome = { kind: 'output', output: js.output };
      task.settle('succeeded');
    }
    // Not done: the C# side waits forever; a later episode replays it further.
  };
  step();
  return { task, outcome: () => outcome, waitingFor };
}
