/**
 * DBOS's application process: workflows and steps registered with DBOS, served over HTTP the way a
 * DBOS app is (a route calls the workflow function and answers with its result). A sequence is a
 * workflow looping over `DBOS.runStep`; a fan-out is the queue pattern of DBOS's README: start one
 * task workflow per item on a queue whose concurrency is the cap, then `getResult()` each handle in
 * input order.
 */
import * as http from 'node:http';
import { DBOS } from '@dbos-inc/dbos-sdk';
import { noop, sleepItem, takeCounter } from '../lib/inflight';
import { serveIpc } from '../lib/worker-ipc';

const POLL_MS = Number(process.env.DBOS_POLL_MS ?? 1000);
const QUEUE = (cap: number): string => `peer-items-${cap}`;
const CAPS = [10, 100];

DBOS.setConfig({ name: 'peer-bench', systemDatabaseUrl: process.env.DBOS_SYSTEM_DATABASE_URL! });

const noopTask = DBOS.registerWorkflow(async (i: number) => noop(i), { name: 'noopTask' });
const sleepTask = DBOS.registerWorkflow(async (i: number, ms: number) => sleepItem(i, ms), { name: 'sleepTask' });

async function fanOutFunction(count: number, cap: number, ms: number | null): Promise<number[]> {
  const handles = [];
  for (let i = 0; i < count; i++) {
    handles.push(ms === null ? await DBOS.startWorkflow(noopTask, { queueName: QUEUE(cap) })(i) : await DBOS.startWorkflow(sleepTask, { queueName: QUEUE(cap) })(i, ms));
  }
  const results: number[] = [];
  for (const h of handles) results.push(await h.getResult({ pollingIntervalMs: POLL_MS }));
  return results;
}
const fanOut = DBOS.registerWorkflow(fanOutFunction, { name: 'fanOut' });

const sequence = DBOS.registerWorkflow(
  async (count: number): Promise<number> => {
    let steps = 0;
    for (let i = 0; i < count; i++) {
      await DBOS.runStep(() => noop(i), { name: 'step' });
      steps++;
    }
    return steps;
  },
  { name: 'sequence' },
);

const hello = DBOS.registerWorkflow(
  async (): Promise<number> => {
    for (let i = 1; i <= 3; i++) await DBOS.runStep(() => noop(i), { name: 'step' });
    return 3;
  },
  { name: 'hello' },
);

const routes: Record<string, (body: any) => Promise<unknown>> = {
  '/sequence': (b) => sequence(b.count),
  '/fanOut': (b) => fanOut(b.count, b.cap, null),
  '/sleepFanOut': (b) => fanOut(b.count, b.cap, b.ms),
  '/hello': () => hello(),
};

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', async () => {
    try {
      const route = routes[req.url ?? ''];
      if (!route) throw new Error(`no route ${req.url}`);
      const out = await route(chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : {});
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
    } catch (e) {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: (e as Error).stack ?? String(e) }));
    }
  });
});
server.keepAliveTimeout = 60_000;

const ipc = serveIpc({ counter: () => takeCounter() });

async function main(): Promise<void> {
  await DBOS.launch();
  // Queue configuration lives in Postgres, so queues are registered after launch (DBOS's README).
  for (const cap of CAPS) await DBOS.registerQueue(QUEUE(cap), { globalConcurrency: cap, minPollingIntervalMs: POLL_MS });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  ipc.ready({ port: (server.address() as import('node:net').AddressInfo).port });
}

process.on('SIGTERM', () => {
  server.close();
  DBOS.shutdown().finally(() => process.exit(0));
});

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
