/**
 * HTTP fuzz (seeded): malformed and random requests against the embedded host serving the
 * compiled app. Every answer is a status code and, for errors, a JSON `{ error: { code, message } }`
 * body; the host never crashes and keeps answering real requests between the junk.
 */
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost, type Host } from '../../host/main';
import { call } from '../host/http-helpers';
import { prng } from '../helpers/prng';

const root = path.resolve(__dirname, '../..');
let host: Host;

beforeAll(async () => {
  host = await createHost({ appDir: root, db: ':memory:', port: 0, quiet: true });
});
afterAll(async () => {
  await host?.close();
});

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];
const SEGMENTS = ['api', 'workflows', 'hello', 'approval', 'fanOut', 'instances', 'events', 'terminate', 'runtime', 'webhooks', 'durabletask', 'orchestrators', 'raiseEvent', '%00', '..', '%2e%2e', '{id}', 'x'.repeat(300), '', 'openapi.json', '_internal', '😀', '%ZZ'];
const BODIES = ['{"taskCount": 2, "taskMs": 1}', '', '{', '{"a":', 'null', '[]', '"str"', '{"customer": 5}', '\u0000\u0001', '{"taskCount": -1}', 'x'.repeat(10_000), '{"__proto__": {"x": 1}}'];

describe('HTTP fuzz', () => {
  it('answers 300 random requests with a status and JSON errors, and keeps serving', async () => {
    const r = prng(7);
    for (let i = 0; i < 300; i++) {
      const segs = Array.from({ length: 1 + Math.floor(r() * 6) }, () => pick(r, SEGMENTS));
      const query = r() < 0.3 ? `?${pick(r, ['wait=abc', 'top=-5', 'showHistory=maybe', 'code=', 'continuationToken=%%%', 'status=Nope', 'from=yesterday'])}` : '';
      const url = `${host.url}/${segs.join('/')}${query}`;
      const method = pick(r, METHODS);
      let res: Awaited<ReturnType<typeof call>>;
      try {
        res = await call(method, url, method === 'GET' ? undefined : pick(r, BODIES), r() < 0.2 ? { 'content-type': 'text/plain', 'x-ms-continuation-token': '%%%' } : {});
      } catch (e) {
        throw new Error(`request ${i} (${method} ${url}) got no answer: ${(e as Error).message}`);
      }
      expect(res.status, `${method} ${url}`).toBeGreaterThanOrEqual(200);
      expect(res.status, `${method} ${url}`).toBeLessThan(600);
      if (res.status >= 400 && res.status !== 500) {
        expect(typeof res.body?.error?.code, `${method} ${url} → ${res.status} ${JSON.stringify(res.body)}`).toBe('string');
      }
      expect(res.status, `${method} ${url} → ${JSON.stringify(res.body)}`).not.toBe(500);
    }
    // Raw protocol junk on the socket must not take the server down either.
    await new Promise<void>((resolve) => {
      const { port } = new URL(host.url);
      const s = net.connect(Number(port), '127.0.0.1', () => s.write('GARBAGE / HTTP/9.9\r\n\r\n\u0000\u0001'));
      s.setTimeout(2000, () => s.destroy());
      s.on('close', () => resolve());
      s.on('error', () => resolve());
    });
    // Still serving: an HTTP trigger of the app and the Durable API answer normally. (Work the fuzz
    // started, e.g. small fan-outs through the webhook start, may still be queued.)
    expect((await call('GET', `${host.url}/api/openapi.json`)).status).toBe(200);
    const started = await call('POST', `${host.url}/api/workflows/hello`, {});
    expect(started.status).toBe(202);
    expect([200, 202]).toContain((await call('GET', started.body.statusQueryGetUri)).status);
  });
});
