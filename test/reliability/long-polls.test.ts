/**
 * Many clients holding the host's connections, tried against the host as a user runs it (the CLI
 * in its own process, the repository's compiled examples, real HTTP on loopback):
 * - 2,000 concurrent starts with `?wait=` that cannot finish in time (each approval waits for its
 *   event): all are answered (202 with the status links once the wait is over), and meanwhile an
 *   unrelated `hello?wait=` completes;
 * - slow readers and slow writers: clients that ask for the status page and never read the
 *   answer, and clients that send half a request and stall; the host keeps serving and stays
 *   small.
 * See SECURITY.md ("Many clients").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, until } from '../host/http-helpers';

const root = path.resolve(__dirname, '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-long-polls-'));
let child: ChildProcess;
let base: string;

/** The host process's resident memory in MB (Linux /proc). */
function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/** A request on its own connection (no pooling), answered or failed: never left hanging by the test. */
function request(method: string, url: string, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

beforeAll(async () => {
  if (!fs.existsSync(path.join(root, 'dist/generated/index.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  const port = await freePort();
  child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(root, 'host/cli.ts'), root, '--port', String(port), '--db', path.join(dir, 'hub.db')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (b) => (out += b));
  child.stderr!.on('data', (b) => (out += b));
  base = `http://127.0.0.1:${port}`;
  await until(async () => (/listening on/.test(out) ? true : undefined), `the host to listen (${out})`, 60_000);
}, 90_000);

afterAll(async () => {
  child?.kill('SIGTERM');
  await new Promise((r) => (child?.exitCode !== null ? r(undefined) : child.once('exit', r)));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('many clients holding connections', () => {
  it('answers 2,000 concurrent ?wait starts once their wait is over, and serves others meanwhile', async () => {
    const n = 2000;
    const waits = Array.from({ length: n }, () => request('POST', `${base}/api/workflows/approval?wait=20s`, { customer: 'ACME', total: 5 }));
    // While they wait: an unrelated start waits for its own end and gets its output.
    const hello = await request('POST', `${base}/api/workflows/hello?wait=60s`, {});
    expect(hello.status).toBe(200);
    expect(JSON.parse(hello.body)).toEqual(['Hello, Tokyo!', 'Hello, Seattle!', 'Hello, London!']);
    const answers = await Promise.all(waits);
    const statuses = new Map<number, number>();
    for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
    const bad = answers.find((a) => a.status !== 202);
    expect(Object.fromEntries(statuses), bad?.body.slice(0, 500)).toEqual({ 202: n });
    for (const a of answers.slice(0, 20)) expect(JSON.parse(a.body).statusQueryGetUri).toMatch(/\/instances\/approval~/);
    expect(child.exitCode).toBeNull();
  }, 300_000);

  it('keeps serving, and stays small, behind clients that never read their answers or never finish their requests', async () => {
    const sockets: net.Socket[] = [];
    const open = (): Promise<net.Socket> =>
      new Promise((resolve, reject) => {
        const s = net.connect(Number(new URL(base).port), '127.0.0.1', () => resolve(s));
        s.on('error', reject);
        sockets.push(s);
      });
    try {
      for (let i = 0; i < 300; i++) {
        // Never reads: asks for the status page and the OpenAPI document again and again on one connection, paused.
        const reader = await open();
        reader.pause();
        reader.write(`GET /api/flow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`.repeat(20));
        // Never finishes: half a request line's headers, then nothing.
        const writer = await open();
        writer.write(`POST /api/workflows/hello HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n`);
      }
      const hello = await request('POST', `${base}/api/workflows/hello?wait=60s`, {});
      expect(hello.status).toBe(200);
      expect(JSON.parse(hello.body)).toHaveLength(3);
      expect(child.exitCode).toBeNull();
      // Paused readers hold what the kernel and the response buffers take, not unbounded memory.
      expect(rssMb(child.pid!)).toBeLessThan(1024);
    } finally {
      for (const s of sockets) s.destroy();
    }
    const after = await request('GET', `${base}/api/flow/api/counts`);
    expect(after.status).toBe(200);
  }, 300_000);
});
