/**
 * The catastrophic-backtracking check (compiler/src/expressions/regex.ts): the shapes it refuses,
 * the common patterns it lets through, and, for every pattern it lets through, a timed run against
 * hostile texts built from the pattern's own characters.
 */
import { describe, expect, it } from 'vitest';
import { MAX_BRANCHING, MAX_GROUP_DEPTH, MAX_PATTERN_LENGTH, regexProblem } from '../../compiler/src/expressions/regex';
import { prng } from '../helpers/prng';

const refused: Array<[string, string, string]> = [
  // pattern, flags, the part the error points at
  ['(a+)+$', '', 'a+'],
  ['^(a*)*b', '', 'a*'],
  ['(\\w+\\s?)*$', '', '\\w+'],
  ['(x+x+)+y', '', 'x+'],
  ['(a|ab)*c', '', 'a|ab'],
  ['(\\w|\\d)+!', '', '\\w|\\d'],
  ['(a|a)+b', '', 'a|a'],
  ['(.|\\s)*x', 's', '.|\\s'],
  ['(a?a)+b', '', 'a?'],
  ['(a{1,3})+b', '', 'a{1,3}'],
  ['(-a*a*)*$', '', 'a*'],
  ['(?:[a-z]+[0-9]*)+!', '', '[a-z]+'],
  ['(A|a)+b', 'i', 'A|a'],
  ['(a?){20}a{20}', '', 'a?'],
  ['(k|\u212a)+x', 'iu', 'k|\u212a'],
];

const accepted: Array<[string, string]> = [
  ['^[a-z0-9-]+$', ''],
  ['^[a-z]+(-[a-z]+)*$', ''],
  ['^\\w+(\\.\\w+)*@\\w+(\\.\\w+)+$', ''],
  ['^(\\d{1,3}\\.){3}\\d{1,3}$', ''],
  ['(,\\s*\\w+)*', ''],
  ['^\\d{4}-\\d{2}-\\d{2}$', ''],
  ['\\s+', 'g'],
  ['(foo|bar)+', ''],
  ['(ab?)+c', ''],
  ['(a?){3}', ''],
  ['(a|b|c)*d', ''],
  ['[^a-z0-9]+', 'gi'],
  ['(\\s|\\S)+', ''],
  ['(?=a+)a', ''],
  ['(\\w+),(\\w+)', ''],
  ['(?<year>\\d{4})-(?<m>\\d{2})', 'u'],
  ['\\p{L}+', 'u'],
  ['(x|\\u{1F600})+', 'u'],
  ['^((a+)-)+$', ''],
];

describe('regexProblem refuses the shapes that backtrack exponentially', () => {
  it.each(refused)('/%s/%s', (pattern, flags, culprit) => {
    const p = regexProblem(pattern, flags);
    expect(p?.kind, JSON.stringify(p)).toBe('catastrophic');
    expect(pattern.slice(p!.start, p!.end)).toBe(culprit);
    expect(p!.message).toMatch(/exponentially/);
  });
});

describe('regexProblem lets common safe patterns through', () => {
  it.each(accepted)('/%s/%s', (pattern, flags) => {
    expect(regexProblem(pattern, flags)).toBeUndefined();
  });

  it('each of them runs fast on hostile texts made of its own characters', () => {
    const r = prng(7);
    for (const [pattern, flags] of accepted) {
      const re = new RegExp(pattern, flags.replace('g', ''));
      const chars = [...new Set(pattern.replace(/\\[dwsp]|[\\^$()[\]{}?*+|]/g, '').split(''))].concat(['a', '1', ' ', '-', '.', '!']);
      const started = performance.now();
      for (let i = 0; i < 200; i++) {
        const text = Array.from({ length: 24 + Math.floor(r() * 24) }, () => chars[Math.floor(r() * chars.length)]).join('') + '!';
        re.test(text);
      }
      expect(performance.now() - started, pattern).toBeLessThan(500);
    }
  });
});

describe('regexProblem: syntax and limits', () => {
  it('reports what the engine reports for an invalid pattern', () => {
    expect(regexProblem('(', 'u')).toMatchObject({ kind: 'syntax', message: expect.stringContaining('Unterminated group') });
    expect(regexProblem('a{2,1}', '')).toMatchObject({ kind: 'syntax' });
  });

  it('refuses patterns too long or too deeply nested to check', () => {
    expect(regexProblem('a'.repeat(MAX_PATTERN_LENGTH + 1), '')).toMatchObject({ kind: 'limit' });
    expect(regexProblem('('.repeat(MAX_GROUP_DEPTH + 1) + ')'.repeat(MAX_GROUP_DEPTH + 1), '')).toMatchObject({ kind: 'limit' });
    expect(regexProblem('('.repeat(5000) + ')'.repeat(5000), '')).toMatchObject({ kind: 'limit' });
    expect(regexProblem('('.repeat(MAX_GROUP_DEPTH) + 'a' + ')'.repeat(MAX_GROUP_DEPTH), '')).toBeUndefined();
  });

  it('bounded repetition is allowed up to the branching budget', () => {
    expect(2 ** 10).toBeLessThanOrEqual(MAX_BRANCHING);
    expect(regexProblem('(a?){10}', '')).toBeUndefined();
    expect(regexProblem('(a?){11}', '')).toMatchObject({ kind: 'catastrophic' });
  });
});
