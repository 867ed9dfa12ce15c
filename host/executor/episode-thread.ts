/**
 * An episode process (episode-pool.ts forks it; the file keeps its older name): loads the app as
 * the Functions host would and runs the orchestration episodes the host sends it
 * (episode-runner.ts), so an orchestrator that loops or allocates without end takes down this
 * process, never the host. `argv`: the app's entry module, the longest reply it may send.
 *
 * The host sends each instance's episodes to the same process, and it keeps the history of
 * the instances it runs: a request carries only the new events and the recorded length. When its
 * copy is missing or differs (a restart, an episode whose outcome the host discarded), the thread
 * asks for the whole history once.
 */
import { loadApp, preloadLibraries } from '../functions/core-api';
import { orchestratorEvent, readByOrchestrator, routing, type HistoryEvent } from '../orchestration/history';
import { episodeRecord, planEpisode } from '../orchestration/plan';
import { knownFunctions, runEpisodeInline, type EpisodeInput } from './episode-runner';

export interface EpisodeRequest {
  id: number;
  input: EpisodeInput;
}

export type EpisodeReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string; /** A limit of the host's, not a failure of the episode's code. */ limit?: true }
  | { id: number; needHistory: true }
  | { ready: true };

const [entry, maxReply, mode] = process.argv.slice(2);
const maxReplyChars = Number(maxReply);
// A standby process (`durable-flow dev`: the next app's processes, started ahead) loads the app
// when the host sends its first message, so a reload costs only the app's own load.
const standby = mode === 'standby';
let api = standby ? undefined : loadApp(entry);
let known = api ? knownFunctions(api) : { activities: [], orchestrators: [] };
if (standby) preloadLibraries(entry);
const histories = new Map<string, { executionId: string; input: unknown; orchestrator: HistoryEvent[]; events: HistoryEvent[] }>();

async function run(req: EpisodeRequest): Promise<EpisodeReply> {
  const input = req.input;
  let copy = histories.get(input.instanceId);
  if (input.played) {
    copy = { executionId: input.executionId, input: input.input, orchestrator: [...input.played.orchestrator], events: [...input.played.events] };
    histories.set(input.instanceId, copy);
  } else if (input.playedLength === 0 && !input.inputKept) {
    copy = { executionId: input.executionId, input: input.input, orchestrator: [], events: [] };
    histories.set(input.instanceId, copy);
  } else if (!copy || copy.executionId !== input.executionId || copy.events.length !== input.playedLength) {
    histories.delete(input.instanceId);
    return { id: req.id, needHistory: true };
  }
  const { js, replay } = await runEpisodeInline(api!, known, { ...input, input: copy.input, played: copy });
  const outcome = replay.outcome;
  if (outcome.status === 'Running') {
    // Record what the host records (episodeRecord), so the copy stays equal to the file.
    for (const e of episodeRecord(input.fresh, planEpisode(replay.newActions, new Date(input.fresh[0].Timestamp)), outcome, new Date(input.fresh[0].Timestamp))) {
      if (readByOrchestrator(e)) copy.orchestrator.push(orchestratorEvent(e));
      copy.events.push(routing(e));
    }
  } else histories.delete(input.instanceId);
  // The cumulative action list is the orchestrator's business: the host needs only the rest.
  return { id: req.id, ok: true, result: { js: { ...js, actions: [] }, replay } };
}

async function answer(raw: string): Promise<void> {
  const req: EpisodeRequest = JSON.parse(raw);
  let reply: EpisodeReply;
  try {
    reply = await run(req);
  } catch (e) {
    reply = { id: req.id, ok: false, error: e instanceof Error ? e.message : String(e) };
  }
  let text: string;
  try {
    text = JSON.stringify(reply);
  } catch (e) {
    // What the orchestrator returned or set as its status is not JSON (a BigInt, a cycle): on Azure
    // durable-functions fails to serialise its state the same way. The host must hear of it now,
    // not when the episode's budget runs out.
    reply = { id: req.id, ok: false, error: `its state cannot be sent as JSON: ${e instanceof Error ? e.message : String(e)}` };
    text = JSON.stringify(reply);
  }
  if (text.length > maxReplyChars) {
    // Checked before it is sent: the host would otherwise have to hold and parse all of it.
    reply = { id: req.id, ok: false, limit: true, error: `LimitExceeded: the episode's reply (its output, custom status and new work) is ${text.length} characters of JSON, more than the host's limit of ${maxReplyChars}` };
    text = JSON.stringify(reply);
  }
  if ('ok' in reply && !reply.ok) histories.delete(req.input.instanceId);
  send(text);
}

function send(text: string): void {
  if (process.connected) process.send!(text);
}

// The host is gone (shut down, or killed): nothing here is worth finishing.
process.on('disconnect', () => process.exit(0));

// The host sends a few requests ahead (episode-pool.ts): they run one at a time, in the order sent,
// which is how the host knows which one a stuck thread is running.
let queue: Promise<void> = Promise.resolve();
process.on('message', (raw: string) => {
  if (!api) {
    api = loadApp(entry);
    known = knownFunctions(api);
    send(JSON.stringify({ ready: true } satisfies EpisodeReply));
    return;
  }
  queue = queue.then(() => answer(raw)).catch(() => undefined);
});
if (api) send(JSON.stringify({ ready: true } satisfies EpisodeReply));
