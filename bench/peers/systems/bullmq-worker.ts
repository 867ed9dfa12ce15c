/**
 * BullMQ's worker process: one Worker per queue, as BullMQ's docs set them up. Items run on a queue
 * whose worker concurrency is the cap (10 or 100); the steps of a sequence are a flow chain (each
 * step the only child of the next) on their own queue; a fan-out's parent job collects its
 * children's values (`getChildrenValues`) and puts them back in input order.
 */
import { Worker, type Job } from 'bullmq';
import { noop, sleepItem, takeCounter } from '../lib/inflight';
import { serveIpc } from '../lib/worker-ipc';
import { QUEUES } from './bullmq-queues';

const connection = { host: '127.0.0.1', port: Number(process.env.REDIS_PORT), maxRetriesPerRequest: null };

async function item(job: Job<{ i: number; ms?: number }>): Promise<number> {
  return job.name === 'sleep' ? sleepItem(job.data.i, job.data.ms!) : noop(job.data.i);
}

/** A step of a chain: the chain's last step reports how many steps ran. */
async function step(job: Job<{ i: number }>): Promise<number> {
  await noop(job.data.i);
  return job.data.i + 1;
}

/** The parent of a fan-out: children's values keyed by child job key; the key ends with `-<index>`. */
async function fanIn(job: Job<{ count: number }>): Promise<number[]> {
  const values = await job.getChildrenValues<number>();
  const out = new Array<number>(job.data.count);
  for (const [key, value] of Object.entries(values)) out[Number(key.slice(key.lastIndexOf('-') + 1))] = value;
  return out;
}

const workers = [
  new Worker(QUEUES.steps, step, { connection, concurrency: 1 }),
  ...Object.entries(QUEUES.items).map(([cap, name]) => new Worker(name, item, { connection, concurrency: Number(cap) })),
  new Worker(QUEUES.parents, fanIn, { connection, concurrency: 10 }),
];

async function stop(): Promise<void> {
  await Promise.all(workers.map((w) => w.close()));
  process.exit(0);
}
process.on('SIGTERM', () => void stop());

const ipc = serveIpc({ counter: () => takeCounter() });
Promise.all(workers.map((w) => w.waitUntilReady())).then(
  () => ipc.ready(),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
