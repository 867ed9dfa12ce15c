/**
 * Sagas on the Azure model (the replay harness: the real orchestrator through durable-functions,
 * the extension's failure texts and replay rules): `compensate` registers an undo when its step
 * succeeds, `compensate: all` in a catch runs them newest first. The fixtures of
 * test/fixtures/saga/workflows, compiled here by the real front end and code generator (the
 * bookTrip example: saga-example.test.ts). Every run is replayed episode by episode
 * (`replayCheck`): the undos an orchestrator registers are rebuilt the same way on replay.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateProject } from '../../compiler/src/codegen';
import { checkProjectDir } from '../../compiler/src/front-end';
import { fromWireText } from '../../runtime/errors';
import { createHarness, type Harness, type RunOptions } from '../harness/replay';

const root = path.resolve(__dirname, '../fixtures/saga');
let fixtures: Harness;

beforeAll(() => {
  const front = checkProjectDir(root);
  expect(front.diagnostics.map((d) => `${d.span.file}:${d.span.start.line} ${d.code} ${d.message}`)).toEqual([]);
  const runtimeImport = path.relative(path.join(root, 'generated/x'), path.resolve(__dirname, '../../runtime')).split(path.sep).join('/');
  fs.rmSync(path.join(root, 'generated'), { recursive: true, force: true });
  for (const f of generateProject(front.project, { runtimeImport })) {
    fs.mkdirSync(path.dirname(path.join(root, f.path)), { recursive: true });
    fs.writeFileSync(path.join(root, f.path), f.text);
  }
  fixtures = createHarness(path.join(root, 'generated/index.ts'));
});
afterAll(() => fs.rmSync(path.join(root, 'generated'), { recursive: true, force: true }));

async function run(harness: Harness, workflow: string, input: unknown, options: RunOptions = {}) {
  const instance = harness.start(workflow, input);
  const state = await instance.runToCompletion(options);
  expect(await instance.replayCheck(), `${workflow}: episodes whose replay differs`).toEqual([]);
  const reason = instance.outcome?.status === 'Failed' ? instance.outcome.reason : undefined;
  const calls = instance.executed.map((e) => `${e.name} ${JSON.stringify(e.input)}`);
  return { instance, output: state.output as any, reason, status: instance.outcome?.status, calls };
}

describe('sagas on the Azure model', () => {
  it('runs the compensations of parallel branches and forEach items newest first, each once', async () => {
    for (const order of ['fifo', 'lifo'] as const) {
      const r = await run(fixtures, 'fanout', null, { order, perEpisode: 1 });
      const done = r.calls.filter((c) => c.startsWith('Do ')).map((c) => c.slice(3));
      const undone = r.calls.filter((c) => c.startsWith('Undo ')).map((c) => c.slice(5));
      expect(undone, order).toEqual([...done].reverse());
      expect(undone.length).toBe(5);
      expect(r.output.caught).toEqual({ name: 'card-declined', message: 'the card was declined for 30' });
      expect(r.output.undone.map((o: any) => o.outcome)).toEqual(['completed', 'completed', 'completed', 'completed', 'completed']);
    }
  });

  it("an inner catch's compensate runs its own try's undos; the outer one runs only the rest", async () => {
    const r = await run(fixtures, 'nested', null);
    expect(r.calls.filter((c) => c.startsWith('Undo'))).toEqual(['Undo "b"', 'Undo "c"', 'Undo "a"']);
    expect(r.output.map((o: any) => o.undo)).toEqual(['activity Undo', 'activity Undo']);
  });

  it("an inner catch that rethrows leaves its try's undos to the outer catch", async () => {
    const r = await run(fixtures, 'passthrough', null);
    expect(r.calls.filter((c) => c.startsWith('Undo'))).toEqual(['Undo "b"', 'Undo "a"']);
    expect(fromWireText(r.reason!).name).toBe('card-declined');
  });

  it('records a failing compensation (after its own retries) and still runs the others', async () => {
    const r = await run(fixtures, 'failing', null);
    expect(r.calls.filter((c) => c.startsWith('Undo'))).toEqual(['Undo "c"', 'Undo "bad"', 'Undo "bad"', 'Undo "a"']);
    expect(r.status).toBe('Completed');
    expect(r.output).toEqual([
      { step: 'activity@15', undo: 'activity Undo', outcome: 'completed' },
      { step: 'activity@9', undo: 'activity Undo', outcome: 'failed', error: { name: 'undo failed', message: 'cannot undo "bad"' } },
      { step: 'activity@6', undo: 'activity Undo', outcome: 'completed' },
    ]);
  });

  it('onCompensationError: fail runs every compensation, then fails with CompensationFailed listing each', async () => {
    const r = await run(fixtures, 'strict', null);
    expect(r.calls.filter((c) => c.startsWith('Undo'))).toEqual(['Undo "bad"', 'Undo "a"']);
    expect(r.status).toBe('Failed');
    expect(fromWireText(r.reason!)).toEqual({ name: 'CompensationFailed', message: '1 compensation failed: activity@8 (activity Undo): undo failed: cannot undo "bad"' });
  });

  it('takes an undo\'s input when its step succeeds; a steps undo on a group step runs its steps when compensating', async () => {
    const r = await run(fixtures, 'groups', null);
    expect(r.calls.filter((c) => c.startsWith('Undo'))).toEqual(['Undo "z in round 1"', 'Undo ["x","y"]', 'Undo "round 2"']);
    expect(r.output.map((o: any) => `${o.step} ${o.undo} ${o.outcome}`)).toEqual(['single activity Undo completed', 'both steps completed']);
  });

  it("undoes each item of a forEach shortcut with that item's output, newest first", async () => {
    const r = await run(fixtures, 'shortcut', null);
    expect(r.calls.filter((c) => c.startsWith('Undo'))).toEqual(['Undo "c-2"', 'Undo "b-1"', 'Undo "a-0"']);
    expect(r.output.map((o: any) => o.step)).toEqual(['activity@7', 'activity@7', 'activity@7']);
  });
});
