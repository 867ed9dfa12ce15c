/**
 * A real browser for the status-page tests: Debian's Chromium (`/usr/bin/chromium`, or
 * CHROMIUM_PATH) driven by playwright-core (no browser download). `.ci/run` installs Chromium
 * when it is missing. Screenshots go to test-results/screenshots/ (gitignored).
 *
 * playwright-core is loaded with require and described by the few calls the tests make, so the
 * repository type-checks whether or not it is installed yet.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

export interface Response {
  status(): number;
}

export interface Locator {
  click(): Promise<void>;
  fill(value: string): Promise<void>;
  selectOption(value: string): Promise<unknown>;
  textContent(): Promise<string | null>;
  getAttribute(name: string): Promise<string | null>;
  count(): Promise<number>;
  isDisabled(): Promise<boolean>;
  first(): Locator;
  nth(i: number): Locator;
  locator(selector: string): Locator;
  allTextContents(): Promise<string[]>;
}

export interface Page {
  goto(url: string): Promise<Response | null>;
  locator(selector: string): Locator;
  waitForSelector(selector: string, options?: { timeout?: number; state?: 'attached' | 'visible' | 'hidden' }): Promise<unknown>;
  waitForFunction<T>(fn: (arg: T) => unknown, arg: T, options?: { timeout?: number; polling?: number }): Promise<unknown>;
  evaluate<R, A = undefined>(fn: (arg: A) => R, arg?: A): Promise<R>;
  screenshot(options: { path: string; fullPage?: boolean }): Promise<unknown>;
  on(event: 'pageerror', fn: (e: Error) => void): void;
  on(event: 'console', fn: (m: { type(): string; text(): string }) => void): void;
  url(): string;
  /** Rewrites answers in the browser, where a test stands in for a backend that cannot run here. */
  route(url: string, handler: (route: Route) => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

export interface Route {
  fetch(): Promise<{ text(): Promise<string>; json(): Promise<Record<string, unknown>> }>;
  fulfill(options: { response: unknown; body?: string; json?: unknown }): Promise<void>;
}

export interface Browser {
  newPage(options?: { viewport?: { width: number; height: number } }): Promise<Page>;
  close(): Promise<void>;
}

interface Playwright {
  chromium: { launch(options: { executablePath: string; args: string[] }): Promise<Browser> };
}

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.resolve(__dirname, '../../test-results/screenshots');

/** Launches headless Chromium; a missing browser is an error that says how to install it. */
export async function launch(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium; .ci/run does) or set CHROMIUM_PATH`);
  const { chromium } = createRequire(__filename)('playwright-core') as Playwright;
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A page that fails the test on any script error it meets. */
export async function openPage(browser: Browser, errors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) errors.push(m.text());
  });
  return page;
}

export function shot(page: Page, name: string): Promise<unknown> {
  return page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
