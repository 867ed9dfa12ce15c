/**
 * What expressions may call and read. Everything here is pure and deterministic: the same
 * arguments give the same result on every replay. The docs quote these lists (docs/language.md).
 */

/** The names every expression may read (besides locals such as a forEach item). */
export const FIXED_NAMES: readonly string[] = ['input', 'steps', 'vars', 'instanceId', 'now', 'workflow'];

/**
 * Plain functions callable by name: `String(x)`. Only called, never passed (`list.map(String)`
 * is refused: write `list.map(x => String(x))`), see BUILTIN_METHOD_NAMES.
 */
export const ALLOWED_GLOBAL_FUNCTIONS: readonly string[] = [
  'Boolean', 'Number', 'String', 'decodeURIComponent', 'encodeURIComponent', 'isFinite', 'isNaN', 'parseFloat', 'parseInt',
];

/**
 * The date and duration helpers (runtime/dates.ts), called like the functions above and never
 * passed; the translation calls the runtime's (`rt.addDuration(...)`). Each takes exactly the
 * parameters listed, as `duration` (a duration string, or milliseconds) or `date` (ISO 8601
 * text, or epoch milliseconds); a literal argument is checked when the workflow compiles (DF216).
 * Deterministic: they read no clock and no time zone (`now` is the replay clock).
 */
export const DATE_FUNCTIONS: Readonly<Record<string, readonly ('date' | 'duration' | 'ms')[]>> = {
  addDuration: ['date', 'duration'],
  durationMs: ['duration'],
  fromEpochMs: ['ms'],
  toEpochMs: ['date'],
};

/** Global values that are not functions. */
export const ALLOWED_GLOBAL_VALUES: readonly string[] = ['undefined', 'NaN', 'Infinity'];

/**
 * Namespaces and the functions of each that may be called, where the call is written
 * (`Math.max(a, b)`; not `list.map(Math.abs)`). A namespace is only usable as `Namespace.member`.
 * `Math.random` is deliberately absent: it breaks replay.
 */
export const ALLOWED_NAMESPACE_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  Math: [
    'abs', 'acos', 'acosh', 'asin', 'asinh', 'atan', 'atan2', 'atanh', 'cbrt', 'ceil', 'clz32', 'cos', 'cosh', 'exp',
    'expm1', 'floor', 'fround', 'hypot', 'imul', 'log', 'log10', 'log1p', 'log2', 'max', 'min', 'pow', 'round', 'sign',
    'sin', 'sinh', 'sqrt', 'tan', 'tanh', 'trunc',
  ],
  JSON: ['parse', 'stringify'],
  Object: ['entries', 'fromEntries', 'keys', 'values'],
  Array: ['from', 'isArray', 'of'],
  Number: ['isFinite', 'isInteger', 'isNaN', 'isSafeInteger', 'parseFloat', 'parseInt'],
  String: ['fromCharCode', 'fromCodePoint'],
};

/** Constant (non-function) members of the namespaces. */
export const ALLOWED_NAMESPACE_CONSTANTS: Readonly<Record<string, readonly string[]>> = {
  Math: ['E', 'LN10', 'LN2', 'LOG10E', 'LOG2E', 'PI', 'SQRT1_2', 'SQRT2'],
  Number: ['EPSILON', 'MAX_SAFE_INTEGER', 'MAX_VALUE', 'MIN_SAFE_INTEGER', 'MIN_VALUE', 'NEGATIVE_INFINITY', 'NaN', 'POSITIVE_INFINITY'],
};

/**
 * Methods that may be called on any value: the non-mutating array, string and number methods.
 * Locale-dependent methods (localeCompare, toLocaleString, ...) are absent: their result depends on
 * the machine, and a replay may run elsewhere.
 */
export const ALLOWED_METHODS: readonly string[] = [
  // arrays
  'at', 'concat', 'entries', 'every', 'filter', 'find', 'findIndex', 'findLast', 'findLastIndex', 'flat', 'flatMap',
  'includes', 'indexOf', 'join', 'keys', 'lastIndexOf', 'map', 'reduce', 'reduceRight', 'slice', 'some', 'toReversed',
  'toSorted', 'toSpliced', 'values', 'with',
  // strings
  'charAt', 'charCodeAt', 'codePointAt', 'endsWith', 'match', 'matchAll', 'normalize', 'padEnd', 'padStart', 'repeat', 'replace',
  'replaceAll', 'search', 'split', 'startsWith', 'substring', 'toLowerCase', 'toUpperCase', 'trim', 'trimEnd', 'trimStart',
  // numbers and every value
  'toExponential', 'toFixed', 'toPrecision', 'toString', 'valueOf', 'hasOwnProperty',
];

/** Methods that mutate their target: named so the error can say why they are refused. */
export const MUTATING_METHODS: readonly string[] = [
  'copyWithin', 'fill', 'pop', 'push', 'reverse', 'shift', 'sort', 'splice', 'unshift',
];

/** Properties that reach the prototype chain (by `.name`, `["name"]` or an object-literal key). */
export const FORBIDDEN_PROPERTIES: readonly string[] = [
  '__proto__', 'constructor', 'prototype', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__',
];

/**
 * Methods that build a regular expression from a string argument (`"a".match("(a+)+$")` compiles
 * it): their pattern must be written literally, so the compiler can check it (DF308, DF309).
 * `split`, `replace` and `replaceAll` take a string as plain text, and a regex literal is checked
 * wherever it stands.
 */
export const PATTERN_METHODS: readonly string[] = ['match', 'matchAll', 'search'];

/**
 * The most arguments a callback-taking function accepts. The argument left out is the `thisArg`
 * (the `this` of the callback) or JSON.parse's reviver: with them a method read off a value
 * (`"".match`) could be called on a string of the caller's choosing, or a function planted in an
 * object that JavaScript calls by itself (`toJSON`). Arrow functions have no use for a `this`.
 * (Methods can no longer be read as values at all, BUILTIN_METHOD_NAMES; this stays as a second wall.)
 */
export const MAX_ARGUMENTS: Readonly<Record<string, number>> = {
  every: 1, filter: 1, find: 1, findIndex: 1, findLast: 1, findLastIndex: 1, flatMap: 1, map: 1, some: 1,
  'Array.from': 2, 'JSON.parse': 1, 'Object.fromEntries': 1,
};

/**
 * Where a function calls a function it is given: the argument's index, and whether only an arrow
 * function written in place may stand there (`arrowOnly`) or also a value that is not a function
 * (`replace`'s replacement text). These are the only places an arrow function may be written, so
 * a function an expression makes is only ever called by the builtin it was written for.
 */
export const CALLBACK_ARGUMENTS: Readonly<Record<string, { index: number; arrowOnly: boolean }>> = {
  every: { index: 0, arrowOnly: true },
  filter: { index: 0, arrowOnly: true },
  find: { index: 0, arrowOnly: true },
  findIndex: { index: 0, arrowOnly: true },
  findLast: { index: 0, arrowOnly: true },
  findLastIndex: { index: 0, arrowOnly: true },
  flatMap: { index: 0, arrowOnly: true },
  map: { index: 0, arrowOnly: true },
  reduce: { index: 0, arrowOnly: true },
  reduceRight: { index: 0, arrowOnly: true },
  some: { index: 0, arrowOnly: true },
  toSorted: { index: 0, arrowOnly: true },
  replace: { index: 1, arrowOnly: false },
  replaceAll: { index: 1, arrowOnly: false },
  'Array.from': { index: 1, arrowOnly: true },
};

/**
 * Functions that would call a function found among their arguments: the callback takers above,
 * `JSON.stringify` (a replacer) and `JSON.parse` (a reviver). Their arguments are written out, never
 * spread, so the checker sees what stands in each position.
 */
export const FUNCTION_ARGUMENT_TAKERS: readonly string[] = [...Object.keys(CALLBACK_ARGUMENTS), 'JSON.stringify', 'JSON.parse'];

/**
 * Keys JavaScript calls by itself (string conversion, JSON.stringify, promise resolution): an
 * expression may not create a property with one of these names (`{ toJSON: ... }`), so no function
 * an expression picked up can be called behind its back.
 */
export const IMPLICIT_HOOKS: readonly string[] = ['toString', 'valueOf', 'toJSON', 'toLocaleString', 'then'];

/**
 * The names of the functions that the values an expression can hold inherit: methods of every
 * object, of functions, arrays, strings, numbers, booleans, big integers, regular expressions and
 * the iterators `entries()`, `keys()`, `values()` and `matchAll()` return (iterator helpers
 * included, as newer engines have them). A property of one of these names may only be read
 * where it is called (`s.match(/a/)`): read as a value (`"".match`, `{ values } = list`), the
 * function could be stored, passed or called under another name (`({ map: "".match }).map(p)`),
 * bypassing every rule that looks at names. Sorted; a test checks it holds every such function of
 * the engine the tests run on, and the checker adds the compiling engine's own (builtinMethodNames).
 */
export const BUILTIN_METHOD_NAMES: readonly string[] = [
  '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__', 'anchor', 'apply', 'at', 'big', 'bind', 'blink', 'bold',
  'call', 'charAt', 'charCodeAt', 'codePointAt', 'compile', 'concat', 'constructor', 'copyWithin', 'drop', 'endsWith', 'entries', 'every',
  'exec', 'fill', 'filter', 'find', 'findIndex', 'findLast', 'findLastIndex', 'fixed', 'flat', 'flatMap', 'fontcolor', 'fontsize', 'forEach',
  'hasOwnProperty', 'includes', 'indexOf', 'isPrototypeOf', 'isWellFormed', 'italics', 'join', 'keys', 'lastIndexOf', 'link', 'localeCompare',
  'map', 'match', 'matchAll', 'next', 'normalize', 'padEnd', 'padStart', 'pop', 'propertyIsEnumerable', 'push', 'reduce', 'reduceRight',
  'repeat', 'replace', 'replaceAll', 'return', 'reverse', 'search', 'shift', 'slice', 'small', 'some', 'sort', 'splice', 'split',
  'startsWith', 'strike', 'sub', 'substr', 'substring', 'sup', 'take', 'test', 'throw', 'toArray', 'toExponential', 'toFixed',
  'toLocaleLowerCase', 'toLocaleString', 'toLocaleUpperCase', 'toLowerCase', 'toPrecision', 'toReversed', 'toSorted', 'toSpliced',
  'toString', 'toUpperCase', 'toWellFormed', 'trim', 'trimEnd', 'trimLeft', 'trimRight', 'trimStart', 'unshift', 'valueOf', 'values', 'with',
];

/**
 * The function-valued properties (and accessors) of the builtin prototypes an expression's values
 * can have, on the engine running this code: see BUILTIN_METHOD_NAMES.
 */
export function builtinMethodNames(): string[] {
  const arrayIterator = Object.getPrototypeOf([][Symbol.iterator]()) as object;
  const protos: object[] = [
    Object.prototype, Function.prototype, Array.prototype, String.prototype, Number.prototype, Boolean.prototype, BigInt.prototype,
    RegExp.prototype, arrayIterator, Object.getPrototypeOf(arrayIterator) as object, Object.getPrototypeOf(''[Symbol.iterator]()) as object,
    Object.getPrototypeOf('a'.matchAll(/a/g)) as object,
  ];
  const names = new Set<string>();
  for (const proto of protos) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const d = Object.getOwnPropertyDescriptor(proto, name)!;
      if (typeof d.value === 'function') names.add(name);
    }
  }
  return [...names].sort();
}
