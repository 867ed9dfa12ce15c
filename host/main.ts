/**
 * The embedded local host: loads a compiled Azure Functions v4 app unmodified (as the Functions
 * host would), serves it on loopback, and runs its orchestrations durably on SQLite.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applySettings, logRoutes, readAppFolder, stateDir } from './app-folder';
import { loadApp } from './functions/core-api';
import { Engine } from './executor/engine';
import { resolveKeys, type HostKeys } from './http/auth';
import { HostServer } from './http/server';
import { Schedules } from './executor/schedules';
import { createLogger, type Logger } from './log';
import { Store, type StoreSync } from './store/store';
import { WorkerPool } from './workers/pool';
import { EpisodePool } from './executor/episode-pool';
import { lockDatabase } from './store/lock';
import { versioningSettings } from './orchestration/extension';

export interface HostOptions {
  /** The app's folder (holds package.json, host.json, local.settings.json). */
  appDir: string;
  /** SQLite file, or ':memory:'. Default: <appDir>/.durable/<hub>.db */
  db?: string;
  /** 'normal' (default): commits survive a killed process; 'full': power loss too (fsync per commit). Env: DURABLE_FLOW_SYNC. */
  sync?: StoreSync;
  port?: number;
  enforceAuth?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  log?: (line: string) => void;
  /** Episode processes that run orchestration episodes (default defaultEpisodeThreads(); 0 runs them in the host's own thread, for debugging). */
  episodeThreads?: number;
  /** An episode running longer fails its instance (default 10 s). */
  episodeBudgetMs?: number;
  /** Each episode process's heap limit in MB (default 512). */
  episodeHeapMb?: number;
  /** How long an activity's lease lasts before it is renewed (default 5 minutes; tests shorten it). */
  leaseMs?: number;
}

export interface Host {
  url: string;
  /** The keys in force with enforceAuth. */
  keys?: HostKeys;
  engine: Engine;
  store: Store;
  close(): Promise<void>;
}

/** host.json `functionTimeout` ("hh:mm:ss", or "-1" for none) in ms; Azure's Consumption default, 5 minutes, when unset. */
export function functionTimeoutMs(value: unknown): number {
  if (value === undefined) return 5 * 60_000;
  if (value === '-1' || value === -1) return Number.POSITIVE_INFINITY;
  const m = typeof value === 'string' ? /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.\d+)?$/.exec(value) : null;
  if (!m) throw new Error(`host.json functionTimeout must look like "00:05:00" or be "-1", not ${JSON.stringify(value)}`);
  const [, d, h, min, sec] = m;
  return (((Number(d ?? 0) * 24 + Number(h)) * 60 + Number(min)) * 60 + Number(sec)) * 1000;
}

export async function createHost(options: HostOptions): Promise<Host> {
  const app = readAppFolder(options.appDir);
  const { appDir, settings, hostJson, hubName, entry } = app;
  const log: Logger = createLogger({ verbose: options.verbose ?? false, quiet: options.quiet, write: options.log });
  // Keys are checked before anything starts: an empty or short key in local.settings.json is refused.
  const keys = options.enforceAuth ? resolveKeys(settings?.Host, path.join(appDir, 'local.settings.json')) : undefined;
  applySettings(app);
  const durable = hostJson.extensions?.durableTask ?? {};
  const functionTimeout = functionTimeoutMs(hostJson.functionTimeout);
  const versioning = versioningSettings(durable);

  const sync = options.sync ?? (process.env.DURABLE_FLOW_SYNC as StoreSync | undefined) ?? 'normal';
  if (sync !== 'normal' && sync !== 'full') throw new Error(`sync must be 'normal' or 'full', not '${sync}'`);
  const dbFile = options.db ?? path.join(stateDir(appDir), `${hubName}.db`);
  if (dbFile !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(dbFile)), { recursive: true, mode: 0o700 });
  const lock = lockDatabase(dbFile);

  const api = loadApp(entry);
  // Activities run in worker processes (at least one), episodes in episode processes: user code that
  // exits, crashes, loops or exhausts memory costs a worker, never the host.
  const processCount = Math.max(1, Number(process.env.FUNCTIONS_WORKER_PROCESS_COUNT ?? 1) || 1);
  const workers = new WorkerPool(entry, processCount, { functionTimeoutMs: functionTimeout, log: (line) => log.info(line) });
  const threads = options.episodeThreads ?? Number(process.env.DURABLE_FLOW_EPISODE_THREADS ?? defaultEpisodeThreads());
  const episodes = threads > 0 ? new EpisodePool({ entry, threads, budgetMs: options.episodeBudgetMs ?? 10_000, heapMb: options.episodeHeapMb ?? 512 }) : undefined;
  try {
    await Promise.all([workers.ready(), episodes?.ready()]);
  } catch (e) {
    workers.close();
    await episodes?.close();
    lock.release();
    throw e;
  }
  const store = new Store(dbFile, sync);
  const engine = new Engine(
    store,
    api,
    {
      maxConcurrentActivityFunctions: durable.maxConcurrentActivityFunctions ?? 10,
      maxConcurrentOrchestratorFunctions: durable.maxConcurrentOrchestratorFunctions ?? 10,
      leaseMs: options.leaseMs ?? 5 * 60_000,
      runEpisode: episodes ? (input, loadPlayed) => episodes.run(input, loadPlayed) : undefined,
      versioning,
    },
    log,
    workers,
  );
  const server = new HostServer(api, engine, store, { hubName, keys }, log);
  let url: string;
  try {
    url = await server.listen(options.port ?? 7071);
  } catch (e) {
    workers.close();
    await episodes?.close();
    store.close();
    lock.release();
    throw e;
  }
  engine.start();
  const schedules = new Schedules(api, () => server.clientBinding(), log);
  schedules.start();

  log.info(`durable-flow host: ${api.registrations.size} functions from ${path.relative(process.cwd(), entry) || entry}, task hub '${hubName}'`);
  logRoutes(api, url, log);
  log.info(`activities run in ${workers.size} worker process${workers.size === 1 ? '' : 'es'} (FUNCTIONS_WORKER_PROCESS_COUNT), orchestrations in ${episodes ? `${threads} episode process${threads === 1 ? '' : 'es'} (--episode-threads)` : "the host's thread"}`);
  if (keys) log.info(`keys are enforced: function key ${keys.function}, master key ${keys.master}`);

  return {
    url,
    keys,
    engine,
    store,
    async close() {
      schedules.stop();
      await server.close();
      await engine.stop();
      workers.close();
      await episodes?.close();
      store.close();
      lock.release();
    },
  };
}

/**
 * One episode thread per core the host thread leaves free, at least one and at most four: a
 * thread more than there are free cores only contends with the host thread (SQLite, HTTP) and the
 * activity workers. On 2 cores that is one thread, which `npm run bench` measured ahead of two.
 */
export function defaultEpisodeThreads(): number {
  return Math.max(1, Math.min(4, os.availableParallelism() - 1));
}
