/**
 * The host's model of orchestration versions (host/orchestration/extension/versioning.ts):
 * DurableTask.Core's version comparison and dispatcher check, and host.json's settings.
 */
import { describe, expect, it } from 'vitest';
import { compareVersions, versionVerdict, versioningSettings } from '../../host/orchestration/extension';

describe('compareVersions (VersioningSettings.CompareVersions)', () => {
  it('empty versions are equal, and older than any other', () => {
    expect(compareVersions('', undefined)).toBe(0);
    expect(compareVersions('', '1.0')).toBe(-1);
    expect(compareVersions('1', '')).toBe(1);
  });
  it('System.Version strings compare part by part; a missing part is older than 0', () => {
    expect(compareVersions('1.10', '1.9')).toBe(1);
    expect(compareVersions('2.0', '2.0')).toBe(0);
    expect(compareVersions('1.0', '1.0.0')).toBe(-1);
    expect(compareVersions('1.2.3.4', '1.2.3.5')).toBe(-1);
  });
  it('anything else compares as text, ignoring case: "10" is before "9" (one-part versions are not System.Version strings)', () => {
    expect(compareVersions('10', '9')).toBe(-1);
    expect(compareVersions('v1', 'V1')).toBe(0);
    expect(compareVersions('2', '1.0')).toBe(1);
  });
});

describe('versionVerdict (the dispatcher check before an orchestration work item)', () => {
  it('None runs everything; without settings nothing is checked', () => {
    expect(versionVerdict('9', { defaultVersion: '1.0', matchStrategy: 'None', failureStrategy: 'Fail' })).toBe('run');
    expect(versionVerdict('9', undefined)).toBe('run');
  });
  it('Strict runs only the same version (an instance without one counts as the empty version)', () => {
    const strict = { defaultVersion: '1.0', matchStrategy: 'Strict', failureStrategy: 'Reject' } as const;
    expect(versionVerdict('1.0', strict)).toBe('run');
    expect(versionVerdict('1.0.0', strict)).toBe('reject');
    expect(versionVerdict(null, strict)).toBe('reject');
  });
  it('CurrentOrOlder runs versions not above the default; Fail fails the rest, Reject leaves them', () => {
    const settings = { defaultVersion: '2.0', matchStrategy: 'CurrentOrOlder', failureStrategy: 'Reject' } as const;
    expect(versionVerdict('1.5', settings)).toBe('run');
    expect(versionVerdict(null, settings)).toBe('run');
    expect(versionVerdict('2.1', settings)).toBe('reject');
    expect(versionVerdict('2.1', { ...settings, failureStrategy: 'Fail' })).toBe('fail');
  });
});

describe("host.json's versioning settings", () => {
  it("default to the extension's CurrentOrOlder and Reject, with or without a defaultVersion (DurableTaskOptions 3.19.0)", () => {
    expect(versioningSettings({})).toEqual({ matchStrategy: 'CurrentOrOlder', failureStrategy: 'Reject' });
    expect(versioningSettings({ defaultVersion: null })).toEqual({ matchStrategy: 'CurrentOrOlder', failureStrategy: 'Reject' });
    expect(versioningSettings({ defaultVersion: '1.0' })).toEqual({ defaultVersion: '1.0', matchStrategy: 'CurrentOrOlder', failureStrategy: 'Reject' });
    expect(versioningSettings({ versionFailureStrategy: 'fail' })).toEqual({ matchStrategy: 'CurrentOrOlder', failureStrategy: 'Fail' });
  });

  it('so with host.json silent, any instance started with a version is rejected and one started without runs', () => {
    const silent = versioningSettings({});
    expect(versionVerdict('1', silent)).toBe('reject');
    expect(versionVerdict('1.0', silent)).toBe('reject');
    expect(versionVerdict(null, silent)).toBe('run');
    expect(versionVerdict('1', versioningSettings({ versionMatchStrategy: 'None' }))).toBe('run');
  });
  it('read enum names as .NET binds them (any case) and refuse anything else', () => {
    expect(versioningSettings({ defaultVersion: '3', versionMatchStrategy: 'strict' })).toMatchObject({ matchStrategy: 'Strict' });
    expect(() => versioningSettings({ versionMatchStrategy: 'Newest' })).toThrow('host.json extensions.durableTask.versionMatchStrategy must be one of None, Strict, CurrentOrOlder, not "Newest"');
    expect(() => versioningSettings({ defaultVersion: 2 })).toThrow('defaultVersion must be a string');
  });
});
