/** runtime/ids.ts: the one pattern instance ids, event names and singleton keys must match. */
import { describe, expect, it } from 'vitest';
import { isValidName, NAME_PATTERN, nameError, nameProblem, urlPart } from '../../runtime/ids';

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
