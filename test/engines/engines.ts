/**
 * Both engines behind the same HTTP API, for tests that must give the same answer on each: the
 * embedded host (host/main.ts, SQLite) and the real Durable Task extension (host/extension-engine,
 * Azurite). Each runs the unmodified compiled app (dist/generated/index.js) from an app folder
 * whose host.json is the repository's, with the queue polling interval tuned down the way users
 * tune it locally (the extension's default backs off to 30 s when idle).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createExtensionHost } from '../../host/extension-engine/main';
import { createHost } from '../../host/main';

export type EngineName = 'embedded' | 'extension';
export const ENGINES: readonly EngineName[] = ['embedded', 'extension'];

export interface Engine {
  name: EngineName;
  url: string;
  close(): Promise<void>;
}

const root = path.resolve(__dirname, '../..');

/** An app folder for the compiled examples with the repository's host.json, `durableTask` merged with `overrides`. */
export function appFolder(overrides: Record<string, unknown> = {}, main = path.join(root, 'dist/generated/index.js')): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-engines-'));
  const hostJson = JSON.parse(fs.readFileSync(path.join(root, 'host.json'), 'utf8'));
  hostJson.extensions.durableTask = { ...hostJson.extensions.durableTask, storageProvider: { maxQueuePollingInterval: '00:00:01' }, ...overrides };
  fs.writeFileSync(path.join(dir, 'host.json'), JSON.stringify(hostJson, null, 2));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'engines-app', private: true, main }));
  return dir;
}

export async function startEngine(name: EngineName, appDir: string, options: { storage?: string; log?: (line: string) => void } = {}): Promise<Engine> {
  const quiet = options.log === undefined;
  if (name === 'embedded') {
    const db = options.storage ? path.join(options.storage, 'hub.db') : ':memory:';
    if (options.storage) fs.mkdirSync(options.storage, { recursive: true });
    const host = await createHost({ appDir, db, port: 0, quiet, log: options.log });
    return { name, url: host.url, close: () => host.close() };
  }
  const host = await createExtensionHost({ appDir, port: 0, storage: options.storage ?? ':memory:', quiet, log: options.log });
  return { name, url: host.url, close: () => host.close() };
}

/** The app version of the repository's compiled examples (generated/index.ts registers it). */
export function repoAppVersion(): number {
  const m = /rt\.registerApp\(\{ version: (\d+) \}\)/.exec(fs.readFileSync(path.join(root, 'generated/index.ts'), 'utf8'));
  if (!m) throw new Error('generated/index.ts registers no app version: run npm run compile');
  return Number(m[1]);
}

/**
 * Both engines over the same app for a test file: started before its tests, stopped after them.
 * The map is filled once they run.
 */
export function bothEngines(appDir: () => string): Map<EngineName, Engine> {
  const engines = new Map<EngineName, Engine>();
  beforeAll(async () => {
    const app = appDir();
    for (const name of ENGINES) engines.set(name, await startEngine(name, app));
  }, 180_000);
  afterAll(async () => {
    for (const e of engines.values()) await e.close();
  });
  return engines;
}

/**
 * What both engines must agree on about a finished (or waiting) instance. The times abandoned work
 * was abandoned at (runtime/late.ts) are each engine's own clock, so they are left out.
 */
export function summary(status: Record<string, unknown>): Record<string, unknown> {
  const custom = status.customStatus as { late?: Array<Record<string, unknown>> } | null | undefined;
  const late = Array.isArray(custom?.late) ? { late: custom.late.map(({ abandonedAt: _at, ...rest }) => rest) } : {};
  return { runtimeStatus: status.runtimeStatus, output: status.output, customStatus: custom && typeof custom === 'object' ? { ...custom, ...late } : (custom ?? null) };
}
