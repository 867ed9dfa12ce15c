/**
 * Error names on the Azure model (the replay harness: the real orchestrator through
 * durable-functions, the Durable extension's failure texts and replay rules): any valid name an
 * activity throws, a `fail` step computes or a child workflow fails with reaches `catch`,
 * `nonRetryable` and the instance's error unchanged, for a seeded fuzzer of names. Compiled from
 * test/fixtures/errors/workflows by the real front end and code generator.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateProject } from '../../compiler/src/codegen';
import { checkProjectDir } from '../../compiler/src/front-end';
import { fromWireText } from '../../runtime/errors';
import { createHarness, type Harness } from '../harness/replay';
import { errorNames } from '../helpers/error-names';

const root = path.resolve(__dirname, '../fixtures/errors');
let harness: Harness;

beforeAll(() => {
  const front = checkProjectDir(root);
  expect(front.diagnostics.map((d) => `${d.span.file}:${d.span.start.line} ${d.code} ${d.message}`)).toEqual([]);
  const runtimeImport = path.relative(path.join(root, 'generated/x'), path.resolve(__dirname, '../../runtime')).split(path.sep).join('/');
  fs.rmSync(path.join(root, 'generated'), { recursive: true, force: true });
  for (const f of generateProject(front.project, { runtimeImport })) {
    fs.mkdirSync(path.dirname(path.join(root, f.path)), { recursive: true });
    fs.writeFileSync(path.join(root, f.path), f.text);
  }
  harness = createHarness(path.join(root, 'generated/index.ts'));
});
afterAll(() => fs.rmSync(path.join(root, 'generated'), { recursive: true, force: true }));

/** Runs a workflow to its end; a failed instance's error as the extension words it. */
async function run(workflow: string, input: unknown) {
  const instance = harness.start(workflow, input);
  const state = await instance.runToCompletion();
  const reason = instance.outcome?.status === 'Failed' ? instance.outcome.reason : undefined;
  return { instance, output: state.output, reason, status: instance.outcome?.status };
}

describe('error names on the Azure model', () => {
  it('keeps the extension\'s failure texts: a bare identifier, any other name quoted', async () => {
    const literal = await run('literal', null);
    expect(literal.reason).toBe(`Orchestrator function 'literal' failed: "Job Failed: stage 2": exit 3`);
    const rethrown = await run('rethrow', { name: 'PaymentDeclined', message: 'card ending 4242' });
    expect(rethrown.reason).toBe("Orchestrator function 'rethrow' failed: PaymentDeclined: card ending 4242");
    expect(rethrown.instance.state?.customStatus).toMatchObject({ status: 'compensated' });
  });

  it('carries every fuzzed name whole from an activity to catch, through a rethrow to the instance\'s error, and from a child to its parent', async () => {
    const names = errorNames(23, 200);
    for (const name of names) {
      const info = { name, message: `failed: ${[...name].slice(0, 10).join('')}` };
      const label = JSON.stringify(name);
      expect((await run('relay', info)).output, label).toEqual(info);
      const rethrown = await run('rethrow', info);
      expect(rethrown.status, label).toBe('Failed');
      expect(fromWireText(rethrown.reason!), label).toEqual(info);
      expect((await run('parent', info)).output, label).toEqual(info);
      const computed = await run('computed', info);
      expect(fromWireText(computed.reason!), label).toEqual(info);
    }
  }, 120_000);

  it('fails at once on a listed name that is not an identifier, and retries the others', async () => {
    for (const name of ['Job Failed', 'card-declined', 'a: b']) {
      const r = await run('listed', { name, message: 'm' });
      expect(r.output).toEqual({ name, message: 'm' });
      expect(r.instance.executed.filter((e) => e.name === 'Throw')).toHaveLength(1);
    }
    for (const name of ['Job  Failed', 'card-declined ', 'a:b']) {
      const r = await run('listed', { name, message: 'm' });
      expect(r.output).toEqual({ name, message: 'm' });
      expect(r.instance.executed.filter((e) => e.name === 'Throw')).toHaveLength(3);
    }
  });

  it('fails with InvalidErrorName naming a computed name that is not valid', async () => {
    for (const [bad, shown] of [['', '""'], ['a\nb', '"a\\nb"'], [7, '7'], ['x'.repeat(201), `"${'x'.repeat(99)}...`]] as const) {
      const r = await run('computed', { name: bad, message: 'm' });
      const error = fromWireText(r.reason!);
      expect(error.name).toBe('InvalidErrorName');
      expect(error.message.startsWith(`fail: the error name ${shown}`), error.message).toBe(true);
    }
  });
});
