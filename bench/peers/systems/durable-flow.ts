/**
 * durable-flow: the workloads as YAML workflows, compiled by the project's compiler and built the
 * way bench/ builds its app (bench/app.ts), served by the embedded host's CLI in its own process
 * and driven only over HTTP (start with ?wait, answered when the workflow completes), so this keeps working as the host's
 * internals change. The activities keep the in-flight counter in the process that runs them; a
 * `probe` workflow reads it.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildApp } from '../../app';
import type { Counter, Driver, Mode, RunContext, System } from '../lib/types';
import { httpJson, postJson, sleep, startChild, tail, waitFor } from '../lib/util';

const repo = path.resolve(__dirname, '../../..');
const FAN_CAPS = [10, 100];

// The same counter as lib/inflight.ts, inside the compiled app (an activity is any exported function).
const ACTIVITIES = `
let inFlight = 0;
let maxInFlight = 0;
let executions = 0;

async function tracked<T>(work: () => Promise<T>): Promise<T> {
  inFlight++;
  executions++;
  if (inFlight > maxInFlight) maxInFlight = inFlight;
  try {
    return await work();
  } finally {
    inFlight--;
  }
}

/** A no-op that yields one event-loop turn, so that executions running at the same time overlap in the counter. */
export async function Noop(i: number): Promise<number> {
  return tracked(() => new Promise<number>((r) => setImmediate(() => r(i))));
}

export async function Sleep(input: { index: number; ms: number }): Promise<number> {
  return tracked(() => new Promise<number>((r) => setTimeout(() => r(input.index), input.ms)));
}

/** Reads and resets the counter (not counted itself). */
export async function ReadCounter(_input: unknown): Promise<{ maxInFlight: number; executions: number }> {
  const c = { maxInFlight, executions };
  maxInFlight = inFlight;
  executions = 0;
  return c;
}
`;

const range = '${ Array.from({ length: input.count }, (_, i) => i) }';

function forEachYaml(cap: number, activity: string, input: string, output: string): string {
  return `dsl: 1\nsteps:\n  - id: all\n    forEach: "${range}"\n    maxParallel: ${cap}\n    activity: ${activity}\n    input: ${input}\noutput: ${output}\n`;
}

const WORKFLOWS: Record<string, string> = {
  // A loop of sequential steps is a forEach with maxParallel 1 (as `npm run bench` measures it).
  peerSequence: forEachYaml(1, 'Noop', '${ item }', '${ steps.all.output.length }'),
  ...Object.fromEntries(FAN_CAPS.map((cap) => [`peerFanOut${cap}`, forEachYaml(cap, 'Noop', '${ item }', '${ steps.all.output }')])),
  peerSleep10: forEachYaml(10, 'Sleep', '{ index: "${ item }", ms: "${ input.ms }" }', '${ steps.all.output }'),
  peerHello: 'dsl: 1\nsteps:\n  - activity: Noop\n    input: 1\n  - activity: Noop\n    input: 2\n  - activity: Noop\n    input: 3\n',
  peerProbe: 'dsl: 1\nsteps:\n  - id: read\n    activity: ReadCounter\n    input: {}\noutput: ${ steps.read.output }\n',
};

const MODES: Mode[] = [
  {
    id: 'normal',
    label: 'default: synchronous=NORMAL',
    isDefault: true,
    flushes: 'commit written to the OS; fsync at WAL checkpoints only',
    durability:
      'SQLite WAL, synchronous=NORMAL: every episode is one transaction written to the OS before the host goes on (survives kill -9 of the host); fsync only at WAL checkpoints, so a power loss can lose the latest commits',
  },
  {
    id: 'full',
    label: 'fsync on: --sync full',
    isDefault: false,
    flushes: 'fsync of the WAL on every commit',
    durability: 'SQLite WAL, synchronous=FULL (`--sync full`): fsync of the WAL on every commit (survives power loss)',
  },
  {
    // Not a durability mode: the default's durability with episodes run in the host's own thread,
    // to show what the worker threads that isolate orchestrator code (SECURITY.md) cost.
    id: 'inline',
    label: 'default, episodes inline: --episode-threads 0',
    isDefault: false,
    flushes: 'as the default (commit written to the OS; fsync at WAL checkpoints only)',
    durability:
      "as the default; orchestrator code runs in the host's own thread instead of worker threads, so a hostile or looping orchestrator can stall the host (for comparison only: SECURITY.md)",
  },
  {
    // The same compiled app on the real Durable Task extension (host/extension-engine), to show
    // what the embedded host's figures mean on Azure's engine.
    id: 'extension',
    label: 'the real extension: --engine extension (Azurite)',
    isDefault: false,
    flushes: "Azure Storage's: each queue message, table row and blob written by Azurite (to its files) before the extension goes on",
    durability:
      'the real Durable Task extension 3.19.0 on the Azure Storage provider, with Azurite (the storage emulator, on local files) as the storage account; host.json maxQueuePollingInterval 1 s (the extension backs off to 30 s when idle)',
  },
];

let app: string | undefined;

export const durableFlow: System = {
  name: 'durable-flow',
  id: 'durable-flow',
  modes: MODES,
  notes: [
    'Workflows are YAML compiled by the project compiler (`forEach` + `maxParallel`; a sequence is a `forEach` with `maxParallel: 1`; lists over 100 items run as slice sub-orchestrations, the default `partitionSize`).',
    'The embedded host runs in its own process (`host/cli.ts`, 1 worker process, `maxConcurrentActivityFunctions` 100) with a fresh SQLite file per run; the bench starts workflows over HTTP with `?wait`, which the host answers when the workflow completes, as the peers answer.',
    'The no-op yields one event-loop turn, as every real activity does. Orchestrator episodes run in worker threads by default (one per core the host thread leaves free: one on 2 cores; the isolation of SECURITY.md); the `--episode-threads 0` row runs them in the host thread, for comparison only.',
  ],
  async prepare(log) {
    if (!fs.existsSync(path.join(repo, 'node_modules/tsx'))) throw new Error(`durable-flow: run npm ci at the repository root first (${repo})`);
    log('durable-flow: compiling and building the bench workflows');
    app = buildApp(repo, WORKFLOWS, ACTIVITIES, 'df-peers-app-');
  },
  async versions() {
    const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };
    let commit = 'unknown';
    try {
      commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
    } catch {
      // not a git checkout
    }
    return { 'durable-flow': `${pkg.version} (${commit})`, 'durable-functions': pkg.dependencies['durable-functions'] };
  },
  async start(mode: Mode, ctx: RunContext): Promise<Driver> {
    if (!app) throw new Error('durable-flow: prepare() was not called');
    const hostDir = path.join(ctx.dataDir, 'host');
    fs.mkdirSync(hostDir, { recursive: true });
    fs.writeFileSync(path.join(hostDir, 'package.json'), JSON.stringify({ main: path.join(app, 'dist/generated/index.js') }));
    // The app's own versioning settings (compile wrote them into its host.json: docs/versioning.md).
    const versioning = JSON.parse(fs.readFileSync(path.join(app, 'host.json'), 'utf8')).extensions.durableTask as Record<string, unknown>;
    const extension = mode.id === 'extension';
    fs.writeFileSync(
      path.join(hostDir, 'host.json'),
      JSON.stringify({
        version: '2.0',
        extensions: {
          durableTask: {
            hubName: 'PeerBench',
            maxConcurrentActivityFunctions: 100,
            maxConcurrentOrchestratorFunctions: 10,
            defaultVersion: versioning.defaultVersion,
            versionMatchStrategy: versioning.versionMatchStrategy,
            versionFailureStrategy: versioning.versionFailureStrategy,
            ...(extension ? { storageProvider: { maxQueuePollingInterval: '00:00:01' } } : {}),
          },
        },
      }),
    );
    const db = path.join(ctx.dataDir, 'durable-flow.db');
    const engineArgs = extension ? ['--engine', 'extension', '--storage', path.join(ctx.dataDir, 'azurite')] : ['--db', db, '--sync', mode.id === 'full' ? 'full' : 'normal', ...(mode.id === 'inline' ? ['--episode-threads', '0'] : [])];
    const child = startChild('durable-flow host', process.execPath, ['--require', 'tsx/cjs', path.join(repo, 'host/cli.ts'), hostDir, '--port', '0', ...engineArgs], {
      cwd: repo,
      env: { ...process.env, FUNCTIONS_WORKER_PROCESS_COUNT: '1' },
    });
    let url = '';
    try {
      await waitFor(
        'the durable-flow host did not start',
        async () => {
          if (child.proc.exitCode !== null) throw new Error(`exited with code ${child.proc.exitCode}`);
          const m = /listening on (http:\/\/\S+)/.exec(child.output());
          if (m) url = m[1];
          return !!m;
        },
        120_000,
      );
    } catch (e) {
      await child.stop('SIGKILL');
      throw new Error(`${(e as Error).message}\n${tail(child.output())}`);
    }

    async function run<T>(workflow: string, input: unknown, pollMs: number): Promise<T> {
      // ?wait: the host answers when the workflow completes, as the peers do (polling only past 200 s).
      const started = await postJson(`${url}/api/workflows/${workflow}?wait=200s`, input);
      if (started.status === 200) return started.body as T;
      if (started.status !== 202) throw new Error(`durable-flow: starting ${workflow} answered ${started.status} ${JSON.stringify(started.body)}`);
      const statusUrl = started.body.statusQueryGetUri as string;
      for (;;) {
        const s = (await httpJson(statusUrl)).body as { runtimeStatus: string; output: unknown };
        if (s.runtimeStatus === 'Completed') return s.output as T;
        if (s.runtimeStatus === 'Failed' || s.runtimeStatus === 'Terminated') throw new Error(`durable-flow: ${workflow} ${s.runtimeStatus}: ${JSON.stringify(s.output)}`);
        await sleep(pollMs);
      }
    }

    return {
      sequence: (count) => run<number>('peerSequence', { count }, 10),
      fanOut(count, cap) {
        if (!FAN_CAPS.includes(cap)) throw new Error(`durable-flow: no workflow for cap ${cap}`);
        return run<number[]>(`peerFanOut${cap}`, { count }, 10);
      },
      sleepFanOut(count, ms, cap) {
        if (cap !== 10) throw new Error(`durable-flow: no sleep workflow for cap ${cap}`);
        return run<number[]>('peerSleep10', { count, ms }, 10);
      },
      async startAndAwait() {
        await run('peerHello', {}, 2);
      },
      counter: () => run<Counter>('peerProbe', {}, 5),
      stop: () => child.stop('SIGTERM', 30_000),
    };
  },
  async shutdown() {
    if (app) fs.rmSync(app, { recursive: true, force: true });
    app = undefined;
  },
};
