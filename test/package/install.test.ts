/**
 * durable-flow as a user installs it (issue 25's "done when"): the tarball `npm pack` makes,
 * installed from the real npm registry into an empty folder, then `npx durable-flow init`,
 * `npm install`, `npm run compile`, `npm start` (a POST to hello completes), `npm test`, and
 * `npm prune --omit=dev`, after which the compiled app's every import still resolves. Nothing
 * here comes from this repository's node_modules: the app has no tsx and no TypeScript, so the
 * packed CLI, compiler, host and kit run as compiled JavaScript. Slow (minutes: a real install,
 * better-sqlite3's binding included).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, type SpawnResult } from '../helpers/spawn';

const repo = path.resolve(__dirname, '../..');
let work: string;
let app: string;
let tarball: string;

/** The environment of every npm and node the test runs: none of the outer vitest's or npm's variables. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && !k.toLowerCase().startsWith('npm_') && k !== 'NODE_OPTIONS' && k !== 'INIT_CWD'));
  // better-sqlite3 builds against Debian's Node headers when no prebuilt binary downloads (.ci/run does the same).
  if (fs.existsSync('/usr/include/node')) env.npm_config_nodedir = '/usr';
  return { ...env, FORCE_COLOR: '0', NO_COLOR: '1', npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' };
}

async function sh(command: string, args: string[], cwd: string, timeoutMs = 300_000): Promise<SpawnResult & { output: string }> {
  const r = await run(command, args, { cwd, env: cleanEnv(), timeoutMs });
  return { ...r, output: `$ ${command} ${args.join(' ')}\n${r.stdout}${r.stderr}` };
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'df-package-'));
  // Packed from a copy of the sources (what a clean clone holds), so no build output of this
  // checkout (dist/, generated/) can leak into the tarball, and the checkout's dist/ is left alone.
  const src = path.join(work, 'src');
  const skip = new Set(['node_modules', 'dist', '.git', '.durable', 'test', 'bench', 'generated', 'workflows', 'coverage', 'test-results']);
  fs.cpSync(repo, src, { recursive: true, filter: (from) => !skip.has(path.relative(repo, from).split(path.sep)[0]) || path.relative(repo, from) === '' });
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(src, 'node_modules'), 'dir');
  const packed = await sh('npm', ['pack', '--pack-destination', work], src);
  expect(packed.status, packed.output).toBe(0);
  tarball = path.join(work, fs.readdirSync(work).find((f) => f.endsWith('.tgz'))!);
  app = path.join(work, 'app');
  fs.mkdirSync(app);
}, 300_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('carries the compiled CLI, host, kit and runtime shim sources, and no tests, benchmarks or build output of this repository', async () => {
    const list = await sh('tar', ['-tzf', tarball], work);
    const files = list.stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
    for (const f of ['package.json', 'bin/durable-flow.js', 'bin/durable-flow-host.js', 'dist/compiler/src/cli.js', 'dist/host/cli.js', 'dist/host/workers/worker.js', 'dist/host/executor/episode-thread.js', 'dist/testing/index.js', 'dist/testing/index.d.ts', 'dist/runtime/index.d.ts', 'runtime/index.ts', 'compiler/ui/app.ts', 'compiler/schema/workflow.schema.json']) {
      expect(files, f).toContain(f);
    }
    expect(files.filter((f) => /^(test|bench|workflows|generated|\.durable|\.ci|host\/extension-engine\/dotnet)\//.test(f) || f.startsWith('dist/generated') || f.startsWith('dist/workflows'))).toEqual([]);
    // TypeScript only where the compiler reads it at compile time: the runtime shim it writes into an app, the status pages' script.
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith('runtime/') && f !== 'compiler/ui/app.ts')).toEqual([]);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
    expect(pkg.private).toBeUndefined();
  });
});

describe('a new app from the tarball', () => {
  let host: ChildProcess | undefined;
  afterAll(() => {
    // The host runs under `npm start` (npm, a shell, node): its own process group, ended whole.
    if (host?.pid && host.exitCode === null && host.signalCode === null) process.kill(-host.pid, 'SIGTERM');
  });

  it('npm init -y, npm install <tarball>, npx durable-flow init, npm install (with install scripts strictly policed), npm run compile', async () => {
    expect((await sh('npm', ['init', '-y'], app)).status).toBe(0);
    const installed = await sh('npm', ['install', tarball], app, 600_000);
    expect(installed.status, installed.output).toBe(0);
    const init = await sh('npx', ['durable-flow', 'init'], app);
    expect(init.status, init.output).toBe(0);
    expect(init.stdout).toContain('created   workflows/hello.yaml');
    const pkg = JSON.parse(fs.readFileSync(path.join(app, 'package.json'), 'utf8'));
    expect(pkg.devDependencies['durable-flow']).toMatch(/\.tgz$/);
    expect(pkg.dependencies['durable-flow']).toBeUndefined();
    expect(pkg.main).toBe('dist/generated/index.js');
    // Every dependency's install script is approved in package.json (allowScripts), or the install fails.
    const again = await sh('npm', ['install', '--strict-allow-scripts'], app, 600_000);
    expect(again.status, again.output).toBe(0);
    // Nothing of a TypeScript toolchain: the CLI, compiler, host and kit are compiled JavaScript.
    for (const p of ['tsx', 'typescript']) expect(fs.existsSync(path.join(app, 'node_modules', p)), p).toBe(false);
    const compiled = await sh('npm', ['run', 'compile'], app);
    expect(compiled.status, compiled.output).toBe(0);
    expect(fs.existsSync(path.join(app, 'dist/generated/index.js'))).toBe(true);
  }, 900_000);

  it('npm start serves the app on the embedded host, and a POST to hello completes', async () => {
    host = spawn('npm', ['start', '--', '--port', '0'], { cwd: app, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let log = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the host did not start:\n${log}`)), 120_000);
      const onData = (d: Buffer): void => {
        log += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(log);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      host!.stdout!.on('data', onData);
      host!.stderr!.on('data', onData);
      host!.on('exit', (code) => reject(new Error(`the host exited (${code}):\n${log}`)));
    });
    expect(url).not.toContain(':7071');
    const r = await fetch(`${url}/api/workflows/hello?wait=60s`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(r.status, log).toBe(200);
    expect(await r.json()).toEqual(['Hello, Tokyo!', 'Hello, Seattle!', 'Hello, London!']);
    process.kill(-host.pid!, 'SIGTERM');
    await new Promise((resolve) => (host!.exitCode !== null || host!.signalCode !== null ? resolve(undefined) : host!.once('exit', resolve)));
  }, 180_000);

  it('npm test runs the scaffolded test with the kit', async () => {
    const tested = await sh('npm', ['test'], app);
    expect(tested.status, tested.output).toBe(0);
    expect(tested.output).toMatch(/Tests\s+2 passed \(2\)/);
  }, 300_000);

  it('without the SQLite binding, the host exits with one line naming npm approve-scripts', async () => {
    const build = path.join(app, 'node_modules/better-sqlite3/build');
    fs.renameSync(build, `${build}.away`);
    try {
      const r = await sh('npx', ['durable-flow-host', '--port', '0'], app, 60_000);
      expect(r.status, r.output).toBe(1);
      expect(r.stderr.trim().split('\n'), r.output).toEqual([expect.stringContaining('run `npm approve-scripts better-sqlite3`, then `npm rebuild better-sqlite3`')]);
    } finally {
      fs.renameSync(`${build}.away`, build);
    }
  }, 120_000);

  it('the extension engine, which needs a clone, says so in one line', async () => {
    const r = await sh('npx', ['durable-flow-host', '--engine', 'extension', '--port', '0'], app, 60_000);
    expect(r.status, r.output).toBe(1);
    expect(r.stderr.trim().split('\n'), r.output).toEqual([expect.stringContaining('the extension engine runs from a clone of durable-flow')]);
  }, 120_000);

  it('after npm prune --omit=dev, the compiled app loads with its production dependencies alone', async () => {
    const pruned = await sh('npm', ['prune', '--omit=dev'], app);
    expect(pruned.status, pruned.output).toBe(0);
    for (const p of ['durable-flow', 'ts-morph', 'yaml', 'better-sqlite3', 'vitest', 'chokidar']) expect(fs.existsSync(path.join(app, 'node_modules', p)), p).toBe(false);
    // Loading the entry runs every module's top-level require (the app's modules import nothing lazily).
    const loaded = await sh(process.execPath, ['-e', "require('./dist/generated/index.js'); console.log('loaded')"], app);
    expect(loaded.status, loaded.output).toBe(0);
    expect(loaded.stdout).toContain('loaded');
    const prod = fs.readdirSync(path.join(app, 'node_modules')).filter((d) => !d.startsWith('.'));
    expect(prod).toEqual(expect.arrayContaining(['durable-functions', '@azure', 'ajv']));
  }, 300_000);
});
