/**
 * `npm run bench:dashboard -- [--count 10000] [--engines embedded,extension]`:
 * what the status pages' reads cost with many instances in the task hub, on the embedded host and
 * on the real Durable Task extension (Azurite):
 * - **list**: the dashboard's latest instances (`/api/flow/api/instances?top=20`, every 3 s while
 *   open): prefix queries, a page each (runtime/flow/listing.ts);
 * - **counts**: its counts for the last 24 hours (`/api/flow/api/counts`), a scan of the window,
 *   asked for when the list changed or every 15 s;
 * - **full read**, the baseline: every instance through the Durable API following every
 *   continuation token, as durable-functions' getStatusAll reads (what every dashboard poll did
 *   before the list was paged).
 *
 * Each engine gets a fresh task hub with `count` instances of the `digest` example, started
 * through its own route (each waits for an event, one episode and a 7-day timer each); once all
 * wait, each read is timed 10 times, taking turns; medians and the slowest are reported.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createExtensionHost } from '../host/extension-engine/main';
import { createHost } from '../host/main';
import { median, round } from './stats';

const repo = path.resolve(__dirname, '..');

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 && process.argv[at + 1] ? process.argv[at + 1] : fallback;
}

const count = Number(option('count', '10000'));
const engines = option('engines', 'embedded,extension').split(',');

function appFolder(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-dashboard-poll-'));
  const hostJson = JSON.parse(fs.readFileSync(path.join(repo, 'host.json'), 'utf8'));
  hostJson.extensions.durableTask = { ...hostJson.extensions.durableTask, hubName: 'PollBench', storageProvider: { maxQueuePollingInterval: '00:00:01' } };
  fs.writeFileSync(path.join(dir, 'host.json'), JSON.stringify(hostJson));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ main: path.join(repo, 'dist/generated/index.js') }));
  return dir;
}

async function post(url: string, body: unknown): Promise<number> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await r.arrayBuffer();
  return r.status;
}

async function measure(engine: string): Promise<string> {
  const dir = appFolder();
  const host =
    engine === 'extension'
      ? await createExtensionHost({ appDir: dir, port: 0, storage: path.join(dir, 'azurite'), quiet: true })
      : await createHost({ appDir: dir, port: 0, db: path.join(dir, 'hub.db'), quiet: true });
  try {
    const t0 = Date.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < count) {
        const i = next++;
        const status = await post(`${host.url}/api/workflows/digest`, { customer: `c${i}` });
        if (status !== 202) throw new Error(`start ${i} answered ${status}`);
      }
    };
    await Promise.all(Array.from({ length: 20 }, worker));
    const started = Date.now() - t0;
    process.stderr.write(`${engine}: ${count} started in ${(started / 1000).toFixed(1)} s\n`);
    const timed = async (url: string): Promise<{ ms: number; body: unknown }> => {
      const s = performance.now();
      const r = await fetch(url);
      if (r.status !== 200) throw new Error(`${url} answered ${r.status}`);
      const body = (await r.json()) as unknown;
      return { ms: performance.now() - s, body };
    };
    const fullRead = async (): Promise<{ ms: number; rows: number }> => {
      const s = performance.now();
      let rows = 0;
      let token: string | null = null;
      do {
        const r: Response = await fetch(`${host.url}/runtime/webhooks/durabletask/instances`, { headers: token ? { 'x-ms-continuation-token': token } : {} });
        if (r.status !== 200) throw new Error(`the full read answered ${r.status}`);
        rows += ((await r.json()) as unknown[]).length;
        token = r.headers.get('x-ms-continuation-token');
        if (token === 'null' || token === '') token = null;
      } while (token);
      return { ms: performance.now() - s, rows };
    };
    // Every instance has run its first episode (it waits) before the reads are timed. Checked
    // every 20 s with the counts read.
    for (;;) {
      const { body } = await timed(`${host.url}/api/flow/api/counts?window=24h`);
      const running = (body as { counts: Record<string, Record<string, number>> }).counts.digest?.Running ?? 0;
      process.stderr.write(`${engine}: ${running} of ${count} waiting\n`);
      if (running >= count) break;
      await new Promise((r) => setTimeout(r, 20_000));
    }
    const ready = Date.now() - t0;
    const list: number[] = [];
    const counts: number[] = [];
    const full: number[] = [];
    for (let i = 0; i < 10; i++) {
      const l = await timed(`${host.url}/api/flow/api/instances?top=20`);
      if ((l.body as { instances: unknown[] }).instances.length !== 20) throw new Error('the list did not answer 20 instances');
      list.push(l.ms);
      counts.push((await timed(`${host.url}/api/flow/api/counts?window=24h`)).ms);
      const f = await fullRead();
      if (f.rows !== count) throw new Error(`the full read found ${f.rows} instances, not ${count}`);
      full.push(f.ms);
    }
    const cell = (xs: number[]): string => `${round(median(xs), 0)} ms (${round(Math.max(...xs), 0)})`;
    return `| ${engine} | ${count.toLocaleString('en-US')} | ${(started / 1000).toFixed(1)} s / ${(ready / 1000).toFixed(1)} s | ${cell(list)} | ${cell(counts)} | ${cell(full)} | ${round(median(full) / median(list), 1)}× |`;
  } finally {
    await host.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const rows: string[] = [];
  for (const e of engines) rows.push(await measure(e));
  const lines = [
    `The status pages' reads with ${count.toLocaleString('en-US')} waiting instances; medians of 10 (slowest); ${os.cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
    '',
    '| engine | instances | started / all waiting | list (top 20) | counts (24 h) | full read (baseline) | full read / list |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ];
  process.stdout.write(`\n${lines.join('\n')}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
