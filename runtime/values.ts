/** Helpers for values computed by workflow expressions. */

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

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A computed property key from an expression: refuses the keys that reach the prototype chain. */
export function key(k: unknown): string | number {
  const name = typeof k === 'number' ? k : String(k);
  if (typeof name === 'string' && FORBIDDEN_KEYS.has(name)) {
    throw Object.assign(new Error(`the computed key '${name}' is not allowed in expressions`), { name: 'ForbiddenKey' });
  }
  return name;
}
