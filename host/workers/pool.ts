/**
 * The activity worker processes, as the Functions host runs FUNCTIONS_WORKER_PROCESS_COUNT Node
 * workers (at least one: activities never run in the host's own process, so one that calls
 * process.exit or crashes takes down only its worker). Work goes to the least busy worker. The
 * pool supervises them: a worker that dies is replaced at once and every activity it was running
 * fails with WorkerCrashError (the engine re-queues it, counting crashes); an activity that runs
 * past its function timeout fails with the Functions host's timeout message and its worker is
 * stopped (the only way to stop user code) and replaced, its other activities re-queued.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { childModule } from '../child-module';
import type { WorkReply, WorkRequest } from './worker';

/** The worker running the activity died (exit, signal, or a broken IPC channel). */
export class WorkerCrashError extends Error {
  constructor(
    message: string,
    /** False when the host stopped the worker for another activity's sake: not this activity's fault. */
    readonly counts = true,
  ) {
    super(message);
  }
}

/** The activity ran longer than the function timeout (the Functions host's wording). */
export class FunctionTimeoutError extends Error {
  override name = 'FunctionTimeoutException';
}

interface Job {
  request: WorkRequest;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer?: NodeJS.Timeout;
}

interface Worker {
  child: ChildProcess;
  jobs: Map<number, Job>;
  /** Requests to send at the end of this turn, in one message. */
  outbox: WorkRequest[];
  ready: Promise<void>;
  /** Set when the pool stops it on purpose (timeout, close): its jobs then did nothing wrong. */
  stopping?: string;
}

export interface WorkerPoolOptions {
  /** Activities running longer are failed and their worker replaced (ms); Infinity for none. */
  functionTimeoutMs: number;
  log?: (line: string) => void;
}

/** Formats ms as the Functions host prints a timeout (hh:mm:ss). */
function hms(ms: number): string {
  const s = Math.round(ms / 1000);
  return [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60].map((n) => String(n).padStart(2, '0')).join(':');
}

export class WorkerPool {
  private readonly workers: Worker[] = [];
  /** Where the search for the least busy worker starts: the one after the last chosen. */
  private turn = 0;
  private nextId = 1;
  private closed = false;

  /** Standby: the workers have loaded the libraries, not the app, until activate(). */
  private standby: boolean;

  constructor(
    private readonly entry: string,
    count: number,
    private options: WorkerPoolOptions = { functionTimeoutMs: Number.POSITIVE_INFINITY },
    mode: { standby?: boolean } = {},
  ) {
    this.standby = mode.standby === true;
    for (let i = 0; i < Math.max(1, count); i++) this.workers.push(this.spawn());
  }

  /** A standby pool's workers load the app now (with the app's function timeout); resolves when they have. */
  async activate(functionTimeoutMs: number): Promise<void> {
    if (this.standby) {
      this.standby = false;
      this.options = { ...this.options, functionTimeoutMs };
      for (const w of this.workers) if (w.child.connected) w.child.send({ load: true });
    }
    await this.ready();
  }

  get size(): number {
    return this.workers.length;
  }

  /** Resolves once every worker has loaded the app, so the first activities do not wait for it. */
  async ready(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.ready));
  }

  pids(): number[] {
    return this.workers.map((w) => w.child.pid ?? 0);
  }

  private spawn(): Worker {
    const module = childModule(__dirname, 'worker', this.entry);
    const child = fork(module.file, this.standby ? [this.entry, '--standby'] : [this.entry], {
      execArgv: module.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const worker: Worker = { child, jobs: new Map(), outbox: [], ready: Promise.resolve() };
    worker.ready = new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`activity worker process ${child.pid} exited (code ${code}) while loading the app`)));
    });
    worker.ready.catch(() => undefined); // awaited by ready() and run(); an early exit must not be an unhandled rejection
    child.on('message', (m: WorkReply[] | { ready: true }) => {
      if (!Array.isArray(m)) return;
      for (const r of m) {
        const job = worker.jobs.get(r.id);
        if (!job) continue;
        worker.jobs.delete(r.id);
        clearTimeout(job.timer);
        if (r.ok) job.resolve(r.result);
        else job.reject(Object.assign(new Error(r.error.message), { name: r.error.name, stack: r.error.stack }));
      }
    });
    child.on('exit', (code, signal) => this.died(worker, code, signal));
    child.on('error', () => undefined); // an IPC error is followed by 'exit'
    return worker;
  }

  /** A worker is gone: fail what it was running and put a fresh one in its place. */
  private died(worker: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    const i = this.workers.indexOf(worker);
    const why = worker.stopping ?? `exited (${signal ? `signal ${signal}` : `code ${code}`})`;
    for (const job of worker.jobs.values()) {
      clearTimeout(job.timer);
      job.reject(new WorkerCrashError(`the activity worker process running '${job.request.name}' ${why}`, worker.stopping === undefined));
    }
    worker.jobs.clear();
    if (i < 0 || this.closed) return;
    this.options.log?.(`activity worker process ${worker.child.pid} ${why}; starting another`);
    this.workers[i] = this.spawn();
  }

  async run(name: string, input: unknown, invocationId: string): Promise<unknown> {
    if (this.closed) throw new WorkerCrashError('the worker pool is closed', false);
    // The least busy worker; among equally busy ones, the next in turn (activities that come one
    // at a time would otherwise all go to the first).
    const n = this.workers.length;
    let w = this.workers[this.turn % n];
    for (let k = 1; k < n; k++) {
      const b = this.workers[(this.turn + k) % n];
      if (b.jobs.size < w.jobs.size) w = b;
    }
    this.turn = (this.workers.indexOf(w) + 1) % n;
    await w.ready;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const job: Job = { request: { id, name, input, invocationId }, resolve, reject };
      w.jobs.set(id, job);
      if (Number.isFinite(this.options.functionTimeoutMs)) {
        job.timer = setTimeout(() => {
          w.jobs.delete(id);
          reject(new FunctionTimeoutError(`Timeout value of ${hms(this.options.functionTimeoutMs)} was exceeded by function: Functions.${name}`));
          // The activity cannot be stopped any other way; its worker's other activities run again.
          w.stopping = `was stopped: '${name}' exceeded the function timeout`;
          w.child.kill('SIGKILL');
        }, this.options.functionTimeoutMs);
      }
      if (!w.child.connected) return this.died(w, w.child.exitCode, w.child.signalCode);
      if (w.outbox.length === 0) setImmediate(() => this.send(w));
      w.outbox.push(job.request);
    });
  }

  /** Sends what a worker was given in this turn as one message (one write, one wake-up). */
  private send(w: Worker): void {
    const batch = w.outbox.splice(0);
    if (batch.length === 0 || !w.child.connected) return;
    w.child.send(batch, (e) => {
      if (!e) return;
      for (const r of batch) {
        const job = w.jobs.get(r.id);
        if (!job) continue;
        w.jobs.delete(r.id);
        clearTimeout(job.timer);
        job.reject(new WorkerCrashError(`the activity worker process running '${r.name}' could not be reached: ${e.message}`));
      }
    });
  }

  /** Closes the pool once the activities it runs have finished (a reloaded app's old workers). */
  async closeWhenIdle(pollMs = 50): Promise<void> {
    while (!this.closed && this.workers.some((w) => w.jobs.size > 0)) await new Promise((r) => setTimeout(r, pollMs));
    this.close();
  }

  close(): void {
    this.closed = true;
    for (const w of this.workers) {
      w.stopping = 'was stopped: the host is shutting down';
      w.child.kill();
    }
  }
}
