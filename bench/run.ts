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
import { runToCompletion, startLatency, withHost } from './host-runs';
import { median, round } from './stats';

const repo = path.resolve(__dirname, '..');
const quick = process.argv.includes('--quick');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
const TASK_MS = quick ? 100 : 1000;
const FAN_SIZES = quick ? [1000, 3000] : [1000, 10000];

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
      const anchor = processes === 1 && c === 1 ? '~100 s (1 × 1)' : processes === 2 && c === 2 ? '~50 s (2 × 2)' : '';
      md.push(`| ${c} | ${processes} | ${(m.median / 1000).toFixed(2)} | ${(ideal / 1000).toFixed(2)} | ${row.efficiency} | ${m.runs.join(', ')} | ${anchor} |`);
      log(`seed c=${c} p=${processes}: ${(m.median / 1000).toFixed(2)} s (ideal ${(ideal / 1000).toFixed(2)} s)`);
    }
  }
  results.seed = seed;

  // 2. Throughput.
  md.push('', '## Throughput (no-op activities, 1 worker process, maxConcurrentActivityFunctions 100)', '', '| workload | items | cap | median (s) | activities/s | published anchor |', '|---|---|---|---|---|---|');
  const throughput: Array<Record<string, unknown>> = [];
  await withHost(app, { maxConcurrentActivityFunctions: 100, processes: 1 }, async (host) => {
    const seq = await medianOf(RUNS, async () => (await runToCompletion(host, 'workflows/sequence', { count: 1000 })).ms);
    throughput.push({ workload: 'sequence', items: 1000, medianMs: round(seq.median, 0), perSecond: round(1000 / (seq.median / 1000), 1) });
    md.push(`| sequential | 1000 | 1 | ${(seq.median / 1000).toFixed(2)} | ${round(1000 / (seq.median / 1000), 1)} | Azure Storage ~5/s per instance; Netherite 250–350/s |`);
    log(`sequence 1000: ${(seq.median / 1000).toFixed(2)} s`);
    for (const cap of [10, 100]) {
      const times: number[] = [];
      for (const n of FAN_SIZES) {
        const m = await medianOf(RUNS, async () => (await runToCompletion(host, `workflows/fanOut${cap}`, { count: n })).ms);
        times.push(m.median);
        throughput.push({ workload: `fanOut${cap}`, items: n, medianMs: round(m.median, 0), perSecond: round(n / (m.median / 1000), 1) });
        md.push(`| fan-out | ${n} | ${cap} | ${(m.median / 1000).toFixed(2)} | ${round(n / (m.median / 1000), 1)} | Azure Storage ~100/s; Netherite 500–2,000/s |`);
        log(`fanOut cap ${cap} n=${n}: ${(m.median / 1000).toFixed(2)} s`);
      }
      const growth = round(times[1] / times[0], 2);
      throughput.push({ workload: `fanOut${cap} growth`, from: FAN_SIZES[0], to: FAN_SIZES[1], ratio: growth });
      md.push(`| growth ${FAN_SIZES[0]} → ${FAN_SIZES[1]} | ×${FAN_SIZES[1] / FAN_SIZES[0]} items | ${cap} | time ×${growth} | | linear would be ×${FAN_SIZES[1] / FAN_SIZES[0]} |`);
    }
  });
  results.throughput = throughput;

  // 3. Start latency.
  const latency = await withHost(app, { maxConcurrentActivityFunctions: 10, processes: 1 }, (host) => startLatency(host, 50, quick ? 2 : 4));
  results.latency = latency;
  md.push('', '## Start latency, 50 concurrent clients, 3-step sequence', '', '| to Running p50 / p99 (ms) | to Completed p50 / p99 (ms) | anchor |', '|---|---|---|');
  md.push(`| ${round(latency.runningP50, 1)} / ${round(latency.runningP99, 1)} | ${round(latency.completedP50, 1)} / ${round(latency.completedP99, 1)} | Temporal Cloud start p50/p99 14/69 ms |`);
  log(`latency: ${JSON.stringify(latency)}`);

  // 4. Compile time.
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
  fs.writeFileSync(path.join(repo, 'bench/results/results.md'), [...header, ...md, ''].join('\n'));
  fs.writeFileSync(path.join(repo, 'bench/results/results.json'), JSON.stringify(results, null, 2) + '\n');
  log('wrote bench/results/results.md and results.json');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
