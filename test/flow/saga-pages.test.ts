/**
 * Sagas on the status pages, in a real browser (Chromium through playwright-core), served by the
 * compiled app (dist/) on the embedded host over real HTTP on loopback: the bookTrip example
 * with a declined card undoes the hotel, then the flight, and fails with `card-declined` and the
 * charge's message. The graph marks the undone steps, the Compensations panel and the replay
 * trace list the undos, and `GET instances/<id>` says the same; the travelDesk parent's catch
 * sees the error whole. Screenshots go to test-results/screenshots/.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost, type Host } from '../../host/main';
import { call, until } from '../host/http-helpers';
import { launch, openPage, shot, type Browser, type Page } from './browser';

const root = path.resolve(__dirname, '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-flow-saga-'));
let host: Host;
let browser: Browser;
const errors: string[] = [];

beforeAll(async () => {
  if (!fs.existsSync(path.join(root, 'dist/generated/flow-ui/pages.js'))) throw new Error('dist/ is missing the status pages: run `npm run build` first (npm test does)');
  host = await createHost({ appDir: root, db: path.join(dir, 'saga.db'), port: 0, quiet: true });
  browser = await launch();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await host?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** `a b` for each element the selector finds: the values of the given attributes. */
async function attributes(page: Page, selector: string, names: string[]): Promise<string[]> {
  const all = page.locator(selector);
  const out: string[] = [];
  for (let i = 0; i < (await all.count()); i++) out.push((await Promise.all(names.map((n) => all.nth(i).getAttribute(n)))).join(' '));
  return out;
}

const finished = (url: string) => async () => {
  const r = await call('GET', url);
  return ['Completed', 'Failed'].includes(r.body.status) ? r.body : undefined;
};

describe('a saga on the status pages', () => {
  it('shows the undos newest first on the graph, in a panel and in the trace, and the instance failed with card-declined', async () => {
    const id = (await call('POST', `${host.url}/api/workflows/bookTrip`, { traveller: 'ada', card: 'declined' })).body.id as string;
    const status = await until(finished(`${host.url}/api/workflows/bookTrip/instances/${id}`), 'bookTrip to end');
    expect(status).toMatchObject({
      status: 'Failed',
      error: { name: 'card-declined', message: 'the card was declined for 600', text: `Orchestrator function 'bookTrip' failed: "card-declined": the card was declined for 600` },
      compensations: [
        { step: 'hotel', undo: 'activity CancelHotel', state: 'completed' },
        { step: 'flight', undo: 'activity CancelFlight', state: 'completed' },
      ],
    });

    const page = await openPage(browser, errors);
    await page.goto(`${host.url}/api/flow#/instance/bookTrip/${id}`);
    await page.waitForSelector('.badge-slot [data-status="Failed"]', { timeout: 20_000 });
    // The panel shows the error as a catch sees it: its name, whole, and its message.
    expect(await page.locator('pre[data-error]').textContent()).toBe('card-declined: the card was declined for 600');
    // The graph: both reservations completed and were undone; the charge failed.
    await page.waitForSelector('[data-step="hotel"][data-compensated="completed"]', { timeout: 20_000 });
    expect(await page.locator('[data-step="flight"]').getAttribute('data-compensated')).toBe('completed');
    expect(await page.locator('[data-step="flight"]').getAttribute('data-state')).toBe('completed');
    expect(await page.locator('[data-step="charge"]').getAttribute('data-state')).toBe('failed');
    expect(await page.locator('[data-step="charge"]').getAttribute('data-compensated')).toBeNull();
    expect(await page.locator('[data-step="flight"] .badge').allTextContents()).toContain('undo: activity CancelFlight');
    // The Compensations panel, in the order they ran.
    expect(await attributes(page, '.compensation-list [data-compensation]', ['data-compensation', 'data-state'])).toEqual(['hotel completed', 'flight completed']);
    // The trace: the undo calls are tagged with the step they undo.
    await page.waitForSelector('[data-episode] .issued li[data-type="ExecutionCompleted"]', { timeout: 10_000 });
    const scheduled = page.locator('[data-episode] .issued li[data-type="TaskScheduled"]');
    const tagged: string[] = [];
    for (let i = 0; i < (await scheduled.count()); i++) {
      const item = scheduled.nth(i);
      const tag = item.locator('.undo-tag');
      tagged.push(`${await item.locator('.ename').textContent()} ${(await tag.count()) ? await tag.getAttribute('data-undo') : '-'}`);
    }
    expect(tagged).toEqual(['ReserveFlight -', 'ReserveHotel -', 'ChargeCard -', 'CancelHotel hotel', 'CancelFlight flight']);
    expect(await page.locator('.trace-compensations [data-compensation]').count()).toBe(2);
    await shot(page, 'instance-saga');
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it("reaches a parent's catch as card-declined with the charge's message", async () => {
    const id = (await call('POST', `${host.url}/api/workflows/travelDesk`, { traveller: 'bo', card: 'declined' })).body.id as string;
    const status = await until(finished(`${host.url}/api/workflows/travelDesk/instances/${id}`), 'travelDesk to end');
    expect(status).toMatchObject({ status: 'Completed', output: { booked: false, error: { name: 'card-declined', message: 'the card was declined for 600' } } });
  }, 60_000);
});
