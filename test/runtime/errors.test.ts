/** Error shapes: WorkflowError, Timeout, and toErrorInfo over what durable-functions throws. */
import { describe, expect, it } from 'vitest';
import { fromWireText, timeoutError, toErrorInfo, wireError, wireText, WorkflowError } from '../../runtime/errors';
import { activityHandler } from '../../runtime/handlers';
import { InvocationContext } from '@azure/functions';

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
  it('reads structured failure details by their encoded message (the .NET error type says nothing of ours)', () => {
    const e = Object.assign(new Error('Activity function failed'), { failureDetails: { errorType: 'System.Exception', errorMessage: "Activity function 'Charge' failed: RangeError: too big" } });
    expect(toErrorInfo(e)).toEqual({ name: 'RangeError', message: 'too big' });
    expect(toErrorInfo({ failureDetails: { errorMessage: 'x' } })).toEqual({ name: 'Error', message: 'x' });
  });

  it('decodes what durable-functions makes of an activity failure on Azure: Reason \\n Details, no failure details', () => {
    // TaskActivityShim: Reason "Activity function '<name>' failed: <err.message>"; durable-js joins Reason and Details with " \n ".
    const e = new Error(`Activity function 'ChargeOrder' failed: PaymentError: card declined \n {"ClassName":"System.Exception","Message":"..."}`);
    expect(toErrorInfo(e)).toEqual({ name: 'PaymentError', message: 'card declined' });
  });

  it('decodes a child workflow failure (OutOfProcOrchestrationShim: "Orchestrator function \'<name>\' failed: ...")', () => {
    const e = new Error(`Orchestrator function 'approve' failed: Rejected: no budget, sorry \n Message: Rejected: no budget, sorry, StackTrace: `);
    expect(toErrorInfo(e)).toEqual({ name: 'Rejected', message: 'no budget, sorry' });
  });

  it('keeps a message that only looks like "<name>: ..." when it did not come over the wire', () => {
    expect(toErrorInfo(new TypeError('Cannot read properties of undefined (reading: x)'))).toEqual({ name: 'TypeError', message: 'Cannot read properties of undefined (reading: x)' });
    expect(toErrorInfo(new Error('Total: 3 items'))).toEqual({ name: 'Error', message: 'Total: 3 items' });
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

describe('the wire form of an error', () => {
  it('round-trips name and message, colons and newlines included', () => {
    for (const info of [
      { name: 'Error', message: 'plain' },
      { name: 'ValidationError', message: 'a: b: c' },
      { name: 'X', message: '' },
      { name: 'Y', message: 'line 1\nline 2' },
    ]) {
      expect(fromWireText(wireText(info))).toEqual(info);
      expect(toErrorInfo(new Error(`Activity function 'A' failed: ${wireText(info)} \n details`))).toEqual(info);
    }
  });

  it('refuses a name that is not an identifier (it would not read back)', () => {
    expect(wireText({ name: 'has space', message: 'm' })).toBe('Error: m');
    expect(wireText({ name: 'a'.repeat(200), message: 'm' })).toBe('Error: m');
  });

  it('wireError carries the name in the message and keeps the stack', () => {
    const original = new WorkflowError('Rejected', 'no');
    const e = wireError(original);
    expect(e.message).toBe('Rejected: no');
    expect(e.stack).toBe(original.stack);
  });
});

describe('activityHandler', () => {
  const ctx = new InvocationContext({ functionName: 'A', invocationId: 'i' });

  it('passes results through and encodes errors with their name', async () => {
    const ok = activityHandler('A', async (n: number) => n * 2);
    expect(await ok(21, ctx)).toBe(42);
    class PaymentError extends Error {
      override name = 'PaymentError';
    }
    const bad = activityHandler('A', async () => {
      throw new PaymentError('declined');
    });
    await expect(bad(0, ctx)).rejects.toThrow(/^PaymentError: declined$/);
  });

  it('fails a result that cannot travel as JSON with UnserializableResult', async () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await expect(activityHandler('A', () => circular)(0, ctx)).rejects.toThrow(/^UnserializableResult: activity 'A' returned a value that cannot be sent as JSON: .*circular/);
    await expect(activityHandler('B', () => 10n)(0, ctx)).rejects.toThrow(/^UnserializableResult: activity 'B' .*BigInt/);
  });
});
