/**
 * DBOS on PostgreSQL 15: one cluster (initdb once per bench), restarted for each mode and run with
 * that mode's settings and a fresh system database; the DBOS app in its own process
 * (dbos-worker.ts), driven over its HTTP routes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { benchConfig } from '../lib/config';
import { ensureDebianPackages, pgQuery, postgresPresent, postgresVersion, startPostgres } from '../lib/servers';
import type { Counter, Driver, Mode, RunContext, System } from '../lib/types';
import { forkWorker } from '../lib/worker-ipc';
import { installedVersion, postJsonLong } from '../lib/util';

const MODES: Array<Mode & { settings: Record<string, string> }> = [
  {
    id: 'default',
    label: 'default: fsync on',
    isDefault: true,
    settings: {},
    flushes: 'WAL fsync at every commit',
    durability: 'PostgreSQL defaults (fsync = on, synchronous_commit = on): every DBOS checkpoint is a transaction whose commit waits for the WAL fsync (survives power loss)',
  },
  {
    id: 'async-commit',
    label: 'synchronous_commit = off',
    isDefault: false,
    settings: { synchronous_commit: 'off' },
    flushes: 'WAL writer flushes every 200 ms; commit does not wait',
    durability:
      'synchronous_commit = off: a commit returns before its WAL is written; the WAL writer writes and fsyncs within 3 × wal_writer_delay (600 ms), so a crash of PostgreSQL or of the machine can lose the last ~0.6 s of commits (never corrupts)',
  },
  {
    id: 'fsync-off',
    label: 'fsync = off',
    isDefault: false,
    settings: { fsync: 'off' },
    flushes: 'WAL written to the OS at commit, never fsynced',
    durability:
      "fsync = off: a commit waits for its WAL to reach the OS but nothing is ever fsynced; survives a crash of PostgreSQL, while a power loss or OS crash can lose commits and corrupt the cluster (PostgreSQL's docs: only for throwaway data)",
  },
];

const DB = 'peer_bench_dbos';
let clusterDir: string | undefined;

export const dbos: System = {
  name: 'DBOS',
  id: 'dbos',
  modes: MODES,
  get notes() {
    return [
      'A sequence is a workflow looping over `DBOS.runStep`; a fan-out is the queue pattern of DBOS\'s README (`DBOS.startWorkflow(task, { queueName })` per item on a queue with `globalConcurrency` = cap, then `getResult()` on each handle in input order); start/await is an HTTP route that calls the workflow function and answers with its result.',
      `DBOS queues and \`getResult\` poll PostgreSQL; both intervals are set to ${benchConfig.dbosPollMs} ms here (\`minPollingIntervalMs\`, \`pollingIntervalMs\`; DBOS's default is 1,000 ms, at which a capped fan-out dispatches about one batch of \`cap\` items per second). \`--dbos-poll-ms\` changes it.`,
    ];
  },
  async prepare(log) {
    ensureDebianPackages([{ pkg: 'postgresql-15', present: postgresPresent }], log);
    clusterDir = path.join(__dirname, '..', '.data', `postgres-${process.pid}`);
    fs.rmSync(clusterDir, { recursive: true, force: true });
  },
  async versions() {
    return { '@dbos-inc/dbos-sdk': installedVersion('@dbos-inc/dbos-sdk'), postgresql: postgresVersion() };
  },
  async start(mode: Mode, _ctx: RunContext): Promise<Driver> {
    const m = MODES.find((x) => x.id === mode.id)!;
    const pg = await startPostgres(clusterDir!, m.settings);
    let worker;
    try {
      const shown = await pgQuery<{ fsync: string }>(pg.url('postgres'), "select current_setting('fsync') as fsync, current_setting('synchronous_commit') as sc");
      const want = { fsync: m.settings.fsync ?? 'on', sc: m.settings.synchronous_commit ?? 'on' };
      if (JSON.stringify(shown[0]) !== JSON.stringify(want)) throw new Error(`postgres settings are ${JSON.stringify(shown[0])}, expected ${JSON.stringify(want)}`);
      await pgQuery(pg.url('postgres'), `drop database if exists ${DB} with (force)`);
      worker = await forkWorker('dbos', path.join(__dirname, 'dbos-worker.ts'), { DBOS_SYSTEM_DATABASE_URL: pg.url(DB), DBOS_POLL_MS: String(benchConfig.dbosPollMs) }, 120_000);
    } catch (e) {
      await pg.stop();
      throw e;
    }
    const w = worker;
    const base = `http://127.0.0.1:${w.info.port}`;
    async function call<T>(route: string, body: unknown): Promise<T> {
      const r = await postJsonLong(`${base}${route}`, body);
      if (r.status !== 200) throw new Error(`dbos: ${route} answered ${r.status}: ${JSON.stringify(r.body)?.slice(0, 500)}`);
      return r.body as T;
    }
    return {
      sequence: (count) => call<number>('/sequence', { count }),
      fanOut: (count, cap) => call<number[]>('/fanOut', { count, cap }),
      sleepFanOut: (count, ms, cap) => call<number[]>('/sleepFanOut', { count, cap, ms }),
      async startAndAwait() {
        await call('/hello', {});
      },
      counter: () => w.call<Counter>('counter'),
      async stop() {
        await w.stop();
        await pg.stop();
      },
    };
  },
  async shutdown() {
    if (clusterDir) fs.rmSync(clusterDir, { recursive: true, force: true });
    clusterDir = undefined;
  },
};
