/**
 * Orchestration features on the embedded host, with a hand-written Durable Functions v4 app:
 * retries done the way the extension does them, failures with details, sub-orchestration
 * failures caught by the parent, continueAsNew, and events raised before anyone waits for them.
 */
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost, type Host } from '../../host/main';
import { call, untilStatus } from './http-helpers';

let host: Host;
const start = async (name: string, input: unknown, id?: string): Promise<string> => {
  const r = await call('POST', `${host.url}/runtime/webhooks/durabletask/orchestrators/${name}${id ? `/${id}` : ''}`, input);
  expect(r.status).toBe(202);
  return r.body.statusQueryGetUri;
};

beforeAll(async () => {
  require('tsx/cjs/api').register(); // the fixture app is TypeScript
  host = await createHost({ appDir: path.resolve(__dirname, '../fixtures/host-app'), db: ':memory:', port: 0, quiet: true });
});
afterAll(async () => {
  await host?.close();
});

describe('orchestration features on the host', () => {
  it('retries a failing activity per its RetryOptions until it succeeds', async () => {
    const url = await start('retrying', JSON.stringify('job-1'));
    const done = await untilStatus(url, ['Completed', 'Failed']);
    expect(done.body.output).toBe('job-1 ok after 3');
    const history = (await call('GET', `${url}&showHistory=true`)).body.historyEvents as Array<{ EventType: string }>;
    expect(history.filter((e) => e.EventType === 'TaskFailed')).toHaveLength(2);
    expect(history.filter((e) => e.EventType === 'TimerFired')).toHaveLength(2);
  });

  it('reports an orchestrator failure as Failed with its message (200 on the status URL, 500 on request, as the extension)', async () => {
    const url = await start('failing', null);
    const done = await untilStatus(url, ['Failed']);
    expect(done.status).toBe(200);
    expect(String(done.body.output)).toContain('boom: the orchestrator gave up');
    expect((await call('GET', `${url}&returnInternalServerErrorOnFailure=true`)).status).toBe(500);
  });

  it("delivers a child's failure to its parent, which can catch it", async () => {
    const url = await start('parentOfFailing', null);
    const done = await untilStatus(url, ['Completed', 'Failed']);
    // Worded as the extension's shim words it: "Orchestrator function '<name>' failed: <message>".
    expect(done.body.output).toMatch(/^caught: Orchestrator function 'failing' failed: boom: the orchestrator gave up/);
  });

  it('records the end of an execution as ExecutionCompleted with its result', async () => {
    const url = await start('retrying', JSON.stringify('job-2'));
    await untilStatus(url, ['Completed', 'Failed']);
    const history = (await call('GET', `${url}&showHistory=true&showHistoryOutput=true`)).body.historyEvents as Array<{ EventType: string; Result?: unknown }>;
    expect(history[0].EventType).toBe('ExecutionStarted');
    expect(history.at(-1)).toMatchObject({ EventType: 'ExecutionCompleted', Result: 'job-2 ok after 3' });
    expect(history.filter((e) => e.EventType === 'ExecutionCompleted')).toHaveLength(1);
  });

  it('names an unnamed child <executionId>:<taskId>, distinct in each continueAsNew execution', async () => {
    const url = await start('childPerExecution', null, 'parent-of-two');
    const done = await untilStatus(url, ['Completed', 'Failed']);
    expect(done.body.runtimeStatus).toBe('Completed');
    const [first, second] = done.body.output as string[];
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:0$/); // the extension writes the GUID with dashes (test/engines/examples.test.ts)
    expect(second).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:0$/);
    expect(second).not.toBe(first);
    for (const child of [first, second]) {
      const s = await call('GET', `${host.url}/runtime/webhooks/durabletask/instances/${encodeURIComponent(child)}`);
      expect(s.status).toBe(200);
      expect(s.body.output).toBe(child);
    }
  });

  it('continues as new with a fresh history until done', async () => {
    const url = await start('counting', 0, 'counter-1');
    const done = await untilStatus(url, ['Completed', 'Failed']);
    expect(done.body.output).toBe(3);
    const history = (await call('GET', `${url}&showHistory=true`)).body.historyEvents as Array<{ EventType: string }>;
    expect(history.filter((e) => e.EventType === 'ExecutionStarted')).toHaveLength(1);
    // the last execution's one activity (its TaskScheduled folded into its TaskCompleted, as the extension shows it)
    expect(history.filter((e) => e.EventType === 'TaskCompleted')).toHaveLength(1);
    expect(history.filter((e) => e.EventType === 'TaskScheduled')).toHaveLength(0);
  });

  it('keeps an event raised before the orchestrator waits for it', async () => {
    const url = await start('lateListener', null);
    const id = new URL(url).pathname.split('/').pop()!;
    const raised = await call('POST', `${host.url}/runtime/webhooks/durabletask/instances/${id}/raiseEvent/Early`, { early: true });
    expect(raised.status).toBe(202);
    const done = await untilStatus(url, ['Completed', 'Failed']);
    expect(done.body.output).toEqual({ early: true });
  });
});
