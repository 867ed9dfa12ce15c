/**
 * A rolling deploy on the real extension: two workers of two builds of one app share a task hub,
 * as the old and new instances of a Function App do while a deployment replaces them. The old
 * build has `job` version 1 (app version 1), the new one version 2 as well (app version 2).
 *
 * An instance of the new version that reaches a worker of the old build is left alone (the
 * extension's CurrentOrOlder check against host.json's defaultVersion, Reject), not failed, and a
 * worker of the new build runs it once the old one is gone. Under `versionMatchStrategy: None`
 * (what durable-flow shipped before app versions) the old worker runs it and fails it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../bench/app';
import { buildDist, compileToGenerated } from '../../compiler/src/compile';
import { startAzurite, type Azurite } from '../../host/extension-engine/azurite';
import { call, freePort, until, untilStatus } from '../host/http-helpers';

const repo = path.resolve(__dirname, '../..');
const ACTIVITIES = 'export async function Mark(text: string): Promise<string> {\n  return text;\n}\n';
const V1 = 'dsl: 1\nsteps:\n  - id: go\n    waitForEvent: Go\n  - activity: Mark\n    input: one\noutput: "v1"\n';
const V2 = 'dsl: 1\nsteps:\n  - activity: Mark\n    input: zero\n  - id: go\n    waitForEvent: Go\n  - activity: Mark\n    input: one\noutput: "v2"\n';

let oldApp: string;
let newApp: string;
const dirs: string[] = [];

/** Tunes an app's queue polling down the way users do locally. */
function tune(app: string, durableTask: Record<string, unknown> = {}): void {
  const file = path.join(app, 'host.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  json.extensions.durableTask = { ...json.extensions.durableTask, hubName: 'UpgradeHub', storageProvider: { maxQueuePollingInterval: '00:00:01' }, ...durableTask };
  fs.writeFileSync(file, JSON.stringify(json, null, 2));
}

beforeAll(() => {
  // Build 1, then the edit compiled in the same project (its version record carries over): build 2.
  newApp = buildApp(repo, { job: V1 }, ACTIVITIES, 'df-upgrade-');
  oldApp = `${newApp}-old`;
  fs.cpSync(newApp, oldApp, { recursive: true, verbatimSymlinks: true });
  fs.writeFileSync(path.join(newApp, 'workflows/job.yaml'), V2);
  const r = compileToGenerated(newApp, { write: true });
  if (!r.front.ok) throw new Error(r.front.diagnostics.map((d) => d.message).join('; '));
  const built = buildDist(newApp);
  if (!built.ok) throw new Error(built.output);
  dirs.push(oldApp, newApp);
}, 180_000);
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

interface Worker {
  url: string;
  lines: string[];
  child: ChildProcess;
  stop(): Promise<void>;
}

/** A worker of `app` on the extension engine, in its own process (as a Functions host is). */
async function worker(app: string, storage: string): Promise<Worker> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(repo, 'host/cli.ts'), app, '--engine', 'extension', '--port', String(port), '--storage', storage], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const read = (d: Buffer): void => void lines.push(...d.toString('utf8').split('\n'));
  child.stdout!.on('data', read);
  child.stderr!.on('data', read);
  await until(async () => (lines.some((l) => l.includes(`listening on http://127.0.0.1:${port}`)) ? true : undefined), `the worker of ${path.basename(app)} to listen`, 120_000);
  return {
    url: `http://127.0.0.1:${port}`,
    lines,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

describe.each([
  { strategy: 'CurrentOrOlder and Reject, defaultVersion <app>.1 (what compile writes)', settings: {}, expect: 'waits' },
  { strategy: 'None (before app versions)', settings: { versionMatchStrategy: 'None' }, expect: 'fails' },
])('a rolling deploy under $strategy', ({ settings, expect: outcome }) => {
  let azurite: Azurite;
  beforeAll(async () => {
    tune(oldApp, settings);
    tune(newApp, settings);
    azurite = await startAzurite({});
  }, 60_000);
  afterAll(async () => {
    await azurite?.close();
  });

  it(outcome === 'waits' ? 'an old worker leaves a new-version instance for a new worker, which completes it' : 'an old worker fails a new-version instance (UnknownVersion)', async () => {
    const old = await worker(oldApp, azurite.connectionString);
    let fresh: Worker | undefined;
    try {
      // What build 2's starter sends (app version 2, job version 2), reaching the only worker: build 1's.
      const started = await call('POST', `${old.url}/runtime/webhooks/durabletask/orchestrators/job?version=2.0.2`, null);
      expect(started.status).toBe(202);
      const statusUrl = started.body.statusQueryGetUri as string;
      if (outcome === 'fails') {
        const done = await untilStatus(statusUrl, ['Failed', 'Completed'], 60_000);
        expect(done.body.runtimeStatus).toBe('Failed');
        expect(String(done.body.output)).toContain('UnknownVersion');
        return;
      }
      await until(async () => (old.lines.some((l) => l.includes('Abandoning [ExecutionStarted] message')) ? true : undefined), 'the old worker to turn the instance away', 60_000);
      expect((await call('GET', statusUrl)).body).toMatchObject({ runtimeStatus: 'Pending', version: '2.0.2' });
      // The deployment: a worker of build 2 comes up, the worker of build 1 goes.
      fresh = await worker(newApp, azurite.connectionString);
      await old.stop();
      const waiting = await untilStatus(statusUrl.replace(old.url, fresh.url), ['Running'], 120_000);
      expect(waiting.body.version).toBe('2.0.2');
      await call('POST', `${fresh.url}/runtime/webhooks/durabletask/instances/${started.body.id}/raiseEvent/Go`, {});
      const done = await untilStatus(statusUrl.replace(old.url, fresh.url), ['Completed', 'Failed'], 60_000);
      expect(done.body).toMatchObject({ runtimeStatus: 'Completed', output: 'v2' });
    } finally {
      await old.stop();
      await fresh?.stop();
    }
  }, 300_000);
});
