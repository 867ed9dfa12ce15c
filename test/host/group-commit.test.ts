/**
 * Work a group commit makes ready starts before that commit is written (engine.ts dispatchReady):
 * the next episode's thread and the next activity's worker run while SQLite writes it. When that
 * commit then fails (the disk), nothing may come of what it started: the episode that read the
 * lost activity result must not record an outcome, and after a restart the instance goes on from
 * what was committed, each task scheduled and completed once.
 *
 * The failing COMMIT is injected (a real disk error cannot be made to order here): the outer
 * transaction of the group commit that carries the first activity's result runs its writes and
 * the early dispatch, then throws, so SQLite rolls all of it back as a failed COMMIT would.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHost, type Host } from '../../host/main';
import type { HistoryEvent } from '../../host/orchestration/history';
import { call, until, untilStatus } from './http-helpers';

const root = path.resolve(__dirname, '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-group-commit-'));
const db = path.join(dir, 'g.db');
const hosts: Host[] = [];

afterAll(async () => {
  for (const h of hosts) await h.close().catch(() => undefined);
  fs.rmSync(dir, { recursive: true, force: true });
});

const TASK_COMPLETED = 5;
const TASK_SCHEDULED = 4;

describe('a group commit that fails after it started the work it made ready (injected COMMIT failure)', () => {
  it('records nothing of the episode it started; after a restart each task is scheduled and completed once', async () => {
    const lines: string[] = [];
    const first = await createHost({ appDir: root, db, port: 0, log: (line) => lines.push(line) });
    hosts.push(first);
    const store = first.store;
    // Arm the failure for the outer transaction that enqueues the first TaskCompleted.
    let depth = 0;
    let armed = true;
    let failThis = false;
    let failed = 0;
    let episodeStartedInside = false;
    const enqueue = store.enqueue.bind(store);
    store.enqueue = (instanceId: string, event: HistoryEvent) => {
      if (armed && event.EventType === TASK_COMPLETED) (armed = false), (failThis = true);
      return enqueue(instanceId, event);
    };
    const messages = store.messages.bind(store);
    store.messages = (instanceId: string) => {
      if (failThis && depth > 0) episodeStartedInside = true;
      return messages(instanceId);
    };
    const tx = store.tx.bind(store);
    store.tx = <T>(fn: () => T): T =>
      tx(() => {
        depth++;
        try {
          const value = fn();
          if (depth === 1 && failThis) {
            failThis = false;
            failed++;
            throw new Error('disk I/O error (injected at COMMIT)');
          }
          return value;
        } finally {
          depth--;
        }
      });

    const r = await call('POST', `${first.url}/api/workflows/hello`, {});
    expect(r.status).toBe(202);
    const id = r.body.id as string;
    await until(async () => (failed === 1 ? true : undefined), 'the injected COMMIT failure');
    // The episode that read the result was started inside the failed commit...
    expect(episodeStartedInside).toBe(true);
    // ...and recorded nothing: once it has ended (its "Executed" line comes after its commit),
    // the history holds the first step's schedule only.
    const executed = (): number => lines.filter((l) => /Executed 'Functions\.hello'/.test(l)).length;
    await until(async () => (executed() >= 2 ? true : undefined), 'the episode started inside the failed commit to end');
    const before = first.store.history(id) as HistoryEvent[];
    expect(before.filter((e) => e.EventType === TASK_SCHEDULED)).toHaveLength(1);
    expect(before.filter((e) => e.EventType === TASK_COMPLETED)).toHaveLength(0);
    expect(first.store.instance(id)?.status).toBe('Running');
    await first.close();

    // A restart runs the first activity again (its lease is released) and the instance completes.
    const second = await createHost({ appDir: root, db, port: 0, quiet: true });
    hosts.push(second);
    const done = await untilStatus(`${second.url}/runtime/webhooks/durabletask/instances/${id}`, ['Completed', 'Failed'], 30_000);
    expect(done.body.runtimeStatus).toBe('Completed');
    expect(done.body.output).toEqual(['Hello, Tokyo!', 'Hello, Seattle!', 'Hello, London!']);
    const after = second.store.history(id) as Array<HistoryEvent & { EventId: number; TaskScheduledId?: number }>;
    const scheduled = after.filter((e) => e.EventType === TASK_SCHEDULED).map((e) => e.EventId);
    const completed = after.filter((e) => e.EventType === TASK_COMPLETED).map((e) => e.TaskScheduledId);
    expect(scheduled).toEqual([0, 1, 2]);
    expect(completed).toEqual([0, 1, 2]);
  });
});
