/**
 * The durable backend: instances, their history (Durable Task event shape), and the queues of
 * pending orchestration messages, activity work items and timers, in one SQLite file (WAL).
 * Every state change that must be atomic is one transaction: an episode commits its history,
 * its new work and the instance row together or not at all; an activity's completion deletes
 * its work item and enqueues the result together.
 */
import type Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { orchestratorEvent, readByOrchestrator, routing, type HistoryEvent } from '../orchestration/history';
import type { PlayedHistory } from '../executor/episode-runner';
import { openDatabase } from './sqlite';

export type RuntimeStatus = 'Pending' | 'Running' | 'Completed' | 'Failed' | 'Terminated' | 'Suspended' | 'ContinuedAsNew';
export const TERMINAL: ReadonlySet<RuntimeStatus> = new Set(['Completed', 'Failed', 'Terminated']);

export interface InstanceRow {
  id: string;
  name: string;
  status: RuntimeStatus;
  input: unknown;
  output: unknown;
  customStatus: unknown;
  error: string | null;
  created: string;
  updated: string;
  parentId: string | null;
  parentTaskId: number | null;
  /** The current execution's id: a fresh GUID per start and per continueAsNew, as DurableTask.Core does. */
  executionId: string;
  /** The orchestration version its ExecutionStarted carries (kept across continueAsNew); null when none. */
  version: string | null;
}

export interface ActivityRow {
  id: number;
  instanceId: string;
  taskId: number;
  name: string;
  input: unknown;
}

export interface TimerRow {
  id: number;
  instanceId: string;
  taskId: number;
  fireAt: string;
}

// Columns next_id, seen_actions, activities.retry, timers.retry_of and is_retry are no longer used
// (the extension's replay is re-run every episode); they stay so older files open unchanged.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS instances (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL, input TEXT, output TEXT, custom_status TEXT, error TEXT,
  created TEXT NOT NULL, updated TEXT NOT NULL, parent_id TEXT, parent_task_id INTEGER,
  next_id INTEGER NOT NULL DEFAULT 0, seen_actions INTEGER NOT NULL DEFAULT 0, execution_id TEXT);
CREATE INDEX IF NOT EXISTS instances_created ON instances (created);
CREATE TABLE IF NOT EXISTS history (instance_id TEXT NOT NULL, seq INTEGER NOT NULL, event TEXT NOT NULL, PRIMARY KEY (instance_id, seq));
CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY AUTOINCREMENT, instance_id TEXT NOT NULL, event TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS messages_instance ON messages (instance_id);
CREATE TABLE IF NOT EXISTS activities (id INTEGER PRIMARY KEY AUTOINCREMENT, instance_id TEXT NOT NULL, task_id INTEGER NOT NULL,
  name TEXT NOT NULL, input TEXT, retry TEXT, leased_until INTEGER);
CREATE TABLE IF NOT EXISTS timers (id INTEGER PRIMARY KEY AUTOINCREMENT, instance_id TEXT NOT NULL, task_id INTEGER NOT NULL,
  fire_at TEXT NOT NULL, retry_of TEXT, is_retry INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS timers_fire ON timers (fire_at);
`;

const parse = (s: string | null): unknown => (s === null || s === undefined ? null : JSON.parse(s));
const text = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));

/** How hard a commit is pushed to disk (SQLite `synchronous` in WAL mode). */
export type StoreSync = 'normal' | 'full';

export class Store {
  readonly db: Database.Database;
  /**
   * Each running instance's history as the JSON text an episode replays (marked IsPlayed), kept
   * in memory so an episode does not re-read and re-parse a growing history from the file. The
   * file stays the truth: the cache is filled from it on first use and dropped on any rollback.
   */
  private readonly played = new Map<string, { orchestrator: HistoryEvent[]; events: HistoryEvent[] }>();
  /** Each instance's history length, kept with the file (dropped on any rollback, like `played`). */
  private readonly lengths = new Map<string, number>();

  /**
   * `sync`: 'normal' (the default) makes every commit survive a crash or kill of the process;
   * 'full' also survives power loss and OS crashes, at the price of an fsync per commit (about
   * half the host's time under load on our machines, see README performance).
   */
  constructor(file: string, sync: StoreSync = 'normal') {
    if (file !== ':memory:') createPrivately(file);
    this.db = openDatabase(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    // Files written before execution ids were kept: add the column (old rows fall back to the instance id).
    const columns = this.sql('PRAGMA table_info(instances)').all() as Array<{ name: string }>;
    if (!columns.some((c) => c.name === 'execution_id')) this.db.exec('ALTER TABLE instances ADD COLUMN execution_id TEXT');
    // Files written before activities counted the worker crashes they caused.
    const activityColumns = this.sql('PRAGMA table_info(activities)').all() as Array<{ name: string }>;
    if (!activityColumns.some((c) => c.name === 'crashes')) this.db.exec('ALTER TABLE activities ADD COLUMN crashes INTEGER NOT NULL DEFAULT 0');
    // Files written before orchestration versions were kept (their instances have none).
    if (!columns.some((c) => c.name === 'version')) this.db.exec('ALTER TABLE instances ADD COLUMN version TEXT');
  }

  private readonly statements = new Map<string, Database.Statement>();

  /** A prepared statement, compiled once per SQL text. */
  private sql(text: string): Database.Statement {
    let st = this.statements.get(text);
    if (!st) this.statements.set(text, (st = this.db.prepare(text)));
    return st;
  }

  close(): void {
    this.db.close();
  }

  tx<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn)();
    } catch (e) {
      this.played.clear();
      this.lengths.clear();
      throw e;
    }
  }

  // --- instances ---------------------------------------------------------------------------

  createInstance(row: { id: string; name: string; input: unknown; parentId?: string; parentTaskId?: number; executionId: string; version?: string }, at: string): void {
    this.db
      .prepare(
        `INSERT INTO instances (id, name, status, input, created, updated, parent_id, parent_task_id, execution_id, version) VALUES (?, ?, 'Pending', ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, status = 'Pending', input = excluded.input, output = NULL, custom_status = NULL,
           error = NULL, created = excluded.created, updated = excluded.updated, execution_id = excluded.execution_id,
           parent_id = excluded.parent_id, parent_task_id = excluded.parent_task_id, version = excluded.version`,
      )
      .run(row.id, row.name, text(row.input), at, at, row.parentId ?? null, row.parentTaskId ?? null, row.executionId, row.version || null);
  }

  instance(id: string): InstanceRow | undefined {
    const r = this.sql('SELECT * FROM instances WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    return r ? toInstance(r) : undefined;
  }

  updateInstance(id: string, fields: Partial<Pick<InstanceRow, 'status' | 'output' | 'customStatus' | 'error' | 'input' | 'executionId'>>, at: string): void {
    const sets: string[] = ['updated = ?'];
    const args: unknown[] = [at];
    const col: Record<string, [string, (v: unknown) => unknown]> = {
      status: ['status', (v) => v],
      output: ['output', text],
      customStatus: ['custom_status', text],
      error: ['error', (v) => v],
      input: ['input', text],
      executionId: ['execution_id', (v) => v],
    };
    for (const [k, v] of Object.entries(fields)) {
      const [name, conv] = col[k];
      sets.push(`${name} = ?`);
      args.push(conv(v));
    }
    this.sql(`UPDATE instances SET ${sets.join(', ')} WHERE id = ?`).run(...args, id);
  }

  listInstances(filter: { from?: string; to?: string; statuses?: string[]; prefix?: string; top: number; after?: string }): InstanceRow[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.from) where.push('created >= ?'), args.push(filter.from);
    if (filter.to) where.push('created <= ?'), args.push(filter.to);
    if (filter.statuses?.length) where.push(`status IN (${filter.statuses.map(() => '?').join(', ')})`), args.push(...filter.statuses);
    // A range of the primary key, as Azure Storage answers a prefix with a partition key range
    // (U+10FFFF is the largest code point, so its UTF-8 bytes follow every id with the prefix).
    if (filter.prefix) where.push('id >= ? AND id < ?'), args.push(filter.prefix, `${filter.prefix}\u{10FFFF}`);
    if (filter.after !== undefined) where.push('id > ?'), args.push(filter.after);
    // Instance id order, as Azure Storage returns its Instances table (the partition key).
    const sql = `SELECT * FROM instances ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT ?`;
    return (this.sql(sql).all(...args, filter.top) as Array<Record<string, unknown>>).map(toInstance);
  }

  /** Deletes an instance and everything it owns; returns whether it existed. */
  purge(id: string): boolean {
    return this.tx(() => {
      this.played.delete(id);
      this.lengths.delete(id);
      for (const t of ['history', 'messages', 'activities', 'timers']) this.sql(`DELETE FROM ${t} WHERE instance_id = ?`).run(id);
      return this.sql('DELETE FROM instances WHERE id = ?').run(id).changes > 0;
    });
  }

  // --- history and messages ----------------------------------------------------------------

  history(id: string): HistoryEvent[] {
    return (this.sql('SELECT event FROM history WHERE instance_id = ? ORDER BY seq').all(id) as Array<{ event: string }>).map((r) => JSON.parse(r.event));
  }

  /**
   * The recorded history: JSON texts with IsPlayed set, ready to splice into an episode's payload,
   * and each event's routing fields for the extension's replay.
   */
  playedHistory(id: string): PlayedHistory {
    let cached = this.played.get(id);
    if (!cached) {
      const rows = this.sql('SELECT event FROM history WHERE instance_id = ? ORDER BY seq').all(id) as Array<{ event: string }>;
      const events = rows.map((r) => JSON.parse(r.event) as HistoryEvent);
      cached = { orchestrator: events.filter(readByOrchestrator).map(orchestratorEvent), events: events.map(routing) };
      this.played.set(id, cached);
    }
    return cached;
  }

  /** How many events the instance's history holds. */
  historyLength(id: string): number {
    let n = this.lengths.get(id);
    if (n === undefined) {
      n = (this.sql('SELECT COALESCE(MAX(seq), -1) + 1 AS n FROM history WHERE instance_id = ?').get(id) as { n: number }).n;
      this.lengths.set(id, n);
    }
    return n;
  }

  appendHistory(id: string, events: readonly HistoryEvent[]): void {
    const cached = this.played.get(id);
    const start = this.historyLength(id);
    this.lengths.set(id, start + events.length);
    const insert = this.sql('INSERT INTO history (instance_id, seq, event) VALUES (?, ?, ?)');
    events.forEach((e, i) => {
      const json = JSON.stringify(e);
      insert.run(id, start + i, json);
      if (readByOrchestrator(e)) cached?.orchestrator.push(orchestratorEvent(e));
      cached?.events.push(routing(e));
    });
  }

  clearHistory(id: string): void {
    this.played.delete(id);
    this.lengths.delete(id);
    this.sql('DELETE FROM history WHERE instance_id = ?').run(id);
  }

  /** Forgets the cached history of an instance that has finished (the file keeps it). */
  forgetHistory(id: string): void {
    this.played.delete(id);
    this.lengths.delete(id);
  }

  enqueue(id: string, event: HistoryEvent): void {
    this.sql('INSERT INTO messages (instance_id, event) VALUES (?, ?)').run(id, JSON.stringify(event));
  }

  messages(id: string): Array<{ id: number; event: HistoryEvent }> {
    return (this.sql('SELECT id, event FROM messages WHERE instance_id = ? ORDER BY id').all(id) as Array<{ id: number; event: string }>).map((r) => ({
      id: r.id,
      event: JSON.parse(r.event),
    }));
  }

  deleteMessages(ids: readonly number[]): void {
    const del = this.sql('DELETE FROM messages WHERE id = ?');
    for (const i of ids) del.run(i);
  }

  /** Instances with messages waiting, oldest message first. */
  instancesWithMessages(): string[] {
    return (this.sql('SELECT instance_id FROM messages GROUP BY instance_id ORDER BY MIN(id)').all() as Array<{ instance_id: string }>).map((r) => r.instance_id);
  }

  // --- activities ----------------------------------------------------------------------------

  addActivity(a: Omit<ActivityRow, 'id'>): void {
    this.sql('INSERT INTO activities (instance_id, task_id, name, input) VALUES (?, ?, ?, ?)').run(a.instanceId, a.taskId, a.name, text(a.input));
  }

  /** Leases up to `limit` of the oldest unleased (or lease-expired) work items, in one transaction. */
  claimActivities(now: number, leaseMs: number, limit: number): ActivityRow[] {
    return this.tx(() => {
      const rows = this.sql('SELECT id, instance_id, task_id, name, input FROM activities WHERE leased_until IS NULL OR leased_until < ? ORDER BY id LIMIT ?').all(now, limit) as Array<Record<string, unknown>>;
      const lease = this.sql('UPDATE activities SET leased_until = ? WHERE id = ?');
      for (const r of rows) lease.run(now + leaseMs, r.id);
      return rows.map((r) => ({ id: r.id as number, instanceId: r.instance_id as string, taskId: r.task_id as number, name: r.name as string, input: parse(r.input as string) }));
    });
  }

  /** Leases the oldest unleased (or lease-expired) work item. */
  claimActivity(now: number, leaseMs: number): ActivityRow | undefined {
    return this.claimActivities(now, leaseMs, 1)[0];
  }

  /** Extends the lease of an activity still running, so no one else takes it meanwhile. */
  renewLease(id: number, until: number): void {
    this.sql('UPDATE activities SET leased_until = ? WHERE id = ? AND leased_until IS NOT NULL').run(until, id);
  }

  /**
   * Puts a claimed activity back in the queue (its worker died); counts the crash when it may have
   * caused it. Returns the crashes counted so far, or undefined when the item is gone.
   */
  requeueActivity(id: number, crashed: boolean): number | undefined {
    this.sql('UPDATE activities SET leased_until = NULL, crashes = crashes + ? WHERE id = ?').run(crashed ? 1 : 0, id);
    return (this.sql('SELECT crashes FROM activities WHERE id = ?').get(id) as { crashes: number } | undefined)?.crashes;
  }

  /** At start-up nothing is running: every lease is stale (at-least-once: those run again). */
  releaseLeases(): number {
    return this.sql('UPDATE activities SET leased_until = NULL WHERE leased_until IS NOT NULL').run().changes;
  }

  /** Removes a finished work item; false when it was already gone (terminated or purged meanwhile). */
  finishActivity(id: number): boolean {
    return this.sql('DELETE FROM activities WHERE id = ?').run(id).changes > 0;
  }

  activityCount(): number {
    return (this.sql('SELECT COUNT(*) AS n FROM activities').get() as { n: number }).n;
  }

  // --- timers --------------------------------------------------------------------------------

  addTimer(t: Omit<TimerRow, 'id'>): void {
    this.sql('INSERT INTO timers (instance_id, task_id, fire_at) VALUES (?, ?, ?)').run(t.instanceId, t.taskId, t.fireAt);
  }

  dueTimers(nowIso: string): TimerRow[] {
    return (this.sql('SELECT * FROM timers WHERE fire_at <= ? ORDER BY fire_at, id').all(nowIso) as Array<Record<string, unknown>>).map(toTimer);
  }

  nextTimer(): string | undefined {
    return (this.sql('SELECT MIN(fire_at) AS t FROM timers').get() as { t: string | null }).t ?? undefined;
  }

  /** The earliest timer of some instances (the test kit: what one run and its child workflows wait for). */
  nextTimerOf(instanceIds: readonly string[]): string | undefined {
    if (instanceIds.length === 0) return undefined;
    const sql = `SELECT MIN(fire_at) AS t FROM timers WHERE instance_id IN (${instanceIds.map(() => '?').join(', ')})`;
    return (this.db.prepare(sql).get(...instanceIds) as { t: string | null }).t ?? undefined;
  }

  deleteTimer(id: number): void {
    this.sql('DELETE FROM timers WHERE id = ?').run(id);
  }

  /** Drops an instance's pending work (terminate, continueAsNew). */
  dropWork(id: string): void {
    for (const t of ['messages', 'activities', 'timers']) this.sql(`DELETE FROM ${t} WHERE instance_id = ?`).run(id);
  }
}


function toInstance(r: Record<string, unknown>): InstanceRow {
  return {
    id: r.id as string,
    name: r.name as string,
    status: r.status as RuntimeStatus,
    input: parse(r.input as string),
    output: parse(r.output as string),
    customStatus: parse(r.custom_status as string),
    error: (r.error as string) ?? null,
    created: r.created as string,
    updated: r.updated as string,
    parentId: (r.parent_id as string) ?? null,
    parentTaskId: (r.parent_task_id as number) ?? null,
    executionId: (r.execution_id as string | null) ?? (r.id as string),
    version: (r.version as string | null | undefined) ?? null,
  };
}

function toTimer(r: Record<string, unknown>): TimerRow {
  return {
    id: r.id as number,
    instanceId: r.instance_id as string,
    taskId: r.task_id as number,
    fireAt: r.fire_at as string,
  };
}

/**
 * Creates the database file (and its folder) readable by its owner only, when it does not exist:
 * it holds every instance's input, output and history. SQLite gives the -wal and -shm files it
 * creates the database file's permissions. A file that exists keeps the permissions it has.
 */
function createPrivately(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    fs.closeSync(fs.openSync(file, 'wx', 0o600));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}
