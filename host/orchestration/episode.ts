/**
 * One orchestration episode: hand the history to the real durable-functions orchestrator
 * handler (a fresh invocation context every time, as the Functions host does), and read back
 * its state: done or not, output or error, custom status, and the cumulative action list.
 */
import { InvocationContext } from '@azure/functions';
import type { Action } from './actions';
import { roundTripDates } from './extension/newtonsoft-dates';
import type { HistoryEvent } from './history';

export interface OrchestratorState {
  isDone: boolean;
  /** Cumulative actions of this execution, flattened from the schema-V2 `[[...]]` form. */
  actions: Action[];
  output?: unknown;
  error?: string;
  /** The stack of the error the orchestrator threw (the failure's details). */
  errorStack?: string;
  customStatus?: unknown;
}

export type OrchestratorHandler = (trigger: unknown, context: InvocationContext) => unknown;

const OUT_OF_PROC_LABEL = '$OutOfProcData$:';

export interface EpisodeRequest {
  name: string;
  instanceId: string;
  input: unknown;
  history: readonly HistoryEvent[];
  /** Recorded events, placed before `history`, as history.ts orchestratorEvent keeps them (handed over as they are). */
  played?: readonly HistoryEvent[];
  parentInstanceId?: string;
}

export async function runEpisode(handler: OrchestratorHandler, req: EpisodeRequest): Promise<OrchestratorState> {
  const payload = {
    input: req.input ?? null,
    instanceId: req.instanceId,
    isReplaying: (req.played?.length ?? 0) > 0 || req.history.some((e) => e.IsPlayed),
    parentInstanceId: req.parentInstanceId ?? null,
    upperSchemaVersion: 1,
    upperSchemaVersionNew: 3,
    longRunningTimerIntervalDuration: '3.00:00:00',
    maximumShortTimerDuration: '6.00:00:00',
    defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
  };
  // The library converts Timestamp strings to Dates in place: this episode's events go in as
  // copies; recorded events already hold Dates and are handed over as they are (no parsing).
  const trigger = { ...payload, history: [...(req.played ?? []), ...req.history.map((e) => ({ ...e }))] };
  const context = new InvocationContext({ functionName: req.name, invocationId: `${req.instanceId}:${trigger.history.length}` });
  let raw: unknown;
  let errorStack: string | undefined;
  try {
    raw = await handler(trigger, context);
  } catch (e) {
    // An unhandled orchestrator error arrives as a throw carrying the state after a label.
    const message = e instanceof Error ? e.message : String(e);
    const at = message.indexOf(OUT_OF_PROC_LABEL);
    if (at < 0) throw e;
    // The extension reads this text with JObject.Parse (TaskOrchestrationShim.ParseOOProcResult),
    // Newtonsoft's default date handling included: date-like strings in the custom status and in
    // the calls' inputs come out as Newtonsoft writes dates (a returned state arrives parsed by
    // the Functions host with DateParseHandling.None, untouched).
    raw = readAsTheExtensionDoes(JSON.parse(message.slice(at + OUT_OF_PROC_LABEL.length)));
    errorStack = e instanceof Error ? e.stack?.slice(e.stack.indexOf('\n    at ') + 1) : undefined;
  }
  const state = raw as { isDone: boolean; actions: unknown[]; output?: unknown; error?: string; customStatus?: unknown };
  const actions = (Array.isArray(state.actions?.[0]) ? (state.actions as Action[][]).flat() : (state.actions as Action[])) ?? [];
  return { isDone: state.isDone, actions, output: state.output, error: state.error, errorStack, customStatus: state.customStatus };
}

/** A failed episode's state after the extension's JObject.Parse: the payloads it stores, with dates rewritten. */
function readAsTheExtensionDoes(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object') return raw;
  const state = raw as { actions?: unknown; customStatus?: unknown };
  const action = (a: unknown): unknown => {
    if (Array.isArray(a)) return a.map(action);
    if (a === null || typeof a !== 'object') return a;
    const copy = { ...(a as Record<string, unknown>) };
    if ('input' in copy) copy.input = roundTripDates(copy.input);
    if (Array.isArray(copy.compoundActions)) copy.compoundActions = copy.compoundActions.map(action);
    return copy;
  };
  return {
    ...state,
    ...(state.customStatus !== undefined ? { customStatus: roundTripDates(state.customStatus) } : {}),
    ...(Array.isArray(state.actions) ? { actions: state.actions.map(action) } : {}),
  };
}
