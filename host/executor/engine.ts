/**
 * The execution engine: runs orchestration episodes (real replay through the app's handlers),
 * activities (up to maxConcurrentActivityFunctions at once) and durable timers, all state in the
 * store. Messages that land within a few milliseconds of each other share an episode, so a capped
 * fan-out stays full. Activities are at-least-once: a crash re-runs only those in flight.
 */
import { InvocationContext } from '@azure/functions';
import { randomUUID } from 'node:crypto';
import type { CoreApi, Registration } from '../functions/core-api';
import { runEpisode, type OrchestratorHandler } from '../orchestration/episode';
import { history, type HistoryEvent } from '../orchestration/history';
import { planEpisode } from '../orchestration/plan';
import { attemptsLeft, retryDelay } from '../orchestration/retry';
import { TERMINAL, type InstanceRow, type RetryState, type Store } from '../store/store';
import type { Logger } from '../log';
import type { WorkerPool } from '../workers/pool';

export interface EngineOptions {
  maxConcurrentActivityFunctions: number;
  maxConcurrentOrchestratorFunctions: number;
  /** How long to wait for more messages before running an episode. */
  batchMs: number;
  /** How long an activity's lease lasts before another worker may run it again. */
  leaseMs: number;
}

/** The field on a message that carries a retrying activity's state (the library ignores it). */
const RETRY = 'DurableFlowRetry';

interface RetryCarry {
  name: string;
  input: unknown;
  retry: RetryState;
}

/** A fresh execution id (DurableTask.Core: a GUID per execution, continueAsNew included). */
export const newExecutionId = (): string => randomUUID().replace(/-/g, '');

/**
 * Retries as the extension does them for durable-js: after every failed attempt a retry timer
 * (durable-js waits for it even after the last attempt; none once the retry timeout has passed:
 * host/orchestration/retry.ts), and when it fires, if attempts remain, the next attempt. Each
 * takes the next task id, in the order the episode delivers them, right after the message that
 * caused it, exactly where the library expects it.
 */
export function expandRetries(messages: readonly HistoryEvent[], firstId: number, now: Date) {
  let nextId = firstId;
  const events: HistoryEvent[] = [];
  const timers: Array<{ taskId: number; fireAt: string; retryOf: RetryCarry | null }> = [];
  const attempts: Array<{ taskId: number; name: string; input: unknown; retry: RetryState }> = [];
  for (const m of messages) {
    const { [RETRY]: carry, ...event } = m as HistoryEvent & { [RETRY]?: RetryCarry };
    events.push(event as HistoryEvent);
    if (!carry) continue;
    if (event.EventType === 6) {
      const r = carry.retry;
      const delay = retryDelay(r, r.attempt, new Date(r.firstAttemptAt ?? now), now);
      if (delay === undefined) continue;
      const fireAt = new Date(now.getTime() + delay).toISOString();
      const taskId = nextId++;
      events.push(history.timerCreated(now, taskId, fireAt));
      timers.push({ taskId, fireAt, retryOf: attemptsLeft(r, r.attempt) ? { ...carry, retry: { ...r, attempt: r.attempt + 1 } } : null });
    } else if (event.EventType === 11) {
      const taskId = nextId++;
      events.push(history.taskScheduled(now, taskId, carry.name, carry.input));
      attempts.push({ taskId, name: carry.name, input: carry.input, retry: carry.retry });
    }
  }
  return { events, timers, attempts, nextId };
}

export class ConflictError extends Error {}
export class NotFoundError extends Error {}
export class GoneError extends Error {}

export class Engine {
  private activeActivities = 0;
  private activeOrchestrations = new Set<string>();
  private orchestrationTimer?: NodeJS.Timeout;
  private timerTimer?: NodeJS.Timeout;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly store: Store,
    private readonly api: CoreApi,
    private readonly options: EngineOptions,
    private readonly log: Logger,
    /** When set, activities run in these worker processes instead of the host's own. */
    private readonly workers?: WorkerPool,
  ) {}

  start(): void {
    const released = this.store.releaseLeases();
    if (released > 0) this.log.info(`recovered ${released} in-flight activit${released === 1 ? 'y' : 'ies'} from an earlier run (they run again: at-least-once)`);
    this.kickOrchestrations(0);
    this.pumpActivities();
    this.scheduleTimers();
  }

  /** Stops taking work; waits briefly for activities in flight. */
  async stop(graceMs = 2000): Promise<void> {
    this.stopped = true;
    clearTimeout(this.orchestrationTimer);
    clearTimeout(this.timerTimer);
    const deadline = Date.now() + graceMs;
    while ((this.activeActivities > 0 || this.activeOrchestrations.size > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }

  // --- management ----------------------------------------------------------------------------

  startInstance(name: string, input: unknown, instanceId: string = randomUUID().replace(/-/g, ''), parent?: { id: string; taskId: number }): string {
    this.orchestrator(name);
    const now = new Date();
    this.store.tx(() => {
      const existing = this.store.instance(instanceId);
      if (existing && !TERMINAL.has(existing.status) && !parent) throw new ConflictError(`an instance with id '${instanceId}' is already ${existing.status}`);
      if (existing) this.store.dropWork(instanceId), this.store.clearHistory(instanceId);
      this.store.createInstance({ id: instanceId, name, input, parentId: parent?.id, parentTaskId: parent?.taskId, executionId: newExecutionId() }, now.toISOString());
      this.store.enqueue(instanceId, history.executionStarted(now, name, input));
    });
    this.log.state(name, instanceId, 'Pending');
    this.kickOrchestrations();
    return instanceId;
  }

  raiseEvent(instanceId: string, name: string, data: unknown): void {
    const inst = this.mustGet(instanceId);
    if (TERMINAL.has(inst.status)) throw new GoneError(`instance '${instanceId}' is ${inst.status}`);
    this.store.enqueue(instanceId, history.eventRaised(new Date(), name, data));
    this.kickOrchestrations();
  }

  terminate(instanceId: string, reason: string): void {
    const inst = this.mustGet(instanceId);
    if (TERMINAL.has(inst.status)) throw new GoneError(`instance '${instanceId}' is already ${inst.status}`);
    const at = new Date().toISOString();
    this.store.tx(() => {
      this.store.dropWork(instanceId);
      this.store.updateInstance(instanceId, { status: 'Terminated', output: reason }, at);
      this.store.forgetHistory(instanceId);
      this.notifyParent(inst, undefined, `terminated: ${reason}`);
    });
    this.log.state(inst.name, instanceId, 'Terminated');
  }

  suspend(instanceId: string): void {
    const inst = this.mustGet(instanceId);
    if (TERMINAL.has(inst.status)) throw new GoneError(`instance '${instanceId}' is ${inst.status}`);
    this.store.updateInstance(instanceId, { status: 'Suspended' }, new Date().toISOString());
    this.log.state(inst.name, instanceId, 'Suspended');
  }

  resume(instanceId: string): void {
    const inst = this.mustGet(instanceId);
    if (TERMINAL.has(inst.status)) throw new GoneError(`instance '${instanceId}' is ${inst.status}`);
    if (inst.status === 'Suspended') this.store.updateInstance(instanceId, { status: 'Running' }, new Date().toISOString());
    this.log.state(inst.name, instanceId, 'Running');
    this.kickOrchestrations();
  }

  private mustGet(id: string): InstanceRow {
    const inst = this.store.instance(id);
    if (!inst) throw new NotFoundError(`no instance with id '${id}'`);
    return inst;
  }

  /** Resolves when nothing is queued or running (for tests and graceful shutdown). */
  whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.checkIdle();
    });
  }

  private checkIdle(): void {
    if (this.activeActivities === 0 && this.activeOrchestrations.size === 0 && this.store.instancesWithMessages().length === 0 && this.store.activityCount() === 0) {
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  // --- orchestrations --------------------------------------------------------------------------

  private orchestrator(name: string): Registration {
    const r = this.api.registrations.get(name);
    if (!r || r.trigger.type !== 'orchestrationTrigger') throw new NotFoundError(`no orchestrator function named '${name}'`);
    return r;
  }

  kickOrchestrations(delay = this.options.batchMs): void {
    if (this.stopped || this.orchestrationTimer) return;
    this.orchestrationTimer = setTimeout(() => {
      this.orchestrationTimer = undefined;
      this.runOrchestrations();
    }, delay);
  }

  private runOrchestrations(): void {
    for (const id of this.store.instancesWithMessages()) {
      if (this.stopped || this.activeOrchestrations.size >= this.options.maxConcurrentOrchestratorFunctions) break;
      if (this.activeOrchestrations.has(id)) continue;
      const inst = this.store.instance(id);
      if (!inst) {
        this.store.tx(() => this.store.dropWork(id));
        continue;
      }
      if (inst.status === 'Suspended') continue;
      this.activeOrchestrations.add(id);
      this.episode(inst)
        .catch((e) => {
          // A host fault must not spin: fail the instance with the reason, visibly.
          const message = `the local host failed to run an episode: ${e instanceof Error ? e.message : String(e)}`;
          this.log.error(`${inst.name} (${id}): ${e instanceof Error ? e.stack : String(e)}`);
          this.store.tx(() => {
            this.store.dropWork(id);
            this.store.updateInstance(id, { status: 'Failed', error: message }, new Date().toISOString());
          });
        })
        .finally(() => {
          this.activeOrchestrations.delete(id);
          this.kickOrchestrations();
          this.checkIdle();
        });
    }
    this.checkIdle();
  }

  private async episode(inst: InstanceRow): Promise<void> {
    const messages = this.store.messages(inst.id);
    if (messages.length === 0) return;
    if (TERMINAL.has(inst.status)) {
      // A terminated (or finished) instance ignores what still arrives for it.
      this.store.deleteMessages(messages.map((m) => m.id));
      return;
    }
    const now = new Date();
    const past = this.store.playedHistory(inst.id);
    const retries = expandRetries(messages.map((m) => m.event), inst.nextId, now);
    const fresh: HistoryEvent[] = [history.orchestratorStarted(now), ...retries.events];
    const registration = this.orchestrator(inst.name);
    const started = Date.now();
    const invocationId = randomUUID();
    this.log.executing(inst.name, past.length === 0 ? 'New orchestration' : 'OrchestratorReplay', invocationId);
    this.log.verbose(`episode of ${inst.name} (${inst.id}): replaying ${past.length} events, delivering ${messages.length} new`);
    const state = await runEpisode(registration.handler as OrchestratorHandler, {
      name: inst.name,
      instanceId: inst.id,
      input: inst.input,
      playedJson: past,
      history: fresh,
      parentInstanceId: inst.parentId ?? undefined,
    });
    const plan = planEpisode(state, { nextId: retries.nextId, seenActions: inst.seenActions }, inst.id, now, inst.executionId);
    const failed = state.error !== undefined;
    const status = plan.continueAsNew ? 'ContinuedAsNew' : failed ? 'Failed' : state.isDone ? 'Completed' : 'Running';
    const at = new Date().toISOString();
    this.store.tx(() => {
      const current = this.store.instance(inst.id);
      // Terminated or purged while the episode ran: its outcome is void.
      if (!current || TERMINAL.has(current.status)) return;
      this.store.deleteMessages(messages.map((m) => m.id));
      if (plan.continueAsNew) {
        this.store.clearHistory(inst.id);
        this.store.dropWork(inst.id);
        this.store.updateInstance(
          inst.id,
          { status: 'Running', input: plan.continueAsNew.input, nextId: 0, seenActions: 0, customStatus: state.customStatus, executionId: newExecutionId() },
          at,
        );
        this.store.enqueue(inst.id, history.executionStarted(now, inst.name, plan.continueAsNew.input));
        return;
      }
      // The execution's end is recorded as the extension does (showHistory lists it).
      const end = status === 'Completed' || status === 'Failed' ? [history.executionCompleted(now, status, failed ? state.error : state.output)] : [];
      this.store.appendHistory(inst.id, [...fresh, ...plan.events, ...end, history.orchestratorCompleted(now)]);
      for (const t of retries.timers) this.store.addTimer({ instanceId: inst.id, ...t, isRetry: true });
      for (const a of retries.attempts) this.store.addActivity({ instanceId: inst.id, ...a });
      for (const w of plan.work) {
        if (w.kind === 'activity')
          this.store.addActivity({ instanceId: inst.id, taskId: w.taskId, name: w.name, input: w.input, retry: w.retry ? { ...w.retry, attempt: 1, firstAttemptAt: now.toISOString() } : null });
        else if (w.kind === 'timer' && !w.canceled) this.store.addTimer({ instanceId: inst.id, taskId: w.taskId, fireAt: w.fireAt, retryOf: null, isRetry: false });
        else if (w.kind === 'subOrchestration') {
          this.store.createInstance({ id: w.instanceId!, name: w.name, input: w.input, parentId: inst.id, parentTaskId: w.taskId, executionId: newExecutionId() }, at);
          this.store.enqueue(w.instanceId!, history.executionStarted(now, w.name, w.input));
        }
      }
      this.store.updateInstance(
        inst.id,
        {
          status: current.status === 'Suspended' ? 'Suspended' : status,
          output: state.isDone ? state.output ?? null : null,
          error: failed ? state.error! : null,
          customStatus: state.customStatus ?? null,
          nextId: plan.cursor.nextId,
          seenActions: plan.cursor.seenActions,
        },
        at,
      );
      if (status === 'Completed' || status === 'Failed') this.notifyParent(inst, state.output, failed ? `Orchestrator function '${inst.name}' failed: ${state.error}` : undefined, failed ? `Message: ${state.error}` : '');
    });
    if (status === 'Completed' || status === 'Failed') this.store.forgetHistory(inst.id);
    this.log.executed(inst.name, failed ? 'Failed' : 'Succeeded', invocationId, Date.now() - started);
    if (status !== inst.status) this.log.state(inst.name, inst.id, status, failed ? state.error : undefined);
    if (plan.unsupported.length) this.log.error(`${inst.name}: unsupported actions ${plan.unsupported.join(', ')} were ignored`);
    this.pumpActivities();
    this.scheduleTimers();
  }

  /** A child's outcome for its parent; a failure reads as the extension's shim words it (see the replay harness). */
  private notifyParent(inst: InstanceRow, output: unknown, error: string | undefined, details = ''): void {
    if (!inst.parentId || inst.parentTaskId === null) return;
    const now = new Date();
    this.store.enqueue(
      inst.parentId,
      error !== undefined
        ? history.subOrchestrationFailed(now, inst.parentTaskId, error, details)
        : history.subOrchestrationCompleted(now, inst.parentTaskId, output),
    );
    this.kickOrchestrations();
  }

  // --- activities ------------------------------------------------------------------------------

  pumpActivities(): void {
    while (!this.stopped && this.activeActivities < this.options.maxConcurrentActivityFunctions) {
      const item = this.store.claimActivity(Date.now(), this.options.leaseMs);
      if (!item) return;
      this.activeActivities++;
      this.runActivity(item)
        .catch((e) => this.log.error(`activity bookkeeping failed: ${e instanceof Error ? e.stack : String(e)}`))
        .finally(() => {
          this.activeActivities--;
          this.pumpActivities();
          this.checkIdle();
        });
    }
  }

  private async runActivity(item: { id: number; instanceId: string; taskId: number; name: string; input: unknown; retry: RetryState | null }): Promise<void> {
    const registration = this.api.registrations.get(item.name);
    const invocationId = randomUUID();
    const started = Date.now();
    this.log.executing(item.name, `Activity of ${item.instanceId}`, invocationId);
    let result: unknown;
    let error: Error | undefined;
    try {
      if (!registration || registration.trigger.type !== 'activityTrigger') throw new Error(`no activity function named '${item.name}'`);
      result = this.workers
        ? await this.workers.run(item.name, item.input, invocationId)
        : await registration.handler(item.input, new InvocationContext({ functionName: item.name, invocationId }));
    } catch (e) {
      error = e instanceof Error ? e : new Error(String(e));
    }
    this.log.executed(item.name, error ? 'Failed' : 'Succeeded', invocationId, Date.now() - started);
    const now = new Date();
    this.store.tx(() => {
      if (!this.store.finishActivity(item.id)) return; // terminated or purged meanwhile
      if (!error) {
        this.store.enqueue(item.instanceId, history.taskCompleted(now, item.taskId, result));
        return;
      }
      const failed = history.taskFailed(now, item.taskId, error.message, error.stack ?? '', { ErrorType: error.name, ErrorMessage: error.message, StackTrace: error.stack });
      // The retry state rides on the message; the episode that delivers it allocates the ids.
      this.store.enqueue(item.instanceId, item.retry ? { ...failed, [RETRY]: { name: item.name, input: item.input, retry: item.retry } } : failed);
    });
    // Waiting batchMs gathers completions into one episode; with no other activity running there
    // is nothing to gather (a sequence), so the episode starts at once.
    this.kickOrchestrations(this.activeActivities > 1 ? this.options.batchMs : 0);
  }

  // --- timers ----------------------------------------------------------------------------------

  scheduleTimers(): void {
    if (this.stopped) return;
    clearTimeout(this.timerTimer);
    const next = this.store.nextTimer();
    if (!next) return;
    const wait = Math.max(0, Math.min(new Date(next).getTime() - Date.now(), 2 ** 31 - 1));
    this.timerTimer = setTimeout(() => this.fireTimers(), wait);
  }

  private fireTimers(): void {
    const now = new Date();
    const due = this.store.dueTimers(now.toISOString());
    this.store.tx(() => {
      for (const t of due) {
        this.store.deleteTimer(t.id);
        const fired = history.timerFired(now, t.taskId, t.fireAt);
        this.store.enqueue(t.instanceId, t.retryOf ? { ...fired, [RETRY]: t.retryOf } : fired);
      }
    });
    if (due.length) this.kickOrchestrations();
    this.pumpActivities();
    this.scheduleTimers();
  }
}
