/**
 * Timeouts, retries and error names on both engines, in a small compiled app: an event wait that
 * times out (continue, and fail into a catch), an activity step's timeout, retries ended by their
 * timeout, and error names an activity throws (an identifier, names with hyphens, spaces, colons
 * and quotes, a seeded fuzzer's), read back in a `catch`, rethrown to the instance's error and
 * through a child workflow to its parent. Both engines must give the same output; the expected
 * values are what the workflows promise.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../bench/app';
import { call, untilStatus } from '../host/http-helpers';
import { errorNames } from '../helpers/error-names';
import { ENGINES, startEngine, summary, type Engine, type EngineName } from './engines';

const repo = path.resolve(__dirname, '../..');

const ACTIVITIES = `
export async function Slow(ms: number): Promise<string> {
  await new Promise((r) => setTimeout(r, ms));
  return 'slow done';
}
export async function Flaky(): Promise<never> {
  throw new Error('always fails');
}
export async function Throw(input: { name: string; message: string }): Promise<never> {
  const e = new Error(input.message);
  e.name = input.name;
  throw e;
}
export async function Decline(): Promise<never> {
  const e = new Error('card ending 4242 was declined');
  e.name = 'PaymentDeclined';
  throw e;
}
`;

const caught = "${ err.name + ': ' + err.message }";
const WORKFLOWS: Record<string, string> = {
  eventContinue: ['dsl: 1', 'steps:', '  - id: go', '    waitForEvent: Go', '    timeout: 2s', '    onTimeout: continue', `output: "\${ steps.go.output === null ? 'timed out' : 'got it' }"`, ''].join('\n'),
  eventFail: ['dsl: 1', 'steps:', '  - id: guarded', '    try:', '      - waitForEvent: Go', '        timeout: 1s', '    catch:', '      as: err', '      steps:', '        - set:', `            seen: "${caught}"`, 'output: ${ vars.seen }', ''].join('\n'),
  activityTimeout: ['dsl: 1', 'steps:', '  - try:', '      - activity: Slow', '        input: 4000', '        timeout: 1s', '    catch:', '      as: err', '      steps:', '        - set:', `            seen: "${caught}"`, 'output: ${ vars.seen }', ''].join('\n'),
  retryTimeout: ['dsl: 1', 'steps:', '  - try:', '      - activity: Flaky', '        retry: { maxAttempts: 10, interval: 300ms, timeout: 1s }', '    catch:', '      as: err', '      steps:', '        - set:', `            seen: "${caught}"`, 'output: ${ vars.seen }', ''].join('\n'),
  errorName: ['dsl: 1', 'steps:', '  - try:', '      - activity: Decline', '    catch:', '      as: err', '      steps:', '        - set:', `            seen: "${caught}"`, 'output: ${ vars.seen }', ''].join('\n'),
  // Each name of the input through an activity to a catch: the output is what the catches saw.
  errorNames: ['dsl: 1', 'steps:', '  - id: seen', '    forEach: ${ input }', '    maxParallel: 5', '    steps:', '      - try:', '          - activity: Throw', '            input: ${ item }', '        catch:', '          as: err', '          steps:', '            - set: { names: true }', '              result: ${ err }', 'output: ${ steps.seen.output }', ''].join('\n'),
  rethrow: ['dsl: 1', 'steps:', '  - try:', '      - activity: Throw', '        input: ${ input }', '    catch:', '      as: err', '      steps:', '        - fail: ${ err }', ''].join('\n'),
  rethrowParent: ['dsl: 1', 'steps:', '  - try:', '      - workflow: rethrow', '        input: ${ input }', '    catch:', '      as: err', '      steps:', '        - set:', '            caught: ${ err }', 'output: ${ vars.caught }', ''].join('\n'),
  failNamed: ['dsl: 1', 'steps:', '  - fail: { error: "Job Failed: stage \\"2\\"", message: exit 3 }', ''].join('\n'),
  // Each attempt over its own 1 s fails with Timeout and is retried once; the catch sees the second's.
  attemptTimeout: ['dsl: 1', 'steps:', '  - try:', '      - activity: Slow', '        input: 2500', '        attemptTimeout: 1s', '        retry: { maxAttempts: 2, interval: 300ms }', '    catch:', '      as: err', '      steps:', '        - set:', `            seen: "${caught}"`, 'output: ${ vars.seen }', ''].join('\n'),
  // Two policies: `Job Failed` gets 3 attempts, anything else 1; the output counts the attempts.
  perError: ['dsl: 1', 'steps:', '  - try:', '      - activity: Throw', '        input: ${ input }', '        retry:', '          - { on: ["Job Failed"], maxAttempts: 3, interval: 300ms }', '          - { on: [Other], maxAttempts: 1, interval: 1s }', '    catch:', '      as: err', '      steps:', '        - set:', `            seen: "${caught}"`, 'output: ${ vars.seen }', ''].join('\n'),
};

/** The start input of each workflow (default: {}). */
const declined = { name: 'card-declined', message: 'card ending 4242 was declined' };
const fuzzed = errorNames(2026, 40).map((name, i) => ({ name, message: `attempt ${i}: ${[...name].slice(0, 8).join('')}` }));
const INPUTS: Record<string, unknown> = { errorNames: fuzzed, rethrow: declined, rethrowParent: { name: 'Job Failed', message: 'exit 3' }, perError: { name: 'Job Failed', message: 'exit 3' } };

let app: string;
const engines = new Map<EngineName, Engine>();

beforeAll(async () => {
  app = buildApp(repo, WORKFLOWS, ACTIVITIES, 'df-engines-timeouts-');
  const file = path.join(app, 'host.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  json.extensions.durableTask.storageProvider = { maxQueuePollingInterval: '00:00:01' };
  fs.writeFileSync(file, JSON.stringify(json, null, 2));
  for (const name of ENGINES) engines.set(name, await startEngine(name, app));
}, 240_000);
afterAll(async () => {
  for (const e of engines.values()) await e.close();
  if (app) fs.rmSync(app, { recursive: true, force: true });
});

async function finish(engine: Engine, workflow: string): Promise<Record<string, unknown>> {
  const started = await call('POST', `${engine.url}/api/workflows/${workflow}`, INPUTS[workflow] ?? {});
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  const done = await untilStatus(started.body.statusQueryGetUri, ['Completed', 'Failed'], 90_000);
  if (workflow !== 'perError') return summary(done.body);
  // the attempts the policy for `Job Failed` allowed, as the history records them
  const history = await call('GET', `${started.body.statusQueryGetUri}&showHistory=true`);
  const failures = (history.body.historyEvents as Array<{ EventType: string }>).filter((e) => e.EventType === 'TaskFailed').length;
  return { ...summary(done.body), failures };
}

describe.each(Object.keys(WORKFLOWS))('%s on the embedded host and on the real extension', (workflow) => {
  it('gives the same status and output', async () => {
    const [embedded, extension] = await Promise.all(ENGINES.map((n) => finish(engines.get(n)!, workflow)));
    expect(extension).toEqual(embedded);
    const expected: Record<string, unknown> = {
      eventContinue: 'timed out',
      eventFail: "Timeout: waiting for event 'Go' did not finish within 1000 ms",
      activityTimeout: "Timeout: activity 'Slow' did not finish within 1000 ms",
      // the activity's own error, its name and message as it threw them (runtime/errors.ts carries them across the extension)
      retryTimeout: 'Error: always fails',
      errorName: 'PaymentDeclined: card ending 4242 was declined',
      errorNames: fuzzed,
      rethrow: `Orchestrator function 'rethrow' failed: "card-declined": card ending 4242 was declined`,
      rethrowParent: { name: 'Job Failed', message: 'exit 3' },
      failNamed: `Orchestrator function 'failNamed' failed: "Job Failed: stage \\"2\\"": exit 3`,
      attemptTimeout: "Timeout: activity 'Slow' attempt 2 did not finish within 1000 ms",
      perError: 'Job Failed: exit 3',
    };
    const failed = ['rethrow', 'failNamed'].includes(workflow);
    expect(extension).toMatchObject({ runtimeStatus: failed ? 'Failed' : 'Completed', output: expected[workflow] });
    if (workflow === 'perError') expect(extension).toMatchObject({ failures: 3 });
  }, 120_000);
});
