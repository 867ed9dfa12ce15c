import { describe, expect, it } from 'vitest';
import { ts } from 'ts-morph';
import { checkExpression, referencedSteps, translateExpression } from '../../compiler/src/expressions';
import * as rt from '../../runtime/values';

const rename = {
  input: 'ctx.input',
  steps: 'ctx.steps',
  vars: 'ctx.vars',
  now: 'now()',
  instanceId: 'context.df.instanceId',
  workflow: '"hello"',
};
const tr = (source: string): string => translateExpression(source, rename, 'J');

describe('translateExpression', () => {
  it('renames free identifiers', () => {
    expect(tr('input.customer.name')).toBe('ctx.input.customer.name');
    expect(tr("instanceId + '-' + workflow")).toBe(`(context.df.instanceId + '-' + "hello")`);
    expect(tr('now')).toBe('now()');
    expect(tr('steps.charge.output.id')).toBe('ctx.steps.charge.output.id');
  });

  it('keeps identifiers it is not told to rename verbatim', () => {
    expect(tr('item.price * index')).toBe('(item.price * index)');
    expect(tr('Math.max(input.a, 1)')).toBe('Math.max(ctx.input.a, 1)');
  });

  it('never renames property names or object keys', () => {
    expect(tr('input.input.now')).toBe('ctx.input.input.now');
    expect(tr('{ input: 1, now: input.now }')).toBe('({ input: 1, now: ctx.input.now })');
    expect(tr('vars?.steps')).toBe('(ctx.vars?.steps)');
  });

  it('expands shorthand properties', () => {
    expect(tr('{ now }')).toBe('({ now: now() })');
    expect(tr('{ now, item, input }')).toBe('({ now: now(), item, input: ctx.input })');
  });

  it('arrow parameters shadow free names and are annotated', () => {
    expect(tr('input.list.map(input => input.x + now)')).toBe('ctx.input.list.map((input: J) => input.x + now())');
    expect(tr('input.list.map((a, b) => a + b)')).toBe('ctx.input.list.map((a: J, b: J) => a + b)');
    expect(tr('input.list.map(x => ({ now, x }))')).toBe('ctx.input.list.map((x: J) => ({ now: now(), x }))');
    expect(() => tr('input.list.map(now => ({ now }))')).toThrow(/declares 'now', a name the generated code relies on/);
    expect(tr('input.list.map(x => x).concat(input.list.map(y => x))')).toBe('ctx.input.list.map((x: J) => x).concat(ctx.input.list.map((y: J) => x))');
  });

  it('annotates destructured and rest parameters', () => {
    expect(tr('Object.entries(input).map(([k, v]) => k + v)')).toBe('Object.entries(ctx.input).map(([k, v]: J) => k + v)');
    expect(tr('input.l.map(({ a: input }) => input)')).toBe('ctx.input.l.map(({ a: input }: J) => input)');
    expect(tr('input.l.map((...xs) => xs.length)')).toBe('ctx.input.l.map((...xs: J[]) => xs.length)');
  });

  it('preserves optional chaining and closes it with parentheses', () => {
    expect(tr('input?.a?.[0]?.b')).toBe('(ctx.input?.a?.[0]?.b)');
    expect(tr('input.a?.map(x => x)')).toBe('(ctx.input.a?.map((x: J) => x))');
  });

  it('renames inside template literals and spreads', () => {
    expect(tr('`${workflow}: ${input.id}`')).toBe('`${"hello"}: ${ctx.input.id}`');
    expect(tr('[...input.a, ...vars.b]')).toBe('[...rt.spread(ctx.input.a), ...rt.spread(ctx.vars.b)]');
  });

  it('parenthesises operators but not primaries', () => {
    expect(tr('input.a ?? 1')).toBe('(ctx.input.a ?? 1)');
    expect(tr('input.a ? 1 : 2')).toBe('(ctx.input.a ? 1 : 2)');
    expect(tr('!input.a')).toBe('(!ctx.input.a)');
    expect(tr('{ a: 1 }')).toBe('({ a: 1 })');
    expect(tr('[1, 2]')).toBe('[1, 2]');
    expect(tr('"x"')).toBe('"x"');
    expect(tr('42')).toBe('42');
    expect(tr('(input.a + 1)')).toBe('(ctx.input.a + 1)');
  });

  it('parenthesises a replacement that is not a primary', () => {
    expect(translateExpression('x.y', { x: 'a ?? b' })).toBe('(a ?? b).y');
    expect(translateExpression('x.y', { x: 'a.b' })).toBe('a.b.y');
  });

  it('drops comments at the ends, so the result can be inlined', () => {
    expect(tr('input.a // note')).toBe('ctx.input.a');
    expect(tr('/* lead */ input.a + 1 /* tail */')).toBe('(ctx.input.a + 1)');
  });

  it('throws on a source that does not parse', () => {
    expect(() => tr('input.')).toThrow(/cannot translate invalid expression/);
  });
});

describe('translated expressions evaluate to the expected values', () => {
  /** Translates, strips types, and runs the code with the given context (test only). */
  function evaluate(source: string, ctx: Record<string, unknown>): unknown {
    expect(checkExpression({ source, span: { file: 'w.yaml', start: { line: 1, col: 1 }, end: { line: 1, col: 1 } } }, {
      locals: ['item', 'index'],
      visibleSteps: ['charge'],
      allSteps: ['charge'],
    })).toEqual([]);
    const typed = `const __value = ${translateExpression(source, rename, 'any')};`;
    const js = ts.transpileModule(typed, { compilerOptions: { target: ts.ScriptTarget.ES2022 } }).outputText;
    const context = { df: { instanceId: 'abc123' } };
    const now = (): string => '2024-01-02T03:04:05.000Z';
    return new Function('ctx', 'context', 'now', 'item', 'index', 'rt', `${js}; return __value;`)(ctx, context, now, ctx.item, ctx.index, rt);
  }

  const ctx = {
    input: { customer: { name: 'Ada' }, items: [{ price: 5, qty: 2 }, { price: 7, qty: 0 }, { price: 1.25, qty: 4 }], tags: ['b', 'a', 'c'], raw: '{"n":3}' },
    steps: { charge: { output: { id: 'ch_1', amount: 1500 } } },
    vars: { total: 10 },
    item: { sku: 'X1' },
    index: 2,
  };

  it('arithmetic, renames and optional chaining', () => {
    expect(evaluate('input.items.map(i => i.price * i.qty).reduce((a, b) => a + b, 0)', ctx)).toBe(15);
    expect(evaluate('input.missing?.deep ?? "none"', ctx)).toBe('none');
    expect(evaluate('`${workflow}/${instanceId}/${now}`', ctx)).toBe('hello/abc123/2024-01-02T03:04:05.000Z');
    expect(evaluate('steps.charge.output.amount / 100', ctx)).toBe(15);
  });

  it('objects with shorthand, spread and arrow shadowing', () => {
    expect(evaluate('{ now, ...input.customer, n: vars.total }', ctx)).toEqual({ now: '2024-01-02T03:04:05.000Z', name: 'Ada', n: 10 });
    expect(evaluate('input.tags.map(t => [t].map(t => t.toUpperCase())[0])', ctx)).toEqual(['B', 'A', 'C']);
    expect(evaluate('input.tags.toSorted().join("")', ctx)).toBe('abc');
    expect(ctx.input.tags).toEqual(['b', 'a', 'c']); // toSorted did not mutate
  });

  it('locals, namespaces and destructuring', () => {
    expect(evaluate('`${item.sku}#${index + 1}`', ctx)).toBe('X1#3');
    expect(evaluate('JSON.parse(input.raw).n * Math.max(...input.items.map(i => i.qty))', ctx)).toBe(12);
    expect(evaluate('Object.fromEntries(Object.entries(steps.charge.output).map(([k, v]) => [k.toUpperCase(), v]))', ctx)).toEqual({ ID: 'ch_1', AMOUNT: 1500 });
    expect(evaluate('input.items.filter(x => x.qty > 0).length', ctx)).toBe(2);
  });
});

describe('allocation limits (runtime/limits.ts)', () => {
  const at = { file: 'w.yaml', start: { line: 1, col: 1 }, end: { line: 1, col: 1 } };
  const run = (source: string, input: unknown): unknown => {
    expect(checkExpression({ source, span: at }, { locals: [], visibleSteps: [], allSteps: [] })).toEqual([]);
    const js = ts.transpileModule(`const __value = ${translateExpression(source, { input: 'input' }, 'any')};`, { compilerOptions: { target: ts.ScriptTarget.ES2022 } }).outputText;
    return new Function('input', 'rt', `${js}; return __value;`)(input, rt);
  };
  const limit = (what: string) => expect.objectContaining({ name: 'LimitExceeded', message: expect.stringMatching(what) });

  it('routes the calls that can ask for a huge value through a check, keeping their shape', () => {
    expect(translateExpression('Array.from({ length: input.n }, (_, i) => i)', {}, 'J')).toBe('Array.from(rt.listSource({ length: input.n }), (_: J, i: J) => i)');
    expect(translateExpression("'x'.repeat(input.n)", {})).toBe(`rt.sized('x', "repeat").repeat(input.n)`);
    expect(translateExpression("input.s?.padStart(input.n, '0').length", {})).toBe(`(rt.sized(input.s, "padStart")?.padStart(input.n, '0').length)`);
    expect(translateExpression("input.s['padEnd'](3)", {})).toBe(`rt.sized(input.s, "padEnd")['padEnd'](3)`);
    expect(translateExpression('{ ...input.o, l: [...input.l], m: Math.max(...input.l) }', {})).toBe('({ ...rt.spread(input.o), l: [...rt.spread(input.l)], m: Math.max(...rt.spread(input.l)) })');
    // A parameter named Array is not the global.
    expect(translateExpression('input.l.map(Array => Array.from(1))', {}, 'J')).toBe('input.l.map((Array: J) => Array.from(1))');
  });

  it('fails with LimitExceeded before allocating: 300 million items or characters', () => {
    const n = 300_000_000;
    expect(() => run('Array.from({ length: input.n }, (_, i) => i)', { n })).toThrow(limit('^a list made by Array.from would have 300000000 items, more than the limit of 1000000$'));
    expect(() => run("'x'.repeat(input.n)", { n })).toThrow(limit('^a string made by repeat would have 300000000 characters, more than the limit of 10000000$'));
    expect(() => run("'ab'.repeat(input.n / 10)", { n })).toThrow(limit('^a string made by repeat would have 60000000 characters'));
    expect(() => run("''.padStart(input.n, 'x')", { n })).toThrow(limit('^a string made by padStart would have 300000000 characters'));
    expect(() => run("''.padEnd(input.n)", { n })).toThrow(limit('^a string made by padEnd'));
    expect(() => run("{ ...'x'.repeat(input.n / 100) }", { n })).toThrow(limit('^a spread would have 3000000 items, more than the limit of 1000000$'));
    expect(() => run("[...'x'.repeat(input.n / 100)]", { n })).toThrow(limit('^a spread would have 3000000 items'));
  });

  it('leaves values within the limits, and other receivers, as JavaScript would', () => {
    expect(run("'ab'.repeat(input.n)", { n: 3 })).toBe('ababab');
    expect(run("String(input.n).padStart(5, '0')", { n: 42 })).toBe('00042');
    expect(run("'x'.repeat(input.n).length", { n: 10_000_000 })).toBe(10_000_000);
    expect(run('Array.from({ length: input.n }, (_, i) => i * 2)', { n: 3 })).toEqual([0, 2, 4]);
    expect(run('Array.from(input.s)', { s: 'abc' })).toEqual(['a', 'b', 'c']);
    expect(run('input.s?.padStart(input.n).length', { n: 3 })).toBeUndefined();
    expect(() => run('input.s.repeat(2)', { s: null })).toThrow(TypeError);
    expect(() => run("'x'.repeat(input.n)", { n: -1 })).toThrow(RangeError);
    expect(run("'long enough'.padStart(input.n)", { n: 5 })).toBe('long enough');
    expect(run('{ ...input.o, b: [...input.l] }', { o: { a: 1 }, l: [1, 2] })).toEqual({ a: 1, b: [1, 2] });
  });
});

describe('referencedSteps', () => {
  it('lists the step ids read, sorted and unique', () => {
    expect(referencedSteps('steps.b.output + steps.a.output.x + steps.b.output')).toEqual(['a', 'b']);
    expect(referencedSteps('input.steps.x + vars.y')).toEqual([]);
    expect(referencedSteps('input.l.map(x => steps.c?.output)')).toEqual(['c']);
  });
  it('ignores a parameter named steps and unparsable sources', () => {
    expect(referencedSteps('input.l.map(steps => steps.c.output)')).toEqual([]);
    expect(referencedSteps('steps.')).toEqual([]);
  });
});

describe('computed keys', () => {
  it('guards keys computed from data, leaves literal keys alone, and renames inside the guard', () => {
    // A key from data could name a method the target inherits: the chain's value is checked too.
    expect(translateExpression('input.a[input.k].b?.c.at(0).d', {})).toBe('(rt.notFunction(input.a[rt.key(input.k)].b?.c.at(0).d))');
    expect(translateExpression('[input.s[input.k], input.t[0]]', {})).toBe('[rt.notFunction(input.s[rt.key(input.k)]), input.t[0]]');
    expect(translateExpression('input.cfg[input.a][input.b]', {})).toBe('rt.notFunction(input.cfg[rt.key(input.a)][rt.key(input.b)])');
    expect(translateExpression('steps.x.output[0]["name"]', {})).toBe('steps.x.output[0]["name"]');
    expect(translateExpression('vars.byDay[now]', { now: 'run.now()' })).toBe('rt.notFunction(vars.byDay[rt.key(run.now())])');
    expect(translateExpression('input?.[input.k]', {})).toBe('(rt.notFunction(input?.[rt.key(input.k)]))');
  });

  it('guards keys an expression creates from data: computed object keys and Object.fromEntries', () => {
    expect(translateExpression('{ [input.k]: 1, ["lit"]: 2, [3]: 3 }', {})).toBe('({ [rt.newKey(input.k)]: 1, ["lit"]: 2, [3]: 3 })');
    expect(translateExpression('Object.fromEntries(input.pairs.map(p => [p.k, p.v]))', {}, 'J')).toBe('Object.fromEntries(rt.entries(input.pairs.map((p: J) => [p.k, p.v])))');
    expect(translateExpression('input.l.map(Object => Object.fromEntries(1))', {}, 'J')).toBe('input.l.map((Object: J) => Object.fromEntries(1))');
  });

  it('refuses to translate an expression that declares a name the translation inserts', () => {
    for (const source of ['input.l.map(rt => rt[input.k])', 'input.l.map(({ a: rt }) => 1)', 'input.l.map(([run]) => now)', 'input.l.map(x => input.m.map(rt => x))']) {
      expect(() => translateExpression(source, { now: 'run.now()' }), source).toThrow(/a name the generated code relies on/);
    }
    expect(translateExpression('input.l.map(runner => now)', { now: 'run.now()' }, 'J')).toBe('input.l.map((runner: J) => run.now())');
  });
});

describe('generated code type-checks where TypeScript knows a literal type', () => {
  it('an object literal indexed by data is typed as data', () => {
    expect(translateExpression('{ gold: 3, silver: 2 }[input.tier]', {}, 'rt.Json')).toBe('rt.notFunction(({ gold: 3, silver: 2 } as rt.Json)[rt.key(input.tier)])');
    expect(translateExpression('({ a: 1 })[input.k]', {}, 'rt.Json')).toBe('rt.notFunction((({ a: 1 }) as rt.Json)[rt.key(input.k)])');
    expect(translateExpression('["a", "b"][index]', {}, 'rt.Json')).toBe('rt.notFunction(["a", "b"][rt.key(index)])');
  });
});

describe('found by the expression fuzzer', () => {
  it('nests guards inserted at one position: the outer wraps the inner', () => {
    expect(translateExpression('(true)[{}?.[[]]]', {}, 'J')).toBe('rt.notFunction((true)[rt.key(rt.notFunction(({} as J)?.[rt.key([])]))])');
    expect(translateExpression('input[input[input.k]]', {}, 'J')).toBe('rt.notFunction(input[rt.key(rt.notFunction(input[rt.key(input.k)]))])');
    expect(translateExpression('{ [input[input.k]]: 1 }', {}, 'J')).toBe('({ [rt.newKey(rt.notFunction(input[rt.key(input.k)]))]: 1 })');
  });

  it('parenthesises a result that starts with an object literal (it would read as a block after =>)', () => {
    expect(translateExpression('{ a: input.x }.a', {}, 'J')).toBe('({ a: input.x }.a)');
    expect(translateExpression('{ a: 1 }[input.k]', {}, 'J')).toBe('rt.notFunction(({ a: 1 } as J)[rt.key(input.k)])');
  });
});
