/**
 * A stand-in for `@azure/functions-core`, the module the real Node worker provides to apps.
 * `@azure/functions` requires it lazily on its first `app.*` call; installing this before the app
 * loads lets us capture every registration (name, bindings, handler) exactly as the worker sees it.
 * See azure-functions-nodejs-worker src/setupCoreModule.ts for the real one.
 */
import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';

/** A binding as `@azure/functions` describes it in function metadata. */
export interface BindingMetadata {
  type: string;
  direction: 'in' | 'out' | 'inout';
  [key: string]: unknown;
}

export interface Registration {
  name: string;
  bindings: Record<string, BindingMetadata>;
  /** The handler exactly as the app registered it (`(triggerInput, context, ...) => result`). */
  handler: (...args: unknown[]) => unknown;
  /** The trigger binding (the one binding whose type ends in `Trigger`). */
  trigger: BindingMetadata & { name: string };
}

export type HookName = 'appStart' | 'appTerminate' | 'preInvocation' | 'postInvocation' | 'log';
export type HookCallback = (coreContext: Record<string, unknown>) => unknown;

export interface CoreApi {
  registrations: Map<string, Registration>;
  programmingModel?: unknown;
  hooks: Map<string, HookCallback[]>;
  /** Shared by every hook for the app's lifetime (the worker's `appHookData`). */
  appHookData: Record<string, unknown>;
  /** The `hookData` of appStart and appTerminate hooks (the worker's `appLevelOnlyHookData`). */
  appLevelHookData: Record<string, unknown>;
}

const CORE_MODULE = '@azure/functions-core';
let installed: CoreApi | undefined;
/** Where registrations go: the installed registry, or a reload's fresh one while the new app loads. */
let target: CoreApi | undefined;

/** Installs the stand-in (once per process) and returns the registry it fills. */
export function installCoreApi(): CoreApi {
  if (installed) return installed;
  const api: CoreApi = { registrations: new Map(), hooks: new Map(), appHookData: {}, appLevelHookData: {} };
  target = api;
  const core = {
    version: '3.5.0',
    setProgrammingModel(model: unknown): void {
      target!.programmingModel = model;
    },
    getProgrammingModel(): unknown {
      return target!.programmingModel;
    },
    registerFunction(metadata: { name: string; bindings: Record<string, BindingMetadata> }, handler: Registration['handler']) {
      const entry = Object.entries(metadata.bindings).find(([, b]) => /Trigger$/.test(b.type));
      if (!entry) throw new Error(`function '${metadata.name}' has no trigger binding`);
      const registrations = target!.registrations;
      if (registrations.has(metadata.name)) throw new Error(`a function named '${metadata.name}' is already registered`);
      registrations.set(metadata.name, { name: metadata.name, bindings: metadata.bindings, handler, trigger: { ...entry[1], name: entry[0] } });
      return { dispose: () => registrations.delete(metadata.name) };
    },
    registerHook(name: string, callback: HookCallback) {
      const hooks = target!.hooks;
      const list = hooks.get(name) ?? [];
      list.push(callback);
      hooks.set(name, list);
      return { dispose: () => list.splice(list.indexOf(callback), 1) };
    },
    log(): void {},
    Disposable: class {
      constructor(private readonly fn: () => void) {}
      dispose(): void {
        this.fn();
      }
    },
  };
  const original = Module.prototype.require;
  Module.prototype.require = function (this: NodeJS.Module, id: string) {
    if (id === CORE_MODULE) return core;
    // eslint-disable-next-line prefer-rest-params
    return original.apply(this, arguments as unknown as [string]);
  } as typeof Module.prototype.require;
  installed = api;
  return api;
}

/**
 * The module to load for an app: a file as given, or a folder's package.json `main` (as the
 * Functions host resolves a v4 Node app).
 */
export function appEntry(fileOrFolder: string): string {
  const full = path.resolve(fileOrFolder);
  if (!fs.statSync(full).isDirectory()) return full;
  const pkg = JSON.parse(fs.readFileSync(path.join(full, 'package.json'), 'utf8')) as { main?: string };
  if (!pkg.main) throw new Error(`${full}/package.json has no "main": cannot tell which module registers the functions`);
  return path.resolve(full, pkg.main);
}

/**
 * The modules loading the app brought in, outside node_modules (the app's own compiled code):
 * what a reload evaluates afresh. Libraries (`@azure/functions`, `durable-functions`) stay loaded,
 * as they stay the same between two compiles.
 */
let appModules = new Set<string>();

/** Loads an app entry module (or app folder) with the stand-in in place and returns its registrations. */
/**
 * A standby process (`durable-flow dev`: the next app's, started ahead) loads the libraries the
 * app will need now, so a reload costs only the app's own load.
 */
export function preloadLibraries(entry: string): void {
  try {
    require(require.resolve('durable-functions', { paths: [path.dirname(entry)] }));
  } catch {
    // the app brings its own, or none: it is loaded with the app
  }
}

export function loadApp(entry: string): CoreApi {
  const api = installCoreApi();
  const before = new Set(Object.keys(require.cache));
  try {
    require(appEntry(entry));
  } finally {
    for (const key of Object.keys(require.cache)) if (!before.has(key) && !/[\\/]node_modules[\\/]/.test(key)) appModules.add(key);
  }
  return api;
}

/**
 * Loads the app again after a compile (`durable-flow dev`) beside the one serving: its own modules
 * are evaluated afresh into a separate registry, and nothing changes for the running app until
 * `commit()` puts the new registrations in place, in the same CoreApi the engine and the HTTP
 * server hold (the old handlers keep working until then: they are closures over the old
 * modules). When the new code throws while loading, the error is thrown and nothing changed.
 */
export function reloadApp(entry: string): { registrations: number; commit: () => void } {
  const api = installCoreApi();
  const fresh: CoreApi = { registrations: new Map(), hooks: new Map(), programmingModel: api.programmingModel, appHookData: {}, appLevelHookData: {} };
  // Should the new code fail to load, the next reload starts from nothing: the old app's
  // modules are gone from the cache either way (its handlers hold what they use).
  for (const key of appModules) delete require.cache[key];
  appModules = new Set();
  target = fresh;
  try {
    loadApp(entry);
  } finally {
    target = api;
  }
  return {
    registrations: fresh.registrations.size,
    commit() {
      api.registrations.clear();
      for (const [k, v] of fresh.registrations) api.registrations.set(k, v);
      api.hooks.clear();
      for (const [k, v] of fresh.hooks) api.hooks.set(k, v);
      api.appHookData = {};
      api.appLevelHookData = {};
    },
  };
}

/**
 * Runs the app's hooks of one kind in registration order, awaiting each, on one shared core
 * context (hooks may change its fields, e.g. preInvocation's `inputs`/`functionCallback`), as the
 * worker does (azure-functions-nodejs-worker src/hooks/executeHooks.ts).
 */
export async function fireHooks(api: CoreApi, name: HookName, coreContext: Record<string, unknown>): Promise<void> {
  coreContext.appHookData = api.appHookData;
  for (const hook of [...(api.hooks.get(name) ?? [])]) await hook(coreContext);
}

/** Loads the app and fires its appStart hooks, as the worker does after loading the entry point. */
export async function startApp(entry: string): Promise<CoreApi> {
  const api = loadApp(entry);
  await fireHooks(api, 'appStart', { hookData: api.appLevelHookData, functionAppDirectory: path.dirname(appEntry(entry)) });
  return api;
}
