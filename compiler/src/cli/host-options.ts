/**
 * The embedded host's options, shared by `start`, `dev` and `host/cli.ts` (`npm run host`), and
 * what turns them into a running host.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { choice, intOption, UsageError, type OptionSpecs, type Parsed } from './args';
import type { Host, HostOptions } from '../../../host/main';

export const HOST_OPTIONS: OptionSpecs = {
  port: { type: 'string', value: 'n', help: 'port on 127.0.0.1 (default: $PORT, else 7071; 0 picks a free one)' },
  db: { type: 'string', value: 'file', help: 'SQLite file, or :memory: (default: .durable/<hubName>.db)' },
  sync: { type: 'string', value: 'normal|full', help: "'full' makes commits survive power loss too (fsync per commit)" },
  'enforce-auth': { type: 'boolean', help: 'check function keys (from local.settings.json Host, else generated and printed)' },
  'episode-threads': { type: 'string', value: 'n', help: 'threads running orchestration episodes (0: the host thread, for debugging)' },
  'episode-budget': { type: 'string', value: 'duration', help: 'an episode running longer fails its instance (default 10s)' },
  verbose: { type: 'boolean', help: 'log every function execution' },
};

/** `--engine extension` (the real Durable Task extension on Azurite) is for `start` and `npm run host`. */
export const ENGINE_OPTIONS: OptionSpecs = {
  engine: { type: 'string', value: 'embedded|extension', help: "'extension' runs the app on the real Durable Task extension and Azurite" },
  storage: { type: 'string', value: 'folder|:memory:|connection', help: "(extension) Azurite's state (default: .durable/azurite)" },
};

export interface HostChoice {
  engine: 'embedded' | 'extension';
  port: number;
  options: Omit<HostOptions, 'appDir' | 'port'>;
  storage?: string;
}

export function hostChoice(values: Parsed['values']): HostChoice {
  const engine = choice(values, 'engine', ['embedded', 'extension'] as const);
  const port = intOption(values, 'port', 0, 65535) ?? (process.env.PORT !== undefined ? Number(process.env.PORT) : 7071);
  const sync = values.sync === undefined ? undefined : choice(values, 'sync', ['normal', 'full'] as const);
  const episodeThreads = intOption(values, 'episode-threads', 0);
  let episodeBudgetMs: number | undefined;
  if (typeof values['episode-budget'] === 'string') {
    const { parseDuration } = require('../../../runtime/durations') as typeof import('../../../runtime/durations');
    episodeBudgetMs = parseDuration(values['episode-budget']);
    if (episodeBudgetMs === undefined || episodeBudgetMs <= 0) throw new UsageError(`--episode-budget takes a duration like 10s, not '${values['episode-budget']}'`);
  }
  const db = typeof values.db === 'string' ? (values.db === ':memory:' ? values.db : path.resolve(values.db)) : undefined;
  const enforceAuth = values['enforce-auth'] === true;
  const storage = typeof values.storage === 'string' ? values.storage : undefined;
  if (engine === 'extension') {
    const embeddedOnly = [db && '--db', sync && '--sync', enforceAuth && '--enforce-auth', episodeThreads !== undefined && '--episode-threads', episodeBudgetMs !== undefined && '--episode-budget'].filter(Boolean);
    if (embeddedOnly.length > 0) throw new UsageError(`${embeddedOnly.join(', ')}: for the embedded engine only (the extension engine keeps its state in Azurite: --storage)`);
  } else if (storage !== undefined) throw new UsageError('--storage is for the extension engine (--engine extension); the embedded engine takes --db');
  return { engine, port, storage, options: { db, sync, enforceAuth, verbose: values.verbose === true, episodeThreads, episodeBudgetMs } };
}

/** Starts the host the options describe on the app in `appDir`. */
export async function startHost(appDir: string, c: HostChoice): Promise<Host | { url: string; close(): Promise<void> }> {
  if (c.engine === 'extension') {
    const { createExtensionHost } = require('../../../host/extension-engine/main') as typeof import('../../../host/extension-engine/main');
    return createExtensionHost({ appDir, port: c.port, storage: c.storage, verbose: c.options.verbose });
  }
  const { createHost } = require('../../../host/main') as typeof import('../../../host/main');
  return createHost({ appDir, port: c.port, ...c.options });
}

/** Resolves on SIGINT or SIGTERM (the first), with its name. */
export function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string) => (): void => {
      process.removeListener('SIGINT', int);
      process.removeListener('SIGTERM', term);
      resolve(signal);
    };
    const int = on('SIGINT');
    const term = on('SIGTERM');
    process.once('SIGINT', int);
    process.once('SIGTERM', term);
  });
}

/**
 * Says so when the app this host loaded is compiled again: a host that does not reload keeps
 * serving the code it loaded (and starting the versions that code knows), which must not go
 * unnoticed. Polls the entry module's modification time (a compile rewrites it).
 */
export function warnWhenRecompiled(appDir: string, log: (line: string) => void = (l) => console.log(l)): () => void {
  let entry: string;
  try {
    const main = (JSON.parse(fs.readFileSync(path.join(appDir, 'package.json'), 'utf8')) as { main?: string }).main;
    if (!main) return () => undefined;
    entry = path.resolve(appDir, main);
  } catch {
    return () => undefined;
  }
  let warned = false;
  const listener = (now: fs.Stats, before: fs.Stats): void => {
    if (warned || now.mtimeMs === before.mtimeMs || now.mtimeMs === 0) return;
    warned = true;
    log(`${path.relative(process.cwd(), entry) || entry} was compiled again: this host still serves the app it loaded. Restart it, or run durable-flow dev, which reloads the app after each compile.`);
  };
  fs.watchFile(entry, { interval: 1000 }, listener);
  return () => fs.unwatchFile(entry, listener);
}

/** Serves until SIGINT/SIGTERM, then shuts down cleanly. */
export async function serve(appDir: string, c: HostChoice): Promise<never> {
  const host = await startHost(appDir, c);
  console.log(`listening on ${host.url} (Ctrl+C to stop)`);
  const unwatch = warnWhenRecompiled(appDir);
  const signal = await untilSignal();
  unwatch();
  console.log(`${signal}: shutting down`);
  await host.close();
  // As the Functions host does: nothing the app left running (a handle, a timer) keeps the process.
  process.exit(0);
}
