/**
 * What expressions may call. Everything here is pure and deterministic: the same arguments give
 * the same result on every replay. The docs quote these lists (docs/language.md).
 */

/** Plain functions callable by name. */
export const ALLOWED_GLOBAL_FUNCTIONS: readonly string[] = [
  'Boolean', 'Number', 'String', 'decodeURIComponent', 'encodeURIComponent', 'isFinite', 'isNaN', 'parseFloat', 'parseInt',
];

/** Namespaces and the members of each that may be called. `Math.random` is deliberately absent. */
export const ALLOWED_NAMESPACE_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  Math: [
    'abs', 'acos', 'asin', 'atan', 'atan2', 'cbrt', 'ceil', 'cos', 'exp', 'floor', 'hypot', 'log', 'log10', 'log2',
    'max', 'min', 'pow', 'round', 'sign', 'sin', 'sqrt', 'tan', 'trunc',
  ],
  JSON: ['parse', 'stringify'],
  Object: ['entries', 'fromEntries', 'keys', 'values'],
  Array: ['from', 'isArray', 'of'],
  Number: ['isFinite', 'isInteger', 'isNaN', 'isSafeInteger', 'parseFloat', 'parseInt'],
  String: ['fromCharCode'],
};

/** Methods that may be called on any value: the non-mutating array, string and number methods. */
export const ALLOWED_METHODS: readonly string[] = [
  // arrays
  'at', 'concat', 'entries', 'every', 'filter', 'find', 'findIndex', 'findLast', 'findLastIndex', 'flat', 'flatMap',
  'includes', 'indexOf', 'join', 'keys', 'lastIndexOf', 'map', 'reduce', 'reduceRight', 'slice', 'some', 'toReversed',
  'toSorted', 'toSpliced', 'values', 'with',
  // strings
  'charAt', 'charCodeAt', 'codePointAt', 'endsWith', 'match', 'normalize', 'padEnd', 'padStart', 'repeat', 'replace',
  'replaceAll', 'split', 'startsWith', 'substring', 'toLowerCase', 'toUpperCase', 'trim', 'trimEnd', 'trimStart',
  // numbers and everything
  'toExponential', 'toFixed', 'toPrecision', 'toString', 'valueOf', 'hasOwnProperty',
];

/** Methods that mutate their target: named so the error can say why they are refused. */
export const MUTATING_METHODS: readonly string[] = [
  'copyWithin', 'fill', 'pop', 'push', 'reverse', 'shift', 'sort', 'splice', 'unshift',
];

/** Properties that reach the prototype chain. */
export const FORBIDDEN_PROPERTIES: readonly string[] = ['__proto__', 'constructor', 'prototype', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__'];
