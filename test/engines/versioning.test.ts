/**
 * Versions on the real extension: every durable-flow start passes a version, and with host.json
 * silent the extension (3.x: CurrentOrOlder, Reject, no defaultVersion) rejects every such
 * instance again and again; it stays Pending with no error. The embedded host does the same.
 * With the host.json `compile` writes (defaultVersion <app>.1) the same app completes.
 * A rolling deploy across app versions: upgrade.test.ts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { call, until, untilStatus } from '../host/http-helpers';
import { appFolder, ENGINES, repoAppVersion, startEngine, type Engine } from './engines';

const running: Engine[] = [];
afterAll(async () => {
  for (const e of running) await e.close();
});

/** The line each engine logs when it turns an instance's work away for its version. */
const REJECTED: Record<string, string> = {
  embedded: "does not match this host's versioning",
  extension: 'Abandoning [ExecutionStarted] message',
};

describe.each(ENGINES)('on the %s engine', (name) => {
  it('with host.json silent about versions, a started workflow is rejected and stays Pending', async () => {
    const lines: string[] = [];
    const engine = await startEngine(name, appFolder({ defaultVersion: undefined, versionMatchStrategy: undefined, versionFailureStrategy: undefined }), { log: (l) => lines.push(l) });
    running.push(engine);
    const started = await call('POST', `${engine.url}/api/workflows/hello`, {});
    expect(started.status).toBe(202);
    await until(async () => (lines.some((l) => l.includes(REJECTED[name])) ? true : undefined), 'the rejection', 60_000);
    const status = await call('GET', started.body.statusQueryGetUri);
    expect(status.body).toMatchObject({ runtimeStatus: 'Pending', version: `${repoAppVersion()}.0.1` });
  }, 120_000);

  it("with the host.json compile writes (defaultVersion <app>.1, CurrentOrOlder, Reject) the same start completes", async () => {
    const engine = await startEngine(name, appFolder());
    running.push(engine);
    const started = await call('POST', `${engine.url}/api/workflows/hello`, {});
    const done = await untilStatus(started.body.statusQueryGetUri, ['Completed', 'Failed'], 60_000);
    expect(done.body).toMatchObject({ runtimeStatus: 'Completed', version: `${repoAppVersion()}.0.1` });
  }, 120_000);
});
