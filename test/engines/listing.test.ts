/**
 * The status pages' lists on both engines: read a page at a time through the Durable HTTP API's
 * instance query (runtime/flow/listing.ts), with a prefix per workflow, the backend's `top` and
 * continuation tokens. The extension answers these queries itself (Azure Storage on Azurite): the
 * ids durable-flow generates must come back newest first under their prefix there too, and both
 * engines must list and count the same instances.
 */
import { describe, expect, it } from 'vitest';
import { call, untilStatus } from '../host/http-helpers';
import { appFolder, bothEngines, ENGINES, type Engine } from './engines';

const engines = bothEngines(() => appFolder());

interface Row {
  id: string;
  workflow: string;
  status: string;
}

/** Every page of `path` (a list endpoint answering `{ instances, continuationToken }`), in order. */
async function allPages(engine: Engine, path: string): Promise<{ rows: Row[]; pages: number[] }> {
  const rows: Row[] = [];
  const pages: number[] = [];
  let token: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const r = await call('GET', `${engine.url}${path}${token ? `${sep}continuationToken=${encodeURIComponent(token)}` : ''}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const page = r.body.instances as Array<Row & { workflow?: string }>;
    pages.push(page.length);
    rows.push(...page.map((i) => ({ id: i.id, workflow: i.workflow, status: i.status })));
    token = r.body.continuationToken;
    expect(pages.length).toBeLessThan(20);
  } while (token);
  return { rows, pages };
}

/** Starts instances one after another on `engine`; returns their ids in start order. */
async function startAll(engine: Engine): Promise<{ hello: string[]; reports: string[] }> {
  const hello: string[] = [];
  for (let i = 0; i < 7; i++) {
    const r = await call('POST', `${engine.url}/api/workflows/hello`, {});
    expect(r.status).toBe(202);
    hello.push(r.body.id);
    // Distinct start milliseconds, so the expected order is the start order.
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const reports: string[] = [];
  for (const customerId of ['acme', 'globex']) {
    const r = await call('POST', `${engine.url}/api/workflows/customerReport`, { customerId });
    expect([200, 202]).toContain(r.status);
    reports.push(r.body.id);
  }
  for (const id of hello) await untilStatus(`${engine.url}/runtime/webhooks/durabletask/instances/${encodeURIComponent(id)}`, ['Completed'], 60_000);
  return { hello, reports };
}

describe('the status pages list a page at a time, alike on both engines', () => {
  it('lists the latest instances newest first through prefix queries, with top and continuation tokens, and counts them', async () => {
    const results = await Promise.all(
      ENGINES.map(async (name) => {
        const e = engines.get(name)!;
        const started = await startAll(e);
        const hello = await allPages(e, '/api/flow/api/instances?workflow=hello&top=3');
        const everything = await allPages(e, '/api/flow/api/instances?top=4');
        const perWorkflow = await allPages(e, '/api/workflows/hello/instances?top=2');
        const reports = await allPages(e, '/api/flow/api/instances?workflow=customerReport&top=5');
        const counts = (await call('GET', `${e.url}/api/flow/api/counts?window=1h`)).body;
        return { name, started, hello, everything, perWorkflow, reports, counts };
      }),
    );
    for (const r of results) {
      const newestFirst = [...r.started.hello].reverse();
      // Generated ids: the workflow's prefix, the start time counted down, random digits.
      for (const id of r.started.hello) expect(id).toMatch(/^hello~[0-9a-z]{17}$/);
      expect(r.started.reports.sort()).toEqual(['report-acme', 'report-globex']);
      expect(r.hello.rows.map((x) => x.id), r.name).toEqual(newestFirst);
      expect(r.hello.pages, r.name).toEqual([3, 3, 1]);
      expect(r.perWorkflow.rows.map((x) => x.id), r.name).toEqual(newestFirst);
      expect(r.perWorkflow.pages, r.name).toEqual([2, 2, 2, 1]);
      expect(r.reports.rows.map((x) => x.id).sort(), r.name).toEqual(['report-acme', 'report-globex']);
      // Every workflow: hello newest first, with the two reports among them. Where the reports
      // fall depends on when each singleton was first created (an earlier test may have).
      expect(r.everything.rows.map((x) => x.id).filter((id) => id.startsWith('hello~')), r.name).toEqual(newestFirst);
      expect(new Set(r.everything.rows.map((x) => x.id).filter((id) => !id.startsWith('hello~'))), r.name).toEqual(new Set(r.started.reports));
      expect(r.everything.pages, r.name).toEqual([4, 4, 1]);
      expect(r.counts.counts.hello, r.name).toEqual({ Completed: 7 });
      expect(r.counts.complete).toBe(true);
    }
    const [embedded, extension] = results;
    // What this test started counts alike on both (other test files share the engines' hubs, and
    // start other workflows on one engine or the other).
    expect(extension.counts.counts.hello).toEqual(embedded.counts.counts.hello);
    for (const r of results) expect(Object.values(r.counts.counts.customerReport ?? {}).reduce((a: number, b) => a + (b as number), 0), r.name).toBeGreaterThanOrEqual(2);
  }, 240_000);

  it('refuses a continuation token it did not issue and an unknown window', async () => {
    for (const name of ENGINES) {
      const e = engines.get(name)!;
      expect((await call('GET', `${e.url}/api/flow/api/instances?continuationToken=bm90LW91cnM`)).status).toBe(400);
      expect((await call('GET', `${e.url}/api/workflows/hello/instances?continuationToken=bm90LW91cnM`)).status).toBe(400);
      const w = await call('GET', `${e.url}/api/flow/api/counts?window=2h`);
      expect(w.status).toBe(400);
      expect(w.body.error ?? w.body).toMatchObject({ code: 'InvalidWindow' });
    }
  });
});
