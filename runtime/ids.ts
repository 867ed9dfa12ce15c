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

/**
 * The ids durable-flow gives the instances it starts without one (HTTP and timer starts that are
 * not singletons): `<workflow>~<time><random>`. Two properties let the status pages list a
 * workflow's latest instances without reading the task hub (runtime/flow/query.ts):
 * - the workflow's name and `~` (never in a workflow's name) make a prefix, and the Durable
 *   extension answers an `instanceIdPrefix` query on Azure Storage as a range of the Instances
 *   table's partition keys, not a scan;
 * - `<time>` is the start time counted down (9 base-36 digits of REVERSE_TIME_MAX minus epoch ms),
 *   so within the prefix, id order (the order Azure Storage returns) is newest first.
 * `<random>` is 8 base-36 digits (41 bits) so ids started in the same millisecond differ. A name
 * too long to leave room for the 18 characters gets no id of this form (the backend's GUID).
 */
export const GENERATED_ID_SEPARATOR = '~';
const TIME_DIGITS = 9;
const RANDOM_DIGITS = 8;
/** 36^9 - 1 ms after 1970: the year 5188. */
export const REVERSE_TIME_MAX = 36 ** TIME_DIGITS - 1;

/** The prefix every generated id of `workflow` starts with. */
export function generatedIdPrefix(workflow: string): string {
  return `${workflow}${GENERATED_ID_SEPARATOR}`;
}

/**
 * A new id for an instance of `workflow` started at `nowMs`, or undefined when the name is too
 * long for one. `random` gives integers in [0, 2^41) (crypto in production; seeded in tests).
 */
export function generatedId(workflow: string, nowMs: number, random: () => number): string | undefined {
  const prefix = generatedIdPrefix(workflow);
  if (prefix.length + TIME_DIGITS + RANDOM_DIGITS > MAX_NAME_LENGTH) return undefined;
  const time = (REVERSE_TIME_MAX - Math.max(0, Math.min(REVERSE_TIME_MAX, Math.floor(nowMs)))).toString(36).padStart(TIME_DIGITS, '0');
  const rand = (random() % 36 ** RANDOM_DIGITS).toString(36).padStart(RANDOM_DIGITS, '0');
  return `${prefix}${time}${rand}`;
}

/** The start time an id of `workflow` generated by generatedId carries (epoch ms), or undefined for any other id. */
export function generatedIdTime(workflow: string, id: string): number | undefined {
  const prefix = generatedIdPrefix(workflow);
  if (!id.startsWith(prefix) || id.length !== prefix.length + TIME_DIGITS + RANDOM_DIGITS) return undefined;
  const rest = id.slice(prefix.length);
  if (!/^[0-9a-z]+$/.test(rest)) return undefined;
  return REVERSE_TIME_MAX - parseInt(rest.slice(0, TIME_DIGITS), 36);
}
