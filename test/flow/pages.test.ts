/**
 * The status pages of the example app in a real browser (Chromium through playwright-core), served
 * by the compiled app (dist/) on the embedded host over real HTTP on loopback: the dashboard,
 * an approval watched live from Running to Completed while the page raises its event, forEach
 * counters, the instance actions, the replay trace, and keys (--enforce-auth). Screenshots are
 * written to test-results/screenshots/.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost, type Host } from '../../host/main';
import { call, until } from '../host/http-helpers';
import { launch, openPage, shot, type Browser, type Page } from './browser';

const root = path.resolve(__dirname, '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-flow-pages-'));
let host: Host;
let locked: Host;
let browser: Browser;
const errors: string[] = [];

beforeAll(async () => {
  if (!fs.existsSync(path.join(root, 'dist/generated/flow-ui/pages.js'))) throw new Error('dist/ is missing the status pages: run `npm run build` first (npm test does)');
  host = await createHost({ appDir: root, db: path.join(dir, 'open.db'), port: 0, quiet: true });
  locked = await createHost({ appDir: root, db: path.join(dir, 'locked.db'), port: 0, quiet: true, enforceAuth: true });
  browser = await launch();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await host?.close();
  await locked?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const stateOf = (page: Page, step: string): Promise<string | null> => page.locator(`[data-step="${step}"]`).getAttribute('data-state');

/** Waits until the node of `step` shows `state` (the page updates itself; nothing here reloads it). */
async function untilState(page: Page, step: string, state: string, timeout = 20_000): Promise<void> {
  await page.waitForSelector(`[data-step="${step}"][data-state="${state}"]`, { timeout });
}

describe('the dashboard', () => {
  it('lists every workflow with its trigger and counts, and the latest instances newest first, filtered and paged', async () => {
    const page = await openPage(browser, errors);
    const first = await page.goto(`${host.url}/api/flow`);
    expect(first?.status()).toBe(200);
    await page.waitForSelector('table.workflows tr[data-workflow]');
    // Every workflow the app has (a clone may hold a user's own beside the examples).
    const workflows = (JSON.parse(fs.readFileSync(path.join(root, 'generated/flow-ui/workflows.json'), 'utf8')) as { workflows: Array<{ name: string }> }).workflows;
    expect(workflows.map((w) => w.name)).toEqual(expect.arrayContaining(['approval', 'hello', 'nightlyReport', 'orderReview', 'pollJob', 'processOrders', 'reminder', 'replicate', 'travelDesk']));
    expect(await page.evaluate(() => [...document.querySelectorAll('table.workflows tr[data-workflow]')].map((r) => r.getAttribute('data-workflow')))).toEqual(workflows.map((w) => w.name));
    expect(await page.locator('tr[data-workflow="processOrders"] .trigger').textContent()).toContain('POST /api/orders/process');
    expect(await page.locator('tr[data-workflow="nightlyReport"] .trigger').textContent()).toContain('schedule 0 0 3 * * *');

    // 17 hello instances (one page holds 15) and one approval left waiting.
    const ids: string[] = [];
    for (let i = 0; i < 17; i++) ids.push((await call('POST', `${host.url}/api/workflows/hello`, {})).body.id);
    const waiting = (await call('POST', `${host.url}/api/workflows/approval`, { customer: 'ACME', total: 5 })).body.id as string;
    await until(async () => ((await call('GET', `${host.url}/api/workflows/hello/instances?status=Completed`)).body.instances.length === 17 ? true : undefined), 'hello instances to complete');

    // The page refreshes itself: counts and rows appear without a reload.
    await page.waitForFunction(
      (id) => document.querySelector('tr[data-workflow="hello"] [data-count="Completed"]')?.textContent === '17 completed' && document.querySelector(`tr[data-instance="${id}"]`) !== null,
      waiting,
      { timeout: 15_000 },
    );
    expect(await page.locator('tr[data-workflow="approval"] [data-count="Running"]').textContent()).toBe('1 running');
    // newest first: the approval, started last, heads the list
    expect(await page.locator('.instances tbody tr').first().getAttribute('data-instance')).toBe(waiting);
    await shot(page, 'dashboard');

    // Filter by workflow and status; page through.
    await page.locator('.instances select[name="workflow"]').selectOption('hello');
    await page.waitForFunction(() => !document.querySelector('.instances tbody tr[data-instance]:not([data-status="Completed"])') && document.querySelectorAll('.instances tbody tr[data-instance]').length === 15, undefined, { timeout: 10_000 });
    expect(await page.locator('.pager-text').textContent()).toBe('1–15');
    await page.locator('.instances button:text("Older ›")').click();
    await page.waitForFunction(() => document.querySelectorAll('.instances tbody tr[data-instance]').length === 2, undefined, { timeout: 10_000 });
    const second = await page.locator('.instances tbody tr[data-instance]').count();
    expect(second).toBe(2);
    // the oldest two of the 17, in order
    const shown = await page.evaluate(() => [...document.querySelectorAll('.instances tbody tr[data-instance]')].map((r) => r.getAttribute('data-instance')));
    expect([...shown].sort()).toEqual([ids[0], ids[1]].sort());
    await page.locator('.instances select[name="status"]').selectOption('Running');
    await page.waitForFunction(() => document.querySelector('.instances td.empty') !== null, undefined, { timeout: 10_000 });

    // A click on an instance opens it on its graph.
    await page.locator('.instances select[name="workflow"]').selectOption('approval');
    await page.locator(`tr[data-instance="${waiting}"] a`).first().click();
    await untilState(page, 'decision', 'running');
    expect(decodeURIComponent(page.url().split('#')[1])).toBe(`/instance/approval/${waiting}`);
    await page.close();
  });
});

describe('an instance', () => {
  it('marks every event of a waitForEvent list as waited for while the race runs', async () => {
    const id = (await call('POST', `${host.url}/api/workflows/orderReview`, { customer: 'ACME', total: 5 })).body.id as string;
    const page = await openPage(browser, errors);
    await page.goto(`${host.url}/api/flow#/instance/orderReview/${encodeURIComponent(id)}`);
    await untilState(page, 'decision', 'running');
    expect(await page.locator('.event-form select option').allTextContents()).toEqual(['Approve (waiting)', 'Reject (waiting)']);
    await page.close();
  });

  it('moves from running to completed on the page, without a reload, when the page raises the event it waits for', async () => {
    const page = await openPage(browser, errors);
    await page.goto(`${host.url}/api/flow`);
    await page.evaluate(() => ((window as unknown as { marker: string }).marker = 'same document'));
    // Start it from the dashboard's form.
    await page.locator('[data-start="approval"]').click();
    await page.locator('form[data-workflow="approval"] textarea').fill('{"customer":"ACME","total":120}');
    await page.locator('form[data-workflow="approval"] button[type="submit"]').click();
    await page.waitForFunction(() => location.hash.startsWith('#/instance/approval/'), undefined, { timeout: 10_000 });
    const id = decodeURIComponent(page.url().split('/').pop()!);

    await untilState(page, 'decision', 'running');
    expect(await stateOf(page, 'steps[0]')).toBe('completed');
    expect(await stateOf(page, 'steps[1]')).toBe('completed');
    expect(await stateOf(page, 'outcome')).toBe('pending');
    expect(await page.locator('.badge-slot [data-status]').textContent()).toBe('Running');
    expect(await page.locator('pre[aria-label="custom status"]').textContent()).toBe('"waiting for approval"');
    // The event form names the events this workflow waits for, and which one it waits for now.
    expect(await page.locator('.event-form select option').allTextContents()).toEqual(['Approval (waiting)']);
    await shot(page, 'instance-waiting');

    await page.locator('.event-form textarea').fill('{"approved":true,"by":"dana"}');
    await page.locator('.event-form button[type="submit"]').click();
    await untilState(page, 'outcome', 'completed');
    await page.waitForSelector('.badge-slot [data-status="Completed"]', { timeout: 20_000 });
    expect(await stateOf(page, 'decision')).toBe('completed');
    expect(await stateOf(page, 'steps[3].switch[0].steps[0]')).toBe('completed');
    expect(await stateOf(page, 'steps[3].switch[1].else[0]')).toBe('skipped');
    expect(await page.locator('pre[aria-label="output"]').textContent()).toContain('approved by dana');
    // Same document all along: updated in place, never reloaded.
    expect(await page.evaluate(() => [(window as unknown as { marker?: string }).marker, performance.getEntriesByType('navigation').length])).toEqual(['same document', 1]);

    // The replay trace: one element per episode, each with what it consumed and issued.
    await page.waitForFunction(() => document.querySelector('[data-episode] .issued li[data-type="ExecutionCompleted"]') !== null, undefined, { timeout: 10_000 });
    const episodes = await page.evaluate(() =>
      [...document.querySelectorAll('[data-episode]')].map((e) => ({
        n: e.getAttribute('data-episode'),
        consumed: [...e.querySelectorAll('.consumed li')].map((l) => l.getAttribute('data-type')),
        issued: [...e.querySelectorAll('.issued li')].map((l) => l.getAttribute('data-type')),
      })),
    );
    expect(episodes[0]).toEqual({ n: '1', consumed: ['ExecutionStarted'], issued: ['TaskScheduled'] });
    expect(episodes.find((e) => e.consumed.includes('EventRaised'))?.issued).toEqual(['TaskScheduled']);
    expect(episodes.at(-1)?.issued).toContain('ExecutionCompleted');
    await shot(page, 'instance-completed');

    // what the page showed is what the workflow's API says
    const api = await call('GET', `${host.url}/api/workflows/approval/instances/${id}`);
    expect(api.body).toMatchObject({ status: 'Completed', output: { approved: true, record: 'approved by dana' } });
    await page.close();
  });

  it('counts a forEach done/failed/total as it runs, and shows failed items', async () => {
    const page = await openPage(browser, errors);
    const orders = Array.from({ length: 12 }, (_, i) => ({ id: `o${i}`, amount: i % 4 === 3 ? 0 : 10 }));
    const id = (await call('POST', `${host.url}/api/orders/process`, { customer: 'ACME', orders })).body.id as string;
    await page.goto(`${host.url}/api/flow#/instance/processOrders/${id}`);
    await page.waitForSelector('.badge-slot [data-status="Completed"]', { timeout: 40_000 });
    await untilState(page, 'charges', 'completed');
    const charges = page.locator('[data-step="charges"]');
    expect([await charges.getAttribute('data-done'), await charges.getAttribute('data-failed'), await charges.getAttribute('data-total')]).toEqual(['12', '3', '12']);
    expect(await page.locator('[data-step="charges"] .count').textContent()).toBe('12/12 · 3 failed');
    // the receipt went through: the catch never ran, so its step was skipped
    expect(await stateOf(page, 'receipt')).toBe('completed');
    expect(await stateOf(page, 'steps[4].try[0]')).toBe('completed');
    expect(await stateOf(page, 'steps[4].catch.steps[0]')).toBe('skipped');
    expect(await stateOf(page, 'greeting')).toBe('completed');
    await shot(page, 'instance-foreach');
    await page.close();
  }, 60_000);

  it('lists the work a quorum and a timeout abandoned, and how it ended after that (issue 23)', async () => {
    const page = await openPage(browser, errors);
    // north is slow and down: the quorum of 2 is reached without it, and it fails later; the
    // audit outlives its 1 s timeout and completes later. The instance completes all the same.
    const input = { record: { id: 1 }, ms: [5, 10, 2500], down: [false, false, true], auditMs: 3000 };
    const id = (await call('POST', `${host.url}/api/workflows/replicate`, input)).body.id as string;
    await page.goto(`${host.url}/api/flow#/instance/replicate/${id}`);
    await page.waitForSelector('.late-panel:not([hidden]) li[data-late="Running"]', { timeout: 20_000 });
    expect(await page.locator('.badge-slot [data-status]').textContent()).toBe('Running');
    await page.waitForSelector('.badge-slot [data-status="Completed"]', { timeout: 30_000 });
    await page.waitForSelector('.late-panel li[data-late="Completed"]', { timeout: 10_000 });
    const lines = (await page.locator('.late-panel li').allTextContents()).map((t) => t.replace(/ · abandoned .*$/, ''));
    expect(lines).toEqual([
      "activity 'WriteReplica' finished after the quorum was decided: Failed: ReplicaDown: replica north is down",
      "activity 'AuditWrite' finished after its timeout: Completed",
    ]);
    expect(await page.locator('pre[aria-label="output"]').textContent()).toContain('"east"');
    // The replay trace marks the two late completions, and only them.
    await page.waitForSelector('.trace [data-late-event="timeout"]', { timeout: 10_000 });
    const marked = await page.evaluate(() => [...document.querySelectorAll('.trace li[data-type]')].filter((l) => l.querySelector('[data-late-event]')).map((l) => `${l.getAttribute('data-type')} ${l.querySelector('.ename')?.textContent}`));
    expect(marked).toEqual(['TaskFailed WriteReplica', 'TaskCompleted AuditWrite']);
    await shot(page, 'instance-late-outcomes');
    const api = await call('GET', `${host.url}/api/workflows/replicate/instances/${id}`);
    expect(api.body).toMatchObject({ status: 'Completed', output: { acknowledged: ['east', 'west'] } });
    await page.close();
  }, 60_000);

  it('suspends, resumes, terminates and restarts from its buttons', async () => {
    const page = await openPage(browser, errors);
    const id = (await call('POST', `${host.url}/api/workflows/approval`, { customer: 'ACME', total: 7 })).body.id as string;
    await page.goto(`${host.url}/api/flow#/instance/approval/${id}`);
    await untilState(page, 'decision', 'running');
    await page.locator('button[data-action="suspend"]').click();
    await page.waitForSelector('.badge-slot [data-status="Suspended"]', { timeout: 15_000 });
    expect(await page.locator('button[data-action="resume"]').isDisabled()).toBe(false);
    await page.locator('button[data-action="resume"]').click();
    await page.waitForSelector('.badge-slot [data-status="Running"]', { timeout: 15_000 });
    await page.locator('button[data-action="terminate"]').click();
    await page.waitForSelector('.badge-slot [data-status="Terminated"]', { timeout: 15_000 });
    // the step it was waiting in did not complete; the ones after it never ran
    await untilState(page, 'decision', 'failed');
    expect(await stateOf(page, 'outcome')).toBe('skipped');
    expect(await page.locator('button[data-action="terminate"]').isDisabled()).toBe(true);
    await page.locator('button[data-action="restart"]').click();
    await page.waitForFunction((old) => !location.hash.endsWith(encodeURIComponent(old)), id, { timeout: 10_000 });
    await untilState(page, 'decision', 'running');
    expect((await call('GET', `${host.url}/api/workflows/approval/instances/${id}`)).body.status).toBe('Terminated');
    await page.close();
  });
});

describe('an instance whose version the backend does not report', () => {
  // An older extension leaves `version` out of the status; none runs here, so the page's two
  // answers are rewritten in the browser (playwright's route): the workflow has a version 2, and
  // the instance's status says version null.
  it('is shown on the graph without step states and says why, instead of on the latest graph (backend answers rewritten)', async () => {
    const page = await openPage(browser, errors);
    await page.route('**/api/flow', async (route) => {
      const r = await route.fetch();
      const html = (await r.text()).replace(/("name":"approval"[^]*?"version":)1/, '$12');
      await route.fulfill({ response: r, body: html });
    });
    await page.route('**/api/workflows/approval/instances/*', async (route) => {
      const r = await route.fetch();
      const body = { ...(await r.json()), version: null };
      await route.fulfill({ response: r, json: body });
    });
    const id = (await call('POST', `${host.url}/api/workflows/approval`, { customer: 'ACME', total: 5 })).body.id as string;
    await page.goto(`${host.url}/api/flow#/instance/approval/${encodeURIComponent(id)}`);
    await page.waitForSelector('.graph-slot .graph');
    await page.waitForSelector('.graph-slot .message.info');
    expect(await page.locator('.graph-slot .message.info').textContent()).toContain('does not report which version');
    await page.waitForFunction(() => document.body.textContent?.includes('version unknown (new instances start version 2)'), undefined);
    // No step carries a state: nothing was drawn as running or done.
    expect(await page.locator('.graph-slot [data-state="running"], .graph-slot [data-state="completed"]').count()).toBe(0);
    await shot(page, 'instance-version-unknown');
    await page.close();
    // The control: the same instance, answers untouched, has its waiting step drawn as running.
    const plain = await openPage(browser, errors);
    await plain.goto(`${host.url}/api/flow#/instance/approval/${encodeURIComponent(id)}`);
    await plain.waitForSelector('.graph-slot [data-state="running"]', { timeout: 15_000 });
    await plain.close();
  });
});

describe('keys (--enforce-auth)', () => {
  it('answer 401 without a key, and the page works when opened with ?code=<function key>', async () => {
    const key = locked.keys!.function;
    expect((await call('GET', `${locked.url}/api/flow`)).status).toBe(401);
    expect((await call('GET', `${locked.url}/api/flow/api/instances`)).status).toBe(401);
    expect((await call('GET', `${locked.url}/api/flow/api/graph/hello`)).status).toBe(401);
    // the script and stylesheet are static files, the same for every app: no key needed
    const shell = await fetch(`${locked.url}/api/flow?code=${encodeURIComponent(key)}`);
    expect(shell.status).toBe(200);
    const html = await shell.text();
    const script = /src="([^"]+app\.js[^"]*)"/.exec(html)![1];
    expect(html).not.toContain(key);
    expect((await fetch(`${locked.url}${script}`)).status).toBe(200);

    const page = await openPage(browser, errors);
    expect((await page.goto(`${locked.url}/api/flow`))?.status()).toBe(401);
    expect((await page.goto(`${locked.url}/api/flow?code=${encodeURIComponent(key)}`))?.status()).toBe(200);
    await page.waitForSelector('tr[data-workflow="hello"] .chips', { timeout: 15_000 });
    await page.locator('[data-start="hello"]').click();
    await page.locator('form[data-workflow="hello"] button[type="submit"]').click();
    await page.waitForSelector('.badge-slot [data-status="Completed"]', { timeout: 20_000 });
    await untilState(page, 'london', 'completed');
    await page.waitForSelector('[data-episode]', { timeout: 10_000 });
    // every call the page made to an API carried the key (and was let in: the page got its data)
    const calls = await page.evaluate(() => performance.getEntriesByType('resource').map((r) => r.name).filter((n) => /\/api\/(workflows|flow\/api)\//.test(n)));
    expect(calls.length).toBeGreaterThan(3);
    expect(calls.filter((n) => !n.includes(`code=${encodeURIComponent(key)}`))).toEqual([]);
    await page.close();
  });
});

describe('the pages', () => {
  it('ran without a script error', () => {
    expect(errors).toEqual([]);
  });
});
