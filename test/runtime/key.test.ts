/** rt.key, rt.newKey and rt.entries: the run-time guards generated code puts around keys computed from data. */
import { describe, expect, it } from 'vitest';
import { entries, key, newKey } from '../../runtime/values';

const FORBIDDEN = ['__proto__', 'constructor', 'prototype', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__'];
const HOOKS = ['toString', 'valueOf', 'toJSON', 'toLocaleString', 'then'];

describe('rt.key', () => {
  it('passes ordinary keys through, numbers as numbers', () => {
    expect(key('name')).toBe('name');
    expect(key(3)).toBe(3);
    expect(key(-0)).toBe(-0);
    expect(key(NaN)).toBeNaN();
    expect(key('toString')).toBe('toString'); // reading is fine; creating is not (newKey)
  });

  it.each(FORBIDDEN)('refuses %s', (k) => {
    expect(() => key(k)).toThrow(/not allowed in expressions/);
    expect(() => key(k)).toThrow(expect.objectContaining({ name: 'ForbiddenKey' }));
  });

  it('converts anything else once, to the string the engine would use, and checks that', () => {
    expect(key(null)).toBe('null');
    expect(key(true)).toBe('true');
    expect(() => key(['constr', 'uctor'].join(''))).toThrow(/not allowed/);
    expect(() => key(['constructor'])).toThrow(/not allowed/);
    expect(() => key({ toString: () => '__proto__' })).toThrow(/not allowed/);
    // An object answering differently on each conversion is converted exactly once.
    let calls = 0;
    const shifty = { toString: () => (calls++ === 0 ? 'safe' : 'constructor') };
    const k = key(shifty);
    expect(k).toBe('safe');
    expect(calls).toBe(1);
    expect(({ safe: 1 } as Record<string, number>)[k]).toBe(1);
    expect(() => key(Symbol('x'))).toThrow(/symbols are not keys/);
  });
});

describe('rt.newKey (keys an expression creates)', () => {
  it.each([...FORBIDDEN, ...HOOKS])('refuses %s', (k) => {
    expect(() => newKey(k)).toThrow(/not allowed in expressions/);
  });
  it('passes other keys', () => {
    expect(newKey('total')).toBe('total');
    expect(newKey(0)).toBe(0);
  });
});

describe('rt.entries (Object.fromEntries)', () => {
  it('keeps ordinary pairs, so fromEntries builds the same object', () => {
    expect(Object.fromEntries(entries([['a', 1], ['b', [2]]]))).toEqual({ a: 1, b: [2] });
    expect(Object.fromEntries(entries(new Map([['m', 1]])))).toEqual({ m: 1 });
  });
  it('refuses pairs that would plant a hook or reach the prototype, and lists that are not lists of pairs', () => {
    expect(() => entries([['toJSON', String]])).toThrow(/not allowed/);
    expect(() => entries([['__proto__', {}]])).toThrow(/not allowed/);
    expect(() => entries(null)).toThrow(TypeError);
    expect(() => entries({ length: 1, 0: ['a', 1] })).toThrow(TypeError);
    expect(() => entries(['ab'])).toThrow(TypeError);
  });
});
