/**
 * Saga compensations of parallel branches and forEach items (a capped window), a failing undo
 * recorded among the others, and `onCompensationError: fail`, on both engines: the fixtures of
 * test/fixtures/saga/workflows compiled into a small app. On each engine the undos run in the
 * reverse of the order their steps succeeded; both engines must give the same outcome.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../bench/app';
import { fromWireText } from '../../runtime/errors';
import { call, untilStatus } from '../host/http-helpers';
import { ENGINES, startEngine, type Engine, type EngineName } from './engines';

const repo = path.resolve(__dirname, '../..');
const fixtures = path.join(repo, 'test/fixtures/saga/workflows');
const WORKFLOWS = Object.fromEntries(['fanout', 'failing', 'strict'].map((n) => [n, fs.readFileSync(path.join(fixtures, `${n}.yaml`), 'utf8')]));

let app: string;
const engines = new Map<EngineName, Engine>();

beforeAll(async () => {
  app = buildApp(repo, WORKFLOWS, fs.readFileSync(path.join(fixtures, 'activities/saga.ts'), 'utf8'), 'df-engines-saga-');
  for (const name of ENGINES) engines.set(name, await startEngine(name, app));
}, 240_000);
afterAll(async () => {
  for (const e of engines.values()) await e.close();
  if (app) fs.rmSync(app, { recursive: true, force: true });
});

/** Runs a workflow to its end; its status and the activities it ran, in the order they ended. */
async function finish(engine: Engine, workflow: string): Promise<{ status: Record<string, any>; ended: string[] }> {
  const started = await call('POST', `${engine.url}/api/workflows/${workflow}`, null);
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  const done = await untilStatus(started.body.statusQueryGetUri, ['Completed', 'Failed'], 120_000);
  const history = await call('GET', `${started.body.statusQueryGetUri}&showHistory=true&showHistoryOutput=true`);
  const ended = (history.body.historyEvents as Array<Record<string, any>>)
    .filter((ev) => ev.EventType === 'TaskCompleted')
    .map((ev) => `${ev.FunctionName ?? ev.Name} ${ev.Result}`);
  return { status: done.body, ended };
}

/** A history event's result: JSON text on one engine's history, the value on another's. */
function value(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

describe('saga compensations on both engines', () => {
  it('undoes parallel branches and forEach items newest first; records a failing undo; fails with CompensationFailed when told to', async () => {
    const out: Record<string, unknown> = {};
    for (const [name, engine] of engines) {
      const fan = await finish(engine, 'fanout');
      const done = fan.ended.filter((c) => c.startsWith('Do ')).map((c) => value(c.slice(3)));
      const undone = fan.ended.filter((c) => c.startsWith('Undo ')).map((c) => value(c.slice(5)));
      // Each undo ran with the output of the step it undoes, newest first.
      expect(undone, name).toEqual([...done].reverse().map((d) => `undid ${JSON.stringify(d)}`));
      const failing = await finish(engine, 'failing');
      const strict = await finish(engine, 'strict');
      out[name] = {
        fanout: { status: fan.status.runtimeStatus, caught: fan.status.output.caught, outcomes: fan.status.output.undone.map((o: any) => o.outcome), count: undone.length },
        failing: { status: failing.status.runtimeStatus, output: failing.status.output },
        strict: { status: strict.status.runtimeStatus, error: fromWireText(strict.status.output) },
      };
    }
    expect(out.embedded).toEqual(out.extension);
    expect(out.extension).toEqual({
      fanout: { status: 'Completed', caught: { name: 'card-declined', message: 'the card was declined for 30' }, outcomes: ['completed', 'completed', 'completed', 'completed', 'completed'], count: 5 },
      failing: {
        status: 'Completed',
        output: [
          { step: 'activity@15', undo: 'activity Undo', outcome: 'completed' },
          { step: 'activity@9', undo: 'activity Undo', outcome: 'failed', error: { name: 'undo failed', message: 'cannot undo "bad"' } },
          { step: 'activity@6', undo: 'activity Undo', outcome: 'completed' },
        ],
      },
      strict: { status: 'Failed', error: { name: 'CompensationFailed', message: '1 compensation failed: activity@8 (activity Undo): undo failed: cannot undo "bad"' } },
    });
  }, 600_000);
});
