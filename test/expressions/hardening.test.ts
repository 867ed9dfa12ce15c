/**
 * The checker's defences against expressions that try to subvert the generated code or stall
 * the host: reserved parameter names (DF206), size limits (DF307), patterns from data (DF308),
 * catastrophic regular expressions (DF309), implicit hooks (DF305) and thisArg (DF304).
 * Every refusal is located at the offending sub-node.
 */
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../compiler/src/diagnostics';
import { checkExpression, type ExpressionScope } from '../../compiler/src/expressions';
import { MAX_DEPTH, MAX_EXPRESSION_LENGTH, MAX_NESTING, MAX_OPERATORS } from '../../compiler/src/expressions/parse';
import { GENERATED_NAMES, RESERVED_NAMES } from '../../compiler/src/names';

const LINE = 4;
const COL = 9;
const scope: ExpressionScope = { locals: ['item', 'index'], visibleSteps: ['charge'], allSteps: ['charge'] };

function check(source: string): Diagnostic[] {
  return checkExpression({ source, span: { file: 'workflows/w.yaml', start: { line: LINE, col: COL }, end: { line: LINE, col: COL + source.length } } }, scope);
}

function only(source: string): { code: string; at: string; message: string } {
  const d = check(source);
  expect(d, `${source}: ${JSON.stringify(d)}`).toHaveLength(1);
  return { code: d[0].code, at: `${d[0].span.start.line}:${d[0].span.start.col}`, message: d[0].message };
}

function pos(source: string, sub: string, nth = 0): string {
  let i = -1;
  for (let k = 0; k <= nth; k++) i = source.indexOf(sub, i + 1);
  if (i < 0) throw new Error(`'${sub}' not in '${source}'`);
  return `${LINE}:${COL + i}`;
}

describe('DF206: an expression may not declare a name the generated code or the language relies on', () => {
  it.each([...GENERATED_NAMES, 'now', 'instanceId', 'workflow', 'String', 'Math', 'JSON', 'eval', 'arguments', 'undefined', 'Date'])('%s as an arrow parameter', (name) => {
    const source = `input.list.map(${name} => 1)`;
    const d = only(source);
    expect(d.code).toBe('DF206');
    expect(d.at).toBe(pos(source, name, name === 'input' ? 1 : 0));
    expect(d.message).toMatch(new RegExp(`^'${name}' .* cannot name an arrow function parameter: choose another name$`));
  });

  it('in destructuring, nested arrows, rest parameters and with unicode escapes', () => {
    expect(only('input.list.map(({ a: rt }) => 1)')).toMatchObject({ code: 'DF206', at: pos('input.list.map(({ a: rt }) => 1)', 'rt') });
    expect(only('input.list.map(([x, run]) => x)')).toMatchObject({ code: 'DF206', at: pos('input.list.map(([x, run]) => x)', 'run') });
    expect(only('input.list.map(({ context }) => 1)')).toMatchObject({ code: 'DF206' });
    expect(only('input.list.map(x => x.map(df => df))')).toMatchObject({ code: 'DF206', at: pos('input.list.map(x => x.map(df => df))', 'df') });
    expect(only('input.list.map((...steps) => 1)')).toMatchObject({ code: 'DF206' });
    // The checker reads names as the engine does: `r\u0074` is `rt`.
    expect(only('input.list.map(r\\u0074 => 1)')).toMatchObject({ code: 'DF206', message: expect.stringMatching(/^'rt' is a name the generated code relies on/) });
  });

  it('the exploit that reached Function through a shadowed rt.key is refused', () => {
    const source = "[{ key: String }].map(rt => [0].map(JSON.parse('\"return process\"', [].map['constr' + 'uctor'])))";
    const d = check(source);
    expect(d.map((x) => x.code)).toContain('DF206');
  });

  it('every reserved name is refused, and ordinary names and shadowing of the workflow\'s own names are not', () => {
    for (const name of RESERVED_NAMES) {
      if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name)) continue;
      const d = check(`input.list.map((${name}) => 1)`);
      expect(d.length, name).toBeGreaterThan(0); // DF206, or a syntax error for keywords
    }
    expect(check('input.list.map(x => x.map(x => x))')).toEqual([]);
    expect(check('input.list.map(item => item.n + index)')).toEqual([]);
    expect(check('input.list.map(runner => runner.rt)')).toEqual([]);
  });
});

describe('DF307: size limits, checked before parsing so no input can exhaust the stack', () => {
  it('length', () => {
    const source = `"${'a'.repeat(MAX_EXPRESSION_LENGTH)}"`;
    expect(only(source)).toMatchObject({ code: 'DF307', at: `${LINE}:${COL + MAX_EXPRESSION_LENGTH}` });
  });

  it('bracket nesting: parentheses, arrays, objects, templates', () => {
    const parens = `${'('.repeat(MAX_NESTING + 1)}1${')'.repeat(MAX_NESTING + 1)}`;
    expect(only(parens)).toMatchObject({ code: 'DF307', at: `${LINE}:${COL + MAX_NESTING}`, message: expect.stringContaining(`more than ${MAX_NESTING} levels`) });
    expect(check(`${'('.repeat(MAX_NESTING)}1${')'.repeat(MAX_NESTING)}`)).toEqual([]);
    expect(only(`${'['.repeat(5000)}${']'.repeat(5000)}`).code).toBe('DF307');
    expect(only(`${'`${'.repeat(100)}1${'}`'.repeat(100)}`).code).toBe('DF307');
  });

  it('5,000 nested parentheses, 5,000 prefix operators, long operator chains', () => {
    expect(only(`${'('.repeat(4990)}1${')'.repeat(4990)}`).code).toBe('DF307');
    expect(only(`${'!'.repeat(5000)}1`)).toMatchObject({ code: 'DF307', at: `${LINE}:${COL + MAX_OPERATORS}` });
    expect(only(`${'- '.repeat(3000)}1`).code).toBe('DF307');
    expect(only(`${'input.a ? 1 : '.repeat(300)}2`).code).toBe('DF307');
    expect(only(`input.l.map(${'a => '.repeat(300)}1)`).code).toBe('DF307');
    expect(only(`${'input.a ** '.repeat(300)}2`).code).toBe('DF307');
    expect(only(`${'1 + '.repeat(MAX_DEPTH + 10)}1`)).toMatchObject({ code: 'DF307', message: expect.stringContaining(`more than ${MAX_DEPTH} levels`) });
    expect(only(`input${'.a'.repeat(MAX_DEPTH + 10)}`).code).toBe('DF307');
  });

  it('nesting hidden from a naive scan: in comments, after a quote inside a regex literal', () => {
    expect(only(`/* ${'('.repeat(300)} */ 1`).code).toBe('DF307');
    expect(only(`input.s.split(/'/) + ${'('.repeat(100)}1${')'.repeat(100)}`).code).toBe('DF307');
    expect(only(`typeof /'/ + ${'('.repeat(100)}1${')'.repeat(100)}`).code).not.toBe('DF301');
  });

  it('ordinary large expressions pass', () => {
    const terms = Array.from({ length: 100 }, (_, i) => `input.a${i}`).join(' + ');
    expect(check(terms)).toEqual([]);
    expect(check(`[${Array.from({ length: 500 }, (_, i) => `"s${i}"`).join(', ')}]`)).toEqual([]);
    expect(check('input.a === 1 || input.a === 2 || input.b !== 3 || input.c <= 4 || input.d >= 5')).toEqual([]);
  });
});

describe('regular expressions (DF301, DF308, DF309)', () => {
  it('regex literals are allowed and checked where they stand', () => {
    expect(check('input.s.replace(/[^a-z0-9]+/gi, "-").split(/\\s*,\\s*/)')).toEqual([]);
    expect(check('input.s.match(/^(-[a-z]+)*$/)')).toEqual([]);
    expect(check('[...input.s.matchAll(/\\d+/g)].length + input.s.search(/x/)')).toEqual([]);
  });

  it('DF309 at the offending part of a catastrophic regex literal', () => {
    const source = 'input.s.replace(/^(a+)+$/, "")';
    expect(only(source)).toMatchObject({ code: 'DF309', at: pos(source, 'a+'), message: expect.stringMatching(/^nested quantifier: 'a\+' repeats inside '\(a\+\)\+'/) });
    const alt = 'input.s.split(/(a|ab)*c/)';
    expect(only(alt)).toMatchObject({ code: 'DF309', at: pos(alt, 'a|ab') });
    const deep = '[/(x+x+)+y/]';
    expect(only(deep)).toMatchObject({ code: 'DF309', at: pos(deep, 'x+') });
  });

  it('DF301 for an invalid regex or an unsupported flag', () => {
    expect(only('input.s.replace(/a/v, "")')).toMatchObject({ code: 'DF301', message: expect.stringContaining("flags 'v'") });
    expect(only('input.s.replace(/a/gg, "")').code).toBe('DF301');
  });

  it('DF308: match, matchAll and search with a pattern that is not written literally', () => {
    for (const m of ['match', 'matchAll', 'search']) {
      const source = `input.s.${m}(input.p)`;
      expect(only(source)).toMatchObject({ code: 'DF308', at: pos(source, 'input.p'), message: expect.stringContaining(`'.${m}(...)' compiles its argument into a regular expression`) });
    }
    expect(only('input.s.match(...input.args)').code).toBe('DF308');
    expect(only('input.s.match(`${input.p}`)').code).toBe('DF308');
  });

  it('a string literal given to match is checked as the pattern it becomes; split and replace take strings as text', () => {
    const source = 'input.s.match("(a+)+$")';
    expect(only(source)).toMatchObject({ code: 'DF309', at: pos(source, '"(a+)+$"') });
    expect(check('input.s.match("a.c")')).toEqual([]);
    expect(check('input.s.split(input.sep).join(input.glue) + input.s.replaceAll(input.p, "")')).toEqual([]);
  });
});

describe('no function an expression picks up can be called behind its back', () => {
  it('DF304: a thisArg or a reviver', () => {
    const source = "[input.p].map(''.match, input.s)";
    expect(only(source)).toMatchObject({ code: 'DF304', at: pos(source, 'input.s'), message: expect.stringContaining('a thisArg') });
    expect(only('input.l.filter(x => x, input.o)').code).toBe('DF304');
    expect(only('input.l.map(...input.args)').code).toBe('DF304');
    expect(only('Array.from(input.l, x => x, input.o)').code).toBe('DF304');
    expect(only('JSON.parse(input.s, (k, v) => v)')).toMatchObject({ code: 'DF304', message: expect.stringContaining('a reviver') });
    expect(only('Object.fromEntries(...input.l)').code).toBe('DF304');
    expect(check('Array.from(input.l, x => x * 2).map(x => x)')).toEqual([]);
  });

  it('DF305: keys JavaScript calls by itself', () => {
    const source = "JSON.stringify({ [input.p]: { toJSON: ''.match, toString: [].join, length: 1, 0: input.s } })";
    const d = check(source);
    expect(d.map((x) => `${x.code} ${x.span.start.line}:${x.span.start.col}`)).toEqual([`DF305 ${pos(source, 'toJSON')}`, `DF305 ${pos(source, 'toString')}`]);
    for (const key of ['valueOf', 'toLocaleString', 'then', '"toJSON"', '["toString"]']) expect(only(`{ ${key}: 1 }`).code, key).toBe('DF305');
  });
});

describe('found by the expression fuzzer', () => {
  it('DF301: ?? mixed with || or && (TypeScript parses it, JavaScript refuses the module)', () => {
    for (const source of ['input.a ?? input.b || input.c', 'input.a && input.b ?? input.c', 'input.a ?? (input.b || input.c) && input.d ?? 1']) {
      const d = check(source);
      expect(d.map((x) => x.code), source).toEqual(['DF301']);
    }
    expect(check('(input.a ?? input.b) || input.c')).toEqual([]);
  });

  it('DF301: a parameter declared twice (JavaScript refuses the module)', () => {
    const source = 'input.l.map((x, x) => x)';
    expect(only(source)).toMatchObject({ code: 'DF301', at: pos(source, 'x', 1), message: "invalid expression: parameter 'x' is declared twice" });
    expect(only('input.l.map(({ a: x }, [x]) => x)').code).toBe('DF301');
  });
});
