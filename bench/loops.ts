/**
 * `node --require tsx/cjs bench/loops.ts [--sizes 10,1000,10000] [--inline 1000]`: what one
 * iteration of a `repeat` costs on the embedded host as the loop grows, for a loop that goes on in
 * a loop orchestration past 100 iterations (fresh histories), and for the same loop kept in one
 * history (standing in a forEach body, whose item it could read, it cannot move: DF505).
 * Each iteration calls one activity that returns at once; each loop runs once, in a fresh SQLite
 * hub. Reported: wall time and milliseconds per iteration.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHost } from '../host/main';
import { buildApp } from './app';
import { round } from './stats';

const repo = path.resolve(__dirname, '..');

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 && process.argv[at + 1] ? process.argv[at + 1] : fallback;
}

const sizes = option('sizes', '10,1000,10000').split(',').map(Number);
const inline = option('inline', '1000').split(',').filter(Boolean).map(Number);

/** The loop; `pad` indents it into a forEach body (a one-item forEach keeps it in one history). */
const loop = (pad: string): string =>
  [
    `${pad}  - id: count`,
    `${pad}    repeat:`,
    `${pad}      steps:`,
    `${pad}        - id: tick`,
    `${pad}          activity: Tick`,
    `${pad}          input: \${ loop.index }`,
    `${pad}      until: \${ steps.tick.output + 1 >= input.n }`,
    `${pad}      maxIterations: 100000`,
  ].join('\n');
const FRESH = ['dsl: 1', 'steps:', loop(''), 'output: ${ steps.count.output }', ''].join('\n');
const ONE_HISTORY = ['dsl: 1', 'steps:', '  - id: one', '    forEach: [1]', '    steps:', loop('    '), 'output: ${ steps.one.output[0] }', ''].join('\n');

const ACTIVITIES = 'export async function Tick(n: number): Promise<number> {\n  return n;\n}\n';

async function main(): Promise<void> {
  const app = buildApp(repo, { fresh: FRESH, oneHistory: ONE_HISTORY }, ACTIVITIES, 'df-bench-loops-');
  const rows: string[] = [];
  const runs: Array<[string, number]> = [...sizes.map((n): [string, number] => ['fresh', n]), ...inline.map((n): [string, number] => ['oneHistory', n])];
  try {
    for (const [workflow, n] of runs) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-bench-loops-hub-'));
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ main: path.join(app, 'dist/generated/index.js') }));
      fs.writeFileSync(path.join(dir, 'host.json'), JSON.stringify({ version: '2.0', extensions: { durableTask: { versionMatchStrategy: 'None' } } }));
      const host = await createHost({ appDir: dir, db: path.join(dir, 'hub.db'), port: 0, quiet: true });
      try {
        const t0 = performance.now();
        const started = (await (await fetch(`${host.url}/api/workflows/${workflow}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n }) })).json()) as { statusQueryGetUri: string };
        for (;;) {
          const s = (await (await fetch(started.statusQueryGetUri)).json()) as { runtimeStatus: string; output: unknown };
          if (s.runtimeStatus === 'Completed') {
            if (s.output !== n - 1) throw new Error(`${workflow} ${n}: output ${JSON.stringify(s.output)}`);
            break;
          }
          if (s.runtimeStatus === 'Failed') throw new Error(`${workflow} ${n}: ${JSON.stringify(s.output)}`);
          await new Promise((r) => setTimeout(r, 20));
        }
        const ms = performance.now() - t0;
        rows.push(`| ${workflow === 'fresh' ? 'fresh histories (loop orchestration past 100)' : 'one history (the loop inside a forEach body)'} | ${n.toLocaleString('en-US')} | ${round(ms / 1000, 2)} s | ${round(ms / n, 3)} ms |`);
        console.log(rows.at(-1));
      } finally {
        await host.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    fs.rmSync(app, { recursive: true, force: true });
  }
  console.log(['', '| loop | iterations | wall time | per iteration |', '|---|---|---|---|', ...rows].join('\n'));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
