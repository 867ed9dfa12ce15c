/**
 * durable-flow/testing: test workflows in your own test suite with virtual time.
 *
 *   const env = await createTestEnv({ activities: { ChargeOrder: async () => ({ charged: 5 }) } });
 *   const run = await env.start('approval', { customer: 'ACME', total: 120 });
 *   await env.advance('2h');
 *   await run.raiseEvent('Approval', { approved: true, by: 'dana' });
 *   expect(await run.result()).toMatchObject({ status: 'Completed' });
 *   await env.close();
 *
 * The compiled app runs on the embedded host's own engine (real durable-functions replay and the
 * Durable extension model) over an in-memory store, with a clock that jumps. See docs/testing.md.
 */
export { createTestEnv, TestEnv, type ActivityError, type ActivityFn, type TestEnvOptions } from './env';
export { RunStuckError, TestRun, type RunResult, type RunStatus, type Wait } from './run';
export type { Recording, ReplayCheckResult, ReplayStep } from './replay-check';
export { EventType, type HistoryEvent } from '../host/orchestration/history';
