/**
 * End to end over real HTTP on loopback: the embedded host runs the unmodified compiled app
 * (dist/generated/index.js, built by `npm test` from the committed generated/) on a real SQLite
 * database, and every example workflow is driven through its own HTTP starter and the Durable
 * webhook API, as a user would with curl.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost, type Host } from '../../host/main';
import { call, untilStatus } from './http-helpers';

const root = path.resolve(__dirname, '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-e2e-'));
let host: Host;
const api = (p: string): string => `${host.url}/api/${p}`;
const hook = (p: string): string => `${host.url}/runtime/webhooks/durabletask/${p}`;

beforeAll(async () => {
  host = await createHost({ appDir: root, db: path.join(dir, 'e2e.db'), port: 0, quiet: true });
});
afterAll(async () => {
  await host?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function start(route: string, input: unknown): Promise<{ id: string; links: Record<string, string> }> {
  const r = await call('POST', api(route), input);
  expect(r.status).toBe(202);
  expect(r.headers.get('location')).toBe(r.body.statusQueryGetUri);
  expect(r.body.statusQueryGetUri.startsWith(host.url)).toBe(true);
  return { id: r.body.id, links: r.body };
}

describe('the example workflows through the host', () => {
  it('hello: starts over HTTP, replays to the end, returns the greetings', async () => {
    const { links } = await start('workflows/hello', {});
    const done = await untilStatus(links.statusQueryGetUri, ['Completed']);
    expect(done.status).toBe(200);
    expect(done.body.output).toEqual(['Hello, Tokyo!', 'Hello, Seattle!', 'Hello, London!']);
    const withHistory = await call('GET', `${links.statusQueryGetUri}&showHistory=true&showHistoryOutput=true`);
    // As the extension shows it: each TaskScheduled folded into its TaskCompleted (FunctionName, ScheduledTime).
    const completed = withHistory.body.historyEvents.filter((e: { EventType: string }) => e.EventType === 'TaskCompleted');
    expect(completed.map((e: { FunctionName: string }) => e.FunctionName)).toEqual(['SayHello', 'SayHello', 'SayHello']);
  });

  it('fanOut: 40 short tasks, at most 10 in flight, results in order, progress in the custom status', async () => {
    const { links } = await start('workflows/fanOut', { taskCount: 40, taskMs: 20 });
    const done = await untilStatus(links.statusQueryGetUri, ['Completed']);
    expect(done.body.output).toEqual({ count: 40, first: 0, last: 39 });
    expect(done.body.customStatus.progress.tasks).toEqual({ done: 40, failed: 0, total: 40 });
  });

  it('approval: waits for the event, then takes the approved branch', async () => {
    const { links } = await start('workflows/approval', { customer: 'ACME', total: 99 });
    await untilStatus(links.statusQueryGetUri, ['Running']);
    const raised = await call('POST', links.sendEventPostUri.replace('{eventName}', 'Approval'), { approved: true, by: 'dana' });
    expect(raised.status).toBe(202);
    const done = await untilStatus(links.statusQueryGetUri, ['Completed']);
    expect(done.body.output).toEqual({ approved: true, record: 'approved by dana' });
  });

  it('orderReview: takes the first of Approve or Reject, here Reject, and records it', async () => {
    const { links } = await start('workflows/orderReview', { customer: 'ACME', total: 99 });
    await untilStatus(links.statusQueryGetUri, ['Running']);
    const raised = await call('POST', links.sendEventPostUri.replace('{eventName}', 'Reject'), { by: 'sam' });
    expect(raised.status).toBe(202);
    const done = await untilStatus(links.statusQueryGetUri, ['Completed']);
    expect(done.body.output).toEqual({ decision: 'Reject', record: 'rejected' });
  });

  it('customerReport: a singleton per customer returns the running instance instead of a second one', async () => {
    const first = await start('workflows/customerReport', { customerId: 'c-1' });
    const second = await start('workflows/customerReport', { customerId: 'c-1' });
    expect(first.id).toBe('report-c-1');
    expect(second.id).toBe('report-c-1');
    const done = await untilStatus(first.links.statusQueryGetUri, ['Completed']);
    expect(done.body.output).toEqual(['sales report for c-1', 'support report for c-1']);
  });

  it('pollJob: polls with a durable 2 s interval until the job is done, its progress in the custom status', async () => {
    const { links } = await start('workflows/pollJob', { job: 'build-1', takesMs: 1500 });
    const done = await untilStatus(links.statusQueryGetUri, ['Completed']);
    const polls = done.body.output.polls;
    expect(done.body.output).toEqual({ job: 'build-1', state: 'done', polls });
    // The first poll comes before the job is ready; 2 s later (a durable timer) it is.
    expect(polls).toBeGreaterThanOrEqual(2);
    expect(done.body.customStatus.progress.poll).toEqual({ done: polls, failed: 0, total: 30 });
    const history = (await call('GET', `${links.statusQueryGetUri}&showHistory=true`)).body.historyEvents as Array<{ EventType: string; FunctionName?: string }>;
    expect(history.filter((e) => e.EventType === 'TaskCompleted').map((e) => e.FunctionName)).toEqual(['StartJob', ...new Array(polls).fill('CheckJob')]);
    expect(history.filter((e) => e.EventType === 'TimerFired')).toHaveLength(polls - 1);
  });

  it('pollJob: a job that fails ends the loop at once (break) and the workflow with JobFailed', async () => {
    const { links } = await start('workflows/pollJob', { job: 'build-2', fails: true });
    const done = await untilStatus(links.statusQueryGetUri, ['Failed']);
    expect(done.body.output).toBe("Orchestrator function 'pollJob' failed: JobFailed: job build-2 ran out of disk");
  });

  it('reminder: a delay from the input, then an acknowledgement; the due time from addDuration is the timer\'s', async () => {
    const { links } = await start('workflows/reminder', { to: 'dana', remindIn: 500 });
    const history = async (): Promise<Array<{ EventType: string; FireAt?: string }>> => (await call('GET', `${links.statusQueryGetUri}&showHistory=true`)).body.historyEvents;
    // Waiting for Ack once the greeting went out (the event's timer is the second).
    for (let i = 0; i < 200 && (await history()).filter((e) => e.EventType === 'TimerCreated').length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    const raised = await call('POST', links.sendEventPostUri.replace('{eventName}', 'Ack'), { by: 'dana' });
    expect(raised.status).toBe(202);
    const done = await untilStatus(links.statusQueryGetUri, ['Completed']);
    const timers = (await history()).filter((e) => e.EventType === 'TimerCreated').map((e) => new Date(e.FireAt!).toISOString());
    expect(timers[0]).toBe(done.body.output.dueAt);
    expect(done.body.output).toMatchObject({ to: 'dana', acknowledged: true, onTime: true });
    expect(done.body.output.answeredAfterMs).toBeGreaterThanOrEqual(0);
  });

  it('reminder: a duration in the input that is not one fails the instance with InvalidDuration, naming it', async () => {
    const { links } = await start('workflows/reminder', { to: 'dana', remindIn: 'soon' });
    const done = await untilStatus(links.statusQueryGetUri, ['Failed']);
    expect(done.body.output).toBe(
      "Orchestrator function 'reminder' failed: InvalidDuration: addDuration: \"soon\" is not a duration: write 500ms, 30s, 5m, 2h, 7d, ISO 8601 like PT5M, or a number of milliseconds",
    );
  });

  it('processOrders: fan-out with retries, vars, try and a sub-workflow, on its custom route', async () => {
    const { links } = await start('orders/process', { customer: 'ACME', orders: [{ id: 'a', amount: 10 }, { id: 'b', amount: 2.5 }] });
    const done = await untilStatus(links.statusQueryGetUri, ['Completed']);
    expect(done.body.output).toEqual({ charged: 12.5, failed: 0, receipt: 'receipt for ACME: 12.50' });
  });
});

describe('managing instances through the Durable webhook API', () => {
  it('terminates a waiting instance; events to it are then refused with 410', async () => {
    const { links } = await start('workflows/approval', { customer: 'T', total: 1 });
    await untilStatus(links.statusQueryGetUri, ['Running']);
    expect((await call('POST', links.terminatePostUri.replace('{text}', 'no%20longer%20needed'))).status).toBe(202);
    const r = await untilStatus(links.statusQueryGetUri, ['Terminated']);
    expect(r.status).toBe(200); // a finished instance is 200, as the extension answers (HttpApiHandler)
    expect(r.headers.get('location')).toBeNull();
    expect((await call('POST', links.sendEventPostUri.replace('{eventName}', 'Approval'), {})).status).toBe(410);
  });

  it('suspends and resumes: an event raised while suspended is held, then delivered', async () => {
    const { links } = await start('workflows/approval', { customer: 'S', total: 1 });
    await untilStatus(links.statusQueryGetUri, ['Running']);
    expect((await call('POST', links.suspendPostUri.replace('{text}', 'x'))).status).toBe(202);
    await untilStatus(links.statusQueryGetUri, ['Suspended']);
    expect((await call('POST', links.sendEventPostUri.replace('{eventName}', 'Approval'), { approved: false })).status).toBe(202);
    await new Promise((r) => setTimeout(r, 100));
    expect((await call('GET', links.statusQueryGetUri)).body.runtimeStatus).toBe('Suspended');
    expect((await call('POST', links.resumePostUri.replace('{text}', 'x'))).status).toBe(202);
    const done = await untilStatus(links.statusQueryGetUri, ['Completed']);
    expect(done.body.output).toEqual({ approved: false, record: 'rejected' });
  });

  it('purges one instance, and answers 404 for it afterwards', async () => {
    const { links } = await start('workflows/hello', {});
    await untilStatus(links.statusQueryGetUri, ['Completed']);
    const purged = await call('DELETE', links.purgeHistoryDeleteUri);
    expect(purged).toMatchObject({ status: 200, body: { instancesDeleted: 1 } });
    expect((await call('GET', links.statusQueryGetUri)).status).toBe(404);
    expect((await call('DELETE', links.purgeHistoryDeleteUri)).status).toBe(404);
  });

  it('lists instances with filters and continuation-token paging', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) ids.add((await call('POST', hook(`orchestrators/hello/page-${i}`), {})).body.id);
    for (const id of ids) await untilStatus(hook(`instances/${id}`), ['Completed']);
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const r: Awaited<ReturnType<typeof call>> = await call('GET', hook('instances?instanceIdPrefix=page-&runtimeStatus=Completed&top=2'), undefined, token ? { 'x-ms-continuation-token': token } : {});
      expect(r.status).toBe(200);
      expect(r.body.length).toBeLessThanOrEqual(2);
      seen.push(...r.body.map((s: { instanceId: string }) => s.instanceId));
      token = r.headers.get('x-ms-continuation-token');
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual([...ids].sort());
  });

  it('restarts a finished instance under a new id', async () => {
    const { links } = await start('workflows/hello', {});
    await untilStatus(links.statusQueryGetUri, ['Completed']);
    const r = await call('POST', links.restartPostUri);
    expect(r.status).toBe(202);
    expect(r.body.id).not.toBe(links.id);
    await untilStatus(r.body.statusQueryGetUri, ['Completed']);
  });
});

describe('bad requests get JSON errors and the host keeps serving', () => {
  it.each([
    ['GET', 'api/no/such/route', undefined, 404],
    ['GET', 'api/workflows/hello', undefined, 405],
    ['POST', 'runtime/webhooks/durabletask/orchestrators/hello', '{"not json', 400],
    ['POST', 'runtime/webhooks/durabletask/orchestrators/noSuchOrchestrator', '{}', 404],
    ['GET', 'runtime/webhooks/durabletask/instances/does-not-exist', undefined, 404],
    ['POST', 'runtime/webhooks/durabletask/instances/does-not-exist/raiseEvent/X', '{}', 404],
    ['POST', 'runtime/webhooks/durabletask/instances/does-not-exist/rewind', undefined, 404],
    ['DELETE', 'runtime/webhooks/durabletask/instances', undefined, 400],
  ])('%s /%s → %i', async (method, p, body, status) => {
    const r = await call(method, `${host.url}/${p}`, body);
    expect(r.status).toBe(status);
    expect(typeof r.body.error.code).toBe('string');
    expect(typeof r.body.error.message).toBe('string');
  });

  it('refuses a body over the limit with 413', async () => {
    const r = await call('POST', hook('orchestrators/hello'), 'x'.repeat(5 * 1024 * 1024));
    expect(r.status).toBe(413);
    expect((await call('GET', `${host.url}/`)).status).toBe(200);
  });
});
