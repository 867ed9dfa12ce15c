/**
 * An activity worker process: loads the same app, runs the activities the host sends over IPC,
 * and answers with the result or the error. The host supervises it (pool.ts): if it dies
 * (process.exit in an activity, a crash), the host replaces it and re-queues its work.
 */
import { InvocationContext } from '@azure/functions';
import { loadApp, preloadLibraries, type CoreApi } from '../functions/core-api';

export interface WorkRequest {
  id: number;
  name: string;
  input: unknown;
  invocationId: string;
}

export type WorkReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: { name: string; message: string; stack?: string } };

// A standby worker (`durable-flow dev`: the next app's workers, started ahead) loads the libraries
// now and the app when the host sends `{ load: true }`, so a reload costs only the app's own load.
const standby = process.argv[3] === '--standby';
let api: CoreApi | undefined;
if (standby) {
  preloadLibraries(process.argv[2]);
  process.once('message', () => {
    api = loadApp(process.argv[2]);
    send({ ready: true });
  });
} else api = loadApp(process.argv[2]);

/** The longest result (JSON characters) an activity may return to the host: 64 MiB, as an episode's reply. */
const MAX_RESULT_CHARS = 64 * 1024 * 1024;

// The host is gone (shut down, or killed): stop at once rather than finish activities whose
// results nobody can record. They run again on the next start (at-least-once).
process.on('disconnect', () => process.exit(0));

function send(message: WorkReply[] | { ready: true }): void {
  if (process.connected) process.send!(message, (e: Error | null) => e && process.exit(0));
}

// Replies that finish in the same turn travel together (one write, one wake-up of the host).
let outbox: WorkReply[] = [];
function reply(r: WorkReply): void {
  if (outbox.length === 0) setImmediate(() => send(outbox.splice(0)));
  outbox.push(r);
}

// The host sends the activities it starts in one turn as one message.
process.on('message', (batch: WorkRequest[]) => {
  if (!Array.isArray(batch)) return;
  for (const req of batch) void run(req).then(reply);
});

async function run(req: WorkRequest): Promise<WorkReply> {
  let result: unknown;
  try {
    const r = api?.registrations.get(req.name);
    if (!r || r.trigger.type !== 'activityTrigger') throw new Error(`no activity function named '${req.name}'`);
    result = await r.handler(req.input, new InvocationContext({ functionName: req.name, invocationId: req.invocationId }));
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    return { id: req.id, ok: false, error: { name: err.name, message: err.message, stack: err.stack } };
  }
  let text: string;
  try {
    // IPC carries JSON: a value that cannot be sent (a BigInt, a circular object) fails the activity here, clearly.
    text = JSON.stringify(result === undefined ? null : result);
  } catch (e) {
    const message = `UnserializableResult: activity '${req.name}' returned a value that cannot be sent as JSON: ${(e as Error).message}`;
    return { id: req.id, ok: false, error: { name: 'UnserializableResult', message } };
  }
  if (text.length > MAX_RESULT_CHARS) {
    // Refused here, before it crosses: the host would have to hold it, parse it and record it.
    const message = `LimitExceeded: activity '${req.name}' returned ${text.length} characters of JSON, more than the host's limit of ${MAX_RESULT_CHARS}`;
    return { id: req.id, ok: false, error: { name: 'LimitExceeded', message } };
  }
  return { id: req.id, ok: true, result: JSON.parse(text) };
}

if (!standby) send({ ready: true });
