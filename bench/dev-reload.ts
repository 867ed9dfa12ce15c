/**
 * `durable-flow dev`: from a saved YAML edit to the running app answering with it. A temporary
 * app with one workflow runs under `dev` on a free port; each save writes `a.yaml.tmp` and renames
 * it over `a.yaml` (an editor's save) with a new activity input, then POSTs a start with `?wait`
 * until the output carries the new input. Prints each save's time, the median and the slowest.
 *
 *   node --require tsx/cjs bench/dev-reload.ts [saves=6]
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const repo = path.resolve(__dirname, '..');
const flow = (word: string): string => `dsl: 1\nsteps:\n  - id: greet\n    activity: Greet\n    input: ${word}\noutput: \${ steps.greet.output }\n`;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function main(saves: number): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-dev-bench-'));
  fs.mkdirSync(path.join(dir, 'workflows/activities'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'dev-bench', private: true, main: 'dist/generated/index.js' }));
  fs.writeFileSync(path.join(dir, 'host.json'), JSON.stringify({ version: '2.0' }));
  for (const f of ['tsconfig.json', 'tsconfig.build.json']) fs.copyFileSync(path.join(repo, 'test/fixtures/testkit-project', f), path.join(dir, f));
  fs.writeFileSync(path.join(dir, 'workflows/activities/greet.ts'), 'export function Greet(name: string): string {\n  return `hi ${name}`;\n}\n');
  fs.writeFileSync(path.join(dir, 'workflows/a.yaml'), flow('first'));
  fs.cpSync(path.join(repo, 'runtime'), path.join(dir, 'runtime'), { recursive: true });
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(repo, 'bin/durable-flow.js'), 'dev', '--port', String(port), '--db', ':memory:'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b) => (out += b));
  child.stderr.on('data', (b) => (out += b));
  try {
    while (!out.includes('watching workflows/')) {
      if (child.exitCode !== null) throw new Error(out);
      await new Promise((r) => setTimeout(r, 50));
    }
    const times: number[] = [];
    for (let i = 1; i <= saves; i++) {
      const word = `save${i}x${Date.now().toString(36)}`;
      const file = path.join(dir, 'workflows/a.yaml');
      fs.writeFileSync(`${file}.tmp`, flow(word));
      const t0 = performance.now();
      fs.renameSync(`${file}.tmp`, file);
      for (;;) {
        const r = await fetch(`http://127.0.0.1:${port}/api/workflows/a?wait=5s`, { method: 'POST' });
        if ((await r.text()).includes(word)) break;
        if (performance.now() - t0 > 60_000) throw new Error(`save ${i} never showed:\n${out}`);
      }
      const ms = performance.now() - t0;
      times.push(ms);
      console.log(`save ${i}: the app answered with it after ${ms.toFixed(0)} ms`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const sorted = [...times].sort((a, b) => a - b);
    console.log(`median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms, slowest ${sorted[sorted.length - 1].toFixed(0)} ms over ${saves} saves`);
    for (const line of out.split('\n').filter((l) => l.startsWith('app reloaded'))) console.log(`  dev: ${line}`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main(Number(process.argv[2] ?? 6)).catch((e) => {
  console.error(e);
  process.exit(1);
});
