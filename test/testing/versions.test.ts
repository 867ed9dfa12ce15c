/**
 * Versions at run time, on the host's engine through the test kit: a temporary project compiled
 * twice by the real compiler (version 1 of three workflows, then an edit of each: version 2),
 * whose generated app keeps both versions. An instance of version 1 (started as one in flight
 * would have been) runs version 1's steps, and so do the sub-workflow and the forEach slices it
 * starts; a new start runs version 2; continueAsNew moves to the latest version; a version the
 * app does not have fails clearly; an instance with no version runs version 1.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileToGenerated } from '../../compiler/src/compile';
import { EventType } from '../../host/orchestration/history';
import { createTestEnv, type Recording, type TestEnv, type TestRun } from '../../testing';

const root = path.resolve(__dirname, '../..');
let dir: string;
let env: TestEnv;

const WORKFLOWS: Record<string, string> = {
  child: 'dsl: 1\nsteps:\n  - activity: Tag\n    input: child-v1\n',
  parent: [
    'dsl: 1',
    'steps:',
    '  - id: go',
    '    waitForEvent: Go',
    '  - id: kid',
    '    workflow: child',
    '  - id: each',
    '    forEach: ${ input.items }',
    '    partitionSize: 2',
    '    maxParallel: 2',
    '    activity: Tag',
    '    input: p1-${ item }',
    'output:',
    '  kid: ${ steps.kid.output }',
    '  each: ${ steps.each.output }',
    '',
  ].join('\n'),
  looper: [
    'dsl: 1',
    'steps:',
    '  - id: tag',
    '    activity: Tag',
    '    input: loop-v1-${ input.n }',
    '  - if: ${ input.n < 2 }',
    '    continueAsNew: { n: "${ input.n + 1 }" }',
    'output: ${ steps.tag.output }',
    '',
  ].join('\n'),
};

function compile(): string[] {
  const r = compileToGenerated(dir, { write: true });
  if (!r.front.ok) throw new Error(r.front.diagnostics.map((d) => `${d.span.file}:${d.span.start.line} ${d.message}`).join('\n'));
  return r.front.created.map((c) => `${c.workflow} ${c.version}: ${c.changes}`);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-versions-kit-'));
  fs.mkdirSync(path.join(dir, 'workflows/activities'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'versions-kit', private: true, main: 'generated/index.ts' }));
  fs.writeFileSync(path.join(dir, 'workflows/activities/tag.ts'), 'export function Tag(text: string): string {\n  return text;\n}\n');
  for (const [name, text] of Object.entries(WORKFLOWS)) fs.writeFileSync(path.join(dir, `workflows/${name}.yaml`), text);
  // The generated code imports the runtime from the project (as `durable-flow compile` sets it up).
  fs.cpSync(path.join(root, 'runtime'), path.join(dir, 'runtime'), { recursive: true });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  expect(compile()).toEqual(['child 1: first recorded version', 'looper 1: first recorded version', 'parent 1: first recorded version']);
  // The edits: each changes what instances replay.
  const edit = (name: string, from: string, to: string): void => {
    const file = path.join(dir, `workflows/${name}.yaml`);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(from, to));
  };
  edit('child', 'child-v1', 'child-v2');
  edit('parent', 'p1-', 'p2-');
  edit('looper', 'loop-v1-', 'loop-v2-');
  expect(compile()).toEqual([
    'child 2: steps changed: changed the activity \'Tag\' step: input "child-v1" → "child-v2"',
    "looper 2: steps changed: changed 'tag': input",
    "parent 2: steps changed: changed the activity 'Tag' step in the body of 'each': input; sub-workflow 'child' is now version 2",
  ]);
  env = await createTestEnv({ app: path.join(dir, 'generated/index.ts') });
}, 60_000);

afterAll(async () => {
  await env?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** The app version: three workflows, each at version 2 (runtime/version-text.ts). */
const APP = 6;
/** The Version each instance's ExecutionStarted carries. */
const startedVersion = (run: TestRun): unknown => run.history().find((e) => e.EventType === EventType.ExecutionStarted)?.Version;

describe('an instance runs the version it started with', () => {
  it('version 1: its own steps, and the sub-workflow and forEach slices it starts run version 1 too', async () => {
    const run = await env.start('parent', { items: ['a', 'b', 'c'] }, { version: 1 });
    expect(run.status()).toMatchObject({ version: 1, status: 'Running', waitingFor: ['Go'] });
    await run.raiseEvent('Go', null);
    expect(await run.result()).toEqual({ status: 'Completed', output: { kid: 'child-v1', each: ['p1-a', 'p1-b', 'p1-c'] } });
    const children = run.children();
    // the child workflow and two slices (3 items, partitionSize 2), each started with version 1 of the app's version
    expect(children.map((c) => [c.status().workflow, startedVersion(c)])).toEqual([
      ['child', `${APP}.0.1`],
      ['parent-partition', `${APP}.0.1`],
      ['parent-partition', `${APP}.0.1`],
    ]);
    expect(startedVersion(run)).toBe(`${APP}.0.1`);
    // the history records the child's version on its creation event
    expect(run.history().filter((e) => e.EventType === EventType.SubOrchestrationInstanceCreated).map((e) => [e.Name, e.Version])).toEqual([
      ['child', `${APP}.0.1`],
      ['parent-partition', `${APP}.0.1`],
      ['parent-partition', `${APP}.0.1`],
    ]);
  });

  it('a new start runs the latest version (2), children included', async () => {
    const run = await env.start('parent', { items: ['a', 'b', 'c'] });
    await run.raiseEvent('Go', null);
    expect(await run.result()).toEqual({ status: 'Completed', output: { kid: 'child-v2', each: ['p2-a', 'p2-b', 'p2-c'] } });
    expect(run.status().version).toBe(2);
    expect(run.children().map((c) => startedVersion(c))).toEqual([`${APP}.0.2`, `${APP}.0.2`, `${APP}.0.2`]);
  });

  it('continueAsNew moves an instance of version 1 to the latest version; its Durable version stays 1, its input carries 2', async () => {
    const before = env.calls<string>('Tag').length;
    const run = await env.start('looper', { n: 0 }, { version: 1 });
    expect(await run.result()).toEqual({ status: 'Completed', output: 'loop-v2-2' });
    expect(env.calls<string>('Tag').slice(before)).toEqual(['loop-v1-0', 'loop-v2-1', 'loop-v2-2']);
    expect(run.status()).toMatchObject({ version: 2, input: { n: 2 } });
    const started = run.history().find((e) => e.EventType === EventType.ExecutionStarted)!;
    // DurableTask.Core keeps the version across continueAsNew: the input says which version runs
    expect(started.Version).toBe(`${APP}.0.1`);
    expect(JSON.parse(String(started.Input))).toEqual({ $durableFlowVersion: '2', input: { n: 2 } });
  });

  it('continueAsNew of the latest version passes its input as it is', async () => {
    const run = await env.start('looper', { n: 1 });
    expect(await run.result()).toEqual({ status: 'Completed', output: 'loop-v2-2' });
    const started = run.history().find((e) => e.EventType === EventType.ExecutionStarted)!;
    expect([started.Version, JSON.parse(String(started.Input))]).toEqual([`${APP}.0.2`, { n: 2 }]);
  });

  it('a version the app does not have fails the instance with UnknownVersion, naming the versions it has', async () => {
    const run = await env.start('parent', { items: [] }, { version: 3 });
    const result = await run.result();
    expect(result.status).toBe('Failed');
    expect(result.error).toMatchObject({
      name: 'UnknownVersion',
      message: "this instance of 'parent' runs version 3, which this app does not have (it has versions 1, 2): it was started by an app with a newer version of this workflow: run it with that app",
    });
  });
});

describe('replay', () => {
  /** A recording whose ExecutionStarted events carry no version (as before versioning existed). */
  const unversioned = (rec: Recording): Recording => ({
    ...rec,
    history: rec.history.map((e) => {
      if (e.EventType !== EventType.ExecutionStarted) return e;
      const { Version: _dropped, ...rest } = e;
      return rest as typeof e;
    }),
  });

  it('replays each version through its own code; an instance without a version runs version 1', async () => {
    const v1 = await env.start('child', null, { version: 1 });
    const v2 = await env.start('child', null);
    expect([(await v1.result()).output, (await v2.result()).output]).toEqual(['child-v1', 'child-v2']);
    expect(await env.replayCheck(v1.recording())).toMatchObject({ ok: true });
    expect(await env.replayCheck(v2.recording())).toMatchObject({ ok: true });
    // no version: version 1's code, which replays version 1's history and not version 2's
    expect(await env.replayCheck(unversioned(v1.recording()))).toMatchObject({ ok: true });
    const wrong = await env.replayCheck(unversioned(v2.recording()));
    expect(wrong.ok).toBe(false);
    expect(wrong.ok === false && wrong.message).toContain('activity Tag("child-v2")');
  });
});
