/**
 * Runs orchestration episodes in worker threads, each thread one episode at a time (with a few
 * more sent ahead, so it never waits for the host thread between them), under a time budget and a
 * heap limit. An episode over its budget, or out of memory, costs its thread (the
 * thread is replaced) and fails with an error that says so; the host's event loop never blocks
 * on orchestrator code.
 *
 * Each instance's episodes go to the same thread, which keeps that instance's history
 * (episode-thread.ts): a request carries only the new events, not the whole history.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EpisodeInput, EpisodeResult, PlayedHistory } from './episode-runner';
import type { EpisodeReply, EpisodeRequest } from './episode-thread';

export interface EpisodePoolOptions {
  /** The app's entry module. */
  entry: string;
  threads: number;
  /** An episode running longer than this fails its instance (ms). */
  budgetMs: number;
  /** Each thread's old-generation heap limit (MB). */
  heapMb: number;
  /** Threads start without the app and load it on activate() (`durable-flow dev`'s next app, started ahead). */
  standby?: boolean;
}

/** Why an episode could not run: its instance fails with this message. */
export class EpisodeLimitError extends Error {}

interface Job {
  request: EpisodeRequest;
  /** The request with everything, for when the thread has no copy. */
  full: EpisodeInput;
  loadPlayed: () => PlayedHistory;
  resolve: (r: EpisodeResult) => void;
  reject: (e: Error) => void;
}

/** One thread slot: the thread in it (replaced when it dies) and the jobs for its instances. */
interface Slot {
  worker: Worker;
  ready: Promise<void>;
  /** Loaded the app: only then does it take jobs, so loading never counts against a budget. */
  isReady: boolean;
  /**
   * Jobs sent to the thread and not yet answered, in the order sent. The thread runs them one at
   * a time in that order, so the first is the one it is running.
   */
  posted: Job[];
  /** The budget of the job the thread is running (posted[0]). */
  timer?: NodeJS.Timeout;
  /** Jobs not sent yet. */
  queue: Job[];
}

/**
 * Jobs a thread holds at once: it starts the next as soon as it answers one, instead of waiting
 * for the host thread to read the answer and send the next (which, with many instances at once,
 * left the thread idle while the host thread was busy).
 */
const PIPELINE = 8;

export class EpisodePool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private options: EpisodePoolOptions) {
    for (let i = 0; i < options.threads; i++) {
      const slot: Slot = { worker: undefined as unknown as Worker, ready: Promise.resolve(), isReady: false, posted: [], queue: [] };
      this.slots.push(slot);
      this.spawn(slot);
    }
  }

  /** A standby pool's threads load the app now; resolves when they have. */
  async activate(): Promise<void> {
    if (this.options.standby) {
      this.options = { ...this.options, standby: false };
      for (const s of this.slots) s.worker.postMessage('load');
    }
    await this.ready();
  }

  /** Resolves once every thread has loaded the app (a thread that cannot load it rejects). */
  async ready(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.ready));
  }

  /**
   * Runs an episode on the thread that keeps its instance's history and input (the same thread
   * every time): after an execution's first episode only the new events travel.
   */
  run(input: EpisodeInput, loadPlayed: () => PlayedHistory): Promise<EpisodeResult> {
    if (this.closed) return Promise.reject(new Error('the episode pool is closed'));
    const slot = this.slots[this.slotOf(input.instanceId)];
    const sent: EpisodeInput = input.playedLength > 0 ? { ...input, input: undefined, inputKept: true } : input;
    return new Promise((resolve, reject) => {
      slot.queue.push({ request: { id: this.nextId++, input: sent }, full: input, loadPlayed, resolve, reject });
      this.dispatch(slot);
    });
  }

  /** Closes the pool once the episodes given to it have been answered (a reloaded app's old threads). */
  async closeWhenIdle(pollMs = 20): Promise<void> {
    while (!this.closed && this.slots.some((s) => s.posted.length > 0 || s.queue.length > 0)) await new Promise((r) => setTimeout(r, pollMs));
    await this.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.slots) {
      for (const j of [...s.posted.splice(0), ...s.queue.splice(0)]) j.reject(new Error('the episode pool is closed'));
      clearTimeout(s.timer);
    }
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  /** A stable slot for an instance id (FNV-1a). */
  private slotOf(instanceId: string): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < instanceId.length; i++) h = Math.imul(h ^ instanceId.charCodeAt(i), 0x01000193);
    return (h >>> 0) % this.slots.length;
  }

  /** Starts a thread in `slot` (at first, and to replace one that died or was stopped). */
  private spawn(slot: Slot): void {
    const worker = new Worker(path.join(__dirname, 'episode-thread.ts'), {
      workerData: { entry: this.options.entry, standby: this.options.standby === true },
      execArgv: ['--require', require.resolve('tsx/cjs')],
      resourceLimits: { maxOldGenerationSizeMb: this.options.heapMb },
      stdout: false,
      stderr: false,
    });
    slot.worker = worker;
    slot.isReady = false;
    slot.ready = new Promise<void>((resolve, reject) => {
      worker.once('message', () => {
        slot.isReady = true;
        resolve();
      });
      worker.once('error', reject);
    });
    slot.ready.catch(() => undefined);
    worker.on('message', (raw: string) => {
      // Requests and replies travel as JSON text: one string is cheaper to pass between threads
      // than the structured clone of many small history objects.
      const m = JSON.parse(raw) as EpisodeReply;
      if (slot.worker !== worker) return;
      if ('ready' in m) return this.dispatch(slot);
      const job = slot.posted[0];
      if (!job || job.request.id !== m.id) return;
      slot.posted.shift();
      this.budget(slot);
      if ('needHistory' in m) {
        // The thread has no (or a stale) copy of this instance's history: send it once.
        job.request = { ...job.request, input: { ...job.full, played: job.loadPlayed() } };
        this.post(slot, job);
        return;
      }
      if (m.ok) job.resolve(m.result as EpisodeResult);
      else job.reject(new Error(m.error));
      this.dispatch(slot);
    });
    worker.on('error', (e: Error & { code?: string }) => {
      if (slot.worker !== worker) return;
      this.stopped(
        slot,
        e.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new EpisodeLimitError(`the episode ran out of memory (the limit is ${this.options.heapMb} MB): the orchestrator holds too much (a huge list or input?)`)
          : new EpisodeLimitError(`the episode's thread failed: ${e.message}`),
      );
    });
  }

  /**
   * The thread is gone or being replaced while running posted[0]: that job fails with `error`;
   * the jobs behind it never started, and wait for the new thread (which asks for their history).
   */
  private stopped(slot: Slot, error: Error): void {
    clearTimeout(slot.timer);
    slot.timer = undefined;
    const [running, ...waiting] = slot.posted.splice(0);
    slot.queue.unshift(...waiting);
    running?.reject(error);
    void slot.worker.terminate();
    if (!this.closed) this.spawn(slot);
  }

  /** Times the job the thread runs now (posted[0]), from when it started: when the one before it was answered. */
  private budget(slot: Slot): void {
    clearTimeout(slot.timer);
    slot.timer = undefined;
    if (slot.posted.length === 0) return;
    slot.timer = setTimeout(() => {
      this.stopped(
        slot,
        new EpisodeLimitError(
          `the episode ran longer than its budget of ${this.options.budgetMs} ms and was stopped: the orchestrator did not yield (a CPU-bound expression, such as a catastrophic regular expression, or a huge loop?)`,
        ),
      );
    }, this.options.budgetMs);
  }

  private post(slot: Slot, job: Job): void {
    slot.posted.push(job);
    if (slot.posted.length === 1) this.budget(slot);
    slot.worker.postMessage(JSON.stringify(job.request));
  }

  private dispatch(slot: Slot): void {
    if (!slot.isReady || this.closed) return;
    while (slot.queue.length > 0 && slot.posted.length < PIPELINE) this.post(slot, slot.queue.shift()!);
  }
}
