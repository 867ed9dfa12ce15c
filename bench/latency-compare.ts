/**
 * Start latency of the bench app's 3-step hello on the repository in REPO (this one or an older
 * checkout, to compare code across commits in one session): a client that starts and polls the
 * status every 2 ms (the way every version can be measured) and, with WAIT=1, a client that starts
 * with `?wait` (newer hosts). 1 client × 30 starts and 50 clients × 4, three rounds after a warm-up.
 *
 *   cd <checkout> && REPO=$PWD LABEL=name [WAIT=1] node --require tsx/cjs /path/to/bench/latency-compare.ts
 */
import { percentile } from './stats';

const repo = process.env.REPO!;

const { buildBenchApp } = require(`${repo}/bench/app`);
const { withHost } = require(`${repo}/bench/host-runs`);
async function post(url: string): Promise<{ status: number; body: any }> {
  const r = await fetch(url, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
  return { status: r.status, body: await r.json() };
}

/** p50/p99 of `start` (one start, to its output) with `clients` concurrent clients doing `per` starts each. */
async function measure(clients: number, per: number, start: () => Promise<void>): Promise<string> {
  const xs: number[] = [];
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = 0; i < per; i++) {
        const t0 = performance.now();
        await start();
        xs.push(performance.now() - t0);
      }
    }),
  );
  return `p50 ${percentile(xs, 50).toFixed(1)} p99 ${percentile(xs, 99).toFixed(1)}`;
}

/** Start, then poll the status every 2 ms until Completed (works on every version of the host). */
const polled = (url: string, clients: number, per: number): Promise<string> =>
  measure(clients, per, async () => {
    const s = await post(`${url}/api/workflows/hello`);
    while (((await (await fetch(s.body.statusQueryGetUri)).json()) as { runtimeStatus: string }).runtimeStatus !== 'Completed') {
      await new Promise((r) => setTimeout(r, 2));
    }
  });

/** Start with `?wait`: the host answers with the output (hosts with the engine's long poll). */
const waited = (url: string, clients: number, per: number): Promise<string> =>
  measure(clients, per, async () => {
    const s = await post(`${url}/api/workflows/hello?wait=30s`);
    if (s.status !== 200) throw new Error(`hello did not complete within 30 s: ${s.status}`);
  });

async function main() {
  const app = buildBenchApp(repo);
  await withHost(
    app,
    { maxConcurrentActivityFunctions: 10, processes: 1 },
    async (host: { url: string }) => {
      await polled(host.url, 1, 30); // warm-up
      for (let r = 0; r < 3; r++) {
        console.log(
          `${process.env.LABEL} round ${r}: 1 client polled ${await polled(host.url, 1, 30)}; 50 clients polled ${await polled(host.url, 50, 4)}` +
            (process.env.WAIT
              ? `; 1 client ?wait ${await waited(host.url, 1, 30)}; 50 clients ?wait ${await waited(host.url, 50, 4)}`
              : ''),
        );
      }
    },
    true,
  );
}
main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
