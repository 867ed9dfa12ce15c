/**
 * Quorums (`succeedWhen: { atLeast }`) and late outcomes on both engines, in a small compiled app:
 * a quorum of 2 of 3 reached beside a slow branch, one that cannot be reached, a branch waiting on
 * a one-hour timer that the quorum abandons (its timer cancelled, so the instance does not stay
 * Running for an hour on the real extension), and an activity abandoned by its step's timeout whose
 * late outcome the status records. Both engines must give the same output and late records; the
 * expected values are what the workflows promise.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../bench/app';
import { call, untilStatus } from '../host/http-helpers';
import { ENGINES, startEngine, type Engine, type EngineName } from './engines';

const repo = path.resolve(__dirname, '../..');

const ACTIVITIES = `
export async function Ask(input: { n: number; ms?: number; fail?: boolean }): Promise<string> {
  await new Promise((resolve) => setTimeout(resolve, input.ms ?? 0));
  if (input.fail) {
    const err = new Error('replica ' + input.n + ' is down');
    err.name = 'ReplicaDown';
    throw err;
  }
  return 'yes from ' + input.n;
}
`;

const WORKFLOWS: Record<string, string> = {
  vote: [
    'dsl: 1',
    'steps:',
    '  - id: votes',
    '    parallel:',
    '      - steps: [ { activity: Ask, input: { n: 0, ms: 3000, fail: "${ input.lateFails }" } } ]',
    '      - steps: [ { activity: Ask, input: { n: 1, fail: "${ input.fail }" } } ]',
    '      - steps: [ { activity: Ask, input: { n: 2, fail: "${ input.fail }" } } ]',
    '      - steps:',
    '          - delay: 1h',
    '          - activity: Ask',
    '            input: { n: 3 }',
    '    succeedWhen: { atLeast: "${ input.atLeast }" }',
    '  - id: audit',
    '    try:',
    '      - activity: Ask',
    '        input: { n: 4, ms: 2500 }',
    '        timeout: 1s',
    '    catch:',
    '      as: err',
    '      steps:',
    '        - set: { audit: "${ err.name }" }',
    'output: { votes: "${ steps.votes.output }", audit: "${ vars.audit }" }',
    '',
  ].join('\n'),
};

let app: string;
const engines = new Map<EngineName, Engine>();

beforeAll(async () => {
  app = buildApp(repo, WORKFLOWS, ACTIVITIES, 'df-engines-quorum-');
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

async function finish(engine: Engine, workflow: string, input: unknown): Promise<Record<string, any>> {
  const started = await call('POST', `${engine.url}/api/workflows/${workflow}`, input);
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  const done = await untilStatus(started.body.statusQueryGetUri, ['Completed', 'Failed'], 120_000);
  return done.body;
}

/** What must be alike on both engines: status, output, and the late records without their times. */
function outcome(status: Record<string, any>): Record<string, unknown> {
  const late = (status.customStatus?.late ?? []) as Array<Record<string, unknown>>;
  return { runtimeStatus: status.runtimeStatus, output: status.output, late: late.map(({ abandonedAt, ...rest }) => rest) };
}

describe('quorums and late outcomes on both engines', () => {
  it('completes at 2 of 4 beside a slow branch and a branch on a one-hour timer; the abandoned work ends later and is recorded', async () => {
    const out: Record<string, unknown> = {};
    for (const [name, engine] of engines) {
      const t0 = Date.now();
      const status = await finish(engine, 'vote', { atLeast: 2, fail: false, lateFails: true });
      out[name] = outcome(status);
      // Not an hour: the abandoned branch's timer was cancelled.
      expect(Date.now() - t0, name).toBeLessThan(60_000);
    }
    expect(out.embedded).toEqual(out.extension);
    expect(out.extension).toEqual({
      runtimeStatus: 'Completed',
      output: { votes: [null, 'yes from 1', 'yes from 2', null], audit: 'Timeout' },
      late: [
        { what: "activity 'Ask'", by: 'quorum', outcome: 'Failed', error: 'ReplicaDown: replica 0 is down' },
        { what: "activity 'Ask'", by: 'timeout', outcome: 'Completed' },
      ],
    });
  }, 300_000);

  it('fails with QuorumNotReached once it cannot be reached', async () => {
    const out: Record<string, unknown> = {};
    for (const [name, engine] of engines) out[name] = outcome(await finish(engine, 'vote', { atLeast: 3, fail: true, lateFails: false }));
    const alike = (o: unknown): unknown => JSON.parse(JSON.stringify(o).replace(/replica [12] is down/, 'replica N is down'));
    expect(alike(out.embedded)).toEqual(alike(out.extension));
    expect(out.extension).toMatchObject({
      runtimeStatus: 'Failed',
      // the first failure delivered names itself: branch 1 or 2, as the two arrive
      output: expect.stringMatching(/^Orchestrator function 'vote' failed: QuorumNotReached: parallel: at least 3 of 4 had to succeed, but 2 failed \(first: ReplicaDown: replica [12] is down\)$/),
      late: [{ what: "activity 'Ask'", by: 'quorum', outcome: 'Completed' }],
    });
  }, 300_000);
});
