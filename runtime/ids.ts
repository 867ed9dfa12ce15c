/**
 * Instance ids, event names and singleton keys: the one pattern they must match wherever they
 * enter (the per-workflow API, the singleton key, the host's Durable webhook API), and how they
 * are put into URLs.
 *
 * The durable client builds its request URLs by pasting these values into paths
 * (`instances/${id}/raiseEvent/${event}`), and the Durable extension URL-decodes the whole path
 * before it matches routes, so a value holding `/` (or `%2F`) or a dot segment walks to another
 * endpoint: `../../../orchestrators/X` as an event name starts X. The rule follows the Durable
 * Functions instance id rules (not empty, at most 100 characters, none of `/ \ # ?`, no control
 * characters) and adds what a URL path cannot carry unambiguously (`.` and `..` alone). Values that
 * pass are still encoded (`encodeURIComponent`) before they go into a URL, so `%`, `+`, spaces and
 * the like arrive as sent. Pure: no I/O, no dependencies (the host imports it too).
 */

export const MAX_NAME_LENGTH = 100;

/** The rule in words, for documentation and error messages. */
export const NAME_RULE = `1 to ${MAX_NAME_LENGTH} characters, none of / \\ # ? and no control characters, and not '.' or '..'`;

/** The same rule as an ECMAScript regular expression (used in the OpenAPI document). */
export const NAME_PATTERN = '^(?!\\.\\.?$)[^/\\\\#?\\u0000-\\u001F\\u007F-\\u009F]{1,100}$';

const FORBIDDEN = /[/\\#?\u0000-\u001F\u007F-\u009F]/;

export type NameKind = 'instance id' | 'event name' | 'singleton key';

/** Why `value` is not a valid id or name, or undefined when it is. */
export function nameProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `is not a string`;
  if (value.length === 0) return 'is empty';
  if (value.length > MAX_NAME_LENGTH) return `is ${value.length} characters long (at most ${MAX_NAME_LENGTH})`;
  const bad = FORBIDDEN.exec(value);
  if (bad) return `contains ${describeChar(bad[0])}`;
  if (value === '.' || value === '..') return `is a dot segment`;
  return undefined;
}

export function isValidName(value: unknown): value is string {
  return nameProblem(value) === undefined;
}

/** A message naming the value and what is wrong with it: `event name '../x' contains '/'; ...`. */
export function nameError(kind: NameKind, value: unknown): string | undefined {
  const problem = nameProblem(value);
  if (problem === undefined) return undefined;
  return `${kind} ${quote(value)} ${problem}; ${kind}s must be ${NAME_RULE}`;
}

/** The error code for a bad value of this kind. */
export function nameErrorCode(kind: NameKind): string {
  return kind === 'instance id' ? 'InvalidInstanceId' : kind === 'event name' ? 'InvalidEventName' : 'InvalidSingletonKey';
}

/** Encodes one value for a URL path segment or query value. */
export function urlPart(value: string): string {
  return encodeURIComponent(value);
}

function describeChar(c: string): string {
  const code = c.charCodeAt(0);
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) ? `the control character U+${code.toString(16).toUpperCase().padStart(4, '0')}` : `'${c}'`;
}

/** The value as it appears in messages: quoted, control characters as \uXXXX, cut at 120 characters. */
function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  const shown = text.length > 120 ? `${text.slice(0, 120)}…` : text;
  return `'${shown.replace(/[\u0000-\u001F\u007F-\u009F]/g, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`)}'`;
}
