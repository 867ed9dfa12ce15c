/**
 * The peers' worker processes: each system's workflows and activities run in a Node process of
 * their own (as they would in production), forked with an IPC channel over which the runner reads
 * the in-flight counter and asks the worker to stop.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { tail } from './util';

type Handler = (args: any) => unknown | Promise<unknown>;

/** Child side: answers the runner's requests; sends `ready` (with `info`) once set up. */
export function serveIpc(handlers: Record<string, Handler>): { ready(info?: unknown): void } {
  process.on('message', async (m: { id: number; method: string; args: unknown }) => {
    try {
      const h = handlers[m.method];
      if (!h) throw new Error(`unknown method ${m.method}`);
      process.send!({ id: m.id, result: await h(m.args) });
    } catch (e) {
      process.send!({ id: m.id, error: (e as Error).stack ?? String(e) });
    }
  });
  process.on('disconnect', () => process.exit(0));
  return { ready: (info?: unknown) => process.send!({ ready: true, info }) };
}

export interface WorkerHandle {
  info: any;
  call<T = unknown>(method: string, args?: unknown): Promise<T>;
  output(): string;
  stop(): Promise<void>;
}

/** Parent side: forks `file` with tsx, waits for `ready` (or fails with the worker's output). */
export async function forkWorker(name: string, file: string, env: Record<string, string>, timeoutMs = 60_000): Promise<WorkerHandle> {
  const child: ChildProcess = fork(file, [], {
    execArgv: ['--require', require.resolve('tsx/cjs')],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let out = '';
  const keep = (b: Buffer): void => {
    out += b.toString();
    if (out.length > 20_000) out = out.slice(-10_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let nextId = 1;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const info = await new Promise<unknown>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${name} worker not ready after ${timeoutMs} ms:\n${tail(out)}`)), timeoutMs);
    child.on('message', (m: any) => {
      if (m.ready) {
        clearTimeout(t);
        resolve(m.info);
        return;
      }
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.error) p.reject(new Error(`${name} worker: ${m.error}`));
      else p.resolve(m.result);
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      const e = new Error(`${name} worker exited (code ${code}):\n${tail(out)}`);
      reject(e);
      for (const p of pending.values()) p.reject(e);
      pending.clear();
    });
  });
  return {
    info,
    output: () => out,
    call<T>(method: string, args?: unknown): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, method, args });
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    },
  };
}
