/**
 * A stand-in for `@azure/functions-core`, the module the real Node worker provides to apps.
 * `@azure/functions` requires it lazily on its first `app.*` call; installing this before the app
 * loads lets us capture every registration (name, bindings, handler) exactly as the worker sees it.
 * See azure-functions-nodejs-worker src/setupCoreModule.ts for the real one.
 */
import Module from 'node:module';

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

export interface CoreApi {
  registrations: Map<string, Registration>;
  programmingModel?: unknown;
  hooks: Map<string, Array<(...args: unknown[]) => unknown>>;
}

const CORE_MODULE = '@azure/functions-core';
let installed: CoreApi | undefined;

/** Installs the stand-in (once per process) and returns the registry it fills. */
export function installCoreApi(): CoreApi {
  if (installed) return installed;
  const api: CoreApi = { registrations: new Map(), hooks: new Map() };
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
    registerHook(name: string, callback: (...args: unknown[]) => unknown) {
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

/** Loads an app entry module with the stand-in in place and returns its registrations. */
export function loadApp(entry: string): CoreApi {
  const api = installCoreApi();
  require(entry);
  return api;
}
