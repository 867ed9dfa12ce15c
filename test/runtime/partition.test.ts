/** How slices share a forEach's maxParallel (runtime/partition.ts): exactly the cap, never more. */
import { describe, expect, it } from 'vitest';
import { sliceCaps } from '../../runtime/partition';

describe('sliceCaps', () => {
  it('splits the cap into slots that sum to it exactly, each at least 1, never more slots than slices', () => {
    for (let slices = 1; slices <= 60; slices++) {
      for (const cap of [1, 2, 3, 4, 5, 7, 10, 16, 25, 64, 100, 1000]) {
        const { atOnce, slotCaps } = sliceCaps(slices, cap);
        expect(atOnce).toBe(slotCaps.length);
        expect(atOnce).toBeLessThanOrEqual(Math.min(slices, cap));
        expect(atOnce).toBeGreaterThanOrEqual(1);
        expect(slotCaps.reduce((a, b) => a! + b!, 0)).toBe(cap);
        expect(Math.min(...(slotCaps as number[]))).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it('runs two slices side by side when it can, and aims at about 10 items per slice above that', () => {
    expect(sliceCaps(20, 10)).toEqual({ atOnce: 2, slotCaps: [5, 5] });
    expect(sliceCaps(100, 100)).toEqual({ atOnce: 10, slotCaps: new Array(10).fill(10) });
    expect(sliceCaps(3, 25)).toEqual({ atOnce: 3, slotCaps: [9, 8, 8] });
    expect(sliceCaps(5, 1)).toEqual({ atOnce: 1, slotCaps: [1] });
  });

  it('runs every slice at once, uncapped, when the forEach has no maxParallel', () => {
    expect(sliceCaps(4, undefined)).toEqual({ atOnce: 4, slotCaps: [undefined, undefined, undefined, undefined] });
  });
});
