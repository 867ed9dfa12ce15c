/** Small helpers shared by the peer bench: logging, statistics, ports, child processes. */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';

export const log = (s: string): void => void process.stderr.write(`${s}\n`);

// The same statistics as `npm run bench` (nearest-rank percentiles).
export { median, percentile, round } from '../../stats';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns true or `timeoutMs` passes; throws `what` on timeout. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000, everyMs = 100): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`${what} (waited ${timeoutMs} ms)${last ? `: ${(last as Error).message ?? last}` : ''}`);
    await sleep(everyMs);
  }
}

/**
 * A child process this bench started, with the tail of its output kept for error messages. Every
 * one is recorded so that an interrupted run can stop exactly the processes it started.
 */
export interface Child {
  name: string;
  proc: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** Signals the process and waits for it to exit (SIGKILL after `graceMs`). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

const started = new Set<Child>();

export function startChild(name: string, command: string, args: string[], options: SpawnOptions = {}): Child {
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let out = '';
  const keep = (b: Buffer): void => {
    out += b.toString();
    if (out.length > 20_000) out = out.slice(-10_000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null)));
    proc.once('error', (e) => {
      keep(Buffer.from(`\n${e.message}\n`));
      resolve(-1);
    });
  });
  const child: Child = {
    name,
    proc,
    output: () => out,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000) {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill(signal);
        const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(t);
      }
      started.delete(child);
    },
  };
  exited.then(() => started.delete(child));
  started.add(child);
  return child;
}

/** Stops every child still running (on exit or interruption), each by its own pid. */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...started].map((c) => c.stop('SIGTERM', 5_000).catch(() => undefined)));
}

/** Tail of a process's output, for error messages. */
export function tail(text: string, lines = 25): string {
  return text.split('\n').slice(-lines).join('\n');
}

export async function httpJson(url: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const r = await fetch(url, init);
  const text = await r.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: r.status, body };
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; body: any }> {
  return httpJson(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
}

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 8 });

/**
 * POST with a JSON body over a kept-alive connection and no client-side timeout (a request-response
 * call to a long workflow may take minutes); the answer's JSON body, or an error with its text.
 */
export function postJsonLong(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const data = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent: keepAlive, headers: { 'content-type': 'application/json', 'content-length': data.length, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** The installed version of one of bench/peers' dependencies (read from its package.json on disk). */
export function installedVersion(pkg: string): string {
  const file = path.join(__dirname, '..', 'node_modules', pkg, 'package.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}
