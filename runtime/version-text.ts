/**
 * How durable-flow writes a workflow version where Durable carries it, and the input wrapper that
 * carries one across continueAsNew (runtime/versions.ts). No dependencies: the embedded host and
 * the compiler's `versions` command import this file.
 *
 * A Durable version is `<app>.0.<workflow>`: the app version that started the instance (the sum
 * of every recorded workflow's latest version, docs/versioning.md) and the workflow's own version.
 * The worker's version, host.json's `defaultVersion`, is `<app>.1`: with the extension's
 * CurrentOrOlder check every instance of this app or an older one is at or below it (System.Version
 * order: 7.0.3 < 7.1 < 8.0.1), and an instance a newer app started is above it, so a worker of an
 * older app leaves it (Reject) for a newer worker instead of failing it. `<app>.1` on an instance
 * means it was started without a version (the raw Durable API): the latest of the app that runs it.
 * A plain `<n>` is a version given before app versions existed.
 */

/** The key of the input wrapper that carries a version across continueAsNew. */
export const VERSION_KEY = '$durableFlowVersion';

/** A durable-flow workflow version as text: a decimal number from 1, no sign, no leading zero. */
const VERSION_TEXT = /^[1-9][0-9]{0,8}$/;
/** `<app>.0.<workflow>`, `<app>.1`: System.Version parts (app below 2^31). */
const DURABLE_TEXT = /^(0|[1-9][0-9]{0,8})\.(?:0\.([1-9][0-9]{0,8})|(1))$/;

/** What a Durable version durable-flow gave says: the app version (0 before app versions) and the workflow version, or `latest`. */
export interface VersionParts {
  app: number;
  workflow: number | 'latest';
}

export function readVersion(text: unknown): VersionParts | undefined {
  if (typeof text !== 'string') return undefined;
  if (VERSION_TEXT.test(text)) return { app: 0, workflow: Number(text) };
  const m = DURABLE_TEXT.exec(text);
  if (!m) return undefined;
  return { app: Number(m[1]), workflow: m[2] !== undefined ? Number(m[2]) : 'latest' };
}

/** The workflow version a Durable version (or an envelope's version) names, or undefined when it names none (no version, `<app>.1`, text durable-flow did not give). */
export function versionNumber(text: unknown): number | undefined {
  const parts = readVersion(text);
  return typeof parts?.workflow === 'number' ? parts.workflow : undefined;
}

/**
 * The workflow version an instance runs, from its Durable version (or an envelope's): the one it
 * names, the `latest` for `<app>.1`, and 1 for none or text durable-flow did not give (an
 * instance from before versioning runs version 1).
 */
export function workflowVersion(text: unknown, latest: number): number {
  const parts = readVersion(text);
  if (!parts) return 1;
  return parts.workflow === 'latest' ? latest : parts.workflow;
}

/** The Durable version of an instance of workflow version `workflow` started by app version `app`. */
export function durableVersion(app: number, workflow: number): string {
  return `${app}.0.${workflow}`;
}

/**
 * The Durable version of a child this execution starts (a sub-workflow step, a partition slice):
 * the child's workflow version with this instance's app version, so the child is never newer than
 * its parent for a worker's version check. From the parent's own Durable version, so replay gives
 * the same text on every worker; 0 when the parent's is from before app versions.
 */
export function childVersion(context: { df: { version?: string } }, workflow: number): string {
  return durableVersion(readVersion(context.df.version)?.app ?? 0, workflow);
}

/** host.json's `defaultVersion` for app version `app`: the worker's version (see the file comment). */
export function workerVersion(app: number): string {
  return `${app}.1`;
}

/** The wrapper `{ $durableFlowVersion, input }` a continueAsNew to another version leaves, or undefined. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function versionEnvelope(input: unknown): { version: string; input: any } | undefined {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return undefined;
  const keys = Object.keys(input);
  const v = (input as Record<string, unknown>)[VERSION_KEY];
  if (keys.length !== 2 || !keys.includes('input') || typeof v !== 'string') return undefined;
  return { version: v, input: (input as { input: unknown }).input };
}
