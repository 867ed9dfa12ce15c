/** runtime/ids.ts: the one pattern instance ids, event names and singleton keys must match. */
import { describe, expect, it } from 'vitest';
import { generatedId, generatedIdTime, isValidName, NAME_PATTERN, nameError, nameProblem, REVERSE_TIME_MAX, urlPart } from '../../runtime/ids';

describe('instance ids, event names and singleton keys', () => {
  it.each(['a', 'report-ACME', '4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e', 'exec:12', 'ACME Corp+%', 'Zürich 🚀', '...', '.a', 'x'.repeat(100)])('accepts %j', (v) => {
    expect(nameProblem(v)).toBeUndefined();
    expect(new RegExp(NAME_PATTERN, 'u').test(v)).toBe(true);
  });

  it.each([
    ['', /is empty/],
    ['x'.repeat(101), /101 characters long \(at most 100\)/],
    ['a/b', /contains '\/'/],
    ['a\\b', /contains '\\'/],
    ['a#b', /contains '#'/],
    ['a?b', /contains '\?'/],
    ['a\u0000b', /U\+0000/],
    ['tab\there', /U\+0009/],
    ['del\u007f', /U\+007F/],
    ['c1\u0085', /U\+0085/],
    ['.', /dot segment/],
    ['..', /dot segment/],
    ['../../../orchestrators/X', /contains '\/'/],
  ])('refuses %j (%s)', (v, why) => {
    expect(nameProblem(v)).toMatch(why);
    expect(isValidName(v)).toBe(false);
    expect(new RegExp(NAME_PATTERN, 'u').test(v)).toBe(false);
  });

  it('refuses what is not a string', () => {
    expect(nameProblem(42)).toBe('is not a string');
    expect(nameProblem(undefined)).toBe('is not a string');
  });

  it('names the value and the rule, control characters escaped', () => {
    expect(nameError('event name', '../../x/terminate')).toBe(
      "event name '../../x/terminate' contains '/'; event names must be 1 to 100 characters, none of / \\ # ? and no control characters, and not '.' or '..'",
    );
    expect(nameError('singleton key', 'a\u0001b')).toContain("singleton key 'a\\u0001b' contains the control character U+0001");
    expect(nameError('instance id', 'fine')).toBeUndefined();
  });

  it('encodes what it lets through so it arrives as sent', () => {
    for (const v of ['ACME Corp+%', 'a&code=x', 'Zürich', '%2F', '...']) {
      const part = urlPart(v);
      expect(part).not.toMatch(/[/?#&+ ]/);
      expect(decodeURIComponent(part)).toBe(v);
      // resolving it against a base, as the durable client does, stays inside the base
      const url = new URL(`instances/${part}/raiseEvent/x`, 'http://127.0.0.1:7071/_internal/durabletask/secret/');
      expect(url.pathname.startsWith('/_internal/durabletask/secret/instances/')).toBe(true);
    }
  });
});

describe('generated instance ids', () => {
  const seeded = (seed: number) => () => (seed = (seed * 48271) % 2147483647) * 1024;

  it('carry the workflow prefix and sort newest first in ordinal order, whatever the random digits', () => {
    const random = seeded(7);
    const times = [0, 1, 999, 1_000, 1_733_000_000_000, 1_733_000_000_001, 4_102_444_800_000, REVERSE_TIME_MAX];
    const ids = times.map((t) => generatedId('processOrders', t, random)!);
    for (const id of ids) {
      expect(id).toMatch(/^processOrders~[0-9a-z]{17}$/);
      expect(isValidName(id)).toBe(true);
    }
    // Later start, smaller id (JavaScript's < is ordinal, as Azure Storage and SQLite compare).
    for (let i = 1; i < ids.length; i++) expect(ids[i] < ids[i - 1]).toBe(true);
    expect(ids.map((id) => generatedIdTime('processOrders', id))).toEqual(times);
  });

  it('are not made for a name that leaves no room for them, and are recognised only in their own shape', () => {
    expect(generatedId('w'.repeat(82), 0, () => 0)).toHaveLength(100);
    expect(generatedId('w'.repeat(83), 0, () => 0)).toBeUndefined();
    expect(generatedIdTime('hello', 'hello~abc')).toBeUndefined();
    expect(generatedIdTime('hello', 'hello~ABCDEFGHIJKLMNOPQ')).toBeUndefined();
    expect(generatedIdTime('hello', generatedId('other', 5, () => 1)!)).toBeUndefined();
    expect(generatedIdTime('hello', generatedId('hello', 5, () => 1)!)).toBe(5);
  });
});
