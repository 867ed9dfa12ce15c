/**
 * The per-workflow HTTP surface (runtime/start.ts, runtime/management.ts) over real HTTP on the
 * embedded host: input validation compiled at build time, wait-or-check-status, friendly status,
 * listing, events, terminate/suspend/resume/restart, purge, singleton starts under a race,
 * the OpenAPI document, and every error answer as JSON.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost, type Host } from '../../host/main';
import { call, until } from './http-helpers';

const root = path.resolve(__dirname, '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-api-'));
let host: Host;
const api = (p: string): string => `${host.url}/api/${p}`;

beforeAll(async () => {
  host = await createHost({ appDir: root, db: path.join(dir, 'api.db'), port: 0, quiet: true });
});
afterAll(async () => {
  await host?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const untilFriendly = (url: string, statuses: string[]) =>
  until(async () => {
    const r = await call('GET', url);
    return statuses.includes(r.body?.status) ? r : undefined;
  }, `${statuses.join('/')} at ${url}`);

describe('starting', () => {
  it('rejects input that does not match the schema with every violation as pointer + message', async () => {
    const r = await call('POST', api('workflows/approval'), { customer: 5 });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('InvalidInput');
    expect(r.body.violations).toEqual(
      expect.arrayContaining([
        { pointer: '/', message: "must have required property 'total'" },
        { pointer: '/customer', message: 'must be string' },
      ]),
    );
  });

  it('answers malformed JSON with 400 and keeps serving', async () => {
    const r = await call('POST', api('workflows/hello'), '{"names": [');
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('InvalidJson');
  });

  it('?wait is answered by the engine when the instance finishes: one request, no polling', async () => {
    // An approval waits for an event: the wait returns only once the event has let it finish.
    const started = call('POST', api('workflows/approval?wait=60s'), { customer: 'ACME', total: 10 });
    let id: string | undefined;
    for (let i = 0; i < 200 && !id; i++) {
      id = host.store.listInstances({ top: 1000 }).find((r) => r.name === 'approval' && r.status === 'Running')?.id;
      if (!id) await new Promise((r) => setTimeout(r, 25));
    }
    const before = host.store.history(id!).length;
    host.engine.raiseEvent(id!, 'Approval', { approved: true, by: 'dana' });
    const r = await started;
    expect(r.status).toBe(200);
    expect(JSON.stringify(r.body)).toContain('dana');
    expect(host.store.instance(id!)!.status).toBe('Completed');
    expect(host.store.history(id!).length).toBeGreaterThan(before);
  });

  it('whenFinished resolves once the instance has finished, not at its timeout', async () => {
    const r = await call('POST', api('workflows/approval'), { customer: 'ACME', total: 10 });
    const id = r.body.id as string;
    await host.engine.whenIdle();
    const waiting = host.engine.whenFinished(id, 60_000).then(() => host.store.instance(id)!.status);
    host.engine.raiseEvent(id, 'Approval', { approved: false });
    expect(await waiting).toBe('Completed');
  });

  it('waits with ?wait=10s and answers 200 with the output when it finishes in time', async () => {
    const r = await call('POST', api('workflows/hello?wait=10s'), {});
    expect(r.status).toBe(200);
    expect(r.body).toEqual(['Hello, Tokyo!', 'Hello, Seattle!', 'Hello, London!']);
    expect((await call('POST', api('workflows/hello?wait=forever'), {})).status).toBe(400);
  });

  it('lets exactly one of 100 concurrent singleton starts create the instance; all answers point at it', async () => {
    const answers = await Promise.all(Array.from({ length: 100 }, () => call('POST', api('workflows/customerReport'), { customerId: 'race' })));
    expect(answers.map((a) => a.status)).toEqual(Array(100).fill(202));
    expect(new Set(answers.map((a) => a.body.id))).toEqual(new Set(['report-race']));
    const listed = await call('GET', `${host.url}/runtime/webhooks/durabletask/instances?instanceIdPrefix=report-race`);
    expect(listed.body).toHaveLength(1);
    const history = await call('GET', `${host.url}/runtime/webhooks/durabletask/instances/report-race?showHistory=true`);
    expect(history.body.historyEvents.filter((e: { EventType: string }) => e.EventType === 'ExecutionStarted')).toHaveLength(1);
  });

  it('rejects a second start of a running reject-singleton with 409 and its links; replaces it once finished', async () => {
    const first = await call('POST', api('workflows/nightlyReport'), null);
    expect(first.status).toBe(202);
    const second = await call('POST', api('workflows/nightlyReport'), null);
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('AlreadyRunning');
    expect(second.body.instance.id).toBe('nightly');
    await untilFriendly(api('workflows/nightlyReport/instances/nightly'), ['Completed']);
    const third = await call('POST', api('workflows/nightlyReport'), null);
    expect(third.status).toBe(202);
  });
});

describe('status and management', () => {
  it('shows a friendly status with progress, and the history on request', async () => {
    const started = await call('POST', api('workflows/fanOut'), { taskCount: 5, taskMs: 5 });
    const s = await untilFriendly(api(`workflows/fanOut/instances/${started.body.id}`), ['Completed']);
    expect(s.body).toMatchObject({ id: started.body.id, workflow: 'fanOut', status: 'Completed', output: { count: 5, first: 0, last: 4 }, error: null });
    expect(s.body.progress).toEqual({ tasks: { done: 5, failed: 0, total: 5 } });
    expect(Date.parse(s.body.createdAt)).toBeLessThanOrEqual(Date.parse(s.body.updatedAt));
    const h = await call('GET', api(`workflows/fanOut/instances/${started.body.id}?history=true`));
    expect(h.body.history.length).toBeGreaterThan(5);
  });

  it('lists instances of this workflow only, filtered and paged with continuation tokens', async () => {
    for (let i = 0; i < 3; i++) await call('POST', api('workflows/hello?wait=10s'), {});
    const seen: string[] = [];
    let token: string | null = null;
    do {
      const r: Awaited<ReturnType<typeof call>> = await call('GET', api(`workflows/hello/instances?status=Completed&top=2${token ? `&continuationToken=${token}` : ''}`));
      expect(r.status).toBe(200);
      expect(r.body.instances.every((i: { workflow: string; status: string }) => i.workflow === 'hello' && i.status === 'Completed')).toBe(true);
      seen.push(...r.body.instances.map((i: { id: string }) => i.id));
      token = r.body.continuationToken;
    } while (token);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(new Set(seen).size).toBe(seen.length);
    expect((await call('GET', api('workflows/hello/instances?status=Sleeping'))).status).toBe(400);
    expect((await call('GET', api('workflows/hello/instances?from=yesterday'))).status).toBe(400);
  });

  it('feeds events, refuses them once finished (410), and purges', async () => {
    const id = (await call('POST', api('workflows/approval'), { customer: 'A', total: 1 })).body.id;
    await untilFriendly(api(`workflows/approval/instances/${id}`), ['Running']);
    const ev = await call('POST', api(`workflows/approval/instances/${id}/events/Approval`), { approved: true, by: 'kim' });
    expect(ev.status).toBe(202);
    const done = await untilFriendly(api(`workflows/approval/instances/${id}`), ['Completed']);
    expect(done.body.output).toEqual({ approved: true, record: 'approved by kim' });
    expect((await call('POST', api(`workflows/approval/instances/${id}/events/Approval`), {})).status).toBe(410);
    expect((await call('POST', api(`workflows/approval/instances/${id}/terminate`))).status).toBe(410);
    expect((await call('DELETE', api(`workflows/approval/instances/${id}`))).status).toBe(200);
    expect((await call('GET', api(`workflows/approval/instances/${id}`))).status).toBe(404);
  });

  it('suspends, resumes, terminates and restarts', async () => {
    const id = (await call('POST', api('workflows/approval'), { customer: 'B', total: 2 })).body.id;
    await untilFriendly(api(`workflows/approval/instances/${id}`), ['Running']);
    expect((await call('POST', api(`workflows/approval/instances/${id}/suspend`))).status).toBe(202);
    await untilFriendly(api(`workflows/approval/instances/${id}`), ['Suspended']);
    expect((await call('POST', api(`workflows/approval/instances/${id}/resume`))).status).toBe(202);
    await untilFriendly(api(`workflows/approval/instances/${id}`), ['Running']);
    expect((await call('POST', api(`workflows/approval/instances/${id}/terminate?reason=test`))).status).toBe(202);
    await untilFriendly(api(`workflows/approval/instances/${id}`), ['Terminated']);
    const restarted = await call('POST', api(`workflows/approval/instances/${id}/restart`));
    expect(restarted.status).toBe(202);
    expect(restarted.body.id).not.toBe(id);
    const again = await untilFriendly(api(`workflows/approval/instances/${restarted.body.id}`), ['Running']);
    expect(again.body.input).toEqual({ customer: 'B', total: 2 });
  });

  it.each([
    ['GET', 'workflows/hello/instances/nope', 404],
    ['GET', 'workflows/approval/instances/report-race', 404], // an instance of another workflow
    ['POST', 'workflows/hello/instances/nope/terminate', 404],
    ['POST', 'workflows/hello/instances/nope/frobnicate', 404],
    ['PUT', 'workflows/hello/instances/nope', 405],
    ['POST', 'workflows/hello/instances', 405],
  ])('%s /api/%s → %i with a JSON error', async (method, p, status) => {
    const r = await call(method, api(p));
    expect(r.status).toBe(status);
    expect(typeof r.body.error.code).toBe('string');
  });
});

describe('the OpenAPI document', () => {
  it('is generated for every workflow and served at /api/openapi.json', async () => {
    const r = await call('GET', api('openapi.json'));
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.1.0');
    expect(r.body).toEqual(JSON.parse(fs.readFileSync(path.join(root, 'generated/openapi.json'), 'utf8')));
    for (const p of ['/api/workflows/hello', '/api/orders/process', '/api/workflows/fanOut/instances/{id}', '/api/workflows/approval/instances/{id}/events/{event}']) {
      expect(Object.keys(r.body.paths)).toContain(p);
    }
    expect(r.body.paths['/api/orders/process'].post.requestBody.content['application/json'].schema.required).toEqual(['customer', 'orders']);
  });
});

describe('keys', () => {
  it('enforces function keys with --enforce-auth: 401 without, 202 with', async () => {
    const locked = await createHost({ appDir: root, db: ':memory:', port: 0, quiet: true, enforceAuth: true });
    try {
      const denied = await call('POST', `${locked.url}/api/workflows/hello`, {});
      expect(denied.status).toBe(401);
      expect(denied.body.error.code).toBe('Unauthorized');
      const links = await call('GET', `${locked.url}/runtime/webhooks/durabletask/instances`);
      expect(links.status).toBe(401);
      const wrong = await call('POST', `${locked.url}/api/workflows/hello`, {}, { 'x-functions-key': 'not-a-key' });
      expect(wrong.status).toBe(401);
      const allowed = await call('POST', `${locked.url}/api/workflows/hello?code=${locked.keys!.function}`, {});
      expect(allowed.status).toBe(202);
      // the status links carry the key the webhook API needs
      const status = await call('GET', allowed.body.statusQueryGetUri);
      expect([200, 202]).toContain(status.status);
    } finally {
      await locked.close();
    }
  });
});
