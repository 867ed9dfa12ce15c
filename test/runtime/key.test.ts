/** rt.key: the run-time guard generated code puts around keys computed from data. */
import { describe, expect, it } from 'vitest';
import { key } from '../../runtime/values';

describe('rt.key', () => {
  it('passes ordinary keys through', () => {
    expect(key('name')).toBe('name');
    expect(key(3)).toBe(3);
  });
  it.each(['__proto__', 'constructor', 'prototype'])('refuses %s', (k) => {
    expect(() => key(k)).toThrow(/not allowed/);
  });
});
