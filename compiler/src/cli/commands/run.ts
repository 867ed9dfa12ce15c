/**
 * `run <workflow> [--input file|-] [--wait]`: starts a workflow through its own HTTP route on a
 * running app (found in the app's /api/openapi.json), prints the start answer, or with --wait
 * the output, and exits 1 when the instance fails or is terminated.
 */
import { parseDuration } from '../../../../runtime/durations';
import { UsageError } from '../args';
import type { Command } from '../command';
import { CONNECTION_OPTIONS, connectionOf, errorText, readJsonInput, request, RequestError, type Connection } from '../http';
import { didYouMean } from '../../suggest';

const TERMINAL = new Set(['Completed', 'Failed', 'Terminated', 'Canceled']);

export const run: Command = {
  name: 'run',
  summary: 'start a workflow on a running app and print its answer (with --wait, its output)',
  usage: 'run <workflow> [--input file|-] [--wait] [--timeout 5m] [--url base-url] [--key key]',
  details: 'Exit status: 0 once started (with --wait: completed), 1 when it fails, is terminated or is refused.',
  options: {
    input: { type: 'string', value: 'file|-', help: 'the input, JSON from a file or standard input (default: none)' },
    wait: { type: 'boolean', help: 'wait until the instance finishes and print its output' },
    timeout: { type: 'string', value: 'duration', help: '(--wait) give up after this long (exit 1), e.g. 30s, 5m' },
    ...CONNECTION_OPTIONS,
  },
  async run(args) {
    if (args.positionals.length !== 1) throw new UsageError('run needs one workflow name: durable-flow run <workflow>');
    const workflow = args.positionals[0];
    const c = connectionOf(args.values);
    const input = typeof args.values.input === 'string' ? readJsonInput(args.values.input, '--input') : undefined;
    let timeoutMs: number | undefined;
    if (typeof args.values.timeout === 'string') {
      timeoutMs = parseDuration(args.values.timeout);
      if (timeoutMs === undefined || timeoutMs <= 0) throw new UsageError(`--timeout takes a duration like 30s or 5m, not '${args.values.timeout}'`);
    }
    try {
      const route = await startRoute(c, workflow);
      const started = await request(c, 'POST', route, input);
      if (started.status !== 202 && started.status !== 200) {
        process.stderr.write(`durable-flow run: ${workflow} was not started: ${errorText(started)}\n`);
        return 1;
      }
      const id = (started.body as { id?: unknown } | undefined)?.id;
      if (args.values.wait !== true || typeof id !== 'string') {
        process.stdout.write(JSON.stringify(started.body ?? started.text, null, 2) + '\n');
        return 0;
      }
      process.stderr.write(`started ${id}; waiting for it to finish\n`);
      return await waitFor(c, route, id, timeoutMs);
    } catch (e) {
      if (!(e instanceof RequestError)) throw e;
      process.stderr.write(`durable-flow run: ${e.message}\n`);
      return 1;
    }
  },
};

/** The workflow's start route, from the app's OpenAPI document (its POST tagged with the workflow), else the default. */
async function startRoute(c: Connection, workflow: string): Promise<string> {
  const doc = await request(c, 'GET', '/api/openapi.json');
  const paths = (doc.body as { paths?: Record<string, { post?: { tags?: unknown } }> } | undefined)?.paths;
  if (doc.status !== 200 || !paths) return `/api/workflows/${encodeURIComponent(workflow)}`;
  const starts = Object.entries(paths).filter(([p, ops]) => !p.includes('/instances') && Array.isArray(ops.post?.tags));
  const mine = starts.find(([, ops]) => (ops.post!.tags as unknown[]).includes(workflow));
  if (mine) return mine[0];
  const names = [...new Set(starts.flatMap(([, ops]) => ops.post!.tags as string[]))].sort();
  throw new RequestError(`the app at ${c.base} has no workflow named '${workflow}'; its workflows are ${names.join(', ') || '(none)'}${didYouMean(workflow, names)}`);
}

/** Polls the instance's status (GET <route>/instances/<id>) until it finishes. */
async function waitFor(c: Connection, route: string, id: string, timeoutMs: number | undefined): Promise<number> {
  const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
  let pause = 50;
  for (;;) {
    const s = await request(c, 'GET', `${route}/instances/${encodeURIComponent(id)}`);
    if (s.status !== 200) {
      process.stderr.write(`durable-flow run: reading ${id}: ${errorText(s)}\n`);
      return 1;
    }
    const body = s.body as { status?: string; output?: unknown; error?: unknown };
    if (body.status && TERMINAL.has(body.status)) {
      if (body.status === 'Completed') {
        process.stdout.write(JSON.stringify(body.output ?? null, null, 2) + '\n');
        return 0;
      }
      process.stderr.write(`${id} ${body.status}${body.error !== undefined && body.error !== null ? `: ${typeof body.error === 'string' ? body.error : JSON.stringify(body.error)}` : ''}\n`);
      return 1;
    }
    if (Date.now() + pause > deadline) {
      process.stderr.write(`${id} is still ${body.status ?? 'running'}: gave up waiting (--timeout)\n`);
      return 1;
    }
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(1000, pause * 2);
  }
}
