/**
 * `npm run bench`: every figure is the median of several runs, written as a markdown table and
 * JSON to bench/results/. `--quick` shortens the seed tasks (100 ms instead of 1 s) and the
 * fan-out sizes so the whole run fits in a few minutes; the report says which mode it ran in.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildBenchApp } from './app';
import { benchCompile } from './compile-time';
import { defaultEpisodeThreads } from '../host/main';
import { runToCompletion, startLatency, startLatencySamples, withHost, withHosts } from './host-runs';
import { median, percentile, round } from './stats';

const repo = path.resolve(__dirname, '..');
const quick = process.argv.includes('--quick');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
const TASK_MS = quick ? 100 : 1000;
const FAN_SIZES = quick ? [1000, 3000] : [1000, 10000];
const WHOLE_LARGE_RUNS = Math.min(RUNS, 1);

const log = (s: string): void => void process.stderr.write(`${s}\n`);

async function medianOf(runs: number, fn: () => Promise<number>): Promise<{ median: number; runs: number[] }> {
  const all: number[] = [];
  for (let i = 0; i < runs; i++) all.push(await fn());
  return { median: median(all), runs: all.map((x) => round(x, 0)) };
}

async function main(): Promise<void> {
  const started = new Date();
  log(`durable-flow bench (${quick ? 'quick' : 'full'} mode, ${RUNS} runs per figure, ${os.cpus().length} cores)`);
  const app = buildBenchApp(repo);
  const results: Record<string, unknown> = { mode: quick ? 'quick' : 'full', runs: RUNS, cores: os.cpus().length, node: process.version, date: started.toISOString() };
  const md: string[] = [];

  // 1. The seed table.
  const seed: Array<Record<string, number>> = [];
  md.push(`## Seed scenario: 100 activities × ${TASK_MS} ms, maxParallel 10`, '', '| maxConcurrentActivityFunctions | worker processes | median wall time (s) | ideal (s) | efficiency | runs (ms) | seed article |', '|---|---|---|---|---|---|---|');
  for (const processes of [1, 2]) {
    for (const c of [1, 2, 5, 10]) {
      const m = await withHost(app, { maxConcurrentActivityFunctions: c, processes }, (host) =>
        medianOf(RUNS, async () => (await runToCompletion(host, 'workflows/seed', { count: 100, ms: TASK_MS })).ms),
      );
      const ideal = (100 * TASK_MS) / Math.min(10, c);
      const row = { maxConcurrentActivityFunctions: c, processes, medianMs: round(m.median, 0), idealMs: ideal, efficiency: round(ideal / m.median, 3) };
      seed.push(row);
      const anchor = c === 1 ? '~100 s with 1 in parallel' : c === 2 ? '~50 s with 2 in parallel' : '';
      md.push(`| ${c} | ${processes} | ${(m.median / 1000).toFixed(2)} | ${(ideal / 1000).toFixed(2)} | ${row.efficiency} | ${m.runs.join(', ')} | ${anchor} |`);
      log(`seed c=${c} p=${processes}: ${(m.median / 1000).toFixed(2)} s (ideal ${(ideal / 1000).toFixed(2)} s)`);
    }
  }
  results.seed = seed;
  md.push(
    '',
    'Ideal = 100 × task time / min(maxParallel 10, maxConcurrentActivityFunctions); worker processes share the',
    "host's activity slots, as on Azure. The seed article also reports ~30 s with 4 instances of 2 in parallel",
    '(8 slots, ideal 12.5 s: efficiency ~0.42); its task time was 1 s, so its figures compare with full mode only.',
  );

  // 2. Throughput. Fan-outs run twice: as compiled by default (partitioned into slices of 100
  // items, each slice its own orchestration) and in one orchestration (`partitionSize: 0`, the
  // "before"), whose history, and so whose replay cost per episode, grows with the item count.
  md.push(
    '',
    '## Throughput (no-op activities, 1 worker process, maxConcurrentActivityFunctions 100)',
    '',
    '| workload | items | cap | median (s) | activities/s | runs (ms) | published anchor |',
    '|---|---|---|---|---|---|---|',
  );
  const throughput: Array<Record<string, unknown>> = [];
  await withHost(app, { maxConcurrentActivityFunctions: 100, processes: 1 }, async (host) => {
    const seq = await medianOf(RUNS, async () => (await runToCompletion(host, 'workflows/sequence', { count: 1000 })).ms);
    throughput.push({ workload: 'sequence', items: 1000, medianMs: round(seq.median, 0), perSecond: round(1000 / (seq.median / 1000), 1), runs: seq.runs });
    md.push(`| sequential | 1000 | 1 | ${(seq.median / 1000).toFixed(2)} | ${round(1000 / (seq.median / 1000), 1)} | ${seq.runs.join(', ')} | Azure Storage ~5/s per instance; Netherite 250–350/s |`);
    log(`sequence 1000: ${(seq.median / 1000).toFixed(2)} s`);
    for (const cap of [10, 100]) {
      for (const variant of [
        { workflow: `fanOut${cap}`, label: 'fan-out, partitioned (default)', key: `fanOut${cap}` },
        { workflow: `fanOut${cap}Whole`, label: 'fan-out, one orchestration (before)', key: `fanOut${cap}Whole` },
      ]) {
        const times: number[] = [];
        for (const n of FAN_SIZES) {
          // The unpartitioned 10,000-item run takes minutes (its cost is quadratic): fewer runs.
          const runs = variant.key.endsWith('Whole') && n > 5000 ? WHOLE_LARGE_RUNS : RUNS;
          const m = await medianOf(runs, async () => (await runToCompletion(host, `workflows/${variant.workflow}`, { count: n })).ms);
          times.push(m.median);
          const perSecond = round(n / (m.median / 1000), 1);
          throughput.push({ workload: variant.key, items: n, cap, medianMs: round(m.median, 0), perSecond, runs: m.runs });
          md.push(`| ${variant.label} | ${n} | ${cap} | ${(m.median / 1000).toFixed(2)} | ${perSecond} | ${m.runs.join(', ')} | Azure Storage ~100/s; Netherite 500–2,000/s |`);
          log(`${variant.workflow} n=${n}: ${(m.median / 1000).toFixed(2)} s (${perSecond}/s)`);
        }
        const growth = round(times[1] / times[0], 2);
        const scale = FAN_SIZES[1] / FAN_SIZES[0];
        throughput.push({ workload: `${variant.key} growth`, from: FAN_SIZES[0], to: FAN_SIZES[1], ratio: growth });
        md.push(`| ${variant.label}: growth ${FAN_SIZES[0]} → ${FAN_SIZES[1]} | ×${scale} | ${cap} | time ×${growth} | | | linear: ×${scale}; goal ≤ ×15 |`);
      }
    }
  });
  results.throughput = throughput;

  // 3. Start latency. The host runs in its own process here: polling clients must not share its
  // event loop. One client shows the path itself; 50 at once show queueing on one host.
  const latency = await withHost(
    app,
    { maxConcurrentActivityFunctions: 10, processes: 1 },
    async (host) => ({ one: await startLatency(host, 1, quick ? 15 : 30), fifty: await startLatency(host, 50, quick ? 2 : 4) }),
    true,
  );
  results.latency = latency;
  md.push('', '## Start latency, 3-step sequence, host in its own process', '', '| clients | start to output (`?wait`) p50 / p99 (ms) | anchor |', '|---|---|---|');
  for (const [clients, l] of [[1, latency.one], [50, latency.fifty]] as const) {
    md.push(`| ${clients} | ${round(l.completedP50, 1)} / ${round(l.completedP99, 1)} | Temporal Cloud start p50/p99 14/69 ms |`);
  }
  log(`latency: ${JSON.stringify(latency)}`);

  // 4. What isolating orchestrator code costs: episodes in worker threads (the default, SECURITY.md)
  // against episodes in the host thread (`--episode-threads 0`), same workloads, same run. Both
  // hosts are up at once and take turns run by run, so the drift of the machine over the run (and
  // the JIT warming up in this process) falls on both rows alike; the default row repeats
  // sections 2 and 3 on purpose, to be measured next to the other.
  const threadsDefault = defaultEpisodeThreads();
  md.push(
    '',
    '## Episodes in worker threads (default) against the host thread (`--episode-threads 0`)',
    '',
    '| episodes | sequential 1000 (act/s) | fan-out 1000, cap 10 (act/s) | fan-out 1000, cap 100 (act/s) | 1 client p50 / p99 (ms) | 50 clients p50 / p99 (ms) |',
    '|---|---|---|---|---|---|',
  );
  const modes = [undefined, 0] as const;
  const routes = ['sequence', 'fanOut10', 'fanOut100'];
  const runsMs = modes.map(() => routes.map((): number[] => []));
  await withHosts(app, modes.map((episodeThreads) => ({ maxConcurrentActivityFunctions: 100, processes: 1, episodeThreads })), false, async (hosts) => {
    for (let r = 0; r < RUNS; r++) {
      for (let m = 0; m < modes.length; m++) {
        for (let k = 0; k < routes.length; k++) runsMs[m][k].push((await runToCompletion(hosts[m], `workflows/${routes[k]}`, { count: 1000 })).ms);
      }
    }
  });
  const latencies = modes.map(() => ({ one: [] as number[], fifty: [] as number[] }));
  await withHosts(app, modes.map((episodeThreads) => ({ maxConcurrentActivityFunctions: 10, processes: 1, episodeThreads })), true, async (hosts) => {
    // Latency samples of both hosts, taken in turns: 1 client, then 50 at once.
    const rounds = quick ? 1 : 2;
    for (let r = 0; r < rounds; r++) {
      for (let m = 0; m < modes.length; m++) latencies[m].one.push(...(await startLatencySamples(hosts[m], 1, 15)));
      for (let m = 0; m < modes.length; m++) latencies[m].fifty.push(...(await startLatencySamples(hosts[m], 50, 2)));
    }
  });
  const isolation: Array<Record<string, unknown>> = [];
  for (let m = 0; m < modes.length; m++) {
    const rates = runsMs[m].map((ms) => round(1000 / (median(ms) / 1000), 1));
    const l = { one: { completedP50: percentile(latencies[m].one, 50), completedP99: percentile(latencies[m].one, 99) }, fifty: { completedP50: percentile(latencies[m].fifty, 50), completedP99: percentile(latencies[m].fifty, 99) } };
    const episodeThreads = modes[m] ?? threadsDefault;
    isolation.push({ episodeThreads, sequence: rates[0], fanOut10: rates[1], fanOut100: rates[2], latency: l });
    const label = episodeThreads ? `${episodeThreads} worker thread${episodeThreads === 1 ? '' : 's'} (default on ${os.availableParallelism()} cores)` : 'host thread (`--episode-threads 0`)';
    md.push(`| ${label} | ${rates[0]} | ${rates[1]} | ${rates[2]} | ${round(l.one.completedP50, 1)} / ${round(l.one.completedP99, 1)} | ${round(l.fifty.completedP50, 1)} / ${round(l.fifty.completedP99, 1)} |`);
    log(`episodes in ${episodeThreads} threads: ${JSON.stringify(isolation[isolation.length - 1])}`);
  }
  const ratio = (k: 'sequence' | 'fanOut10' | 'fanOut100'): string => `${round((isolation[0][k] as number) / (isolation[1][k] as number), 2)}`;
  md.push('', `Threads against the host thread, activities/s: sequential ${ratio('sequence')}, cap 10 ${ratio('fanOut10')}, cap 100 ${ratio('fanOut100')} (1.00 = no cost).`);
  results.isolation = isolation;

  // 5. Compile time.
  const compile = await benchCompile(repo, [1, 10, 100], RUNS);
  results.compile = compile;
  md.push('', '## Compile time (workflows of 20 steps)', '', '| workflows | cold check + generate (ms) | full compile incl. tsc (ms) | incremental, one file saved (ms) |', '|---|---|---|---|');
  for (const r of compile) md.push(`| ${r.workflows} | ${r.coldMs} | ${r.buildMs} | ${r.incrementalMs} |`);

  fs.rmSync(app, { recursive: true, force: true });
  const header = [
    '# durable-flow benchmark results',
    '',
    `Generated by \`npm run bench${quick ? ' -- --quick' : ''}\` on ${started.toISOString()}: ${os.cpus().length} cores, Node ${process.version}.`,
    `Each figure is the median of ${RUNS} runs; the embedded host with SQLite on this machine.`,
    '',
  ];
  fs.mkdirSync(path.join(repo, 'bench/results'), { recursive: true });
  // A quick run never overwrites the committed full results.
  const name = quick ? 'results-quick' : 'results';
  fs.writeFileSync(path.join(repo, `bench/results/${name}.md`), [...header, ...md, ''].join('\n'));
  fs.writeFileSync(path.join(repo, `bench/results/${name}.json`), JSON.stringify(results, null, 2) + '\n');
  log(`wrote bench/results/${name}.md and ${name}.json`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
