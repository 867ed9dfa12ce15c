/**
 * `npm run bench:flow`: what the status pages cost, measured in a real browser (Debian's Chromium
 * through playwright-core) against the embedded host serving a compiled app:
 *
 * - the first load of the dashboard and of an instance view, cold cache: bytes transferred per
 *   request (Resource Timing `transferSize`: headers and body, no compression);
 * - one live update of an instance view while a 1,000-item forEach runs (a status poll, and a
 *   replay-trace refresh): bytes and server time (`responseStart - requestStart`, on loopback),
 *   medians over the polls of a few seconds; for the default partitioned forEach (slices of 100)
 *   and for one with `partitionSize: 0` (the whole list, and its history, in one orchestration).
 *
 * Writes bench/results/flow-page.md. Measured, not asserted.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHost } from '../host/main';
import { launch, type Page } from '../test/flow/browser';
import { buildApp } from './app';

const repo = path.resolve(__dirname, '..');
const log = (s: string): void => void process.stderr.write(`${s}\n`);

const range = '${ Array.from({ length: input.count }, (_, i) => i) }';
const item = (extra: string): string =>
  `dsl: 1\ninput: { type: object, properties: { count: { type: integer }, ms: { type: integer } } }\nsteps:\n  - id: tasks\n    forEach: "${range}"\n    maxParallel: 10\n${extra}    activity: Sleep\n    input: { index: "\${ item }", ms: "\${ input.ms }" }\noutput: \${ steps.tasks.output.length }\n`;
const WORKFLOWS = { fanOut: item(''), fanOutWhole: item('    partitionSize: 0\n') };
const ACTIVITIES = `export async function Sleep(input: { index: number; ms: number }): Promise<number> {
  await new Promise((r) => setTimeout(r, input.ms));
  return input.index;
}
`;

interface Entry {
  name: string;
  transferSize: number;
  encodedBodySize: number;
  server: number;
}

async function entries(page: Page): Promise<Entry[]> {
  return page.evaluate(() =>
    [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')].map((e) => {
      const r = e as PerformanceResourceTiming;
      return { name: r.name, transferSize: r.transferSize, encodedBodySize: r.encodedBodySize, server: r.responseStart - r.requestStart };
    }),
  );
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const kb = (b: number): string => `${(b / 1024).toFixed(1)} KB`;
const label = (url: string): string => {
  const u = new URL(url);
  return u.pathname.replace(/\/instances\/[^/]+$/, '/instances/<id>').replace(/\/trace\/(\w+)\/[^/]+$/, '/trace/$1/<id>') + (u.pathname.endsWith('/api/flow/api/instances') ? '' : '');
};

async function main(): Promise<void> {
  log('building the bench app ...');
  const app = buildApp(repo, WORKFLOWS, ACTIVITIES, 'df-flow-bench-');
  const db = fs.mkdtempSync(path.join(os.tmpdir(), 'df-flow-bench-db-'));
  const host = await createHost({ appDir: app, db: path.join(db, 'bench.db'), port: 0, quiet: true });
  const browser = await launch();
  const md: string[] = [`# Status pages: page weight and update cost`, '', `Measured by \`npm run bench:flow\` on ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, Node ${process.version}, Chromium at /usr/bin/chromium, the embedded host on loopback (no compression).`, ''];
  try {
    // First loads, cold cache.
    for (const [what, hash] of [
      ['dashboard', ''],
      ['instance view (a finished 1,000-item fanOut)', 'instance'],
    ] as const) {
      let url = `${host.url}/api/flow`;
      if (hash) {
        const r = await fetch(`${host.url}/api/workflows/fanOut?wait=120s`, { method: 'POST', body: JSON.stringify({ count: 1000, ms: 1 }) });
        const id = ((await r.json()) as { id?: string; output?: unknown }).id ?? (await (await fetch(`${host.url}/api/flow/api/instances?workflow=fanOut&top=1`)).json() as { instances: Array<{ id: string }> }).instances[0].id;
        url += `#/instance/fanOut/${id}`;
      }
      const page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
      await page.goto(url);
      await page.waitForSelector(hash ? '[data-episode]' : 'tr[data-workflow] .chips', { timeout: 60_000 });
      await new Promise((r) => setTimeout(r, 300));
      const list = await entries(page);
      // The first of each request (later polls are updates, measured below).
      const seen = new Set<string>();
      const first = list.filter((e) => {
        const k = label(e.name);
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
      md.push(`## First load: ${what}`, '', '| request | transferred | body |', '|---|---|---|');
      for (const e of first) md.push(`| \`${label(e.name)}\` | ${kb(e.transferSize)} | ${kb(e.encodedBodySize)} |`);
      md.push(`| **total** | **${kb(first.reduce((s, e) => s + e.transferSize, 0))}** | ${kb(first.reduce((s, e) => s + e.encodedBodySize, 0))} |`, '');
      await page.close();
    }

    // Live updates while a 1,000-item forEach runs.
    md.push(
      '## One live update of an instance with a 1,000-item forEach (while it runs)',
      '',
      'Bytes: medians over what the page fetched in 8 s in the middle of the run (10 items at once, 100 ms each). Server time: `responseStart - requestStart` of those fetches (time to the first byte, on loopback); and, to check it, the whole time of 10 more requests of each made from Node in the same window, one at a time (median, p90).',
      '',
      "| forEach | request | page fetches | transferred | body | server time (page's fetches) | 10 requests from Node: median (p90) |",
      '|---|---|---|---|---|---|---|',
    );
    for (const [workflow, what] of [
      ['fanOut', 'partitioned (default: slices of 100)'],
      ['fanOutWhole', 'one orchestration (`partitionSize: 0`)'],
    ] as const) {
      const started = (await (await fetch(`${host.url}/api/workflows/${workflow}`, { method: 'POST', body: JSON.stringify({ count: 1000, ms: 100 }) })).json()) as { id: string };
      const page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
      await page.goto(`${host.url}/api/flow#/instance/${workflow}/${started.id}`);
      await page.waitForSelector('[data-episode]', { timeout: 60_000 });
      await new Promise((r) => setTimeout(r, 1000));
      await page.evaluate(() => performance.clearResourceTimings());
      const direct: Record<string, number[]> = { status: [], trace: [] };
      const urls = { status: `${host.url}/api/workflows/${workflow}/instances/${started.id}`, trace: `${host.url}/api/flow/api/trace/${workflow}/${started.id}?limit=100` };
      const window = Date.now() + 8000;
      for (let i = 0; i < 10; i++) {
        for (const k of ['status', 'trace'] as const) {
          const t0 = performance.now();
          const r = await fetch(urls[k]);
          direct[k].push(performance.now() - t0);
          await r.arrayBuffer();
        }
        await new Promise((r) => setTimeout(r, 400));
      }
      await new Promise((r) => setTimeout(r, Math.max(0, window - Date.now())));
      const running = (await entries(page)).filter((e) => e.name.includes(started.id));
      const status = (await (await fetch(`${host.url}/api/workflows/${workflow}/instances/${started.id}`)).json()) as { status: string };
      if (status.status !== 'Running') log(`warning: ${workflow} finished before the window ended (${status.status})`);
      for (const [kind, match, key] of [
        ['status poll', `/instances/${started.id}`, 'status'],
        ['trace refresh', `/trace/${workflow}/`, 'trace'],
      ] as const) {
        const es = running.filter((e) => e.name.includes(match));
        const own = [...direct[key]].sort((a, b) => a - b);
        md.push(
          `| ${what} | ${kind} | ${es.length} | ${kb(median(es.map((e) => e.transferSize)))} | ${kb(median(es.map((e) => e.encodedBodySize)))} | ${median(es.map((e) => e.server)).toFixed(1)} ms | ${median(own).toFixed(1)} ms (${own[8].toFixed(1)} ms) |`,
        );
      }
      await page.close();
      await fetch(`${host.url}/api/workflows/${workflow}/instances/${started.id}/terminate`, { method: 'POST' });
    }
    md.push('', 'The status poll is what the page asks every second while the instance runs; the trace is fetched again when the instance changed, at most every 2 s, every 10 s once the history passes 1,000 events (its latest 100 episodes).', '');
  } finally {
    await browser.close();
    await host.close();
    fs.rmSync(app, { recursive: true, force: true });
    fs.rmSync(db, { recursive: true, force: true });
  }
  const out = path.join(repo, 'bench/results/flow-page.md');
  fs.writeFileSync(out, md.join('\n'));
  process.stdout.write(md.join('\n') + '\n');
  log(`wrote ${path.relative(process.cwd(), out)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
