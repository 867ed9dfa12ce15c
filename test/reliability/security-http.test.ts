/**
 * Attacks on the HTTP surface, each tried with loopback traffic against the real compiled app on
 * the embedded host (the repository's example workflows plus a few fixtures, compiled by the real
 * compiler): every one is refused with a clear 4xx JSON error or is harmless, the store shows that
 * nothing else was started or terminated, and the host keeps serving. See SECURITY.md.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDist, compileToGenerated } from '../../compiler/src/compile';
import { ownHosts, resolveKeys, safeEqual } from '../../host/http/auth';
import { createHost, type Host } from '../../host/main';
import { launch } from '../flow/browser';
import { call, until, untilStatus, type Reply } from '../host/http-helpers';

const repo = path.resolve(__dirname, '../..');

/** Fixture workflows beside the examples: every auth level, nested sub-workflows, a failure, a validated timer. */
const FIXTURES: Record<string, string> = {
  secOpen: 'dsl: 1\ntrigger:\n  http: { route: sec/open, methods: [POST], authLevel: anonymous }\nsteps:\n  - waitForEvent: Go\n    timeout: 1h\n',
  secAdmin: 'dsl: 1\ntrigger:\n  http: { route: sec/admin, methods: [POST], authLevel: admin }\nsteps:\n  - activity: SayHello\n    input: admin\n',
  secParent: 'dsl: 1\ntrigger:\n  http: { route: sec/parent, methods: [POST], authLevel: function }\nsteps:\n  - workflow: secChild\n',
  secChild: 'dsl: 1\nsteps:\n  - workflow: secLeaf\n',
  secLeaf: 'dsl: 1\nsteps:\n  - waitForEvent: Go\n    timeout: 1h\n',
  secFail: 'dsl: 1\nsteps:\n  - fail: { error: Boom, message: on purpose }\n',
  secTick: 'dsl: 1\ninput:\n  type: object\n  required: [region]\ntrigger:\n  schedule: "* * * * * *"\nsteps:\n  - activity: SayHello\n    input: tick\n',
  // a starter any web page could trigger (warning DF504)
  secGet: 'dsl: 1\ntrigger:\n  http: { route: sec/get, methods: [GET], authLevel: anonymous }\nsteps:\n  - activity: SayHello\n    input: get\n',
  // an anonymous singleton whose key is whatever the caller sends: it could name another workflow's instance
  secSquat:
    'dsl: 1\ninput:\n  type: object\n  required: [id]\n  properties:\n    id: { type: string }\ntrigger:\n  http: { route: sec/squat, methods: [POST], authLevel: anonymous }\nsingleton:\n  key: "${ input.id }"\n  onConflict: returnExisting\nsteps:\n  - activity: SayHello\n    input: squat\n',
  // an admin workflow whose sub-workflow (secLeaf) is function-level on its own
  secAdminParent: 'dsl: 1\ntrigger:\n  http: { route: sec/admin-parent, methods: [POST], authLevel: admin }\nsteps:\n  - workflow: secLeaf\n',
};

/** The examples and the fixtures, compiled and built into a temp project (shares node_modules). */
function buildSecurityApp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-security-app-'));
  fs.cpSync(path.join(repo, 'workflows'), path.join(dir, 'workflows'), { recursive: true });
  for (const [name, text] of Object.entries(FIXTURES)) fs.writeFileSync(path.join(dir, `workflows/${name}.yaml`), text);
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'));
  fs.cpSync(path.join(repo, 'runtime'), path.join(dir, 'runtime'), { recursive: true });
  for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'host.json']) fs.copyFileSync(path.join(repo, f), path.join(dir, f));
  const r = compileToGenerated(dir, { write: true });
  if (!r.front.ok) throw new Error(`fixture app does not compile: ${r.front.diagnostics.map((d) => d.message).join('; ')}`);
  compileWarnings = r.front.diagnostics.filter((d) => d.severity === 'warning').map((d) => `${d.code} ${d.span.file}:${d.span.start.line}:${d.span.start.col}`);
  const built = buildDist(dir);
  if (!built.ok) throw new Error(`fixture app does not build:\n${built.output}`);
  return dir;
}

let app: string;
let compileWarnings: string[] = [];
let open: Host; // keys not enforced (the default)
let locked: Host; // --enforce-auth
const logs: string[] = [];

beforeAll(async () => {
  app = buildSecurityApp();
  open = await createHost({ appDir: app, db: ':memory:', port: 0, quiet: true, log: (l) => logs.push(l) });
  locked = await createHost({ appDir: app, db: ':memory:', port: 0, quiet: true, enforceAuth: true, log: () => {} });
}, 120_000);

afterAll(async () => {
  await open?.close();
  await locked?.close();
  if (app) fs.rmSync(app, { recursive: true, force: true });
});

/** A request sent exactly as given (Host, Origin, absolute-form target), which fetch cannot do. */
function raw(base: string, method: string, target: string, options: { headers?: Record<string, string>; body?: unknown } = {}): Promise<Reply> {
  const { port } = new URL(base);
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host: `127.0.0.1:${port}`, 'content-type': 'application/json', ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }), ...options.headers };
    const req = http.request({ host: '127.0.0.1', port: Number(port), method, path: target, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : null;
        } catch {
          // keep the text
        }
        resolve({ status: res.statusCode ?? 0, headers: new Headers(res.headers as Record<string, string>), body: parsed });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const links = (body: Record<string, string>): string[] => Object.entries(body).filter(([k]) => k !== 'id').map(([, v]) => v);
const instancesOf = (host: Host, name: string) => host.store.listInstances({ top: 100_000 }).filter((r) => r.name === name);
const expectError = (r: Reply, status: number, code: string): void => {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.body.error.code).toBe(code);
  expect(typeof r.body.error.message).toBe('string');
};

describe('keys (--enforce-auth)', () => {
  it('never puts the master key in links given to a function-level or anonymous caller', async () => {
    const k = locked.keys!;
    const fn = await call('POST', `${locked.url}/api/workflows/hello?code=${k.function}`, {});
    const byMaster = await call('POST', `${locked.url}/api/workflows/hello`, {}, { 'x-functions-key': k.master });
    const anon = await call('POST', `${locked.url}/api/sec/open`, {});
    for (const r of [fn, byMaster, anon]) {
      expect(r.status).toBe(202);
      for (const link of links(r.body)) expect(link).not.toContain(k.master);
      expect(r.headers.get('location')).not.toContain(k.master);
    }
    // a function-level route's links carry the function key (also for a caller who showed the master key)
    for (const link of [...links(fn.body), ...links(byMaster.body)]) expect(new URL(link.replace(/\{\w+\}/g, 'x')).searchParams.get('code')).toBe(k.function);
    // an anonymous route's links carry no key at all
    for (const link of links(anon.body)) expect(new URL(link.replace(/\{\w+\}/g, 'x')).searchParams.has('code')).toBe(false);
    // only an admin route's caller (who showed the master key) gets it back
    const admin = await call('POST', `${locked.url}/api/sec/admin?code=${k.master}`, {});
    expect(admin.status).toBe(202);
    expect(new URL(admin.body.statusQueryGetUri).searchParams.get('code')).toBe(k.master);
  });

  it('makes every link of a 202 work for the caller who received it, and for nothing more', async () => {
    const k = locked.keys!;
    for (const [start, key] of [
      [`${locked.url}/api/sec/open`, undefined],
      [`${locked.url}/api/workflows/approval?code=${k.function}`, k.function],
    ] as const) {
      const r = await call('POST', start, start.includes('approval') ? { customer: 'L', total: 1 } : {});
      expect(r.status).toBe(202);
      const l = r.body as Record<string, string>;
      const fill = (u: string): string => u.replace('{eventName}', 'Nope').replace('{text}', 'from%20a%20link');
      const status = await untilStatus(l.statusQueryGetUri, ['Running']);
      expect(status.status).toBe(202);
      expect((await call('POST', fill(l.sendEventPostUri), {})).status).toBe(202);
      expect((await call('POST', fill(l.suspendPostUri))).status).toBe(202);
      expect((await call('POST', fill(l.resumePostUri))).status).toBe(202);
      expect((await call('POST', fill(l.rewindPostUri))).status).toBe(501); // not supported locally, but authorized
      expect((await call('POST', fill(l.terminatePostUri))).status).toBe(202);
      await untilStatus(l.statusQueryGetUri, ['Terminated']);
      const restarted = await call('POST', l.restartPostUri);
      expect(restarted.status).toBe(202);
      expect(new URL(restarted.body.statusQueryGetUri).searchParams.get('code') ?? undefined).toBe(key);
      expect((await call('DELETE', l.purgeHistoryDeleteUri)).status).toBe(200);
    }
    // the anonymous caller's link shape does not open a function-level instance
    const other = await call('POST', `${locked.url}/api/workflows/hello?code=${k.function}`, {});
    expectError(await call('GET', `${locked.url}/runtime/webhooks/durabletask/instances/${other.body.id}`), 401, 'Unauthorized');
    // nor the listing of every instance, nor an admin workflow's start through the webhook
    expectError(await call('GET', `${locked.url}/runtime/webhooks/durabletask/instances?code=${k.function}`), 401, 'Unauthorized');
    expect((await call('GET', `${locked.url}/runtime/webhooks/durabletask/instances?code=${k.master}`)).status).toBe(200);
    const before = instancesOf(locked, 'secAdmin').length;
    expectError(await call('POST', `${locked.url}/runtime/webhooks/durabletask/orchestrators/secAdmin?code=${k.function}`, {}), 401, 'Unauthorized');
    expectError(await call('POST', `${locked.url}/api/sec/admin?code=${k.function}`, {}), 401, 'Unauthorized');
    expect(instancesOf(locked, 'secAdmin')).toHaveLength(before);
    expectError(await call('GET', `${locked.url}/admin/functions?code=${k.function}`), 401, 'Unauthorized');
  });

  it('refuses to start with an empty, short or shared key in local.settings.json', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-keys-'));
    try {
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ main: path.join(app, 'dist/generated/index.js') }));
      const start = (Host: Record<string, unknown>): Promise<Host> => {
        fs.writeFileSync(path.join(dir, 'local.settings.json'), JSON.stringify({ IsEncrypted: false, Values: {}, Host }));
        return createHost({ appDir: dir, db: ':memory:', port: 0, quiet: true, enforceAuth: true });
      };
      await expect(start({ MasterKey: '' })).rejects.toThrow(/Host\.MasterKey is empty/);
      await expect(start({ FunctionKey: '' })).rejects.toThrow(/Host\.FunctionKey is empty/);
      await expect(start({ FunctionKey: '   ' })).rejects.toThrow(/Host\.FunctionKey is empty/);
      await expect(start({ MasterKey: 'short' })).rejects.toThrow(/at least 16 characters/);
      await expect(start({ MasterKey: 12345678901234567890 })).rejects.toThrow(/must be a string/);
      await expect(start({ FunctionKey: 'same-key-for-both-levels', MasterKey: 'same-key-for-both-levels' })).rejects.toThrow(/must differ/);
      const good = await start({ FunctionKey: 'function-key-0123456789', MasterKey: 'master-key-0123456789' });
      try {
        expect(good.keys).toEqual({ function: 'function-key-0123456789', master: 'master-key-0123456789' });
        expect((await call('POST', `${good.url}/api/workflows/hello?code=function-key-0123456789`, {})).status).toBe(202);
      } finally {
        await good.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    // keys are generated when not given, and differ
    const generated = resolveKeys(undefined);
    expect(generated.function.length).toBeGreaterThanOrEqual(32);
    expect(generated.function).not.toBe(generated.master);
  });

  it('compares keys in constant time over equal-length digests', () => {
    expect(safeEqual('k'.repeat(40), 'k'.repeat(40))).toBe(true);
    expect(safeEqual('k'.repeat(40), `${'k'.repeat(39)}x`)).toBe(false);
    // lengths differ: timingSafeEqual over the raw strings would throw; over digests it answers false
    expect(safeEqual('k', 'k'.repeat(40))).toBe(false);
    expect(safeEqual('', 'k'.repeat(40))).toBe(false);
    expect(safeEqual(undefined, 'k'.repeat(40))).toBe(false);
    expect(safeEqual('ключ-ü', 'ключ-ü')).toBe(true);
  });
});

describe('the internal RPC endpoint', () => {
  it('answers 403 without the per-process secret, and starts nothing', async () => {
    const before = instancesOf(open, 'secAdmin').length;
    for (const target of ['/_internal/durabletask/orchestrators/secAdmin', '/_internal/durabletask/not-the-secret/orchestrators/secAdmin', '/_internal/durabletask/', '/_internal/durabletask']) {
      expectError(await call('POST', `${open.url}${target}`, {}), 403, 'Forbidden');
    }
    expect(instancesOf(open, 'secAdmin')).toHaveLength(before);
    // the app's own client (which carries the secret) still works: a start through the starter
    expect((await call('POST', `${open.url}/api/sec/admin`, {})).status).toBe(202);
  });
});

describe('Host, Origin and the request target', () => {
  const families = ['/api/workflows/hello', '/runtime/webhooks/durabletask/instances', '/_internal/durabletask/x/instances', '/', '/admin/functions'];

  it.each(['evil.example', 'evil.example:PORT', '127.0.0.1:1', 'localhost', 'localhost.evil.example:PORT'])('refuses Host %j with 421 on every endpoint family', async (host) => {
    const port = new URL(open.url).port;
    for (const target of families) {
      const r = await raw(open.url, 'POST', target, { headers: { host: host.replace('PORT', port) }, body: {} });
      expectError(r, 421, 'MisdirectedRequest');
    }
  });

  it('refuses an empty or missing Host header with 421', async () => {
    const port = Number(new URL(open.url).port);
    const send = (text: string): Promise<string> =>
      new Promise((resolve) => {
        let got = '';
        const s = net.connect(port, '127.0.0.1', () => s.write(text));
        s.on('data', (c) => (got += c.toString('utf8')));
        s.on('end', () => resolve(got));
        s.on('close', () => resolve(got));
      });
    for (const request of ['GET /api/openapi.json HTTP/1.1\r\nHost: \r\nConnection: close\r\n\r\n', 'GET /api/openapi.json HTTP/1.0\r\n\r\n']) {
      const answer = await send(request);
      expect(answer).toMatch(/^HTTP\/1\.1 421 /);
      expect(answer).toContain('"code":"MisdirectedRequest"');
    }
  });

  it('knows its own names: with the port, and without it only on port 80', () => {
    expect([...ownHosts(7071, '127.0.0.1')].sort()).toEqual(['127.0.0.1:7071', '[::1]:7071', 'localhost:7071']);
    expect(ownHosts(80, '127.0.0.1')).toEqual(new Set(['127.0.0.1:80', '127.0.0.1', 'localhost:80', 'localhost', '[::1]:80', '[::1]']));
  });

  it('accepts the host under its own names (127.0.0.1, localhost, [::1])', async () => {
    const port = new URL(open.url).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      expect((await raw(open.url, 'GET', '/api/openapi.json', { headers: { host } })).status).toBe(200);
    }
  });

  it('refuses a request from a page of another origin (403) and starts nothing', async () => {
    const before = instancesOf(open, 'secOpen').length + instancesOf(open, 'secAdmin').length;
    for (const target of ['/api/sec/open', '/runtime/webhooks/durabletask/orchestrators/secAdmin']) {
      for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:1`]) {
        expectError(await raw(open.url, 'POST', target, { headers: { origin }, body: {} }), 403, 'CrossOriginRequest');
      }
    }
    expect(instancesOf(open, 'secOpen').length + instancesOf(open, 'secAdmin').length).toBe(before);
    const same = await raw(open.url, 'POST', '/api/sec/admin', { headers: { origin: open.url }, body: {} });
    expect(same.status).toBe(202);
  });

  it('refuses an absolute-form target naming another origin, and never lets one change the links', async () => {
    const decoy = http.createServer((_req, res) => {
      hits++;
      res.end('{}');
    });
    let hits = 0;
    await new Promise<void>((r) => decoy.listen(0, '127.0.0.1', () => r()));
    const decoyPort = (decoy.address() as AddressInfo).port;
    try {
      const k = locked.keys!;
      const away = await raw(locked.url, 'POST', `http://127.0.0.1:${decoyPort}/api/workflows/hello?code=${k.function}`, { body: {} });
      expectError(away, 421, 'MisdirectedRequest');
      const port = new URL(locked.url).port;
      // the host's own authority, spelled differently: served, and the links stay on the host's origin
      const home = await raw(locked.url, 'POST', `http://localhost:${port}/api/workflows/hello?code=${k.function}`, { body: {} });
      expect(home.status).toBe(202);
      for (const link of links(home.body)) expect(new URL(link.replace(/\{\w+\}/g, 'x')).origin).toBe(locked.url);
      // a Host header naming localhost does not change them either
      const viaLocalhost = await raw(locked.url, 'POST', `/api/workflows/hello?code=${k.function}`, { headers: { host: `localhost:${port}` }, body: {} });
      for (const link of links(viaLocalhost.body)) expect(new URL(link.replace(/\{\w+\}/g, 'x')).origin).toBe(locked.url);
      await untilStatus(home.body.statusQueryGetUri, ['Completed']);
      // a protocol-relative path is a path on this host, not another host
      expectError(await raw(locked.url, 'GET', `//127.0.0.1:${decoyPort}/api/openapi.json`), 404, 'NotFound');
      expect(hits).toBe(0);
    } finally {
      await new Promise((r) => decoy.close(r));
    }
  });
});

describe('durable client inputs', () => {
  /** An approval instance waiting for its event (the attacker's), and another workflow's instance (the victim). */
  async function attackerAndVictim(): Promise<{ attacker: string; victim: string }> {
    const attacker = (await call('POST', `${open.url}/api/workflows/approval`, { customer: 'X', total: 1 })).body.id;
    const victim = (await call('POST', `${open.url}/api/sec/open`, {})).body.id;
    await untilStatus(`${open.url}/runtime/webhooks/durabletask/instances/${attacker}`, ['Running']);
    await untilStatus(`${open.url}/runtime/webhooks/durabletask/instances/${victim}`, ['Running']);
    return { attacker, victim };
  }

  it('refuses traversal event names on a workflow route with 400 naming them; nothing is started or terminated', async () => {
    const { attacker, victim } = await attackerAndVictim();
    const admins = instancesOf(open, 'secAdmin').length;
    const cases = [
      [`..%2F..%2F${victim}%2Fterminate`, `../../${victim}/terminate`],
      ['..%2F..%2F..%2Forchestrators%2FsecAdmin', '../../../orchestrators/secAdmin'],
      ['a%23b', 'a#b'],
      ['a%3Fcode%3Dx', 'a?code=x'],
      ['a%5Cb', 'a\\b'],
      ['a%00b', 'a\\u0000b'],
      ['x'.repeat(101), 'x'.repeat(101)],
    ];
    for (const [sent, named] of cases) {
      const r = await raw(open.url, 'POST', `/api/workflows/approval/instances/${attacker}/events/${sent}`, { body: { approved: true } });
      expectError(r, 400, 'InvalidEventName');
      expect(r.body.error.message).toContain(`'${named.length > 120 ? named.slice(0, 120) : named}`);
    }
    expect(open.store.instance(victim)!.status).toBe('Running');
    expect(open.store.instance(attacker)!.status).toBe('Running');
    expect(instancesOf(open, 'secAdmin')).toHaveLength(admins);
  });

  it('refuses traversal instance ids on workflow routes and the webhook API with 400 naming them', async () => {
    const { attacker, victim } = await attackerAndVictim();
    const admins = instancesOf(open, 'secAdmin').length;
    for (const [method, target, named] of [
      ['GET', '/api/workflows/approval/instances/..%2F..%2Forchestrators%2FsecAdmin', '../../orchestrators/secAdmin'],
      ['POST', `/api/workflows/approval/instances/x%2F..%2F..%2F${victim}/terminate`, `x/../../${victim}`],
      ['DELETE', `/api/workflows/approval/instances/a%23b`, 'a#b'],
      ['POST', `/runtime/webhooks/durabletask/instances/${attacker}%2F..%2F..%2F${victim}/terminate`, `${attacker}/../../${victim}`],
      ['POST', `/runtime/webhooks/durabletask/orchestrators/secAdmin/a%2F..%2Fb`, 'a/../b'],
      ['POST', `/runtime/webhooks/durabletask/orchestrators/hello/a%23b`, 'a#b'],
    ] as const) {
      const r = await raw(open.url, method, target, { body: {} });
      expectError(r, 400, 'InvalidInstanceId');
      expect(r.body.error.message).toContain(`'${named}'`);
    }
    const event = await raw(open.url, 'POST', `/runtime/webhooks/durabletask/instances/${attacker}/raiseEvent/..%2F..%2F${victim}%2Fterminate`, { body: {} });
    expectError(event, 400, 'InvalidEventName');
    expectError(await raw(open.url, 'GET', '/runtime/webhooks/durabletask/instances/%ZZ'), 400, 'InvalidPath');
    expectError(await raw(open.url, 'GET', '/api/workflows/approval/instances/%ZZ'), 400, 'InvalidPath');
    expect(open.store.instance(victim)!.status).toBe('Running');
    expect(open.store.instance(attacker)!.status).toBe('Running');
    expect(instancesOf(open, 'secAdmin')).toHaveLength(admins);
  });

  it('refuses singleton keys with / \\ # ? or control characters with 400 naming the key; odd but valid keys round-trip', async () => {
    for (const customerId of ['a#b', 'a/b', 'a?b', 'a\\b', 'a\u0001b', 'x'.repeat(100)]) {
      const r = await call('POST', `${open.url}/api/workflows/customerReport`, { customerId });
      expectError(r, 400, 'InvalidSingletonKey');
      expect(r.body.error.message).toContain(`singleton key 'report-${customerId.replace('\u0001', '\\u0001').slice(0, 120)}`);
    }
    expect(open.store.listInstances({ prefix: 'report-a', top: 10 })).toHaveLength(0);
    const odd = 'ACME Corp+100%&code=x';
    const started = await call('POST', `${open.url}/api/workflows/customerReport`, { customerId: odd });
    expect(started.status).toBe(202);
    expect(started.body.id).toBe(`report-${odd}`);
    expect(open.store.instance(`report-${odd}`)).toBeDefined();
    const status = await call('GET', started.body.statusQueryGetUri);
    expect(status.body.instanceId).toBe(`report-${odd}`);
    const friendly = await call('GET', `${open.url}/api/workflows/customerReport/instances/${encodeURIComponent(`report-${odd}`)}`);
    expect(friendly.body.id).toBe(`report-${odd}`);
  });
});

describe('every start is validated', () => {
  it('runs the input validator on webhook starts: 400 with the violations, no instance created', async () => {
    const before = instancesOf(open, 'fanOut').length;
    const r = await call('POST', `${open.url}/runtime/webhooks/durabletask/orchestrators/fanOut`, { taskCount: 1e9 });
    expectError(r, 400, 'InvalidInput');
    expect(r.body.violations).toEqual([{ pointer: '/taskCount', message: 'must be <= 100000' }]);
    expectError(await call('POST', `${open.url}/runtime/webhooks/durabletask/orchestrators/fanOut/chosen-id`, { taskMs: -1 }), 400, 'InvalidInput');
    expectError(await call('POST', `${open.url}/runtime/webhooks/durabletask/orchestrators/fanOut-partition`, { items: [] }), 400, 'InternalOrchestrator');
    expect(instancesOf(open, 'fanOut')).toHaveLength(before);
    expect(instancesOf(open, 'fanOut-partition')).toHaveLength(0);
    // valid input still starts
    const ok = await call('POST', `${open.url}/runtime/webhooks/durabletask/orchestrators/fanOut`, { taskCount: 2, taskMs: 1 });
    expect(ok.status).toBe(202);
    await untilStatus(ok.body.statusQueryGetUri, ['Completed']);
  });

  it('runs it on timer starts: an input the schema refuses fails the tick and starts nothing', async () => {
    const line = await until(async () => logs.find((l) => l.includes('Functions.secTick_schedule') && l.includes('does not match its schema')), 'a refused timer tick', 10_000);
    expect(line).toContain("the timer start input (null) of 'secTick' does not match its schema: / must be object");
    expect(instancesOf(open, 'secTick')).toHaveLength(0);
  });

  it("caps ?wait at 230 s, Azure's front-end limit", async () => {
    const over = await call('POST', `${open.url}/api/workflows/hello?wait=231s`, {});
    expectError(over, 400, 'InvalidWait');
    expect(over.body.error.message).toContain('230s');
    expectError(await call('POST', `${open.url}/api/workflows/hello?wait=PT4M`, {}), 400, 'InvalidWait');
    expect((await call('POST', `${open.url}/api/workflows/hello?wait=230s`, {})).status).toBe(200);
  });
});

describe('singletons and terminate', () => {
  it('restarts a singleton under its own id only: 409 while it runs, the same id once finished', async () => {
    const started = await call('POST', `${open.url}/api/workflows/customerReport`, { customerId: 'R' });
    expect(started.body.id).toBe('report-R');
    const perWorkflow = await call('POST', `${open.url}/api/workflows/customerReport/instances/report-R/restart`);
    expectError(perWorkflow, 409, 'AlreadyRunning');
    expect(perWorkflow.body.instance.id).toBe('report-R');
    expectError(await call('POST', `${open.url}/runtime/webhooks/durabletask/instances/report-R/restart`), 409, 'Conflict');
    expect(open.store.listInstances({ prefix: 'report-R', top: 10 })).toHaveLength(1);
    await untilStatus(started.body.statusQueryGetUri, ['Completed']);
    const again = await call('POST', `${open.url}/api/workflows/customerReport/instances/report-R/restart`);
    expect(again.status).toBe(202);
    expect(again.body.id).toBe('report-R');
    await untilStatus(again.body.statusQueryGetUri, ['Completed']);
    const viaWebhook = await call('POST', `${open.url}/runtime/webhooks/durabletask/instances/report-R/restart`);
    expect(viaWebhook.status).toBe(202);
    expect(viaWebhook.body.id).toBe('report-R');
    expect(open.store.listInstances({ prefix: 'report-R', top: 10 }).map((r) => r.id)).toEqual(['report-R']);
    await untilStatus(viaWebhook.body.statusQueryGetUri, ['Completed']);
  });

  it('terminates the sub-workflows a workflow started, recursively', async () => {
    const started = await call('POST', `${open.url}/api/sec/parent`, {});
    const root = started.body.id as string;
    const leaf = await until(async () => instancesOf(open, 'secLeaf').find((r) => r.status === 'Running' && open.store.instance(r.parentId!)?.parentId === root), 'the leaf running');
    const child = leaf.parentId!;
    const r = await call('POST', `${open.url}/api/sec/parent/instances/${root}/terminate?reason=stop`);
    expect(r.status).toBe(202);
    expect(r.body.alsoTerminated.sort()).toEqual([child, leaf.id].sort());
    for (const id of [root, child, leaf.id]) expect(open.store.instance(id)!.status).toBe('Terminated');
  });

  it('terminates the partition slices of a long fan-out', async () => {
    const started = await call('POST', `${open.url}/api/workflows/fanOut`, { taskCount: 250, taskMs: 3000 });
    const root = started.body.id as string;
    const slicesOf = () => instancesOf(open, 'fanOut-partition').filter((r) => r.parentId === root);
    await until(async () => (slicesOf().filter((r) => r.status === 'Running').length >= 2 ? true : undefined), 'two slices running');
    const running = slicesOf().filter((r) => r.status === 'Running').map((r) => r.id);
    const r = await call('POST', `${open.url}/api/workflows/fanOut/instances/${root}/terminate`);
    expect(r.status).toBe(202);
    expect(r.body.alsoTerminated.sort()).toEqual(running.sort());
    expect(open.store.instance(root)!.status).toBe('Terminated');
    for (const s of slicesOf()) expect(s.status).toBe('Terminated');
  });

  it('answers a finished instance with 200 on the webhook status (Failed, Terminated) and the per-workflow status', async () => {
    const failed = await call('POST', `${open.url}/api/workflows/secFail`, {});
    const f = await untilStatus(failed.body.statusQueryGetUri, ['Failed']);
    expect(f.status).toBe(200);
    expect(f.headers.get('location')).toBeNull();
    expect((await call('GET', `${failed.body.statusQueryGetUri}&returnInternalServerErrorOnFailure=true`)).status).toBe(500);
    const friendly = await call('GET', `${open.url}/api/workflows/secFail/instances/${failed.body.id}`);
    expect(friendly.status).toBe(200);
    expect(friendly.body).toMatchObject({ status: 'Failed', error: { message: expect.stringContaining('on purpose') } });
    const running = await call('POST', `${open.url}/api/sec/open`, {});
    const r = await untilStatus(running.body.statusQueryGetUri, ['Running']);
    expect(r.status).toBe(202);
    expect(r.headers.get('location')).toBe(running.body.statusQueryGetUri);
  });
});

describe('ids belong to their workflow', () => {
  const webhook = (host: Host, rest: string): string => `${host.url}/runtime/webhooks/durabletask/${rest}`;

  it("refuses a webhook start under another workflow's instance id without that workflow's key (409); the instance stays whole", async () => {
    const k = locked.keys!;
    const victim = await call('POST', `${locked.url}/api/workflows/hello?code=${k.function}`, {});
    await untilStatus(victim.body.statusQueryGetUri, ['Completed']);
    const id = victim.body.id as string;
    const before = locked.store.instance(id)!;
    const history = locked.store.history(id).length;
    // keyless, through an anonymous workflow: the attack of issue 24
    const taken = await call('POST', webhook(locked, `orchestrators/secOpen/${id}`), {});
    expectError(taken, 409, 'InstanceIdTaken');
    // the message names the id it was given, never the workflow that owns it
    expect(taken.body.error.message.replaceAll(id, '')).not.toContain('hello');
    const after = locked.store.instance(id)!;
    expect(after).toMatchObject({ name: 'hello', status: 'Completed', output: before.output, executionId: before.executionId });
    expect(locked.store.history(id)).toHaveLength(history);
    expect((await call('GET', `${locked.url}/api/workflows/hello/instances/${id}?code=${k.function}`)).body).toMatchObject({ id, workflow: 'hello', status: 'Completed' });
    // nor through another workflow's own routes, where another workflow's id is not even found
    for (const [method, action] of [['POST', '/terminate'], ['POST', '/restart'], ['POST', '/events/Go'], ['DELETE', ''], ['GET', '']] as const) {
      expectError(await call(method, `${locked.url}/api/sec/open/instances/${id}${action}`), 404, 'NotFound');
    }
    expect(locked.store.instance(id)).toMatchObject({ name: 'hello', status: 'Completed' });
    // an admin workflow's finished instance is not taken with a function key either
    const admin = await call('POST', `${locked.url}/api/sec/admin?code=${k.master}`, {});
    await untilStatus(admin.body.statusQueryGetUri, ['Completed']);
    expectError(await call('POST', webhook(locked, `orchestrators/hello/${admin.body.id}?code=${k.function}`), {}), 409, 'InstanceIdTaken');
    expect(locked.store.instance(admin.body.id)!.name).toBe('secAdmin');
    // whoever holds the owner's key may (they could purge it anyway); a start of the same workflow is a plain restart
    expect((await call('POST', webhook(locked, `orchestrators/hello/${id}?code=${k.function}`), {})).status).toBe(202);
    expect((await call('POST', webhook(locked, `orchestrators/hello/${admin.body.id}?code=${k.master}`), {})).status).toBe(202);
  });

  it("never takes a singleton's key through another workflow's start, nor answers with that workflow's instance", async () => {
    // finished: the other workflow's start would have replaced it
    const done = await call('POST', `${open.url}/api/workflows/customerReport`, { customerId: 'S' });
    await untilStatus(done.body.statusQueryGetUri, ['Completed'], 30_000);
    const squat = await call('POST', `${open.url}/api/sec/squat`, { id: 'report-S' });
    expectError(squat, 409, 'InstanceIdTaken');
    // nor through the webhook API, even with keys off, where everyone holds every level
    expectError(await call('POST', `${open.url}/runtime/webhooks/durabletask/orchestrators/secOpen/report-S`, {}), 409, 'InstanceIdTaken');
    expect(open.store.instance('report-S')).toMatchObject({ name: 'customerReport', status: 'Completed' });
    // running: the other workflow's starter would have answered with its links (returnExisting)
    const running = await call('POST', `${open.url}/api/workflows/customerReport`, { customerId: 'T' });
    expect(running.status).toBe(202);
    const squatRunning = await call('POST', `${open.url}/api/sec/squat`, { id: 'report-T' });
    expectError(squatRunning, 409, 'InstanceIdTaken');
    expect(squatRunning.body.instance).toBeUndefined();
    // and the other way round: a key another workflow's instance holds is refused, not replaced
    const first = await call('POST', `${open.url}/api/sec/squat`, { id: 'report-Q' });
    await untilStatus(first.body.statusQueryGetUri, ['Completed']);
    expectError(await call('POST', `${open.url}/api/workflows/customerReport`, { customerId: 'Q' }), 409, 'InstanceIdTaken');
    expect(open.store.instance('report-Q')!.name).toBe('secSquat');
    // with keys: a keyless webhook start of an anonymous workflow cannot take a function-level singleton's key
    const k = locked.keys!;
    const report = await call('POST', `${locked.url}/api/workflows/customerReport?code=${k.function}`, { customerId: 'U' });
    await untilStatus(report.body.statusQueryGetUri, ['Completed'], 30_000);
    expectError(await call('POST', webhook(locked, 'orchestrators/secOpen/report-U'), {}), 409, 'InstanceIdTaken');
    expectError(await call('POST', webhook(locked, `orchestrators/hello/report-U?code=${k.function}`), {}), 409, 'InstanceIdTaken');
    expectError(await call('POST', webhook(locked, `orchestrators/hello/report-U?code=${k.master}`), {}), 409, 'InstanceIdTaken');
    expect(locked.store.instance('report-U')).toMatchObject({ name: 'customerReport', status: 'Completed' });
    await untilStatus(running.body.statusQueryGetUri, ['Completed'], 30_000);
  });

  it("needs the master key for an admin workflow's sub-workflows on the webhook API", async () => {
    const k = locked.keys!;
    const root = (await call('POST', `${locked.url}/api/sec/admin-parent?code=${k.master}`, {})).body.id as string;
    const leaf = await until(async () => instancesOf(locked, 'secLeaf').find((r) => r.parentId === root && r.status === 'Running'), 'the admin workflow\'s sub-workflow running');
    const fn = `code=${k.function}`;
    expectError(await call('GET', webhook(locked, `instances/${leaf.id}?${fn}`)), 401, 'Unauthorized');
    expectError(await call('POST', webhook(locked, `instances/${leaf.id}/raiseEvent/Go?${fn}`), {}), 401, 'Unauthorized');
    for (const action of ['suspend', 'terminate', 'restart', 'rewind']) expectError(await call('POST', webhook(locked, `instances/${leaf.id}/${action}?${fn}`)), 401, 'Unauthorized');
    expectError(await call('DELETE', webhook(locked, `instances/${leaf.id}?${fn}`)), 401, 'Unauthorized');
    const start = await call('POST', webhook(locked, `orchestrators/secLeaf/${leaf.id}?${fn}`), {});
    expectError(start, 409, 'InstanceIdTaken');
    expect(start.body.error.message).toContain('needs the master key');
    expect(locked.store.instance(leaf.id)!.status).toBe('Running');
    // the master key reaches it
    expect((await call('GET', webhook(locked, `instances/${leaf.id}?code=${k.master}`))).status).toBe(202);
    expect((await call('POST', webhook(locked, `instances/${root}/terminate?code=${k.master}`))).status).toBe(202);
  });
});

describe('restart', () => {
  const webhook = (rest: string): string => `${open.url}/runtime/webhooks/durabletask/${rest}`;

  it('never restarts a partition slice on its own (400), which would run its items again outside the workflow', async () => {
    const started = await call('POST', `${open.url}/api/workflows/fanOut`, { taskCount: 250, taskMs: 3000 });
    const root = started.body.id as string;
    const slice = await until(async () => instancesOf(open, 'fanOut-partition').find((r) => r.parentId === root && r.status === 'Running'), 'a slice running');
    const orphans = () => instancesOf(open, 'fanOut-partition').filter((r) => r.parentId === null);
    for (const q of ['', '?restartWithNewInstanceId=false']) {
      const r = await call('POST', webhook(`instances/${encodeURIComponent(slice.id)}/restart${q}`));
      expectError(r, 400, 'InternalOrchestrator');
      expect(r.body.error.message).toContain("'fanOut'");
    }
    // through the workflow's own routes a slice is not even found
    expectError(await call('POST', `${open.url}/api/workflows/fanOut/instances/${encodeURIComponent(slice.id)}/restart`), 404, 'NotFound');
    expect(orphans()).toHaveLength(0);
    expect((await call('POST', `${open.url}/api/workflows/fanOut/instances/${root}/terminate`)).status).toBe(202);
    // finished too: a slice stays part of its workflow
    expectError(await call('POST', webhook(`instances/${encodeURIComponent(slice.id)}/restart`)), 400, 'InternalOrchestrator');
    expect(orphans()).toHaveLength(0);
  });

  it('never restarts a sub-workflow whose parent still runs (409)', async () => {
    const root = (await call('POST', `${open.url}/api/sec/parent`, {})).body.id as string;
    const leaf = await until(async () => instancesOf(open, 'secLeaf').find((r) => r.status === 'Running' && open.store.instance(r.parentId ?? '')?.parentId === root), 'the leaf running');
    const leaves = instancesOf(open, 'secLeaf').length;
    const r = await call('POST', webhook(`instances/${encodeURIComponent(leaf.id)}/restart`));
    expectError(r, 409, 'ParentRunning');
    expect(r.body.error.message).toContain(leaf.parentId!);
    // the workflow's own route cannot see the parent (the Durable status does not name it) and refuses every sub-workflow id
    expectError(await call('POST', `${open.url}/api/workflows/secLeaf/instances/${encodeURIComponent(leaf.id)}/restart`), 409, 'SubOrchestration');
    expect(instancesOf(open, 'secLeaf')).toHaveLength(leaves);
    // once the parent has ended, the webhook API restarts it as a start of its own
    expect((await call('POST', `${open.url}/api/sec/parent/instances/${root}/terminate`)).status).toBe(202);
    const again = await call('POST', webhook(`instances/${encodeURIComponent(leaf.id)}/restart`));
    expect(again.status).toBe(202);
    expect(open.store.instance(again.body.id)).toMatchObject({ name: 'secLeaf', parentId: null });
    expect((await call('POST', webhook(`instances/${encodeURIComponent(again.body.id)}/terminate`))).status).toBe(202);
  });

  it("runs the workflow's input validator on both restarts: 400 with the validator's words, nothing started", async () => {
    // an instance whose stored input the workflow's schema no longer accepts (started before the
    // schema changed; made here through the engine, which is what an older version's start did)
    const id = open.engine.startInstance('approval', { customer: 'Old' });
    await untilStatus(webhook(`instances/${id}`), ['Running']);
    const before = instancesOf(open, 'approval').length;
    for (const target of [webhook(`instances/${id}/restart`), `${open.url}/api/workflows/approval/instances/${id}/restart`]) {
      const r = await call('POST', target);
      expectError(r, 400, 'InvalidInput');
      expect(r.body.error.message).toContain("the input of 'approval' does not match its schema: / must have required property 'total'");
      expect(r.body.violations).toEqual([{ pointer: '/', message: "must have required property 'total'" }]);
    }
    expect(instancesOf(open, 'approval')).toHaveLength(before);
    expect((await call('POST', webhook(`instances/${id}/terminate`))).status).toBe(202);
  });
});

describe('cross-site requests', () => {
  /** What a browser sends for a request from another site's page (a link, an <img>, a form): no Origin on GETs. */
  const fromSite = (site: string, extra: Record<string, string> = {}) => ({ headers: { 'sec-fetch-site': site, 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', ...extra } });

  it('never starts a GET starter for another site\'s page (403); the user\'s own navigation, the host\'s pages and non-browsers still can', async () => {
    expect(compileWarnings.filter((w) => w.startsWith('DF504'))).toEqual(['DF504 workflows/secGet.yaml:3:37']);
    const count = () => instancesOf(open, 'secGet').length;
    const before = count();
    for (const site of ['cross-site', 'same-site', 'Cross-Site', 'none, cross-site']) {
      expectError(await raw(open.url, 'GET', '/api/sec/get', fromSite(site)), 403, 'CrossSiteRequest');
      expectError(await raw(open.url, 'GET', '/api/sec/get', fromSite(site, { 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' })), 403, 'CrossSiteRequest');
    }
    expect(count()).toBe(before);
    for (const site of ['none', 'same-origin']) expect((await raw(open.url, 'GET', '/api/sec/get', fromSite(site))).status).toBe(202);
    expect((await raw(open.url, 'GET', '/api/sec/get')).status).toBe(202);
    expect(count()).toBe(before + 3);
  });

  it('never starts, raises, terminates, suspends, purges or restarts anything for another site\'s page, on any route', async () => {
    const victim = (await call('POST', `${open.url}/api/sec/open`, {})).body.id as string;
    await untilStatus(`${open.url}/runtime/webhooks/durabletask/instances/${victim}`, ['Running']);
    const total = () => open.store.listInstances({ top: 100_000 }).length;
    const before = total();
    const attempts: Array<[string, string]> = [
      ['POST', '/api/sec/open'],
      ['POST', '/runtime/webhooks/durabletask/orchestrators/secOpen'],
      ['POST', `/runtime/webhooks/durabletask/orchestrators/secOpen/${victim}`],
      ['POST', `/runtime/webhooks/durabletask/instances/${victim}/raiseEvent/Go`],
      ['POST', `/runtime/webhooks/durabletask/instances/${victim}/terminate`],
      ['POST', `/runtime/webhooks/durabletask/instances/${victim}/suspend`],
      ['POST', `/runtime/webhooks/durabletask/instances/${victim}/restart`],
      ['DELETE', `/runtime/webhooks/durabletask/instances/${victim}`],
      ['POST', `/api/sec/open/instances/${victim}/events/Go`],
      ['POST', `/api/sec/open/instances/${victim}/terminate`],
      ['POST', `/api/sec/open/instances/${victim}/restart`],
      ['DELETE', `/api/sec/open/instances/${victim}`],
      ['GET', `/runtime/webhooks/durabletask/instances/${victim}`],
    ];
    for (const [method, target] of attempts) {
      for (const site of ['cross-site', 'same-site']) {
        expectError(await raw(open.url, method, target, { headers: { 'sec-fetch-site': site, 'sec-fetch-mode': 'cors' }, body: {} }), 403, 'CrossSiteRequest');
      }
    }
    expect(open.store.instance(victim)!.status).toBe('Running');
    expect(open.store.history(victim).some((e) => (e as { EventType?: number }).EventType === 6)).toBe(false);
    expect(total()).toBe(before);
    expect((await raw(open.url, 'POST', `/api/sec/open/instances/${victim}/terminate`)).status).toBe(202);
  });

  it('in a real browser (Chromium), a page on another site or port starts nothing with an <img>, a no-cors fetch or a navigation; the address bar still can', async () => {
    const browser = await launch();
    const target = (via: string): string => `${open.url}/api/sec/get?via=${via}`;
    // the attacker's page: an image, a no-cors fetch (neither sends Origin on a GET), then a top-level navigation
    const decoy = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><img src="${target('img')}" onerror="fetch('${target('fetch')}', { mode: 'no-cors' }).catch(() => {}).finally(() => { location.href = '${target('navigation')}'; })">`);
    });
    await new Promise<void>((r) => decoy.listen(0, '127.0.0.1', () => r()));
    const port = (decoy.address() as AddressInfo).port;
    try {
      const before = instancesOf(open, 'secGet').length;
      // localhost is another site than 127.0.0.1; 127.0.0.1 on another port is the same site but another origin
      for (const page of [`http://localhost:${port}/`, `http://127.0.0.1:${port}/`]) {
        const tab = await browser.newPage();
        await tab.goto(page);
        await until(async () => (tab.url().startsWith(open.url) ? true : undefined), `the navigation from ${page}`, 10_000);
        await tab.waitForSelector('body');
        expect(await until(async () => (await tab.locator('body').textContent().catch(() => null)) || undefined, 'the answer')).toContain('CrossSiteRequest');
        await tab.close();
      }
      expect(instancesOf(open, 'secGet')).toHaveLength(before);
      // the user typing the address (Sec-Fetch-Site: none) starts it
      const own = await browser.newPage();
      const answer = await own.goto(target('address-bar'));
      expect(answer?.status()).toBe(202);
      expect(instancesOf(open, 'secGet')).toHaveLength(before + 1);
    } finally {
      await browser.close();
      await new Promise((r) => decoy.close(r));
    }
  }, 60_000);

  it('lets a cross-site request through only with a valid key (keys enforced), even to an anonymous route', async () => {
    const k = locked.keys!;
    const before = instancesOf(locked, 'secGet').length;
    expectError(await raw(locked.url, 'GET', '/api/sec/get', fromSite('cross-site')), 403, 'CrossSiteRequest');
    expectError(await raw(locked.url, 'GET', '/api/sec/get?code=not-a-key-of-this-host', fromSite('cross-site')), 403, 'CrossSiteRequest');
    expect(instancesOf(locked, 'secGet')).toHaveLength(before);
    expect((await raw(locked.url, 'GET', `/api/sec/get?code=${k.function}`, fromSite('cross-site'))).status).toBe(202);
    expect((await raw(locked.url, 'GET', '/api/sec/get', fromSite('cross-site', { 'x-functions-key': k.master }))).status).toBe(202);
    expect(instancesOf(locked, 'secGet')).toHaveLength(before + 2);
  });
});

describe('after all of it', () => {
  it('keeps serving', async () => {
    for (const host of [open, locked]) {
      const r = await call('POST', `${host.url}/api/workflows/hello${host === locked ? `?code=${locked.keys!.function}` : ''}`, {});
      expect(r.status).toBe(202);
      expect((await untilStatus(r.body.statusQueryGetUri, ['Completed'])).body.output).toEqual(['Hello, Tokyo!', 'Hello, Seattle!', 'Hello, London!']);
    }
  });
});
