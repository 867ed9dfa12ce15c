/**
 * An episode worker thread: loads the app as the Functions host would and runs the orchestration
 * episodes the host sends it (episode-runner.ts), so an orchestrator that loops or allocates
 * without end takes down this thread, never the host's HTTP event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadApp } from '../functions/core-api';
import { knownFunctions, runEpisodeInline, type EpisodeInput } from './episode-runner';

export interface EpisodeRequest {
  id: number;
  input: EpisodeInput;
}

export type EpisodeReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string } | { ready: true };

const api = loadApp((workerData as { entry: string }).entry);
const known = knownFunctions(api);

parentPort!.on('message', async (req: EpisodeRequest) => {
  let reply: EpisodeReply;
  try {
    const { js, replay } = await runEpisodeInline(api, known, req.input);
    // The cumulative action list is the orchestrator's business: the host needs only the rest.
    reply = { id: req.id, ok: true, result: { js: { ...js, actions: [] }, replay } };
  } catch (e) {
    reply = { id: req.id, ok: false, error: e instanceof Error ? e.message : String(e) };
  }
  parentPort!.postMessage(reply);
});
parentPort!.postMessage({ ready: true } satisfies EpisodeReply);
