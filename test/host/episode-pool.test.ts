/**
 * The episode pool on its own (host/executor/episode-pool.ts): what the host thread does with a
 * request it cannot send must not end the host.
 */
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EpisodeLimitError, EpisodePool } from '../../host/executor/episode-pool';

const entry = path.resolve(__dirname, '../fixtures/hostile-app/index.ts');
const pool = new EpisodePool({ entry, threads: 1, budgetMs: 10_000, heapMb: 64 });
afterAll(() => pool.close());

describe('episode pool', () => {
  it('a history the host cannot send as one string fails its instance with LimitExceeded, and the pool keeps going', async () => {
    await pool.ready();
    // The process has no copy of this instance (playedLength > 0), so it asks for the history;
    // a BigInt stands in for a history over V8's string limit: JSON.stringify throws on both.
    const unsendable = () => ({ orchestrator: [{ big: BigInt(1) } as never], events: [] });
    const input = { name: 'spin', instanceId: 'i-1', executionId: 'e-1', input: null, playedLength: 1, fresh: [] };
    const failed = pool.run(input, unsendable).then(
      () => undefined,
      (e: unknown) => e,
    );
    const error = await failed;
    expect(error).toBeInstanceOf(EpisodeLimitError);
    expect((error as Error).message).toMatch(/^LimitExceeded: the instance's history cannot be sent to an episode process: .*BigInt/);
    // The next request of the same kind is taken and answered the same way: nothing is stuck.
    await expect(pool.run({ ...input, instanceId: 'i-2' }, unsendable)).rejects.toThrow(/^LimitExceeded: the instance's history cannot be sent/);
  }, 60_000);
});
