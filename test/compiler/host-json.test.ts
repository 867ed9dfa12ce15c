/**
 * host.json's versioning settings, which `compile` keeps in step with the app version
 * (compiler/src/host-json.ts, docs/versioning.md "On Azure").
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeHostJson } from '../../compiler/src/compile';
import { updateHostJson } from '../../compiler/src/host-json';

describe('updateHostJson', () => {
  it("sets defaultVersion <app>.1 and writes out the extension's default strategies", () => {
    const r = updateHostJson(JSON.stringify({ version: '2.0', extensions: { durableTask: { hubName: 'H' } } }), 9);
    expect(r).toMatchObject({ ok: true, changed: true, defaultVersion: '9.1' });
    expect(JSON.parse((r as { text: string }).text).extensions.durableTask).toEqual({ hubName: 'H', defaultVersion: '9.1', versionMatchStrategy: 'CurrentOrOlder', versionFailureStrategy: 'Reject' });
  });
  it('keeps a strategy the user set, and the text as it is when nothing changes', () => {
    const text = JSON.stringify({ extensions: { durableTask: { defaultVersion: '9.1', versionMatchStrategy: 'None', versionFailureStrategy: 'Reject' } } });
    expect(updateHostJson(text, 9)).toEqual({ ok: true, changed: false, text, defaultVersion: '9.1' });
    expect(JSON.parse((updateHostJson(text, 10) as { text: string }).text).extensions.durableTask).toMatchObject({ defaultVersion: '10.1', versionMatchStrategy: 'None' });
  });
  it('makes a host.json when there is none, and refuses one that is not a JSON object', () => {
    expect(updateHostJson(undefined, 1)).toMatchObject({ ok: true, changed: true });
    expect(updateHostJson('{ nope', 1)).toMatchObject({ ok: false, message: expect.stringContaining('host.json is not valid JSON') });
    expect(updateHostJson('[1]', 1)).toMatchObject({ ok: false, message: 'host.json must be a JSON object' });
    expect(updateHostJson('{"extensions": 3}', 1)).toMatchObject({ ok: false, message: 'host.json: "extensions" must be an object' });
  });
});

describe('writeHostJson', () => {
  it('refuses to write through a host.json that is a symbolic link, and leaves its target alone', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-hostjson-'));
    try {
      const target = path.join(dir, 'elsewhere.json');
      fs.writeFileSync(target, '{"mine": true}');
      const project = path.join(dir, 'app');
      fs.mkdirSync(project);
      fs.symlinkSync(target, path.join(project, 'host.json'));
      expect(() => writeHostJson(project, 3)).toThrow('host.json:1:1 error DF007: host.json is a symbolic link');
      expect(fs.readFileSync(target, 'utf8')).toBe('{"mine": true}');
      fs.unlinkSync(path.join(project, 'host.json'));
      expect(writeHostJson(project, 3)).toEqual({ defaultVersion: '3.1', changed: true });
      expect(writeHostJson(project, 3)).toEqual({ defaultVersion: '3.1', changed: false });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
