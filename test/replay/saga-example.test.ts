/**
 * The bookTrip saga example and its parent travelDesk, on the Azure model (the replay harness
 * over the committed generated code): the undos run newest first and the instance fails with the
 * charge's own error, which a parent's catch sees whole.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromWireText } from '../../runtime/errors';
import { createHarness, type Harness, type RunOptions } from '../harness/replay';

const examples = createHarness(path.resolve(__dirname, '../../generated/index.ts'));

async function run(harness: Harness, workflow: string, input: unknown, options: RunOptions = {}) {
  const instance = harness.start(workflow, input);
  const state = await instance.runToCompletion(options);
  expect(await instance.replayCheck(), `${workflow}: episodes whose replay differs`).toEqual([]);
  const reason = instance.outcome?.status === 'Failed' ? instance.outcome.reason : undefined;
  const calls = instance.executed.map((e) => `${e.name} ${JSON.stringify(e.input)}`);
  return { instance, output: state.output as any, reason, status: instance.outcome?.status, calls };
}

describe('the bookTrip saga example', () => {
  it('undoes the hotel, then the flight, and fails with card-declined and the original message', async () => {
    const r = await run(examples, 'bookTrip', { traveller: 'ada', card: 'declined' });
    expect(r.calls).toEqual(['ReserveFlight "ada"', 'ReserveHotel "ada"', 'ChargeCard {"card":"declined","amount":600}', 'CancelHotel "HT-ada"', 'CancelFlight "FL-ada"']);
    expect(r.status).toBe('Failed');
    expect(r.reason).toBe(`Orchestrator function 'bookTrip' failed: "card-declined": the card was declined for 600`);
    expect(fromWireText(r.reason!)).toEqual({ name: 'card-declined', message: 'the card was declined for 600' });
    expect((r.instance.state?.customStatus as any).compensations).toEqual([
      { step: 'hotel', undo: 'activity CancelHotel', state: 'completed' },
      { step: 'flight', undo: 'activity CancelFlight', state: 'completed' },
    ]);
  });

  it('undoes nothing when the charge goes through', async () => {
    const r = await run(examples, 'bookTrip', { traveller: 'ada', card: '4242' });
    expect(r.status).toBe('Completed');
    expect(r.output).toEqual({ flight: 'FL-ada', hotel: 'HT-ada', charged: 600 });
    expect(r.calls.filter((c) => c.startsWith('Cancel'))).toEqual([]);
  });

  it("reaches a parent's catch as card-declined with the original message", async () => {
    const r = await run(examples, 'travelDesk', { traveller: 'ada', card: 'declined' });
    expect(r.status).toBe('Completed');
    expect(r.output).toEqual({ booked: false, error: { name: 'card-declined', message: 'the card was declined for 600' } });
  });
});
