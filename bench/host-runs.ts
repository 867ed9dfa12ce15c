/**
 * Benchmarks that run the compiled example app on the embedded host: the seed table, fan-out
 * and sequential throughput, and start latency. Each host gets its own host.json settings and a
 * fresh SQLite file; the app itself is the unmodified dist/generated/index.js.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHost, type Host } from '../host/main';
import { percentile } from './stats';

export interface HostSettings {
  maxConcurrentActivityFunctions: number;
  processes: number;
  /** Worker threads for orchestrator episodes; 0 runs them in the host thread. Default: the host's (defaultEpisodeThreads). */
  episodeThreads?: number;
}

/** What a benchmark needs of a host: where it listens. */
export interface HostHandle {
  url: string;
}

/**
 * Runs `fn` against a host configured with `settings`, then tears it down. In-process by default;
 * `separateProcess` runs the host CLI in its own process, so that many benchmark clients do not
 * share the host's event loop and core (as real clients would not).
 */
export async function withHost<T>(app: string, settings: HostSettings, fn: (host: HostHandle) => Promise<T>, separateProcess = false): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-bench-host-'));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ main: path.join(app, 'dist/generated/index.js') }));
  fs.writeFileSync(
    path.join(dir, 'host.json'),
    JSON.stringify({ version: '2.0', extensions: { durableTask: { hubName: 'Bench', versionMatchStrategy: 'None', maxConcurrentActivityFunctions: settings.maxConcurrentActivityFunctions, maxConcurrentOrchestratorFunctions: 10 } } }),
  );
  const db = path.join(dir, 'bench.db');
  try {
    if (separateProcess) return await withHostProcess(dir, db, settings, fn);
    const previous = process.env.FUNCTIONS_WORKER_PROCESS_COUNT;
    process.env.FUNCTIONS_WORKER_PROCESS_COUNT = String(settings.processes);
    const host: Host = await createHost({ appDir: dir, db, port: 0, quiet: true, episodeThreads: settings.episodeThreads });
    try {
      return await fn(host);
    } finally {
      await host.close();
      if (previous === undefined) delete process.env.FUNCTIONS_WORKER_PROCESS_COUNT;
      else process.env.FUNCTIONS_WORKER_PROCESS_COUNT = previous;
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `fn` with several hosts up at once (one per settings), so a benchmark can take turns between them. */
export async function withHosts<T>(app: string, settings: readonly HostSettings[], separateProcess: boolean, fn: (hosts: HostHandle[]) => Promise<T>): Promise<T> {
  const open = async (i: number, hosts: HostHandle[]): Promise<T> =>
    i === settings.length ? fn(hosts) : withHost(app, settings[i], (h) => open(i + 1, [...hosts, h]), separateProcess);
  return open(0, []);
}

async function withHostProcess<T>(dir: string, db: string, settings: HostSettings, fn: (host: HostHandle) => Promise<T>): Promise<T> {
  const cli = path.resolve(__dirname, '../host/cli.ts');
  const threads = settings.episodeThreads === undefined ? [] : ['--episode-threads', String(settings.episodeThreads)];
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', cli, dir, '--port', '0', '--db', db, ...threads], {
    env: { ...process.env, FUNCTIONS_WORKER_PROCESS_COUNT: String(settings.processes) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (b: Buffer): void => {
      out += b;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the host exited (code ${code}) before listening:\n${out}`)));
  });
  child.stdout!.removeAllListeners('data');
  child.stdout!.resume(); // keep draining the host's log so it never blocks on a full pipe
  try {
    return await fn({ url });
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}

async function post(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return { status: r.status, body: await r.json() };
}

/** Starts over HTTP and polls the status URL; returns ms from start request to `Completed`. */
export async function runToCompletion(host: HostHandle, route: string, input: unknown, pollMs = 20): Promise<{ ms: number; output: unknown }> {
  const t0 = performance.now();
  // ?wait: the host answers when the instance finishes (no polling, which would load the host).
  const started = await post(`${host.url}/api/${route}?wait=200s`, input);
  if (started.status === 200) return { ms: performance.now() - t0, output: started.body };
  if (started.status !== 202) throw new Error(`start failed: ${started.status} ${JSON.stringify(started.body)}`);
  for (;;) {
    const s = (await (await fetch(started.body.statusQueryGetUri)).json()) as { runtimeStatus: string; output: unknown };
    if (s.runtimeStatus === 'Completed') return { ms: performance.now() - t0, output: s.output };
    if (s.runtimeStatus === 'Failed' || s.runtimeStatus === 'Terminated') throw new Error(`${route} ${s.runtimeStatus}: ${JSON.stringify(s.output)}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/**
 * p50/p99 from an HTTP start to the answer with the output (hello, 3 steps), with `clients`
 * concurrent clients, each starting with `?wait` as a caller that wants the result would.
 */
export async function startLatency(host: HostHandle, clients: number, perClient: number): Promise<{ completedP50: number; completedP99: number }> {
  const completed = await startLatencySamples(host, clients, perClient);
  return { completedP50: percentile(completed, 50), completedP99: percentile(completed, 99) };
}

/** Each start's milliseconds from request to the answer with the output (startLatency's samples). */
export async function startLatencySamples(host: HostHandle, clients: number, perClient: number): Promise<number[]> {
  const completed: number[] = [];
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = 0; i < perClient; i++) {
        const t0 = performance.now();
        const r = await post(`${host.url}/api/workflows/hello?wait=30s`, {});
        if (r.status !== 200) throw new Error(`hello did not complete within 30 s: ${r.status}`);
        completed.push(performance.now() - t0);
      }
    }),
  );
  return completed;
}
