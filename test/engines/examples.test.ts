/**
 * The example workflows on both engines, through their HTTP starters and the Durable webhook API,
 * as a user drives them with curl: the embedded host and the real Durable Task extension must give
 * the same status, output and custom status (where they differ, the extension is right).
 */
import { describe, expect, it } from 'vitest';
import { call, until, untilStatus } from '../host/http-helpers';
import { appFolder, bothEngines, ENGINES, repoAppVersion, summary, type Engine, type EngineName } from './engines';

const engines = bothEngines(() => appFolder());

/** Waits until an approval instance waits for its event (its custom status says so). */
async function waitingForApproval(statusUrl: string): Promise<void> {
  await until(async () => ((await call('GET', statusUrl)).body?.customStatus?.status === 'waiting for approval' ? true : undefined), 'the approval to wait', 60_000);
}

async function start(engine: Engine, route: string, input: unknown): Promise<Record<string, string>> {
  const r = await call('POST', `${engine.url}/api/${route}`, input);
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  expect(r.headers.get('location')).toBe(r.body.statusQueryGetUri);
  expect(r.body.statusQueryGetUri.startsWith(`${engine.url}/runtime/webhooks/durabletask/instances/`)).toBe(true);
  return r.body;
}

/** Runs `scenario` on both engines at once and returns each one's summary. */
async function onBoth(scenario: (engine: Engine) => Promise<Record<string, unknown>>): Promise<Record<EngineName, Record<string, unknown>>> {
  const [embedded, extension] = await Promise.all(ENGINES.map((n) => scenario(engines.get(n)!)));
  return { embedded, extension };
}

describe('the example workflows on the embedded host and on the real extension', () => {
  it('hello completes with the three greetings, its version (<app>.0.1) in its status', async () => {
    const r = await onBoth(async (e) => {
      const links = await start(e, 'workflows/hello', {});
      const done = await untilStatus(links.statusQueryGetUri, ['Completed', 'Failed'], 60_000);
      expect(done.status).toBe(200);
      return { ...summary(done.body), version: done.body.version };
    });
    expect(r.extension).toEqual(r.embedded);
    expect(r.extension).toMatchObject({ runtimeStatus: 'Completed', output: ['Hello, Tokyo!', 'Hello, Seattle!', 'Hello, London!'], version: `${repoAppVersion()}.0.1` });
  });

  it("hello's history reads alike: the extension's folded form (completions name their function, no OrchestratorStarted)", async () => {
    const r = await onBoth(async (e) => {
      const links = await start(e, 'workflows/hello', {});
      await untilStatus(links.statusQueryGetUri, ['Completed'], 60_000);
      const history = await call('GET', `${links.statusQueryGetUri}&showHistory=true&showHistoryOutput=true`);
      const events = history.body.historyEvents as Array<Record<string, unknown>>;
      return {
        events: events.map((ev) => [ev.EventType, ev.FunctionName ?? ev.Name ?? null, ev.Result ?? null]),
        scheduledTimes: events.filter((ev) => ev.EventType === 'TaskCompleted').every((ev) => typeof ev.ScheduledTime === 'string'),
        ids: events.some((ev) => 'TaskScheduledId' in ev || 'TimerId' in ev || 'EventId' in ev),
      };
    });
    expect(r.extension).toEqual(r.embedded);
    expect(r.extension).toEqual({
      events: [
        ['ExecutionStarted', 'hello', null],
        ['TaskCompleted', 'SayHello', 'Hello, Tokyo!'],
        ['TaskCompleted', 'SayHello', 'Hello, Seattle!'],
        ['TaskCompleted', 'SayHello', 'Hello, London!'],
        ['ExecutionCompleted', null, ['Hello, Tokyo!', 'Hello, Seattle!', 'Hello, London!']],
      ],
      scheduledTimes: true,
      ids: false,
    });
  });

  it('approval waits with its custom status, refuses an event that is not JSON (400), takes the event, and completes approved', async () => {
    const r = await onBoth(async (e) => {
      const links = await start(e, 'workflows/approval', { customer: 'ACME', total: 99 });
      const waiting = await untilStatus(links.statusQueryGetUri, ['Running'], 60_000);
      // What curl -d sends unless told otherwise: the extension takes only application/json.
      const form = await call('POST', links.sendEventPostUri.replace('{eventName}', 'Approval'), '{"approved":false}', { 'content-type': 'application/x-www-form-urlencoded' });
      expect(form.status).toBe(400);
      const raised = await call('POST', links.sendEventPostUri.replace('{eventName}', 'Approval'), { approved: true, by: 'dana' });
      expect(raised.status).toBe(202);
      const done = await untilStatus(links.statusQueryGetUri, ['Completed', 'Failed'], 60_000);
      return { waiting: waiting.body.runtimeStatus, ...summary(done.body) };
    });
    expect(r.extension).toEqual(r.embedded);
    expect(r.extension).toMatchObject({ runtimeStatus: 'Completed', output: { approved: true, record: 'approved by dana' } });
  });

  it('fanOut runs 30 tasks at most 10 at a time, with its progress in the custom status', async () => {
    const r = await onBoth(async (e) => {
      const links = await start(e, 'workflows/fanOut', { taskCount: 30, taskMs: 20 });
      const done = await untilStatus(links.statusQueryGetUri, ['Completed', 'Failed'], 60_000);
      return summary(done.body);
    });
    expect(r.extension).toEqual(r.embedded);
    expect(r.extension).toMatchObject({ runtimeStatus: 'Completed', output: { count: 30, first: 0, last: 29 } });
  });

  it('processOrders: capped fan-out with retries and a per-item failure, try, a sub-workflow', async () => {
    const input = { customer: 'ACME', orders: [{ id: 'A', amount: 10 }, { id: 'B', amount: 0 }, { id: 'C', amount: 25 }] };
    const r = await onBoth(async (e) => {
      const links = await start(e, 'orders/process', input);
      const done = await untilStatus(links.statusQueryGetUri, ['Completed', 'Failed'], 90_000);
      return summary(done.body);
    });
    expect(r.extension).toEqual(r.embedded);
    expect(r.extension).toMatchObject({ runtimeStatus: 'Completed', output: { charged: 35, failed: 1, receipt: 'receipt for ACME: 35.00' } });
  });

  it('customerReport: a second start of the singleton answers with the running instance', async () => {
    const r = await onBoth(async (e) => {
      const first = await start(e, 'workflows/customerReport', { customerId: 'c-1' });
      const second = await start(e, 'workflows/customerReport', { customerId: 'c-1' });
      const done = await untilStatus(first.statusQueryGetUri, ['Completed', 'Failed'], 60_000);
      return { ids: [first.id, second.id], ...summary(done.body) };
    });
    expect(r.extension).toEqual(r.embedded);
    expect(r.extension).toMatchObject({ ids: ['report-c-1', 'report-c-1'], runtimeStatus: 'Completed', output: ['sales report for c-1', 'support report for c-1'] });
  });

  it('terminate: a waiting instance ends Terminated with the reason as its output; a later event is refused with 410', async () => {
    const r = await onBoth(async (e) => {
      const links = await start(e, 'workflows/approval', { customer: 'ACME', total: 1 });
      await waitingForApproval(links.statusQueryGetUri);
      const terminated = await call('POST', links.terminatePostUri.replace('{text}', 'no longer needed'));
      const done = await untilStatus(links.statusQueryGetUri, ['Terminated'], 60_000);
      const late = await call('POST', links.sendEventPostUri.replace('{eventName}', 'Approval'), '{"approved":true}', { 'content-type': 'text/plain' });
      return { terminate: terminated.status, status: done.status, late: late.status, ...summary(done.body) };
    });
    expect(r.extension).toEqual(r.embedded);
    expect(r.extension).toMatchObject({ terminate: 202, status: 200, late: 410, runtimeStatus: 'Terminated', output: 'no longer needed' });
  });

  it('suspend and resume: a suspended instance shows Suspended, and after resume takes its event', async () => {
    const r = await onBoth(async (e) => {
      const links = await start(e, 'workflows/approval', { customer: 'ACME', total: 2 });
      await waitingForApproval(links.statusQueryGetUri);
      const suspended = await call('POST', links.suspendPostUri.replace('{text}', 'hold'));
      const held = await untilStatus(links.statusQueryGetUri, ['Suspended'], 60_000);
      const resumed = await call('POST', links.resumePostUri.replace('{text}', 'go'));
      await untilStatus(links.statusQueryGetUri, ['Running'], 60_000);
      await call('POST', links.sendEventPostUri.replace('{eventName}', 'Approval'), { approved: true, by: 'lee' });
      const done = await untilStatus(links.statusQueryGetUri, ['Completed', 'Failed'], 60_000);
      return { suspend: suspended.status, held: held.body.runtimeStatus, resume: resumed.status, ...summary(done.body) };
    });
    expect(r.extension).toEqual(r.embedded);
    expect(r.extension).toMatchObject({ suspend: 202, held: 'Suspended', resume: 202, runtimeStatus: 'Completed', output: { approved: true, record: 'approved by lee' } });
  });

  it('restart: a finished hello restarts as a new instance that completes alike', async () => {
    const r = await onBoth(async (e) => {
      const links = await start(e, 'workflows/hello', {});
      await untilStatus(links.statusQueryGetUri, ['Completed'], 60_000);
      const restarted = await call('POST', links.restartPostUri);
      expect(restarted.status).toBe(202);
      const done = await untilStatus(restarted.body.statusQueryGetUri, ['Completed', 'Failed'], 60_000);
      return { newId: restarted.body.id !== links.id, ...summary(done.body), version: done.body.version ?? null };
    });
    expect(r.extension).toEqual(r.embedded);
    expect(r.extension).toMatchObject({ newId: true, runtimeStatus: 'Completed' });
  });

  it('fanOut over 150 items runs as partition slices (sub-orchestrations) and completes alike', async () => {
    const r = await onBoth(async (e) => {
      const links = await start(e, 'workflows/fanOut', { taskCount: 150, taskMs: 1 });
      const done = await untilStatus(links.statusQueryGetUri, ['Completed', 'Failed'], 120_000);
      const history = await call('GET', `${links.statusQueryGetUri}&showHistory=true`);
      // The extension folds each finished SubOrchestrationInstanceCreated into its completion.
      const slices = history.body.historyEvents.filter((ev: { EventType: string }) => ev.EventType === 'SubOrchestrationInstanceCompleted').map((ev: { FunctionName: string }) => ev.FunctionName);
      return { slices, ...summary(done.body) };
    });
    expect(r.extension).toEqual(r.embedded);
    expect(r.extension).toMatchObject({ slices: ['fanOut-partition', 'fanOut-partition'], runtimeStatus: 'Completed', output: { count: 150, first: 0, last: 149 } });
  }, 180_000);

  it('a sub-workflow is not restarted through its workflow\'s route: its id is the one the extension gives (<execution id>:<task id>)', async () => {
    const input = { customer: 'SUB', orders: [{ id: 'A', amount: 1 }] };
    const r = await onBoth(async (e) => {
      const links = await start(e, 'orders/process', input);
      await untilStatus(links.statusQueryGetUri, ['Completed', 'Failed'], 90_000);
      const history = await call('GET', `${links.statusQueryGetUri}&showHistory=true`);
      const child = history.body.historyEvents.find((ev: { EventType: string; FunctionName?: string }) => ev.EventType === 'SubOrchestrationInstanceCompleted' && ev.FunctionName === 'hello').InstanceId as string;
      const restart = await call('POST', `${e.url}/api/workflows/hello/instances/${encodeURIComponent(child)}/restart`);
      return { shape: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:\d+$/.test(child), status: restart.status, code: restart.body?.error?.code };
    });
    expect(r.extension).toEqual(r.embedded);
    expect(r.extension).toEqual({ shape: true, status: 409, code: 'SubOrchestration' });
  });

  it('a request a browser marks as cross-site starts nothing (403) on either engine; one without the header does', async () => {
    const r = await onBoth(async (e) => {
      const site = { 'sec-fetch-site': 'cross-site' };
      const starter = await call('POST', `${e.url}/api/workflows/hello`, {}, site);
      const webhook = await call('POST', `${e.url}/runtime/webhooks/durabletask/orchestrators/hello`, {}, site);
      const plain = await call('POST', `${e.url}/api/workflows/hello`, {});
      return { codes: [starter.body?.error?.code, webhook.body?.error?.code], statuses: [starter.status, webhook.status, plain.status] };
    });
    expect(r.extension).toEqual(r.embedded);
    expect(r.extension).toEqual({ codes: ['CrossSiteRequest', 'CrossSiteRequest'], statuses: [403, 403, 202] });
  });

  it('nightlyReport: a reject-singleton answers 409 to a second start while the first runs', async () => {
    const r = await onBoth(async (e) => {
      const first = await start(e, 'workflows/nightlyReport', null);
      const second = await call('POST', `${e.url}/api/workflows/nightlyReport`, null);
      const done = await untilStatus(first.statusQueryGetUri, ['Completed', 'Failed'], 60_000);
      return { id: first.id, second: second.status, code: second.body?.error?.code, ...summary(done.body) };
    });
    expect(r.extension).toEqual(r.embedded);
    expect(r.extension).toMatchObject({ id: 'nightly', second: 409, code: 'AlreadyRunning', runtimeStatus: 'Completed', output: 'Hello, night shift!' });
  });
});

