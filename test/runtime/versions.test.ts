/**
 * runtime/versions.ts and its helpers: which version an execution runs, the input wrapper that
 * carries a version across continueAsNew, and how status and starts treat that wrapper.
 */
import { describe, expect, it } from 'vitest';
import { instanceInput, instanceVersion } from '../../runtime/management';
import { checkInput } from '../../runtime/start';
import { startedVersion, VERSION_KEY, versionEnvelope, versionNumber } from '../../runtime/versions';

describe('the version an execution runs', () => {
  it('is its Durable version when durable-flow gave it', () => {
    expect(startedVersion('2', { a: 1 })).toEqual({ version: 2, input: { a: 1 } });
  });
  it('is 1 for no version or one durable-flow did not give (host.json defaultVersion, before versioning)', () => {
    for (const v of [undefined, '', '1.0', 'v2', '02', '-1', '2 ']) expect(startedVersion(v, null).version).toBe(1);
  });
  it('is the one its input carries after a continueAsNew to another version, with the input unwrapped', () => {
    expect(startedVersion('1', { [VERSION_KEY]: '3', input: { n: 2 } })).toEqual({ version: 3, input: { n: 2 } });
    // only that exact shape is the wrapper
    expect(versionEnvelope({ [VERSION_KEY]: '3', input: 1, other: 2 })).toBeUndefined();
    expect(versionEnvelope({ [VERSION_KEY]: 3, input: 1 })).toBeUndefined();
    expect(versionEnvelope([VERSION_KEY, 'input'])).toBeUndefined();
  });
  it('reads only whole numbers from 1 as versions', () => {
    expect([versionNumber('1'), versionNumber('42'), versionNumber('0'), versionNumber('1e3'), versionNumber(7)]).toEqual([1, 42, undefined, undefined, undefined]);
  });
});

describe('the status of an instance', () => {
  it('shows the version it runs (null when the backend reports none) and the input unwrapped', () => {
    expect(instanceVersion({ input: null, version: '2' })).toBe(2);
    expect(instanceVersion({ input: null, version: '1.0' })).toBe(1);
    expect(instanceVersion({ input: null })).toBeNull();
    expect(instanceVersion({ input: { [VERSION_KEY]: '3', input: 5 }, version: '1' })).toBe(3);
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
