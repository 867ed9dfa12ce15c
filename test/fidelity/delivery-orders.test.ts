/**
 * Fidelity under every delivery order: each example workflow and a set of adversarial ones run
 * through the host's real engine (with the Durable extension's replay) while results reach the
 * orchestrations one per episode oldest-first, newest-first and in seeded random order, in random
 * batches, and all at once. For each: the right output, the cap never exceeded (counted from
 * history and from what the orchestrations saw), no nondeterminism, and no activity run more often
 * than its retries allow. The textbook sliding window (durable-js#574) must fail these checks.
 *
 * DELIVERY_SEED=<n> replays another seed (the default is fixed so runs are reproducible).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileToGenerated } from '../../compiler/src/compile';
import { loadApp, type CoreApi } from '../../host/functions/core-api';
import { EventType, type HistoryEvent } from '../../host/orchestration/history';
import { drive, finished, maxInFlightInHistory, policyName, type DriveResult, type Policy, type Scenario } from './driver';

const repo = path.resolve(__dirname, '../..');
const seed = Number(process.env.DELIVERY_SEED ?? 20261201);
const POLICIES: Policy[] = ['oldest', 'newest', { random: seed }, { batches: seed + 1 }, 'all'];

/** Activities for the adversarial workflows: deterministic, failing as their input says. */
const ACTIVITIES = `
// Attempts per input, reset by the test before each run (globalThis: the test and the app share it).
const attempts: Map<string, number> = ((globalThis as { __workAttempts?: Map<string, number> }).__workAttempts ??= new Map());
/** { n, fail?: 'always' | number }: fails always, or on its first \`fail\` attempts (counted per input). */
export async function Work(input: { n: number; fail?: 'always' | number }): Promise<number> {
  const key = JSON.stringify(input);
  const attempt = (attempts.get(key) ?? 0) + 1;
  attempts.set(key, attempt);
  if (input.fail === 'always' || (typeof input.fail === 'number' && attempt <= input.fail)) {
    class WorkError extends Error {
      override name = 'WorkError';
    }
    throw new WorkError(\`item \${input.n} failed (attempt \${attempt})\`);
  }
  return input.n * 10;
}
export async function Note(text: string): Promise<string> {
  return text;
}
`;

const items9 = `'\${ [0,1,2,3,4,5,6,7,8].map(n => n === 4 ? { n, fail: "always" } : n === 2 ? { n, fail: 1 } : { n }) }'`;

const WORKFLOWS: Record<string, string> = {
  // The scenario: 9 items, cap 3, continue on error, 3 attempts 100 ms apart; item 4 always fails.
  retryWindow: `dsl: 1
steps:
  - id: items
    forEach: ${items9}
    maxParallel: 3
    onItemError: continue
    activity: Work
    input: \${ item }
    retry: { maxAttempts: 3, interval: 100ms }
output: \${ steps.items.output }
`,
  // The same as a steps body with timeouts on both steps.
  retryWindowBody: `dsl: 1
steps:
  - id: items
    forEach: ${items9}
    maxParallel: 3
    onItemError: continue
    steps:
      - id: first
        activity: Work
        input: \${ item }
        retry: { maxAttempts: 3, interval: 100ms }
        timeout: 1h
      - activity: Note
        input: "\${ item.n }:\${ steps.first.output }"
        timeout: 30m
output: \${ steps.items.output }
`,
  // A retry with a timeout inside try, then another step.
  retryTimeoutThen: `dsl: 1
steps:
  - id: tried
    try:
      - activity: Work
        input: { n: 1, fail: always }
        retry: { maxAttempts: 10, interval: 1s, timeout: 5s }
    catch:
      as: err
      steps:
        - activity: Note
          input: "caught \${ err.name }: \${ err.message }"
  - id: after
    activity: Note
    input: after
output: { tried: "\${ steps.tried.output }", after: "\${ steps.after.output }" }
`,
  // A forEach whose timeout is shorter than its items: the step fails with Timeout, a catch runs.
  forEachTimeout: `dsl: 1
steps:
  - id: slow
    try:
      - forEach: \${ [0,1,2,3,4] }
        maxParallel: 2
        timeout: 10s
        steps:
          - delay: 4s
          - activity: Work
            input: { n: "\${ item }" }
    catch:
      as: err
      steps:
        - activity: Note
          input: "timed out: \${ err.name }"
output: \${ steps.slow.output }
`,
  // A partitioned forEach (slices of 4) with retries; the cap of 3 holds across slices.
  partitionRetry: `dsl: 1
steps:
  - id: big
    forEach: '\${ Array.from({ length: 12 }, (_, n) => n % 5 === 0 ? { n, fail: 1 } : { n }) }'
    maxParallel: 3
    partitionSize: 4
    onItemError: continue
    activity: Work
    input: \${ item }
    retry: { maxAttempts: 2, interval: 1s }
output: \${ steps.big.output }
`,
  // Child workflows with retries: each child fails its first attempt.
  childRetry: `dsl: 1
steps:
  - id: kids
    forEach: '\${ [{ n: 1, fail: 1 }, { n: 2 }, { n: 3, fail: 1 }, { n: 4, fail: "always" }] }'
    maxParallel: 2
    onItemError: continue
    workflow: flakyChild
    input: \${ item }
    retry: { maxAttempts: 3, interval: 1s }
output: \${ steps.kids.output }
`,
  flakyChild: `dsl: 1
steps:
  - activity: Work
    input: \${ input }
`,
  // Issue 22 (head-of-line): items of very different durations. Item 0's work is long (its result
  // comes last); the others must flow through the two other slots meanwhile.
  unevenItems: `dsl: 1
steps:
  - id: items
    forEach: '\${ [0,1,2,3,4,5,6] }'
    maxParallel: 3
    steps:
      - activity: Work
        input: { n: "\${ item }" }
      - activity: Note
        input: "note \${ item }"
output: \${ steps.items.output }
`,
  // A late branch's timer: branch 0 is long; branch 2's delay fires while it runs.
  lateTimer: `dsl: 1
steps:
  - id: all
    parallel:
      - steps:
          - activity: Work
            input: { n: 0 }
      - steps:
          - activity: Work
            input: { n: 1 }
      - steps:
          - delay: 1s
          - activity: Note
            input: after the delay
output: \${ steps.all.output }
`,
  // A failing newest item: item 0 is long, item 2 fails; the forEach fails with it at once and the
  // catch runs (the instance itself ends once item 0 has: Durable cannot cancel an activity).
  failingNewest: `dsl: 1
steps:
  - id: tried
    try:
      - forEach: '\${ [{ n: 0 }, { n: 1 }, { n: 2, fail: "always" }] }'
        maxParallel: 3
        activity: Work
        input: \${ item }
    catch:
      as: err
      steps:
        - activity: Note
          input: "caught \${ err.message }"
output: \${ steps.tried.output }
`,
  // Windows in windows: a capped forEach inside a parallel branch, beside a long branch.
  nestedWindows: `dsl: 1
steps:
  - id: all
    parallel:
      - steps:
          - activity: Work
            input: { n: 100 }
      - steps:
          - id: inner
            forEach: '\${ [1,2,3,4,5] }'
            maxParallel: 2
            steps:
              - activity: Work
                input: { n: "\${ item }" }
              - delay: 1s
              - activity: Note
                input: "n\${ item }"
output: \${ steps.all.output }
`,
  // Partition slices of different durations: slice 0 holds the long item; slices 1 to 3 run meanwhile.
  unevenSlices: `dsl: 1
steps:
  - id: big
    forEach: '\${ [0,1,2,3,4,5,6,7] }'
    maxParallel: 2
    partitionSize: 2
    activity: Work
    input: { n: "\${ item }" }
output: \${ steps.big.output }
`,
  // A quorum of 2 of 3 branches, branch 0 long: the step ends at the second success, and the next
  // step runs while branch 0 still runs (its late result is recorded, not used).
  quorumLate: `dsl: 1
steps:
  - id: votes
    parallel:
      - steps: [ { activity: Work, input: { n: 0 } } ]
      - steps: [ { activity: Work, input: { n: 1 } } ]
      - steps: [ { activity: Work, input: { n: 2 } } ]
    succeedWhen: { atLeast: 2 }
  - activity: Note
    input: quorum reached
output: \${ steps.votes.output }
`,
  // A quorum that cannot be reached: two of three branches fail while branch 0 runs long.
  quorumLost: `dsl: 1
steps:
  - id: tried
    try:
      - parallel:
          - steps: [ { activity: Work, input: { n: 0 } } ]
          - steps: [ { activity: Work, input: { n: 1, fail: always } } ]
          - steps: [ { activity: Work, input: { n: 2, fail: always } } ]
        succeedWhen: { atLeast: 2 }
    catch:
      as: err
      steps:
        - activity: Note
          input: "caught \${ err.name }"
output: \${ steps.tried.output }
`,
  // A forEach quorum over items of very different durations (item 0 long), cap 3, three needed.
  quorumItems: `dsl: 1
steps:
  - id: each
    forEach: '\${ [0,1,2,3,4,5,6] }'
    maxParallel: 3
    succeedWhen: { atLeast: 3 }
    activity: Work
    input: { n: "\${ item }" }
  - activity: Note
    input: items quorum reached
output: \${ steps.each.output }
`,
  // waitForEvent with a timeout inside a forEach: three events come, two items time out.
  eventsInForEach: `dsl: 1
steps:
  - id: answers
    forEach: '\${ ["ann", "bob", "cy", "di", "ed"] }'
    as: who
    maxParallel: 2
    steps:
      - id: answer
        waitForEvent: Answer
        timeout: 1h
        onTimeout: continue
      - activity: Note
        input: "\${ who }=\${ steps.answer.output ?? 'none' }"
output: \${ steps.answers.output }
`,
};

let app: CoreApi;
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-delivery-'));
  fs.cpSync(path.join(repo, 'workflows'), path.join(dir, 'workflows'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'workflows/activities/fidelity.ts'), ACTIVITIES);
  for (const [name, text] of Object.entries(WORKFLOWS)) fs.writeFileSync(path.join(dir, `workflows/${name}.yaml`), text);
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'));
  fs.symlinkSync(path.join(repo, 'runtime'), path.join(dir, 'runtime'));
  const r = compileToGenerated(dir, { write: true });
  if (!r.front.ok) throw new Error(r.front.diagnostics.map((d) => d.message).join('\n'));
  require('tsx/cjs/api').register();
  loadApp(path.join(dir, 'generated/index.ts'));
  // The textbook window, hand-written (test/fixtures/apps/windows.ts), in the same app.
  app = loadApp(path.join(repo, 'test/fixtures/apps/windows.ts'));
}, 120_000);

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** The checks every run must pass; returns the run for scenario-specific ones. */
function checkRun(r: DriveResult, caps: Record<string, number>, maxRuns: (name: string, input: unknown) => number): void {
  for (const i of r.instances) {
    expect(finished(i), `${i.name} ${i.id} is ${i.status}`).toBe(true);
    expect(i.error ?? '').not.toMatch(/Non-Deterministic/);
  }
  for (const [name, cap] of Object.entries(caps)) {
    expect(r.maxInFlight[name] ?? 0, `${name} in flight`).toBeLessThanOrEqual(cap);
    for (const i of r.instances) expect(maxInFlightInHistory(r.history(i.id), name), `${name} in flight in ${i.id}`).toBeLessThanOrEqual(cap);
  }
  const runs = new Map<string, number>();
  for (const e of r.executions) {
    const key = `${e.name} ${JSON.stringify(e.input)}`;
    runs.set(key, (runs.get(key) ?? 0) + 1);
  }
  for (const e of r.executions) expect(runs.get(`${e.name} ${JSON.stringify(e.input)}`), `${e.name} ${JSON.stringify(e.input)} runs`).toBeLessThanOrEqual(maxRuns(e.name, e.input));
}

const once = (): number => 1;
const resetAttempts = (): void => (globalThis as { __workAttempts?: Map<string, number> }).__workAttempts?.clear();
/** Work retried per its input's failures, at most `attempts` times. */
const retried = (attempts: number) => (name: string, input: unknown): number => (name === 'Work' ? attempts : 1);
const instant = { Sleep: (i: { index: number }) => i.index, BuildReport: (i: { section: string; customerId: string }) => `${i.section} report for ${i.customerId}` };


/**
 * Head-of-line checks (issue 22) read an instance's history by episode: each OrchestratorStarted
 * begins one, with the messages it was delivered, then what it issued.
 */
function episodeWhere(events: readonly HistoryEvent[], what: string, pred: (e: HistoryEvent) => boolean): number {
  let episode = -1;
  for (const e of events) {
    if (e.EventType === EventType.OrchestratorStarted) episode++;
    if (pred(e)) return episode;
  }
  throw new Error(`no ${what} in the history`);
}
const scheduled = (name: string, input: unknown) => (e: HistoryEvent): boolean => e.EventType === EventType.TaskScheduled && e.Name === name && e.Input === JSON.stringify(input);
/** The result (completed or failed) of the activity call scheduled as `name(input)`. */
const resultOf = (events: readonly HistoryEvent[], name: string, input: unknown) => {
  const id = events.find(scheduled(name, input))?.EventId;
  return (e: HistoryEvent): boolean => (e.EventType === EventType.TaskCompleted || e.EventType === EventType.TaskFailed) && e.TaskScheduledId === id;
};
/** Asserts `effect` happened in the episode that delivered `cause`, or the next one. */
function actedOn(events: readonly HistoryEvent[], cause: [string, (e: HistoryEvent) => boolean], effect: [string, (e: HistoryEvent) => boolean]): void {
  const delivered = episodeWhere(events, cause[0], cause[1]);
  const acted = episodeWhere(events, effect[0], effect[1]);
  expect(acted - delivered, `${effect[0]} (episode ${acted}) after ${cause[0]} (episode ${delivered})`).toBeGreaterThanOrEqual(0);
  expect(acted - delivered, `${effect[0]} (episode ${acted}) after ${cause[0]} (episode ${delivered})`).toBeLessThanOrEqual(1);
}
/** The long item: its result comes when nothing else can happen. */
const longWork = (n: number) => (m: { name?: string; input?: unknown }): boolean => m.name === 'Work' && (m.input as { n?: unknown } | undefined)?.n === n;

interface Case {
  name: string;
  scenario: Scenario;
  caps?: Record<string, number>;
  maxRuns: (name: string, input: unknown) => number;
  check: (r: DriveResult) => void;
}

const answerOnce = (names: string[]) => {
  let left = [...names];
  return {
    reset: () => void (left = [...names]),
    onIdle: (ctx: { engine: { raiseEvent(id: string, name: string, data: unknown): void }; store: { listInstances(f: { top: number }): Array<{ id: string; status: string }> } }): boolean => {
      const payload = left.shift();
      if (payload === undefined) return false;
      ctx.engine.raiseEvent('run', 'Answer', payload);
      return true;
    },
  };
};

const CASES: Case[] = [
  {
    name: 'hello (example: a sequence)',
    scenario: { workflow: 'hello', input: { name: 'Ada' } },
    maxRuns: once,
    check: (r) => expect(r.instance.output).toEqual(expect.anything()),
  },
  {
    name: 'fanOut (example: 30 items, cap 10)',
    scenario: { workflow: 'fanOut', input: { taskCount: 30, taskMs: 0 }, activities: instant },
    caps: { Sleep: 10 },
    maxRuns: once,
    check: (r) => expect(r.instance.output).toEqual({ count: 30, first: 0, last: 29 }),
  },
  {
    name: 'customerReport (example: singleton, parallel, timer)',
    scenario: { workflow: 'customerReport', input: { customerId: 'c1' }, activities: instant },
    maxRuns: once,
    check: (r) => expect(r.instance.status).toBe('Completed'),
  },
  {
    name: 'approval (example: event raised before the timeout)',
    scenario: {
      workflow: 'approval',
      input: { customer: 'ACME', total: 120 },
      onIdle: (ctx) => {
        const approved = ctx.store.history('run').some((e) => e.EventType === 15);
        if (approved) return false;
        ctx.engine.raiseEvent('run', 'Approval', { approved: true, by: 'dana' });
        return true;
      },
    },
    maxRuns: once,
    check: (r) => expect(JSON.stringify(r.instance.output)).toContain('dana'),
  },
  {
    name: 'processOrders (example: an invalid order among valid ones)',
    scenario: {
      workflow: 'processOrders',
      input: { customer: 'ACME', orders: [{ id: 'a', amount: 10 }, { id: 'bad', amount: 0 }, { id: 'c', amount: 5 }] },
    },
    caps: { ChargeOrder: 5 },
    maxRuns: (name, input) => (name === 'ChargeOrder' && (input as { id: string }).id === 'bad' ? 3 : 1),
    check: (r) => {
      expect(r.instance.status).toBe('Completed');
      expect(r.instance.output).toEqual({ charged: 15, failed: 1, receipt: 'receipt for ACME: 15.00' });
      // the failed order was tried maxAttempts times
      expect(r.executions.filter((e) => e.name === 'ChargeOrder' && (e.input as { id: string }).id === 'bad')).toHaveLength(3);
    },
  },
  {
    name: 'nightlyReport (example: timer-trigger workflow started directly)',
    scenario: { workflow: 'nightlyReport', input: null, activities: instant },
    maxRuns: once,
    check: (r) => expect(r.instance.status).toBe('Completed'),
  },
  {
    name: 'retry in a capped window (9 items, cap 3, item 4 always fails)',
    scenario: { workflow: 'retryWindow', input: null },
    caps: { Work: 3 },
    maxRuns: retried(3),
    check: (r) => {
      const out = r.instance.output as unknown[];
      expect(out).toEqual([0, 10, 20, 30, { error: { name: 'WorkError', message: 'item 4 failed (attempt 3)' } }, 50, 60, 70, 80]);
      expect(r.executions.filter((e) => (e.input as { n: number }).n === 4)).toHaveLength(3);
      expect(r.executions.filter((e) => (e.input as { n: number }).n === 2)).toHaveLength(2);
    },
  },
  {
    name: 'retry in a capped window, steps body with timeouts',
    scenario: { workflow: 'retryWindowBody', input: null },
    caps: { Work: 3 },
    maxRuns: retried(3),
    check: (r) => {
      const out = r.instance.output as unknown[];
      expect(out[4]).toEqual({ error: { name: 'WorkError', message: 'item 4 failed (attempt 3)' } });
      expect(out.filter((_, i) => i !== 4)).toEqual([0, 1, 2, 3, 5, 6, 7, 8].map((n) => `${n}:${n * 10}`));
    },
  },
  {
    name: 'retry with a timeout inside try, then another step',
    scenario: { workflow: 'retryTimeoutThen', input: null },
    maxRuns: retried(10),
    check: (r) => {
      expect(r.instance.output).toMatchObject({ tried: expect.stringMatching(/^caught WorkError: item 1 failed \(attempt \d+\)$/), after: 'after' });
      // attempts at 0, 1, 2, 3, 4 s and one at the 5 s timeout, then the catch
      expect(r.executions.filter((e) => e.name === 'Work')).toHaveLength(6);
    },
  },
  {
    name: 'a forEach timeout shorter than its items',
    scenario: { workflow: 'forEachTimeout', input: null },
    caps: { Work: 2 },
    maxRuns: once,
    check: (r) => expect(r.instance.output).toBe('timed out: Timeout'),
  },
  {
    name: 'a partitioned forEach with retries (slices of 4, cap 3 across slices)',
    scenario: { workflow: 'partitionRetry', input: null },
    caps: { Work: 3 },
    maxRuns: retried(2),
    check: (r) => {
      expect(r.instance.output).toEqual(Array.from({ length: 12 }, (_, n) => n * 10));
      expect(r.instances.filter((i) => i.name === 'partitionRetry-partition')).toHaveLength(3);
    },
  },
  {
    name: 'child workflows with retries',
    scenario: { workflow: 'childRetry', input: null },
    caps: { Work: 2 },
    maxRuns: retried(3),
    check: (r) => {
      const out = r.instance.output as unknown[];
      expect(out.slice(0, 3)).toEqual([10, 20, 30]);
      expect(out[3]).toEqual({ error: { name: 'WorkError', message: 'item 4 failed (attempt 3)' } });
      // each attempt a new child instance: 2 + 1 + 2 + 3
      expect(r.instances.filter((i) => i.name === 'flakyChild')).toHaveLength(8);
    },
  },
  {
    name: 'items of very different durations (issue 22): the others flow past the long item, each acted on at once',
    scenario: { workflow: 'unevenItems', input: null, late: longWork(0) },
    caps: { Work: 3 },
    maxRuns: once,
    check: (r) => {
      expect(r.instance.output).toEqual([0, 1, 2, 3, 4, 5, 6].map((n) => `note ${n}`));
      const h = r.history('run');
      const longDone = episodeWhere(h, 'item 0 done', resultOf(h, 'Work', { n: 0 }));
      for (let n = 1; n <= 6; n++) {
        // each item's next step follows its work's result at once...
        actedOn(h, [`Work ${n} done`, resultOf(h, 'Work', { n })], [`Note ${n} scheduled`, scheduled('Note', `note ${n}`)]);
        // ...and every other item finishes while item 0 still runs
        expect(episodeWhere(h, `Note ${n} done`, resultOf(h, 'Note', `note ${n}`)), `item ${n} before item 0`).toBeLessThan(longDone);
      }
      // a slot freed by an item is taken by the next item in that episode or the next: by the end
      // of episode e + 1, min(7, items finished by episode e + 3 slots) items have started
      const ends = h.filter((e) => e.EventType === EventType.TaskCompleted && [1, 2, 3, 4, 5, 6].some((n) => resultOf(h, 'Note', `note ${n}`)(e)));
      for (const end of ends) {
        const e = episodeWhere(h, 'an item done', (x) => x === end);
        const finished = ends.filter((x) => episodeWhere(h, 'an item done', (y) => y === x) <= e).length;
        const started = h.filter((x) => x.EventType === EventType.TaskScheduled && x.Name === 'Work' && episodeWhere(h, 'Work scheduled', (y) => y === x) <= e + 1).length;
        expect(started, `items started by episode ${e + 1}`).toBeGreaterThanOrEqual(Math.min(7, finished + 3));
      }
    },
  },
  {
    name: "a late branch's timer (issue 22): the branch goes on when its delay fires, while an older branch runs",
    scenario: { workflow: 'lateTimer', input: null, late: longWork(0) },
    maxRuns: once,
    check: (r) => {
      expect(r.instance.output).toEqual([0, 10, 'after the delay']);
      const h = r.history('run');
      const delay = h.find((e) => e.EventType === EventType.TimerCreated && e.FireAt === '2026-01-01T00:00:01.000Z');
      actedOn(h, ['the delay fired', (e) => e.EventType === EventType.TimerFired && e.TimerId === delay?.EventId], ['Note scheduled', scheduled('Note', 'after the delay')]);
      expect(episodeWhere(h, 'Note done', resultOf(h, 'Note', 'after the delay'))).toBeLessThan(episodeWhere(h, 'branch 0 done', resultOf(h, 'Work', { n: 0 })));
    },
  },
  {
    name: 'a failing newest item (issue 22): the forEach fails when the failure arrives, not when the oldest item ends',
    scenario: { workflow: 'failingNewest', input: null, late: longWork(0) },
    caps: { Work: 3 },
    maxRuns: once,
    check: (r) => {
      const caught = 'caught item 2 failed (attempt 1)';
      expect(r.instance.output).toBe(caught);
      const h = r.history('run');
      actedOn(h, ['item 2 failed', resultOf(h, 'Work', { n: 2, fail: 'always' })], ['the catch', scheduled('Note', caught)]);
      expect(episodeWhere(h, 'the catch done', resultOf(h, 'Note', caught)), 'the catch ran while item 0 ran').toBeLessThan(episodeWhere(h, 'item 0 done', resultOf(h, 'Work', { n: 0 })));
    },
  },
  {
    name: 'windows in windows (issue 22): a capped forEach inside a parallel branch goes on beside a long branch',
    scenario: { workflow: 'nestedWindows', input: null, late: longWork(100) },
    caps: { Work: 3 },
    maxRuns: once,
    check: (r) => {
      expect(r.instance.output).toEqual([1000, ['n1', 'n2', 'n3', 'n4', 'n5']]);
      const h = r.history('run');
      const longDone = episodeWhere(h, 'the long branch done', resultOf(h, 'Work', { n: 100 }));
      // every item's delay that fires is followed by its Note in that episode or the next
      const delays = new Set(h.filter((e) => e.EventType === EventType.TimerCreated && Date.parse(e.FireAt as string) - Date.parse(e.Timestamp) === 1000).map((e) => e.EventId));
      expect(delays.size).toBe(5);
      const episodeOf = (e: HistoryEvent): number => episodeWhere(h, 'an event', (x) => x === e);
      for (const f of h.filter((e) => e.EventType === EventType.TimerFired && delays.has(e.TimerId as number))) {
        const by = episodeOf(f);
        const fired = h.filter((e) => e.EventType === EventType.TimerFired && delays.has(e.TimerId as number) && episodeOf(e) <= by).length;
        const notes = h.filter((e) => e.EventType === EventType.TaskScheduled && e.Name === 'Note' && episodeOf(e) <= by + 1).length;
        expect(notes, `Notes scheduled by episode ${by + 1}`).toBeGreaterThanOrEqual(fired);
      }
      for (let n = 1; n <= 5; n++) {
        expect(episodeWhere(h, `Note ${n} done`, resultOf(h, 'Note', `n${n}`)), `item ${n} before the long branch`).toBeLessThan(longDone);
      }
    },
  },
  {
    name: 'partition slices of different durations (issue 22): a slice that ends frees its slot at once',
    scenario: { workflow: 'unevenSlices', input: null, late: longWork(0) },
    caps: { Work: 2 },
    maxRuns: once,
    check: (r) => {
      expect(r.instance.output).toEqual([0, 10, 20, 30, 40, 50, 60, 70]);
      const h = r.history('run');
      const slices = h.filter((e) => e.EventType === EventType.SubOrchestrationInstanceCreated);
      expect(slices).toHaveLength(4);
      const sliceDone = (k: number) => (e: HistoryEvent): boolean => e.EventType === EventType.SubOrchestrationInstanceCompleted && e.TaskScheduledId === slices[k].EventId;
      // two slots; slice 0 (item 0) keeps one: slices 1, 2, 3 take the other in turn, each as the one before ends
      actedOn(h, ['slice 1 done', sliceDone(1)], ['slice 2 started', (e) => e === slices[2]]);
      actedOn(h, ['slice 2 done', sliceDone(2)], ['slice 3 started', (e) => e === slices[3]]);
      expect(episodeWhere(h, 'slice 3 done', sliceDone(3))).toBeLessThan(episodeWhere(h, 'slice 0 done', sliceDone(0)));
    },
  },
  {
    name: 'replicate (example: a quorum of 2 replicas of 3, the slowest abandoned)',
    scenario: {
      workflow: 'replicate',
      input: { record: { id: 1 } },
      activities: { WriteReplica: (i: { replica: string }) => ({ replica: i.replica, ack: true }), AuditWrite: () => ({ audited: true }) },
      late: (m) => m.name === 'WriteReplica' && (m.input as { replica?: string } | undefined)?.replica === 'north',
    },
    maxRuns: once,
    check: (r) => expect(r.instance.output).toEqual({ acknowledged: ['east', 'west'] }),
  },
  {
    name: 'a quorum of branches (issue 22): the step ends when the second success arrives, beside a long branch',
    scenario: { workflow: 'quorumLate', input: null, late: longWork(0) },
    maxRuns: once,
    check: (r) => {
      expect(r.instance.output).toEqual([null, 10, 20]);
      const h = r.history('run');
      const second = Math.max(episodeWhere(h, 'branch 1 done', resultOf(h, 'Work', { n: 1 })), episodeWhere(h, 'branch 2 done', resultOf(h, 'Work', { n: 2 })));
      const next = episodeWhere(h, 'the next step', scheduled('Note', 'quorum reached'));
      expect(next - second, 'the next step follows the second success at once').toBeGreaterThanOrEqual(0);
      expect(next - second, 'the next step follows the second success at once').toBeLessThanOrEqual(1);
      expect(episodeWhere(h, 'Note done', resultOf(h, 'Note', 'quorum reached'))).toBeLessThan(episodeWhere(h, 'branch 0 done', resultOf(h, 'Work', { n: 0 })));
      // the instance completed only once the abandoned branch had ended, its result unused
      expect(h.findIndex(resultOf(h, 'Work', { n: 0 }))).toBeLessThan(h.findIndex((e) => e.EventType === EventType.ExecutionCompleted));
    },
  },
  {
    name: 'a quorum that cannot be reached (issue 22): QuorumNotReached when the second failure arrives, not when the long branch ends',
    scenario: { workflow: 'quorumLost', input: null, late: longWork(0) },
    maxRuns: once,
    check: (r) => {
      expect(r.instance.output).toBe('caught QuorumNotReached');
      const h = r.history('run');
      const second = Math.max(episodeWhere(h, 'branch 1 failed', resultOf(h, 'Work', { n: 1, fail: 'always' })), episodeWhere(h, 'branch 2 failed', resultOf(h, 'Work', { n: 2, fail: 'always' })));
      const caught = episodeWhere(h, 'the catch', scheduled('Note', 'caught QuorumNotReached'));
      expect(caught - second).toBeGreaterThanOrEqual(0);
      expect(caught - second).toBeLessThanOrEqual(1);
      expect(episodeWhere(h, 'the catch done', resultOf(h, 'Note', 'caught QuorumNotReached'))).toBeLessThan(episodeWhere(h, 'branch 0 done', resultOf(h, 'Work', { n: 0 })));
    },
  },
  {
    name: 'a quorum of forEach items of very different durations (issue 22): done at the third success, no item started after it',
    scenario: { workflow: 'quorumItems', input: null, late: longWork(0) },
    caps: { Work: 3 },
    maxRuns: once,
    check: (r) => {
      const out = r.instance.output as Array<number | null>;
      expect(out[0]).toBeNull();
      expect(out.filter((x) => x !== null)).toHaveLength(3);
      const h = r.history('run');
      const next = episodeWhere(h, 'the next step', scheduled('Note', 'items quorum reached'));
      const successes = [1, 2, 3, 4, 5, 6].filter((n) => out[n] !== null).map((n) => episodeWhere(h, `item ${n} done`, resultOf(h, 'Work', { n })));
      const third = Math.max(...successes);
      expect(next - third).toBeGreaterThanOrEqual(0);
      expect(next - third).toBeLessThanOrEqual(1);
      const lastStart = Math.max(...h.filter((e) => e.EventType === EventType.TaskScheduled && e.Name === 'Work').map((e) => episodeWhere(h, 'Work scheduled', (x) => x === e)));
      expect(lastStart, 'no item starts after the quorum').toBeLessThanOrEqual(third);
      expect(episodeWhere(h, 'Note done', resultOf(h, 'Note', 'items quorum reached'))).toBeLessThan(episodeWhere(h, 'item 0 done', resultOf(h, 'Work', { n: 0 })));
    },
  },
];

describe('delivery orders: every example and adversarial workflow, under every order', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      for (const policy of POLICIES) {
        resetAttempts();
        const r = await drive(app, c.scenario, policy);
        try {
          checkRun(r, c.caps ?? {}, c.maxRuns);
          expect(r.instance.status).toBe('Completed');
          c.check(r);
        } catch (e) {
          throw new Error(`${c.name} under ${policyName(policy)} (DELIVERY_SEED=${seed}): ${(e as Error).message}`);
        }
      }
    }, 60_000);
  }

  it('waitForEvent with a timeout inside a forEach (events consumed once, the rest time out)', async () => {
    for (const policy of POLICIES) {
      const answers = answerOnce(['yes', 'no', 'maybe']);
      const r = await drive(app, { workflow: 'eventsInForEach', input: null, onIdle: answers.onIdle }, policy);
      checkRun(r, { Note: 2 }, once);
      const out = r.instance.output as string[];
      expect(out.map((s) => s.split('=')[0]), policyName(policy)).toEqual(['ann', 'bob', 'cy', 'di', 'ed']);
      const given = out.map((s) => s.split('=')[1]);
      expect(given.filter((g) => g !== 'none').sort()).toEqual(['maybe', 'no', 'yes']);
      expect(given.filter((g) => g === 'none')).toHaveLength(2);
    }
  }, 60_000);

  it('still catches the textbook sliding window (durable-js#574): it runs items again and exceeds the cap', async () => {
    let caught = 0;
    for (const policy of POLICIES) {
      const r = await drive(app, { workflow: 'naiveWindow', input: { count: 8, cap: 3 } }, policy);
      const echo = r.executions.filter((e) => e.name === 'Echo');
      const ranTwice = new Set(echo.map((e) => e.input)).size < echo.length;
      const overCap = (r.maxInFlight.Echo ?? 0) > 3;
      const wrong = JSON.stringify(r.instance.output) !== JSON.stringify([0, 10, 20, 30, 40, 50, 60, 70]);
      if (ranTwice || overCap || wrong) caught++;
    }
    expect(caught).toBe(POLICIES.length);
    // and durable-flow's window over the same input passes every check
    for (const policy of POLICIES) {
      const r = await drive(app, { workflow: 'runtimeWindow', input: { count: 8, cap: 3 } }, policy);
      checkRun(r, { Echo: 3 }, once);
      expect(r.instance.output).toEqual([0, 10, 20, 30, 40, 50, 60, 70]);
    }
  }, 60_000);
});
