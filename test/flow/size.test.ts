/**
 * The step marks stay far below the 16 KB the Durable extension allows a custom status (the
 * instance FAILS above it): workflows of 1,000 steps, generated and run to completion through the
 * replay harness, measured as the extension measures (UTF-16 bytes of the JSON).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateProject } from '../../compiler/src/codegen';
import { checkProjectDir } from '../../compiler/src/front-end';
import { stepStates } from '../../runtime/flow/state';
import { createHarness, type Harness } from '../harness/replay';

const repo = path.resolve(__dirname, '../..');
let dir: string;
let harness: Harness;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-flow-size-'));
  fs.mkdirSync(path.join(dir, 'workflows/activities'), { recursive: true });
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  fs.writeFileSync(path.join(dir, 'workflows/activities/none.ts'), 'export function Noop(): null { return null; }\n');
  // 1,000 steps in a row; and 1,000 of which every other one is skipped (the worst case for the ranges).
  fs.writeFileSync(path.join(dir, 'workflows/many.yaml'), `dsl: 1\nsteps:\n${Array.from({ length: 1000 }, (_, i) => `  - set: { v${i}: ${i} }\n`).join('')}`);
  fs.writeFileSync(path.join(dir, 'workflows/holes.yaml'), `dsl: 1\nsteps:\n${Array.from({ length: 1000 }, (_, i) => `  - set: { v${i}: ${i} }\n    if: \${ ${i % 2 === 0} }\n`).join('')}`);
  const front = checkProjectDir(dir);
  expect(front.diagnostics).toEqual([]);
  const runtimeImport = path.relative(path.join(dir, 'generated/x'), path.join(repo, 'runtime')).split(path.sep).join('/');
  for (const f of generateProject(front.project, { runtimeImport })) {
    fs.mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
    fs.writeFileSync(path.join(dir, f.path), f.text);
  }
  harness = createHarness(path.join(dir, 'generated/index.ts'));
}, 120_000);

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function measure(name: string): Promise<{ bytes: number; flow: string; started: number }> {
  const run = harness.start(name, null);
  const state = await run.runToCompletion();
  expect(state.error).toBeUndefined();
  const custom = run.status().customStatus as { flow: string };
  return { bytes: JSON.stringify(custom).length * 2, flow: custom.flow, started: Object.keys(stepStates(custom, 'Completed') ?? {}).length };
}

describe('the custom status of a workflow with many steps', () => {
  it('is a few bytes for 1,000 steps in a row and a few KB when every other one is skipped', async () => {
    const sequence = await measure('many');
    expect(sequence.started).toBe(1000);
    expect(sequence.flow).toBe('0-999');
    const holes = await measure('holes');
    expect(holes.started).toBe(500);
    // Measured, reported, and bounded far below the limit (16 KB; the instance fails above it).
    console.log(`custom status of a 1,000-step workflow: ${sequence.bytes} bytes (UTF-16); with every other step skipped: ${holes.bytes} bytes`);
    expect(sequence.bytes).toBeLessThan(100);
    expect(holes.bytes).toBeLessThan(16 * 1024 / 2);
  }, 120_000);
});
