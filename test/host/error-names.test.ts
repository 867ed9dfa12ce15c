/**
 * Error names end to end on the embedded host: the compiled app, real replay through
 * durable-functions, SQLite, HTTP on loopback. A saga-like workflow compensates and rethrows an
 * activity's `card-declined`; the instance's error (`GET <route>/instances/<id>`), the Durable
 * status, the status pages' trace and a parent's `catch` all show the name whole; and a seeded
 * fuzzer of names goes from an activity to a parent's catch and to the instance's error.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../bench/app';
import { createHost, type Host } from '../../host/main';
import { errorNames } from '../helpers/error-names';
import { call, until } from './http-helpers';

const repo = path.resolve(__dirname, '../..');

const ACTIVITIES = `
export async function Reserve(what: string): Promise<string> {
  return what + ' reserved';
}
export async function Release(what: string): Promise<string> {
  return what + ' released';
}
export async function Charge(input: { name: string; message: string }): Promise<never> {
  const e = new Error(input.message);
  e.name = input.name;
  throw e;
}
`;

const WORKFLOWS: Record<string, string> = {
  saga: [
    'dsl: 1',
    'steps:',
    '  - activity: Reserve',
    '    input: flight',
    '  - try:',
    '      - activity: Charge',
    '        input: ${ input }',
    '    catch:',
    '      as: err',
    '      steps:',
    '        - activity: Release',
    '          input: flight',
    '        - status: "compensated after ${ err.name }"',
    '        - fail: ${ err }',
    '',
  ].join('\n'),
  booking: ['dsl: 1', 'steps:', '  - try:', '      - workflow: saga', '        input: ${ input }', '    catch:', '      as: err', '      steps:', '        - set:', '            caught: ${ err }', 'output: ${ vars.caught }', ''].join('\n'),
  computed: ['dsl: 1', 'steps:', '  - fail:', '      error: ${ input.name }', '      message: ${ input.message }', ''].join('\n'),
};

let app: string;
let dir: string;
let host: Host;

beforeAll(async () => {
  app = buildApp(repo, WORKFLOWS, ACTIVITIES, 'df-error-names-app-');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-error-names-'));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ main: path.join(app, 'dist/generated/index.js') }));
  fs.writeFileSync(path.join(dir, 'host.json'), JSON.stringify({ version: '2.0', extensions: { durableTask: { versionMatchStrategy: 'None' } } }));
  host = await createHost({ appDir: dir, db: path.join(dir, 'e.db'), port: 0, quiet: true });
}, 120_000);

afterAll(async () => {
  await host?.close();
  for (const d of [dir, app]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

/** Starts a workflow and waits for it to end; its durable-flow status. */
async function finish(workflow: string, input: unknown): Promise<{ id: string; status: any }> {
  const started = await call('POST', `${host.url}/api/workflows/${workflow}`, input);
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  const id = started.body.id as string;
  const status = await until(async () => {
    const r = await call('GET', `${host.url}/api/workflows/${workflow}/instances/${encodeURIComponent(id)}`);
    return r.body?.status === 'Completed' || r.body?.status === 'Failed' ? r.body : undefined;
  }, `${workflow} to finish`);
  return { id, status };
}

describe('error names on the embedded host', () => {
  it('a saga compensates, then fails with card-declined and the original message, seen as such everywhere', async () => {
    const declined = { name: 'card-declined', message: 'The card ending 4242 was declined' };
    const { id, status } = await finish('saga', declined);
    expect(status).toMatchObject({
      status: 'Failed',
      customStatus: 'compensated after card-declined',
      error: { ...declined, text: `Orchestrator function 'saga' failed: "card-declined": The card ending 4242 was declined` },
    });
    // the Durable status API: the extension's wording
    const durable = await call('GET', `${host.url}/runtime/webhooks/durabletask/instances/${id}`);
    expect(durable.body.output).toBe(`Orchestrator function 'saga' failed: "card-declined": The card ending 4242 was declined`);
    // the status pages' trace: the activity's failure, its name whole
    const trace = await call('GET', `${host.url}/api/flow/api/trace/saga/${id}`);
    expect(trace.status).toBe(200);
    const failedEvents = JSON.stringify(trace.body);
    expect(failedEvents).toContain(`Activity function 'Charge' failed: \\"card-declined\\": The card ending 4242 was declined`);
    // a parent's catch
    const parent = await finish('booking', declined);
    expect(parent.status).toMatchObject({ status: 'Completed', output: declined });
  }, 60_000);

  it('carries fuzzed names from an activity through a child\'s rethrow to a parent\'s catch, and to the instance\'s error', async () => {
    for (const name of errorNames(7, 40)) {
      const info = { name, message: `no: ${[...name].slice(0, 5).join('')}` };
      const parent = await finish('booking', info);
      expect(parent.status.output, JSON.stringify(name)).toEqual(info);
      const computed = await finish('computed', info);
      expect(computed.status.error, JSON.stringify(name)).toMatchObject(info);
    }
  }, 120_000);

  it('fails with InvalidErrorName naming a computed name that is not valid', async () => {
    const { status } = await finish('computed', { name: 'two\nlines', message: 'm' });
    expect(status.error).toMatchObject({ name: 'InvalidErrorName', message: 'fail: the error name "two\\nlines" is not valid: an error name must be printable characters, got "\\n" at position 4' });
  }, 30_000);
});
