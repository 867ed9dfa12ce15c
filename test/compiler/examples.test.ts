/**
 * The example workflows are the product's showcase: they must check clean, without a warning.
 * A clone may hold a user's own workflows beside them (workflows/ is theirs to add to): the
 * examples must be there, and whatever else is there must check clean too.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkProjectDir } from '../../compiler/src/front-end';

const root = path.resolve(__dirname, '../..');

describe('example workflows', () => {
  const result = checkProjectDir(root);

  it('all check clean, with no warnings', () => {
    expect(result.diagnostics.map((d) => `${d.span.file}:${d.span.start.line}:${d.span.start.col} ${d.code} ${d.message}`)).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('include the seed scenarios', () => {
    const names = result.project.workflows.map((w) => w.name).sort();
    expect(names).toEqual(expect.arrayContaining(['approval', 'bookTrip', 'customerReport', 'digest', 'fanOut', 'hello', 'nightlyReport', 'orderReview', 'pollJob', 'processOrders', 'reminder', 'replicate', 'travelDesk']));
    const fanOut = result.project.workflows.find((w) => w.name === 'fanOut')!;
    const forEach = fanOut.steps.find((s) => s.kind === 'forEach');
    expect(forEach?.kind === 'forEach' && forEach.maxParallel).toBe(10);
    expect(result.project.workflows.find((w) => w.name === 'customerReport')?.singleton?.key?.kind).toBe('template');
    expect(result.project.workflows.find((w) => w.name === 'approval')?.steps.some((s) => s.kind === 'waitForEvent')).toBe(true);
  });

  it('find every activity the examples use', () => {
    const activities = [...result.project.activities.keys()];
    expect(activities).toEqual(expect.arrayContaining(['BuildReport', 'ChargeOrder', 'RecordDecision', 'RequestApproval', 'SayHello', 'SendReceipt', 'Sleep', 'StartJob', 'CheckJob', 'CancelFlight', 'CancelHotel', 'ChargeCard', 'ReserveFlight', 'ReserveHotel', 'AuditWrite', 'WriteReplica']));
    expect(result.project.activities.get('Sleep')).toBe('workflows/activities/timing.ts');
  });
});
