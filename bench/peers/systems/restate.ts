/**
 * Restate: restate-server from its npm package (single node, all roles), a fresh base directory
 * per mode and run, the service endpoint in its own process (restate-worker.ts) registered as a
 * deployment, and the bench calling handlers through the HTTP ingress (request-response: the
 * call answers when the handler has completed).
 */
import * as path from 'node:path';
import { restateVersion, startRestate } from '../lib/servers';
import type { Counter, Driver, Mode, RunContext, System } from '../lib/types';
import { forkWorker } from '../lib/worker-ipc';
import { freePort, installedVersion, postJson, postJsonLong } from '../lib/util';

const MODES: Array<Mode & { toml: string }> = [
  {
    id: 'default',
    label: 'default: log-server WAL fsync',
    isDefault: true,
    toml: '',
    flushes: 'log-server RocksDB WAL fsync per write batch',
    durability:
      "restate-server defaults (single node, replicated loglet with replication 1): every journal entry is appended to the log server's RocksDB, whose WAL is fsynced per write batch before the append is acknowledged (`[log-server] rocksdb-disable-wal-fsync = false`), so commits survive power loss",
  },
  {
    id: 'nofsync',
    label: 'fsync off: rocksdb-disable-wal-fsync',
    isDefault: false,
    toml: '[log-server]\nrocksdb-disable-wal-fsync = true\n\n[bifrost.local]\nrocksdb-disable-wal-fsync = true\n',
    flushes: 'log-server WAL written to the OS, not fsynced',
    durability:
      "`[log-server] rocksdb-disable-wal-fsync = true` (and the same for `[bifrost.local]`, unused with the default replicated loglet): log appends reach the RocksDB WAL in the OS page cache but are not fsynced, so they survive a crash of restate-server, not a power loss",
  },
];

export const restate: System = {
  name: 'Restate',
  id: 'restate',
  modes: MODES,
  notes: [
    'A sequence is a handler looping over `ctx.run` steps; a fan-out calls an `item` service handler per element (durable RPC) and keeps at most `cap` calls in flight with a window over `RestatePromise.race`, results filled by index; start/await is a request-response call to the HTTP ingress.',
    'The cap is the window in the calling handler (Restate itself has no per-fan-out cap); the counter runs in the service endpoint process. Items are service calls because `ctx.run` closures run one at a time (the SDK starts no action while the previous one is not yet durable), so a window of `ctx.run`s never has more than one in flight.',
    'SDK 1.14.5, the newest that runs on Node 20: 1.15 and later call `Promise.withResolvers` (Node 22+) when serving an invocation.',
  ],
  async prepare() {
    restateVersion(); // fails here, with a clear message, if the platform package is missing
  },
  async versions() {
    return { 'restate-server': restateVersion(), '@restatedev/restate-sdk': installedVersion('@restatedev/restate-sdk') };
  },
  async start(mode: Mode, ctx: RunContext): Promise<Driver> {
    const m = MODES.find((x) => x.id === mode.id)!;
    const server = await startRestate(path.join(ctx.dataDir, 'restate'), m.toml);
    let worker;
    try {
      const port = await freePort();
      worker = await forkWorker('restate', path.join(__dirname, 'restate-worker.ts'), { PORT: String(port) });
      const reg = await postJson(`${server.admin}/deployments`, { uri: `http://127.0.0.1:${worker.info.port}` });
      if (reg.status >= 300) throw new Error(`registering the Restate deployment answered ${reg.status}: ${JSON.stringify(reg.body)}`);
    } catch (e) {
      await worker?.stop();
      await server.stop();
      throw e;
    }
    const w = worker;
    async function call<T>(handler: string, input: unknown): Promise<T> {
      const r = await postJsonLong(`${server.ingress}/peer/${handler}`, input);
      if (r.status !== 200) throw new Error(`restate: peer/${handler} answered ${r.status}: ${JSON.stringify(r.body)?.slice(0, 300)}`);
      return r.body as T;
    }
    return {
      sequence: (count) => call<number>('sequence', { count }),
      fanOut: (count, cap) => call<number[]>('fanOut', { count, cap }),
      sleepFanOut: (count, ms, cap) => call<number[]>('sleepFanOut', { count, cap, ms }),
      async startAndAwait() {
        await call('hello', null);
      },
      counter: () => w.call<Counter>('counter'),
      async stop() {
        await w.stop();
        await server.stop();
      },
    };
  },
  async shutdown() {},
};
