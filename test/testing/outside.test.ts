/**
 * durable-flow/testing from outside this repository: a user's project (test/fixtures/testkit-project,
 * copied to a temporary folder) with its own workflows and activities, which depends on this
 * repository as `npm install file:<repo>` leaves it (node_modules/durable-flow a symlink to the
 * checkout; the app's dependencies and the project's dev tools beside it; no network). Its
 * workflows are compiled by this repository's CLI, its test files (written only against the kit's
 * contract) typechecked against the kit's published declarations and run by vitest in the
 * project, as its developers would run them. The kit is the compiled JavaScript in dist/.
 */
import { run } from '../helpers/spawn';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = path.resolve(__dirname, '../..');
const fixture = path.join(repo, 'test/fixtures/testkit-project');
/** What the project installs beside the link (docs/testing.md): the app's dependencies and its dev tools. */
const PACKAGES = ['durable-functions', '@azure/functions', 'ajv', 'typescript', 'vitest', '@types/node'];

let dir: string;

/** Runs node with a script of the project's (or this repository's) in the project folder. */
async function node(args: string[]): Promise<{ status: number | null; output: string; ms: number }> {
  // The outer vitest's variables would make the inner one think it runs inside a worker.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_OPTIONS'));
  const r = await run(process.execPath, args, { cwd: dir, env: { ...env, FORCE_COLOR: '0', NO_COLOR: '1' }, timeoutMs: 150_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}`, ms: r.ms };
}

beforeAll(() => {
  if (!fs.existsSync(path.join(repo, 'dist/testing/index.js'))) throw new Error('dist/testing is missing: run `npm run build:kit` first (npm test does)');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-user-project-'));
  fs.cpSync(fixture, dir, { recursive: true });
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  pkg.dependencies['durable-flow'] = `file:${repo}`;
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  fs.mkdirSync(path.join(dir, 'node_modules/@azure'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'node_modules/@types'), { recursive: true });
  fs.symlinkSync(repo, path.join(dir, 'node_modules/durable-flow'), 'dir');
  for (const p of PACKAGES) fs.symlinkSync(fs.realpathSync(path.join(repo, 'node_modules', p)), path.join(dir, 'node_modules', p), 'dir');
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("a user's project", () => {
  it('compiles its workflows with the CLI, typechecks its tests against the kit, and its vitest suite passes', async () => {
    const compile = await node([path.join(repo, 'bin/durable-flow.js'), 'compile']);
    expect(compile.output, compile.output).toMatch(/built dist\//);
    expect(compile.status, compile.output).toBe(0);

    const tsc = await node(['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--noEmit']);
    expect(tsc.status, tsc.output).toBe(0);

    const results = path.join(dir, 'vitest-results.json');
    const vitest = await node(['node_modules/vitest/vitest.mjs', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${results}`]);
    expect(vitest.status, vitest.output).toBe(0);
    const report = JSON.parse(fs.readFileSync(results, 'utf8')) as {
      numTotalTests: number;
      numPassedTests: number;
      testResults: Array<{ name: string; assertionResults: Array<{ fullName: string; status: string; duration: number }> }>;
    };
    // Every test the spec files declare ran and passed (none skipped, none lost).
    const declared = fs
      .readdirSync(path.join(dir, 'test'))
      .filter((f) => f.endsWith('.spec.ts'))
      .reduce((n, f) => n + (fs.readFileSync(path.join(dir, 'test', f), 'utf8').match(/^\s*it\(/gm) ?? []).length, 0);
    expect(declared).toBeGreaterThanOrEqual(10);
    expect(report.numTotalTests).toBe(declared);
    expect(report.numPassedTests).toBe(declared);

    // Speed is reported, not asserted.
    const lines = report.testResults.flatMap((f) => f.assertionResults.map((t) => `  ${t.duration.toFixed(0).padStart(5)} ms  ${path.basename(f.name)} > ${t.fullName}`));
    console.log(`user project: compile ${(compile.ms / 1000).toFixed(1)} s, tsc ${(tsc.ms / 1000).toFixed(1)} s, vitest run ${(vitest.ms / 1000).toFixed(1)} s (wall, process start included)\n${lines.join('\n')}`);
  }, 180_000);
});
