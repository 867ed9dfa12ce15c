/**
 * Capabilities, not names (issue 24, item 2): a builtin function or method may be called only
 * where the checker sees the call itself (`s.match(/a/)`, `Math.max(a, b)`, `String(x)`), never
 * read as a value, stored, passed or aliased; callbacks are inline arrows, and only where a
 * function takes one. Before this, the checker looked at names only: `({ map: "".match }).map(p)`
 * called String.prototype.match under the allowed name `map`, with a pattern from the input.
 * Every refusal is located at the sub-node that reads the function.
 */
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../compiler/src/diagnostics';
import { checkExpression, translateExpression, type ExpressionScope } from '../../compiler/src/expressions';
import { ALLOWED_METHODS, BUILTIN_METHOD_NAMES, builtinMethodNames } from '../../compiler/src/expressions/allowlist';
import { checkSources } from '../../compiler/src/front-end';
import * as values from '../../runtime/values';

const LINE = 5;
const COL = 11;
const scope: ExpressionScope = { locals: ['item', 'index'], visibleSteps: ['charge'], allSteps: ['charge'] };

function check(source: string): Diagnostic[] {
  return checkExpression({ source, span: { file: 'workflows/w.yaml', start: { line: LINE, col: COL }, end: { line: LINE, col: COL + source.length } } }, scope);
}

function pos(source: string, sub: string, nth = 0): string {
  let i = -1;
  for (let k = 0; k <= nth; k++) i = source.indexOf(sub, i + 1);
  if (i < 0) throw new Error(`'${sub}' not in '${source}'`);
  return `${LINE}:${COL + i}`;
}

/** Every diagnostic as `code line:col`. */
function located(source: string): string[] {
  return check(source).map((d) => `${d.code} ${d.span.start.line}:${d.span.start.col}`);
}

/** The first diagnostic as `code line:col`, and its message. */
function first(source: string): { code: string; at: string; message: string } {
  const d = check(source);
  expect(d.length, `${source} was accepted`).toBeGreaterThan(0);
  return { code: d[0].code, at: `${d[0].span.start.line}:${d[0].span.start.col}`, message: d[0].message };
}

const METHOD_AS_VALUE = /^'\.(\w+)' is a method: it may only be called where it is written \(x\.\1\(\.\.\.\)\), never read as a value, stored or passed$/;

describe('the attacks of issue 24 are refused', () => {
  it('a method stored under an allowed name: ({ map: "".match }).map(input.p)', () => {
    const source = '({ map: "".match }).map(input.p)';
    // Before: accepted, and the translation ran String.prototype.match with the input's pattern.
    expect(located(source)).toEqual([`DF304 ${pos(source, 'input.p')}`, `DF304 ${pos(source, 'match')}`]);
    expect(check(source)[1].message).toMatch(METHOD_AS_VALUE);
    expect(check(source)[0].message).toBe("the callback of '.map(...)' must be an arrow function written here (x => ...): a function passed by name or from data could be any method");
  });

  it('the attack, as it ran before: the translation compiles a pattern taken from the input', () => {
    // What the checker now refuses did run: the regular expression came from data (DF308's promise).
    const translated = translateExpression('({ map: "".match }).map(input.p)', {});
    const run = new Function('input', 'rt', `return ${translated};`) as (input: unknown, rt: unknown) => unknown;
    expect(run({ p: 'obj(ect)' }, values)).toEqual(expect.arrayContaining(['object', 'ect']));
  });

  it('Object.fromEntries stored under map builds a toJSON function and an own __proto__ key', () => {
    const source = '({ map: Object.fromEntries }).map([["toJSON", "".concat], ["__proto__", { a: 1 }]])';
    const d = check(source);
    // The callback's place holds a list, and in it a method read as a value; then the callee.
    expect(located(source)).toEqual([`DF304 ${pos(source, 'concat')}`, `DF304 ${pos(source, 'Object')}`]);
    expect(d[1].message).toBe("'Object.fromEntries' may only be called where it is written (Object.fromEntries(...)), never read as a value, stored or passed; to pass it as a callback, write an arrow: x => Object.fromEntries(x)");
  });

  it('no function-valued argument to JSON.stringify: no replacer arrow, no method, no spread', () => {
    const arrow = 'JSON.stringify(input.o, (k, v) => v)';
    expect(first(arrow)).toMatchObject({ code: 'DF303', at: pos(arrow, '(k, v)'), message: expect.stringMatching(/^an arrow function is allowed only as the callback of/) });
    const method = 'JSON.stringify(input.o, "".match)';
    expect(first(method)).toMatchObject({ code: 'DF304', at: pos(method, 'match'), message: expect.stringMatching(METHOD_AS_VALUE) });
    const spread = 'JSON.stringify(...input.args)';
    expect(first(spread)).toMatchObject({ code: 'DF304', at: pos(spread, '...'), message: "'JSON.stringify(...)' could receive a function through a spread argument: write its arguments out (no spread)" });
    // What stays: data replacers (a list of keys) and the indentation.
    expect(check('JSON.stringify(input.o, ["a", "b"], 2)')).toEqual([]);
    expect(check('JSON.stringify(input.o, null, 2)')).toEqual([]);
  });
});

describe('aliasing and indirection: a function is never a value', () => {
  const refused: Array<[string, string, string]> = [
    // object literals holding functions
    ['{ f: Math.max }', 'DF304', 'Math.max'],
    ['{ String }', 'DF304', 'String'],
    // arrays of functions
    ['[Math.max, String]', 'DF304', 'Math.max'],
    // destructured methods
    ['input.list.map(({ match }) => match)', 'DF304', 'match'],
    ['[input.s].map(({ match: m }) => ({ map: m }))', 'DF304', 'match'],
    ['Object.entries(input.o).map(([k, { at }]) => at)', 'DF304', 'at'],
    ['input.list.map(({ "search": s }) => s)', 'DF304', '"search"'],
    // .call / .apply / .bind
    ['input.s.match.call(input.t, input.p)', 'DF304', 'input.s.match.call'],
    ['Math.max.apply(null, input.list)', 'DF304', 'Math.max'],
    ['"".match.bind(input.s)', 'DF304', '""'],
    ['input.list.map.call(input.o, x => x)', 'DF304', 'input'],
    ['{ f: "".match.bind }', 'DF304', 'match'],
    // getters and accessor helpers
    ['{ get map() { return 1 } }', 'DF303', 'get map'],
    ['input.o.__lookupGetter__("x")', 'DF305', '__lookupGetter__'],
    // computed member access, constant keys folded
    ['input.s["ma" + "tch"](input.p)', 'DF304', 'input'],
    ['input.s[("constr" + "uctor")]', 'DF305', '("constr" + "uctor")'],
    ['Math["max"]', 'DF303', 'Math'],
    // optional chaining
    ['({ map: input.s?.match }).map?.(input.p)', 'DF304', 'input.p'],
    // spread of functions
    ['[...[Math.max]]', 'DF304', 'Math.max'],
    ['Math.max(...[String])', 'DF304', 'String'],
    ['input.list.map(...input.fns)', 'DF304', '...'],
    ['input.s.replace(...input.args)', 'DF304', '...'],
    ['Array.from(...input.args)', 'DF304', '...'],
    // default parameters
    ['input.list.map((f = input.s.match) => f)', 'DF303', 'input.s.match'],
    ['input.list.map(({ f = Math.max }) => f)', 'DF303', 'Math.max'],
    // comma and conditional expressions yielding methods
    ['(0, "".match)(input.p)', 'DF304', '(0'],
    ['(input.c ? input.a.map : input.b.map)(x => x)', 'DF304', '(input.c'],
    ['({ map: input.c ? "".match : "".search }).map(input.p)', 'DF304', 'match'],
    ['({ map: input.a || "".match }).map(input.p)', 'DF304', 'match'],
    ['(input.s.match)(input.p)', 'DF304', '(input'],
    // tagged templates, new, constructor
    ['"".match`(a+)+$`', 'DF303', '"".match`(a+)+$`'],
    ['new input.s.match(input.p)', 'DF303', 'new'],
    ['input.s.match.constructor', 'DF305', 'constructor'],
    // plain functions and namespace members passed as callbacks
    ['input.list.map(String)', 'DF304', 'String'],
    ['input.list.filter(Boolean)', 'DF304', 'Boolean'],
    ['input.list.map(parseInt)', 'DF304', 'parseInt'],
    ['input.nums.map(Math.abs)', 'DF304', 'Math.abs'],
    ['input.nums.reduce(Math.max)', 'DF304', 'Math.max'],
    ['Array.from(input.s, Number)', 'DF304', 'Number'],
    ['input.list.map(JSON.stringify)', 'DF304', 'JSON.stringify'],
    ['typeof String', 'DF304', 'String'],
    // a callback must be an arrow written in place
    ['input.list.map(input.f)', 'DF304', 'input.f'],
    ['input.list.toSorted(vars.cmp)', 'DF304', 'vars.cmp'],
    ['input.list.reduce(input.f, 0)', 'DF304', 'input.f'],
    ['Array.from(input.s, input.f)', 'DF304', 'input.f'],
    ['input.list.map((x => x))', 'DF303', 'x => x'],
    // arrows only where a function takes a callback
    ['String(x => input.p)', 'DF303', 'x => input.p'],
    ['Array.of(x => x)', 'DF303', 'x => x'],
    ['input.list.concat(x => 1)', 'DF303', 'x => 1'],
    ['input.list.includes(x => x)', 'DF303', 'x => x'],
    ['input.list.map(x => 1, y => 2)', 'DF304', 'y => 2'],
    ['input.list.reduce((a, b) => a, (a, b) => b)', 'DF303', '(a, b) => b'],
    ['Object.fromEntries([["a", x => x]])', 'DF303', 'x => x'],
    // methods of regular expressions and iterators are values too
    ['/a/.exec', 'DF304', 'exec'],
    ['({ map: /(a+)+$/.test }).map(input.s)', 'DF304', 'test'],
    ['input.list.values().next', 'DF304', 'next'],
    ['input.o.hasOwnProperty', 'DF304', 'hasOwnProperty'],
    ['input.s.valueOf', 'DF304', 'valueOf'],
    ['vars.hasOwnProperty', 'DF304', 'hasOwnProperty'],
    ['({ map: vars.toString }).map(1)', 'DF304', 'toString'],
  ];
  for (const [source, code, sub] of refused) {
    it(`${code} at '${sub}': ${source}`, () => {
      expect(located(source)).toContain(`${code} ${pos(source, sub)}`);
    });
  }

  // A property named like a method, read from data, is data: `page.next`, `item.values`. It
  // compiles; the read goes through rt.notFunction, so where it holds a method (a string's
  // `match`) the step fails when it runs, and no function is ever a value.
  const dataReads = [
    '{ m: input.s.match }.m',
    '({ toFixed: input.s.match }).toFixed(input.p)',
    '[input.s.match][0]',
    '[input.list.map].concat([])',
    'input.s["match"]',
    '({ m: input.s["ma" + "tch"] }).m',
    '({ m: input.s[`ma${"tch"}`] })',
    'input.s?.match',
    'input.s?.["match"]',
    '{ ...{ m: input.s.search } }',
    '`${input.s.link}`',
    'steps.charge.output.values',
  ];
  for (const source of dataReads) {
    it(`checked when it runs: ${source}`, () => {
      expect(check(source)).toEqual([]);
      const translated = translateExpression(source, { steps: 'steps' });
      expect(translated).toContain('rt.notFunction(');
      const run = new Function('input', 'steps', 'rt', `return ${translated};`) as (input: unknown, steps: unknown, rt: unknown) => unknown;
      const methods = { s: 'text', list: [1], p: 'x' };
      expect(() => run(methods, { charge: { output: [1] } }, values)).toThrow(expect.objectContaining({ name: 'ForbiddenKey', message: expect.stringContaining('holds a method here, not data') }));
      // the same keys holding data read as data
      const data = { s: { match: 'm', search: 's', link: 'l', map: 'mp' }, list: { map: 'mp' }, p: 'x' };
      expect(() => run(data, { charge: { output: { values: [1] } } }, values)).not.toThrow(expect.objectContaining({ name: 'ForbiddenKey' }));
    });
  }

  it('messages say what to write instead', () => {
    expect(first('[String]').message).toBe(
      "'String' may only be called where it is written (String(...)), never read as a value, stored or passed; to pass it as a callback, write an arrow: x => String(x)",
    );
    expect(first('input.list.map(String)').message).toBe(
      "'String' may only be called where it is written (String(...)), never read as a value, stored or passed; to pass it as a callback, write an arrow: x => String(x)",
    );
    expect(first('input.list.map(input.f)').message).toBe("the callback of '.map(...)' must be an arrow function written here (x => ...): a function passed by name or from data could be any method");
    expect(first('Array.of(x => x)').message).toBe(
      "an arrow function is allowed only as the callback of every, filter, find, findIndex, findLast, findLastIndex, flatMap, map, reduce, reduceRight, some, toSorted (first argument) and replace, replaceAll, Array.from (second argument)",
    );
    expect(first('input.list.map(({ match }) => match)').message).toBe("'match' names a method: it cannot be destructured (a method may only be called where it is written)");
  });

  it('what stays allowed: calls where they are written, inline callbacks, data that happens to share a name in a key', () => {
    for (const source of [
      'input.list.map(x => String(x))',
      'input.list.filter((x) => Boolean(x))',
      'input.nums.map((n) => Math.abs(n)).reduce((a, b) => Math.max(a, b), 0)',
      'Array.from(input.s, (c) => c.charCodeAt(0))',
      'Array.from({ length: 3 }, (_, i) => i)',
      'input.s.replace(/a/g, (m) => m.toUpperCase())',
      'input.s.replaceAll("a", "b")',
      'input.s.replace(/a/g, input.text)',
      'input.list.toSorted((a, b) => a - b)',
      'input.list.toSorted()',
      'input.s?.match(/a+/)',
      'input.s.match?.(/a+/)',
      'input.list?.map((x) => x)',
      'Math.max(...input.nums, 0)',
      'String.fromCharCode(...input.codes)',
      'Number.MAX_SAFE_INTEGER',
      'Math.PI',
      '{ map: 1, values: [1, 2], match: "x" }',
      'input.list.length + input.s.length',
      '/a+/g.source + /a/.flags',
      'input.o.name',
      'input.o[input.k]',
      '"match" in input.o',
      'input.list.map(({ name, price: p }) => name + p)',
      'input.list.reduce((acc, x) => acc + x.n, 0)',
      'input.s.replace(/(\\d+)/, (m, d) => String(Number(d) + 1))',
      // steps.<id> names a step that ran, vars.<name> a variable (plain objects the generated code makes)
      'steps.charge.output.total',
      'vars.map + vars.values.length',
    ]) {
      expect(check(source), source).toEqual([]);
    }
  });
});

describe('the list of builtin method names', () => {
  it('holds every function every builtin prototype an expression can reach defines on this engine', () => {
    const engine = builtinMethodNames();
    const missing = engine.filter((n) => !BUILTIN_METHOD_NAMES.includes(n));
    expect(missing, 'add these to BUILTIN_METHOD_NAMES (allowlist.ts)').toEqual([]);
    for (const m of ALLOWED_METHODS) expect(BUILTIN_METHOD_NAMES, m).toContain(m);
  });
});

describe('a key from data cannot read a method either (checked when the code runs)', () => {
  /** The translation, run as the generated code runs it (rt is the runtime's values module). */
  const run = (source: string, input: unknown): unknown => {
    expect(check(source), source).toEqual([]);
    const translated = translateExpression(source, {});
    return (new Function('input', 'rt', `return ${translated};`) as (input: unknown, rt: unknown) => unknown)(input, values);
  };

  it('({ includes: input.s[input.k] }).includes(input.p) with k = "match" fails with ForbiddenKey, before any pattern is compiled', () => {
    const source = '({ includes: input.s[input.k] }).includes(input.p)';
    // Before: String.prototype.match ran on the planted object with the caller's pattern.
    expect(() => run(source, { s: 'x', k: 'match', p: '(ob)ject' })).toThrow(expect.objectContaining({ name: 'ForbiddenKey' }));
    // Data under such a key is read as before.
    expect(run('{ m: input.o[input.k] }.m', { o: { match: ['a'] }, k: 'match' })).toEqual(['a']);
    expect(run('input.table[input.k]', { table: { small: 1, big: 2 }, k: 'big' })).toBe(2);
    expect(run('input.list[input.i]', { list: [5, 6], i: 1 })).toBe(6);
  });

  it('through optional chains, nested keys and method calls on what was read', () => {
    const input = { s: 'abc', k: 'match', k2: 'call', o: null };
    expect(() => run('[input.s?.[input.k]]', input)).toThrow(expect.objectContaining({ name: 'ForbiddenKey' }));
    expect(() => run('{ a: input.s[input.k]?.valueOf() }', input)).toThrow(expect.objectContaining({ name: 'ForbiddenKey' }));
    expect(() => run('input.s[input.k][input.k2]', input)).toThrow(expect.objectContaining({ name: 'ForbiddenKey' }));
    expect(() => run('Object.values({ a: input.s[input.k] })', input)).toThrow(expect.objectContaining({ name: 'ForbiddenKey' }));
    // An optional chain still stops at null, and what is not a function passes.
    expect(run('input.o?.[input.k].x', input)).toBeUndefined();
    expect(run('input.s[input.k].name', input)).toBe('match');
    expect(run('input.s[1]', input)).toBe('b');
  });
});

describe('in a workflow file', () => {
  it('each refusal is located at file:line:col of the function read inside the expression', () => {
    const text = [
      'dsl: 1',
      'name: probe',
      'steps:',
      '  - set:',
      `      r: '\${ ({ map: "".match }).map(x => x) }'`,
      `      s: '\${ JSON.stringify(input, (k, v) => v) }'`,
      `      t: '\${ input.list.filter(Boolean) }'`,
      'output: ${ [vars.r, vars.s, vars.t] }',
      '',
    ].join('\n');
    const front = checkSources('/nowhere', [{ file: 'workflows/probe.yaml', text }], []);
    const at = (line: number, sub: string): string => `workflows/probe.yaml:${line}:${text.split('\n')[line - 1].indexOf(sub) + 1}`;
    expect(front.diagnostics.map((d) => `${d.span.file}:${d.span.start.line}:${d.span.start.col} ${d.code}`)).toEqual([
      `${at(5, 'match')} DF304`,
      `${at(6, '(k, v)')} DF303`,
      `${at(7, 'Boolean')} DF304`,
    ]);
  });
});

describe('every way to hold a function, in every place a value can go', () => {
  /** Expressions whose value is a function (or an arrow out of a callback's place). */
  const FUNCTIONS = [
    '"".match', '[].concat', '/a/.exec', '(input.s).valueOf', 'input.s.toString',
    'input.list.values().next', 'vars.o.hasOwnProperty', 'vars.toString', 'Math.max', 'Object.fromEntries', 'JSON.stringify', 'Array.from', 'String',
    'Boolean', 'parseInt', '(x => input.p)',
  ];
  /** Places a value can go; F is replaced by the function. */
  const PLACES = [
    '{ map: F }.map(x => x)', '[F]', '[F][0]', '[...[F]]', '{ ...{ m: F } }', 'input.c ? F : 1', 'input.a || F', 'input.a ?? F', 'input.a && F',
    'JSON.stringify(input, F)', 'input.list.map(F)', 'input.list.filter(F)', 'input.list.reduce(F, 0)', 'input.list.reduce((a, b) => a, F)',
    'input.list.toSorted(F)', 'Array.from(input.s, F)', 'input.s.replace(/a/, F)', 'input.s.replaceAll("a", F)', 'Math.max(F)', 'String(F)',
    '`${F}`', 'typeof F', 'F === 1', 'Object.values({ m: F })', 'Object.fromEntries([["map", F]])', 'input.list.map(x => F)',
    'input.list.find(x => x === F)', '(F)', 'input.list.concat(F)', 'input.list.includes(F)', 'Array.of(F)', '{ [input.k]: F }',
  ];
  const callbackPlace = (place: string): boolean => /^(input\.list\.(map|filter|toSorted|reduce)\(F|Array\.from\(input\.s, F|input\.s\.replace(All)?\()/.test(place);

  it('is refused, located inside the function it reads', () => {
    let cases = 0;
    for (const fn of FUNCTIONS) {
      for (const place of PLACES) {
        if (fn.startsWith('(x =>') && callbackPlace(place)) continue; // the one place a written arrow belongs (if unwrapped)
        const source = place.replace('F', fn);
        const from = COL + place.indexOf('F');
        const d = check(source);
        expect(d.length, `${source} was accepted`).toBeGreaterThan(0);
        expect(
          d.some((x) => x.span.start.line === LINE && x.span.start.col >= from && x.span.start.col < from + fn.length),
          `${source}: ${d.map((x) => `${x.code} ${x.span.start.col} ${x.message}`).join('; ')}`,
        ).toBe(true);
        cases++;
      }
    }
    expect(cases).toBeGreaterThan(480);
  });
});
