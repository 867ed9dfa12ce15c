/** Error shapes: WorkflowError, Timeout, and toErrorInfo over what durable-functions throws. */
import { describe, expect, it } from 'vitest';
import { errorNameProblem, failWith, fromWireText, rethrow, timeoutError, toErrorInfo, wireError, wireText, WorkflowError } from '../../runtime/errors';
import { errorNames } from '../helpers/error-names';
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

  it('writes an identifier bare and any other valid name as a JSON string, keeping the extension\'s text', () => {
    expect(wireText({ name: 'Rejected', message: 'no budget' })).toBe('Rejected: no budget');
    expect(wireText({ name: 'a'.repeat(200), message: 'm' })).toBe(`${'a'.repeat(200)}: m`);
    expect(wireText({ name: 'Job Failed', message: 'exit 3' })).toBe('"Job Failed": exit 3');
    expect(wireText({ name: 'card-declined', message: 'no funds' })).toBe('"card-declined": no funds');
    expect(toErrorInfo(new Error(`Orchestrator function 'saga' failed: "card-declined": no funds \n details`))).toEqual({ name: 'card-declined', message: 'no funds' });
  });

  it('keeps names with spaces, hyphens, dots, colons and quotes whole (they read back as Error before)', () => {
    for (const name of ['Job Failed', 'missing-order-id', 'States.TaskFailed', 'a:b', 'x: y', '"', 'say "hi": now', '\\', ' ']) {
      const info = { name, message: 'm: n' };
      expect(fromWireText(wireText(info))).toEqual(info);
      expect(toErrorInfo(new Error(`Activity function 'A' failed: ${wireText(info)} \n details`))).toEqual(info);
    }
  });

  it('round-trips every valid name of a seeded fuzzer, through the extension\'s texts', () => {
    for (const seed of [1, 2, 3]) {
      for (const name of errorNames(seed, 400)) {
        expect(errorNameProblem(name), JSON.stringify(name)).toBeUndefined();
        for (const message of ['', 'plain', 'a: b', '"q": r', 'line 1\nline 2']) {
          const info = { name, message };
          expect(fromWireText(wireText(info))).toEqual(info);
          expect(toErrorInfo(new Error(`Activity function 'Act' failed: ${wireText(info)} \n {"stack":"..."}`))).toEqual(info);
          expect(toErrorInfo({ failureDetails: { errorMessage: `Orchestrator function 'child' failed: ${wireText(info)}` } })).toEqual(info);
        }
      }
    }
  });

  it('sends an invalid name (empty, over 200 characters, control characters) as Error', () => {
    for (const name of ['', 'a'.repeat(201), 'tab\there', 'line\nbreak', 'nul\u0000', '\u2028', 'lone \ud800']) {
      expect(errorNameProblem(name), JSON.stringify(name)).toBeDefined();
      expect(wireText({ name, message: 'm' })).toBe('Error: m');
    }
    expect(errorNameProblem('😀'.repeat(200))).toBeUndefined(); // characters, not UTF-16 units
  });

  it('does not take a quoted text that is not a name for one', () => {
    expect(fromWireText('"unterminated: m')).toEqual({ name: 'Error', message: '"unterminated: m' });
    expect(fromWireText('"": m')).toEqual({ name: 'Error', message: '"": m' });
    expect(fromWireText('"a" b: m')).toEqual({ name: 'Error', message: '"a" b: m' });
    expect(fromWireText('"a\\tb": m')).toEqual({ name: 'Error', message: '"a\\tb": m' });
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

describe('fail with a computed name, and rethrow', () => {
  it('failWith throws the computed name and message, the name as message when there is none', () => {
    expect(toErrorInfo(failWith('card-declined', 'no funds'))).toEqual({ name: 'card-declined', message: 'no funds' });
    expect(toErrorInfo(failWith('Job Failed', undefined))).toEqual({ name: 'Job Failed', message: 'Job Failed' });
  });

  it('failWith fails with InvalidErrorName naming the value', () => {
    expect(toErrorInfo(failWith('', 'm'))).toEqual({ name: 'InvalidErrorName', message: 'fail: the error name "" is not valid: an error name must not be empty' });
    expect(toErrorInfo(failWith(42, 'm'))).toEqual({ name: 'InvalidErrorName', message: 'fail: the error name 42 is not valid: an error name must be a string, got number' });
    expect(toErrorInfo(failWith('a\nb', 'm')).message).toBe('fail: the error name "a\\nb" is not valid: an error name must be printable characters, got "\\n" at position 2');
    expect(toErrorInfo(failWith('x'.repeat(300), 'm')).message).toMatch(/^fail: the error name "x{99}\.\.\. is not valid: an error name must be at most 200 characters long, got 300$/);
  });

  it('rethrow keeps a caught error unchanged, whatever its name', () => {
    for (const info of [{ name: 'card-declined', message: 'no funds' }, { name: 'Timeout', message: "activity 'Slow' did not finish within 1000 ms" }, { name: 'a: b', message: '' }]) {
      const thrown = rethrow(toErrorInfo(new Error(`Activity function 'A' failed: ${wireText(info)} \n details`)));
      expect(toErrorInfo(thrown)).toEqual(info);
      expect(fromWireText(wireError(thrown).message)).toEqual(info);
    }
  });

  it('rethrow fails with InvalidErrorName for what is not an error', () => {
    expect(toErrorInfo(rethrow('oops'))).toEqual({ name: 'InvalidErrorName', message: 'fail: "oops" is not an error: rethrow the error a catch gives, { name, message }' });
    expect(toErrorInfo(rethrow({ name: '', message: 'm' })).name).toBe('InvalidErrorName');
    expect(toErrorInfo(rethrow({ message: 'm' })).message).toBe('fail: the error name undefined is not valid: an error name must be a string, got undefined');
  });
});
