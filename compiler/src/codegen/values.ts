/**
 * YAML values to TypeScript expressions. User strings become escaped literals (JSON.stringify),
 * object keys quoted unless they are identifiers, expressions go through the checked translator.
 */
import { translateExpression } from '../expressions';
import type { Value } from '../model';

/** Free names of user expressions and what the generated code calls them. */
export type Rename = Readonly<Record<string, string>>;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A string literal for any text: escapes quotes, backslashes, newlines, U+2028/9. */
export function literal(text: string): string {
  return JSON.stringify(text).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** An object literal key: bare when it is an identifier, else a string literal. */
export function propertyKey(k: string): string {
  // `__proto__: x` in an object literal would set the prototype; a computed key makes a property.
  if (k === '__proto__') return `[${literal(k)}]`;
  return IDENTIFIER.test(k) ? k : literal(k);
}

export function valueCode(v: Value, rename: Rename): string {
  switch (v.kind) {
    case 'literal':
      return typeof v.value === 'string' ? literal(v.value) : JSON.stringify(v.value);
    case 'expr':
      return translateExpression(v.expr.source, rename);
    case 'template':
      return `(${v.parts.map((p) => (typeof p === 'string' ? literal(p) : `rt.text(${translateExpression(p.source, rename)})`)).join(' + ')})`;
    case 'array':
      return `[${v.items.map((i) => valueCode(i, rename)).join(', ')}]`;
    case 'object':
      return v.entries.length === 0 ? '{}' : `{ ${v.entries.map((e) => `${propertyKey(e.key)}: ${valueCode(e.value, rename)}`).join(', ')} }`;
  }
}

/** Text safe inside a `//` comment: one line, no line terminators of any kind. */
export function commentText(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]+/g, ' ').trim();
}
