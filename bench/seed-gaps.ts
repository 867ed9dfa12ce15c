/**
 * Where the seed scenario's time goes beyond the ideal: 100 × 1 s sleeps, maxParallel 10, on the
 * embedded host in this process. Each activity reports when it started and ended (in its worker);
 * the report gives the request → first start, last end → answer, and for each item the gap between
 * the end of the item ten places before it and its own start (the slot's refill time).
 *
 *   node --require tsx/cjs bench/seed-gaps.ts          # REPS=6, THREADS=0 (episodes inline) by env
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildApp } from './app';
import { createHost } from '../host/main';
const ACT = `export async function Sleep(input: { index: number; ms: number }): Promise<unknown> { const s = Date.now(); await new Promise((r) => setTimeout(r, input.ms)); return { i: input.index, s, e: Date.now() }; }\n`;
const range = '${ Array.from({ length: input.count }, (_, i) => i) }';
const seed = `dsl: 1\nsteps:\n  - id: all\n    forEach: "${range}"\n    maxParallel: 10\n    activity: Sleep\n    input: { index: \"\${ item }\", ms: \"\${ input.ms }\" }\noutput: \${ steps.all.output }\n`;
async function main() {
  const app = buildApp(path.resolve(__dirname, '..'), { seed }, ACT, 'df-seed2-');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-seedtrace-'));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ main: path.join(app, 'dist/generated/index.js') }));
  fs.writeFileSync(
    path.join(dir, 'host.json'),
    JSON.stringify({ version: '2.0', extensions: { durableTask: { hubName: 'T', versionMatchStrategy: 'None', maxConcurrentActivityFunctions: 10 } } }),
  );
  const host = await createHost({
    appDir: dir,
    db: path.join(dir, 't.db'),
    port: 0,
    quiet: true,
    episodeThreads: process.env.THREADS ? Number(process.env.THREADS) : undefined,
  });
  for (let rep = 0; rep < Number(process.env.REPS ?? 3); rep++) {
    const t0 = Date.now();
    const r = await fetch(`${host.url}/api/workflows/seed?wait=200s`, {
      method: 'POST',
      body: JSON.stringify({ count: 100, ms: 1000 }),
      headers: { 'content-type': 'application/json' },
    });
    const out = (await r.json()) as Array<{ i: number; s: number; e: number }>;
    const wall = Date.now() - t0;
    const end = Date.now();
    // per slot k (items k, k+10, ...): gaps between e of one and s of the next
    const gaps: number[] = [];
    const over: number[] = [];
    for (let i = 0; i < 100; i++) {
      over.push(out[i].e - out[i].s - 1000);
      if (i >= 10) gaps.push(out[i].s - out[i - 10].e);
    }
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    gaps.sort((a, b) => a - b);
    const firstStart = Math.min(...out.map((o) => o.s)),
      lastEnd = Math.max(...out.map((o) => o.e));
    console.log(
      `rep ${rep}: wall ${wall}; request→first activity start ${firstStart - t0} ms; last activity end→answer ${end - lastEnd} ms; sleep overshoot avg ${(sum(over) / 100).toFixed(2)} ms; activity end→next start in slot: p50 ${gaps[45]} p90 ${gaps[81]} max ${gaps[89]} avg ${(sum(gaps) / 90).toFixed(1)}`,
    );
  }
  await host.close();
  fs.rmSync(app, { recursive: true, force: true });
}
main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
