/** parseDuration: the short forms and ISO 8601, and what it refuses. */
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../runtime/durations';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['0s', 0],
    ['30s', 30_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['7d', 604_800_000],
    ['PT5M', 300_000],
    ['PT1.5S', 1_500],
    ['P1D', 86_400_000],
    ['P1DT2H', 93_600_000],
    ['PT1H30M15S', 5_415_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '5', 'm5', '5 m', '-5s', '1.5s', '5w', 'P', 'PT', 'P1DT', 'PT5', 'pt5m', ' 5s', '5s '])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
