import { describe, expect, it } from 'vitest';
import { checkExpression, type ExpressionScope } from '../../compiler/src/expressions';
import type { Diagnostic } from '../../compiler/src/diagnostics';

// Every expression is placed at line 7, column 12 of a workflow file.
const LINE = 7;
const COL = 12;
const scope: ExpressionScope = {
  locals: ['item', 'index'],
  visibleSteps: ['charge', 'lookup'],
  allSteps: ['charge', 'lookup', 'ship', 'notify'],
};

function check(source: string, s: ExpressionScope = scope): Diagnostic[] {
  return checkExpression({ source, span: { file: 'workflows/w.yaml', start: { line: LINE, col: COL }, end: { line: LINE, col: COL + source.length } } }, s);
}

/** The single diagnostic, as `code line:col message`. */
function only(source: string, s: ExpressionScope = scope): { code: string; at: string; message: string } {
  const d = check(source, s);
  expect(d, JSON.stringify(d)).toHaveLength(1);
  return { code: d[0].code, at: `${d[0].span.start.line}:${d[0].span.start.col}`, message: d[0].message };
}

/** Where `sub` (its `nth` occurrence) starts, on a one-line expression. */
function pos(source: string, sub: string, nth = 0): string {
  let i = -1;
  for (let k = 0; k <= nth; k++) i = source.indexOf(sub, i + 1);
  if (i < 0) throw new Error(`'${sub}' not in '${source}'`);
  return `${LINE}:${COL + i}`;
}

describe('checkExpression accepts the safe subset', () => {
  const accepted = [
    'input',
    'input.customer.name',
    "input?.a?.[0] ?? 'none'",
    'input.items[index]',
    'input["order-id"]',
    'input.table[input.key]',
    'steps.charge.output',
    'steps.charge.output.receipt.id',
    'steps.charge?.output',
    'steps.lookup.output[0]',
    'vars.total * 1.2 + 3 - 1 / 2 % 5 ** 2',
    'item.price * index',
    "instanceId + '-' + workflow",
    'now',
    '`Hello ${input.name}, you owe ${vars.total.toFixed(2)}`',
    '{ a: 1, "b-c": [1, 2, ...input.list], ...input.obj, [input.key]: true }',
    '{ now, item }',
    '[1, "two", null, true, undefined, NaN, Infinity, -0]',
    'input.n > 3 && input.n <= 10 || !input.flag',
    'input.a === input.b ? "same" : "different"',
    "typeof input.x === 'string'",
    "'id' in input",
    '(input.a & 3) | (input.b << 2) ^ ~input.c',
    'input.items.map(i => i.price).reduce((a, b) => a + b, 0)',
    'input.items.filter((x) => x.qty > 0).length',
    'Object.entries(input.prices).map(([name, price]) => ({ name, price }))',
    'input.pairs.map(({ key, value: v }) => key + v)',
    'input.list.map((...all) => all.length)',
    'input.items.some(x => x.tags.every(t => t !== "x"))',
    'Math.max(...input.nums, 0)',
    'Math.round(input.x * 100) / 100',
    'Math.PI * 2 + Math.E',
    'input.nums.map((n) => Math.abs(n))',
    'input.strings.map((s) => Number(s)).filter((n) => Boolean(n))',
    'Number.MAX_SAFE_INTEGER > input.n && Number.isInteger(input.n)',
    'JSON.stringify(input)',
    'JSON.parse(input.raw).a',
    'Object.keys(input.table).length + Object.values(input.table).length',
    'Object.fromEntries(input.list.map(x => [x.id, x]))',
    'Array.isArray(input.x) ? input.x : [input.x]',
    'Array.from(input.s).length',
    'String(input.n).padStart(5, "0")',
    'parseInt(input.s, 10) + parseFloat(input.f)',
    'encodeURIComponent(input.q)',
    'input.name.trim().toUpperCase().split(" ").join("-")',
    'input.s.replaceAll("a", "b").startsWith("b")',
    'input.list.toSorted((a, b) => a - b).at(-1)',
    'input.list.slice(1).concat([1]).includes(1)',
    'input.list.with(0, 1).toReversed()',
    'input.a?.map(x => x)',
    'input.a.map?.(x => x)',
    'input /* a comment */ .a',
    'input.a // trailing comment',
  ];
  for (const source of accepted) {
    it(source, () => expect(check(source)).toEqual([]));
  }

  it('arrow parameters are in scope in their body and may shadow an enclosing parameter or local', () => {
    expect(check('input.list.map(x => input.other.map(y => x + y))')).toEqual([]);
    expect(check('input.list.map(x => x.map(x => x + 1))')).toEqual([]);
    expect(check('input.list.map(item => item.price)')).toEqual([]);
  });

  it('locals from the scope are names', () => {
    expect(check('output.total', { ...scope, locals: ['output'] })).toEqual([]);
    expect(check('error.message', { ...scope, locals: ['error'] })).toEqual([]);
  });
});

describe('checkExpression rejects, located at the offending sub-node', () => {
  it('DF301: a syntax error, at the error position', () => {
    const d = only('input.');
    expect(d.code).toBe('DF301');
    expect(d.message).toBe('invalid expression: Identifier expected.');
    expect(d.at).toBe(`${LINE}:${COL + 6}`);
    expect(only('input.a +').code).toBe('DF301');
    expect(only('(input').code).toBe('DF301');
  });

  it('DF301: statements, several expressions and semicolons', () => {
    expect(only('input.a; input.b')).toMatchObject({ code: 'DF301' });
    expect(only('input.a;')).toMatchObject({ code: 'DF301' });
    expect(only('input.a) + (input.b')).toMatchObject({ code: 'DF301', message: 'invalid expression: expected a single expression', at: `${LINE}:${COL}` });
    expect(only('let x = 1')).toMatchObject({ code: 'DF301' });
    expect(only('if (input) input')).toMatchObject({ code: 'DF301' });
  });

  it('DF302: unknown name with a did-you-mean', () => {
    expect(only('inptu.customer')).toEqual({ code: 'DF302', at: `${LINE}:${COL}`, message: "unknown name 'inptu' — did you mean 'input'?" });
    expect(only('input.a + itme.b')).toEqual({ code: 'DF302', at: pos('input.a + itme.b', 'itme'), message: "unknown name 'itme' — did you mean 'item'?" });
    expect(only('Mathh.max(1, 2)')).toMatchObject({ code: 'DF304' }); // a call to an unknown function is a call problem
    expect(only('[Mathh.PI]')).toMatchObject({ code: 'DF302', message: "unknown name 'Mathh' — did you mean 'Math'?", at: `${LINE}:${COL + 1}` });
  });

  it('DF302: unknown name without a close match lists what is in scope', () => {
    expect(only('process.env.SECRET')).toEqual({
      code: 'DF302',
      at: `${LINE}:${COL}`,
      message: "unknown name 'process'; in scope: index, input, instanceId, item, now, steps, vars, workflow",
    });
    expect(only('globalThis')).toMatchObject({ code: 'DF302' });
    expect(only('input.list.map(x => y)')).toMatchObject({ code: 'DF302', at: pos('input.list.map(x => y)', 'y)') });
  });

  it('DF302: a shorthand property reads a name', () => {
    expect(only('{ input, secret }')).toMatchObject({ code: 'DF302', at: pos('{ input, secret }', 'secret') });
  });

  it('DF302: a parameter is not in scope outside its arrow', () => {
    expect(only('input.a.map(x => x).concat(x)')).toMatchObject({ code: 'DF302', at: pos('input.a.map(x => x).concat(x)', 'x)', 1) });
  });

  const constructs: Array<[string, string, RegExp]> = [
    ['vars.x = 1', 'vars.x = 1', /^assignment \('='\) is not allowed in expressions: use a `set` step/],
    ['input.a + (vars.x += 1)', 'vars.x += 1', /^assignment \('\+='\)/],
    ['input.a ??= 2', 'input.a ??= 2', /^assignment \('\?\?='\)/],
    ['input.n++', 'input.n++', /^'\+\+' \(it assigns\) is not allowed/],
    ['1 + --input.n', '--input.n', /^'--' \(it assigns\) is not allowed/],
    ['(input.a, input.b)', ',', /^the comma operator is not allowed/],
    ['new Map()', 'new Map()', /^'new' is not allowed in expressions$/],
    ['this.x', 'this', /^'this' is not allowed/],
    ['delete input.a', 'delete input.a', /^'delete' is not allowed/],
    ['void input.a', 'void input.a', /^'void' \(write undefined or null\) is not allowed/],
    ['await input.a', 'await input.a', /^'await' is not allowed/],
    ['yield input', 'yield input', /^'yield' is not allowed/],
    ['input.a.map(function (x) { return x })', 'function', /^a 'function' expression \(pass an arrow function to a call\) is not allowed/],
    ['class {}', 'class', /^a class is not allowed/],
    ['{ toString() { return "x" } }', 'toString()', /^a method or accessor in an object literal is not allowed/],
    ['{ get x() { return 1 } }', 'get x', /^a method or accessor/],
    ['String.raw`a`', 'String.raw`a`', /^a tagged template is not allowed/],
    ['import.meta.url', 'import.meta', /^'import.meta' is not allowed/],
    ['new.target', 'new.target', /^'new.target' is not allowed/],
    ['super.x', 'super', /^'super' is not allowed/],
    ['#x in input', '#x', /^a private name is not allowed/],
    ['input.x satisfies any', 'input.x satisfies any', /^TypeScript type syntax/],
    ['<any>input', '<any>input', /^TypeScript type syntax/],
    ['input.a.map(({ [input.k]: v }) => v)', '[input.k]', /^computed keys are not allowed in destructuring$/],
    ['input as any', 'input as any', /^TypeScript type syntax is not allowed/],
    ['input!.a', 'input!', /^TypeScript type syntax/],
    ['input.a.map<number>(x => x)', 'input.a.map<number>(x => x)', /^TypeScript type syntax/],
    ['x => x', 'x => x', /^an arrow function is allowed only as the callback of every, filter, .* \(first argument\) and replace, replaceAll, Array.from \(second argument\)$/],
    ['{ f: () => 1 }', '() => 1', /^an arrow function is allowed only as the callback of/],
    ['input.a.map(x => { return x })', '{ return x }', /^an arrow function body must be an expression, not a block$/],
    ['input.a.map(async x => x)', 'async', /^'async' is not allowed/],
    ['input.a.map((x = input.b) => x)', 'input.b', /^default parameter values are not allowed/],
    ['input.a.map(({ k = 1 }) => k)', '1', /^default values are not allowed/],
    ['input.a.map((x: number) => x)', 'x: number', /^TypeScript type syntax/],
    ['steps[input.which].output', 'steps[input.which]', /^read a step as steps.<id>.output; computed step names are not allowed$/],
    ["steps['charge'].output", "steps['charge']", /computed step names/],
    ['[Math[input.fn]]', 'Math', /^'Math' can only be used as Math.<member>; allowed: Math.abs/],
    ['Object', 'Object', /^'Object' can only be used as Object.<member>/],
    ['input.a.map(JSON)', 'JSON', /^'JSON' can only be used as JSON.<member>/],
  ];
  for (const [source, sub, message] of constructs) {
    it(`DF303: ${source}`, () => {
      const d = only(source);
      expect(d.code).toBe('DF303');
      expect(d.message).toMatch(message);
      expect(d.at).toBe(pos(source, sub));
    });
  }

  it('DF303: Date in any form, suggesting now', () => {
    const hint = "'Date' is not allowed in expressions: it is not replay-safe; use `now` (the replay-safe current time, an ISO string)";
    expect(only('Date.now()')).toEqual({ code: 'DF303', at: `${LINE}:${COL}`, message: hint });
    expect(only('input.t < Date.now()')).toEqual({ code: 'DF303', at: pos('input.t < Date.now()', 'Date'), message: hint });
    expect(only('Date()')).toEqual({ code: 'DF303', at: `${LINE}:${COL}`, message: hint });
    expect(only('input.list.map(Date)')).toMatchObject({ code: 'DF303', at: pos('input.list.map(Date)', 'Date') });
    expect(only('new Date()')).toEqual({
      code: 'DF303',
      at: `${LINE}:${COL}`,
      message: "'new' is not allowed in expressions: 'Date' is not replay-safe; use `now` (the replay-safe current time, an ISO string)",
    });
  });

  it('Date as a property name or object key is fine', () => {
    expect(check('input.Date')).toEqual([]);
    expect(check('{ Date: now }')).toEqual([]);
  });

  const calls: Array<[string, string, RegExp]> = [
    ['fetch(input.url)', 'fetch', /^'fetch\(\.\.\.\)' is not an allowed function; allowed: Boolean, Number, String/],
    ['eval("1")', 'eval', /^'eval\(\.\.\.\)' is not an allowed function/],
    ['setTimeout(input.f, 1)', 'setTimeout', /^'setTimeout\(\.\.\.\)'/],
    ['require("fs")', 'require', /^'require\(\.\.\.\)'/],
    ['input.list.map(f => f(1))', 'f(1)', /^'f\(\.\.\.\)' is not an allowed function/],
    ['Object.assign({}, input)', 'Object.assign', /^'Object.assign' is not allowed; allowed: Object.entries, Object.fromEntries, Object.keys, Object.values$/],
    ['input.list.reduce(Object.assign, {})', 'Object.assign', /^'Object.assign' is not allowed/],
    ['JSON.rawJSON("1")', 'JSON.rawJSON', /^'JSON.rawJSON' is not allowed/],
    ['input.list.forEach(x => x)', 'input', /^'\.forEach\(\.\.\.\)' is not an allowed method$/],
    ['input.s.localeCompare("a")', 'input', /^'\.localeCompare\(\.\.\.\)' is not an allowed method$/],
    ['input.f.call(null)', 'input', /^'\.call\(\.\.\.\)' is not an allowed method$/],
    ['Math[input.fn](1)', 'Math[input.fn]', /^only named functions and methods may be called$/],
    ['input.list[0](1)', 'input.list[0]', /^only named functions and methods may be called$/],
    ['input.list.map(x => x)(1)', 'input.list.map(x => x)', /^only named functions and methods may be called$/],
    ['input.n + input.list.toLocaleString()', 'input.list', /^'\.toLocaleString\(\.\.\.\)' is not an allowed method$/],
    ['import("fs")', 'import', /^only named functions and methods may be called$/],
  ];
  for (const [source, sub, message] of calls) {
    it(`DF304: ${source}`, () => {
      const d = only(source);
      expect(d.code).toBe('DF304');
      expect(d.message).toMatch(message);
      expect(d.at).toBe(pos(source, sub));
    });
  }

  it('DF304: Math.random, called or passed, says it breaks replay', () => {
    const message =
      'Math.random is not allowed: an orchestrator replays, and a random value would differ on every replay; pass randomness in the input or compute it in an activity';
    expect(only('Math.random()')).toEqual({ code: 'DF304', at: `${LINE}:${COL}`, message });
    expect(only('input.n * Math.random()')).toEqual({ code: 'DF304', at: pos('input.n * Math.random()', 'Math'), message });
    expect(only('input.list.map(Math.random)')).toEqual({ code: 'DF304', at: pos('input.list.map(Math.random)', 'Math'), message });
    expect(only('Math.random?.()')).toEqual({ code: 'DF304', at: `${LINE}:${COL}`, message });
    expect(only('Math?.random()')).toEqual({ code: 'DF304', at: `${LINE}:${COL}`, message });
    expect(only('(Math).random()')).toMatchObject({ code: 'DF304', message: "'.random(...)' is not an allowed method" });
  });

  for (const method of ['push', 'pop', 'splice', 'sort', 'reverse', 'fill', 'shift', 'unshift', 'copyWithin']) {
    it(`DF304: mutating .${method}() says it mutates`, () => {
      const source = `steps.charge.output.items.${method}(1)`;
      expect(only(source)).toEqual({
        code: 'DF304',
        at: pos(source, 'steps'), // the whole call: the span covers steps...(1)
        message: `'.${method}(...)' mutates its target and is not allowed; use a non-mutating form (concat, slice, toSorted, toReversed, toSpliced, with)`,
      });
    });
  }

  const properties: Array<[string, string, string]> = [
    ['input.constructor', 'constructor', 'constructor'],
    ['input.a.__proto__.b', '__proto__', '__proto__'],
    ['input.f.prototype', 'prototype', 'prototype'],
    ['input["constructor"]', '"constructor"', 'constructor'],
    ['input?.["__proto__"]', '"__proto__"', '__proto__'],
    ['input.a.constructor("x")', 'constructor', 'constructor'],
    ['input[`prototype`]', '`prototype`', 'prototype'],
    ['input.list.map(({ constructor }) => constructor)', 'constructor', 'constructor'],
    ['input.a.map(([{ constructor: c }]) => c)', 'constructor', 'constructor'],
    ['input.list.map(x => x.constructor)', 'constructor', 'constructor'],
    ['Boolean.constructor', 'constructor', 'constructor'],
  ];
  for (const [source, sub, name] of properties) {
    it(`DF305: ${source}`, () => {
      expect(only(source)).toEqual({ code: 'DF305', at: pos(source, sub), message: `'${name}' is not allowed in expressions: it reaches the prototype chain` });
    });
  }

  it('DF305: __proto__ as an object key sets the prototype', () => {
    expect(only('{ __proto__: input }')).toEqual({ code: 'DF305', at: pos('{ __proto__: input }', '__proto__'), message: "'__proto__' is not allowed as an object key: it sets the prototype" });
    expect(only('{ "__proto__": input }')).toMatchObject({ code: 'DF305', at: pos('{ "__proto__": input }', '"__proto__"') });
    // A computed key would define an own property, but rt.newKey refuses it from data, so it is refused written out too;
    // other keys are plain data.
    expect(only('{ ["__proto__"]: 1 }')).toMatchObject({ code: 'DF305', at: pos('{ ["__proto__"]: 1 }', '"__proto__"') });
    expect(check('{ constructor: 2, prototype: 3 }')).toEqual([]);
  });
});

describe('step references', () => {
  it('DF207: a step without .output', () => {
    expect(only('steps.charge')).toEqual({ code: 'DF207', at: `${LINE}:${COL}`, message: "read a step's result as steps.charge.output" });
    expect(only('steps.charge.result')).toEqual({
      code: 'DF207',
      at: pos('steps.charge.result', 'result'),
      message: 'a step exposes only its output: write steps.charge.output, not steps.charge.result',
    });
    expect(only('Object.keys(steps)')).toEqual({ code: 'DF207', at: pos('Object.keys(steps)', 'steps'), message: "'steps' must be followed by .<id>.output" });
  });

  it('DF203: a step that has not run yet', () => {
    expect(only('input.a + steps.ship.output')).toEqual({
      code: 'DF203',
      at: pos('input.a + steps.ship.output', 'ship'),
      message: "step 'ship' is referenced before it has run: a step can read only steps that ran before it in this or an enclosing body",
    });
  });

  it('DF202: an unknown step with a did-you-mean', () => {
    expect(only('steps.chrage.output')).toEqual({ code: 'DF202', at: pos('steps.chrage.output', 'chrage'), message: "unknown step 'chrage' — did you mean 'charge'?" });
    expect(only('steps.zzzzzz.output')).toEqual({ code: 'DF202', at: pos('steps.zzzzzz.output', 'zzzzzz'), message: "unknown step 'zzzzzz'" });
  });

  it('reports every bad reference in one expression, in order', () => {
    const source = 'steps.ship.output + steps.chrage.output + steps.charge';
    expect(check(source).map((d) => `${d.code} ${d.span.start.line}:${d.span.start.col}`)).toEqual([
      `DF203 ${pos(source, 'ship')}`,
      `DF202 ${pos(source, 'chrage')}`,
      `DF207 ${pos(source, 'steps.charge')}`,
    ]);
  });
});

describe('singleton keys read only input', () => {
  const key: ExpressionScope = { locals: [], visibleSteps: [], allSteps: ['charge'], onlyInput: true };
  it('accepts input, literals and allowed functions', () => {
    expect(check('input.customer', key)).toEqual([]);
    expect(check('`${input.region}-${String(input.id).toLowerCase()}`', key)).toEqual([]);
    expect(check('input.ids.map(x => x * Math.PI).join(",")', key)).toEqual([]);
  });
  it('DF306 for any other name', () => {
    const message = (n: string): string => `a singleton key may only read 'input' (it is computed before the instance exists); '${n}' is not available`;
    expect(only('instanceId', key)).toEqual({ code: 'DF306', at: `${LINE}:${COL}`, message: message('instanceId') });
    expect(only('input.a + now', key)).toEqual({ code: 'DF306', at: pos('input.a + now', 'now'), message: message('now') });
    expect(only('steps.charge.output', key)).toEqual({ code: 'DF306', at: `${LINE}:${COL}`, message: message('steps') });
    expect(only('{ vars }', key)).toMatchObject({ code: 'DF306', at: pos('{ vars }', 'vars') });
  });
});

describe('locations in multi-line expressions', () => {
  it('advances lines and counts columns from the line start', () => {
    const d = only('input.a +\n  Math.random()');
    expect(d.code).toBe('DF304');
    expect(d.at).toBe(`${LINE + 1}:3`);
    const e = only('[\n  input.a,\n    inptu.b\n]');
    expect(e).toMatchObject({ code: 'DF302', at: `${LINE + 2}:5` });
  });

  it('a span covers the offending node', () => {
    const [d] = check('input.a + fetch(input.url)');
    expect(d.span.start).toEqual({ line: LINE, col: COL + 10 });
    expect(d.span.end).toEqual({ line: LINE, col: COL + 15 });
    const [m] = check('1 + input.items.push(2) + 3');
    expect(m.span.start).toEqual({ line: LINE, col: COL + 4 });
    expect(m.span.end).toEqual({ line: LINE, col: COL + 23 });
    const [x] = check('[\n  input.a,\n  steps.ship.output]');
    expect(x.span).toEqual({ file: 'workflows/w.yaml', start: { line: LINE + 2, col: 9 }, end: { line: LINE + 2, col: 13 } });
  });
});
