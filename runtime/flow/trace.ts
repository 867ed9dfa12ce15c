/**
 * An instance's history as a replay trace: the episodes in which the orchestrator ran, each with
 * the messages it consumed (why it woke) and the actions it issued in reply. Every episode
 * re-runs the orchestrator function from the top over the whole history before it; the trace
 * shows how much it replayed and what was new.
 *
 * It reads the history the way Durable's HTTP API returns it (`historyEvents`, through the
 * durable client), which has no episode markers: the Durable extension removes the
 * OrchestratorStarted/OrchestratorCompleted events, and on Azure it also folds each completed
 * TaskScheduled into its TaskCompleted (`FunctionName`, `ScheduledTime`). So episodes are read
 * from the order of events, as the history records them: the messages an episode consumed come
 * first, the actions it issued after them, so an episode ends where a consumed message follows an
 * issued action. Two episodes in a row that issued nothing (a wake that only harvested results)
 * read as one. A folded TaskScheduled is put back after the last event recorded before its
 * `ScheduledTime`.
 */

export interface TraceEvent {
  /** The Durable event type, e.g. `TaskCompleted`. */
  type: string;
  /** What it is about: the activity, sub-workflow, event or timer. */
  name?: string;
  at: string;
  /** A short detail: an error's reason, a timer's due time, a child instance id. */
  detail?: string;
  /** Rebuilt from Azure's folded history (`ScheduledTime` of a completion). */
  folded?: true;
}

export interface Episode {
  /** 1-based. */
  index: number;
  /** When it ran, as far as the history tells: its first issued action's time, else its last message's. */
  at: string;
  /** History events before it: what this episode replayed from the top before reaching new work. */
  replayed: number;
  consumed: TraceEvent[];
  issued: TraceEvent[];
}

/** Messages an episode consumes (they wake the orchestrator). */
const CONSUMED = new Set([
  'ExecutionStarted',
  'TaskCompleted',
  'TaskFailed',
  'SubOrchestrationInstanceCompleted',
  'SubOrchestrationInstanceFailed',
  'TimerFired',
  'EventRaised',
  'ExecutionTerminated',
  'ExecutionSuspended',
  'ExecutionResumed',
  'GenericEvent',
]);

/** Actions that take a task id (the extension numbers them in the order they are issued). */
const NUMBERED = new Set(['TaskScheduled', 'TimerCreated', 'SubOrchestrationInstanceCreated', 'EventSent']);

type Raw = Record<string, unknown>;

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function time(v: unknown): string {
  const s = str(v);
  return s && !Number.isNaN(Date.parse(s)) ? new Date(s).toISOString() : '';
}

function firstLine(v: unknown, max = 160): string | undefined {
  const s = str(v);
  if (s === undefined) return undefined;
  const line = s.split('\n')[0];
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The history in order, with the folded TaskScheduled/SubOrchestrationInstanceCreated events put back. */
function unfold(history: readonly Raw[]): Array<{ raw: Raw; folded?: true }> {
  const out: Array<{ raw: Raw; folded?: true }> = history.map((raw) => ({ raw }));
  for (const e of history) {
    const type = e.EventType;
    const scheduled = time(e.ScheduledTime);
    if (!scheduled || e.TaskScheduledId !== undefined) continue;
    const issued = type === 'TaskCompleted' || type === 'TaskFailed' ? 'TaskScheduled' : type === 'SubOrchestrationInstanceCompleted' || type === 'SubOrchestrationInstanceFailed' ? 'SubOrchestrationInstanceCreated' : undefined;
    if (!issued) continue;
    let at = 0;
    for (let i = 0; i < out.length && out[i].raw !== e; i++) if (time(out[i].raw.Timestamp) <= scheduled) at = i + 1;
    out.splice(at, 0, { raw: { EventType: issued, Timestamp: e.ScheduledTime, Name: e.FunctionName }, folded: true });
  }
  return out;
}

/** The episodes of a history as Durable's HTTP API returns it (`historyEvents`). */
export function replayTrace(history: readonly unknown[]): Episode[] {
  const events = unfold(history.filter((e): e is Raw => e !== null && typeof e === 'object'));
  /** Names of numbered actions by task id, to name the completions that carry only `TaskScheduledId` / `TimerId`. */
  const byId: Array<{ name?: string; type: string }> = [];
  const episodes: Episode[] = [];
  let current: Episode | undefined;
  events.forEach(({ raw, folded }, position) => {
    const type = str(raw.EventType) ?? 'Unknown';
    const consumed = CONSUMED.has(type);
    if (!current || (consumed && current.issued.length > 0)) {
      current = { index: episodes.length + 1, at: '', replayed: position, consumed: [], issued: [] };
      episodes.push(current);
    }
    const ref = byId[Number(raw.TaskScheduledId ?? raw.TimerId ?? -1)];
    let name = str(raw.Name) ?? str(raw.FunctionName) ?? ref?.name;
    let detail: string | undefined;
    if (type === 'TimerCreated' || type === 'TimerFired') {
      name = undefined;
      detail = time(raw.FireAt) ? `due ${time(raw.FireAt)}` : undefined;
    } else if (type === 'TaskFailed' || type === 'SubOrchestrationInstanceFailed' || type === 'ExecutionFailed' || type === 'ExecutionTerminated') {
      detail = firstLine(raw.Reason ?? raw.Details ?? raw.Result);
    } else if (type === 'SubOrchestrationInstanceCreated') {
      detail = str(raw.InstanceId);
    } else if (type === 'ExecutionCompleted' && raw.OrchestrationStatus !== undefined && raw.OrchestrationStatus !== 'Completed') {
      detail = str(raw.OrchestrationStatus);
    }
    if (NUMBERED.has(type)) byId.push({ name, type });
    const event: TraceEvent = { type, ...(name !== undefined ? { name } : {}), at: time(raw.Timestamp), ...(detail !== undefined ? { detail } : {}), ...(folded ? { folded } : {}) };
    (consumed ? current.consumed : current.issued).push(event);
  });
  for (const e of episodes) e.at = e.issued[0]?.at || e.consumed.at(-1)?.at || '';
  return episodes;
}
