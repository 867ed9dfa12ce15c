/** Small HTTP helpers for tests against a host on loopback. */
import * as net from 'node:net';

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

export async function call(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** Polls `probe` until it returns a value, within `ms`. */
export async function until<T>(probe: () => Promise<T | undefined>, what: string, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Polls an instance's status URL until its runtimeStatus is one of `statuses`. */
export function untilStatus(statusUrl: string, statuses: string[], ms = 30_000): Promise<Reply> {
  return until(async () => {
    const r = await call('GET', statusUrl);
    return statuses.includes(r.body?.runtimeStatus) ? r : undefined;
  }, `status ${statuses.join('/')} at ${statusUrl}`, ms);
}

/** A TCP port free on loopback right now, for a host started in a child process. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
