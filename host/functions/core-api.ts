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

/** Installs the stand-in (once per process) and returns the registry it fills. */
export function installCoreApi(): CoreApi {
  if (installed) return installed;
  const api: CoreApi = { registrations: new Map(), hooks: new Map(), appHookData: {}, appLevelHookData: {} };
  const core = {
    version: '3.5.0',
    setProgrammingModel(model: unknown): void {
      api.programmingModel = model;
    },
    getProgrammingModel(): unknown {
      return api.programmingModel;
    },
    registerFunction(metadata: { name: string; bindings: Record<string, BindingMetadata> }, handler: Registration['handler']) {
      const entry = Object.entries(metadata.bindings).find(([, b]) => /Trigger$/.test(b.type));
      if (!entry) throw new Error(`function '${metadata.name}' has no trigger binding`);
      if (api.registrations.has(metadata.name)) throw new Error(`a function named '${metadata.name}' is already registered`);
      api.registrations.set(metadata.name, { name: metadata.name, bindings: metadata.bindings, handler, trigger: { ...entry[1], name: entry[0] } });
      return { dispose: () => api.registrations.delete(metadata.name) };
    },
    registerHook(name: string, callback: HookCallback) {
      const list = api.hooks.get(name) ?? [];
      list.push(callback);
      api.hooks.set(name, list);
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

/** Loads an app entry module (or app folder) with the stand-in in place and returns its registrations. */
export function loadApp(entry: string): CoreApi {
  const api = installCoreApi();
  require(appEntry(entry));
  return api;
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
