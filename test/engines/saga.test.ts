/**
 * The bookTrip saga on both engines (the embedded host and the real Durable Task extension on
 * Azurite), through the example app's HTTP starters and its per-workflow API: a declined card
 * undoes the hotel, then the flight, and the instance fails with `card-declined` and the charge's
 * message; the travelDesk parent's catch sees that error whole. Both engines must agree.
 */
import { describe, expect, it } from 'vitest';
import { call, untilStatus } from '../host/http-helpers';
import { appFolder, bothEngines, ENGINES, summary, type Engine, type EngineName } from './engines';

const engines = bothEngines(() => appFolder());

async function finish(engine: Engine, route: string, input: unknown): Promise<{ id: string; status: Record<string, any> }> {
  const started = await call('POST', `${engine.url}/api/${route}`, input);
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  const done = await untilStatus(started.body.statusQueryGetUri, ['Completed', 'Failed'], 120_000);
  return { id: started.body.id, status: done.body };
}

async function onBoth(scenario: (engine: Engine) => Promise<Record<string, unknown>>): Promise<Record<EngineName, Record<string, unknown>>> {
  const [embedded, extension] = await Promise.all(ENGINES.map((n) => scenario(engines.get(n)!)));
  return { embedded, extension };
}

describe('the bookTrip saga on the embedded host and on the real extension', () => {
  it('undoes the hotel, then the flight, and fails with card-declined and the charge\'s message', async () => {
    const r = await onBoth(async (e) => {
      const { id, status } = await finish(e, 'workflows/bookTrip', { traveller: 'ada', card: 'declined' });
      const history = await call('GET', `${e.url}/runtime/webhooks/durabletask/instances/${encodeURIComponent(id)}?showHistory=true`);
      const calls = (history.body.historyEvents as Array<Record<string, unknown>>)
        .filter((ev) => ev.EventType === 'TaskCompleted' || ev.EventType === 'TaskFailed')
        .map((ev) => `${ev.EventType} ${ev.FunctionName ?? ev.Name}`);
      const api = await call('GET', `${e.url}/api/workflows/bookTrip/instances/${encodeURIComponent(id)}`);
      return { ...summary(status), calls, api: { status: api.body.status, error: api.body.error, compensations: api.body.compensations } };
    });
    expect(r.extension).toEqual(r.embedded);
    expect(r.extension).toMatchObject({
      runtimeStatus: 'Failed',
      calls: ['TaskCompleted ReserveFlight', 'TaskCompleted ReserveHotel', 'TaskFailed ChargeCard', 'TaskCompleted CancelHotel', 'TaskCompleted CancelFlight'],
      api: {
        status: 'Failed',
        error: { name: 'card-declined', message: 'the card was declined for 600', text: `Orchestrator function 'bookTrip' failed: "card-declined": the card was declined for 600` },
        compensations: [
          { step: 'hotel', undo: 'activity CancelHotel', state: 'completed' },
          { step: 'flight', undo: 'activity CancelFlight', state: 'completed' },
        ],
      },
    });
  }, 240_000);

  it("reaches a parent's catch as card-declined with the charge's message", async () => {
    const r = await onBoth(async (e) => summary((await finish(e, 'workflows/travelDesk', { traveller: 'bo', card: 'declined' })).status));
    expect(r.extension).toEqual(r.embedded);
    expect(r.extension).toMatchObject({ runtimeStatus: 'Completed', output: { booked: false, error: { name: 'card-declined', message: 'the card was declined for 600' } } });
  }, 240_000);
});
