/**
 * A pool of activity worker processes, as the Functions host runs FUNCTIONS_WORKER_PROCESS_COUNT
 * Node workers: CPU-bound activities then use every core. Work goes to the least busy worker.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { WorkReply, WorkRequest } from './worker';

interface Worker {
  child: ChildProcess;
  busy: number;
  ready: Promise<void>;
}

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;

  constructor(entry: string, count: number) {
    for (let i = 0; i < count; i++) {
      const child = fork(path.join(__dirname, 'worker.ts'), [entry], {
        execArgv: ['--require', require.resolve('tsx/cjs')],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const ready = new Promise<void>((resolve, reject) => {
        child.once('message', () => resolve());
        child.once('exit', (code) => reject(new Error(`activity worker process ${child.pid} exited (code ${code}) while loading the app`)));
      });
      ready.catch(() => undefined); // awaited by ready() and run(); an early exit must not be an unhandled rejection
      child.on('message', (m: WorkReply | { ready: true }) => {
        if ('ready' in m) return;
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.ok) p.resolve(m.result);
        else p.reject(Object.assign(new Error(m.error.message), { name: m.error.name, stack: m.error.stack }));
      });
      this.workers.push({ child, busy: 0, ready });
    }
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

  async run(name: string, input: unknown, invocationId: string): Promise<unknown> {
    const w = this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
    await w.ready;
    w.busy++;
    const id = this.nextId++;
    try {
      return await new Promise((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        w.child.send({ id, name, input, invocationId } satisfies WorkRequest);
      });
    } finally {
      w.busy--;
    }
  }

  close(): void {
    for (const w of this.workers) w.child.kill();
    for (const p of this.pending.values()) p.reject(new Error('the worker pool was closed'));
    this.pending.clear();
  }
}
