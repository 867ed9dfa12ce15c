/**
 * The status pages' start form offers an input the workflow's schema accepts, so the first click
 * on Start starts an instance instead of answering 400 (compiler/src/codegen/flow-ui.ts
 * formSample): the schema's own example, or one built from its properties' defaults; an example
 * the schema itself refuses is not offered, and with nothing valid to offer the form is empty,
 * with the shape to fill in as its placeholder. In a real browser (Chromium through
 * playwright-core) over a small compiled app on the embedded host; the screenshot is written to
 * test-results/screenshots/start-forms.png.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../bench/app';
import { createHost, type Host } from '../../host/main';
import { call } from '../host/http-helpers';
import { launch, openPage, shot, type Browser, type Page } from './browser';

const repo = path.resolve(__dirname, '../..');

const WORKFLOWS: Record<string, string> = {
  // An example at the schema's top: offered as it is.
  withExample: [
    'dsl: 1',
    'input:',
    '  type: object',
    '  required: [orderId]',
    '  properties:',
    '    orderId: { type: string, minLength: 3 }',
    '  examples: [{ orderId: A-100 }]',
    'steps:',
    '  - activity: Echo',
    '    input: ${ input.orderId }',
    '',
  ].join('\n'),
  // Required properties with defaults (and a minLength an empty string would fail).
  withDefaults: [
    'dsl: 1',
    'input:',
    '  type: object',
    '  required: [customer, count]',
    '  properties:',
    '    customer: { type: string, minLength: 1, default: ACME }',
    '    count: { type: integer, minimum: 1, default: 2 }',
    'steps:',
    '  - activity: Echo',
    '    input: ${ input.customer }',
    '',
  ].join('\n'),
  // Its one example is too short for its own schema, and an empty string fails too: nothing to offer.
  nothingValid: [
    'dsl: 1',
    'input:',
    '  type: object',
    '  required: [orderId]',
    '  properties:',
    '    orderId: { type: string, minLength: 3 }',
    '  examples: [{ orderId: x }]',
    'steps:',
    '  - activity: Echo',
    '    input: ${ input.orderId }',
    '',
  ].join('\n'),
  noSchema: ['dsl: 1', 'steps:', '  - activity: Echo', '    input: none', ''].join('\n'),
};

let app: string;
let host: Host;
let browser: Browser;
const errors: string[] = [];

beforeAll(async () => {
  app = buildApp(repo, WORKFLOWS, 'export function Echo(x: unknown): unknown { return x; }\n', 'df-start-form-');
  host = await createHost({ appDir: app, db: path.join(app, 'pages.db'), port: 0, quiet: true });
  browser = await launch();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await host?.close();
  if (app) fs.rmSync(app, { recursive: true, force: true });
});

/** The start form's input as the page shows it: its text and its placeholder. */
function formInput(page: Page, workflow: string): Promise<{ value: string; placeholder: string }> {
  return page.evaluate((w) => {
    const t = document.querySelector(`form[data-workflow="${w}"] textarea`) as HTMLTextAreaElement;
    return { value: t.value, placeholder: t.placeholder };
  }, workflow);
}

describe('the start form', () => {
  it('offers an input the schema accepts: the first click on Start starts the instance', async () => {
    const page = await openPage(browser, errors);
    await page.goto(`${host.url}/api/flow`);
    await page.waitForSelector('table.workflows tr[data-workflow]');
    for (const w of Object.keys(WORKFLOWS)) await page.locator(`[data-start="${w}"]`).click();
    await shot(page, 'start-forms');

    expect(JSON.parse((await formInput(page, 'withExample')).value)).toEqual({ orderId: 'A-100' });
    expect(JSON.parse((await formInput(page, 'withDefaults')).value)).toEqual({ customer: 'ACME', count: 2 });
    expect(JSON.parse((await formInput(page, 'noSchema')).value)).toEqual({});
    // Nothing valid to offer: an empty form, the shape as its placeholder.
    expect(await formInput(page, 'nothingValid')).toEqual({ value: '', placeholder: `Fill in the input (the schema has no example it accepts). Its shape:\n${JSON.stringify({ orderId: '' }, null, 2)}` });

    // Every form that offers an input starts with it at the first click (a 400 would show in the form and stay there).
    const inputs: Record<string, unknown> = {};
    for (const w of Object.keys(WORKFLOWS)) {
      await page.goto(`${host.url}/api/flow`);
      await page.waitForSelector(`[data-start="${w}"]`);
      if ((await formInput(page, w)).value === '') continue;
      await page.locator(`[data-start="${w}"]`).click();
      await page.locator(`form[data-workflow="${w}"] button[type="submit"]`).click();
      await page.waitForFunction((name) => location.hash.startsWith(`#/instance/${name}/`) || document.querySelector(`form[data-workflow="${name}"] .form-out`)?.textContent, w, { timeout: 10_000 });
      const hash = decodeURIComponent(page.url().split('#')[1] ?? '');
      expect({ w, hash }).toEqual({ w, hash: expect.stringMatching(new RegExp(`^/instance/${w}/`)) });
      inputs[w] = (await call('GET', `${host.url}/api/workflows/${w}/instances/${encodeURIComponent(hash.split('/').pop()!)}`)).body.input;
    }
    expect(inputs).toEqual({ withExample: { orderId: 'A-100' }, withDefaults: { customer: 'ACME', count: 2 }, noSchema: {} });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
