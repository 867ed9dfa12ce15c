/** The Durable extension's side of an out-of-proc orchestration episode (see README.md, "Extension behaviours"). */
export { replayEpisode, type ReplayOutcome, type ReplayRequest, type ReplayResult } from './executor';
export { NonDeterminismError, type ScheduledAction } from './context';
export type { JsResult, KnownFunctions } from './shim';
export { nextDelay, type RetryOptions } from './retry-interceptor';
export { compareVersions, versionVerdict, versioningSettings, VERSION_MISMATCH, type VersioningSettings } from './versioning';
