/**
 * The embedded local host: loads a compiled Azure Functions v4 app unmodified (as the Functions
 * host would), serves it on loopback, and runs its orchestrations durably on SQLite.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadApp } from './functions/core-api';
import { Engine } from './executor/engine';
import { resolveKeys, type HostKeys } from './http/auth';
import { HostServer } from './http/server';
import { Schedules } from './executor/schedules';
import { createLogger, type Logger } from './log';
import { Store, type StoreSync } from './store/store';
import { WorkerPool } from './workers/pool';

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
}

export interface Host {
  url: string;
  /** The keys in force with enforceAuth. */
  keys?: HostKeys;
  engine: Engine;
  store: Store;
  close(): Promise<void>;
}

interface HostJson {
  extensions?: { durableTask?: { hubName?: string; maxConcurrentActivityFunctions?: number; maxConcurrentOrchestratorFunctions?: number } };
}

function readJson<T>(file: string): T | undefined {
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as T) : undefined;
}

export async function createHost(options: HostOptions): Promise<Host> {
  const appDir = path.resolve(options.appDir);
  const log: Logger = createLogger({ verbose: options.verbose ?? false, quiet: options.quiet, write: options.log });
  const settings = readJson<{ Values?: Record<string, string>; Host?: Record<string, unknown> }>(path.join(appDir, 'local.settings.json'));
  // Keys are checked before anything starts: an empty or short key in local.settings.json is refused.
  const keys = options.enforceAuth ? resolveKeys(settings?.Host, path.join(appDir, 'local.settings.json')) : undefined;
  for (const [k, v] of Object.entries(settings?.Values ?? {})) if (process.env[k] === undefined) process.env[k] = v;
  const durable = readJson<HostJson>(path.join(appDir, 'host.json'))?.extensions?.durableTask ?? {};
  const hubName = durable.hubName ?? 'TestHubName';
  const pkg = readJson<{ main?: string }>(path.join(appDir, 'package.json'));
  if (!pkg?.main) throw new Error(`${appDir}/package.json has no "main": compile the app first (npm run compile)`);
  const entry = path.resolve(appDir, pkg.main);
  if (!fs.existsSync(entry)) throw new Error(`the app entry ${path.relative(process.cwd(), entry)} does not exist: run npm run compile`);

  const api = loadApp(entry);
  const processCount = Number(process.env.FUNCTIONS_WORKER_PROCESS_COUNT ?? 1);
  const workers = processCount > 1 ? new WorkerPool(entry, processCount) : undefined;
  if (workers) {
    try {
      await workers.ready();
    } catch (e) {
      workers.close();
      throw e;
    }
  }
  const sync = options.sync ?? (process.env.DURABLE_FLOW_SYNC as StoreSync | undefined) ?? 'normal';
  if (sync !== 'normal' && sync !== 'full') throw new Error(`sync must be 'normal' or 'full', not '${sync}'`);
  const store = new Store(options.db ?? path.join(appDir, '.durable', `${hubName}.db`), sync);
  const engine = new Engine(
    store,
    api,
    {
      maxConcurrentActivityFunctions: durable.maxConcurrentActivityFunctions ?? 10,
      maxConcurrentOrchestratorFunctions: durable.maxConcurrentOrchestratorFunctions ?? 10,
      leaseMs: 5 * 60_000,
    },
    log,
    workers,
  );
  const server = new HostServer(api, engine, store, { hubName, keys }, log);
  const url = await server.listen(options.port ?? 7071);
  engine.start();
  const schedules = new Schedules(api, () => server.clientBinding(), log);
  schedules.start();

  log.info(`durable-flow host: ${api.registrations.size} functions from ${path.relative(process.cwd(), entry) || entry}, task hub '${hubName}'`);
  for (const r of [...api.registrations.values()].filter((r) => r.trigger.type === 'httpTrigger')) {
    log.info(`  ${r.name}: [${((r.trigger.methods as string[]) ?? ['GET', 'POST']).join(',')}] ${url}/api/${r.trigger.route ?? r.name}`);
  }
  if (workers) log.info(`activities run in ${workers.size} worker processes (FUNCTIONS_WORKER_PROCESS_COUNT)`);
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
      workers?.close();
      store.close();
    },
  };
}
