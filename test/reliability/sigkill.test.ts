/**
 * Reliability: the host is killed with SIGKILL at seeded random moments while it runs a mixed
 * load (partitioned and whole fan-outs, durable timers, external events, event timeouts), and
 * restarted on the same SQLite file each time, alternating one and two worker processes. At the
 * end every instance must complete with the right output, and:
 * - no activity runs twice within one host lifetime;
 * - an activity whose completion was committed before a kill never runs again afterwards
 *   (only those in flight at a kill may run again: at-least-once, as documented);
 * - an event acknowledged with 202 is never lost.
 * Each activity appends "<generation> <key> <ms>" to $WORK_LOG when it finishes; after each kill the
 * test reads the database to learn which completions it had committed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../bench/app';
import { prng } from '../helpers/prng';
import { call, freePort, until } from '../host/http-helpers';

const root = path.resolve(__dirname, '../..');
const SEED = Number(process.env.SIGKILL_SEED ?? 20261122);
/** Kills continue until every activity's completion is committed, up to this many. */
const MAX_KILLS = Number(process.env.SIGKILL_MAX_KILLS ?? 40);

const ACTIVITIES = `
import * as fs from 'node:fs';

/** Sleeps a little (deterministic per key), logs "<generation> <key> <ms>", returns the key and value x2. */
export async function Work(input: { key: string; value: number }): Promise<{ key: string; double: number }> {
  let h = 0;
  for (const c of input.key) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  await new Promise((r) => setTimeout(r, 10 + (h % 50)));
  fs.appendFileSync(process.env.WORK_LOG!, process.env.GENERATION + ' ' + input.key + ' ' + Date.now() + '\\n');
  return { key: input.key, double: input.value * 2 };
}
`;

const range = '"${ Array.from({ length: input.count }, (_, i) => i) }"';
const WORKFLOWS: Record<string, string> = {
  // 240 items in slices of 50, at most 8 in flight across all slices.
  fanSliced: `dsl: 1
steps:
  - id: all
    forEach: ${range}
    maxParallel: 8
    partitionSize: 50
    activity: Work
    input: { key: "\${ instanceId }/\${ item }", value: "\${ item }" }
output: \${ steps.all.output.map((r) => r.double) }
`,
  fanWhole: `dsl: 1
steps:
  - id: all
    forEach: ${range}
    maxParallel: 6
    partitionSize: 0
    activity: Work
    input: { key: "\${ instanceId }/\${ item }", value: "\${ item }" }
output: \${ steps.all.output.map((r) => r.double) }
`,
  timers: `dsl: 1
steps:
  - id: a
    activity: Work
    input: { key: "\${ instanceId }/a", value: 1 }
  - delay: 1s
  - id: b
    activity: Work
    input: { key: "\${ instanceId }/b", value: 2 }
  - delay: 2s
  - id: c
    activity: Work
    input: { key: "\${ instanceId }/c", value: 3 }
output: ["\${ steps.a.output.double }", "\${ steps.b.output.double }", "\${ steps.c.output.double }"]
`,
  approval: `dsl: 1
steps:
  - id: go
    waitForEvent: Go
    timeout: 5m
  - id: work
    activity: Work
    input: { key: "\${ instanceId }/go", value: "\${ steps.go.output.n }" }
output: \${ steps.work.output.double }
`,
  timesOut: `dsl: 1
steps:
  - id: never
    waitForEvent: Never
    timeout: 3s
    onTimeout: continue
  - id: work
    activity: Work
    input: { key: "\${ instanceId }/after", value: 7 }
output: { event: "\${ steps.never.output }", double: "\${ steps.work.output.double }" }
`,
};

interface Planned {
  id: string;
  workflow: string;
  input: unknown;
  expected: unknown;
  keys: string[];
}

function plan(): Planned[] {
  const out: Planned[] = [];
  const fan = (workflow: string, id: string, count: number): Planned => ({
    id,
    workflow,
    input: { count },
    expected: Array.from({ length: count }, (_, i) => i * 2),
    keys: Array.from({ length: count }, (_, i) => `${id}/${i}`),
  });
  out.push(fan('fanSliced', 'sliced-1', 240), fan('fanSliced', 'sliced-2', 240));
  out.push(fan('fanWhole', 'whole-1', 60), fan('fanWhole', 'whole-2', 60));
  for (let i = 1; i <= 4; i++) out.push({ id: `timers-${i}`, workflow: 'timers', input: {}, expected: [2, 4, 6], keys: ['a', 'b', 'c'].map((k) => `timers-${i}/${k}`) });
  for (let i = 1; i <= 4; i++) out.push({ id: `approval-${i}`, workflow: 'approval', input: {}, expected: i * 20, keys: [`approval-${i}/go`] });
  for (let i = 1; i <= 3; i++) out.push({ id: `timesOut-${i}`, workflow: 'timesOut', input: {}, expected: { event: null, double: 14 }, keys: [`timesOut-${i}/after`] });
  return out;
}

let app = '';
let dir = '';
const children: ChildProcess[] = [];

beforeAll(() => {
  app = buildApp(root, WORKFLOWS, ACTIVITIES, 'df-sigkill-app-');
  fs.writeFileSync(path.join(app, 'host.json'), JSON.stringify({ version: '2.0', extensions: { durableTask: { maxConcurrentActivityFunctions: 6, versionMatchStrategy: 'None' } } }));
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-sigkill-'));
}, 120_000);

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  if (app) fs.rmSync(app, { recursive: true, force: true });
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** The PIDs of a process's children (the host's activity worker processes), from /proc. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(d));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** Whether a process has exited (a zombie nobody has reaped yet counts as exited). */
function gone(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

describe('reliability: repeated SIGKILL under mixed load', () => {
  it(`every instance completes correctly; committed activities never re-run; acknowledged events kept (seed ${SEED})`, async () => {
    const random = prng(SEED);
    const db = path.join(dir, 'host.db');
    const workLog = path.join(dir, 'work.log');
    const port = await freePort();
    const base = `http://127.0.0.1:${port}/runtime/webhooks/durabletask`;
    const instances = plan();

    const startHost = async (generation: number): Promise<ChildProcess> => {
      const child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(root, 'host/cli.ts'), app, '--port', String(port), '--db', db], {
        cwd: root,
        env: { ...process.env, WORK_LOG: workLog, GENERATION: String(generation), FUNCTIONS_WORKER_PROCESS_COUNT: String(1 + (generation % 2)) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let out = '';
      child.stdout!.on('data', (b) => (out += b));
      child.stderr!.on('data', (b) => (out += b));
      await until(async () => (out.includes('listening on') ? true : child.exitCode !== null ? Promise.reject(new Error(`host exited:\n${out}`)) : undefined), `host start:\n${out}`, 60_000);
      return child;
    };

    /** Keys whose completion the database holds (in history or still queued as a message). */
    const committedKeys = (): Set<string> => {
      const snapshot = new Database(db, { readonly: true });
      try {
        const rows = [
          ...(snapshot.prepare('SELECT event FROM history').all() as Array<{ event: string }>),
          ...(snapshot.prepare('SELECT event FROM messages').all() as Array<{ event: string }>),
        ];
        const keys = new Set<string>();
        for (const r of rows) {
          const e = JSON.parse(r.event);
          if (e.EventType === 5 && typeof e.Result === 'string') keys.add(JSON.parse(e.Result).key);
        }
        return keys;
      } finally {
        snapshot.close();
      }
    };

    const raised = new Set<string>(); // approval instances whose Go event got a 202
    const raiseEvents = async (): Promise<void> => {
      for (const p of instances.filter((x) => x.workflow === 'approval' && !raised.has(x.id))) {
        const n = Number(p.id.split('-')[1]) * 10;
        try {
          const r = await call('POST', `${base}/instances/${p.id}/raiseEvent/Go`, { n });
          if (r.status === 202) raised.add(p.id);
        } catch {
          // the host died under the request: not acknowledged, so raise it again next lifetime
        }
      }
    };

    // Lifetime 1 starts everything, then each lifetime runs for a random while and is killed.
    const linesOf = (generation: number): number =>
      fs.existsSync(workLog) ? fs.readFileSync(workLog, 'utf8').split('\n').filter((l) => l.startsWith(`${generation} `)).length : 0;
    const linesAtKill: number[] = [];
    const exitedAt: number[] = []; // [g] = when the test saw lifetime g's host exit (ms)
    const committedBefore: Array<Set<string>> = []; // [g] = keys committed when lifetime g was killed
    let kills = 0;
    const expectedKeys = new Set(instances.flatMap((p) => p.keys));
    for (let generation = 1; generation <= MAX_KILLS; generation++) {
      const host = await startHost(generation);
      if (generation === 1) {
        for (const p of instances) {
          const r = await call('POST', `${base}/orchestrators/${p.workflow}/${p.id}`, p.input);
          expect(r.status, `start ${p.id}: ${JSON.stringify(r.body)}`).toBe(202);
        }
      }
      const lifetime = 100 + random() * 1400;
      const raiseAt = random() * lifetime;
      const raising = new Promise((r) => setTimeout(r, raiseAt)).then(raiseEvents);
      await new Promise((r) => setTimeout(r, lifetime));
      const workers = childrenOf(host.pid!);
      expect(workers.length, `lifetime ${generation}'s worker processes`).toBeGreaterThan(0);
      host.kill('SIGKILL');
      await new Promise((r) => (host.exitCode !== null ? r(null) : host.once('exit', r)));
      exitedAt[generation] = Date.now();
      // Its worker processes see the IPC channel close and exit at once, without finishing the
      // activities they run. Only one whose timer fell due in the same moment may still finish
      // (a line within a few ms of the host's death, checked at the end); none after they are gone.
      await until(async () => (workers.every(gone) ? true : undefined), `lifetime ${generation}'s worker processes to exit`, 10_000);
      linesAtKill[generation] = linesOf(generation);
      await raising;
      committedBefore[generation] = committedKeys();
      kills = generation;
      if (committedBefore[generation].size === expectedKeys.size) break;
    }

    // The last lifetime runs to the end.
    const final = kills + 1;
    await startHost(final);
    await raiseEvents();
    expect([...raised].sort()).toEqual(instances.filter((p) => p.workflow === 'approval').map((p) => p.id).sort());
    for (const p of instances) {
      const done = await until(async () => {
        const r = await call('GET', `${base}/instances/${p.id}`);
        return ['Completed', 'Failed', 'Terminated'].includes(r.body?.runtimeStatus) ? r : undefined;
      }, `${p.id} to finish`, 120_000);
      expect(done.body.runtimeStatus, `${p.id}: ${JSON.stringify(done.body.output)}`).toBe('Completed');
      expect(done.body.output, p.id).toEqual(p.expected);
    }

    // Who ran what, when.
    const runs = fs.readFileSync(workLog, 'utf8').trim().split('\n').map((l) => {
      const [g, key] = l.split(' ');
      return { generation: Number(g), key };
    });
    for (const r of runs) expect(expectedKeys.has(r.key), `unexpected activity key ${r.key}`).toBe(true);
    for (const key of expectedKeys) expect(runs.some((r) => r.key === key), `${key} never ran`).toBe(true);

    const perLifetime = new Map<string, number>();
    for (const r of runs) perLifetime.set(`${r.generation} ${r.key}`, (perLifetime.get(`${r.generation} ${r.key}`) ?? 0) + 1);
    for (const [k, n] of perLifetime) expect(n, `${k} ran ${n} times in one host lifetime`).toBe(1);

    for (const r of runs) {
      for (let g = 1; g < r.generation; g++) {
        expect(committedBefore[g].has(r.key), `${r.key} ran in lifetime ${r.generation} although its completion was committed when lifetime ${g} was killed`).toBe(false);
      }
    }

    // Nothing of a killed lifetime kept running: its worker processes died with it (above), no
    // line of it appeared after they had gone, and none finished its sleep (10-60 ms) well after the kill.
    for (let g = 1; g <= kills; g++) expect(linesOf(g), `activities of lifetime ${g} finished after its workers had gone`).toBe(linesAtKill[g]);
    for (const l of fs.readFileSync(workLog, 'utf8').trim().split('\n')) {
      const [g, key, at] = l.split(' ').map((x, i) => (i === 1 ? x : Number(x))) as [number, string, number];
      if (g <= kills) expect(at, `${key} of lifetime ${g} finished ${at - exitedAt[g]} ms after its host was killed`).toBeLessThanOrEqual(exitedAt[g] + 20);
    }

    // The kills really interrupted work: the first lifetime ended with some but not all of it committed.
    expect(committedBefore[1].size).toBeGreaterThan(0);
    expect(committedBefore[1].size).toBeLessThan(expectedKeys.size);
    const reruns = runs.length - expectedKeys.size;
    console.log(`sigkill: seed ${SEED}: ${kills} kills, ${runs.length} activity runs for ${expectedKeys.size} activities (${reruns} re-runs of work in flight at a kill)`);
  }, 300_000);
});
