/**
 * What expressions may call and read. Everything here is pure and deterministic: the same
 * arguments give the same result on every replay. The docs quote these lists (docs/language.md).
 */

/** The names every expression may read (besides locals such as a forEach item). */
export const FIXED_NAMES: readonly string[] = ['input', 'steps', 'vars', 'instanceId', 'now', 'workflow'];

/** Plain functions callable by name (and passable as callbacks: `list.map(String)`). */
export const ALLOWED_GLOBAL_FUNCTIONS: readonly string[] = [
  'Boolean', 'Number', 'String', 'decodeURIComponent', 'encodeURIComponent', 'isFinite', 'isNaN', 'parseFloat', 'parseInt',
];

/** Global values that are not functions. */
export const ALLOWED_GLOBAL_VALUES: readonly string[] = ['undefined', 'NaN', 'Infinity'];

/**
 * Namespaces and the functions of each that may be called or passed as callbacks. A namespace
 * is only usable as `Namespace.member`. `Math.random` is deliberately absent: it breaks replay.
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
 */
export const MAX_ARGUMENTS: Readonly<Record<string, number>> = {
  every: 1, filter: 1, find: 1, findIndex: 1, findLast: 1, findLastIndex: 1, flatMap: 1, map: 1, some: 1,
  'Array.from': 2, 'JSON.parse': 1, 'Object.fromEntries': 1,
};

/**
 * Keys JavaScript calls by itself (string conversion, JSON.stringify, promise resolution): an
 * expression may not create a property with one of these names (`{ toJSON: ... }`), so no function
 * an expression picked up can be called behind its back.
 */
export const IMPLICIT_HOOKS: readonly string[] = ['toString', 'valueOf', 'toJSON', 'toLocaleString', 'then'];
