/**
 * An activity worker process (FUNCTIONS_WORKER_PROCESS_COUNT > 1): loads the same app, runs the
 * activities the host sends over IPC, and answers with the result or the error.
 */
import { InvocationContext } from '@azure/functions';
import { loadApp } from '../functions/core-api';

export interface WorkRequest {
  id: number;
  name: string;
  input: unknown;
  invocationId: string;
}

export type WorkReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: { name: string; message: string; stack?: string } };

const api = loadApp(process.argv[2]);

// The host is gone (shut down, or killed): stop at once rather than finish activities whose
// results nobody can record. They run again on the next start (at-least-once).
process.on('disconnect', () => process.exit(0));

process.on('message', async (req: WorkRequest) => {
  let reply: WorkReply;
  try {
    const r = api.registrations.get(req.name);
    if (!r || r.trigger.type !== 'activityTrigger') throw new Error(`no activity function named '${req.name}'`);
    const result = await r.handler(req.input, new InvocationContext({ functionName: req.name, invocationId: req.invocationId }));
    reply = { id: req.id, ok: true, result: result === undefined ? null : result };
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    reply = { id: req.id, ok: false, error: { name: err.name, message: err.message, stack: err.stack } };
  }
  if (process.connected) process.send!(reply);
});
process.send!({ ready: true });
