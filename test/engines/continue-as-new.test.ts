/**
 * continueAsNew after an event, on both engines: the digest example waits for an Item (with a
 * timeout, so a timer races the event and is cancelled) and continues as new with the item added,
 * five times. Each event must be taken once: a, b, c, d, e in, "a, b, c, d, e" out.
 */
import { describe, expect, it } from 'vitest';
import { call, until, untilStatus } from '../host/http-helpers';
import { appFolder, bothEngines, ENGINES } from './engines';

const engines = bothEngines(() => appFolder());

/** The items the instance's current execution started with, once it runs that execution. */
async function itemsWhenWaiting(statusUrl: string, count: number): Promise<string[]> {
  return until(async () => {
    const s = await call('GET', `${statusUrl}&showInput=true`);
    const items: string[] = s.body?.input?.items ?? [];
    return s.body?.runtimeStatus === 'Running' && items.length === count ? items : undefined;
  }, `the execution with ${count} items`, 60_000);
}

describe.each(ENGINES)('on the %s engine', (name) => {
  it('takes each of five events once across five continueAsNew', async () => {
    const engine = engines.get(name)!;
    const started = await call('POST', `${engine.url}/api/workflows/digest`, { customer: 'GAMMA' });
    expect(started.status).toBe(202);
    const links = started.body;
    const seen: string[][] = [];
    // Each event is sent once the execution before it waits (see runtime/versions.ts on the
    // moment between taking an event and continuing as new).
    for (const [i, kind] of ['a', 'b', 'c', 'd', 'e'].entries()) {
      seen.push(await itemsWhenWaiting(links.statusQueryGetUri, i));
      const raised = await call('POST', links.sendEventPostUri.replace('{eventName}', 'Item'), { kind });
      expect(raised.status, `event ${kind}`).toBe(202);
    }
    const done = await untilStatus(links.statusQueryGetUri, ['Completed', 'Failed'], 60_000);
    expect(done.body.output).toBe('digest to GAMMA: a, b, c, d, e');
    expect(seen).toEqual([[], ['a'], ['a', 'b'], ['a', 'b', 'c'], ['a', 'b', 'c', 'd']]);
  }, 120_000);
});
