/**
 * Start latency with episodes in a worker thread (the default) against the host thread
 * (`--episode-threads 0`), with more samples than `npm run bench` takes: both hosts in their own
 * processes at once, taking turns round by round (15 single starts, then 50 clients × 2 starts),
 * so the machine's drift falls on both alike.
 *
 *   node --require tsx/cjs bench/latency-threads.ts        # ROUNDS=5; MODES=d,0 (d: the default)
 */
import * as path from 'node:path';
import { buildApp } from './app';
import { startLatencySamples, withHosts } from './host-runs';
import { percentile } from './stats';
const repo = path.resolve(__dirname, '..');
async function main() {
  const wf = { hello: `dsl: 1\nsteps:\n  - activity: Noop\n    input: 1\n  - activity: Noop\n    input: 2\n  - activity: Noop\n    input: 3\n` };
  const app = buildApp(repo, wf, `export async function Noop(n: number): Promise<number> { return n; }\n`);
  const modes = (process.env.MODES ?? 'd,0').split(',').map((m) => (m === 'd' ? undefined : Number(m)));
  const rounds = Number(process.env.ROUNDS ?? 5);
  const one = modes.map(() => [] as number[][]);
  const fifty = modes.map(() => [] as number[][]);
  await withHosts(app, modes.map((episodeThreads) => ({ maxConcurrentActivityFunctions: 10, processes: 1, episodeThreads })), true, async (hosts) => {
    for (let r = 0; r < rounds; r++) {
      for (let m = 0; m < modes.length; m++) one[m].push(await startLatencySamples(hosts[m], 1, 15));
      for (let m = 0; m < modes.length; m++) fifty[m].push(await startLatencySamples(hosts[m], 50, 2));
    }
  });
  for (let m = 0; m < modes.length; m++) {
    console.log(`mode ${modes[m] ?? 'default'}: 1 client p50 per round ${one[m].map((a) => percentile(a, 50).toFixed(1)).join(' ')} | all p50 ${percentile(one[m].flat(), 50).toFixed(1)} p99 ${percentile(one[m].flat(), 99).toFixed(1)}`);
    console.log(`mode ${modes[m] ?? 'default'}: 50 clients p50 per round ${fifty[m].map((a) => percentile(a, 50).toFixed(0)).join(' ')} | all p50 ${percentile(fifty[m].flat(), 50).toFixed(0)} p99 ${percentile(fifty[m].flat(), 99).toFixed(0)}`);
  }
}
main().then(() => process.exit(0));
