/**
 * Durable Task history events, in the shape the Durable extension hands to out-of-process
 * orchestrators (PascalCase fields, numeric EventType). Only the fields the JS library reads.
 */

export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventSent: 14,
  EventRaised: 15,
  ContinueAsNew: 16,
} as const;

/** Structured failure details, as current Durable extensions send them. */
export interface FailureDetails {
  ErrorType: string;
  ErrorMessage: string;
  StackTrace?: string;
}

export interface HistoryEvent {
  EventType: number;
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string;
  [field: string]: unknown;
}

/** JSON text for a value, as the extension stores results and inputs ("null" for undefined). */
export function json(value: unknown): string {
  return value === undefined ? 'null' : JSON.stringify(value);
}

const ev = (type: number, at: Date, fields: Record<string, unknown> = {}, eventId = -1): HistoryEvent => ({
  EventType: type,
  EventId: eventId,
  IsPlayed: false,
  Timestamp: at.toISOString(),
  ...fields,
});

export const history = {
  orchestratorStarted: (at: Date) => ev(EventType.OrchestratorStarted, at),
  orchestratorCompleted: (at: Date) => ev(EventType.OrchestratorCompleted, at),
  /**
   * An execution's start. `Version` is the orchestration version (durable-functions reads it as
   * `context.df.version`); the extension writes an empty one when there is none, the host leaves
   * the field out (durable-functions reads both as no version).
   */
  executionStarted: (at: Date, name: string, input: unknown, version?: string) =>
    ev(EventType.ExecutionStarted, at, { Name: name, Input: json(input), ...(version ? { Version: version } : {}) }),
  taskScheduled: (at: Date, id: number, name: string, input: unknown) => ev(EventType.TaskScheduled, at, { Name: name, Input: json(input) }, id),
  taskCompleted: (at: Date, scheduledId: number, result: unknown) => ev(EventType.TaskCompleted, at, { TaskScheduledId: scheduledId, Result: json(result) }),
  taskFailed: (at: Date, scheduledId: number, reason: string, details: string, failure?: FailureDetails) =>
    ev(EventType.TaskFailed, at, { TaskScheduledId: scheduledId, Reason: reason, Details: details, ...(failure ? { FailureDetails: failure } : {}) }),
  timerCreated: (at: Date, id: number, fireAt: string) => ev(EventType.TimerCreated, at, { FireAt: fireAt }, id),
  timerFired: (at: Date, timerId: number, fireAt: string) => ev(EventType.TimerFired, at, { TimerId: timerId, FireAt: fireAt }),
  eventRaised: (at: Date, name: string, input: unknown) => ev(EventType.EventRaised, at, { Name: name, Input: json(input) }),
  subOrchestrationCreated: (at: Date, id: number, name: string, instanceId: string, input: unknown, version?: string) =>
    ev(EventType.SubOrchestrationInstanceCreated, at, { Name: name, InstanceId: instanceId, Input: json(input), ...(version ? { Version: version } : {}) }, id),
  subOrchestrationCompleted: (at: Date, scheduledId: number, result: unknown) =>
    ev(EventType.SubOrchestrationInstanceCompleted, at, { TaskScheduledId: scheduledId, Result: json(result) }),
  subOrchestrationFailed: (at: Date, scheduledId: number, reason: string, details: string, failure?: FailureDetails) =>
    ev(EventType.SubOrchestrationInstanceFailed, at, { TaskScheduledId: scheduledId, Reason: reason, Details: details, ...(failure ? { FailureDetails: failure } : {}) }),
  /** The end of an execution (OrchestrationStatus: 1 Completed, 3 Failed, 4 ContinuedAsNew in DurableTask.Core). */
  executionCompleted: (at: Date, status: 'Completed' | 'Failed' | 'ContinuedAsNew' | 'Terminated', result: unknown) =>
    ev(EventType.ExecutionCompleted, at, { OrchestrationStatus: status, Result: json(result) }),
  /** Terminate's message (TaskHubClient.TerminateInstanceAsync sends an ExecutionTerminatedEvent). */
  executionTerminated: (at: Date, reason: string) => ev(EventType.ExecutionTerminated, at, { Input: reason }),
};

/**
 * The events durable-functions reads when it replays: the rest (TaskScheduled, TimerCreated,
 * SubOrchestrationInstanceCreated, OrchestratorCompleted, ExecutionCompleted) it skips
 * (TaskOrchestrationExecutor.processEvent handles only these; the context looks up only
 * OrchestratorStarted and ExecutionStarted). The host hands the orchestrator only these, which
 * halves what it parses and walks per episode; the extension's replay sees every event.
 */
const READ_BY_ORCHESTRATOR: ReadonlySet<number> = new Set([
  EventType.OrchestratorStarted,
  EventType.ExecutionStarted,
  EventType.TaskCompleted,
  EventType.TaskFailed,
  EventType.SubOrchestrationInstanceCompleted,
  EventType.SubOrchestrationInstanceFailed,
  EventType.TimerFired,
  EventType.EventRaised,
  EventType.EventSent,
  EventType.ContinueAsNew,
]);

export function readByOrchestrator(e: { EventType: number }): boolean {
  return READ_BY_ORCHESTRATOR.has(e.EventType);
}

/**
 * A recorded event as the host hands it to the orchestrator again, episode after episode: played,
 * and with its Timestamp already a Date. durable-functions converts Timestamp strings to Dates in
 * place and otherwise only reads events (Utils.parseTimestampsAsDates, TaskOrchestrationExecutor),
 * so such an event can be handed over as it is in every later episode: no copy, no parsing.
 */
export function orchestratorEvent(e: HistoryEvent): HistoryEvent {
  return { ...e, IsPlayed: true, Timestamp: new Date(e.Timestamp) as unknown as string };
}

/**
 * The fields of an event the extension's replay reads (type, ids, name, time): what the host
 * keeps of recorded history besides its JSON text.
 */
export function routing(e: HistoryEvent): HistoryEvent {
  const r: HistoryEvent = { EventType: e.EventType, EventId: e.EventId, IsPlayed: true, Timestamp: e.Timestamp };
  if (e.TaskScheduledId !== undefined) r.TaskScheduledId = e.TaskScheduledId;
  if (e.TimerId !== undefined) r.TimerId = e.TimerId;
  if (e.Name !== undefined) r.Name = e.Name;
  if (e.InstanceId !== undefined) r.InstanceId = e.InstanceId;
  if (e.Version !== undefined) r.Version = e.Version;
  return r;
}

/**
 * Marks everything already recorded as played, as the extension does before handing the history
 * to the orchestrator again: only the events of the current episode arrive with IsPlayed false.
 */
export function markPlayed(events: HistoryEvent[]): void {
  for (const e of events) e.IsPlayed = true;
}

/** The events of one new episode: OrchestratorStarted (its timestamp is the orchestration's clock) then the messages. */
export function episodeEvents(at: Date, messages: readonly HistoryEvent[]): HistoryEvent[] {
  return [history.orchestratorStarted(at), ...messages];
}
