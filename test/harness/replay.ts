/**
 * The replay harness: a test-controlled stand-in for the host's scheduling, for one app, with no
 * database and no real timers. Each episode runs exactly as the host runs it
 * (host/executor/episode-runner.ts: the real orchestrator through durable-functions, then the
 * Durable extension's replay, which numbers the new work and decides completion, compound trap
 * included); the harness only decides when and in what order activities complete and timers
 * fire. It records every episode so tests can check caps and determinism.
 */
import { randomUUID } from 'node:crypto';
import { InvocationContext } from '@azure/functions';
import { activityFailure } from '../../host/executor/engine';
import { knownFunctions, runEpisodeInline } from '../../host/executor/episode-runner';
import type { Action } from '../../host/orchestration/actions';
import { runEpisode, type OrchestratorHandler, type OrchestratorState } from '../../host/orchestration/episode';
import type { KnownFunctions, ReplayOutcome } from '../../host/orchestration/extension';
import { history, orchestratorEvent, readByOrchestrator, type HistoryEvent } from '../../host/orchestration/history';
import { planEpisode, type Work } from '../../host/orchestration/plan';
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

type Inflight = Extract<Work, { kind: 'activity' }>;
type PendingTimer = Extract<Work, { kind: 'timer' }>;

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
  /** What the orchestrator function returned in the last episode. */
  state?: OrchestratorState;
  /** What the extension made of it: Running until the orchestrator is done and no task is open. */
  outcome?: ReplayOutcome;
  private pending: HistoryEvent[] = [];
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
    return this.outcome?.status === 'Completed' || this.failed;
  }

  get failed(): boolean {
    return this.outcome?.status === 'Failed';
  }

  /** Runs one episode with every queued message. */
  async deliver(): Promise<OrchestratorState> {
    for (const e of this.history) e.IsPlayed = true;
    const completions = this.pending.filter((e) => e.EventType === 5 || e.EventType === 6).length;
    const fresh = [history.orchestratorStarted(this.clock), ...this.pending];
    this.pending = [];
    const snapshot = [...this.history, ...fresh].map((e) => ({ ...e }));
    const { js: state, replay } = await runEpisodeInline(this.app.api, this.app.known, {
      name: this.name,
      instanceId: this.instanceId,
      executionId: this.executionId,
      input: this.input,
      playedLength: this.history.length,
      played: { orchestrator: this.history.filter(readByOrchestrator).map(orchestratorEvent), events: this.history },
      fresh,
    });
    if (replay.outcome.status === 'Failed' && /does not support action type/.test(replay.outcome.reason)) throw new Error(`the harness ${replay.outcome.reason}`);
    const plan = planEpisode(replay.newActions, this.clock);
    this.history.push(...fresh, ...plan.events);
    const scheduled: Episode['scheduled'] = [];
    const ended = replay.outcome.status === 'Completed' || replay.outcome.status === 'Failed';
    for (const item of ended ? [] : plan.work) {
      if (item.kind === 'activity') {
        this.activities.set(item.taskId, item);
        scheduled.push({ taskId: item.taskId, name: item.name, input: item.input });
      } else if (item.kind === 'timer') {
        this.timers.set(item.taskId, item);
      } else {
        this.app.children.push({ parent: this, taskId: item.taskId, name: item.name, instanceId: item.instanceId, input: item.input });
      }
    }
    this.history.push(history.orchestratorCompleted(this.clock));
    this.state = state;
    this.outcome = replay.outcome;
    if (ended) this.timers.clear();
    this.episodes.push({ history: snapshot, input: this.input, completions, actions: state.actions, activitiesInFlight: this.activities.size, scheduled });
    if (replay.outcome.status === 'ContinuedAsNew') {
      // A new execution of the same instance: fresh history, ids and actions.
      this.executions++;
      this.executionId = randomUUID().replace(/-/g, '');
      this.input = replay.outcome.input;
      this.history = [];
      this.timers.clear();
      this.activities.clear();
      this.pending = [history.executionStarted(this.clock, this.name, replay.outcome.input), ...replay.outcome.carryover];
      this.state = undefined;
      this.outcome = undefined;
    }
    return state;
  }

  /** Queues an activity's result for the next episode. */
  complete(taskId: number, result: unknown): void {
    if (!this.activities.delete(taskId)) throw new Error(`no activity in flight with task id ${taskId}`);
    this.pending.push(history.taskCompleted(this.clock, taskId, result));
  }

  /** Queues an activity failure, as the extension reports it (Reason and Details, TaskActivityShim.cs). */
  fail(taskId: number, message: string, errorType = 'Error'): void {
    const a = this.activities.get(taskId);
    if (!a) throw new Error(`no activity in flight with task id ${taskId}`);
    this.activities.delete(taskId);
    const { reason, details } = activityFailure(a.name, Object.assign(new Error(message), { name: errorType }));
    this.pending.push(history.taskFailed(this.clock, taskId, reason, details));
  }

  raiseEvent(name: string, payload: unknown): void {
    this.pending.push(history.eventRaised(this.clock, name, payload));
  }

  /** Fires a timer (advancing the clock to it). */
  fireTimer(taskId: number): void {
    const t = this.timers.get(taskId);
    if (!t) throw new Error(`no pending timer ${taskId}`);
    this.timers.delete(taskId);
    const at = new Date(t.fireAt);
    if (at > this.clock) this.clock = at;
    this.pending.push(history.timerFired(this.clock, taskId, t.fireAt));
  }

  /** Queues a child orchestration's outcome, as the extension reports it to the parent. */
  childFinished(taskId: number, child: ReplayInstance): void {
    const o = child.outcome!;
    this.pending.push(
      o.status === 'Failed' ? history.subOrchestrationFailed(this.clock, taskId, o.reason, o.details) : history.subOrchestrationCompleted(this.clock, taskId, o.status === 'Completed' ? o.output : null),
    );
  }

  /** Activities scheduled and not yet completed or failed, oldest first. */
  pendingActivities(): Array<{ taskId: number; name: string; input: unknown }> {
    return [...this.activities.values()].sort((a, b) => a.taskId - b.taskId).map(({ taskId, name, input }) => ({ taskId, name, input }));
  }

  /** Timers created and not yet fired (cancelled ones included: they fire too), by task id. */
  pendingTimers(): Array<{ timerId: number; fireAt: string }> {
    return [...this.timers.values()].sort((a, b) => a.taskId - b.taskId).map((t) => ({ timerId: t.taskId, fireAt: t.fireAt }));
  }

  /** Where the instance stands after the last episode. */
  status(): { isDone: boolean; failed: boolean; output?: unknown; error?: string; customStatus?: unknown; executions: number } {
    const s = this.state;
    return { isDone: this.done, failed: this.failed, output: s?.output, error: s?.error, customStatus: s?.customStatus, executions: this.executions };
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
  readonly known: KnownFunctions;
  private started = 0;

  constructor(readonly api: CoreApi) {
    this.known = knownFunctions(api);
  }

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
