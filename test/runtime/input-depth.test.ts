/** runtime/start.ts nestedDeeperThan: the check behind the starter's MAX_INPUT_DEPTH (both engines: test/engines/input-depth.test.ts). */
import { describe, expect, it } from 'vitest';
import { MAX_INPUT_DEPTH, nestedDeeperThan } from '../../runtime/start';

describe('nestedDeeperThan', () => {
  it('counts objects and arrays alike, and values inside them not at all', () => {
    expect(nestedDeeperThan('text', 0)).toBe(false);
    expect(nestedDeeperThan(null, 0)).toBe(false);
    expect(nestedDeeperThan({}, 0)).toBe(true);
    expect(nestedDeeperThan({ a: [1, { b: 'x' }] }, 3)).toBe(false);
    expect(nestedDeeperThan({ a: [1, { b: 'x' }] }, 2)).toBe(true);
    // The deepest branch decides, wherever it is.
    expect(nestedDeeperThan([[], [[[]]], []], 3)).toBe(true);
  });

  it(`allows ${MAX_INPUT_DEPTH} levels and refuses one more`, () => {
    const arrays = (n: number): unknown => JSON.parse(`${'['.repeat(n)}${']'.repeat(n)}`);
    expect(nestedDeeperThan(arrays(MAX_INPUT_DEPTH), MAX_INPUT_DEPTH)).toBe(false);
    expect(nestedDeeperThan(arrays(MAX_INPUT_DEPTH + 1), MAX_INPUT_DEPTH)).toBe(true);
  });

  it('answers for hostile depth without a stack overflow', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(nestedDeeperThan(deep, MAX_INPUT_DEPTH)).toBe(true);
  });
});
