/**
 * `npm run bench:dashboard -- [--count 10000] [--engines embedded,extension]`:
 * what one poll of the status pages' dashboard costs with many instances in the task hub, on the
 * embedded host and on the real Durable Task extension (Azurite). The dashboard's API
 * (`/api/flow/api/instances?top=20`) reads every instance through the durable client on each
 * poll (it polls every few seconds while open), so its cost grows with the hub.
 *
 * Each engine gets a fresh task hub with `count` instances of the `digest` example, started
 * through its own route (each waits for an event, one episode and a 7-day timer each), then the
 * poll is timed 10 times; the median and the slowest are reported, with the time the instances
 * took to start.
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
    const poll = async (): Promise<{ ms: number; body: { total: number; counts: Record<string, Record<string, number>> } }> => {
      const s = performance.now();
      const r = await fetch(`${host.url}/api/flow/api/instances?top=20`);
      const body = (await r.json()) as { total: number; counts: Record<string, Record<string, number>> };
      return { ms: performance.now() - s, body };
    };
    // Every instance has run its first episode (it waits) before the poll is timed. Checked every
    // 20 s: each check is itself a full read, which slows the engine down.
    for (;;) {
      const { body } = await poll();
      const running = body.counts.digest?.Running ?? 0;
      process.stderr.write(`${engine}: ${running} of ${count} waiting\n`);
      if (running >= count) break;
      await new Promise((r) => setTimeout(r, 20_000));
    }
    const ready = Date.now() - t0;
    const times: number[] = [];
    for (let i = 0; i < 10; i++) times.push((await poll()).ms);
    return `| ${engine} | ${count.toLocaleString('en-US')} | ${(started / 1000).toFixed(1)} s / ${(ready / 1000).toFixed(1)} s | ${round(median(times), 0)} ms | ${round(Math.max(...times), 0)} ms |`;
  } finally {
    await host.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const rows: string[] = [];
  for (const e of engines) rows.push(await measure(e));
  const lines = [
    `Dashboard poll (/api/flow/api/instances?top=20) with ${count.toLocaleString('en-US')} waiting instances; ${os.cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
    '',
    '| engine | instances | started / all waiting | poll, median of 10 | poll, slowest |',
    '|---|---|---|---|---|',
    ...rows,
  ];
  process.stdout.write(`\n${lines.join('\n')}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
