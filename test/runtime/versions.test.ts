/**
 * runtime/versions.ts and its helpers: which version an execution runs, the input wrapper that
 * carries a version across continueAsNew, and how status and starts treat that wrapper.
 */
import { describe, expect, it } from 'vitest';
import { instanceInput, instanceVersion } from '../../runtime/management';
import { checkInput } from '../../runtime/start';
import { childVersion, durableVersion, readVersion, startedVersion, VERSION_KEY, versionEnvelope, versionNumber, workerVersion } from '../../runtime/versions';
import { compareVersions } from '../../host/orchestration/extension';

describe('the version an execution runs', () => {
  it('is the workflow version of its Durable version <app>.0.<n>, or a plain <n> given before app versions', () => {
    expect(startedVersion('7.0.2', { a: 1 }, 5)).toEqual({ version: 2, input: { a: 1 } });
    expect(startedVersion('2', { a: 1 }, 5)).toEqual({ version: 2, input: { a: 1 } });
  });
  it("is the latest for <app>.1, host.json's defaultVersion, which a start without a version gets", () => {
    expect(startedVersion('7.1', null, 5).version).toBe(5);
  });
  it('is 1 for no version or one durable-flow did not give (before versioning)', () => {
    for (const v of [undefined, '', '1.0', '7.2', '7.0.0', '7.0.2.1', 'v2', '02', '-1', '2 ']) expect(startedVersion(v, null, 5).version).toBe(1);
  });
  it('is the one its input carries after a continueAsNew to another version, with the input unwrapped', () => {
    expect(startedVersion('7.0.1', { [VERSION_KEY]: '3', input: { n: 2 } }, 3)).toEqual({ version: 3, input: { n: 2 } });
    // only that exact shape is the wrapper
    expect(versionEnvelope({ [VERSION_KEY]: '3', input: 1, other: 2 })).toBeUndefined();
    expect(versionEnvelope({ [VERSION_KEY]: 3, input: 1 })).toBeUndefined();
    expect(versionEnvelope([VERSION_KEY, 'input'])).toBeUndefined();
  });
  it('reads only whole numbers from 1 as versions', () => {
    expect([versionNumber('1'), versionNumber('42'), versionNumber('0'), versionNumber('1e3'), versionNumber(7)]).toEqual([1, 42, undefined, undefined, undefined]);
    expect([readVersion('9.0.3'), readVersion('9.1'), readVersion('3'), readVersion('9.2'), readVersion('09.0.3')]).toEqual([{ app: 9, workflow: 3 }, { app: 9, workflow: 'latest' }, { app: 0, workflow: 3 }, undefined, undefined]);
  });
});

describe("app versions under the extension's CurrentOrOlder check (host.json defaultVersion <app>.1)", () => {
  it("accepts every instance of its own app or an older one, and is below every instance of a newer app", () => {
    const worker = workerVersion(9);
    for (const v of [durableVersion(9, 1), durableVersion(9, 2_000_000), durableVersion(8, 50), durableVersion(1, 1), worker, '3']) expect(compareVersions(v, worker), v).toBeLessThanOrEqual(0);
    for (const v of [durableVersion(10, 1), durableVersion(123, 4), workerVersion(10)]) expect(compareVersions(v, worker), v).toBe(1);
    // A plain version from before app versions is no System.Version: it compares as text (docs/versioning.md).
    expect(compareVersions('99', worker)).toBe(1);
  });
  it("gives a child its parent's app version (0 for a parent from before app versions)", () => {
    expect(childVersion({ df: { version: '9.0.4' } }, 2)).toBe('9.0.2');
    expect(childVersion({ df: { version: '9.1' } }, 2)).toBe('9.0.2');
    expect(childVersion({ df: { version: '3' } }, 2)).toBe('0.0.2');
    expect(childVersion({ df: {} }, 2)).toBe('0.0.2');
  });
});

describe('the status of an instance', () => {
  it('shows the version it runs (null when the backend reports none) and the input unwrapped', () => {
    const name = 'unregistered';
    expect(instanceVersion({ name, input: null, version: '7.0.2' })).toBe(2);
    expect(instanceVersion({ name, input: null, version: '2' })).toBe(2);
    expect(instanceVersion({ name, input: null, version: '1.0' })).toBe(1);
    expect(instanceVersion({ name, input: null })).toBeNull();
    expect(instanceVersion({ name, input: { [VERSION_KEY]: '3', input: 5 }, version: '7.0.1' })).toBe(3);
    expect(instanceInput({ input: { [VERSION_KEY]: '3', input: 5 } })).toBe(5);
  });
});

describe('a start', () => {
  it("refuses an input shaped like the wrapper: a caller could pick an old version and skip the workflow's validator", () => {
    const answer = checkInput({ workflow: 'w' }, { [VERSION_KEY]: '1', input: {} });
    expect(answer).toMatchObject({ status: 400, jsonBody: { error: { code: 'InvalidInput' } } });
    expect(checkInput({ workflow: 'w' }, { [VERSION_KEY]: '1', input: {}, more: true })).toBeUndefined();
  });
});
