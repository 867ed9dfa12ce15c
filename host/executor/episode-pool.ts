/**
 * Runs orchestration episodes in worker threads, each thread one episode at a time, under a time
 * budget and a heap limit. An episode over its budget, or out of memory, costs its thread (the
 * thread is replaced) and fails with an error that says so; the host's event loop never blocks
 * on orchestrator code.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EpisodeInput, EpisodeResult } from './episode-runner';
import type { EpisodeReply, EpisodeRequest } from './episode-thread';

export interface EpisodePoolOptions {
  /** The app's entry module. */
  entry: string;
  threads: number;
  /** An episode running longer than this fails its instance (ms). */
  budgetMs: number;
  /** Each thread's old-generation heap limit (MB). */
  heapMb: number;
}

/** Why an episode could not run: its instance fails with this message. */
export class EpisodeLimitError extends Error {}

interface Job {
  request: EpisodeRequest;
  resolve: (r: EpisodeResult) => void;
  reject: (e: Error) => void;
}

interface Thread {
  worker: Worker;
  ready: Promise<void>;
  /** Loaded the app: only then does it take jobs, so loading never counts against a budget. */
  isReady: boolean;
  job?: Job;
  timer?: NodeJS.Timeout;
}

export class EpisodePool {
  private readonly threads: Thread[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: EpisodePoolOptions) {
    for (let i = 0; i < options.threads; i++) this.threads.push(this.spawn());
  }

  /** Resolves once every thread has loaded the app (a thread that cannot load it rejects). */
  async ready(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.ready));
  }

  run(input: EpisodeInput): Promise<EpisodeResult> {
    if (this.closed) return Promise.reject(new Error('the episode pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ request: { id: this.nextId++, input }, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const j of this.queue.splice(0)) j.reject(new Error('the episode pool is closed'));
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }

  private spawn(): Thread {
    const worker = new Worker(path.join(__dirname, 'episode-thread.ts'), {
      workerData: { entry: this.options.entry },
      execArgv: ['--require', require.resolve('tsx/cjs')],
      resourceLimits: { maxOldGenerationSizeMb: this.options.heapMb },
      stdout: false,
      stderr: false,
    });
    const thread: Thread = { worker, ready: Promise.resolve(), isReady: false };
    thread.ready = new Promise<void>((resolve, reject) => {
      worker.once('message', () => {
        thread.isReady = true;
        resolve();
      });
      worker.once('error', reject);
    });
    thread.ready.catch(() => undefined);
    worker.on('message', (m: EpisodeReply) => {
      if ('ready' in m) return this.dispatch();
      const job = thread.job;
      if (!job || job.request.id !== m.id) return;
      this.finish(thread);
      if (m.ok) job.resolve(m.result as EpisodeResult);
      else job.reject(new Error(m.error));
      this.dispatch();
    });
    worker.on('error', (e: Error & { code?: string }) => {
      const job = thread.job;
      this.finish(thread);
      if (job) {
        job.reject(
          e.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new EpisodeLimitError(`the episode ran out of memory (the limit is ${this.options.heapMb} MB): the orchestrator holds too much (a huge list or input?)`)
            : new EpisodeLimitError(`the episode's thread failed: ${e.message}`),
        );
      }
      this.replace(thread);
    });
    return thread;
  }

  private finish(thread: Thread): void {
    clearTimeout(thread.timer);
    thread.timer = undefined;
    thread.job = undefined;
  }

  /** Swaps a dead or stopped thread for a fresh one. */
  private replace(thread: Thread): void {
    const i = this.threads.indexOf(thread);
    if (i < 0) return;
    void thread.worker.terminate();
    if (this.closed) return;
    this.threads[i] = this.spawn();
  }

  private dispatch(): void {
    for (const thread of this.threads) {
      if (this.queue.length === 0) return;
      if (thread.job || !thread.isReady) continue;
      const job = this.queue.shift()!;
      thread.job = job;
      thread.timer = setTimeout(() => {
        this.finish(thread);
        job.reject(
          new EpisodeLimitError(
            `the episode ran longer than its budget of ${this.options.budgetMs} ms and was stopped: the orchestrator did not yield (a CPU-bound expression, such as a catastrophic regular expression, or a huge loop?)`,
          ),
        );
        this.replace(thread);
        this.dispatch();
      }, this.options.budgetMs);
      thread.worker.postMessage(job.request);
    }
  }
}
