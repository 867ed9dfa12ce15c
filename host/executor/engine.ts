/**
 * The execution engine: runs orchestration episodes (the app's orchestrator through
 * durable-functions, then the Durable extension's replay of it: episode-runner.ts), activities
 * (up to maxConcurrentActivityFunctions at once) and durable timers, all state in the store.
 * Messages that arrive while an instance's episode runs, or in the same turn of the event loop,
 * share its next episode. Activities are at-least-once: a crash re-runs only those in flight.
 */
import { InvocationContext } from '@azure/functions';
import { randomUUID } from 'node:crypto';
import type { CoreApi, Registration } from '../functions/core-api';
import { versionVerdict, VERSION_MISMATCH, type KnownFunctions, type ReplayOutcome, type VersioningSettings } from '../orchestration/extension';
import { EventType, history, type HistoryEvent } from '../orchestration/history';
import { episodeRecord, planEpisode } from '../orchestration/plan';
import { TERMINAL, type ActivityRow, type InstanceRow, type Store } from '../store/store';
import type { Logger } from '../log';
import { WorkerCrashError, type WorkerPool } from '../workers/pool';
import { realClock, type Clock } from './clock';
import { EpisodeLimitError } from './episode-pool';
import { knownFunctions, runEpisodeInline, type EpisodeRunner } from './episode-runner';

export interface EngineOptions {
  maxConcurrentActivityFunctions: number;
  maxConcurrentOrchestratorFunctions: number;
  /** How long an activity's lease lasts before another worker may run it again (renewed while it runs). */
  leaseMs: number;
  clock?: Clock;
  /**
   * Sees every message before it is queued for its instance (activity and child results, timers
   * that fired); returning true keeps it, and the caller delivers it later with `deliver` (tests
   * use this to choose in what order and how many completions each episode gets).
   */
  intercept?: (instanceId: string, event: HistoryEvent) => boolean;
  /** Runs one episode (default: in this thread). */
  runEpisode?: EpisodeRunner;
  /**
   * Sees every activity the engine starts; returning a promise runs that instead of the app's
   * registration (tests and the test kit replace activities), undefined runs the registration.
   */
  runActivity?: (activity: ActivityRow, invocationId: string) => Promise<unknown> | undefined;
  /** host.json's orchestration versioning (orchestration/extension/versioning.ts); none: no version checks. */
  versioning?: VersioningSettings;
}

/** Worker crashes an activity may cause before it fails instead of running again. */
export const POISON_CRASHES = 3;

/**
 * A fresh execution id (DurableTask.Core: a GUID per execution, continueAsNew included), written
 * with dashes as the extension writes it: a sub-orchestration started without an id is named
 * `<execution id>:<task id>`, so this shows in ids (`f32ba872-9038-409a-a6f1-274481e9515a:3`).
 */
export const newExecutionId = (): string => randomUUID();

/** How an activity's error reaches the orchestrator (TaskActivityShim.cs: Reason and serialized cause). */
export function activityFailure(name: string, error: Error): { reason: string; details: string } {
  return {
    reason: `Activity function '${name}' failed: ${error.message}`,
    details: JSON.stringify({ ClassName: 'System.Exception', Message: error.message, InnerException: { ClassName: 'Microsoft.Azure.WebJobs.Script.Workers.Rpc.RpcException', Message: `Result: Failure\nException: ${error.message}\nStack: ${error.stack ?? ''}` } }),
  };
}

export class ConflictError extends Error {}
export class NotFoundError extends Error {}
export class GoneError extends Error {}

export class Engine {
  private activeActivities = 0;
  private readonly activeOrchestrations = new Set<string>();
  /** Instances whose version this host's versioning settings reject: their work waits for another host. */
  private readonly rejected = new Set<string>();
  private kickPending = false;
  private cancelTimer?: () => void;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];
  /** Writes waiting for the next group commit (commit()). */
  private writes: Array<{ fn: () => unknown; done: (error: unknown, value?: unknown) => void }> = [];
  private flushPending = false;
  /** The group commit being written, while it is; `failed` once its COMMIT has failed. */
  private flushing?: { failed: boolean };
  /** An episode's outcome added activities: claim them in the commit that records them. */
  private pumpWanted = false;
  /** Callers waiting for an instance to finish (the host's long-polling status requests). */
  private readonly finishWaiters = new Map<string, Set<() => void>>();
  private readonly clock: Clock;
  private known: KnownFunctions;
  private readonly runner: EpisodeRunner;

  constructor(
    private readonly store: Store,
    private readonly api: CoreApi,
    private options: EngineOptions,
    private readonly log: Logger,
    /** When set, activities run in these worker processes instead of the host's own. */
    private workers?: WorkerPool,
  ) {
    this.clock = options.clock ?? realClock;
    this.known = knownFunctions(api);
    this.runner = options.runEpisode ?? ((input, loadPlayed) => runEpisodeInline(api, this.known, { ...input, played: input.played ?? loadPlayed() }));
  }

  /**
   * The app was reloaded (`durable-flow dev`): its registrations changed in place in the same
   * CoreApi, new workers and episode threads run the new code, host.json's versioning may have
   * changed. Work already running finishes on the old ones; instances a version check held back
   * are looked at again under the new settings.
   */
  appReloaded(parts: { workers?: WorkerPool; versioning?: EngineOptions['versioning'] }): void {
    this.known = knownFunctions(this.api);
    this.workers = parts.workers;
    this.options = { ...this.options, versioning: parts.versioning };
    this.rejected.clear();
    this.kick();
    this.pumpActivities();
  }

  start(): void {
    const released = this.store.releaseLeases();
    if (released > 0) this.log.info(`recovered ${released} in-flight activit${released === 1 ? 'y' : 'ies'} from an earlier run (they run again: at-least-once)`);
    this.kick();
    this.pumpActivities();
    this.scheduleTimers();
  }

  /** Stops taking work; waits briefly for activities in flight. */
  async stop(graceMs = 2000): Promise<void> {
    this.stopped = true;
    this.cancelTimer?.();
    const deadline = Date.now() + graceMs;
    while ((this.activeActivities > 0 || this.activeOrchestrations.size > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }

  now(): Date {
    return this.clock.now();
  }

  // --- management ----------------------------------------------------------------------------

  /** Starts an instance; `version` is the orchestration version the start passed, else host.json's defaultVersion. */
  startInstance(name: string, input: unknown, instanceId: string = randomUUID().replace(/-/g, ''), parent?: { id: string; taskId: number }, version?: string): string {
    this.orchestrator(name);
    const now = this.clock.now();
    const v = version || this.options.versioning?.defaultVersion || undefined;
    this.store.tx(() => {
      const existing = this.store.instance(instanceId);
      if (existing && !TERMINAL.has(existing.status) && !parent) throw new ConflictError(`an instance with id '${instanceId}' is already ${existing.status}`);
      if (existing) this.store.dropWork(instanceId), this.store.clearHistory(instanceId);
      this.store.createInstance({ id: instanceId, name, input, parentId: parent?.id, parentTaskId: parent?.taskId, executionId: newExecutionId(), version: v }, now.toISOString());
      this.store.enqueue(instanceId, history.executionStarted(now, name, input, v));
    });
    this.rejected.delete(instanceId);
    this.log.state(name, instanceId, 'Pending');
    this.kick();
    return instanceId;
  }

  raiseEvent(instanceId: string, name: string, data: unknown): void {
    const inst = this.mustGet(instanceId);
    if (TERMINAL.has(inst.status)) throw new GoneError(`instance '${instanceId}' is ${inst.status}`);
    this.store.enqueue(instanceId, history.eventRaised(this.clock.now(), name, data));
    this.kick();
  }

  /**
   * Terminates at once: the extension delivers terminate as an ExecutionTerminated message that
   * ends the orchestration in its next episode; the host records the same events in one step.
   * Sub-orchestrations are not terminated (the extension does not propagate terminate).
   */
  terminate(instanceId: string, reason: string): void {
    const inst = this.mustGet(instanceId);
    if (TERMINAL.has(inst.status)) throw new GoneError(`instance '${instanceId}' is already ${inst.status}`);
    const now = this.clock.now();
    this.store.tx(() => {
      this.store.dropWork(instanceId);
      this.store.appendHistory(instanceId, [history.orchestratorStarted(now), history.executionTerminated(now, reason), history.executionCompleted(now, 'Terminated', reason), history.orchestratorCompleted(now)]);
      this.store.updateInstance(instanceId, { status: 'Terminated', output: reason }, now.toISOString());
      // A terminated child fails its parent's task with the reason (TaskOrchestrationDispatcher:
      // SubOrchestrationInstanceFailedEvent with the terminate reason as Result).
      this.notifyParent(inst, { status: 'Failed', reason, details: '' });
    });
    this.store.forgetHistory(instanceId);
    this.finished(instanceId);
    this.log.state(inst.name, instanceId, 'Terminated');
  }

  suspend(instanceId: string): void {
    const inst = this.mustGet(instanceId);
    if (TERMINAL.has(inst.status)) throw new GoneError(`instance '${instanceId}' is ${inst.status}`);
    this.store.updateInstance(instanceId, { status: 'Suspended' }, this.clock.now().toISOString());
    this.log.state(inst.name, instanceId, 'Suspended');
  }

  resume(instanceId: string): void {
    const inst = this.mustGet(instanceId);
    if (TERMINAL.has(inst.status)) throw new GoneError(`instance '${instanceId}' is ${inst.status}`);
    if (inst.status === 'Suspended') this.store.updateInstance(instanceId, { status: 'Running' }, this.clock.now().toISOString());
    this.log.state(inst.name, instanceId, 'Running');
    this.kick();
  }

  /** Queues a message for an instance (what `intercept` kept, delivered now). */
  deliver(instanceId: string, event: HistoryEvent): void {
    this.store.enqueue(instanceId, event);
    this.kick();
  }

  private mustGet(id: string): InstanceRow {
    const inst = this.store.instance(id);
    if (!inst) throw new NotFoundError(`no instance with id '${id}'`);
    return inst;
  }

  /**
   * Resolves once the instance has finished (Completed, Failed or Terminated) or `ms` has passed,
   * whichever is first; at once if it has finished or does not exist. No polling: the engine calls
   * back after it commits an instance's end.
   */
  whenFinished(instanceId: string, ms: number): Promise<void> {
    const inst = this.store.instance(instanceId);
    if (!inst || TERMINAL.has(inst.status) || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const set = this.finishWaiters.get(instanceId) ?? new Set();
      this.finishWaiters.set(instanceId, set);
      const done = (): void => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && this.finishWaiters.get(instanceId) === set) this.finishWaiters.delete(instanceId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }

  private finished(instanceId: string): void {
    for (const done of [...(this.finishWaiters.get(instanceId) ?? [])]) done();
  }

  /** Resolves when nothing is queued or running (timers may be pending: a waiting instance is idle). */
  whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.checkIdle();
    });
  }

  private checkIdle(): void {
    // Not while a group commit is being written: its flush checks again once it is.
    if (this.idleWaiters.length === 0 || this.kickPending || this.flushing || this.writes.length > 0) return;
    const waiting = this.store.instancesWithMessages().filter((id) => !this.rejected.has(id));
    if (this.activeActivities === 0 && this.activeOrchestrations.size === 0 && waiting.length === 0 && this.store.activityCount() === 0) {
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  // --- orchestrations --------------------------------------------------------------------------

  private orchestrator(name: string): Registration {
    const r = this.api.registrations.get(name);
    if (!r || r.trigger.type !== 'orchestrationTrigger') throw new NotFoundError(`no orchestrator function named '${name}'`);
    return r;
  }

  /**
   * Runs episodes on the next turn of the event loop: every message queued in this turn (a batch
   * of completions, a start and its first event) shares one episode, and no time is spent waiting.
   */
  kick(): void {
    if (this.stopped || this.kickPending) return;
    this.kickPending = true;
    setImmediate(() => {
      // The group commit that made the work ready may have run it already (dispatchReady).
      if (!this.kickPending) return;
      this.kickPending = false;
      if (!this.stopped) this.runOrchestrations();
    });
  }

  private runOrchestrations(): void {
    this.flush();
    for (const id of this.store.instancesWithMessages()) {
      if (this.stopped || this.activeOrchestrations.size >= this.options.maxConcurrentOrchestratorFunctions) break;
      if (this.activeOrchestrations.has(id)) continue;
      const inst = this.store.instance(id);
      if (!inst) {
        this.store.tx(() => this.store.dropWork(id));
        continue;
      }
      if (inst.status === 'Suspended') continue;
      if (!TERMINAL.has(inst.status) && !this.versionAccepted(inst)) continue;
      this.activeOrchestrations.add(id);
      this.episode(inst)
        .catch((e) => {
          // An episode that could not run (over its time budget, out of memory, or a host fault)
          // fails its instance, visibly and for good: it must not spin, nor take the host down
          // again at the next start.
          const message = e instanceof EpisodeLimitError ? e.message : `the local host failed to run an episode: ${e instanceof Error ? e.message : String(e)}`;
          if (!(e instanceof EpisodeLimitError)) this.log.error(`${inst.name} (${id}): ${e instanceof Error ? e.stack : String(e)}`);
          this.failInstance(inst, `Orchestrator function '${inst.name}' failed: ${message}`);
        })
        .finally(() => {
          this.activeOrchestrations.delete(id);
          this.kick();
          this.checkIdle();
        });
    }
    this.checkIdle();
  }

  /**
   * The dispatcher's version check (orchestration/extension/versioning.ts) before an instance's
   * work runs: false when its version is rejected (the work stays queued, for a host whose
   * versioning accepts it) or fails it.
   */
  private versionAccepted(inst: InstanceRow): boolean {
    const verdict = versionVerdict(inst.version, this.options.versioning);
    if (verdict === 'run') return true;
    if (verdict === 'fail') {
      this.failInstance(inst, VERSION_MISMATCH);
      return false;
    }
    if (!this.rejected.has(inst.id)) {
      this.rejected.add(inst.id);
      const worker = this.options.versioning?.defaultVersion;
      this.log.info(
        `${inst.name} (${inst.id}): version '${inst.version ?? ''}' does not match this host's versioning (defaultVersion '${worker ?? ''}', ${this.options.versioning?.matchStrategy}): its work waits for a host that accepts it (versionFailureStrategy Reject)`,
      );
    }
    return false;
  }

  private async episode(inst: InstanceRow): Promise<void> {
    const messages = this.store.messages(inst.id);
    if (messages.length === 0) return;
    if (TERMINAL.has(inst.status)) {
      // A finished instance ignores what still arrives for it (a cancelled timer firing, a late result).
      this.store.deleteMessages(messages.map((m) => m.id));
      return;
    }
    const now = this.clock.now();
    // Started from a group commit still being written: its outcome counts only if that commit does.
    const startedIn = this.flushing;
    const playedLength = this.store.historyLength(inst.id);
    const fresh: HistoryEvent[] = [history.orchestratorStarted(now), ...messages.map((m) => m.event)];
    const started = Date.now();
    const invocationId = randomUUID();
    this.log.executing(inst.name, playedLength === 0 ? 'New orchestration' : 'OrchestratorReplay', invocationId);
    this.log.verbose(`episode of ${inst.name} (${inst.id}): replaying ${playedLength} events, delivering ${messages.length} new`);
    const { js, replay } = await this.runner(
      { name: inst.name, instanceId: inst.id, executionId: inst.executionId, input: inst.input, parentInstanceId: inst.parentId ?? undefined, playedLength, fresh },
      () => this.store.playedHistory(inst.id),
    );
    const outcome = replay.outcome;
    const plan = planEpisode(replay.newActions, now, this.options.versioning?.defaultVersion);
    const status = outcome.status;
    const ended = status === 'Completed' || status === 'Failed';
    const at = this.clock.now().toISOString();
    await this.commit(() => {
      const current = this.store.instance(inst.id);
      // Terminated or purged while the episode ran, or its messages' commit failed: its outcome is void.
      if (!current || TERMINAL.has(current.status) || startedIn?.failed) return;
      this.store.deleteMessages(messages.map((m) => m.id));
      if (outcome.status === 'ContinuedAsNew') {
        // Events raised while the episode ran are for the instance, not the execution: the
        // extension delivers them to the next one, after the events it carries over
        // (TaskOrchestrationDispatcher). The old execution's activities and timers are dropped.
        const later = this.store.messages(inst.id).filter((m) => m.event.EventType === EventType.EventRaised);
        this.store.clearHistory(inst.id);
        this.store.dropWork(inst.id);
        this.store.updateInstance(inst.id, { status: 'Running', input: outcome.input, customStatus: js.customStatus ?? null, executionId: newExecutionId() }, at);
        // The next execution keeps the version (DurableTask.Core: NewVersion ?? runtimeState.Version).
        this.store.enqueue(inst.id, history.executionStarted(now, inst.name, outcome.input, inst.version ?? undefined));
        for (const e of outcome.carryover) this.store.enqueue(inst.id, { ...e, IsPlayed: false });
        for (const m of later) this.store.enqueue(inst.id, m.event);
        return;
      }
      // The execution's end is recorded as the extension does (showHistory lists it).
      this.store.appendHistory(inst.id, episodeRecord(fresh, plan, outcome, now));
      if (ended) this.store.dropWork(inst.id);
      else {
        for (const w of plan.work) {
          if (w.kind === 'activity') {
            this.store.addActivity({ instanceId: inst.id, taskId: w.taskId, name: w.name, input: w.input });
            this.pumpWanted = true;
          } else if (w.kind === 'timer') {
            // A timer already due (the fan-out window's "back next episode" timer) fires in this
            // same commit, not after a round trip through the timer table and a setTimeout.
            const fireAt = new Date(w.fireAt);
            const firedAt = this.clock.now();
            if (fireAt.getTime() <= firedAt.getTime()) this.message(inst.id, history.timerFired(firedAt, w.taskId, w.fireAt));
            else this.store.addTimer({ instanceId: inst.id, taskId: w.taskId, fireAt: w.fireAt });
          } else {
            this.store.createInstance({ id: w.instanceId, name: w.name, input: w.input, parentId: inst.id, parentTaskId: w.taskId, executionId: newExecutionId(), version: w.version }, at);
            this.store.enqueue(w.instanceId, history.executionStarted(now, w.name, w.input, w.version));
          }
        }
      }
      this.store.updateInstance(
        inst.id,
        {
          status: current.status === 'Suspended' ? 'Suspended' : status,
          output: outcome.status === 'Completed' ? outcome.output ?? null : null,
          error: outcome.status === 'Failed' ? outcome.reason : null,
          // A custom status the extension refused (over 16 KB) is not kept.
          customStatus: outcome.status === 'Failed' && /^Orchestrator function '[^']*' failed: The UTF-16 size/.test(outcome.reason) ? current.customStatus : js.customStatus ?? null,
        },
        at,
      );
      if (ended) this.notifyParent(inst, outcome);
    });
    if (ended) {
      this.store.forgetHistory(inst.id);
      this.finished(inst.id);
    }
    this.log.executed(inst.name, status === 'Failed' ? 'Failed' : 'Succeeded', invocationId, Date.now() - started);
    if (status !== inst.status) this.log.state(inst.name, inst.id, status, outcome.status === 'Failed' ? outcome.reason : undefined);
    this.scheduleTimers();
  }

  /**
   * Group commit: the engine's own writes (an episode's outcome, an activity's result, timers that
   * fired) wait for the end of the current turn of the event loop and commit together, each in its
   * own savepoint (a write that throws undoes only itself). One commit (one fsync with --sync full)
   * then carries everything that finished in that turn. Answers to API calls (start, raise event,
   * terminate) do not wait for this: they commit before they reply.
   */
  private commit<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.writes.push({ fn, done: (error, value) => (error === undefined ? resolve(value as T) : reject(error)) });
      if (!this.flushPending) {
        this.flushPending = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    // Never inside another flush (dispatchReady runs episodes): its writes wait for their own.
    if (this.flushing) return;
    this.flushPending = false;
    const batch = this.writes;
    this.writes = [];
    if (batch.length === 0) return;
    const results: Array<{ error: unknown; value?: unknown }> = [];
    const flushing: { failed: boolean } = { failed: false };
    this.flushing = flushing;
    try {
      this.store.tx(() => {
        for (const w of batch) {
          try {
            results.push({ error: undefined, value: this.store.tx(w.fn) });
          } catch (e) {
            results.push({ error: e ?? new Error('write failed') });
          }
        }
        this.dispatchReady();
      });
    } catch (e) {
      // The commit itself failed (the disk): nothing of the batch is written.
      flushing.failed = true;
      for (const w of batch) w.done(e ?? new Error('commit failed'));
      return;
    } finally {
      this.flushing = undefined;
    }
    batch.forEach((w, i) => w.done(results[i].error, results[i].value));
    // Whoever waits for the engine to be idle may have waited only for these writes.
    queueMicrotask(() => this.checkIdle());
  }

  /**
   * Starts the work this commit's writes made ready before the commit is written: the next
   * activity's worker and the next episode's thread run while SQLite writes (and, with --sync
   * full, flushes) the commit, instead of after it and a turn of the event loop. Nothing they do is
   * recorded before this commit: their results commit after it, and an episode started from a
   * commit that then fails has its outcome dropped (episode(): `flushing.failed`). An activity
   * started from such a commit may run again (at-least-once, as after a crash).
   */
  private dispatchReady(): void {
    try {
      if (this.pumpWanted) {
        this.pumpWanted = false;
        this.pumpActivities();
      }
      if (this.kickPending) {
        this.kickPending = false;
        this.runOrchestrations();
      }
    } catch (e) {
      // Never fail the commit for this: the work is still queued, and the next turn takes it.
      this.log.error(`starting work early failed: ${e instanceof Error ? e.stack : String(e)}`);
      this.kick();
    }
  }

  /** Fails an instance outside an episode: its messages are dropped, the failure recorded, its parent told. */
  private failInstance(inst: InstanceRow, reason: string): void {
    const now = this.clock.now();
    this.store.tx(() => {
      const current = this.store.instance(inst.id);
      if (!current || TERMINAL.has(current.status)) return;
      this.store.dropWork(inst.id);
      this.store.appendHistory(inst.id, [history.orchestratorStarted(now), history.executionCompleted(now, 'Failed', reason), history.orchestratorCompleted(now)]);
      this.store.updateInstance(inst.id, { status: 'Failed', error: reason }, now.toISOString());
      this.notifyParent(inst, { status: 'Failed', reason, details: '' });
    });
    this.store.forgetHistory(inst.id);
    this.finished(inst.id);
    this.log.state(inst.name, inst.id, 'Failed', reason);
  }

  /** A child's outcome for its parent, worded as the extension's shim words it. */
  private notifyParent(inst: InstanceRow, outcome: ReplayOutcome): void {
    if (!inst.parentId || inst.parentTaskId === null) return;
    const now = this.clock.now();
    const event =
      outcome.status === 'Failed'
        ? history.subOrchestrationFailed(now, inst.parentTaskId, outcome.reason, outcome.details)
        : history.subOrchestrationCompleted(now, inst.parentTaskId, outcome.status === 'Completed' ? outcome.output : null);
    this.message(inst.parentId, event);
  }

  /** Queues a result for an instance, unless `intercept` keeps it for later delivery. */
  private message(instanceId: string, event: HistoryEvent): void {
    if (this.options.intercept?.(instanceId, event)) return;
    this.store.enqueue(instanceId, event);
    this.kick();
  }

  // --- activities ------------------------------------------------------------------------------

  pumpActivities(): void {
    const free = this.options.maxConcurrentActivityFunctions - this.activeActivities;
    if (this.stopped || free <= 0) return;
    // One transaction claims everything there is room for.
    for (const item of this.store.claimActivities(this.clock.now().getTime(), this.options.leaseMs, free)) {
      this.activeActivities++;
      this.runActivity(item)
        .catch((e) => this.log.error(`activity bookkeeping failed: ${e instanceof Error ? e.stack : String(e)}`))
        .finally(() => {
          this.activeActivities--;
          this.schedulePump();
          this.checkIdle();
        });
    }
  }

  private pumpQueued = false;

  /** Claims more work once every activity that finished in this batch has freed its slot. */
  private schedulePump(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    queueMicrotask(() => {
      this.pumpQueued = false;
      this.pumpActivities();
    });
  }

  private async runActivity(item: ActivityRow): Promise<void> {
    const registration = this.api.registrations.get(item.name);
    const invocationId = randomUUID();
    const started = Date.now();
    this.log.executing(item.name, `Activity of ${item.instanceId}`, invocationId);
    // Keep the lease while it runs, so a long activity is never taken (and run) a second time.
    const renew = setInterval(() => !this.stopped && this.store.renewLease(item.id, this.clock.now().getTime() + this.options.leaseMs), Math.min(2 ** 31 - 1, Math.max(1000, this.options.leaseMs / 3)));
    let result: unknown;
    let error: Error | undefined;
    try {
      const replaced = this.options.runActivity?.(item, invocationId);
      if (replaced) result = await replaced;
      else if (!registration || registration.trigger.type !== 'activityTrigger') throw new Error(`no activity function named '${item.name}'`);
      else
        result = this.workers
          ? await this.workers.run(item.name, item.input, invocationId)
          : await registration.handler(item.input, new InvocationContext({ functionName: item.name, invocationId }));
    } catch (e) {
      error = e instanceof Error ? e : new Error(String(e));
    } finally {
      clearInterval(renew);
    }
    this.log.executed(item.name, error ? 'Failed' : 'Succeeded', invocationId, Date.now() - started);
    if (error instanceof WorkerCrashError && !this.stopped) {
      // Its worker died: run it again (at-least-once), unless it has brought down workers too often.
      const crashes = this.store.requeueActivity(item.id, error.counts);
      if (crashes !== undefined && crashes < POISON_CRASHES) {
        this.log.error(`${item.name} (${item.instanceId}): ${error.message}; it will run again (crashes counted: ${crashes} of ${POISON_CRASHES})`);
        return;
      }
      if (crashes === undefined) return;
      error = Object.assign(new Error(`ActivityCrashed: activity '${item.name}' brought down its worker process ${crashes} times (last: ${error.message}); it is not run again`), { name: 'ActivityCrashed' });
    }
    const now = this.clock.now();
    const failure = error && activityFailure(item.name, error);
    const event = failure ? history.taskFailed(now, item.taskId, failure.reason, failure.details) : history.taskCompleted(now, item.taskId, result);
    // Stopped meanwhile: the result cannot be recorded; the activity runs again at the next start.
    if (this.stopped) return;
    await this.commit(() => {
      if (!this.store.finishActivity(item.id)) return; // terminated or purged meanwhile
      this.message(item.instanceId, event);
    });
  }

  // --- timers ----------------------------------------------------------------------------------

  scheduleTimers(): void {
    if (this.stopped) return;
    this.cancelTimer?.();
    const next = this.store.nextTimer();
    this.cancelTimer = next ? this.clock.at(new Date(next).getTime(), () => this.fireTimers()) : undefined;
  }

  private fireTimers(): void {
    if (this.stopped) return;
    const now = this.clock.now();
    const due = this.store.dueTimers(now.toISOString());
    const fired = this.commit(() => {
      for (const t of due) {
        this.store.deleteTimer(t.id);
        this.message(t.instanceId, history.timerFired(now, t.taskId, t.fireAt));
      }
    });
    fired.catch((e) => this.log.error(`firing timers failed: ${e instanceof Error ? e.message : String(e)}`)).finally(() => this.scheduleTimers());
    this.pumpActivities();
  }
}
