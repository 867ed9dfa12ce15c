/**
 * Orchestration versions as the Durable extension handles them (host.json
 * `extensions.durableTask.defaultVersion`, `versionMatchStrategy`, `versionFailureStrategy`),
 * from DurableTask.Core's sources:
 *
 * - An instance's version is its ExecutionStarted.Version, fixed when it is created: the version
 *   the start passed (the `version` query parameter of the start API, durable-functions'
 *   `startNew(name, { version })`), else `defaultVersion`. A sub-orchestration gets the version
 *   its call passed (`callSubOrchestrator(name, input, id, version)`), else `defaultVersion`,
 *   not its parent's (the extension's OrchestrationVersionTests.ExistingOrchestrationVersionIsImmutable).
 *   A continueAsNew keeps the version (TaskOrchestrationDispatcher: `NewVersion ?? runtimeState.Version`;
 *   durable-functions' continueAsNew passes none).
 * - Before it runs an orchestration work item, the dispatcher checks the instance's version against
 *   `defaultVersion` (TaskOrchestrationDispatcher ~400-430): `None` runs everything, `Strict` only
 *   the same version (string equality), `CurrentOrOlder` versions not above it
 *   (VersioningSettings.CompareVersions). On a mismatch `Reject` abandons the work item (the
 *   instance keeps its state and waits for a worker that accepts it), `Fail` fails the instance
 *   ("VersionMismatch": "Orchestration version did not comply with Worker Versioning").
 *
 * Defaults, from the extension's DurableTaskOptions (3.19.0, read from the package): no
 * `defaultVersion`, `versionMatchStrategy` CurrentOrOlder, `versionFailureStrategy` Reject, always
 * handed to the worker (DurableTaskExtension.InitializeTaskHubWorker). So with host.json silent,
 * an instance started with any version is newer than the worker's empty one and is rejected,
 * again and again: it stays Pending with no error. Shown on the real extension by
 * test/engines/versioning.test.ts; the embedded host does the same.
 */

export type VersionMatchStrategy = 'None' | 'Strict' | 'CurrentOrOlder';
export type VersionFailureStrategy = 'Reject' | 'Fail';

export interface VersioningSettings {
  /** host.json `defaultVersion`: the version of starts that pass none; what `Strict`/`CurrentOrOlder` compare with. */
  defaultVersion?: string;
  matchStrategy: VersionMatchStrategy;
  failureStrategy: VersionFailureStrategy;
}

/** The reason a Fail strategy records (DurableTask.Core's FailureDetails message). */
export const VERSION_MISMATCH = 'Orchestration version did not comply with Worker Versioning';

/** System.Version.TryParse: 2 to 4 dot-separated non-negative integers; absent parts compare as -1. */
function dotnetVersion(text: string): number[] | undefined {
  const t = text.trim();
  if (!/^\d+(\.\d+){1,3}$/.test(t)) return undefined;
  const parts = t.split('.').map(Number);
  if (parts.some((p) => p > 2_147_483_647)) return undefined;
  while (parts.length < 4) parts.push(-1);
  return parts;
}

/**
 * VersioningSettings.CompareVersions: empty versions are equal and older than any other; two
 * System.Version strings compare as versions; anything else case-insensitively as strings.
 */
export function compareVersions(source: string | undefined, other: string | undefined): number {
  const a = source?.trim() ? source : '';
  const b = other?.trim() ? other : '';
  if (!a && !b) return 0;
  if (!a) return -1;
  if (!b) return 1;
  const va = dotnetVersion(a);
  const vb = dotnetVersion(b);
  if (va && vb) {
    for (let i = 0; i < 4; i++) if (va[i] !== vb[i]) return va[i] < vb[i] ? -1 : 1;
    return 0;
  }
  const ua = a.toUpperCase();
  const ub = b.toUpperCase();
  return ua === ub ? 0 : ua < ub ? -1 : 1;
}

/** What the dispatcher does with an instance of `version` (absent: no version, the extension's empty one). */
export function versionVerdict(version: string | null | undefined, settings: VersioningSettings | undefined): 'run' | 'reject' | 'fail' {
  if (!settings) return 'run';
  const v = version ?? '';
  const worker = settings.defaultVersion ?? '';
  const failed = settings.matchStrategy === 'Strict' ? v !== worker : settings.matchStrategy === 'CurrentOrOlder' ? compareVersions(v, worker) > 0 : false;
  if (!failed) return 'run';
  return settings.failureStrategy === 'Fail' ? 'fail' : 'reject';
}

const MATCH: readonly VersionMatchStrategy[] = ['None', 'Strict', 'CurrentOrOlder'];
const FAILURE: readonly VersionFailureStrategy[] = ['Reject', 'Fail'];

/** The settings from host.json's durableTask section (enum names case-insensitive, as .NET binds them), the extension's defaults where it is silent; throws on a bad value. */
export function versioningSettings(durableTask: { defaultVersion?: unknown; versionMatchStrategy?: unknown; versionFailureStrategy?: unknown }): VersioningSettings {
  const { defaultVersion, versionMatchStrategy, versionFailureStrategy } = durableTask;
  if (defaultVersion !== undefined && defaultVersion !== null && typeof defaultVersion !== 'string') {
    throw new Error(`host.json extensions.durableTask.defaultVersion must be a string, not ${JSON.stringify(defaultVersion)}`);
  }
  const pick = <T extends string>(value: unknown, names: readonly T[], key: string): T | undefined => {
    if (value === undefined || value === null) return undefined;
    const found = names.find((n) => typeof value === 'string' && n.toLowerCase() === value.toLowerCase());
    if (!found) throw new Error(`host.json extensions.durableTask.${key} must be one of ${names.join(', ')}, not ${JSON.stringify(value)}`);
    return found;
  };
  const match = pick(versionMatchStrategy, MATCH, 'versionMatchStrategy');
  const failure = pick(versionFailureStrategy, FAILURE, 'versionFailureStrategy');
  const version = typeof defaultVersion === 'string' && defaultVersion !== '' ? defaultVersion : undefined;
  return {
    ...(version !== undefined ? { defaultVersion: version } : {}),
    matchStrategy: match ?? 'CurrentOrOlder',
    failureStrategy: failure ?? 'Reject',
  };
}
