/**
 * The app's build (buildDist) runs the TypeScript durable-flow carries (ts-morph's compiler API),
 * never the project's own `typescript` package: a project with TypeScript 7 (a native compiler
 * whose package exports no `bin/tsc`) builds the same, and needs no TypeScript of its own. Errors
 * come back as tsc prints them, file(line,col).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDist } from '../../compiler/src/compile';
import { init } from '../../compiler/src/init';
import { run } from '../helpers/spawn';

const repo = path.resolve(__dirname, '../..');
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-build-dist-'));
  expect(init(dir, { force: false }).code).toBe(0);
  const modules = path.join(dir, 'node_modules');
  fs.mkdirSync(path.join(modules, '@azure'), { recursive: true });
  fs.mkdirSync(path.join(modules, '@types'), { recursive: true });
  for (const p of ['durable-functions', '@azure/functions', 'ajv', '@types/node']) fs.symlinkSync(fs.realpathSync(path.join(repo, 'node_modules', p)), path.join(modules, p), 'dir');
  // A TypeScript 7 as npm installs it: its package exports only its entry, so `typescript/bin/tsc` cannot be resolved.
  fs.mkdirSync(path.join(modules, 'typescript/bin'), { recursive: true });
  fs.writeFileSync(path.join(modules, 'typescript/package.json'), JSON.stringify({ name: 'typescript', version: '7.0.0', exports: { '.': './lib/typescript.js' }, bin: { tsc: './bin/tsc' } }));
  fs.writeFileSync(path.join(modules, 'typescript/bin/tsc'), 'process.exit(3);\n');
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('buildDist', () => {
  // Through the CLI in a child process: a build takes seconds, and a synchronous one would block this test worker.
  const compile = (): ReturnType<typeof run> => run(process.execPath, [path.join(repo, 'bin/durable-flow.js'), 'compile', '--root', dir], { cwd: dir });

  it("builds an app whose typescript package exports no bin/tsc, into dist/ with the runtime shim", async () => {
    const r = await compile();
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('built dist/');
    for (const f of ['dist/generated/index.js', 'dist/generated/flow-runtime/index.js', 'dist/generated/hello/blueprint.js', 'dist/workflows/activities/greetings.js']) expect(fs.existsSync(path.join(dir, f)), f).toBe(true);
  }, 120_000);

  it('fails on a type error, reported as file(line,col)', async () => {
    fs.writeFileSync(path.join(dir, 'workflows/activities/broken.ts'), 'export const n: number = "text";\n');
    try {
      const r = await compile();
      expect(r.status).toBe(1);
      expect(r.stderr.trim()).toBe("workflows/activities/broken.ts(1,14): error TS2322: Type 'string' is not assignable to type 'number'.");
    } finally {
      fs.rmSync(path.join(dir, 'workflows/activities/broken.ts'));
    }
  }, 120_000);

  it('says so when tsconfig.build.json is missing', () => {
    fs.renameSync(path.join(dir, 'tsconfig.build.json'), path.join(dir, 'tsconfig.build.json.away'));
    try {
      expect(buildDist(dir)).toEqual({ ok: false, output: expect.stringContaining('tsconfig.build.json does not exist') });
    } finally {
      fs.renameSync(path.join(dir, 'tsconfig.build.json.away'), path.join(dir, 'tsconfig.build.json'));
    }
  });
});
