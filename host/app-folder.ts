/**
 * What both engines read from an app's folder before they start: local.settings.json (its
 * `Values` become environment variables not already set, as Core Tools does), host.json, and the
 * entry module package.json's `main` names, which must exist (the app is compiled).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hubNameProblem } from '../compiler/src/host-json';
import type { CoreApi } from './functions/core-api';
import type { Logger } from './log';

export interface HostJson {
  functionTimeout?: unknown;
  extensions?: {
    durableTask?: {
      hubName?: string;
      maxConcurrentActivityFunctions?: number;
      maxConcurrentOrchestratorFunctions?: number;
      defaultVersion?: unknown;
      versionMatchStrategy?: unknown;
      versionFailureStrategy?: unknown;
    };
  };
}

export interface AppFolder {
  appDir: string;
  settings?: { Values?: Record<string, string>; Host?: Record<string, unknown> };
  hostJson: HostJson;
  /** host.json's hubName, else the extension's default. */
  hubName: string;
  /** The module that registers the app's functions. */
  entry: string;
}

function readJson<T>(file: string): T | undefined {
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as T) : undefined;
}

export function readAppFolder(dir: string): AppFolder {
  const appDir = path.resolve(dir);
  const settings = readJson<AppFolder['settings']>(path.join(appDir, 'local.settings.json'));
  const hostJson = readJson<HostJson>(path.join(appDir, 'host.json')) ?? {};
  const pkg = readJson<{ main?: string }>(path.join(appDir, 'package.json'));
  if (!pkg?.main) throw new Error(`${appDir}/package.json has no "main": compile the app first (npm run compile)`);
  const entry = path.resolve(appDir, pkg.main);
  if (!fs.existsSync(entry)) throw new Error(`the app entry ${path.relative(process.cwd(), entry)} does not exist: run npm run compile`);
  const hubName = hostJson.extensions?.durableTask?.hubName ?? 'TestHubName';
  const bad = hubNameProblem(hubName);
  if (bad) throw new Error(`${path.join(appDir, 'host.json')}: ${bad}`);
  return { appDir, settings, hostJson, hubName, entry };
}

/**
 * The app's `.durable/` folder, where each engine keeps its state by default (the SQLite file,
 * Azurite's files): a real folder inside the app, never followed through a symbolic link (a pull
 * request could commit `.durable -> ~`, and the host would write there).
 */
export function stateDir(appDir: string): string {
  const dir = path.join(appDir, '.durable');
  const stat = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (stat && !stat.isDirectory()) {
    throw new Error(`${dir} is ${stat.isSymbolicLink() ? `a symbolic link (to ${JSON.stringify(fs.readlinkSync(dir))})` : 'not a folder'}: the host keeps its state only in a real folder; remove it, or give the host --db (or --storage) elsewhere`);
  }
  return dir;
}

/** local.settings.json's Values into the environment, where not already set. */
export function applySettings(app: AppFolder): void {
  for (const [k, v] of Object.entries(app.settings?.Values ?? {})) if (process.env[k] === undefined) process.env[k] = v;
}

/** One line per HTTP trigger: its methods and URL. */
export function logRoutes(api: CoreApi, url: string, log: Logger): void {
  for (const r of [...api.registrations.values()].filter((r) => r.trigger.type === 'httpTrigger')) {
    log.info(`  ${r.name}: [${((r.trigger.methods as string[]) ?? ['GET', 'POST']).join(',')}] ${url}/api/${r.trigger.route ?? r.name}`);
  }
}
