/**
 * The replay check: re-runs a recorded history through the app loaded now, episode by episode,
 * with the host's own episode runner (the orchestrator through durable-functions, then the
 * extension model's replay: host/executor/episode-runner.ts), and compares what each episode
 * does with what the history recorded it doing. The first difference is where a deployed change
 * would break instances already running (on Azure: a NonDeterministicOrchestrationException, or
 * an instance that silently does something else).
 */
import type { CoreApi } from '../host/functions/core-api';
import { knownFunctions, runEpisodeInline } from '../host/executor/episode-runner';
import type { ReplayOutcome } from '../host/orchestration/extension';
import { EventType, orchestratorEvent, readByOrchestrator, routing, type HistoryEvent } from '../host/orchestration/history';
import { planEpisode } from '../host/orchestration/plan';

/** An instance's history with what replaying it needs: save it as JSON, check it after a change. */
export interface Recording {
  /** The orchestrator (workflow) name. */
  workflow: string;
  instanceId: string;
  /** The execution id (child workflows without an explicit id are named after it). */
  executionId: string;
  parentInstanceId?: string;
  history: HistoryEvent[];
}

/** What an episode did, as the history records it. */
export type ReplayStep =
  | { type: 'activity'; id: number; name: string; input: unknown }
  | { type: 'timer'; id: number; fireAt: string }
  | { type: 'workflow'; id: number; name: string; instanceId: string; input: unknown }
  | { type: 'completed'; output: unknown }
  | { type: 'failed'; error: string }
  | { type: 'continuedAsNew'; input: unknown };

export type ReplayCheckResult =
  | { ok: true; instances: number; episodes: number }
  | {
      ok: false;
      /** The instance whose replay diverged (the run, or one of its child workflows). */
      instanceId: string;
      workflow: string;
      /** 0-based: episode 0 is the start; each later one began with an OrchestratorStarted event. */
      episode: number;
      /** What the history recorded that episode doing. */
      expected: ReplayStep[];
      /** What the current code does instead. */
      actual: ReplayStep[];
      message: string;
    };

/** Events an episode delivers (the rest of an episode is what it decided). */
const DELIVERED: ReadonlySet<number> = new Set([
  EventType.ExecutionStarted,
  EventType.ExecutionTerminated,
  EventType.TaskCompleted,
  EventType.TaskFailed,
  EventType.TimerFired,
  EventType.EventRaised,
  EventType.SubOrchestrationInstanceCompleted,
  EventType.SubOrchestrationInstanceFailed,
]);

const parse = (text: unknown): unknown => {
  if (typeof text !== 'string') return text ?? null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

function recordedStep(e: HistoryEvent): ReplayStep | undefined {
  switch (e.EventType) {
    case EventType.TaskScheduled:
      return { type: 'activity', id: e.EventId, name: String(e.Name), input: parse(e.Input) };
    case EventType.TimerCreated:
      return { type: 'timer', id: e.EventId, fireAt: String(e.FireAt) };
    case EventType.SubOrchestrationInstanceCreated:
      return { type: 'workflow', id: e.EventId, name: String(e.Name), instanceId: String(e.InstanceId), input: parse(e.Input) };
    case EventType.ExecutionCompleted:
      return e.OrchestrationStatus === 'Failed' ? { type: 'failed', error: String(parse(e.Result)) } : { type: 'completed', output: parse(e.Result) };
    default:
      return undefined;
  }
}

function outcomeStep(o: ReplayOutcome): ReplayStep[] {
  if (o.status === 'Completed') return [{ type: 'completed', output: o.output ?? null }];
  if (o.status === 'Failed') return [{ type: 'failed', error: o.reason }];
  if (o.status === 'ContinuedAsNew') return [{ type: 'continuedAsNew', input: o.input }];
  return [];
}

/**
 * What replay compares of a step. A timer by its task number only, as DurableTask.Core does
 * (TaskOrchestrationContext.HandleTimerCreatedEvent): the timer the history created fires at the
 * time it recorded, whatever time the current code asks for.
 */
function comparable(s: ReplayStep): ReplayStep | { type: 'timer'; id: number } {
  return s.type === 'timer' ? { type: 'timer', id: s.id } : s;
}

/** JSON with sorted keys: two values are the same when their texts are. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  );
}

export function describeStep(s: ReplayStep): string {
  switch (s.type) {
    case 'activity':
      return `activity ${s.name}(${JSON.stringify(s.input)}) as task ${s.id}`;
    case 'timer':
      return `timer due ${s.fireAt} as task ${s.id}`;
    case 'workflow':
      return `workflow ${s.name}(${JSON.stringify(s.input)}) as task ${s.id}, instance '${s.instanceId}'`;
    case 'completed':
      return `completes with ${JSON.stringify(s.output)}`;
    case 'failed':
      return `fails: ${s.error}`;
    case 'continuedAsNew':
      return `continues as new with ${JSON.stringify(s.input)}`;
  }
}

const list = (steps: ReplayStep[]): string => (steps.length === 0 ? 'nothing new (waits)' : steps.map(describeStep).join('; '));

function delivered(events: HistoryEvent[]): string {
  const names = events.filter((e) => e.EventType !== EventType.OrchestratorStarted).map((e) => {
    const type = Object.entries(EventType).find(([, v]) => v === e.EventType)?.[0] ?? String(e.EventType);
    const id = e.TaskScheduledId ?? e.TimerId;
    return id !== undefined ? `${type} of task ${String(id)}` : e.Name !== undefined ? `${type} ${String(e.Name)}` : type;
  });
  return names.join(', ');
}

/** Checks one instance's recording; `episodes` counts the episodes replayed. */
export async function replayRecording(api: CoreApi, rec: Recording): Promise<ReplayCheckResult> {
  const registration = api.registrations.get(rec.workflow);
  if (!registration || registration.trigger.type !== 'orchestrationTrigger') throw new Error(`replayCheck: the app has no workflow named '${rec.workflow}'`);
  const known = knownFunctions(api);
  const events = rec.history;
  const episodes: Array<{ start: number; fresh: HistoryEvent[]; recorded: ReplayStep[] }> = [];
  for (const [i, e] of events.entries()) {
    if (e.EventType === EventType.OrchestratorStarted) {
      episodes.push({ start: i, fresh: [{ ...e, IsPlayed: false }], recorded: [] });
      continue;
    }
    const current = episodes.at(-1);
    if (!current) throw new Error(`replayCheck: the history of '${rec.instanceId}' does not begin with OrchestratorStarted`);
    if (DELIVERED.has(e.EventType)) current.fresh.push({ ...e, IsPlayed: false });
    else {
      const step = recordedStep(e);
      if (step) current.recorded.push(step);
    }
  }
  const started = events.find((e) => e.EventType === EventType.ExecutionStarted);
  if (!started) throw new Error(`replayCheck: the history of '${rec.instanceId}' has no ExecutionStarted event`);
  const input = parse(started.Input);
  let checked = 0;
  for (const [k, ep] of episodes.entries()) {
    // Terminated: the host records it without running the orchestrator. An episode that delivers
    // nothing is one the host failed without running the orchestrator (over its time budget).
    if (ep.fresh.some((e) => e.EventType === EventType.ExecutionTerminated)) break;
    if (ep.fresh.length === 1) continue;
    const played = events.slice(0, ep.start);
    const { replay } = await runEpisodeInline(api, known, {
      name: rec.workflow,
      instanceId: rec.instanceId,
      executionId: rec.executionId,
      input,
      parentInstanceId: rec.parentInstanceId,
      playedLength: played.length,
      played: { orchestrator: played.filter(readByOrchestrator).map(orchestratorEvent), events: played.map(routing) },
      fresh: ep.fresh,
    });
    checked++;
    const at = new Date(ep.fresh[0].Timestamp);
    const actual = [...planEpisode(replay.newActions, at).events.map((e) => recordedStep(e)!), ...outcomeStep(replay.outcome)];
    if (canonical(actual.map(comparable)) !== canonical(ep.recorded.map(comparable))) {
      const what = k === 0 ? 'its start' : `the episode that delivered ${delivered(ep.fresh)}`;
      return {
        ok: false,
        instanceId: rec.instanceId,
        workflow: rec.workflow,
        episode: k,
        expected: ep.recorded,
        actual,
        message: `replaying '${rec.workflow}' (instance '${rec.instanceId}') diverges at episode ${k} (${what}): the history records: ${list(ep.recorded)}; the current code does: ${list(actual)}`,
      };
    }
  }
  return { ok: true, instances: 1, episodes: checked };
}
