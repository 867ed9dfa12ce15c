/**
 * Recorded histories, one per version of every example workflow the app keeps
 * (workflows/.versions/): each is a finished run of that version, recorded once with the test kit
 * (`run.recording()`) and committed under histories/<workflow>/v<n>.json. Every test run replays
 * each through the current code (`env.replayCheck`): a change that would break instances of a
 * shipped version (a codegen or runtime change, an edited record) fails here before it reaches one.
 *
 * An example is a workflow with a scenario below or a recorded history: a version of one without a
 * history (or a history without a scenario) fails the test. Other workflows in workflows/ are a
 * user's own, added to a clone: they have neither and are skipped (named in the skipped test).
 * Record the missing ones (never the existing ones: they are what shipped) with
 *
 *     DF_RECORD_HISTORIES=1 npx vitest run test/testing/histories.test.ts
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createTestEnv, EventType, type Recording, type TestEnv, type TestRun } from 'durable-flow/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { versionNumber } from '../../runtime/version-text';

const root = path.resolve(__dirname, '../..');
const histories = path.join(__dirname, 'histories');

/** How each example runs to its end, for a given version (the typical run its tests describe). */
const SCENARIOS: Record<string, (env: TestEnv, version: number, instanceId: string) => Promise<TestRun>> = {
  hello: async (env, version, instanceId) => env.start('hello', {}, { version, instanceId }),
  fanOut: async (env, version, instanceId) => env.start('fanOut', { taskCount: 12, taskMs: 1 }, { version, instanceId }),
  customerReport: async (env, version, instanceId) => {
    const run = await env.start('customerReport', { customerId: 'ACME' }, { version, instanceId });
    await env.advance('2s');
    return run;
  },
  approval: async (env, version, instanceId) => {
    const run = await env.start('approval', { customer: 'ACME', total: 120 }, { version, instanceId });
    await env.advance('2h');
    await run.raiseEvent('Approval', { approved: true, by: 'dana' });
    return run;
  },
  processOrders: async (env, version, instanceId) =>
    env.start(
      'processOrders',
      {
        customer: 'ACME',
        orders: [
          { id: 'A', amount: 10 },
          { id: 'B', amount: 0 },
          { id: 'C', amount: 25 },
        ],
      },
      { version, instanceId },
    ),
  nightlyReport: async (env, version, instanceId) => env.start('nightlyReport', null, { version, instanceId }),
  // Approved an hour in, by the first of its two events; the closing steps end well within their deadline.
  orderReview: async (env, version, instanceId) => {
    const run = await env.start('orderReview', { customer: 'ACME', total: 120 }, { version, instanceId });
    await env.advance('1h');
    await run.raiseEvent('Approve', { by: 'dana' });
    return run;
  },
  // A job that is done at the first poll: the loop's first iteration ends it.
  pollJob: async (env, version, instanceId) => env.start('pollJob', { job: 'nightly', takesMs: 0 }, { version, instanceId }),
  // A reminder 90 s after the start (a delay from input), acknowledged at once.
  reminder: async (env, version, instanceId) => {
    const run = await env.start('reminder', { to: 'dana', remindIn: '90s', ackWithin: 120_000 }, { version, instanceId });
    await env.advance('90s');
    await run.raiseEvent('Ack', { by: 'dana' });
    return run;
  },
  // Two replicas acknowledge; the third is abandoned by the quorum and ends after it (recorded late).
  replicate: async (env, version, instanceId) => env.start('replicate', { record: { id: 7 }, ms: [1, 2, 200], auditMs: 1 }, { version, instanceId }),
  // The last of its five executions: four items carried in, the fifth from an event.
  digest: async (env, version, instanceId) => {
    const run = await env.start('digest', { customer: 'ACME', items: ['a', 'b', 'c', 'd'] }, { version, instanceId });
    await env.advance('1h');
    await run.raiseEvent('Item', { kind: 'e' });
    return run;
  },
  // The saga that goes through (a history ends Completed); travelDesk's is the declined one, caught.
  bookTrip: async (env, version, instanceId) => env.start('bookTrip', { traveller: 'ada', card: '4242' }, { version, instanceId }),
  travelDesk: async (env, version, instanceId) => env.start('travelDesk', { traveller: 'ada', card: 'declined' }, { version, instanceId }),
};

/** Every workflow version the app keeps, from the record. */
function keptVersions(): Array<{ workflow: string; version: number }> {
  const dir = path.join(root, 'workflows/.versions');
  return fs
    .readdirSync(dir)
    .sort()
    .flatMap((workflow) => {
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, workflow, 'versions.json'), 'utf8')) as { versions: Array<{ version: number }> };
      return manifest.versions.map((v) => ({ workflow, version: v.version }));
    });
}

const file = (workflow: string, version: number): string => path.join(histories, workflow, `v${version}.json`);

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env.close();
});

/** The examples: the workflows with a scenario above or a recorded history. */
function isExample(workflow: string): boolean {
  return workflow in SCENARIOS || fs.existsSync(path.join(histories, workflow));
}

describe('a recorded history per version of every example workflow', () => {
  const all = keptVersions();
  const kept = all.filter((v) => isExample(v.workflow));
  const others = [...new Set(all.filter((v) => !isExample(v.workflow)).map((v) => v.workflow))];

  it('exists for every version kept, and is of that version', () => {
    for (const workflow of Object.keys(SCENARIOS)) expect(kept.map((v) => v.workflow), `'${workflow}' has a scenario but no version in workflows/.versions`).toContain(workflow);
    for (const { workflow } of kept) expect(SCENARIOS, `no history scenario for '${workflow}': add one above`).toHaveProperty(workflow);
  });

  if (others.length) it.skip(`not examples (no scenario, no recorded history): ${others.join(', ')}`, () => {});

  for (const { workflow, version } of kept) {
    it(`${workflow} version ${version} replays through the current code`, async () => {
      const target = file(workflow, version);
      if (!fs.existsSync(target) && process.env.DF_RECORD_HISTORIES) {
        const run = await SCENARIOS[workflow](env, version, `${workflow}-v${version}-recorded`);
        expect((await run.result()).status).toBe('Completed');
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, JSON.stringify(run.recording(), null, 2) + '\n');
      }
      expect(fs.existsSync(target), `no recorded history of ${workflow} version ${version}: record it with DF_RECORD_HISTORIES=1 npx vitest run test/testing/histories.test.ts`).toBe(true);
      const recorded = JSON.parse(fs.readFileSync(target, 'utf8')) as Recording;
      const started = recorded.history.find((e) => e.EventType === EventType.ExecutionStarted);
      // `1` in histories recorded before app versions, `<app>.0.<version>` since (runtime/version-text.ts).
      expect(versionNumber(started?.Version)).toBe(version);
      expect(recorded.history.at(-2)).toMatchObject({ EventType: EventType.ExecutionCompleted, OrchestrationStatus: 'Completed' });
      const check = await env.replayCheck(recorded);
      expect(check.ok, check.ok ? '' : check.message).toBe(true);
    });
  }
});
