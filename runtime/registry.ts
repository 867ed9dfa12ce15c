/**
 * What the starters know about each workflow, kept where a host can find it: a map on a
 * `Symbol.for('durable-flow.workflows')` slot of globalThis, keyed by orchestrator name, filled
 * when a blueprint calls `rt.httpStarter` / `rt.timerStarter` (that is, when the app is loaded).
 *
 * The embedded host reads it after loading the app to validate starts that do not go through the
 * workflow's own starter (the Durable webhook API) and to know which key a workflow's instances
 * need. It is a global slot rather than a module export because the host and the compiled app load
 * separate copies of this module (`runtime/` from source, `dist/runtime/` compiled). On Azure nothing
 * reads it. No dependencies but version-text.ts: the host imports this file.
 */
import { durableVersion } from './version-text';

export type AuthLevel = 'anonymous' | 'function' | 'admin';

/** A compiled input validator (ajv standalone): `validate(input)`, then `validate.errors`. */
export type InputValidator = ((input: unknown) => boolean) & { errors?: Array<{ instancePath: string; message?: string }> | null };

export interface RegisteredWorkflow {
  /** The orchestrator's registered name. */
  workflow: string;
  /** Validates a start input against the workflow's `input` schema. */
  validate?: InputValidator;
  /** The authLevel of the workflow's HTTP routes (its instances need the same key). */
  authLevel?: AuthLevel;
  /** Whether the instance id is a singleton key (restart must keep it). */
  singleton: boolean;
  /** When this entry is a workflow's partition orchestrator (slices): the workflow it belongs to. */
  partitionOf?: string;
  /** The latest version of the workflow: the one its starters start (runtime/versions.ts). */
  version?: number;
}

export const REGISTRY_SLOT = Symbol.for('durable-flow.workflows');

/** The process-wide registry (created on first use). */
export function workflowRegistry(): Map<string, RegisteredWorkflow> {
  const g = globalThis as unknown as Record<symbol, Map<string, RegisteredWorkflow> | undefined>;
  return (g[REGISTRY_SLOT] ??= new Map());
}

/** Records (or completes) a workflow's entry; `partition` names its slice orchestrator, if any. */
export function registerWorkflow(entry: Omit<RegisteredWorkflow, 'singleton'> & { singleton?: boolean; partition?: string }): void {
  const registry = workflowRegistry();
  const known = registry.get(entry.workflow);
  const merged: RegisteredWorkflow = {
    workflow: entry.workflow,
    validate: entry.validate ?? known?.validate,
    authLevel: entry.authLevel ?? known?.authLevel,
    singleton: (entry.singleton ?? false) || (known?.singleton ?? false),
    version: entry.version ?? known?.version,
  };
  registry.set(entry.workflow, merged);
  if (entry.partition) registry.set(entry.partition, { workflow: entry.partition, authLevel: merged.authLevel, singleton: false, partitionOf: entry.workflow });
}

export const APP_SLOT = Symbol.for('durable-flow.app');

/**
 * Records the app version (generated/index.ts, from the version record: docs/versioning.md):
 * what every start of this app carries in its Durable version.
 */
export function registerApp(app: { version: number }): void {
  (globalThis as unknown as Record<symbol, { version: number } | undefined>)[APP_SLOT] = { version: app.version };
}

/** The app version registered by the app, or undefined for an app generated before app versions. */
export function appVersion(): number | undefined {
  return (globalThis as unknown as Record<symbol, { version: number } | undefined>)[APP_SLOT]?.version;
}

/** The Durable version a start of workflow version `version` passes: with the app version when the app registered one; undefined leaves it to host.json. */
export function startVersion(version: number | undefined): string | undefined {
  if (version === undefined) return undefined;
  const app = appVersion();
  return app === undefined ? String(version) : durableVersion(app, version);
}

/** The violations of a validator's last run as `{ pointer, message }` (JSON pointer + message). */
export function violations(validate: InputValidator): Array<{ pointer: string; message: string }> {
  return (validate.errors ?? []).map((e) => ({ pointer: e.instancePath || '/', message: e.message ?? 'is invalid' }));
}

/**
 * Why `input` is not a valid start input of `workflow` (the validator's words and violations), or
 * undefined when it is (or when there is no validator). Every start path answers with these words:
 * the HTTP starter, the webhook API's start, and both restarts.
 */
export function inputProblem(workflow: string, validate: InputValidator | undefined, input: unknown): { message: string; violations: Array<{ pointer: string; message: string }> } | undefined {
  if (!validate || validate(input)) return undefined;
  const list = violations(validate);
  return { message: `the input of '${workflow}' does not match its schema: ${list.map((v) => `${v.pointer} ${v.message}`).join('; ')}`, violations: list };
}
