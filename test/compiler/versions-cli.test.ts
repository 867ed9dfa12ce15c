/**
 * `durable-flow versions` and `versions prune` over a project's record and a database written by
 * the host's own store: what each lists, and every refusal of prune (instances in flight on the
 * versions to remove, a caller's kept version that starts one, the latest version).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { intOption, parse } from '../../compiler/src/cli/args';
import { versions } from '../../compiler/src/cli/commands/versions';
import { listVersions, pruneVersions } from '../../compiler/src/versions/commands';
import { defaultDatabase, instancesInFlight } from '../../compiler/src/versions/database';
import { manifestText } from '../../compiler/src/versions/records';
import { Store } from '../../host/store/store';

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'df-versions-cli-'));
let dir: string;
let db: string;

/** A record: `child` at versions 1-3, `parent` at 1-2 whose version 1 starts child version 1. */
function record(): void {
  const write = (workflow: string, versions: Array<{ version: number; calls?: Record<string, number>; changes: string }>): void => {
    const folder = path.join(dir, 'workflows/.versions', workflow);
    fs.mkdirSync(folder, { recursive: true });
    for (const v of versions) fs.writeFileSync(path.join(folder, `v${v.version}.yaml`), `dsl: 1\nsteps:\n  - activity: A${v.version}\n`);
    fs.writeFileSync(path.join(folder, 'versions.json'), manifestText({ workflow, versions: versions.map((v) => ({ version: v.version, file: `v${v.version}.yaml`, calls: v.calls ?? {}, changes: v.changes })) }));
  };
  write('child', [
    { version: 1, changes: 'first recorded version' },
    { version: 2, changes: "steps changed: added 'b'" },
    { version: 3, changes: "steps changed: removed 'a'" },
  ]);
  write('parent', [
    { version: 1, calls: { child: 1 }, changes: 'first recorded version' },
    { version: 2, calls: { child: 3 }, changes: "sub-workflow 'child' is now version 3" },
  ]);
}

/** Instances as the host stores them. */
function instances(rows: Array<{ id: string; name: string; version?: string; input?: unknown; status?: 'Running' | 'Completed' | 'Suspended' }>): void {
  const store = new Store(db);
  for (const r of rows) {
    store.createInstance({ id: r.id, name: r.name, input: r.input ?? null, executionId: r.id, version: r.version }, '2026-01-01T00:00:00.000Z');
    if (r.status) store.updateInstance(r.id, { status: r.status }, '2026-01-01T00:00:01.000Z');
  }
  store.close();
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(base, 'p-'));
  db = path.join(dir, '.durable/Hub.db');
  fs.writeFileSync(path.join(dir, 'host.json'), JSON.stringify({ extensions: { durableTask: { hubName: 'Hub', versionMatchStrategy: 'None' } } }));
  record();
});
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

describe('the database', () => {
  it("is .durable/<hubName>.db, as the host opens it; instances' versions are read as the runtime reads them", () => {
    expect(defaultDatabase(dir)).toBe(db);
    instances([
      { id: 'a', name: 'child', version: '2', status: 'Running' },
      { id: 'b', name: 'child', status: 'Suspended' }, // no version: version 1
      { id: 'c', name: 'child', version: '1', input: { $durableFlowVersion: '3', input: {} }, status: 'Running' }, // continued as new into 3
      { id: 'd', name: 'child', version: '1', status: 'Completed' },
      { id: 'e', name: 'child-partition', version: '2' }, // a slice, Pending
      { id: 'f', name: 'parent', version: '1', status: 'Running' },
    ]);
    expect(instancesInFlight(db, 'child').map((i) => [i.id, i.version, i.status])).toEqual([
      ['a', 2, 'Running'],
      ['b', 1, 'Suspended'],
      ['c', 3, 'Running'],
      ['e', 2, 'Pending'],
    ]);
    expect(instancesInFlight(path.join(dir, 'none.db'), 'child')).toEqual([]);
  });
});

describe('durable-flow versions', () => {
  it('lists every version with what it changed, what it calls, and the instances in flight on it', () => {
    instances([{ id: 'a', name: 'child', version: '2', status: 'Running' }]);
    const r = listVersions(dir, { db });
    expect(r.code).toBe(0);
    expect(r.out).toEqual([
      'child (workflows/.versions/child/)',
      '  v1  first recorded version  [0 in flight]',
      "  v2  steps changed: added 'b'  [1 in flight]",
      "  v3  steps changed: removed 'a'  [latest; 0 in flight]",
      'parent (workflows/.versions/parent/)',
      '  v1  first recorded version  [calls child v1; 0 in flight]',
      "  v2  sub-workflow 'child' is now version 3  [latest; calls child v3; 0 in flight]",
      '(instances in flight: .durable/Hub.db)',
    ]);
  });

  it('says when there is no database to count instances in, or no such workflow', () => {
    expect(listVersions(dir, { workflow: 'child', db }).out.at(-1)).toBe('(no local database at .durable/Hub.db: instances in flight not counted)');
    expect(listVersions(dir, { workflow: 'nope', db })).toMatchObject({ code: 1, out: [expect.stringContaining("no versions are recorded for 'nope'")] });
  });
});

describe('durable-flow versions prune', () => {
  it('removes the versions below N from the record when nothing runs them', () => {
    instances([{ id: 'done', name: 'child', version: '2', status: 'Completed' }]);
    fs.writeFileSync(path.join(dir, 'workflows/.versions/parent/versions.json'), manifestText({ workflow: 'parent', versions: [{ version: 2, file: 'v2.yaml', calls: { child: 3 }, changes: 'x' }] }));
    const r = pruneVersions(dir, { workflow: 'child', below: 3, force: false, db });
    expect(r).toEqual({ code: 0, out: ['child: removed versions 1, 2; kept 3. Run `durable-flow compile` to regenerate generated/.'] });
    expect(fs.readdirSync(path.join(dir, 'workflows/.versions/child')).sort()).toEqual(['v3.yaml', 'versions.json']);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'workflows/.versions/child/versions.json'), 'utf8')).versions.map((v: { version: number }) => v.version)).toEqual([3]);
  });

  it('refuses while an instance runs a version to remove (an instance without a version runs version 1), unless --force', () => {
    instances([{ id: 'legacy', name: 'parent', status: 'Running' }]);
    const refused = pruneVersions(dir, { workflow: 'parent', below: 2, force: false, db });
    expect(refused.code).toBe(1);
    expect(refused.out[0]).toBe("prune: refused: 1 unfinished instance of 'parent' in .durable/Hub.db runs a version below 2: 'legacy' Running.");
    expect(fs.existsSync(path.join(dir, 'workflows/.versions/parent/v1.yaml'))).toBe(true);
    const forced = pruneVersions(dir, { workflow: 'parent', below: 2, force: true, db });
    expect(forced.code).toBe(0);
    expect(forced.out[0]).toContain("will fail at their next episode (UnknownVersion, or NonDeterministicOrchestrationException once they have run a step): 'legacy' Running");
    expect(fs.existsSync(path.join(dir, 'workflows/.versions/parent/v1.yaml'))).toBe(false);
  });

  it("refuses to remove a version another workflow's kept version starts, even with --force", () => {
    const r = pruneVersions(dir, { workflow: 'child', below: 3, force: true, db });
    expect(r).toEqual({ code: 1, out: ["prune: refused: version 1 of 'parent' starts version 1 of 'child'. Prune those versions of the callers first."] });
    expect(fs.existsSync(path.join(dir, 'workflows/.versions/child/v1.yaml'))).toBe(true);
  });

  it('never removes the latest version, and says when there is nothing to remove', () => {
    expect(pruneVersions(dir, { workflow: 'child', below: 4, force: true, db })).toMatchObject({ code: 1, out: [expect.stringContaining('the latest version is always kept')] });
    expect(pruneVersions(dir, { workflow: 'child', below: 1, force: false, db })).toMatchObject({ code: 0, out: [expect.stringContaining('nothing to remove')] });
  });

  it('takes its arguments from the command line', () => {
    expect(parse(['prune', 'child', '--below', '3', '--force', '--db', 'x.db'], versions.options)).toMatchObject({ positionals: ['prune', 'child'], values: { below: '3', force: true, db: 'x.db' } });
    expect(() => intOption(parse(['prune', 'child', '--below', 'two'], versions.options).values, 'below', 1)).toThrow("--below needs a whole number from 1, got 'two'");
  });
});
