/**
 * Expression fuzzer: seeded random expressions that try every route out of the sandbox
 * (Function, process, globalThis, require, eval, constructor, __proto__, prototype, import(),
 * getters and setters, arguments, this, tagged templates, keys built from strings, unicode
 * escapes, comments and line terminators, optional chains and calls, spread, sequences, names
 * the generated code relies on, thisArg, implicit hooks, patterns from data, ...), and every way to
 * get hold of a function as a value (issue 24): builtin methods and functions stored in object
 * literals and arrays, destructured, spread, bound, reached through computed, optional or folded
 * keys, defaults, comma and conditional expressions, passed as callbacks, replacers or mapFns.
 *
 * Every case is either refused with diagnostics located inside the expression, or:
 * - translates without throwing into code an independent static oracle accepts (only allow-listed
 *   names and members, every computed key guarded, every function named only where it is called,
 *   arrows only in a callback's place, every member chain with a computed key checked);
 * - runs, as translated, against hostile inputs (strings like 'constructor', objects whose
 *   toString or valueOf answers '__proto__') with traps on Function, eval, __proto__, the
 *   accessor helpers and process, none of which it may reach, and with every builtin method
 *   recording a call on a receiver of another kind (String.prototype.match on a planted object):
 *   no such call, and no function in the value it computes;
 * - and a sample runs end to end: compiled inside workflows, type-checked under --strict,
 *   replayed through the real durable-functions library by the replay harness, with the traps set.
 *
 * EXPR_FUZZ_SEED=<n> replays a run; EXPR_FUZZ_CASES=<n> sets its size (default 6,000).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ts } from 'ts-morph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateProject } from '../../compiler/src/codegen';
import { checkExpression, translateExpression, type ExpressionScope } from '../../compiler/src/expressions';
import {
  ALLOWED_GLOBAL_FUNCTIONS,
  ALLOWED_GLOBAL_VALUES,
  ALLOWED_METHODS,
  ALLOWED_NAMESPACE_CONSTANTS,
  ALLOWED_NAMESPACE_MEMBERS,
} from '../../compiler/src/expressions/allowlist';
import { checkSources, readSources } from '../../compiler/src/front-end';
import * as values from '../../runtime/values';
import { createHarness } from '../harness/replay';
import { prng } from '../helpers/prng';
import { installTraps } from '../helpers/traps';
import { typecheck } from '../helpers/typecheck';

const SEED = Number(process.env.EXPR_FUZZ_SEED ?? 20261201);
const CASES = Number(process.env.EXPR_FUZZ_CASES ?? 6000);
/** How many accepted top-level cases also run end to end through a compiled app. */
const END_TO_END = 40;

const LINE = 3;
const COL = 7;
const scope: ExpressionScope = { locals: ['item', 'index'], visibleSteps: ['a'], allSteps: ['a'] };
/** What the orchestrator's translation renames (codegen/index.ts). */
const RENAME = { now: 'run.now()', instanceId: 'run.instanceId', workflow: '"fuzz"' };
const CASE_FILE = 'expr-fuzz-case.js';

// ---------------------------------------------------------------------------------------------
// The generator

const SAFE_ATOMS = [
  'input', 'input.s', 'input.o', 'input.list', 'input.n', 'input.k', 'vars.v', 'vars.o', 'steps.a.output', 'item', 'index', 'now', 'instanceId',
  'workflow', '1', '0', '-1', '2.5', '"x"', "'constructor'", "'__proto__'", "'prototype'", '"constr" + "uctor"', '"__pro" + "to__"', 'null', 'undefined',
  'true', '[]', '{}', '[1, "a"]', '{ a: 1 }', 'NaN', '`t${input.s}`', '"\\u0063onstructor"', "'toString'", "'valueOf'", "'call'",
];
const HOSTILE_ATOMS = [
  'Function', 'process', 'globalThis', 'require', 'eval', 'this', 'arguments', 'import("fs")', 'import.meta', 'new.target', 'constructor', '__proto__',
  'Reflect', 'Proxy', 'Symbol', 'module', 'exports', '__dirname', 'rt', 'run', 'context', 'df', 'last', 'thrown', 'Object', 'String', 'JSON', 'Math',
  'Array', 'Number', 'Date', 'super', 'new Function("return process")', 'function () { return this }', 'class {}', '\\u0070rocess', 'Funct\\u0069on',
  'globalThis.process', 'String.constructor', '[].map.constructor', '({}).__proto__', '(async () => 1)', 'setTimeout', 'queueMicrotask', 'WebAssembly',
  'structuredClone', 'Buffer', 'fetch', 'rt.key', 'run.context', 'context.df', 'undefined.constructor', 'String.prototype', 'Object.prototype',
];
const PROPS = [
  'constructor', '__proto__', 'prototype', 'call', 'apply', 'bind', 'caller', 'callee', 'arguments', 'length', 'a', 's', 'o', 'map', 'join', 'toString',
  'valueOf', 'toJSON', 'then', '__defineGetter__', '__lookupGetter__', 'match', 'search', 'process', 'mainModule', 'require', 'binding', '\\u0063onstructor',
  'constr\\u0075ctor', 'keys', 'values', 'output', 'context', 'df', 'key', 'name', 'source',
];
const METHODS = [
  'map', 'filter', 'reduce', 'join', 'concat', 'slice', 'toString', 'valueOf', 'match', 'matchAll', 'replace', 'replaceAll', 'search', 'split', 'at',
  'includes', 'flatMap', 'find', 'some', 'every', 'toUpperCase', 'trim', 'push', 'sort', 'call', 'apply', 'bind', 'constructor', 'hasOwnProperty',
  'entries', 'keys', 'exec', 'test', 'toSorted', 'with', 'indexOf', '__lookupGetter__', 'toFixed', 'charAt', 'startsWith', 'flat', 'reduceRight',
];
const FUNCTIONS = [
  'String', 'Number', 'Boolean', 'parseInt', 'parseFloat', 'isNaN', 'encodeURIComponent', 'JSON.parse', 'JSON.stringify', 'Object.keys', 'Object.values',
  'Object.entries', 'Object.fromEntries', 'Object.assign', 'Object.getPrototypeOf', 'Object.defineProperty', 'Array.from', 'Array.of', 'Array.isArray',
  'Math.max', 'Math.min', 'Math.abs', 'Math.random', 'Reflect.get', 'Function', 'eval', 'setTimeout', 'require', 'Date.now', 'Symbol.for', 'rt.key',
  'rt.newKey', 'run.now', 'String.fromCharCode', 'String.raw', 'Number.isInteger', 'addDuration', 'durationMs', 'toEpochMs', 'fromEpochMs', 'rt.duration',
];
const PARAMS = ['x', 'y', 'k', 'v', 'acc', 'rt', 'run', 'steps', 'input', 'vars', 'context', 'arguments', 'eval', 'constructor', 'r\\u0074', 'item', 'index', 'output', 'last'];
const PATTERNS = ['/a+/g', '/(a+)+$/', '/^[a-z]+(-[a-z]+)*$/', '/(x|xy)*z/', '/\\s*,\\s*/', '/./gu', '/(/', '/a/v', '"(a+)+"', '"a.c"', 'input.p', 'input.s'];
const BINARY = ['+', '-', '*', '/', '%', '===', '!==', '==', '<', '>', '&&', '||', '??', 'in', 'instanceof', '&', '|', '^', '<<', '**', '=', '+=', ','];
const UNARY = ['!', '-', '+', '~', 'typeof ', 'void ', 'delete ', 'await ', '...', '++', '--'];
/** Ways to hold a function as a value (issue 24): each must be refused, or fail as data when run. */
const FUNCTION_VALUES = [
  '"".match', 'input.s.match', 'input.list.map', 'Object.fromEntries', 'Math.max', 'String', 'Boolean', 'JSON.stringify', 'JSON.parse', 'input.s[input.k]',
  'input.s["ma" + "tch"]', 'input.s[`mat${"ch"}`]', '[].concat', '/(a+)+$/.test', '/a/.exec', 'x => x', '(x) => input.p', 'input.list.values().next',
  'vars.o.hasOwnProperty', 'vars.v.toString', 'input?.s?.match', 'input.s[input.p]', 'steps.a.output[input.k]', 'item[input.k]', '({}).valueOf',
  'input.s.search.bind(input.p)', 'Array.from', 'Array.of', 'parseInt', 'addDuration', 'toEpochMs',
];
/** Allowed method names a planted function would be called under. */
const PLANT_AT = ['map', 'includes', 'concat', 'join', 'at', 'slice', 'toFixed', 'padStart', 'replace', 'split', 'filter', 'reduce', 'match', 'some'];
const NOISE = ['/* c */', '// c\n', '\u2028', '\n', '<!--', '-->', '\\u0028', '#!', '`', '"', "'", '}', '{', ')', '(', ']', '[', ';', '?.', '=>', '\\', '${'];

type Rand = () => number;
const pick = <T>(r: Rand, list: readonly T[]): T => list[Math.floor(r() * list.length)];

function gen(r: Rand, depth: number, hostile: boolean): string {
  const e = (): string => gen(r, depth - 1, hostile);
  if (depth <= 0 || r() < 0.25) return hostile && r() < 0.3 ? pick(r, HOSTILE_ATOMS) : pick(r, SAFE_ATOMS);
  switch (Math.floor(r() * (hostile ? 28 : 14))) {
    case 0:
      return `${e()}.${pick(r, hostile ? PROPS : ['a', 's', 'o', 'length', 'output'])}`;
    case 1:
      return `${e()}?.${pick(r, PROPS.slice(9, 20))}`;
    case 2:
      return `${e()}[${e()}]`;
    case 3:
      return `${e()}?.[${e()}]`;
    case 4: {
      const m = pick(r, hostile ? METHODS : ['map', 'filter', 'join', 'concat', 'slice', 'at', 'includes', 'toUpperCase', 'split', 'find', 'some']);
      return `${e()}.${m}(${args(r, depth, hostile)})`;
    }
    case 5:
      return `${pick(r, hostile ? FUNCTIONS : ['String', 'Number', 'JSON.stringify', 'Object.keys', 'Math.max', 'Array.isArray', 'toEpochMs', 'durationMs', 'fromEpochMs', 'addDuration'])}(${args(r, depth, hostile)})`;
    case 6:
      return `${e()} ${pick(r, hostile ? BINARY : BINARY.slice(0, 13))} ${e()}`;
    case 7:
      return `${e()} ? ${e()} : ${e()}`;
    case 8:
      return `[${e()}, ...${e()}]`;
    case 9:
      return `{ ${key(r, depth, hostile)}: ${e()}, ...${e()} }`;
    case 10:
      return `\`a\${${e()}}b\``;
    case 11:
      return `(${e()})`;
    case 12:
      return `${e()}.map(${param(r, hostile)} => ${e()})`;
    case 13:
      return `${e()}.reduce((${param(r, hostile)}, ${param(r, hostile)}) => ${e()}, ${e()})`;
    case 14:
      return `${pick(r, UNARY)}${e()}`;
    case 15:
      return `${e()}.${pick(r, METHODS)}?.(${args(r, depth, hostile)})`;
    case 16:
      return `${pick(r, ['String.raw', 'JSON.stringify', 'input.s', 'Function'])}\`x\${${e()}}\``;
    case 17:
      return `new ${pick(r, ['Function', 'Array', 'Date', 'input.o', 'Object'])}(${args(r, depth, hostile)})`;
    case 18:
      return `{ ${pick(r, ['get', 'set'])} ${pick(r, PROPS)}(${pick(r, ['', 'v'])}) { return ${e()} } }`;
    case 19:
      return `{ ${pick(r, ['toString', 'valueOf', 'toJSON', 'then', '__proto__', '"__proto__"', '["__proto__"]', 'constructor'])}: ${e()} }`;
    case 20:
      return `${e()}.${pick(r, ['match', 'matchAll', 'search', 'replace', 'split'])}(${pick(r, PATTERNS)})`;
    case 21:
      return `${e()}.map(${pick(r, ['String', "''.match", '[].push', 'Function', 'Array.from', 'JSON.parse'])}, ${e()})`;
    case 22:
      return `input.list.map((${destructure(r)}) => ${e()})`;
    case 23:
      return `${e()} ${pick(r, NOISE)} ${e()}`;
    case 24:
      return `${e()}[${pick(r, ["'constr' + 'uctor'", '`__proto__`', "['constructor']", '{ toString: String }', 'input.k', 'input.o', '"prototype"', '0x1', "'call'"])}]`;
    case 26:
      return aliasing(r, depth, hostile);
    case 27:
      return aliasing(r, depth, hostile);
    default:
      return `Object.fromEntries([[${e()}, ${e()}]])`;
  }
}

/** A function read as a value, then stored, passed, spread, destructured or called by another name. */
function aliasing(r: Rand, depth: number, hostile: boolean): string {
  const e = (): string => gen(r, depth - 1, hostile);
  const f = (): string => pick(r, FUNCTION_VALUES);
  const m = pick(r, PLANT_AT);
  const a = (): string => pick(r, ['input.p', '"(a+)+$"', 'x => x', '(k, v) => v', e(), '[["toJSON", "".concat], ["__proto__", {}]]']);
  switch (Math.floor(r() * 16)) {
    case 0:
      return `({ ${m}: ${f()} }).${m}(${a()})`;
    case 1:
      return `[${f()}, ${f()}]${pick(r, ['[0]', '.at(0)', '.at(-1)', '.find(x => x)', ''])}`;
    case 2:
      return `${pick(r, ['input.list', '[input.s]', 'Object.entries(input.o)'])}.map(({ ${pick(r, [...PLANT_AT, 'search', 'valueOf', 'next'])}: g }) => ({ ${m}: g }).${m}(${a()}))`;
    case 3:
      return `${f()}.${pick(r, ['call', 'apply', 'bind'])}(${a()}, ${a()})`;
    case 4:
      return `${e()}[${pick(r, ['"ma" + "p"', '`ma${"tch"}`', '"match"', 'input.k', 'vars.v', '("sea" + "rch")', '"va" + "lueOf"'])}]`;
    case 5:
      return `({ ${m}: ${e()}?.${pick(r, PLANT_AT)} })?.${m}?.(${a()})`;
    case 6:
      return pick(r, [`[...[${f()}]]`, `{ ...{ ${m}: ${f()} } }.${m}(${a()})`, `Math.max(...[${f()}])`, `${e()}.${m}(...[${f()}])`, `Object.values({ g: ${f()} })`]);
    case 7:
      return `input.list.map((g = ${f()}) => g(${a()}))`;
    case 8:
      return pick(r, [`(0, ${f()})(${a()})`, `(${e()} ? ${f()} : ${f()})(${a()})`, `({ ${m}: ${e()} || ${f()} }).${m}(${a()})`, `({ ${m}: ${e()} ? ${f()} : 1 }).${m}(${a()})`]);
    case 9:
      return `${f()}\`(a+)+$\``;
    case 10:
      return pick(r, [`new (${f()})(${a()})`, `${f()}.constructor`, `${f()}.name`, `typeof ${f()}`, `String(${f()})`]);
    case 11:
      return `JSON.stringify(${e()}, ${pick(r, [f(), '(k, v) => v', '["a"]', 'null', 'input.list', '...input.list'])})`;
    case 12:
      return pick(r, [`Array.from(${e()}, ${f()})`, `${e()}.toSorted(${f()})`, `${e()}.replace(/a/g, ${f()})`, `${e()}.reduce(${f()}, ${e()})`, `${e()}.map(${f()})`]);
    case 13:
      return `Object.fromEntries([["${m}", ${f()}]]).${m}(${a()})`;
    case 14:
      return `\`\${${f()}}\``;
    default:
      return `{ g: ${f()} }.g`;
  }
}

function args(r: Rand, depth: number, hostile: boolean): string {
  const n = Math.floor(r() * 3);
  return Array.from({ length: n }, () => (r() < 0.3 ? `${param(r, hostile)} => ${gen(r, depth - 1, hostile)}` : gen(r, depth - 1, hostile))).join(', ');
}

function param(r: Rand, hostile: boolean): string {
  return hostile ? pick(r, PARAMS) : pick(r, PARAMS.slice(0, 5));
}

function key(r: Rand, depth: number, hostile: boolean): string {
  const c = Math.floor(r() * 4);
  if (c === 0) return `[${gen(r, depth - 1, hostile)}]`;
  if (c === 1) return `"${pick(r, PROPS)}"`;
  return pick(r, hostile ? PROPS : ['a', 'b', 'name']);
}

function destructure(r: Rand): string {
  return pick(r, ['{ a: rt }', '[run]', '{ constructor: c }', '{ __proto__: p }', '{ ["constructor"]: c }', '{ [input.k]: c }', '{ a = Function }', '...rest', '{ a: { b: steps } }', '[x, , y]', '{ toString }']);
}

/** Random edits of the text, for inputs the grammar does not produce. */
function mutate(r: Rand, text: string): string {
  let t = text;
  for (let i = Math.floor(r() * 3); i > 0; i--) {
    const at = Math.floor(r() * (t.length + 1));
    t = r() < 0.6 ? t.slice(0, at) + pick(r, NOISE) + t.slice(at) : t.slice(0, at) + t.slice(at + 1 + Math.floor(r() * 3));
  }
  return t;
}

function nextCase(r: Rand): { source: string; topLevel: boolean } {
  const hostile = r() < 0.75;
  let source = gen(r, 1 + Math.floor(r() * 4), hostile);
  if (r() < 0.2) source = mutate(r, source);
  return { source, topLevel: !/\b(item|index)\b/.test(source) };
}

// ---------------------------------------------------------------------------------------------
// The static oracle: an independent reading of what translated code may contain

const NAMESPACES = new Set(Object.keys(ALLOWED_NAMESPACE_MEMBERS));
const FORBIDDEN_MEMBERS = new Set(['constructor', '__proto__', 'prototype', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__']);
const HOOKS = new Set(['toString', 'valueOf', 'toJSON', 'toLocaleString', 'then']);
const FREE = new Set(['input', 'steps', 'vars', 'item', 'index', ...ALLOWED_GLOBAL_FUNCTIONS, ...ALLOWED_GLOBAL_VALUES]);
// listSource, spread and sized: the allocation limits (runtime/limits.ts).
// addDuration, durationMs, toEpochMs, fromEpochMs: the date helpers (runtime/dates.ts).
const RUNTIME_CALLS = new Set(['key', 'newKey', 'entries', 'notFunction', 'listSource', 'spread', 'sized', 'addDuration', 'durationMs', 'toEpochMs', 'fromEpochMs']);
/** The functions the builtin prototypes of an expression's values hold, read off this engine. */
const PROTO_FUNCTIONS = ((): Set<string> => {
  const arrayIterator = Object.getPrototypeOf([][Symbol.iterator]()) as object;
  const out = new Set<string>();
  for (const proto of [Object.prototype, Function.prototype, Array.prototype, String.prototype, Number.prototype, Boolean.prototype, RegExp.prototype, arrayIterator, Object.getPrototypeOf(arrayIterator)]) {
    for (const k of Object.getOwnPropertyNames(proto)) if (typeof Object.getOwnPropertyDescriptor(proto, k)!.value === 'function') out.add(k);
  }
  return out;
})();
const OBJECT_FUNCTIONS = new Set(Object.getOwnPropertyNames(Object.prototype).filter((k) => typeof Object.getOwnPropertyDescriptor(Object.prototype, k)!.value === 'function'));
/** Where a builtin calls a callback: the only places an arrow may stand. */
const CALLBACK_AT: Record<string, number> = {
  every: 0, filter: 0, find: 0, findIndex: 0, findLast: 0, findLastIndex: 0, flatMap: 0, map: 0, some: 0, reduce: 0, reduceRight: 0, toSorted: 0,
  replace: 1, replaceAll: 1, 'Array.from': 1,
};

function staticViolations(code: string): string[] {
  const file = ts.createSourceFile('t.ts', `(${code})`, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const out: string[] = [];
  const declared = new Set<string>();
  const collect = (n: ts.Node): void => {
    if (ts.isParameter(n) || ts.isBindingElement(n)) {
      const add = (b: ts.BindingName): void => {
        if (ts.isIdentifier(b)) declared.add(b.text);
        else for (const el of b.elements) if (!ts.isOmittedExpression(el)) add(el.name);
      };
      add(n.name);
    }
    ts.forEachChild(n, collect);
  };
  collect(file);
  const isGuard = (e: ts.Expression, fn: string): boolean =>
    ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && ts.isIdentifier(e.expression.expression) &&
    e.expression.expression.text === 'rt' && e.expression.name.text === fn;
  const isCallee = (n: ts.Node): boolean => ts.isCallExpression(n.parent) && n.parent.expression === n;
  /** `steps.<id>` and `vars.<name>`: plain objects the generated code makes (not a method unless Object.prototype's). */
  const ownRoot = (target: ts.Expression, name: string): boolean =>
    ts.isIdentifier(target) && !declared.has(target.text) && (target.text === 'steps' || (target.text === 'vars' && !OBJECT_FUNCTIONS.has(name)));
  const calleeName = (call: ts.CallExpression): string | undefined => {
    const c = call.expression;
    if (!ts.isPropertyAccessExpression(c)) return undefined;
    return ts.isIdentifier(c.expression) && NAMESPACES.has(c.expression.text) && !declared.has(c.expression.text) ? `${c.expression.text}.${c.name.text}` : c.name.text;
  };
  /** A member chain `rt.notFunction(...)` wraps whole: its value is checked when it runs (never a function). */
  const guardedRead = (n: ts.Node): boolean => {
    let top = n;
    while ((ts.isPropertyAccessExpression(top.parent) || ts.isElementAccessExpression(top.parent)) && top.parent.expression === top) top = top.parent;
    return ts.isCallExpression(top.parent) && isGuard(top.parent, 'notFunction') && top.parent.arguments[0] === top;
  };
  const visit = (n: ts.Node): void => {
    if (ts.isTypeReferenceNode(n)) return; // rt.Json annotations
    // Functions are capabilities: named only where they are called.
    if (ts.isPropertyAccessExpression(n) && !isCallee(n)) {
      const t = n.expression;
      if (ts.isIdentifier(t) && NAMESPACES.has(t.text) && !declared.has(t.text)) {
        if (ALLOWED_NAMESPACE_MEMBERS[t.text].includes(n.name.text)) out.push(`function value ${t.text}.${n.name.text}`);
      } else if (PROTO_FUNCTIONS.has(n.name.text) && !ownRoot(t, n.name.text) && !guardedRead(n)) out.push(`method value .${n.name.text}`);
    }
    if (ts.isElementAccessExpression(n) && ts.isStringLiteralLike(n.argumentExpression) && PROTO_FUNCTIONS.has(n.argumentExpression.text) && !ownRoot(n.expression, n.argumentExpression.text) && !guardedRead(n)) {
      out.push(`method value ["${n.argumentExpression.text}"]`);
    }
    if (ts.isElementAccessExpression(n) && isGuard(n.argumentExpression, 'key')) {
      // The chain around a key from data ends in rt.notFunction(...).
      let top: ts.Node = n;
      while ((ts.isPropertyAccessExpression(top.parent) || ts.isElementAccessExpression(top.parent) || ts.isCallExpression(top.parent)) && top.parent.expression === top) top = top.parent;
      if (!(ts.isCallExpression(top.parent) && isGuard(top.parent, 'notFunction') && top.parent.arguments[0] === top)) out.push(`unchecked chain ${top.getText(file)}`);
    }
    if (ts.isIdentifier(n) && ALLOWED_GLOBAL_FUNCTIONS.includes(n.text) && !declared.has(n.text) && !isCallee(n)) {
      const p = n.parent;
      const named = (ts.isPropertyAccessExpression(p) && p.name === n) || (ts.isPropertyAssignment(p) && p.name === n) || ts.isParameter(p) || ts.isBindingElement(p);
      const namespace = ts.isPropertyAccessExpression(p) && p.expression === n;
      if (!named && !namespace) out.push(`function value ${n.text}`);
    }
    if (ts.isArrowFunction(n)) {
      const p = n.parent;
      const at = ts.isCallExpression(p) ? CALLBACK_AT[calleeName(p) ?? ''] : undefined;
      if (!ts.isCallExpression(p) || at === undefined || p.arguments[at] !== n) out.push('arrow outside a callback place');
    }
    const kind = ts.SyntaxKind[n.kind];
    if (ts.isNewExpression(n) || n.kind === ts.SyntaxKind.ThisKeyword || ts.isFunctionExpression(n) || ts.isClassExpression(n) || ts.isTaggedTemplateExpression(n) ||
      ts.isMetaProperty(n) || ts.isDeleteExpression(n) || ts.isGetAccessor(n) || ts.isSetAccessor(n) || ts.isMethodDeclaration(n) || n.kind === ts.SyntaxKind.ImportKeyword ||
      n.kind === ts.SyntaxKind.SuperKeyword || ts.isAwaitExpression(n) || ts.isYieldExpression(n)) out.push(`construct ${kind}`);
    if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment) out.push('assignment');
    if (ts.isPropertyAccessExpression(n)) {
      if (FORBIDDEN_MEMBERS.has(n.name.text)) out.push(`member ${n.name.text}`);
      const target = n.expression;
      if (ts.isIdentifier(target) && target.text === 'rt' && !RUNTIME_CALLS.has(n.name.text)) out.push(`rt.${n.name.text}`);
      if (ts.isIdentifier(target) && target.text === 'run' && !['now', 'instanceId'].includes(n.name.text)) out.push(`run.${n.name.text}`);
      if (ts.isIdentifier(target) && NAMESPACES.has(target.text) && !declared.has(target.text)) {
        const ok = [...ALLOWED_NAMESPACE_MEMBERS[target.text], ...(ALLOWED_NAMESPACE_CONSTANTS[target.text] ?? [])].includes(n.name.text);
        if (!ok) out.push(`${target.text}.${n.name.text}`);
      }
    }
    if (ts.isElementAccessExpression(n)) {
      const a = n.argumentExpression;
      if (ts.isStringLiteralLike(a) ? FORBIDDEN_MEMBERS.has(a.text) : !ts.isNumericLiteral(a) && !isGuard(a, 'key')) out.push(`unguarded [${a.getText(file)}]`);
    }
    if (ts.isComputedPropertyName(n)) {
      const a = n.expression;
      if (ts.isStringLiteralLike(a) ? FORBIDDEN_MEMBERS.has(a.text) || HOOKS.has(a.text) : !ts.isNumericLiteral(a) && !isGuard(a, 'newKey')) out.push(`unguarded key [${a.getText(file)}]`);
    }
    if (ts.isPropertyAssignment(n) && (ts.isIdentifier(n.name) || ts.isStringLiteralLike(n.name)) && (HOOKS.has(n.name.text) || n.name.text === '__proto__')) out.push(`key ${n.name.text}`);
    if (ts.isShorthandPropertyAssignment(n) && HOOKS.has(n.name.text)) out.push(`key ${n.name.text}`);
    if (ts.isCallExpression(n)) {
      const c = n.expression;
      if (ts.isIdentifier(c)) {
        if (!ALLOWED_GLOBAL_FUNCTIONS.includes(c.text) || declared.has(c.text)) out.push(`call ${c.text}`);
      } else if (ts.isPropertyAccessExpression(c)) {
        const target = c.expression;
        const isNs = ts.isIdentifier(target) && (NAMESPACES.has(target.text) || target.text === 'rt' || (target.text === 'run' && c.name.text === 'now')) && !declared.has(target.text);
        if (!isNs && !ALLOWED_METHODS.includes(c.name.text)) out.push(`method ${c.name.text}`);
      } else out.push('call of an expression');
    }
    if (ts.isIdentifier(n)) {
      const p = n.parent;
      const isName = (ts.isPropertyAccessExpression(p) && p.name === n) || (ts.isPropertyAssignment(p) && p.name === n) || ts.isParameter(p) || ts.isBindingElement(p) ||
        ts.isQualifiedName(p);
      const root = ts.isPropertyAccessExpression(p) && p.expression === n && (NAMESPACES.has(n.text) || n.text === 'rt' || n.text === 'run');
      if (!isName && !root && !FREE.has(n.text) && !declared.has(n.text)) out.push(`name ${n.text}`);
    }
    ts.forEachChild(n, visit);
  };
  visit(file.statements[0]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Running translated code

/**
 * The type the translation writes for arrow parameters and casts: a name no generated expression
 * contains, so the annotations can be cut from the text exactly (faster than transpiling each case).
 */
const TYPE = '__T';

/** Compiled before any trap is set, with the real Function constructor; its frames carry CASE_FILE. */
function compile(translated: string): (ctx: Context) => unknown {
  const js = translated.replace(/: __T\[\]/g, '').replace(/: __T\b/g, '').replace(/ as __T\b/g, '');
  const wrapped = `function __case(input, steps, vars, run, rt, item, index) { return (${js}); }`;
  const make = new Function(`${wrapped}\nreturn __case;\n//# sourceURL=${CASE_FILE}`) as () => (...a: unknown[]) => unknown;
  const fn = make();
  return (c) => fn(c.input, c.steps, c.vars, c.run, values, c.item, c.index);
}

interface Context {
  input: unknown;
  steps: unknown;
  vars: unknown;
  run: unknown;
  item: unknown;
  index: number;
}

function contexts(): Context[] {
  const run = { now: (): string => '2026-01-01T00:00:00.000Z', instanceId: 'i-1' };
  const shifty = (): object => {
    let n = 0;
    return { toString: () => (n++ === 0 ? 'a' : 'constructor'), valueOf: () => '__proto__' };
  };
  return [
    {
      input: { s: 'constructor', o: { constructor: 'x', toString: 'constructor', a: 1 }, list: ['constructor', '__proto__', 'prototype'], n: 3, k: '__proto__', p: '(a+)+$' },
      steps: { a: { output: ['constructor', { __proto__x: 1 }] } },
      vars: { v: 'prototype', o: { call: 1 } },
      run,
      item: '__proto__',
      index: 0,
    },
    {
      input: JSON.parse('{"__proto__": {"polluted": 1}, "s": "__proto__", "o": {"constructor": {"prototype": 1}}, "list": [{"toString": 1}], "n": -1, "k": "constructor"}'),
      steps: { a: { output: { toString: () => 'constructor', valueOf: () => '__proto__' } } },
      vars: { v: shifty(), o: { toString: () => '__defineGetter__' } },
      run,
      item: shifty(),
      index: 1,
    },
    {
      input: { s: 'a'.repeat(28) + '!', o: [], list: [[['constructor']], 'call', 'bind'], n: 0, k: 'call' },
      steps: { a: { output: 'aaaa' } },
      vars: { v: ['__proto__'], o: [] },
      run,
      item: { toJSON: () => 'constructor' },
      index: 2,
    },
  ];
}

/**
 * Wraps the methods of String, Array, Number and RegExp prototypes so a call from code under test
 * on a receiver of another kind (String.prototype.match run on a planted object) is recorded: a
 * method called under another name. The wrapper passes through otherwise.
 */
function installReceiverTraps(): { hits: string[]; restore: () => void } {
  const hits: string[] = [];
  const restores: Array<() => void> = [];
  const kinds: Array<[object, string, (v: unknown) => boolean]> = [
    [String.prototype, 'String', (v) => typeof v === 'string' || v instanceof String],
    [Array.prototype, 'Array', (v) => Array.isArray(v)],
    [Number.prototype, 'Number', (v) => typeof v === 'number' || v instanceof Number],
    [RegExp.prototype, 'RegExp', (v) => v instanceof RegExp],
  ];
  for (const [proto, kind, ok] of kinds) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      const d = Object.getOwnPropertyDescriptor(proto, key)!;
      if (key === 'constructor' || typeof d.value !== 'function') continue;
      const fn = d.value as (...a: unknown[]) => unknown;
      const wrapped = function (this: unknown, ...args: unknown[]): unknown {
        if (!ok(this) && (new Error().stack ?? '').includes(CASE_FILE)) hits.push(`${kind}.prototype.${key} on ${typeof this}`);
        return fn.apply(this, args);
      };
      Object.defineProperty(proto, key, { ...d, value: wrapped });
      restores.push(() => Object.defineProperty(proto, key, d));
    }
  }
  return { hits, restore: () => restores.reverse().forEach((f) => f()) };
}

/**
 * The functions inside a value, with their paths. An expression's value may hold none but those
 * its context held already (the hostile contexts carry toString functions, which JSON never does).
 */
function functionsIn(value: unknown, at = '$', seen = new Set<unknown>()): Array<[string, unknown]> {
  if (typeof value === 'function') return [[at, value]];
  if (value === null || typeof value !== 'object' || seen.has(value) || seen.size > 10_000) return [];
  seen.add(value);
  return Object.keys(value).flatMap((k) => functionsIn((value as Record<string, unknown>)[k], `${at}.${k}`, seen));
}

// ---------------------------------------------------------------------------------------------

const FIXTURE = path.resolve(__dirname, '../fixtures/expr-fuzz');

describe(`expression fuzz (EXPR_FUZZ_SEED=${SEED}, ${CASES} cases)`, () => {
  const r = prng(SEED);
  const cases = Array.from({ length: CASES }, () => nextCase(r));
  const endToEnd: string[] = [];
  const stats = { refused: 0, accepted: 0, threw: 0, typeRejected: 0, dateHelpers: 0 };
  const pollution = (): string[] => Object.keys(Object.prototype).concat(Object.keys(Array.prototype), Object.keys(String.prototype));

  beforeAll(() => {
    expect(pollution()).toEqual([]);
  });
  afterAll(() => {
    console.log(
      `expression fuzz: seed ${SEED}: ${stats.refused} refused, ${stats.accepted} accepted (${stats.threw} evaluations threw ordinary errors, ${stats.dateHelpers} called a date helper); ` +
        `end to end: ${endToEnd.length} replayed, ${stats.typeRejected} left out for a type error in the expression`,
    );
  });

  it('the traps catch each way out when code under test takes it (and only then)', () => {
    const traps = installTraps((s) => s.includes(CASE_FILE));
    try {
      const probe = new Function(`return [
        () => [].map.constructor, () => ({}).__proto__, () => globalThis.Function('return 1'), () => globalThis.process, () => ({}).__lookupGetter__('x'), () => eval('1'),
      ];\n//# sourceURL=${CASE_FILE}`)() as Array<() => unknown>;
      for (const p of probe) p();
      void [].map.constructor; // from this file: not code under test
      expect(new Set(traps.hits.map((h) => h.what))).toEqual(
        new Set(["Function (a function's .constructor)", '__proto__', 'globalThis.Function', 'process', '__lookupGetter__', 'eval']),
      );
      expect(traps.hits).toHaveLength(6);
    } finally {
      traps.restore();
    }
    expect(Object.getOwnPropertyDescriptor(Function.prototype, 'constructor')!.value).toBe(Function);
  });

  it('every case is refused with located diagnostics, or translates into allow-listed code that reaches no trap on hostile inputs', async () => {
    for (const [i, { source, topLevel }] of cases.entries()) {
      // Let the worker's event loop breathe: a long synchronous loop makes vitest's worker miss
      // the answer to its own RPC ("Timeout calling onTaskUpdate") on a loaded machine.
      if (i % 250 === 0) await new Promise((resolve) => setImmediate(resolve));
      const where = `case ${i} (EXPR_FUZZ_SEED=${SEED}): ${JSON.stringify(source)}`;
      let diags: ReturnType<typeof checkExpression>;
      try {
        diags = checkExpression({ source, span: { file: 'workflows/f.yaml', start: { line: LINE, col: COL }, end: { line: LINE, col: COL + source.length } } }, scope);
      } catch (e) {
        throw new Error(`${where}: the checker threw ${(e as Error).stack}`);
      }
      const lines = source.split(/\r\n|[\n\r\u2028\u2029]/).length;
      for (const d of diags) {
        expect(d.code, where).toMatch(/^DF\d{3}$/);
        expect(d.span.start.line, where).toBeGreaterThanOrEqual(LINE);
        expect(d.span.start.line, where).toBeLessThanOrEqual(LINE + lines - 1);
        expect(d.span.start.col, where).toBeGreaterThanOrEqual(1);
        if (d.span.start.line === LINE) expect(d.span.start.col, where).toBeLessThanOrEqual(COL + source.length);
      }
      // A warning (DF508: `now` compared as text) does not refuse: the case still runs.
      if (diags.some((d) => d.severity !== 'warning')) {
        stats.refused++;
        continue;
      }
      stats.accepted++;
      if (/addDuration|durationMs|EpochMs/.test(source)) stats.dateHelpers++;
      let translated: string;
      try {
        translated = translateExpression(source, RENAME, TYPE);
      } catch (e) {
        throw new Error(`${where}: accepted, but the translator threw ${(e as Error).message}`);
      }
      expect(staticViolations(translated), `${where}\ntranslated: ${translated}`).toEqual([]);
      let run: (ctx: Context) => unknown;
      try {
        run = compile(translated);
      } catch (e) {
        throw new Error(`${where}\ntranslated: ${translated}\nthe translated code does not load: ${(e as Error).message}`);
      }
      const traps = installTraps((s) => s.includes(CASE_FILE));
      const receivers = installReceiverTraps();
      const functions: string[] = [];
      try {
        for (const ctx of contexts()) {
          try {
            const given = new Set(functionsIn(ctx).map(([, f]) => f));
            functions.push(...functionsIn(run(ctx)).filter(([, f]) => !given.has(f)).map(([p]) => p));
          } catch (e) {
            stats.threw++;
            // Ordinary failures only (a trap passes through, so nothing is hidden by catching here).
            expect(e instanceof Error ? e.name : typeof e, `${where}: ${String(e)}`).toMatch(/^(TypeError|RangeError|SyntaxError|ForbiddenKey|LimitExceeded|URIError|InvalidDuration|InvalidDate)$/);
          }
        }
      } finally {
        receivers.restore();
        traps.restore();
      }
      expect(traps.hits.map((h) => `${h.what}\n${h.stack}`), `${where}\ntranslated: ${translated}`).toEqual([]);
      expect(receivers.hits, `${where}\ntranslated: ${translated}: a method ran on a receiver of another kind`).toEqual([]);
      expect(functions, `${where}\ntranslated: ${translated}: the value holds a function`).toEqual([]);
      expect(pollution(), where).toEqual([]);
      if (topLevel && endToEnd.length < END_TO_END && !/\b(item|index)\b/.test(source) && i % 3 === 0) endToEnd.push(source);
    }
    // Both paths were exercised in earnest.
    expect(stats.refused).toBeGreaterThan(CASES / 4);
    expect(stats.accepted).toBeGreaterThan(CASES / 20);
    expect(stats.dateHelpers).toBeGreaterThan(CASES / 2000);
  }, 120_000);

  it('a sample runs end to end: compiled in workflows, type-checked, replayed with the traps set', async () => {
    expect(endToEnd.length).toBeGreaterThan(10);
    const workflows = endToEnd.map((source, i) => ({
      file: `workflows/f${i}.yaml`,
      // The expression stands as a value and as a step's `result` (the body of an arrow function).
      text:
        `dsl: 1\nname: f${i}\nsteps:\n  - id: a\n    activity: Echo\n    input: \${ input.list }\n  - set:\n      v: \${ input.s }\n      o: \${ input.o }\n` +
        `  - set:\n      r: ${JSON.stringify(`\${ ${source} }`)}\n  - id: b\n    activity: Echo\n    input: 1\n    result: ${JSON.stringify(`\${ ${source} }`)}\n` +
        'output: ${ [vars.r, steps.b.output] }\n',
    }));
    const activities = [{ file: 'workflows/activities/echo.ts', text: 'export async function Echo(input: unknown): Promise<unknown> {\n  return input;\n}\n' }];
    const generated = path.join(FIXTURE, 'generated');
    const runtimeImport = path.relative(path.join(generated, 'x'), path.resolve(__dirname, '../../runtime')).split(path.sep).join('/');
    const build = (list: typeof workflows): Map<string, string> => {
      const front = checkSources(FIXTURE, list, activities);
      expect(front.diagnostics.map((d) => `${d.span.file}:${d.span.start.line}:${d.span.start.col} ${d.code} ${d.message}`)).toEqual([]);
      const files = generateProject(front.project, { runtimeImport });
      return new Map([...files, ...activities].map((f) => [path.join(FIXTURE, 'path' in f ? f.path : f.file), f.text]));
    };
    // The checker does not type-check: an expression that misuses a value TypeScript can type
    // (`"constructor".s`, `(0).map(...)`) is refused by tsc --strict at build. Such errors must
    // concern the user's expression only, never the code around it; those workflows leave the sample.
    let virtual = build(workflows);
    const rejected = new Set<string>();
    for (const e of typecheck(FIXTURE, virtual)) {
      const m = /^generated\/(f\d+)\/v1\.ts:(\d+) /.exec(e);
      expect(m, e).not.toBeNull();
      const line = virtual.get(path.join(generated, m![1], 'v1.ts'))!.split('\n')[Number(m![2]) - 1];
      expect(line.trim(), e).toMatch(/^(vars\.r = |last = \(\(output: rt\.Json\): rt\.Json => )/);
      rejected.add(`workflows/${m![1]}.yaml`);
    }
    const kept = workflows.filter((w) => !rejected.has(w.file));
    stats.typeRejected = rejected.size;
    expect(kept.length).toBeGreaterThan(10);
    // The other workflows type-checked in the same program, so the app without these does too.
    virtual = build(kept);
    endToEnd.splice(0, endToEnd.length, ...kept.map((w) => endToEnd[Number(/f(\d+)/.exec(w.file)![1])]));
    fs.rmSync(FIXTURE, { recursive: true, force: true });
    for (const [p, text] of virtual) {
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, text);
    }
    fs.writeFileSync(path.join(FIXTURE, '.gitignore'), '*\n');
    const harness = createHarness(path.join(generated, 'index.ts'));
    const suspect = (s: string): boolean => s.includes(`${path.sep}expr-fuzz${path.sep}generated${path.sep}`);
    for (const [j, source] of endToEnd.entries()) {
      const i = Number(/f(\d+)/.exec(kept[j].file)![1]);
      for (const input of [contexts()[0].input, JSON.parse('{"__proto__": {"x": 1}, "s": "__proto__", "o": {"k": "constructor"}, "list": ["constructor"], "k": "prototype"}')]) {
        const traps = installTraps(suspect);
        try {
          const state = await harness.start(`f${i}`, input).runToCompletion();
          if (state.error) expect(state.error, source).toMatch(/TypeError|RangeError|SyntaxError|ForbiddenKey|LimitExceeded|URIError/);
        } finally {
          traps.restore();
        }
        expect(traps.hits.map((h) => `${h.what}\n${h.stack}`), source).toEqual([]);
      }
    }
    expect(pollution()).toEqual([]);
  }, 120_000);
});
