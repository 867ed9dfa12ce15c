/** Which retry policy handles an error, and when a policy retries (runtime/retry.ts). */
import { describe, expect, it } from 'vitest';
import { WorkflowError } from '../../runtime/errors';
import { nextAttemptAt, policyFor, type RetryPolicy } from '../../runtime/retry';

const declined: RetryPolicy = { on: ['card-declined', 'Job Failed'], maxAttempts: 2, intervalMs: 60_000 };
const busy: RetryPolicy = { on: ['Busy'], maxAttempts: 5, intervalMs: 1000 };
const others: RetryPolicy = { maxAttempts: 3, intervalMs: 5000 };

describe('policyFor', () => {
  it('picks the first policy that lists the name, else the one without `on`, else none', () => {
    expect(policyFor([declined, busy, others], 'Job Failed')).toBe(declined);
    expect(policyFor([declined, busy, others], 'Busy')).toBe(busy);
    expect(policyFor([declined, busy, others], 'Timeout')).toBe(others);
    expect(policyFor([declined, busy], 'Timeout')).toBeUndefined();
    expect(policyFor(declined, 'Busy')).toBeUndefined();
    expect(policyFor(others, 'anything at all')).toBe(others);
    expect(policyFor(undefined, 'x')).toBeUndefined();
  });

  it('matches names exactly (no prefix, case or trimming)', () => {
    expect(policyFor([declined], 'card-declined ')).toBeUndefined();
    expect(policyFor([declined], 'Card-declined')).toBeUndefined();
    expect(policyFor([declined], 'Job')).toBeUndefined();
  });
});

describe('nextAttemptAt', () => {
  const error = new WorkflowError('Busy', 'm');

  it('retries an unlimited policy until its timeout, the last back-off cut to end at it', () => {
    const unlimited: RetryPolicy = { intervalMs: 60_000, timeoutMs: 600_000 };
    expect(nextAttemptAt(unlimited, 1000, error, 0, 0)).toBe(60_000);
    expect(nextAttemptAt(unlimited, 9, error, 0, 570_000)).toBe(600_000);
    expect(nextAttemptAt(unlimited, 11, error, 0, 600_000)).toBeUndefined();
  });

  it('counts attempts per policy: the n-th failure it handles backs off interval · backoff^(n-1)', () => {
    const p: RetryPolicy = { maxAttempts: 4, intervalMs: 1000, backoff: 2 };
    expect([1, 2, 3].map((n) => nextAttemptAt(p, n, error, 0, 0))).toEqual([1000, 2000, 4000]);
    expect(nextAttemptAt(p, 4, error, 0, 0)).toBeUndefined();
  });
});
