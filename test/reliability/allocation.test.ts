/**
 * One valid input must not end the host (issue 24, item 6). Each workflow below accepts any
 * whole `n` by its schema and asks for a value of `n` items or characters; started with
 * n = 300,000,000 on a real host process (spawned, real HTTP), each fails its own instance with
 * a clear error while the host stays up and an unrelated `hello` still completes.
 *
 * Two lines of defence are shown: the expression limits (runtime/limits.ts: `LimitExceeded`
 * before anything is allocated), and, for what gets past them in small pieces, the episode's own
 * process (host/executor/episode-pool.ts), whose out-of-memory costs that process only. Before
 * both, `Array.from({ length: 3e8 })` ended the host with V8's "FATAL ERROR: ... JavaScript heap
 * out of memory": a worker thread's heap limit does not contain one huge allocation.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDist, compileToGenerated } from '../../compiler/src/compile';
import { call, until, untilStatus } from '../host/http-helpers';

const repo = path.resolve(__dirname, '../..');
const N = 300_000_000;

/** A workflow that sets `vars.big` to `expr` and outputs its length. */
const big = (expr: string): string =>
  `dsl: 1\ninput:\n  type: object\n  required: [n]\n  properties:\n    n: { type: integer, minimum: 0 }\nsteps:\n  - set:\n      big: ${JSON.stringify(`\${ ${expr} }`)}\noutput: \${ vars.big.length }\n`;

const WORKFLOWS: Record<string, string> = {
  bigArray: big('Array.from({ length: input.n }, (_, i) => i)'),
  bigRepeat: big("'x'.repeat(input.n)"),
  bigPad: big("''.padStart(input.n, 'x')"),
  bigObject: big('Object.fromEntries(Array.from({ length: input.n }, (_, i) => ["k" + i, i]))'),
  // `input.s` (data, untyped): a string literal spread into an object would not type-check.
  bigSpreadList: big('[...input.s.repeat(input.n / 100)]'),
  bigSpreadObject: big('{ ...input.s.repeat(input.n / 100) }'),
  // Within every per-call limit (10 million characters, made flat by trim), but a thousand of
  // them: only the episode process's heap limit stops this one.
  bigInPieces: big("Array.from({ length: 1000 }, (_, i) => ('x'.repeat(input.n / 30) + i).trim())"),
  // Eight strings of ten million characters: each within the limits, the reply over 64 MiB.
  bigOutput: big("Array.from({ length: 8 }, () => 'x'.repeat(input.n / 30))").replace('vars.big.length', 'vars.big'),
  bigResult: `dsl: 1\ninput:\n  type: object\n  properties:\n    n: { type: integer, minimum: 0 }\nsteps:\n  - activity: Huge\n    input: \${ input.n }\n`,
};

const ACTIVITY = `/** Returns a string of n characters: more than the host takes from an activity when n is large. */\nexport async function Huge(n: number): Promise<string> {\n  return 'x'.repeat(n);\n}\n`;

function buildApp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-allocation-app-'));
  fs.cpSync(path.join(repo, 'workflows'), path.join(dir, 'workflows'), { recursive: true });
  for (const [name, text] of Object.entries(WORKFLOWS)) fs.writeFileSync(path.join(dir, `workflows/${name}.yaml`), text);
  fs.writeFileSync(path.join(dir, 'workflows/activities/huge.ts'), ACTIVITY);
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'));
  fs.cpSync(path.join(repo, 'runtime'), path.join(dir, 'runtime'), { recursive: true });
  for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'host.json']) fs.copyFileSync(path.join(repo, f), path.join(dir, f));
  const r = compileToGenerated(dir, { write: true });
  if (!r.front.ok) throw new Error(`the app does not compile: ${r.front.diagnostics.map((d) => d.message).join('; ')}`);
  const built = buildDist(dir);
  if (!built.ok) throw new Error(`the app does not build:\n${built.output}`);
  return dir;
}

let app: string;
let host: ChildProcess;
let base: string;
let out = '';

beforeAll(async () => {
  app = buildApp();
  // The host as `npm run host` starts it: its own process, a database file, the default episode
  // processes and heap limit; a longer time budget, so that on a loaded machine the piecemeal case
  // meets the heap limit (what it tests) before the budget.
  const args = [path.join(repo, 'host/cli.ts'), app, '--port', '0', '--db', path.join(app, 'alloc.db'), '--episode-budget', '60s'];
  host = spawn(process.execPath, ['--require', 'tsx/cjs', ...args], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  host.stdout!.on('data', (b) => (out += b));
  host.stderr!.on('data', (b) => (out += b));
  const url = await until(async () => /listening on (http:\/\/\S+)/.exec(out)?.[1], `the host to listen:\n${out}`, 60_000);
  base = `${url}/runtime/webhooks/durabletask`;
}, 180_000);

afterAll(async () => {
  if (host && host.exitCode === null && host.signalCode === null) {
    const gone = new Promise((r) => host.once('exit', r));
    host.kill('SIGKILL');
    await gone;
  }
  if (app) fs.rmSync(app, { recursive: true, force: true });
});

/** Starts `name` over HTTP and waits for it to end; the host must still be running. */
async function runToEnd(name: string, input: unknown): Promise<{ runtimeStatus: string; output: unknown }> {
  const started = await call('POST', `${base}/orchestrators/${name}`, input);
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  const done = await untilStatus(started.body.statusQueryGetUri as string, ['Completed', 'Failed', 'Terminated'], 90_000);
  return done.body as { runtimeStatus: string; output: unknown };
}

/** The host process is up, and an unrelated instance runs to completion. */
async function hostServes(): Promise<void> {
  expect(host.exitCode, `the host exited:\n${out.slice(-3000)}`).toBeNull();
  expect(host.signalCode, `the host was killed:\n${out.slice(-3000)}`).toBeNull();
  const hello = await runToEnd('hello', {});
  expect(hello.runtimeStatus).toBe('Completed');
  expect(hello.output).toEqual(['Hello, Tokyo!', 'Hello, Seattle!', 'Hello, London!']);
}

describe('an input of 300 million, valid by its schema, fails its instance and leaves the host serving', () => {
  const cases: Array<[string, RegExp]> = [
    ['bigArray', /^Orchestrator function 'bigArray' failed: LimitExceeded: a list made by Array.from would have 300000000 items, more than the limit of 1000000/],
    ['bigRepeat', /^Orchestrator function 'bigRepeat' failed: LimitExceeded: a string made by repeat would have 300000000 characters, more than the limit of 10000000/],
    ['bigPad', /^Orchestrator function 'bigPad' failed: LimitExceeded: a string made by padStart would have 300000000 characters, more than the limit of 10000000/],
    ['bigObject', /^Orchestrator function 'bigObject' failed: LimitExceeded: a list made by Array.from would have 300000000 items/],
    ['bigSpreadList', /^Orchestrator function 'bigSpreadList' failed: LimitExceeded: a spread would have 3000000 items, more than the limit of 1000000/],
    ['bigSpreadObject', /^Orchestrator function 'bigSpreadObject' failed: LimitExceeded: a spread would have 3000000 items, more than the limit of 1000000/],
  ];
  for (const [name, error] of cases) {
    it(`${name}: LimitExceeded, before anything is allocated`, async () => {
      const done = await runToEnd(name, { n: N, s: 'x' });
      expect(done.runtimeStatus).toBe('Failed');
      expect(String(done.output)).toMatch(error);
      await hostServes();
    }, 120_000);
  }

  it('bigInPieces: within each limit but too much in all; the episode process runs out of memory, not the host', async () => {
    const done = await runToEnd('bigInPieces', { n: N });
    expect(done.runtimeStatus).toBe('Failed');
    expect(String(done.output)).toMatch(/^Orchestrator function 'bigInPieces' failed: the episode ran out of memory \(the limit is 512 MB\)/);
    await hostServes();
  }, 120_000);

  it('an activity result too large for the host fails the activity with LimitExceeded in its worker process', async () => {
    const done = await runToEnd('bigResult', { n: 100_000_000 });
    expect(done.runtimeStatus).toBe('Failed');
    expect(String(done.output)).toMatch(/^Orchestrator function 'bigResult' failed: LimitExceeded: activity 'Huge' returned 100000002 characters of JSON, more than the host's limit of 67108864/);
    await hostServes();
  }, 120_000);

  it('an episode whose reply is too large for the host fails with LimitExceeded in its process', async () => {
    const done = await runToEnd('bigOutput', { n: N });
    expect(done.runtimeStatus).toBe('Failed');
    expect(String(done.output)).toMatch(/^Orchestrator function 'bigOutput' failed: LimitExceeded: the episode's reply \(its output, custom status and new work\) is \d+ characters of JSON, more than the host's limit of 67108864/);
    await hostServes();
  }, 120_000);

  it('within the limits the same workflows complete', async () => {
    expect(await runToEnd('bigArray', { n: 1000 })).toMatchObject({ runtimeStatus: 'Completed', output: 1000 });
    expect(await runToEnd('bigRepeat', { n: 1_000_000 })).toMatchObject({ runtimeStatus: 'Completed', output: 1_000_000 });
    expect(await runToEnd('bigSpreadList', { n: 100_000, s: 'x' })).toMatchObject({ runtimeStatus: 'Completed', output: 1000 });
  }, 120_000);
});
