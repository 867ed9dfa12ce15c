/**
 * `npm run bench:peers`: durable-flow against Restate, BullMQ and DBOS on the same machine, in the
 * same run. Five measurements per system and durability mode:
 *
 *   1. a workflow of 1,000 sequential no-op steps (activities/s);
 *   2. a fan-out over 1,000 no-op items, at most 10 in flight, results in input order (activities/s);
 *   3. the same with at most 100 in flight;
 *   4. 100 items of 250 ms, at most 10 in flight (wall time; ideal 2.5 s; efficiency = ideal / wall);
 *   5. 200 sequential starts of a 3-step workflow by one client, start → completed (p50 / p99 ms).
 *
 * Every activity execution counts itself in flight in the process that runs it; a run whose
 * highest count exceeds its cap, or that lost an item or put results out of order, fails.
 * Repetitions are rep-major (rep 1 of every system, then rep 2, ...), so load drift on the machine
 * spreads over all systems. Writes results/results.md and results.json (medians of the runs, and
 * every run).
 *
 * Options: --runs N (default 3), --quick (smaller sizes, a smoke run), --only a,b (system ids:
 * durable-flow, restate, bullmq, dbos; or system:mode), --keep-data (leave data directories),
 * --dbos-poll-ms N (DBOS's queue and result polling interval; default 10), --note "text" (a line
 * for the report's header, e.g. the state of the machine).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchConfig } from './lib/config';
import type { Counter, Driver, Mode, System } from './lib/types';
import { log, median, percentile, round, sleep, stopAllChildren } from './lib/util';
import { durableFlow } from './systems/durable-flow';
import { restate } from './systems/restate';
import { bullmq } from './systems/bullmq';
import { dbos } from './systems/dbos';

const ALL: System[] = [durableFlow, restate, bullmq, dbos];

interface Options {
  runs: number;
  quick: boolean;
  only?: string[];
  keepData: boolean;
  note?: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { runs: 3, quick: false, keepData: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs') {
      o.runs = Number(argv[++i]);
      if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error('--runs takes a positive integer');
    } else if (a === '--quick') o.quick = true;
    else if (a === '--only') o.only = (argv[++i] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--keep-data') o.keepData = true;
    else if (a === '--note') o.note = argv[++i];
    else if (a === '--dbos-poll-ms') {
      benchConfig.dbosPollMs = Number(argv[++i]);
      if (!(benchConfig.dbosPollMs > 0)) throw new Error('--dbos-poll-ms takes a positive number');
    } else throw new Error(`unknown option ${a} (options: --runs N, --quick, --only system[:mode],..., --keep-data, --dbos-poll-ms N, --note text)`);
  }
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const SIZES = opts.quick
  ? { sequence: 200, fanOut: 200, sleepItems: 40, sleepMs: 250, sleepCap: 10, starts: 50, timeoutMs: 5 * 60_000 }
  : { sequence: 1000, fanOut: 1000, sleepItems: 100, sleepMs: 250, sleepCap: 10, starts: 200, timeoutMs: 15 * 60_000 };
const IDEAL_SLEEP_MS = (SIZES.sleepItems * SIZES.sleepMs) / SIZES.sleepCap;

type WorkloadId = 'sequence' | 'fanOut10' | 'fanOut100' | 'sleep10' | 'latency';
const WORKLOADS: Array<{ id: WorkloadId; title: string; cap: number }> = [
  { id: 'sequence', title: `sequence of ${SIZES.sequence}`, cap: 1 },
  { id: 'fanOut10', title: `fan-out ${SIZES.fanOut}, cap 10`, cap: 10 },
  { id: 'fanOut100', title: `fan-out ${SIZES.fanOut}, cap 100`, cap: 100 },
  { id: 'sleep10', title: `${SIZES.sleepItems} × ${SIZES.sleepMs} ms, cap ${SIZES.sleepCap}`, cap: SIZES.sleepCap },
  { id: 'latency', title: `${SIZES.starts} starts of a 3-step workflow`, cap: 1 },
];

interface RunRecord {
  rep: number;
  system: string;
  mode: string;
  workload: WorkloadId;
  ok: boolean;
  error?: string;
  ms?: number;
  activities?: number;
  perSecond?: number;
  efficiency?: number;
  p50?: number;
  p99?: number;
  maxInFlight?: number;
  cap: number;
  executions?: number;
  expectedExecutions?: number;
}

function withTimeout<T>(what: string, p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((_, reject) => {
    t = setTimeout(() => reject(new Error(`${what}: no answer after ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}

const expectRange = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

function checkOrder(what: string, got: unknown, n: number): void {
  if (!Array.isArray(got) || got.length !== n) throw new Error(`${what}: expected ${n} results, got ${Array.isArray(got) ? got.length : JSON.stringify(got)?.slice(0, 100)}`);
  const want = expectRange(n);
  const bad = want.findIndex((w, i) => got[i] !== w);
  if (bad >= 0) throw new Error(`${what}: results out of input order (index ${bad} holds ${JSON.stringify(got[bad])})`);
}

/** Applies the cap and execution-count checks to a finished run. */
function checkCounter(r: RunRecord, c: Counter): void {
  r.maxInFlight = c.maxInFlight;
  r.executions = c.executions;
  if (c.maxInFlight > r.cap) throw new Error(`cap exceeded: ${c.maxInFlight} executions in flight at once, cap ${r.cap}`);
  if (r.expectedExecutions !== undefined && c.executions < r.expectedExecutions) throw new Error(`only ${c.executions} of ${r.expectedExecutions} activity executions were counted`);
}

async function runWorkload(d: Driver, w: (typeof WORKLOADS)[number], base: Omit<RunRecord, 'workload' | 'ok' | 'cap'>): Promise<RunRecord> {
  const r: RunRecord = { ...base, workload: w.id, ok: false, cap: w.cap };
  try {
    await d.counter(); // reset
    if (w.id === 'latency') {
      r.expectedExecutions = 3 * SIZES.starts;
      const times: number[] = [];
      const t0 = performance.now();
      for (let i = 0; i < SIZES.starts; i++) {
        const s = performance.now();
        await d.startAndAwait();
        times.push(performance.now() - s);
      }
      r.ms = round(performance.now() - t0, 1);
      r.p50 = round(percentile(times, 50), 2);
      r.p99 = round(percentile(times, 99), 2);
    } else {
      const t0 = performance.now();
      if (w.id === 'sequence') {
        r.activities = r.expectedExecutions = SIZES.sequence;
        const steps = await d.sequence(SIZES.sequence);
        r.ms = performance.now() - t0;
        if (steps !== SIZES.sequence) throw new Error(`sequence reported ${JSON.stringify(steps)} steps, expected ${SIZES.sequence}`);
      } else if (w.id === 'sleep10') {
        r.activities = r.expectedExecutions = SIZES.sleepItems;
        const out = await d.sleepFanOut(SIZES.sleepItems, SIZES.sleepMs, SIZES.sleepCap);
        r.ms = performance.now() - t0;
        checkOrder(w.title, out, SIZES.sleepItems);
        r.efficiency = round(IDEAL_SLEEP_MS / r.ms, 3);
      } else {
        r.activities = r.expectedExecutions = SIZES.fanOut;
        const out = await d.fanOut(SIZES.fanOut, w.cap);
        r.ms = performance.now() - t0;
        checkOrder(w.title, out, SIZES.fanOut);
      }
      r.perSecond = round(r.activities / (r.ms / 1000), 1);
      r.ms = round(r.ms, 1);
    }
    checkCounter(r, await d.counter());
    r.ok = true;
  } catch (e) {
    r.error = (e as Error).message;
  }
  return r;
}

function describe(r: RunRecord): string {
  const seen = r.maxInFlight === undefined ? '' : `, max in flight ${r.maxInFlight}/${r.cap}, ${r.executions} executions`;
  if (!r.ok) return `FAILED: ${r.error}${seen}`;
  if (r.workload === 'latency') return `p50 ${r.p50} ms, p99 ${r.p99} ms${seen}`;
  if (r.workload === 'sleep10') return `${(r.ms! / 1000).toFixed(2)} s (ideal ${(IDEAL_SLEEP_MS / 1000).toFixed(2)} s, efficiency ${r.efficiency})${seen}`;
  return `${(r.ms! / 1000).toFixed(2)} s, ${r.perSecond} activities/s${seen}`;
}

function selected(): Array<{ system: System; modes: Mode[] }> {
  const out: Array<{ system: System; modes: Mode[] }> = [];
  for (const system of ALL) {
    if (!opts.only) {
      out.push({ system, modes: system.modes });
      continue;
    }
    const picks = opts.only.filter((o) => o === system.id || o.startsWith(`${system.id}:`));
    if (picks.length === 0) continue;
    const modes = picks.includes(system.id) ? system.modes : system.modes.filter((m) => picks.includes(`${system.id}:${m.id}`));
    out.push({ system, modes });
  }
  const known = ALL.flatMap((s) => [s.id, ...s.modes.map((m) => `${s.id}:${m.id}`)]);
  const unknown = (opts.only ?? []).filter((o) => !known.includes(o));
  if (unknown.length) throw new Error(`--only: unknown ${unknown.join(', ')} (known: ${known.join(', ')})`);
  return out;
}

async function main(): Promise<void> {
  const started = new Date();
  const plan = selected();
  const here = __dirname;
  const dataRoot = path.join(here, '.data', `run-${started.toISOString().replace(/[:.]/g, '-')}`);
  fs.mkdirSync(dataRoot, { recursive: true });
  log(`peer bench: ${opts.quick ? 'quick' : 'full'} mode, ${opts.runs} run(s), ${os.cpus().length} cores, Node ${process.version}`);
  log(`systems: ${plan.map((p) => `${p.system.name} (${p.modes.map((m) => m.id).join(', ')})`).join('; ')}`);

  const versions: Record<string, Record<string, string>> = {};
  const prepared: System[] = [];
  const runs: RunRecord[] = [];
  const stopping = async (): Promise<void> => {
    await stopAllChildren();
    for (const s of prepared) await s.shutdown().catch(() => undefined);
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      log(`${sig}: stopping everything this bench started`);
      void stopping().finally(() => process.exit(130));
    });
  }

  try {
    for (const { system } of plan) {
      await system.prepare((s) => log(s));
      prepared.push(system);
      versions[system.name] = await system.versions();
      log(`${system.name}: ${Object.entries(versions[system.name]).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    }

    for (let rep = 1; rep <= opts.runs; rep++) {
      for (const { system, modes } of plan) {
        for (const mode of modes) {
          const label = `[rep ${rep}/${opts.runs}] ${system.name} (${mode.label})`;
          const dataDir = path.join(dataRoot, `${system.id}-${mode.id}-rep${rep}`);
          fs.mkdirSync(dataDir, { recursive: true });
          log(`${label}: starting`);
          let driver: Driver | undefined;
          const base = { rep, system: system.name, mode: mode.id };
          try {
            driver = await system.start(mode, { dataDir, log: (s) => log(`${label}: ${s}`) });
            // Warm-up, not measured: connections, JIT, first episode.
            const d = driver;
            await withTimeout('warm-up', (async () => {
              for (let i = 0; i < 3; i++) await d.startAndAwait();
              checkOrder('warm-up fan-out', await d.fanOut(20, 10), 20);
            })(), SIZES.timeoutMs);
            for (const w of WORKLOADS) {
              log(`${label}: ${w.title} ...`);
              const r = await withTimeout(w.title, runWorkload(d, w, base), SIZES.timeoutMs).catch((e): RunRecord => ({ ...base, workload: w.id, ok: false, cap: w.cap, error: (e as Error).message }));
              runs.push(r);
              log(`${label}: ${w.title}: ${describe(r)}`);
              if (!r.ok && /no answer after/.test(r.error ?? '')) break; // a hung system: do not pile more work on it
            }
          } catch (e) {
            const msg = (e as Error).message;
            log(`${label}: FAILED: ${msg}`);
            for (const w of WORKLOADS) if (!runs.some((r) => r.rep === rep && r.system === system.name && r.mode === mode.id && r.workload === w.id)) runs.push({ ...base, workload: w.id, ok: false, cap: w.cap, error: msg });
          } finally {
            await driver?.stop().catch((e) => log(`${label}: stopping failed: ${(e as Error).message}`));
            if (!opts.keepData) fs.rmSync(dataDir, { recursive: true, force: true });
            // Flush what this system left dirty in the page cache, so its writeback does not land on the next one.
            spawnSync('sync');
            await sleep(1000);
          }
        }
      }
    }
  } finally {
    await stopping();
    if (!opts.keepData) fs.rmSync(dataRoot, { recursive: true, force: true });
  }

  // A run of some systems only (--only) goes to results/only/ (not committed), never over the full table.
  const outDir = path.join(here, 'results', ...(opts.only ? ['only'] : []));
  const name = `results${opts.quick ? '-quick' : ''}${opts.only ? `-${opts.only.join('+').replace(/[^a-z0-9+-]/gi, '_')}` : ''}`;
  const report = buildReport(plan, runs, versions, started, name);
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, `${name}.md`), report.md);
  fs.writeFileSync(path.join(outDir, `${name}.json`), JSON.stringify(report.json, null, 2) + '\n');
  process.stdout.write(`\n${report.table}\n\nwrote ${path.relative(path.join(here, '../..'), path.join(outDir, name))}.md and .json\n`);
  if (runs.some((r) => !r.ok)) {
    log(`${runs.filter((r) => !r.ok).length} run(s) failed; see the table`);
    process.exitCode = 1;
  }
}

/** This run's arguments as they would be typed (quoted when they hold spaces). */
function shellArgs(): string {
  return process.argv
    .slice(2)
    .map((a) => (/[^\w@%+=:,./-]/.test(a) ? `"${a.replace(/(["\\$`])/g, '\\$1')}"` : a))
    .join(' ');
}

interface Row {
  system: System;
  mode: Mode;
  cells: Record<WorkloadId, { runs: RunRecord[]; text: string; maxSeen: string }>;
}

function buildReport(plan: Array<{ system: System; modes: Mode[] }>, runs: RunRecord[], versions: Record<string, Record<string, string>>, started: Date, name: string) {
  const fmt = (x: number, digits = 0): string => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const rows: Row[] = [];
  for (const { system, modes } of plan) {
    for (const mode of modes) {
      const cells = {} as Row['cells'];
      for (const w of WORKLOADS) {
        const rs = runs.filter((r) => r.system === system.name && r.mode === mode.id && r.workload === w.id);
        const ok = rs.filter((r) => r.ok);
        const seen = rs.filter((r) => r.maxInFlight !== undefined).map((r) => r.maxInFlight!);
        const maxSeen = seen.length ? String(Math.max(...seen)) : '?';
        let text: string;
        if (ok.length === 0) text = `FAILED${rs[0]?.error ? ` (${rs[0].error.split('\n')[0].slice(0, 80)})` : ''}`;
        else if (w.id === 'latency') text = `${fmt(median(ok.map((r) => r.p50!)), 1)} / ${fmt(median(ok.map((r) => r.p99!)), 1)}`;
        else if (w.id === 'sleep10') {
          const ms = median(ok.map((r) => r.ms!));
          text = `${fmt(ms / 1000, 2)} s (${fmt(IDEAL_SLEEP_MS / ms, 2)})`;
        } else text = fmt(median(ok.map((r) => r.perSecond!)));
        if (ok.length > 0 && ok.length < rs.length) text += ` (${rs.length - ok.length} of ${rs.length} runs FAILED)`;
        cells[w.id] = { runs: rs, text, maxSeen };
      }
      rows.push({ system, mode, cells });
    }
  }
  const header = [
    '| system | durability mode | flushes | sequence, 1,000 steps (act/s) | fan-out 1,000, cap 10 (act/s) | fan-out 1,000, cap 100 (act/s) | 100 × 250 ms, cap 10: wall (efficiency) | start → completed p50 / p99 (ms) | max in flight seen (caps 1 / 10 / 100 / 10 / 1) |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  if (opts.quick) {
    header[0] = header[0]
      .replace('sequence, 1,000 steps', `sequence, ${fmt(SIZES.sequence)} steps`)
      .replace(/fan-out 1,000/g, `fan-out ${fmt(SIZES.fanOut)}`)
      .replace('100 × 250 ms', `${SIZES.sleepItems} × ${SIZES.sleepMs} ms`);
  }
  const lines = rows.map(
    (r) => `| ${r.system.name} | ${r.mode.label} | ${r.mode.flushes} | ${WORKLOADS.map((w) => r.cells[w.id].text).join(' | ')} | ${WORKLOADS.map((w) => r.cells[w.id].maxSeen).join(' / ')} |`,
  );
  const table = [...header, ...lines].join('\n');
  const cpu = os.cpus()[0]?.model ?? 'unknown';
  let nproc = os.cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || nproc;
  } catch {
    // no nproc: the CPU count Node sees
  }
  const md = [
    '# Peer comparison: durable-flow, Restate, BullMQ, DBOS',
    '',
    `Generated by \`npm run bench:peers${process.argv.slice(2).length ? ` -- ${shellArgs()}` : ''}\` on ${started.toISOString()}, ${opts.quick ? '**quick mode** (smaller sizes: a smoke run, not the figures to quote)' : 'full mode'}.`,
    `Machine: nproc ${nproc} (${cpu}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.type()} ${os.release()}. Every server and worker on this one machine, over loopback.`,
    `Each figure is the **median of ${opts.runs} run(s)**, run rep-major (rep 1 of every system and mode, then rep 2, ...); every run is listed in ${name}.json.`,
    ...(opts.note ? ['', `**Note:** ${opts.note}`] : []),
    '',
    table,
    '',
    `Ideal wall time for ${SIZES.sleepItems} × ${SIZES.sleepMs} ms at cap ${SIZES.sleepCap}: ${fmt(IDEAL_SLEEP_MS / 1000, 2)} s; efficiency = ideal / measured. The last column is the most activity executions seen in flight at once, counted inside the process that runs them, over all runs of each workload: a run over its cap (1 for the sequence and the 3-step workflow), with a lost item or with results out of input order is FAILED.`,
    '',
    '## Durability of each row',
    '',
    ...rows.map((r) => `- **${r.system.name}, ${r.mode.label}**${r.mode.isDefault ? ' (the system default)' : ''}: ${r.mode.durability}.`),
    '',
    '## How each system runs the workloads',
    '',
    ...plan.flatMap(({ system }) => system.notes.map((n) => `- **${system.name}**: ${n}`)),
    '- Every system: one worker process runs the activities (a no-op yields one event-loop turn; a 250 ms item is a timer), a fresh data directory per mode and run, an unmeasured warm-up (3 starts and a 20-item fan-out) after each start; between two systems or modes the bench runs `sync` and waits 1 s, so one\'s writeback does not land on the next.',
    '',
    '## Versions',
    '',
    ...Object.entries(versions).map(([s, v]) => `- ${s}: ${Object.entries(v).map(([k, x]) => `${k} ${x}`).join(', ')}`),
    '',
  ].join('\n');
  const json = {
    generatedBy: `npm run bench:peers${process.argv.slice(2).length ? ` -- ${shellArgs()}` : ''}`,
    date: started.toISOString(),
    mode: opts.quick ? 'quick' : 'full',
    runs: opts.runs,
    note: opts.note,
    sizes: SIZES,
    machine: { nproc, cpu, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, os: `${os.type()} ${os.release()}` },
    versions,
    rows: rows.map((r) => ({
      system: r.system.name,
      mode: r.mode.id,
      label: r.mode.label,
      default: r.mode.isDefault,
      flushes: r.mode.flushes,
      durability: r.mode.durability,
      medians: Object.fromEntries(WORKLOADS.map((w) => [w.id, r.cells[w.id].text])),
      maxInFlightSeen: Object.fromEntries(WORKLOADS.map((w) => [w.id, r.cells[w.id].maxSeen])),
    })),
    allRuns: runs,
  };
  return { md, json, table };
}

main().catch(async (e) => {
  log(`peer bench failed: ${(e as Error).stack ?? e}`);
  await stopAllChildren();
  process.exit(1);
});
