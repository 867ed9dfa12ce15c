/**
 * Drives the host's real engine (host/executor/engine.ts, an in-memory SQLite store, a virtual
 * clock) through one workflow run while choosing how results reach the orchestrations: every
 * message an instance would receive (an activity's or a child's result, a timer that fired) is
 * held, and a delivery policy decides which of them the next episode gets. It records what the
 * checks need: activity executions, the most activity attempts in flight at once as the
 * orchestrations see them, and every instance's final state.
 */
import { createLogger } from '../../host/log';
import { VirtualClock } from '../../host/executor/clock';
import { Engine } from '../../host/executor/engine';
import type { CoreApi } from '../../host/functions/core-api';
import { EventType, type HistoryEvent } from '../../host/orchestration/history';
import { Store, TERMINAL, type InstanceRow } from '../../host/store/store';
import { prng } from '../helpers/prng';

export type Policy = 'oldest' | 'newest' | 'all' | { random: number } | { batches: number };

export function policyName(p: Policy): string {
  return typeof p === 'string' ? p : 'random' in p ? `random(${p.random})` : `batches(${p.batches})`;
}

interface Held {
  instanceId: string;
  event: HistoryEvent;
}

/** Picks the messages the next episode gets. */
function picker(policy: Policy): (held: Held[]) => Held[] {
  if (policy === 'oldest') return (h) => h.splice(0, 1);
  if (policy === 'newest') return (h) => h.splice(h.length - 1, 1);
  if (policy === 'all') return (h) => h.splice(0, h.length);
  if ('random' in policy) {
    const r = prng(policy.random);
    return (h) => h.splice(Math.floor(r() * h.length), 1);
  }
  const r = prng(policy.batches);
  return (h) => {
    // A random subset, in arrival order, of random size.
    const k = 1 + Math.floor(r() * h.length);
    const chosen = new Set<number>();
    while (chosen.size < k) chosen.add(Math.floor(r() * h.length));
    const out = h.filter((_, i) => chosen.has(i));
    for (const i of [...chosen].sort((a, b) => b - a)) h.splice(i, 1);
    return out;
  };
}

export interface DriveContext {
  engine: Engine;
  store: Store;
  clock: VirtualClock;
  /** The instance the run started. */
  instanceId: string;
}

export interface Scenario {
  workflow: string;
  input: unknown;
  /** Replaces activities by name (default: the app's registrations). */
  activities?: Record<string, (input: any) => unknown>;
  /** Called when nothing is left to deliver and before time moves on; true if it did something (raised an event). */
  onIdle?: (ctx: DriveContext) => boolean;
  /**
   * Messages that stand for long work (an activity's result, by the activity's name and input):
   * held until nothing else can happen (no other message, no idle action, no timer left), then
   * delivered in arrival order.
   */
  late?: (m: { name?: string; input?: unknown; event: HistoryEvent }) => boolean;
}

export interface DriveResult {
  /** The started instance's final row. */
  instance: InstanceRow;
  /** Every instance the run created (the started one, children, slices). */
  instances: InstanceRow[];
  history: (id: string) => HistoryEvent[];
  /** Activity executions in start order. */
  executions: Array<{ name: string; input: unknown }>;
  /** The most activity attempts in flight at once, per activity name, as the orchestrations saw them. */
  maxInFlight: Record<string, number>;
  episodes: number;
}

export async function drive(api: CoreApi, scenario: Scenario, policy: Policy, maxSteps = 20_000): Promise<DriveResult> {
  const held: Held[] = [];
  const lateHeld: Held[] = [];
  const store = new Store(':memory:');
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  const executions: DriveResult['executions'] = [];
  const inFlight = new Map<string, number>();
  const maxInFlight: Record<string, number> = {};
  const activityOf = new Map<string, string>(); // `${instanceId}#${taskId}` → activity name
  const inputOf = new Map<string, unknown>(); // `${instanceId}#${taskId}` → activity input
  const engine = new Engine(
    store,
    api,
    {
      maxConcurrentActivityFunctions: 10_000,
      maxConcurrentOrchestratorFunctions: 10_000,
      leaseMs: 10 * 365 * 86_400_000,
      clock,
      intercept: (instanceId, event) => {
        const key = `${instanceId}#${event.TaskScheduledId}`;
        const result = event.EventType === EventType.TaskCompleted || event.EventType === EventType.TaskFailed;
        const late = scenario.late?.({ name: result ? activityOf.get(key) : undefined, input: result ? inputOf.get(key) : undefined, event });
        (late ? lateHeld : held).push({ instanceId, event });
        return true;
      },
      runActivity: (a) => {
        executions.push({ name: a.name, input: a.input });
        activityOf.set(`${a.instanceId}#${a.taskId}`, a.name);
        inputOf.set(`${a.instanceId}#${a.taskId}`, a.input);
        const n = (inFlight.get(a.name) ?? 0) + 1;
        inFlight.set(a.name, n);
        maxInFlight[a.name] = Math.max(maxInFlight[a.name] ?? 0, n);
        const fn = scenario.activities?.[a.name];
        return fn ? Promise.resolve().then(() => fn(a.input)) : undefined;
      },
    },
    createLogger({ verbose: false, quiet: true, write: () => undefined }),
  );
  const pick = picker(policy);
  engine.start();
  const instanceId = engine.startInstance(scenario.workflow, scenario.input, 'run');
  const ctx: DriveContext = { engine, store, clock, instanceId };
  let steps = 0;
  try {
    for (; steps < maxSteps; steps++) {
      await engine.whenIdle();
      if (held.length > 0) {
        for (const m of pick(held)) {
          if (m.event.EventType === EventType.TaskCompleted || m.event.EventType === EventType.TaskFailed) {
            const name = activityOf.get(`${m.instanceId}#${m.event.TaskScheduledId}`);
            if (name) inFlight.set(name, inFlight.get(name)! - 1);
          }
          engine.deliver(m.instanceId, m.event);
        }
        continue;
      }
      if (scenario.onIdle?.(ctx)) continue;
      const next = clock.next();
      if (next !== undefined) {
        clock.advanceTo(next);
        continue;
      }
      if (lateHeld.length === 0) break;
      held.push(...lateHeld.splice(0));
    }
    if (steps >= maxSteps) throw new Error(`${scenario.workflow} under ${policyName(policy)}: no end after ${maxSteps} steps`);
    const instances = store.listInstances({ top: 1_000_000 });
    const histories = new Map(instances.map((i) => [i.id, store.history(i.id)]));
    return {
      instance: store.instance(instanceId)!,
      instances,
      history: (id) => histories.get(id) ?? [],
      executions,
      maxInFlight,
      episodes: [...histories.values()].reduce((n, h) => n + h.filter((e) => e.EventType === EventType.OrchestratorStarted).length, 0),
    };
  } finally {
    await engine.stop(0);
    store.close();
  }
}

/** The most activity attempts in flight at once in one instance's history (scheduled, not yet completed). */
export function maxInFlightInHistory(events: readonly HistoryEvent[], name?: string): number {
  const open = new Set<number>();
  let max = 0;
  for (const e of events) {
    if (e.EventType === EventType.TaskScheduled && (name === undefined || e.Name === name)) open.add(e.EventId);
    if (e.EventType === EventType.TaskCompleted || e.EventType === EventType.TaskFailed) open.delete(e.TaskScheduledId as number);
    max = Math.max(max, open.size);
  }
  return max;
}

export const finished = (i: InstanceRow): boolean => TERMINAL.has(i.status);
