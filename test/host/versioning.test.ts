/**
 * Orchestration versions on the embedded host, as the Durable extension handles them: the
 * version of a start (the start API's ?version=, else host.json's defaultVersion) reaches the
 * orchestrator as context.df.version and the status payload as `version`; a sub-orchestration
 * gets its call's version, else defaultVersion (not its parent's); continueAsNew keeps it; and
 * versionMatchStrategy/versionFailureStrategy decide which instances a host runs. The app is the
 * hand-written fixture (test/fixtures/host-app), loaded with a host.json per case.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost, type Host } from '../../host/main';
import { call, until, untilStatus } from './http-helpers';

const fixture = path.resolve(__dirname, '../fixtures/host-app/index.ts');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-versioning-'));
const hosts: Host[] = [];

/** A host over the fixture app with this durableTask section of host.json. */
async function hostWith(durableTask: Record<string, unknown>, db = ':memory:', log?: (line: string) => void): Promise<Host> {
  const appDir = fs.mkdtempSync(path.join(dir, 'app-'));
  fs.writeFileSync(path.join(appDir, 'package.json'), JSON.stringify({ name: 'versioning-app', private: true, main: fixture }));
  fs.writeFileSync(path.join(appDir, 'host.json'), JSON.stringify({ version: '2.0', extensions: { durableTask: { hubName: 'VersioningHub', ...durableTask } } }));
  const host = await createHost({ appDir, db, port: 0, quiet: log === undefined, log, episodeThreads: 0 });
  hosts.push(host);
  return host;
}

async function run(host: Host, name: string, query = '', input: unknown = null): Promise<{ id: string; body: any }> {
  const r = await call('POST', `${host.url}/runtime/webhooks/durabletask/orchestrators/${name}${query}`, input);
  expect(r.status).toBe(202);
  const done = await untilStatus(r.body.statusQueryGetUri, ['Completed', 'Failed']);
  return { id: r.body.id, body: done.body };
}

beforeAll(() => {
  require('tsx/cjs/api').register(); // the fixture app is TypeScript
});
afterAll(async () => {
  for (const h of hosts) await h.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("without versioning settings: the extension's defaults (CurrentOrOlder, Reject, no defaultVersion)", () => {
  it('an instance started with a version is rejected again and again and stays Pending; one started without runs', async () => {
    const lines: string[] = [];
    const host = await hostWith({}, ':memory:', (l) => lines.push(l));
    expect((await run(host, 'versionOf')).body).toMatchObject({ runtimeStatus: 'Completed', output: null });
    const versioned = await call('POST', `${host.url}/runtime/webhooks/durabletask/orchestrators/versionOf?version=1`, null);
    expect(versioned.status).toBe(202);
    await until(async () => (lines.some((l) => l.includes(`version '1' does not match this host's versioning`)) ? true : undefined), 'the rejection to be logged');
    expect((await call('GET', versioned.body.statusQueryGetUri)).body).toMatchObject({ runtimeStatus: 'Pending', version: '1' });
  });
});

describe('versionMatchStrategy None', () => {
  let host: Host;
  beforeAll(async () => {
    host = await hostWith({ versionMatchStrategy: 'None' });
  });

  it('a start without a version has none: no `version` in the status, context.df.version unset', async () => {
    const { body } = await run(host, 'versionOf');
    expect(body.output).toBeNull();
    expect(body).not.toHaveProperty('version');
  });

  it("?version= sets it; a child started without one gets none (not its parent's), one started with one gets that", async () => {
    const { body } = await run(host, 'versionsOfChildren', '?version=3');
    expect(body).toMatchObject({ version: '3', output: ['3', null, '1.7'] });
  });

  it('continueAsNew keeps the version', async () => {
    const { body } = await run(host, 'versionAfterContinue', '?version=4');
    expect(body).toMatchObject({ version: '4', output: '4' });
  });
});

describe('defaultVersion (CurrentOrOlder, Reject)', () => {
  it('is the version of starts and children without one; an older version runs; a newer one waits for a host that accepts it', async () => {
    const db = path.join(dir, 'reject.db');
    const lines: string[] = [];
    const first = await hostWith({ defaultVersion: '2.0' }, db, (l) => lines.push(l));
    expect((await run(first, 'versionsOfChildren')).body).toMatchObject({ version: '2.0', output: ['2.0', '2.0', '1.7'] });
    expect((await run(first, 'versionOf', '?version=1.5')).body).toMatchObject({ version: '1.5', output: '1.5' });
    const newer = await call('POST', `${first.url}/runtime/webhooks/durabletask/orchestrators/versionOf?version=3.0`, null);
    await until(async () => (lines.some((l) => l.includes(`version '3.0' does not match this host's versioning`)) ? true : undefined), 'the rejection to be logged');
    expect((await call('GET', newer.body.statusQueryGetUri)).body).toMatchObject({ runtimeStatus: 'Pending', version: '3.0' });
    await first.close();
    hosts.splice(hosts.indexOf(first), 1);
    // A host whose defaultVersion accepts it runs it, from the same database.
    const second = await hostWith({ defaultVersion: '3.0' }, db);
    const done = await untilStatus(newer.body.statusQueryGetUri.replace(first.url, second.url), ['Completed', 'Failed']);
    expect(done.body).toMatchObject({ runtimeStatus: 'Completed', version: '3.0', output: '3.0' });
  });
});

describe('Strict with Fail', () => {
  it('fails an instance of another version; runs its own', async () => {
    const host = await hostWith({ defaultVersion: '1.0', versionMatchStrategy: 'Strict', versionFailureStrategy: 'Fail' });
    expect((await run(host, 'versionOf')).body).toMatchObject({ runtimeStatus: 'Completed', output: '1.0' });
    const other = await run(host, 'versionOf', '?version=1.1');
    expect(other.body).toMatchObject({ runtimeStatus: 'Failed', version: '1.1', output: 'Orchestration version did not comply with Worker Versioning' });
  });

  it('a bad setting stops the host from starting', async () => {
    await expect(hostWith({ versionFailureStrategy: 'Retry' })).rejects.toThrow('versionFailureStrategy must be one of Reject, Fail');
  });
});
