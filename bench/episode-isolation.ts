/**
 * What running episodes in processes costs, side by side with another checkout (e.g. the commit
 * before, with episodes in worker threads): both hosts up at once (the CLI, default settings, each
 * in its own process), taking turns round by round so the machine's drift falls on both alike.
 * Each round: 15 single `hello` starts (3 steps, 4 episodes; p50) and one 300-step sequence
 * (maxParallel 1: 301 episodes one after another). Prints the median of the rounds. First, the
 * mechanism alone, less exposed to the machine's load: the round trip of a 2 KB string to a
 * worker thread (postMessage) and to a child process (IPC, 'advanced' serialization, as
 * episode-pool.ts sends), 3,000 each, median of 3.
 *
 *   node --require tsx/cjs bench/episode-isolation.ts [other-checkout] [rounds=3]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildBenchApp } from './app';
import { runToCompletion, startLatencySamples, type HostHandle } from './host-runs';
import { median, percentile } from './stats';

const repo = path.resolve(__dirname, '..');

async function startHost(checkout: string, app: string): Promise<{ handle: HostHandle; child: ChildProcess; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-bench-iso-'));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ main: path.join(app, 'dist/generated/index.js') }));
  fs.writeFileSync(path.join(dir, 'host.json'), JSON.stringify({ version: '2.0', extensions: { durableTask: { hubName: 'Bench', versionMatchStrategy: 'None' } } }));
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(checkout, 'host/cli.ts'), dir, '--port', '0', '--db', path.join(dir, 'bench.db')], { cwd: checkout, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (b: Buffer): void => {
      out += b;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the host exited (code ${code}):\n${out}`)));
  });
  return { handle: { url }, child, dir };
}

/** Microseconds per round trip of a 2 KB string to a worker thread or a child process and back. */
async function roundTrip(kind: 'thread' | 'process'): Promise<number> {
  const N = 3000;
  const text = 'x'.repeat(2000);
  const echo = "process.on('message', (m) => process.send(m)); process.send('ready');";
  const peer =
    kind === 'thread'
      ? new Worker("const { parentPort } = require('node:worker_threads'); parentPort.on('message', (m) => parentPort.postMessage(m)); parentPort.postMessage('ready');", { eval: true })
      : spawn(process.execPath, ['-e', echo], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
  const send = (m: string): void => void (peer instanceof Worker ? peer.postMessage(m) : peer.send(m));
  await new Promise((r) => peer.once('message', r));
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    let n = 0;
    peer.on('message', () => (++n === N ? resolve() : send(text)));
    send(text);
  });
  const us = ((performance.now() - t0) * 1000) / N;
  if (peer instanceof Worker) await peer.terminate();
  else peer.kill();
  return us;
}

async function main(): Promise<void> {
  const trips = { thread: [] as number[], process: [] as number[] };
  for (let i = 0; i < 3; i++) for (const kind of ['thread', 'process'] as const) trips[kind].push(await roundTrip(kind));
  for (const [kind, all] of Object.entries(trips)) console.log(`round trip to a ${kind} (µs): median ${median(all).toFixed(1)} of ${all.map((x) => x.toFixed(1)).join(', ')}`);
  const checkouts = [repo, ...(process.argv[2] ? [path.resolve(process.argv[2])] : [])];
  const rounds = Number(process.argv[3] ?? 3);
  const app = buildBenchApp(repo);
  const hosts = await Promise.all(checkouts.map((c) => startHost(c, app)));
  const latency = hosts.map(() => [] as number[]);
  const sequence = hosts.map(() => [] as number[]);
  try {
    for (const h of hosts) await startLatencySamples(h.handle, 1, 5); // warm up
    for (let r = 0; r < rounds; r++) {
      for (const [i, h] of hosts.entries()) {
        latency[i].push(percentile(await startLatencySamples(h.handle, 1, 15), 50));
        sequence[i].push((await runToCompletion(h.handle, 'workflows/sequence', { count: 300 })).ms);
      }
    }
  } finally {
    for (const h of hosts) {
      h.child.kill('SIGTERM');
      fs.rmSync(h.dir, { recursive: true, force: true });
    }
    fs.rmSync(app, { recursive: true, force: true });
  }
  for (const [i, c] of checkouts.entries()) {
    console.log(`${c}: hello p50, 1 client (ms): median ${median(latency[i]).toFixed(1)} of ${latency[i].map((x) => x.toFixed(1)).join(', ')}`);
    console.log(`${c}: 300-step sequence (ms): median ${median(sequence[i]).toFixed(0)} of ${sequence[i].map((x) => x.toFixed(0)).join(', ')}`);
  }
}
main().then(() => process.exit(0));
