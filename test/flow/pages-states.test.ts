/**
 * Every step state on the page, in a real browser: the fixture workflows of test/fixtures/flow
 * (a failing step; skipped steps, caught failures, a parallel branch that ends while the other
 * waits, a forEach body) compiled by the real compiler into a copy of the fixture, served by the
 * embedded host, watched live through the page. Screenshots go to test-results/screenshots/.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateProject } from '../../compiler/src/codegen';
import { checkProjectDir } from '../../compiler/src/front-end';
import { createHost, type Host } from '../../host/main';
import { call } from '../host/http-helpers';
import { launch, openPage, shot, type Browser, type Page } from './browser';

const repo = path.resolve(__dirname, '../..');
let dir: string;
let host: Host;
let browser: Browser;
const errors: string[] = [];

beforeAll(async () => {
  // A copy of the fixture, so this file and states.test.ts never write the same generated/.
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-flow-states-'));
  fs.cpSync(path.join(repo, 'test/fixtures/flow/workflows'), path.join(dir, 'workflows'), { recursive: true });
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'flow-states', private: true, main: 'generated/index.ts' }));
  fs.writeFileSync(path.join(dir, 'host.json'), JSON.stringify({ version: '2.0', extensions: { durableTask: { versionMatchStrategy: 'None' } } }));
  const front = checkProjectDir(dir);
  expect(front.diagnostics).toEqual([]);
  const runtimeImport = path.relative(path.join(dir, 'generated/x'), path.join(repo, 'runtime')).split(path.sep).join('/');
  for (const f of generateProject(front.project, { runtimeImport })) {
    fs.mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
    fs.writeFileSync(path.join(dir, f.path), f.text);
  }
  require('tsx/cjs/api').register(); // the app is generated TypeScript, loaded as the CLI loads it
  host = await createHost({ appDir: dir, db: ':memory:', port: 0, quiet: true });
  browser = await launch();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await host?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function states(page: Page, steps: string[]): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const s of steps) out[s] = await page.locator(`[data-step="${s}"]`).getAttribute('data-state');
  return out;
}

describe('step states on the page', () => {
  it('show the step that failed the instance as failed, with its error, and what came after it as skipped', async () => {
    const id = (await call('POST', `${host.url}/api/workflows/failing`, {})).body.id as string;
    const page = await openPage(browser, errors);
    await page.goto(`${host.url}/api/flow#/instance/failing/${id}`);
    await page.waitForSelector('.badge-slot [data-status="Failed"]', { timeout: 20_000 });
    await page.waitForSelector('[data-step="explode"][data-state="failed"]', { timeout: 10_000 });
    expect(await states(page, ['warmUp', 'explode', 'never'])).toEqual({ warmUp: 'completed', explode: 'failed', never: 'skipped' });
    expect(await page.locator('.error-panel').getAttribute('hidden')).toBeNull();
    expect(await page.locator('pre[data-error]').textContent()).toBe('Error: boom');
    // the trace shows the failure it consumed and the execution's end it issued (status Failed)
    await page.waitForFunction(() => document.querySelector('[data-episode] .issued li[data-type="ExecutionCompleted"]') !== null, undefined, { timeout: 10_000 });
    expect(await page.locator('.issued li[data-type="ExecutionCompleted"]').textContent()).toContain('Failed');
    expect(await page.locator('.consumed li[data-type="TaskFailed"]').textContent()).toContain('boom');
    await shot(page, 'instance-failed');
    await page.close();
  });

  it('are pending, running, completed, failed and skipped as the flow goes, live, until the end', async () => {
    const page = await openPage(browser, errors);
    await page.goto(`${host.url}/api/flow#/workflow/states`);
    await page.locator('form[data-workflow="states"] textarea').fill('{"path":"b"}');
    await page.locator('form[data-workflow="states"] button[type="submit"]').click();
    await page.waitForSelector('[data-step="gate"][data-state="running"]', { timeout: 20_000 });
    // the parallel's first branch runs its activity beside the wait: settled once it has ended
    await page.waitForSelector('[data-step="steps[5].parallel[0].steps[0]"][data-state="completed"]', { timeout: 20_000 });
    expect(
      await states(page, [
        'first',
        'skipped',
        'choose',
        'steps[2].switch[0].steps[0]',
        'steps[2].switch[1].else[1]',
        'quiet',
        'steps[3].try[0]',
        'steps[3].try[1]',
        'handled',
        'steps[4].try[0]',
        'steps[4].catch.steps[0]',
        'both',
        'steps[5].parallel[0].steps[0]',
        'gate',
        'steps[5].parallel[1].steps[1]',
        'each',
        'steps[6].steps[0]',
        'last',
      ]),
    ).toEqual({
      first: 'completed',
      skipped: 'skipped', // its if was false
      choose: 'completed',
      'steps[2].switch[0].steps[0]': 'skipped', // the branch not taken
      'steps[2].switch[1].else[1]': 'completed',
      quiet: 'completed', // a try whose empty catch swallowed the failure
      'steps[3].try[0]': 'failed',
      'steps[3].try[1]': 'skipped',
      handled: 'completed',
      'steps[4].try[0]': 'failed',
      'steps[4].catch.steps[0]': 'completed',
      both: 'running',
      'steps[5].parallel[0].steps[0]': 'completed', // this branch ended while the other waits
      gate: 'running',
      'steps[5].parallel[1].steps[1]': 'pending',
      each: 'pending',
      'steps[6].steps[0]': 'pending', // a forEach body has the forEach's state
      last: 'pending',
    });
    expect(await page.locator('.event-form select option').allTextContents()).toEqual(['Go (waiting)']);
    // the trace catches up (it is read again at most every 2 s): six episodes up to the wait
    await page.waitForFunction(() => document.querySelectorAll('[data-episode]').length >= 6, undefined, { timeout: 10_000 });
    await shot(page, 'instance-states');

    await page.locator('.event-form button[type="submit"]').click();
    await page.waitForSelector('.badge-slot [data-status="Completed"]', { timeout: 20_000 });
    await page.waitForSelector('[data-step="last"][data-state="completed"]', { timeout: 10_000 });
    expect(await states(page, ['both', 'gate', 'steps[5].parallel[1].steps[1]', 'each', 'steps[6].steps[0]', 'skipped', 'steps[3].try[0]'])).toEqual({
      both: 'completed',
      gate: 'completed',
      'steps[5].parallel[1].steps[1]': 'completed',
      each: 'completed',
      'steps[6].steps[0]': 'completed',
      skipped: 'skipped',
      'steps[3].try[0]': 'failed',
    });
    expect(await page.locator('[data-step="each"] .count').textContent()).toBe('3/3');
    await page.close();
  });

  it('ran without a script error', () => {
    expect(errors).toEqual([]);
  });
});
