/**
 * Crash safety: the host process is killed with SIGKILL in the middle of a 50-item capped
 * fan-out, restarted on the same SQLite file, and the instance still completes with the right
 * output. Activities whose completion had been committed before the kill never run again;
 * those in flight at the kill may run again (at-least-once, as documented).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { call, freePort, until, untilStatus } from './http-helpers';

const root = path.resolve(__dirname, '../..');
const app = path.join(root, 'test/fixtures/host-app');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-crash-'));
const db = path.join(dir, 'crash.db');
const workLog = path.join(dir, 'work.log');
const children: ChildProcess[] = [];

async function startHost(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(root, 'host/cli.ts'), app, '--port', String(port), '--db', db], {
    cwd: root,
    env: { ...process.env, WORK_LOG: workLog },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (b) => (out += b));
  child.stderr!.on('data', (b) => (out += b));
  await until(async () => (out.includes('listening on') ? true : undefined), `host start:\n${out}`, 30_000);
  return child;
}

const starts = (): number[] => (fs.existsSync(workLog) ? fs.readFileSync(workLog, 'utf8').trim().split('\n').filter(Boolean).map((l) => Number(l.split(' ')[1])) : []);

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('crash safety', () => {
  it('survives SIGKILL mid fan-out: completes correctly, committed activities never re-run', async () => {
    const port = await freePort();
    const first = await startHost(port);
    const base = `http://127.0.0.1:${port}/runtime/webhooks/durabletask`;
    const started = await call('POST', `${base}/orchestrators/crashFanOut/crash-1`, { count: 50 });
    expect(started.status).toBe(202);
    await until(async () => (starts().length >= 20 ? true : undefined), '20 activities to start');
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));

    // What the database had committed at the moment of the kill.
    const snapshot = new Database(db, { readonly: true });
    const events = (snapshot.prepare("SELECT event FROM history WHERE instance_id = 'crash-1' ORDER BY seq").all() as Array<{ event: string }>).map((r) => JSON.parse(r.event));
    const queued = (snapshot.prepare("SELECT event FROM messages WHERE instance_id = 'crash-1'").all() as Array<{ event: string }>).map((r) => JSON.parse(r.event));
    snapshot.close();
    const inputOf = new Map(events.filter((e) => e.EventType === 4).map((e) => [e.EventId, JSON.parse(e.Input)]));
    const committed = [...events, ...queued].filter((e) => e.EventType === 5).map((e) => inputOf.get(e.TaskScheduledId) as number);
    const startsBeforeKill = starts().length;
    expect(committed.length).toBeGreaterThan(0);
    expect(committed.length).toBeLessThan(50);

    await startHost(port);
    const done = await untilStatus(`${base}/instances/crash-1`, ['Completed', 'Failed'], 60_000);
    expect(done.body.runtimeStatus).toBe('Completed');
    expect(done.body.output).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));

    const all = starts();
    const count = (i: number): number => all.filter((x) => x === i).length;
    for (const i of committed) expect(count(i), `committed item ${i} ran again`).toBe(1);
    for (let i = 0; i < 50; i++) expect(count(i)).toBeGreaterThanOrEqual(1);
    // Only what was in flight at the kill (at most the cap) may have run twice.
    expect(all.length - 50).toBeLessThanOrEqual(10);
    expect(startsBeforeKill).toBeGreaterThanOrEqual(20);
  });
});
