/**
 * The replay trace (runtime/flow/trace.ts) from histories as Durable's HTTP API returns them: as
 * the embedded host answers (TaskScheduled kept, completions by TaskScheduledId, timers by
 * TimerId) and as the Durable extension answers on Azure (OrchestratorStarted/Completed removed,
 * each completed TaskScheduled folded into its TaskCompleted as FunctionName + ScheduledTime).
 */
import { describe, expect, it } from 'vitest';
import { replayTrace } from '../../runtime/flow/trace';

const t = (ms: number): string => new Date(Date.UTC(2026, 0, 1, 12, 0, 0, ms)).toISOString();

describe('the replay trace', () => {
  it('groups a host history into episodes: what each consumed, what it issued, how much it replayed', () => {
    const history = [
      { EventType: 'ExecutionStarted', Timestamp: t(0), Name: 'processOrders' },
      { EventType: 'TaskScheduled', Timestamp: t(2), Name: 'ChargeOrder' },
      { EventType: 'TaskScheduled', Timestamp: t(2), Name: 'ChargeOrder' },
      { EventType: 'TaskCompleted', Timestamp: t(20), TaskScheduledId: 0 },
      { EventType: 'TaskFailed', Timestamp: t(21), TaskScheduledId: 1, Reason: "Activity function 'ChargeOrder' failed: Error: no amount\n  at stack" },
      { EventType: 'TimerCreated', Timestamp: t(22), FireAt: t(1022) },
      { EventType: 'TimerFired', Timestamp: t(1022), FireAt: t(1022), TimerId: 2 },
      { EventType: 'SubOrchestrationInstanceCreated', Timestamp: t(1023), Name: 'hello', InstanceId: 'abc:3' },
      { EventType: 'SubOrchestrationInstanceCompleted', Timestamp: t(1050), TaskScheduledId: 3 },
      { EventType: 'EventRaised', Timestamp: t(1060), Name: 'Approval' },
      { EventType: 'ExecutionCompleted', Timestamp: t(1061) },
    ];
    const episodes = replayTrace(history);
    expect(episodes.map((e) => [e.index, e.replayed, e.consumed.map((c) => `${c.type} ${c.name ?? ''}`.trim()), e.issued.map((i) => `${i.type} ${i.name ?? ''}`.trim())])).toEqual([
      [1, 0, ['ExecutionStarted processOrders'], ['TaskScheduled ChargeOrder', 'TaskScheduled ChargeOrder']],
      [2, 3, ['TaskCompleted ChargeOrder', 'TaskFailed ChargeOrder'], ['TimerCreated']],
      [3, 6, ['TimerFired'], ['SubOrchestrationInstanceCreated hello']],
      // an episode that issued nothing reads as one with the next (the history has no episode markers)
      [4, 8, ['SubOrchestrationInstanceCompleted hello', 'EventRaised Approval'], ['ExecutionCompleted']],
    ]);
    expect(episodes[1].consumed[1].detail).toBe("Activity function 'ChargeOrder' failed: Error: no amount");
    expect(episodes[1].issued[0].detail).toBe(`due ${t(1022)}`);
    expect(episodes[2].issued[0].detail).toBe('abc:3');
    expect(episodes[1].at).toBe(t(22));
  });

  it("puts back what Azure folds into completions and reads the same episodes as the host's history", () => {
    // hello on Azure: three activities one after another; every TaskScheduled folded into its TaskCompleted.
    const azure = [
      { EventType: 'ExecutionStarted', Timestamp: t(0), FunctionName: 'hello' },
      { EventType: 'TaskCompleted', Timestamp: t(30), ScheduledTime: t(5), FunctionName: 'SayHello' },
      { EventType: 'TaskCompleted', Timestamp: t(60), ScheduledTime: t(35), FunctionName: 'SayHello' },
      { EventType: 'TaskCompleted', Timestamp: t(90), ScheduledTime: t(65), FunctionName: 'SayHello' },
      { EventType: 'ExecutionCompleted', Timestamp: t(95), OrchestrationStatus: 'Completed' },
    ];
    const host = [
      { EventType: 'ExecutionStarted', Timestamp: t(0), Name: 'hello' },
      { EventType: 'TaskScheduled', Timestamp: t(5), Name: 'SayHello' },
      { EventType: 'TaskCompleted', Timestamp: t(30), TaskScheduledId: 0 },
      { EventType: 'TaskScheduled', Timestamp: t(35), Name: 'SayHello' },
      { EventType: 'TaskCompleted', Timestamp: t(60), TaskScheduledId: 1 },
      { EventType: 'TaskScheduled', Timestamp: t(65), Name: 'SayHello' },
      { EventType: 'TaskCompleted', Timestamp: t(90), TaskScheduledId: 2 },
      { EventType: 'ExecutionCompleted', Timestamp: t(95) },
    ];
    const shape = (h: unknown[]): unknown => replayTrace(h).map((e) => ({ replayed: e.replayed, consumed: e.consumed.map((c) => [c.type, c.name]), issued: e.issued.map((i) => [i.type, i.name]) }));
    expect(shape(azure)).toEqual(shape(host));
    expect(replayTrace(azure)).toHaveLength(4);
    expect(replayTrace(azure)[1].issued[0]).toMatchObject({ type: 'TaskScheduled', name: 'SayHello', folded: true, at: t(35) });
  });

  it('takes what is not a history event in its stride', () => {
    expect(replayTrace([])).toEqual([]);
    expect(replayTrace([null, 'x', 3, { EventType: 'ExecutionStarted', Timestamp: 'not a date' }])).toEqual([
      { index: 1, at: '', replayed: 0, consumed: [{ type: 'ExecutionStarted', at: '' }], issued: [] },
    ]);
  });
});
