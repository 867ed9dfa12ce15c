/**
 * The replay harness: plays the Durable extension's part in-process for one app, with no
 * database and no real timers. It builds histories, runs the real orchestrator handlers through
 * durable-functions, schedules the new actions with the extension's task-id rules (compound
 * trap included: host/orchestration/actions.ts), and lets a test decide when and in what order
 * activities complete. It records every episode so tests can check caps and determinism.
 */
import { randomUUID } from 'node:crypto';
import { InvocationContext } from '@azure/functions';
import type { Action, WorkItem } from '../../host/orchestration/actions';
import { runEpisode, type OrchestratorHandler, type OrchestratorState } from '../../host/orchestration/episode';
import { history, type HistoryEvent } from '../../host/orchestration/history';
import { planEpisode } from '../../host/orchestration/plan';
import { attemptsLeft, retryDelay } from '../../host/orchestration/retry';
import { loadApp, type CoreApi } from '../../host/functions/core-api';
import { prng } from '../helpers/prng';

export type ActivityFn = (input: any) => unknown;

export interface Episode {
  /** The history handed to the orchestrator (for re-running it). */
  history: HistoryEvent[];
  /** The execution's input. */
  input: unknown;
  /** The cumulative actions it returned. */
  actions: Action[];
  /** Activities scheduled and not yet finished when the episode ended. */
  activitiesInFlight: number;
  /** Completions (task completed or failed) delivered to this episode. */
  completions: number;
  /** Activities newly scheduled by this episode. */
  scheduled: Array<{ taskId: number; name: string; input: unknown }>;
}

export interface RunOptions {
  /** Activity implementations by name; default: the app's own registered activities. */
  activities?: Record<string, ActivityFn>;
  /** Which in-flight activity completes next: oldest, newest, or seeded random (`'random(7)'` or `{ seed: 7 }`). */
  order?: 'fifo' | 'lifo' | `random(${number})` | { seed: number };
  /** How many completions are delivered per episode (default 1: the strictest case). */
  perEpisode?: number;
  /** Safety stop. */
  maxEpisodes?: number;
  /** When false, stop (instead of firing a timer) once only timers or events can move the instance. */
  fireTimers?: boolean;
}

type Inflight = Extract<WorkItem, { kind: 'activity' }> & { attempt: number; firstAttemptAt: Date };
type PendingTimer = Extract<WorkItem, { kind: 'timer' }> & { retryOf?: Inflight };

function picker(order: RunOptions['order']): (n: number) => number {
  if (order === undefined || order === 'fifo') return () => 0;
  if (order === 'lifo') return (n) => n - 1;
  const seed = typeof order === 'object' ? order.seed : Number(/^random\((\d+)\)$/.exec(order)?.[1] ?? NaN);
  if (!Number.isInteger(seed)) throw new Error(`unknown completion order '${String(order)}'`);
  const r = prng(seed);
  return (n) => Math.floor(r() * n);
}

export class ReplayInstance {
  history: HistoryEvent[] = [];
  /** Executions so far (continueAsNew starts a new one with an empty history). */
  executions = 1;
  readonly episodes: Episode[] = [];
  /** Activity executions in the order they were started, with their inputs. */
  readonly executed: Array<{ name: string; input: unknown; taskId: number }> = [];
  readonly activities = new Map<number, Inflight>();
  readonly timers = new Map<number, PendingTimer>();
  state?: OrchestratorState;
  private pending: HistoryEvent[] = [];
  private nextId = 0;
  private seenActions = 0;
  /** The current execution's id (a fresh GUID per execution, as DurableTask.Core does). */
  executionId = randomUUID().replace(/-/g, '');
  clock: Date;

  constructor(
    private readonly app: Harness,
    readonly name: string,
    public input: unknown,
    readonly instanceId: string,
    start: Date,
  ) {
    this.clock = start;
    this.pending.push(history.executionStarted(start, name, input));
  }

  get done(): boolean {
    return this.state?.isDone === true || this.failed;
  }

  get failed(): boolean {
    return this.state?.error !== undefined;
  }

  /** Runs one episode with every queued message. */
  async deliver(): Promise<OrchestratorState> {
    for (const e of this.history) e.IsPlayed = true;
    const completions = this.pending.filter((e) => e.EventType === 5 || e.EventType === 6).length;
    this.history.push(history.orchestratorStarted(this.clock), ...this.pending);
    this.pending = [];
    const snapshot = this.history.map((e) => ({ ...e }));
    const state = await runEpisode(this.app.orchestrator(this.name), { name: this.name, instanceId: this.instanceId, input: this.input, history: snapshot });
    const plan = planEpisode(state, { nextId: this.nextId, seenActions: this.seenActions }, this.instanceId, this.clock, this.executionId);
    if (plan.unsupported.length) throw new Error(`the harness does not support action types ${plan.unsupported.join(', ')}`);
    this.nextId = plan.cursor.nextId;
    this.seenActions = plan.cursor.seenActions;
    this.history.push(...plan.events);
    const scheduled: Episode['scheduled'] = [];
    for (const item of plan.work) {
      if (item.kind === 'activity') {
        this.activities.set(item.taskId, { ...item, attempt: 1, firstAttemptAt: this.clock });
        scheduled.push({ taskId: item.taskId, name: item.name, input: item.input });
      } else if (item.kind === 'timer') {
        if (!item.canceled) this.timers.set(item.taskId, item);
      } else {
        this.app.children.push({ parent: this, taskId: item.taskId, name: item.name, instanceId: item.instanceId!, input: item.input });
      }
    }
    this.history.push(history.orchestratorCompleted(this.clock));
    this.state = state;
    this.episodes.push({ history: snapshot, input: this.input, completions, actions: state.actions, activitiesInFlight: this.activities.size, scheduled });
    const again = plan.continueAsNew;
    if (again) {
      // A new execution of the same instance: fresh history, ids and actions.
      this.executions++;
      this.executionId = randomUUID().replace(/-/g, '');
      this.input = again.input;
      this.history = [];
      this.seenActions = 0;
      this.nextId = 0;
      this.timers.clear();
      this.activities.clear();
      this.pending = [history.executionStarted(this.clock, this.name, again.input)];
      this.state = undefined;
    }
    return state;
  }

  /** Queues an activity's result for the next episode. */
  complete(taskId: number, result: unknown): void {
    if (!this.activities.delete(taskId)) throw new Error(`no activity in flight with task id ${taskId}`);
    this.pending.push(history.taskCompleted(this.clock, taskId, result));
  }

  /**
   * Queues an activity failure. With a retry policy the extension answers with a retry timer
   * and, when it fires and attempts are left, a new attempt: each takes the next task id.
   */
  fail(taskId: number, message: string, errorType = 'Error'): void {
    const a = this.activities.get(taskId);
    if (!a) throw new Error(`no activity in flight with task id ${taskId}`);
    this.activities.delete(taskId);
    this.pending.push(history.taskFailed(this.clock, taskId, message, '', { ErrorType: errorType, ErrorMessage: message }));
    // The extension's retry loop: a retry timer after every failure, the last included (retry.ts).
    if (a.retry) {
      const delay = retryDelay(a.retry, a.attempt, a.firstAttemptAt, this.clock);
      if (delay === undefined) return;
      const timerId = this.nextId++;
      const fireAt = new Date(this.clock.getTime() + delay).toISOString();
      this.pending.push(history.timerCreated(this.clock, timerId, fireAt));
      const retryOf = attemptsLeft(a.retry, a.attempt) ? { ...a, attempt: a.attempt + 1 } : undefined;
      this.timers.set(timerId, { kind: 'timer', taskId: timerId, fireAt, canceled: false, retryOf });
    }
  }

  raiseEvent(name: string, payload: unknown): void {
    this.pending.push(history.eventRaised(this.clock, name, payload));
  }

  /** Fires a timer (advancing the clock to it); a retry timer also schedules the next attempt. */
  fireTimer(taskId: number): void {
    const t = this.timers.get(taskId);
    if (!t) throw new Error(`no pending timer ${taskId}`);
    this.timers.delete(taskId);
    const at = new Date(t.fireAt);
    if (at > this.clock) this.clock = at;
    this.pending.push(history.timerFired(this.clock, taskId, t.fireAt));
    if (t.retryOf) {
      const attemptId = this.nextId++;
      this.pending.push(history.taskScheduled(this.clock, attemptId, t.retryOf.name, t.retryOf.input));
      this.activities.set(attemptId, { ...t.retryOf, taskId: attemptId });
    }
  }

  /**
   * Queues a child orchestration's outcome (used by the harness for sub-orchestrations). A failed
   * child reaches the parent with the reason the extension's shim gives it
   * (OutOfProcOrchestrationShim: "Orchestrator function '<name>' failed: <error>").
   */
  childFinished(taskId: number, child: ReplayInstance): void {
    const s = child.state!;
    this.pending.push(
      s.error !== undefined
        ? history.subOrchestrationFailed(this.clock, taskId, `Orchestrator function '${child.name}' failed: ${s.error}`, `Message: ${s.error}`)
        : history.subOrchestrationCompleted(this.clock, taskId, s.output),
    );
  }

  /** Activities scheduled and not yet completed or failed, oldest first. */
  pendingActivities(): Array<{ taskId: number; name: string; input: unknown; attempt: number }> {
    return [...this.activities.values()].sort((a, b) => a.taskId - b.taskId).map(({ taskId, name, input, attempt }) => ({ taskId, name, input, attempt }));
  }

  /** Timers created and not yet fired (retry timers included), by task id. */
  pendingTimers(): Array<{ timerId: number; fireAt: string; retry: boolean }> {
    return [...this.timers.values()].sort((a, b) => a.taskId - b.taskId).map((t) => ({ timerId: t.taskId, fireAt: t.fireAt, retry: t.retryOf !== undefined }));
  }

  /** Where the instance stands after the last episode. */
  status(): { isDone: boolean; failed: boolean; output?: unknown; error?: string; customStatus?: unknown; executions: number } {
    const s = this.state;
    return { isDone: s?.isDone === true, failed: this.failed, output: s?.output, error: s?.error, customStatus: s?.customStatus, executions: this.executions };
  }

  /** Whole-run figures: episodes, most activities in flight at once, activities scheduled and run. */
  stats(): { episodes: number; maxInFlight: number; scheduled: number; executed: number } {
    return {
      episodes: this.episodes.length,
      maxInFlight: Math.max(0, ...this.episodes.map((e) => e.activitiesInFlight)),
      scheduled: this.episodes.reduce((n, e) => n + e.scheduled.length, 0),
      executed: this.executed.length,
    };
  }

  hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** Drives the instance to the end: activities complete in the chosen order, timers fire when nothing else can happen. */
  async runToCompletion(options: RunOptions = {}): Promise<OrchestratorState> {
    const pick = picker(options.order);
    const perEpisode = options.perEpisode ?? 1;
    const max = options.maxEpisodes ?? 100_000;
    if (this.episodes.length === 0) await this.deliver();
    while (!this.done) {
      if (this.episodes.length > max) throw new Error(`no end after ${max} episodes`);
      const children = this.app.children.filter((c) => c.parent === this);
      const due = [...this.timers.values()].filter((t) => new Date(t.fireAt) <= this.clock).sort((x, y) => x.taskId - y.taskId);
      if (due.length > 0) {
        // Timers already due fire before anything else happens, as they would in real time.
        for (const t of due) this.fireTimer(t.taskId);
      } else if (children.length > 0) {
        for (const c of children) {
          this.app.children.splice(this.app.children.indexOf(c), 1);
          const child = this.app.start(c.name, c.input, c.instanceId);
          await child.runToCompletion(options);
          this.childFinished(c.taskId, child);
        }
      } else if (this.activities.size > 0) {
        const queue = [...this.activities.values()];
        for (let i = 0; i < perEpisode && queue.length > 0; i++) {
          const a = queue.splice(pick(queue.length), 1)[0];
          this.executed.push({ name: a.name, input: a.input, taskId: a.taskId });
          try {
            const result = await this.app.runActivity(a.name, a.input, options.activities);
            this.complete(a.taskId, result);
          } catch (e) {
            this.fail(a.taskId, e instanceof Error ? e.message : String(e), e instanceof Error ? e.name : 'Error');
          }
        }
      } else if (this.timers.size > 0 && options.fireTimers === false && !this.hasPending()) {
        return this.state!;
      } else if (this.timers.size > 0) {
        const next = [...this.timers.values()].sort((x, y) => x.fireAt.localeCompare(y.fireAt) || x.taskId - y.taskId)[0];
        this.fireTimer(next.taskId);
      } else if (!this.hasPending()) {
        throw new Error(`instance '${this.instanceId}' is stuck: nothing in flight and not done (waiting for an event?)`);
      }
      await this.deliver();
    }
    return this.state!;
  }

  /** Re-runs every recorded episode's history and returns the episodes whose actions differ. */
  async replayCheck(): Promise<number[]> {
    const differ: number[] = [];
    for (const [i, ep] of this.episodes.entries()) {
      const again = await runEpisode(this.app.orchestrator(this.name), { name: this.name, instanceId: this.instanceId, input: ep.input, history: ep.history });
      if (JSON.stringify(again.actions) !== JSON.stringify(ep.actions)) differ.push(i);
    }
    return differ;
  }
}

export class Harness {
  readonly children: Array<{ parent: ReplayInstance; taskId: number; name: string; instanceId: string; input: unknown }> = [];
  private started = 0;

  constructor(readonly api: CoreApi) {}

  orchestrator(name: string): OrchestratorHandler {
    const r = this.api.registrations.get(name);
    if (!r || r.trigger.type !== 'orchestrationTrigger') throw new Error(`no orchestrator named '${name}'`);
    return r.handler as OrchestratorHandler;
  }

  async runActivity(name: string, input: unknown, overrides?: Record<string, ActivityFn>): Promise<unknown> {
    if (overrides?.[name]) return overrides[name](input);
    const r = this.api.registrations.get(name);
    if (!r || r.trigger.type !== 'activityTrigger') throw new Error(`no activity named '${name}'`);
    return r.handler(input, new InvocationContext({ functionName: name, invocationId: `activity-${this.started}` }));
  }

  start(name: string, input: unknown, instanceId = `instance-${++this.started}`): ReplayInstance {
    return new ReplayInstance(this, name, input, instanceId, new Date('2026-01-01T00:00:00.000Z'));
  }
}

/**
 * A harness over an app: an entry module or app folder (its registrations are captured as the
 * Functions host would), or registrations already loaded.
 */
export function createHarness(app: string | CoreApi): Harness {
  if (typeof app !== 'string') return new Harness(app);
  // A TypeScript entry (a fixture, or generated/index.ts) is loaded through tsx, as the CLI does.
  if (app.endsWith('.ts')) require('tsx/cjs/api').register();
  return new Harness(loadApp(app));
}
