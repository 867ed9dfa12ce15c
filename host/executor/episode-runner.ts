/**
 * One orchestration episode, both sides: the app's orchestrator through durable-functions
 * (orchestration/episode.ts), then the Durable extension's replay of it (orchestration/extension),
 * which decides the new work's task ids and whether the instance completes.
 */
import type { CoreApi } from '../functions/core-api';
import { runEpisode, type OrchestratorHandler, type OrchestratorState } from '../orchestration/episode';
import { replayEpisode, type KnownFunctions, type ReplayResult } from '../orchestration/extension';
import type { HistoryEvent } from '../orchestration/history';

/**
 * An instance's recorded history: the events durable-functions replays (only those it reads, as
 * history.ts orchestratorEvent keeps them), and every event's routing fields for the extension's replay.
 */
export interface PlayedHistory {
  orchestrator: readonly HistoryEvent[];
  events: readonly HistoryEvent[];
}

export interface EpisodeInput {
  name: string;
  instanceId: string;
  executionId: string;
  input: unknown;
  parentInstanceId?: string;
  /** How many events are recorded so far (a runner that keeps its own copy checks it against this). */
  playedLength: number;
  /** The recorded history; left out when the runner keeps its own copy (it asks for it on a miss). */
  played?: PlayedHistory;
  /** True when `input` was left out because the runner keeps it with its copy of the history. */
  inputKept?: boolean;
  /** This episode's events: OrchestratorStarted, then the messages it delivers. */
  fresh: HistoryEvent[];
}

/** Runs one episode; `loadPlayed` gives the recorded history when the runner has none of its own. */
export type EpisodeRunner = (input: EpisodeInput, loadPlayed: () => PlayedHistory) => Promise<EpisodeResult>;

export interface EpisodeResult {
  js: OrchestratorState;
  replay: ReplayResult;
}

/** The functions an app registered, as the extension checks calls against them. */
export function knownFunctions(api: CoreApi): KnownFunctions {
  const regs = [...api.registrations.values()];
  return {
    activities: regs.filter((r) => r.trigger.type === 'activityTrigger').map((r) => r.name),
    orchestrators: regs.filter((r) => r.trigger.type === 'orchestrationTrigger').map((r) => r.name),
  };
}

export async function runEpisodeInline(api: CoreApi, known: KnownFunctions, req: EpisodeInput & { played: PlayedHistory }): Promise<EpisodeResult> {
  const registration = api.registrations.get(req.name);
  if (!registration || registration.trigger.type !== 'orchestrationTrigger') throw new Error(`no orchestrator function named '${req.name}'`);
  const js = await runEpisode(registration.handler as OrchestratorHandler, {
    name: req.name,
    instanceId: req.instanceId,
    input: req.input,
    played: req.played.orchestrator,
    history: req.fresh,
    parentInstanceId: req.parentInstanceId,
  });
  const replay = replayEpisode({ name: req.name, executionId: req.executionId, history: [...req.played.events, ...req.fresh], js, known });
  return { js, replay };
}
