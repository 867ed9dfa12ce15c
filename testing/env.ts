/**
 * The test environment: the host's own engine (host/executor/engine.ts) over an in-memory SQLite
 * store, with a virtual clock and activities run inline. Nothing here replays anything: every
 * episode is the compiled orchestrator run through durable-functions and then the Durable
 * extension model, exactly as the embedded host runs it; only time, the store and where
 * activities come from differ.
 */
import { InvocationContext } from '@azure/functions';
import { VirtualClock } from '../host/executor/clock';
import { Engine } from '../host/executor/engine';
import { knownFunctions, runEpisodeInline } from '../host/executor/episode-runner';
import type { CoreApi } from '../host/functions/core-api';
import { createLogger } from '../host/log';
import { Store } from '../host/store/store';
import { activityHandler } from '../runtime/handlers';
import { startVersion, violations, workflowRegistry } from '../runtime/registry';
import { loadTestApp, resolveApp } from './app';
import { durationMs } from './duration';
import { replayRecording, type Recording, type ReplayCheckResult } from './replay-check';
import { TestRun, type EnvCore } from './run';

/**
 * An activity as the test supplies it: receives the step's input (after a JSON round trip, as on
 * Azure) and the invocation context; may be async. Its errors reach the workflow as a registered
 * activity's do (wrapped by the runtime's `activityHandler`), name included.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ActivityFn = (input: any, context: InvocationContext) => unknown;

export interface TestEnvOptions {
  /**
   * Replaces activities by name; the others run the app's own (workflows/activities/). A name
   * the app does not register is an error.
   */
  activities?: Record<string, ActivityFn>;
  /**
   * The app to run: its entry module, or its folder (package.json `main`), relative to the
   * current directory. Default: the current project's `generated/index.ts` (through tsx), else
   * its package.json `main` (dist/generated/index.js after `durable-flow compile`).
   */
  app?: string;
  /** Where virtual time starts (default 2026-01-01T00:00:00Z). */
  startTime?: Date | string | number;
  /** Receives the host's log lines (Executing/Executed, instance state changes). */
  log?: (line: string) => void;
}

/** An error for `failOnCall`: an Error (its name reaches `catch` and `nonRetryable`), a message, or `{ name, message }`. */
export type ActivityError = Error | string | { name: string; message: string };

const toError = (e: ActivityError): Error =>
  e instanceof Error ? e : typeof e === 'string' ? new Error(e) : Object.assign(new Error(e.message), { name: e.name });

/** Far beyond any test: an activity's lease never expires while it runs inline. */
const LEASE_MS = 100 * 365 * 86_400_000;

export class TestEnv {
  private readonly store = new Store(':memory:');
  private readonly clock: VirtualClock;
  private readonly engine: Engine;
  private readonly core: EnvCore;
  private readonly replaced = new Map<string, (input: unknown, context: InvocationContext) => Promise<unknown>>();
  private readonly failures = new Map<string, Map<number, Error>>();
  private readonly callCounts = new Map<string, number>();
  private readonly callLog: Array<{ name: string; input: unknown; instanceId: string }> = [];
  /** Each instance's last episode: the events it left the instance waiting for. */
  private readonly waits = new Map<string, string[]>();
  private readonly hostErrors: string[] = [];
  private readonly activityNames: string[];
  private started = 0;
  private closed = false;

  private constructor(
    private readonly api: CoreApi,
    options: TestEnvOptions,
  ) {
    const known = knownFunctions(api);
    this.activityNames = [...known.activities].sort();
    for (const [name, fn] of Object.entries(options.activities ?? {})) {
      this.mustBeActivity(name, 'activities');
      if (typeof fn !== 'function') throw new Error(`createTestEnv: activities.${name} must be a function`);
      this.replaced.set(name, activityHandler(name, fn));
    }
    const startTime = options.startTime === undefined ? Date.UTC(2026, 0, 1) : new Date(options.startTime).getTime();
    if (Number.isNaN(startTime)) throw new Error(`createTestEnv: startTime '${String(options.startTime)}' is not a date`);
    this.clock = new VirtualClock(startTime);
    const log = options.log;
    this.engine = new Engine(
      this.store,
      api,
      {
        maxConcurrentActivityFunctions: 1000,
        maxConcurrentOrchestratorFunctions: 1000,
        leaseMs: LEASE_MS,
        clock: this.clock,
        runEpisode: async (input, loadPlayed) => {
          const result = await runEpisodeInline(api, known, { ...input, played: input.played ?? loadPlayed() });
          this.waits.set(input.instanceId, result.replay.waitingFor ?? []);
          return result;
        },
        runActivity: (a, invocationId) => this.activity(a.name, a.input, a.instanceId, invocationId),
      },
      createLogger({
        verbose: false,
        quiet: log === undefined,
        write: (line) => {
          if (/^\[[^\]]*\] ERROR /.test(line)) this.hostErrors.push(line);
          log?.(line);
        },
      }),
    );
    this.engine.start();
    const settle = (): Promise<void> => this.settle();
    this.core = {
      engine: this.engine,
      store: this.store,
      clock: this.clock,
      settle,
      nextTimer: (ids) => this.nextTimer(ids),
      waitingFor: (id) => this.waits.get(id) ?? [],
      hostErrors: this.hostErrors,
    };
  }

  /** Creates an environment over the app (loaded once per process; see TestEnvOptions.app). */
  static async create(options: TestEnvOptions = {}): Promise<TestEnv> {
    const api = await loadTestApp(resolveApp(options.app));
    return new TestEnv(api, options);
  }

  private mustBeActivity(name: string, where: string): void {
    if (!this.activityNames.includes(name)) {
      throw new Error(`${where}: '${name}' is not an activity of this app; its activities are: ${this.activityNames.join(', ') || '(none)'}`);
    }
  }

  /** Runs one activity call: a planned failure, a replacement, or (undefined) the app's own. */
  private activity(name: string, input: unknown, instanceId: string, invocationId: string): Promise<unknown> | undefined {
    const n = (this.callCounts.get(name) ?? 0) + 1;
    this.callCounts.set(name, n);
    this.callLog.push({ name, input: structuredClone(input), instanceId });
    const context = new InvocationContext({ functionName: name, invocationId });
    const failure = this.failures.get(name)?.get(n);
    if (failure) {
      return activityHandler(name, () => {
        throw failure;
      })(input, context);
    }
    return this.replaced.get(name)?.(input, context);
  }

  // --- time ----------------------------------------------------------------------------------

  /** The virtual time now. */
  now(): Date {
    return this.clock.now();
  }

  private nextTimer(instanceIds?: readonly string[]): number | undefined {
    const next = instanceIds ? this.store.nextTimerOf(instanceIds) : this.store.nextTimer();
    return next === undefined ? undefined : Date.parse(next);
  }

  /**
   * Runs everything that needs no time to pass: episodes, activities, timers already due; returns
   * when nothing is queued or running (instances may still wait for timers or events).
   */
  private async settle(): Promise<void> {
    this.mustBeOpen();
    for (;;) {
      await this.engine.whenIdle();
      const next = this.nextTimer();
      // A timer due now fires on the next turn of the event loop (VirtualClock.at).
      if (next !== undefined && next <= this.clock.now().getTime()) {
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      return;
    }
  }

  /**
   * Moves virtual time forward by `duration` (`31d`, `24h`, `PT5M`, or ms), firing every timer
   * that falls due on the way, in time order, and running what follows each before the next.
   * Time ends exactly `duration` later, never further.
   */
  async advance(duration: string | number): Promise<void> {
    const target = this.clock.now().getTime() + durationMs(duration, 'advance');
    await this.settle();
    for (let next = this.nextTimer(); next !== undefined && next <= target; next = this.nextTimer()) {
      this.clock.advanceTo(next);
      await this.settle();
    }
    this.clock.advanceTo(target);
    await this.settle();
  }

  // --- instances -----------------------------------------------------------------------------

  /** The workflows of the app (orchestrators a test can start), sorted. */
  workflows(): string[] {
    const registry = workflowRegistry();
    return knownFunctions(this.api)
      .orchestrators.filter((n) => !registry.get(n)?.partitionOf)
      .sort();
  }

  /** The app's activities, sorted. */
  activities(): string[] {
    return [...this.activityNames];
  }

  /**
   * Starts a workflow by name with an input (validated against its `input` schema, as its HTTP
   * starter does) and runs it until it waits for time or an event.
   * `instanceId` defaults to `<workflow>-<n>`; singleton keys are not computed here: pass the id.
   * `version` starts an older version the app keeps (default: the latest, as its starters do).
   */
  async start(workflow: string, input: unknown = null, options: { instanceId?: string; version?: number } = {}): Promise<TestRun> {
    this.mustBeOpen();
    if (!this.workflows().includes(workflow)) throw new Error(`start: the app has no workflow named '${workflow}'; its workflows are: ${this.workflows().join(', ') || '(none)'}`);
    const validate = workflowRegistry().get(workflow)?.validate;
    if (validate && !validate(input)) {
      throw new Error(`start: the input of '${workflow}' does not match its schema: ${violations(validate).map((v) => `${v.pointer} ${v.message}`).join('; ')}`);
    }
    const version = options.version ?? workflowRegistry().get(workflow)?.version;
    if (options.version !== undefined && (!Number.isInteger(options.version) || options.version < 1)) throw new Error(`start: version must be a whole number from 1, got ${options.version}`);
    const id = this.engine.startInstance(workflow, input, options.instanceId ?? `${workflow}-${++this.started}`, undefined, startVersion(version));
    await this.settle();
    return new TestRun(this.core, id);
  }

  /** A handle on an instance of this environment by id (a child workflow, a slice). */
  run(instanceId: string): TestRun {
    if (!this.store.instance(instanceId)) throw new Error(`run: no instance '${instanceId}' in this environment`);
    return new TestRun(this.core, instanceId);
  }

  // --- activities ----------------------------------------------------------------------------

  /** The inputs of every call of an activity so far (each retry attempt is a call), in call order. */
  calls<T = unknown>(activity: string): T[] {
    this.mustBeActivity(activity, 'calls');
    return this.callLog.filter((c) => c.name === activity).map((c) => c.input as T);
  }

  /**
   * Makes the `n`th call (1-based, counted over the whole environment; or each of several) of an
   * activity fail with `error` instead of running. The error behaves as one the activity threw.
   */
  failOnCall(activity: string, n: number | readonly number[], error: ActivityError = `${activity} failed (failOnCall)`): void {
    this.mustBeActivity(activity, 'failOnCall');
    const calls = this.failures.get(activity) ?? new Map<number, Error>();
    for (const k of typeof n === 'number' ? [n] : n) {
      if (!Number.isInteger(k) || k < 1) throw new Error(`failOnCall: call numbers start at 1, got ${k}`);
      calls.set(k, toError(error));
    }
    this.failures.set(activity, calls);
  }

  // --- replay --------------------------------------------------------------------------------

  /**
   * Re-runs a run's history (and its child workflows') through the app loaded now, episode by
   * episode, with the host's episode runner and extension model, and reports the first episode
   * that does something other than what the history recorded. Pass a `Recording` (from
   * `run.recording()`, saved as JSON) to check a history an earlier version of the app wrote.
   */
  async replayCheck(target: TestRun | Recording): Promise<ReplayCheckResult> {
    const recordings = target instanceof TestRun ? this.tree(target).map((r) => r.recording()) : [target];
    let episodes = 0;
    for (const rec of recordings) {
      const r = await replayRecording(this.api, rec);
      if (!r.ok) return r;
      episodes += r.episodes;
    }
    return { ok: true, instances: recordings.length, episodes };
  }

  private tree(run: TestRun): TestRun[] {
    return [run, ...run.children().flatMap((c) => this.tree(c))];
  }

  // --- lifecycle -----------------------------------------------------------------------------

  private mustBeOpen(): void {
    if (this.closed) throw new Error('this test environment is closed');
  }

  /** Stops the engine (waiting up to a second for work in flight) and drops the in-memory store. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.engine.stop(1000);
    this.store.close();
  }
}

/** Creates a test environment: see TestEnv and TestEnvOptions. */
export function createTestEnv(options: TestEnvOptions = {}): Promise<TestEnv> {
  return TestEnv.create(options);
}
