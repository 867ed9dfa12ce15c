/**
 * Which compiled app the test kit runs, and loading it as the Functions host does
 * (host/functions/core-api.ts: the app's own registrations, captured through @azure/functions).
 *
 * Registrations are process-wide, as in a Functions worker: a process (a vitest test file) runs
 * one app, loaded once and shared by every test environment the file creates.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { appEntry, startApp, type CoreApi } from '../host/functions/core-api';

/** The nearest folder at or above `from` that holds a package.json (the project). */
export function projectRoot(from: string): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`durable-flow/testing: no package.json at or above ${from}: run the tests from your project, or pass { app }`);
  }
}

/** tsx's CommonJS loader, as seen from `from` (the project) or else from durable-flow's own dependencies. */
function tsxApi(from: string): string | undefined {
  for (const dir of [from, __dirname]) {
    try {
      return require.resolve('tsx/cjs/api', { paths: [dir] });
    } catch {
      // not there: try the next place
    }
  }
  return undefined;
}

const isTypeScript = (file: string): boolean => /\.[cm]?ts$/.test(file);

/**
 * The app entry module to load.
 *
 * - `app` given: a module, or a folder whose package.json `main` is the entry (as the Functions
 *   host resolves an app), relative to `cwd`.
 * - Otherwise the project's (the nearest package.json from `cwd`) generated entry
 *   `generated/index.ts`, through tsx, so activities are read from their sources and an edit
 *   counts without a build; without tsx, or without `generated/`, the package.json `main`
 *   (dist/generated/index.js after `durable-flow compile`).
 */
export function resolveApp(app: string | undefined, cwd: string = process.cwd()): string {
  if (app !== undefined) {
    const full = path.resolve(cwd, app);
    if (!fs.existsSync(full)) throw new Error(`durable-flow/testing: the app '${app}' does not exist (${full})`);
    const entry = appEntry(full);
    if (!fs.existsSync(entry)) throw new Error(`durable-flow/testing: the app entry ${entry} (package.json "main" of ${full}) does not exist: run \`npx durable-flow compile\` first`);
    return entry;
  }
  const root = projectRoot(cwd);
  const source = path.join(root, 'generated', 'index.ts');
  if (fs.existsSync(source) && tsxApi(root)) return source;
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { main?: string };
  const main = pkg.main ? path.resolve(root, pkg.main) : undefined;
  if (main && fs.existsSync(main)) return main;
  throw new Error(
    `durable-flow/testing: no compiled app in ${root}: looked for generated/index.ts (with tsx) and the package.json "main" (${pkg.main ?? 'not set'}). ` +
      'Run `npx durable-flow compile` in the project, or pass { app: "<entry module or app folder>" }.',
  );
}

let loaded: { entry: string; api: Promise<CoreApi> } | undefined;

/** Loads the app (once per process) and returns its registrations. */
export function loadTestApp(entry: string): Promise<CoreApi> {
  const real = fs.realpathSync(entry);
  if (loaded) {
    if (loaded.entry === real) return loaded.api;
    throw new Error(
      `durable-flow/testing: this process already runs the app ${loaded.entry}; functions register process-wide, so one test file runs one app (${real} cannot be loaded beside it). Put tests of another app in another file.`,
    );
  }
  if (isTypeScript(real)) {
    const tsx = tsxApi(path.dirname(real));
    if (!tsx) throw new Error(`durable-flow/testing: ${real} is TypeScript and tsx is not installed: install tsx, or point { app } at the compiled entry (dist/generated/index.js after \`npx durable-flow compile\`)`);
    (require(tsx) as { register(): unknown }).register();
  }
  loaded = { entry: real, api: startApp(real) };
  // A failed load is not cached: the next attempt reports the same error instead of a stale one.
  loaded.api.catch(() => (loaded = undefined));
  return loaded.api;
}
