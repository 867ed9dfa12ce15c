/**
 * The SQLite store on its own: an episode's writes commit together or not at all, leases hide a
 * claimed activity until they expire or the host restarts, and files from before execution ids
 * were kept still open.
 */
import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { history, readByOrchestrator } from '../../host/orchestration/history';
import { Store } from '../../host/store/store';

const at = '2026-01-01T00:00:00.000Z';

describe('the SQLite store', () => {
  it('rolls back every write of a failed transaction', () => {
    const store = new Store(':memory:');
    store.createInstance({ id: 'a', name: 'orch', input: 1, executionId: 'e1' }, at);
    expect(() =>
      store.tx(() => {
        store.appendHistory('a', [history.orchestratorStarted(new Date(at))]);
        store.addActivity({ instanceId: 'a', taskId: 0, name: 'Work', input: 1 });
        store.updateInstance('a', { status: 'Running', customStatus: 1 }, at);
        throw new Error('the episode failed half-way');
      }),
    ).toThrow('half-way');
    expect(store.history('a')).toEqual([]);
    expect(store.activityCount()).toBe(0);
    expect(store.instance('a')).toMatchObject({ status: 'Pending', customStatus: null, executionId: 'e1' });
    store.close();
  });

  it("commits with SQLite synchronous NORMAL by default and FULL when asked (WAL either way)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-store-sync-'));
    const mode = (store: Store): unknown => store['db'].pragma('synchronous', { simple: true });
    const normal = new Store(path.join(dir, 'n.db'));
    expect(mode(normal)).toBe(1);
    expect(normal['db'].pragma('journal_mode', { simple: true })).toBe('wal');
    normal.close();
    const full = new Store(path.join(dir, 'f.db'), 'full');
    expect(mode(full)).toBe(2);
    full.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates the database, its -wal and -shm files and its folder readable by their owner only, whatever the umask', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-store-mode-'));
    const old = process.umask(0o022);
    try {
      const file = path.join(dir, 'private', 'hub.db');
      const store = new Store(file);
      store.tx(() => store.createInstance({ id: 'a', name: 'w', input: 'secret', executionId: 'e' }, new Date(0).toISOString()));
      const mode = (f: string): string => (fs.statSync(f).mode & 0o777).toString(8);
      expect(mode(path.dirname(file))).toBe('700');
      expect([mode(file), mode(`${file}-wal`), mode(`${file}-shm`)]).toEqual(['600', '600', '600']);
      store.close();
    } finally {
      process.umask(old);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the played-history cache equal to the file, and drops it when a transaction rolls back', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-store-cache-'));
    const file = path.join(dir, 'h.db');
    const store = new Store(file);
    store.createInstance({ id: 'a', name: 'orch', input: 1, executionId: 'e1' }, at);
    const t = new Date(at);
    store.tx(() => store.appendHistory('a', [history.orchestratorStarted(t), history.executionStarted(t, 'orch', 1)]));
    const first = store.playedHistory('a').orchestrator;
    expect(first.map((e) => [e.EventType, e.IsPlayed])).toEqual([[12, true], [0, true]]);
    // handed to durable-functions as they are, episode after episode: Timestamps already Dates
    expect(first.every((e) => (e.Timestamp as unknown) instanceof Date)).toBe(true);
    store.tx(() => store.appendHistory('a', [history.taskScheduled(t, 0, 'Work', 1)]));
    expect(store.playedHistory('a').events).toHaveLength(3);
    // A rolled-back append must not linger in memory.
    expect(() =>
      store.tx(() => {
        store.appendHistory('a', [history.taskCompleted(t, 0, 2)]);
        throw new Error('crash before commit');
      }),
    ).toThrow('crash');
    expect(store.playedHistory('a').events).toHaveLength(3);
    const cached = store.playedHistory('a').orchestrator;
    // the orchestrator is handed only the events durable-functions reads (no TaskScheduled here)
    expect(cached).toEqual(store.history('a').filter(readByOrchestrator).map((e) => ({ ...e, IsPlayed: true, Timestamp: new Date(e.Timestamp) })));
    expect(store.playedHistory('a').events).toHaveLength(store.history('a').length);
    const events = store.playedHistory('a').events;
    store.close();
    // A new process reading the same file sees the same history.
    const again = new Store(file);
    expect(again.playedHistory('a').orchestrator).toEqual(cached);
    // and the same routing fields the extension's replay reads
    expect(again.playedHistory('a').events).toEqual(events);
    again.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('hides a leased activity until the lease expires, and releases all leases at start-up', () => {
    const store = new Store(':memory:');
    store.addActivity({ instanceId: 'a', taskId: 3, name: 'Work', input: { x: 1 } });
    const claimed = store.claimActivity(1000, 500);
    expect(claimed).toMatchObject({ instanceId: 'a', taskId: 3, name: 'Work', input: { x: 1 } });
    expect(store.claimActivity(1200, 500)).toBeUndefined();
    expect(store.claimActivity(1501, 500)?.id).toBe(claimed!.id);
    expect(store.releaseLeases()).toBe(1);
    expect(store.claimActivity(1600, 500)?.id).toBe(claimed!.id);
    expect(store.finishActivity(claimed!.id)).toBe(true);
    expect(store.finishActivity(claimed!.id)).toBe(false);
    store.close();
  });

  it('opens a file written before execution ids were kept, falling back to the instance id', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-store-'));
    const file = path.join(dir, 'old.db');
    const old = new Database(file);
    old.exec(`CREATE TABLE instances (id TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL, input TEXT, output TEXT, custom_status TEXT, error TEXT,
      created TEXT NOT NULL, updated TEXT NOT NULL, parent_id TEXT, parent_task_id INTEGER,
      next_id INTEGER NOT NULL DEFAULT 0, seen_actions INTEGER NOT NULL DEFAULT 0)`);
    old.prepare(`INSERT INTO instances (id, name, status, created, updated) VALUES ('legacy', 'orch', 'Running', ?, ?)`).run(at, at);
    old.close();
    const store = new Store(file);
    expect(store.instance('legacy')).toMatchObject({ status: 'Running', executionId: 'legacy' });
    store.updateInstance('legacy', { executionId: 'e2' }, at);
    expect(store.instance('legacy')?.executionId).toBe('e2');
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
