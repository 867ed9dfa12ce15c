/** Error shapes: WorkflowError, Timeout, and toErrorInfo over what durable-functions throws. */
import { describe, expect, it } from 'vitest';
import { timeoutError, toErrorInfo, WorkflowError } from '../../runtime/errors';

describe('WorkflowError', () => {
  it('carries the fail step code as its name', () => {
    const e = new WorkflowError('Rejected', 'no budget');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('Rejected');
    expect(e.message).toBe('no budget');
    expect(toErrorInfo(e)).toEqual({ name: 'Rejected', message: 'no budget' });
  });

  it('timeoutError is named Timeout and says what timed out', () => {
    const e = timeoutError("activity 'Slow'", 30_000);
    expect(toErrorInfo(e)).toEqual({ name: 'Timeout', message: "activity 'Slow' did not finish within 30000 ms" });
  });
});

describe('toErrorInfo', () => {
  it('prefers structured failure details (TaskFailedError)', () => {
    const e = Object.assign(new Error('Activity function failed'), { failureDetails: { errorType: 'RangeError', errorMessage: 'too big' } });
    expect(toErrorInfo(e)).toEqual({ name: 'RangeError', message: 'too big' });
  });

  it('defaults a missing error type to Error', () => {
    expect(toErrorInfo({ failureDetails: { errorMessage: 'x' } })).toEqual({ name: 'Error', message: 'x' });
  });

  it('cuts the details the extension appends after " \\n "', () => {
    const e = new Error('card declined \n    at ChargeOrder (charge.ts:3)');
    expect(toErrorInfo(e)).toEqual({ name: 'Error', message: 'card declined' });
  });

  it('keeps a custom error name', () => {
    class PaymentError extends Error {
      override name = 'PaymentError';
    }
    expect(toErrorInfo(new PaymentError('declined'))).toEqual({ name: 'PaymentError', message: 'declined' });
  });

  it('reads error-like objects and plain values', () => {
    expect(toErrorInfo({ name: 'E', message: 'm' })).toEqual({ name: 'E', message: 'm' });
    expect(toErrorInfo({ message: 42 })).toEqual({ name: 'Error', message: '42' });
    expect(toErrorInfo('boom')).toEqual({ name: 'Error', message: 'boom' });
    expect(toErrorInfo(undefined)).toEqual({ name: 'Error', message: 'undefined' });
  });

  it('returns plain data (JSON round-trips, safe to pass to activities)', () => {
    const info = toErrorInfo(new WorkflowError('X', 'y'));
    expect(JSON.parse(JSON.stringify(info))).toEqual(info);
    expect(Object.getPrototypeOf(info)).toBe(Object.prototype);
  });
});
