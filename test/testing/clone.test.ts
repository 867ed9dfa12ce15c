/**
 * A clone of this repository in which a user has added workflows of their own (workflows/ is
 * theirs): the tests that read the examples still pass, and the kit (`durable-flow/testing`)
 * works after `npm run compile` alone, without `npm run build` (vitest.config.ts resolves it to
 * its sources; dist/ then holds only the app). The clone is a copy of this checkout in a temporary
 * folder, with three workflows and an activity module added; its own vitest runs the test files
 * that read the example set (the status pages' browser test, which counts the workflows it lists
 * the same way, is too slow to run twice here).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../helpers/spawn';

const repo = path.resolve(__dirname, '../..');
/** Not copied: installs, builds, databases, results. */
const SKIP = new Set(['node_modules', 'dist', '.git', '.durable', 'test-results', 'coverage']);
const SKIP_PATHS = new Set(['host/extension-engine/dotnet/bin', 'host/extension-engine/dotnet/obj', 'bench/peers', 'bench/results']);

const USER_WORKFLOWS: Record<string, string> = {
  'workflows/shipOrder.yaml': [
    'dsl: 1',
    'description: Ship an order once it is packed.',
    'input:',
    '  type: object',
    '  required: [orderId]',
    '  properties:',
    '    orderId: { type: string, minLength: 1 }',
    'steps:',
    '  - id: pack',
    '    activity: PackOrder',
    '    input: ${ input.orderId }',
    '  - id: ship',
    '    activity: ShipParcel',
    '    input: ${ steps.pack.output }',
    'output: ${ steps.ship.output }',
    '',
  ].join('\n'),
  'workflows/remind.yaml': ['dsl: 1', 'steps:', '  - id: done', '    waitForEvent: Done', '    timeout: 1m', '    onTimeout: continue', '  - id: remind', '    if: ${ steps.done.output === null }', '    activity: PackOrder', '    input: reminder', ''].join('\n'),
  'workflows/hourly.yaml': ['dsl: 1', 'trigger:', '  schedule: "0 0 * * * *"', 'steps:', '  - activity: ShipParcel', '    input: hourly', ''].join('\n'),
  'workflows/activities/shipping.ts': 'export async function PackOrder(id: string): Promise<string> {\n  return `parcel-${id}`;\n}\nexport async function ShipParcel(parcel: string): Promise<string> {\n  return `shipped ${parcel}`;\n}\n',
};

let dir: string;

/** Runs a command in the clone, without the outer vitest's variables (the inner one would think it runs in a worker). */
async function inClone(command: string, args: string[]): Promise<{ status: number | null; output: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_OPTIONS'));
  const r = await run(command, args, { cwd: dir, env: { ...env, FORCE_COLOR: '0', NO_COLOR: '1' }, timeoutMs: 240_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-clone-'));
  fs.cpSync(repo, dir, {
    recursive: true,
    filter: (src) => {
      const rel = path.relative(repo, src);
      return rel === '' || (!SKIP.has(path.basename(src)) && !SKIP_PATHS.has(rel) && !/\.db(-wal|-shm)?$/.test(src));
    },
  });
  fs.symlinkSync(fs.realpathSync(path.join(repo, 'node_modules')), path.join(dir, 'node_modules'));
  for (const [file, text] of Object.entries(USER_WORKFLOWS)) fs.writeFileSync(path.join(dir, file), text);
});
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('a clone with three workflows of a user added', () => {
  it('compiles them; the kit runs after `npm run compile` alone; the tests that read the examples pass', async () => {
    const compiled = await inClone('npm', ['run', 'compile']);
    expect(compiled.status, compiled.output).toBe(0);
    expect(fs.existsSync(path.join(dir, 'generated/shipOrder/orchestrator.ts'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'dist/testing'))).toBe(false);

    const tests = ['test/compiler/examples.test.ts', 'test/testing/histories.test.ts', 'test/testing/examples.test.ts'];
    const r = await inClone(process.execPath, [path.join(dir, 'node_modules/vitest/vitest.mjs'), 'run', ...tests]);
    expect(r.output).not.toContain("Cannot find package 'durable-flow/testing'");
    expect(r.status, r.output).toBe(0);
    expect(r.output).toMatch(/Test Files {2}3 passed \(3\)/);
    // The user's workflows are no examples: the histories test names them among its skipped.
    expect(r.output).toMatch(/\d+ passed \| 1 skipped/);
  }, 300_000);
});
