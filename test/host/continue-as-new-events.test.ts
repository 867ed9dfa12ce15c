/**
 * An event raised while the episode that continues as new is running belongs to the instance, not
 * to the execution that is ending: the extension delivers it to the next execution, after the
 * events it carries over (DurableTask.Core's TaskOrchestrationDispatcher). The embedded engine
 * used to drop it with the old execution's work. Deterministic: the event is raised from inside the
 * episode runner, after the orchestrator decided to continue as new and before the engine commits.
 */
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../host/executor/engine';
import { knownFunctions, runEpisodeInline } from '../../host/executor/episode-runner';
import { loadApp, type CoreApi } from '../../host/functions/core-api';
import { createLogger } from '../../host/log';
import { Store } from '../../host/store/store';

let api: CoreApi;
beforeAll(() => {
  require('tsx/cjs/api').register(); // the fixture app is TypeScript
  api = loadApp(path.resolve(__dirname, '../fixtures/continue-app/index.ts'));
});

const engines: Engine[] = [];
afterAll(async () => {
  for (const e of engines) await e.stop();
});

describe('an event raised while the episode that continues as new runs', () => {
  it('reaches the next execution instead of being dropped with the old one', async () => {
    const store = new Store(':memory:', 'normal');
    const known = knownFunctions(api);
    let raisedDuring = false;
    const engine: Engine = new Engine(
      store,
      api,
      {
        maxConcurrentActivityFunctions: 10,
        maxConcurrentOrchestratorFunctions: 10,
        leaseMs: 60_000,
        runEpisode: async (input, loadPlayed) => {
          const result = await runEpisodeInline(api, known, { ...input, played: input.played ?? loadPlayed() });
          if (result.replay.outcome.status === 'ContinuedAsNew' && !raisedDuring) {
            raisedDuring = true;
            engine.raiseEvent(input.instanceId, 'Item', 'b');
          }
          return result;
        },
        runActivity: () => Promise.reject(new Error('no activities here')),
      },
      createLogger({ verbose: false, quiet: true }),
    );
    engines.push(engine);
    engine.start();
    const id = engine.startInstance('collectTwo', null, 'collect-1');
    await new Promise((r) => setTimeout(r, 200));
    engine.raiseEvent(id, 'Item', 'a');
    await engine.whenFinished(id, 10_000);
    expect(raisedDuring).toBe(true);
    expect(store.instance(id)).toMatchObject({ status: 'Completed', output: ['a', 'b'] });
  });
});
