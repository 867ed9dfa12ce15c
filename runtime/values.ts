/** Helpers for values computed by workflow expressions. */

// The allocation limits (listSource, spread, sized) are expression helpers too.
export * from './limits';
// The duration and date helpers (`rt.duration`, `rt.addDuration`, ...) too.
export * from './dates';

/** User data is JSON of any shape: expressions are checked by the compiler, not by the type system. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** How a value reads inside an interpolated string: strings as they are, anything else as JSON. */
export function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  return JSON.stringify(value) ?? String(value);
}

/** Step outputs by id; a body's scope sees its enclosing scopes' steps through the prototype chain. */
export type Steps = Record<string, { output: Json }>;

export function scope(parent: Steps): Steps {
  return Object.create(parent) as Steps;
}

/** Keys that reach the prototype chain or redefine accessors: never read or created from data. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set([
  '__proto__', 'constructor', 'prototype', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__',
]);

/** Keys JavaScript calls by itself (conversions, JSON.stringify, promise resolution): never created from data. */
const IMPLICIT_HOOKS: ReadonlySet<string> = new Set(['toString', 'valueOf', 'toJSON', 'toLocaleString', 'then']);

function refuse(name: string, why: string): never {
  throw Object.assign(new Error(`the computed key '${name}' is not allowed in expressions: ${why}`), { name: 'ForbiddenKey' });
}

/**
 * Converts a computed key once, the way a property access would, and returns the primitive so the
 * engine does not convert it again (an object whose toString answers differently each time cannot
 * pass one name here and use another). Numbers pass as they are: no number names a forbidden key.
 */
function toKey(k: unknown): string | number {
  if (typeof k === 'number') return k;
  if (typeof k === 'string') return k;
  if (typeof k === 'symbol') refuse(String(k), 'symbols are not keys of data');
  return String(k);
}

/**
 * A property key computed by an expression (`obj[k]`): refuses the keys that reach the prototype
 * chain. Typed Json, as every value of an expression is: a `string | number` key would not
 * type-check as an index of an array or a string literal (`["a", "b"][index]`).
 */
export function key(k: unknown): Json {
  const name = toKey(k);
  if (typeof name === 'string' && FORBIDDEN_KEYS.has(name)) refuse(name, 'it reaches the prototype chain');
  return name;
}

/**
 * The value of a member chain that reads a key computed from data (`obj[k]`, `obj[k].x`): never a
 * function. A key from data can name a method the target inherits (`"x"["match"]`); as a value it
 * could be stored and called under another name, with arguments of the caller's choosing.
 */
export function notFunction(value: Json): Json {
  if (typeof value === 'function') {
    const name = value.name || 'a function';
    throw Object.assign(new Error(`the key '${name}' holds a method here, not data: an expression may only call a method where the call is written`), { name: 'ForbiddenKey' });
  }
  return value;
}

/**
 * The key of a property an expression creates (`{ [k]: v }`, Object.fromEntries): also refuses
 * the names JavaScript calls by itself, so no function can be planted where it would be called.
 */
export function newKey(k: unknown): Json {
  const name = key(k);
  if (typeof name === 'string' && IMPLICIT_HOOKS.has(name)) refuse(name, 'JavaScript calls a member of that name by itself');
  return name;
}

/** The entries of `Object.fromEntries(list)`, each key checked with newKey. */
export function entries(list: unknown): Array<[string | number, unknown]> {
  if (list === null || list === undefined || typeof (list as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function') {
    throw new TypeError('Object.fromEntries needs a list of [key, value] pairs');
  }
  return Array.from(list as Iterable<unknown>, (entry) => {
    if (entry === null || typeof entry !== 'object') throw new TypeError(`Object.fromEntries: ${String(entry)} is not a [key, value] pair`);
    const pair = entry as { 0: unknown; 1: unknown };
    return [newKey(pair[0]), pair[1]];
  });
}
