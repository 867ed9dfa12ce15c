/**
 * host.json's Durable versioning settings, kept in step with the app version by `compile`:
 * `defaultVersion` is the worker's version `<app>.1` (runtime/version-text.ts), and the strategies
 * the extension defaults to (CurrentOrOlder, Reject) are written out where host.json is silent,
 * so a reader sees them. A strategy the user set stays as it is. Pure: text in, text out.
 */
import { workerVersion } from '../../runtime/version-text';

export const HOST_JSON = 'host.json';

/**
 * Why a hub name cannot be used, or undefined. The local host names its database and Azurite's
 * folder after it (`.durable/<hubName>.db`): a slash or a leading dot would put them elsewhere.
 * Azure Storage allows only letters and digits anyway; `%AppSetting%` references stay allowed.
 */
export function hubNameProblem(hub: unknown): string | undefined {
  if (hub === undefined) return undefined;
  if (typeof hub !== 'string' || hub === '' || /[/\\\u0000-\u001f\u007f]/.test(hub) || hub.startsWith('.')) {
    return `"extensions.durableTask.hubName" ${JSON.stringify(hub)} cannot name a task hub: use letters and digits (Azure Storage's rule), as the local host names its database .durable/<hubName>.db after it`;
  }
  return undefined;
}

export type HostJsonUpdate = { ok: true; text: string; changed: boolean; defaultVersion: string } | { ok: false; message: string };

export function updateHostJson(text: string | undefined, appVersion: number): HostJsonUpdate {
  let json: Record<string, unknown>;
  try {
    json = text === undefined ? { version: '2.0' } : (JSON.parse(text) as Record<string, unknown>);
  } catch (e) {
    return { ok: false, message: `${HOST_JSON} is not valid JSON (${(e as Error).message}): fix it, then compile again` };
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return { ok: false, message: `${HOST_JSON} must be a JSON object` };
  const extensions = (json.extensions ??= {}) as Record<string, unknown>;
  if (typeof extensions !== 'object' || extensions === null || Array.isArray(extensions)) return { ok: false, message: `${HOST_JSON}: "extensions" must be an object` };
  const durable = (extensions.durableTask ??= {}) as Record<string, unknown>;
  if (typeof durable !== 'object' || durable === null || Array.isArray(durable)) return { ok: false, message: `${HOST_JSON}: "extensions.durableTask" must be an object` };
  const hub = hubNameProblem(durable.hubName);
  if (hub) return { ok: false, message: `${HOST_JSON}: ${hub}` };
  const defaultVersion = workerVersion(appVersion);
  const before = JSON.stringify([durable.defaultVersion, durable.versionMatchStrategy, durable.versionFailureStrategy]);
  durable.defaultVersion = defaultVersion;
  durable.versionMatchStrategy ??= 'CurrentOrOlder';
  durable.versionFailureStrategy ??= 'Reject';
  const changed = text === undefined || JSON.stringify([durable.defaultVersion, durable.versionMatchStrategy, durable.versionFailureStrategy]) !== before;
  return { ok: true, text: changed ? `${JSON.stringify(json, null, 2)}\n` : text!, changed, defaultVersion };
}
