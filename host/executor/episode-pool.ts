/**
 * Runs orchestration episodes in episode processes, each one episode at a time (with a few more
 * sent ahead, so it never waits for the host between them), under a time budget and a heap limit.
 * An episode over its budget, or out of memory, costs its process (the process is replaced) and
 * fails with an error that says so; the host's event loop never blocks on orchestrator code.
 *
 * Processes, not worker threads: V8 ends the whole process when one allocation cannot be met
 * (`FATAL ERROR: ... JavaScript heap out of memory`), and a worker thread's resourceLimits give it
 * only 16 MB of grace, so `Array.from({ length: 3e8 })` in a thread took the host down with it.
 * In a process of its own, that costs the episode's process only.
 *
 * Each instance's episodes go to the same process, which keeps that instance's history
 * (episode-thread.ts): a request carries only the new events, not the whole history.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { childModule } from '../child-module';
import type { EpisodeInput, EpisodeResult, PlayedHistory } from './episode-runner';
import type { EpisodeReply, EpisodeRequest } from './episode-thread';

export interface EpisodePoolOptions {
  /** The app's entry module. */
  entry: string;
  threads: number;
  /** An episode running longer than this fails its instance (ms). */
  budgetMs: number;
  /** Each process's old-generation heap limit (MB). */
  heapMb: number;
  /** The longest reply (JSON characters) an episode may send the host: output, status, new work. */
  maxReplyChars?: number;
  /** Processes start without the app and load it on activate() (`durable-flow dev`'s next app, started ahead). */
  standby?: boolean;
}

/** The default of `maxReplyChars`: 64 MiB of JSON, far above any real episode's reply. */
export const MAX_REPLY_CHARS = 64 * 1024 * 1024;

/** Why an episode could not run: its instance fails with this message. */
export class EpisodeLimitError extends Error {}

interface Job {
  request: EpisodeRequest;
  /** The request with everything, for when the process has no copy. */
  full: EpisodeInput;
  loadPlayed: () => PlayedHistory;
  resolve: (r: EpisodeResult) => void;
  reject: (e: Error) => void;
}

/** One slot: the episode process in it (replaced when it dies) and the jobs for its instances. */
interface Slot {
  worker: ChildProcess;
  /** The end of what the process wrote to stderr: says whether it died of an out-of-memory. */
  stderrTail: string;
  ready: Promise<void>;
  /** Loaded the app: only then does it take jobs, so loading never counts against a budget. */
  isReady: boolean;
  /**
   * Jobs sent to the process and not yet answered, in the order sent. It runs them one at
   * a time in that order, so the first is the one it is running.
   */
  posted: Job[];
  /** The budget of the job the process is running (posted[0]). */
  timer?: NodeJS.Timeout;
  /** Jobs not sent yet. */
  queue: Job[];
}

/**
 * Jobs a process holds at once: it starts the next as soon as it answers one, instead of waiting
 * for the host thread to read the answer and send the next (which, with many instances at once,
 * left it idle while the host thread was busy).
 */
const PIPELINE = 8;

export class EpisodePool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private options: EpisodePoolOptions) {
    for (let i = 0; i < options.threads; i++) {
      const slot: Slot = { worker: undefined as unknown as ChildProcess, stderrTail: '', ready: Promise.resolve(), isReady: false, posted: [], queue: [] };
      this.slots.push(slot);
      this.spawn(slot);
    }
  }

  /** A standby pool's processes load the app now; resolves when they have. */
  async activate(): Promise<void> {
    if (this.options.standby) {
      this.options = { ...this.options, standby: false };
      for (const s of this.slots) s.worker.send('load');
    }
    await this.ready();
  }

  /** Resolves once every process has loaded the app (one that cannot load it rejects). */
  async ready(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.ready));
  }

  /**
   * Runs an episode on the process that keeps its instance's history and input (the same process
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

  /** Closes the pool once the episodes given to it have been answered (a reloaded app's old processes). */
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
    await Promise.all(this.slots.map((s) => stop(s.worker)));
  }

  /** A stable slot for an instance id (FNV-1a). */
  private slotOf(instanceId: string): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < instanceId.length; i++) h = Math.imul(h ^ instanceId.charCodeAt(i), 0x01000193);
    return (h >>> 0) % this.slots.length;
  }

  /** Starts a process in `slot` (at first, and to replace one that died or was stopped). */
  private spawn(slot: Slot): void {
    const maxReplyChars = this.options.maxReplyChars ?? MAX_REPLY_CHARS;
    const child = childModule(__dirname, 'episode-thread', this.options.entry);
    const worker = fork(child.file, [this.options.entry, String(maxReplyChars), this.options.standby ? 'standby' : 'load'], {
      execArgv: [...child.execArgv, `--max-old-space-size=${this.options.heapMb}`],
      // Requests and replies travel as JSON text; 'advanced' passes a string as it is (no second escaping).
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    slot.worker = worker;
    slot.stderrTail = '';
    slot.isReady = false;
    worker.stderr!.on('data', (b: Buffer) => {
      process.stderr.write(b);
      if (slot.worker === worker) slot.stderrTail = (slot.stderrTail + b.toString('utf8')).slice(-4096);
    });
    slot.ready = new Promise<void>((resolve, reject) => {
      worker.once('message', () => {
        slot.isReady = true;
        resolve();
      });
      worker.once('exit', (code, signal) => reject(new Error(`the episode process exited (${signal ? `signal ${signal}` : `code ${code}`}) while loading the app:\n${slot.stderrTail}`)));
    });
    slot.ready.catch(() => undefined);
    worker.on('message', (raw: string) => {
      // Requests and replies travel as JSON text: one string is cheaper to pass than the
      // structured clone of many small history objects.
      if (slot.worker !== worker) return;
      const m = JSON.parse(raw) as EpisodeReply;
      if ('ready' in m) return this.dispatch(slot);
      const job = slot.posted[0];
      if (!job || job.request.id !== m.id) return;
      slot.posted.shift();
      this.budget(slot);
      if ('needHistory' in m) {
        // The process has no (or a stale) copy of this instance's history: send it once.
        job.request = { ...job.request, input: { ...job.full, played: job.loadPlayed() } };
        this.post(slot, job);
        this.dispatch(slot);
        return;
      }
      if (m.ok) job.resolve(m.result as EpisodeResult);
      else job.reject(m.limit ? new EpisodeLimitError(m.error) : new Error(m.error));
      this.dispatch(slot);
    });
    worker.on('error', () => undefined); // a failed send or kill is followed by 'exit'
    worker.on('exit', (code, signal) => {
      if (slot.worker !== worker || this.closed) return;
      // V8 prints this and aborts when an allocation cannot be met.
      const oom = /heap out of memory|Allocation failed/.test(slot.stderrTail);
      this.stopped(
        slot,
        oom
          ? new EpisodeLimitError(`the episode ran out of memory (the limit is ${this.options.heapMb} MB): the orchestrator holds too much (a huge list or input?)`)
          : new EpisodeLimitError(`the episode's process exited (${signal ? `signal ${signal}` : `code ${code}`})`),
      );
    });
  }

  /**
   * The process is gone or being replaced while running posted[0]: that job fails with `error`;
   * the jobs behind it never started, and wait for the new process (which asks for their history).
   */
  private stopped(slot: Slot, error: Error): void {
    clearTimeout(slot.timer);
    slot.timer = undefined;
    const [running, ...waiting] = slot.posted.splice(0);
    slot.queue.unshift(...waiting);
    running?.reject(error);
    void stop(slot.worker);
    if (!this.closed) this.spawn(slot);
  }

  /** Times the job the process runs now (posted[0]), from when it started: when the one before it was answered. */
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
    let text: string;
    try {
      text = JSON.stringify(job.request);
    } catch (e) {
      // A history too large for one string (V8's limit is about 512 million characters): the
      // instance cannot run here. Thrown from a message handler, this would end the host.
      job.reject(new EpisodeLimitError(`LimitExceeded: the instance's history cannot be sent to an episode process: ${e instanceof Error ? e.message : String(e)}`));
      return;
    }
    slot.posted.push(job);
    if (slot.posted.length === 1) this.budget(slot);
    if (slot.worker.connected) slot.worker.send(text);
  }

  private dispatch(slot: Slot): void {
    if (!slot.isReady || this.closed) return;
    while (slot.queue.length > 0 && slot.posted.length < PIPELINE) this.post(slot, slot.queue.shift()!);
  }
}

/** Kills an episode process (nothing of it needs to finish) and resolves once it is gone. */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
