/**
 * The embedded local host: loads a compiled Azure Functions v4 app unmodified (as the Functions
 * host would), serves it on loopback, and runs its orchestrations durably on SQLite.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applySettings, logRoutes, readAppFolder, stateDir } from './app-folder';
import { loadApp, reloadApp } from './functions/core-api';
import { workflowRegistry, type RegisteredWorkflow } from '../runtime/registry';
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
  /**
   * Keep the next app's worker processes and episode threads started ahead (with the libraries
   * loaded, not the app), so reload() costs only the app's own load (`durable-flow dev`).
   */
  reloadable?: boolean;
}

export interface Host {
  url: string;
  /** The keys in force with enforceAuth. */
  keys?: HostKeys;
  engine: Engine;
  store: Store;
  /**
   * Loads the app again from its folder (after a compile: `durable-flow dev`) without stopping:
   * the same database, server and engine; new worker processes and episode threads load the new
   * code first, then the new registrations, routes and host.json versioning take over, and the
   * old workers finish what they run. Instances in flight carry on. When the new app cannot be
   * loaded, this throws and the old app keeps serving.
   */
  reload(): Promise<{ functions: number; ms: number }>;
  /** The app's HTTP routes (`/api/workflows/hello`), as they are now. */
  routes(): string[];
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
  const threads = options.episodeThreads ?? Number(process.env.DURABLE_FLOW_EPISODE_THREADS ?? defaultEpisodeThreads());
  const newPools = (standby: boolean): { workers: WorkerPool; episodes?: EpisodePool } => ({
    workers: new WorkerPool(entry, processCount, { functionTimeoutMs: functionTimeout, log: (line) => log.info(line) }, { standby }),
    episodes: threads > 0 ? new EpisodePool({ entry, threads, budgetMs: options.episodeBudgetMs ?? 10_000, heapMb: options.episodeHeapMb ?? 512, standby }) : undefined,
  });
  let { workers, episodes } = newPools(false);
  /** The next app's pools, started ahead (reloadable hosts only). */
  let standby = options.reloadable ? newPools(true) : undefined;
  const closePools = async (p: { workers: WorkerPool; episodes?: EpisodePool } | undefined): Promise<void> => {
    p?.workers.close();
    await p?.episodes?.close();
  };
  try {
    await Promise.all([workers.ready(), episodes?.ready()]);
  } catch (e) {
    workers.close();
    await episodes?.close();
    await closePools(standby);
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
      runEpisode: episodes ? (input, loadPlayed) => episodes!.run(input, loadPlayed) : undefined,
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
    await closePools(standby);
    store.close();
    lock.release();
    throw e;
  }
  engine.start();
  let schedules = new Schedules(api, () => server.clientBinding(), log);
  schedules.start();
  let reloading = Promise.resolve();
  /** The pools a reload replaced, finishing the work they had. */
  const retiring = new Set<{ workers: WorkerPool; episodes?: EpisodePool }>();

  log.info(`durable-flow host: ${api.registrations.size} functions from ${path.relative(process.cwd(), entry) || entry}, task hub '${hubName}'`);
  logRoutes(api, url, log);
  log.info(`activities run in ${workers.size} worker process${workers.size === 1 ? '' : 'es'} (FUNCTIONS_WORKER_PROCESS_COUNT), orchestrations in ${episodes ? `${threads} episode process${threads === 1 ? '' : 'es'} (--episode-threads)` : "the host's thread"}`);
  if (keys) log.info(`keys are enforced: function key ${keys.function}, master key ${keys.master}`);

  return {
    url,
    keys,
    engine,
    store,
    routes() {
      return [...api.registrations.values()].filter((r) => r.trigger.type === 'httpTrigger').map((r) => `/api/${String(r.trigger.route ?? r.name)}`);
    },
    reload() {
      const run = async (): Promise<{ functions: number; ms: number }> => {
        const started = Date.now();
        const next = readAppFolder(appDir);
        applySettings(next);
        const durableNext = next.hostJson.extensions?.durableTask ?? {};
        // New processes and threads load the new code (the old ones keep what they loaded), while
        // this thread loads it beside the app serving; nothing changes until all of it has loaded.
        const fresh = standby ?? newPools(true);
        standby = undefined;
        const activated = Promise.all([fresh.workers.activate(functionTimeoutMs(next.hostJson.functionTimeout)), fresh.episodes?.activate()]);
        activated.catch(() => undefined);
        // The runtime shim fills the process-wide workflow registry as the app loads: keep the old entries until the commit.
        const registry = workflowRegistry();
        const oldEntries = new Map(registry);
        registry.clear();
        let loaded: ReturnType<typeof reloadApp>;
        let newEntries: Map<string, RegisteredWorkflow>;
        try {
          loaded = reloadApp(entry);
          newEntries = new Map(registry);
          await activated;
        } catch (e) {
          await closePools(fresh);
          standby = options.reloadable ? newPools(true) : undefined;
          throw e;
        } finally {
          registry.clear();
          for (const [k, v] of oldEntries) registry.set(k, v);
        }
        loaded.commit();
        registry.clear();
        for (const [k, v] of newEntries) registry.set(k, v);
        const nextWorkers = fresh.workers;
        const nextEpisodes = fresh.episodes;
        const oldWorkers = workers;
        const oldEpisodes = episodes;
        workers = nextWorkers;
        episodes = nextEpisodes;
        engine.appReloaded({ workers, versioning: versioningSettings(durableNext) });
        schedules.stop();
        schedules = new Schedules(api, () => server.clientBinding(), log);
        schedules.start();
        const retired = { workers: oldWorkers, episodes: oldEpisodes };
        retiring.add(retired);
        void Promise.all([oldWorkers.closeWhenIdle(), oldEpisodes?.closeWhenIdle()]).finally(() => retiring.delete(retired));
        standby = options.reloadable ? newPools(true) : undefined;
        return { functions: api.registrations.size, ms: Date.now() - started };
      };
      // One reload at a time, in the order asked.
      const result = reloading.then(run);
      reloading = result.then(
        () => undefined,
        () => undefined,
      );
      return result;
    },
    async close() {
      await reloading;
      await closePools(standby);
      standby = undefined;
      schedules.stop();
      await server.close();
      await engine.stop();
      workers.close();
      await episodes?.close();
      for (const p of retiring) await closePools(p);
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
