/**
 * BullMQ on Redis 7: the bench is the client (FlowProducer + QueueEvents, `waitUntilFinished`),
 * the worker process (bullmq-worker.ts) runs the jobs. Redis runs once per mode and repetition on
 * a fresh data directory.
 */
import * as path from 'node:path';
import { FlowProducer, QueueEvents, type FlowJob } from 'bullmq';
import { forkWorker } from '../lib/worker-ipc';
import { ensureDebianPackages, redisPresent, redisVersion, startRedis } from '../lib/servers';
import type { Counter, Driver, Mode, RunContext, System } from '../lib/types';
import { QUEUES } from './bullmq-queues';
import { installedVersion } from '../lib/util';

const MODES: Array<Mode & { args: string[] }> = [
  {
    id: 'rdb',
    label: 'default: no AOF (RDB snapshots)',
    isDefault: true,
    args: [],
    flushes: 'nothing per write; RDB snapshot every 60–3600 s, by write count',
    durability:
      "Redis defaults: appendonly no, RDB snapshot after 3600 s/1 change, 300 s/100, 60 s/10,000: a crash of Redis (or of the machine) loses every write since the last snapshot",
  },
  {
    id: 'aof-everysec',
    label: 'AOF, appendfsync everysec',
    isDefault: false,
    args: ['--appendonly', 'yes', '--appendfsync', 'everysec'],
    flushes: 'AOF written to the OS per write; fsync once a second',
    durability: 'appendonly yes, appendfsync everysec: every write is in the AOF (written to the OS before the reply) and fsynced once a second, so a power loss can lose about the last second',
  },
  {
    id: 'aof-always',
    label: 'fsync on: AOF, appendfsync always',
    isDefault: false,
    args: ['--appendonly', 'yes', '--appendfsync', 'always'],
    flushes: 'AOF fsync before every reply',
    durability: 'appendonly yes, appendfsync always: the AOF is fsynced before Redis answers a write (survives power loss)',
  },
];

let runId = 0;

export const bullmq: System = {
  name: 'BullMQ',
  id: 'bullmq',
  modes: MODES,
  notes: [
    'A sequence is a flow chain (each step the only child of the next, so BullMQ runs them in order); a fan-out is a flow whose parent collects `getChildrenValues()` in input order; the items run on a queue whose single worker has `concurrency` equal to the cap; start/await is `FlowProducer.add` + `job.waitUntilFinished(queueEvents)`.',
    'One worker process; the cap is the worker concurrency (with several worker processes it would be the queue global concurrency).',
  ],
  async prepare(log) {
    ensureDebianPackages([{ pkg: 'redis-server', present: redisPresent }], log);
  },
  async versions() {
    return { bullmq: installedVersion('bullmq'), ioredis: installedVersion('ioredis'), redis: redisVersion() };
  },
  async start(mode: Mode, ctx: RunContext): Promise<Driver> {
    const m = MODES.find((x) => x.id === mode.id)!;
    const redis = await startRedis(path.join(ctx.dataDir, 'redis'), m.args);
    const connection = { host: '127.0.0.1', port: redis.port };
    let worker;
    try {
      worker = await forkWorker('bullmq', path.join(__dirname, 'bullmq-worker.ts'), { REDIS_PORT: String(redis.port) });
    } catch (e) {
      await redis.stop();
      throw e;
    }
    const flows = new FlowProducer({ connection });
    const stepEvents = new QueueEvents(QUEUES.steps, { connection });
    const parentEvents = new QueueEvents(QUEUES.parents, { connection });
    await Promise.all([flows.waitUntilReady(), stepEvents.waitUntilReady(), parentEvents.waitUntilReady()]);

    /** A chain of `count` steps: step count-1 is the root, step 0 the deepest child (runs first). */
    function chain(count: number): FlowJob {
      let node: FlowJob | undefined;
      for (let i = 0; i < count; i++) node = { name: 'step', queueName: QUEUES.steps, data: { i }, children: node ? [node] : undefined };
      return node!;
    }
    async function runChain(count: number): Promise<number> {
      const { job } = await flows.add(chain(count));
      return (await job.waitUntilFinished(stepEvents)) as number;
    }
    async function runFan(name: string, count: number, cap: number, data: object): Promise<number[]> {
      const queueName = QUEUES.items[cap];
      if (!queueName) throw new Error(`bullmq: no item queue for cap ${cap}`);
      const id = `r${process.pid}x${++runId}`;
      const { job } = await flows.add({
        name: 'fanIn',
        queueName: QUEUES.parents,
        data: { count },
        children: Array.from({ length: count }, (_, i) => ({ name, queueName, data: { i, ...data }, opts: { jobId: `${id}-${i}` } })),
      });
      return (await job.waitUntilFinished(parentEvents)) as number[];
    }

    return {
      sequence: (count) => runChain(count),
      fanOut: (count, cap) => runFan('noop', count, cap, {}),
      sleepFanOut: (count, ms, cap) => runFan('sleep', count, cap, { ms }),
      async startAndAwait() {
        await runChain(3);
      },
      counter: () => worker.call<Counter>('counter'),
      async stop() {
        await Promise.all([flows.close(), stepEvents.close(), parentEvents.close()]);
        await worker.stop();
        await redis.stop();
      },
    };
  },
  async shutdown() {},
};
