/**
 * Error shapes workflows see: what `catch` receives and what `onItemError: continue` records,
 * and how an error keeps its name when it crosses a durable boundary.
 *
 * Why an encoding: on Azure, an activity's error reaches the orchestrator as the text
 * "Activity function '<name>' failed: <err.message>" plus serialized details (TaskActivityShim.cs,
 * the Node worker sends only `err.message`), and a failed sub-orchestration as
 * "Orchestrator function '<name>' failed: <message>" (OutOfProcOrchestrationShim.cs). The error's
 * name is lost on the way. durable-flow's activity and orchestrator wrappers (handlers.ts)
 * therefore throw `<name>: <message>` across every boundary, and `toErrorInfo` reads it back, so
 * `catch`, `onItemError` and `retry.nonRetryable` see the same `{ name, message }` on Azure and
 * on the embedded host.
 *
 * The name is written bare when it is an identifier (`Rejected: no budget`, the text users read
 * in failure messages), and as a JSON string otherwise (`"card-declined": no funds`,
 * `"Job Failed": exit 3`). A JSON string ends at its first unescaped quote, so any valid name
 * (spaces, colons, quotes, backslashes included) reads back whole, and a bare name never starts
 * with a quote, so the two forms cannot be confused.
 */
import { text } from './values';

/** What a caught error looks like to a workflow: plain data, safe to pass to activities. */
export interface ErrorInfo {
  name: string;
  message: string;
}

/** Thrown by a `fail` step, and by timeouts (`name` = `Timeout`). */
export class WorkflowError extends Error {
  constructor(code: string, message: string) {
    super(message);
    this.name = code;
  }
}

/** The prefix the Durable extension puts before an activity's or a child orchestration's message. */
const EXTENSION_PREFIX = /^(?:Activity|Orchestrator) function '[^']*' failed: /;
/** The separator durable-functions puts between an event's Reason and Details. */
const DETAILS = ' \n ';
/** The longest error name, in characters (code points). */
export const MAX_ERROR_NAME_LENGTH = 200;
/** A name the encoding writes bare, as before names could be any text. */
const BARE_NAME = /^[A-Za-z_$][\w$.]*$/;
/** What an error name may not hold: control characters (C0, DEL, C1), line and paragraph separators, lone surrogates. */
const NOT_PRINTABLE = /[\p{Cc}\u2028\u2029\p{Cs}]/u;

/**
 * Why `name` is not a valid error name (undefined when it is): a non-empty string of at most 200
 * printable characters. Spaces, hyphens, dots, colons, quotes and any other printable character
 * are fine.
 */
export function errorNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return `an error name must be a string, got ${name === null ? 'null' : Array.isArray(name) ? 'a list' : typeof name}`;
  if (name.length === 0) return 'an error name must not be empty';
  const length = [...name].length;
  if (length > MAX_ERROR_NAME_LENGTH) return `an error name must be at most ${MAX_ERROR_NAME_LENGTH} characters long, got ${length}`;
  const bad = NOT_PRINTABLE.exec(name);
  if (bad) return `an error name must be printable characters, got ${JSON.stringify(bad[0])} at position ${bad.index + 1}`;
  return undefined;
}

export function isErrorName(name: unknown): name is string {
  return errorNameProblem(name) === undefined;
}

/**
 * `<name>: <message>`, the text an error crosses a durable boundary as: the name bare when it is
 * an identifier, else as a JSON string. An invalid name (empty, too long, not printable) crosses as
 * `Error`, as JavaScript itself prints an error whose name is empty.
 */
export function wireText(info: ErrorInfo): string {
  const name = isErrorName(info.name) ? info.name : 'Error';
  return `${BARE_NAME.test(name) ? name : JSON.stringify(name)}: ${info.message}`;
}

/** The quoted name at the start of `body` and where its `: ` ends, if `body` starts with one. */
function quotedName(body: string): { name: string; end: number } | undefined {
  let i = 1;
  while (i < body.length && body[i] !== '"') i += body[i] === '\\' ? 2 : 1;
  if (i >= body.length || body.slice(i + 1, i + 3) !== ': ') return undefined;
  let name: unknown;
  try {
    name = JSON.parse(body.slice(0, i + 1));
  } catch {
    return undefined;
  }
  return isErrorName(name) ? { name, end: i + 3 } : undefined;
}

/** Reads `<name>: <message>` back, after removing the extension's prefix. */
export function fromWireText(text: string): ErrorInfo {
  const body = text.replace(EXTENSION_PREFIX, '');
  if (body.startsWith('"')) {
    const quoted = quotedName(body);
    if (quoted) return { name: quoted.name, message: body.slice(quoted.end) };
    return { name: 'Error', message: body };
  }
  const colon = body.indexOf(': ');
  const name = body.slice(0, colon);
  if (colon > 0 && BARE_NAME.test(name) && name.length <= MAX_ERROR_NAME_LENGTH) return { name, message: body.slice(colon + 2) };
  return { name: 'Error', message: body };
}

/**
 * A failure as workflow data. Errors that came over the wire (an activity's or a child
 * workflow's failure, as durable-functions hands it over: an Error whose message is
 * `<reason> \n <details>`, or one carrying `failureDetails`) are decoded; errors raised in the
 * orchestrator itself keep their own name and message.
 */
export function toErrorInfo(e: unknown): ErrorInfo {
  const details = (e as { failureDetails?: { errorMessage?: string } } | undefined)?.failureDetails;
  if (details && typeof details.errorMessage === 'string') return fromWireText(details.errorMessage);
  if (e instanceof WorkflowError) return { name: e.name, message: e.message };
  if (e instanceof Error) {
    const cut = e.message.indexOf(DETAILS);
    if (cut >= 0) return fromWireText(e.message.slice(0, cut));
    if (EXTENSION_PREFIX.test(e.message)) return fromWireText(e.message);
    return { name: e.name || 'Error', message: e.message };
  }
  if (e && typeof e === 'object' && 'message' in e) return { name: String((e as { name?: unknown }).name ?? 'Error'), message: String((e as { message: unknown }).message) };
  return { name: 'Error', message: String(e) };
}

/** An error to throw across a durable boundary: its message carries the original name. */
export function wireError(e: unknown): Error {
  const err = new Error(wireText(toErrorInfo(e)));
  if (e instanceof Error && e.stack) err.stack = e.stack;
  return err;
}

/** A value as an error message names it: JSON, cut to 100 characters (whole characters, never half a pair). */
function shown(value: unknown): string {
  let json: string;
  try {
    json = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  } catch {
    json = String(value);
  }
  const chars = [...json];
  return chars.length > 100 ? `${chars.slice(0, 100).join('')}...` : json;
}

/**
 * The error `fail: { error: ${ ... }, message: ... }` throws when its name is computed: that
 * name, or `InvalidErrorName` naming the value when it is not a valid error name.
 */
export function failWith(name: unknown, message: string | undefined): WorkflowError {
  const problem = errorNameProblem(name);
  if (problem !== undefined) return new WorkflowError('InvalidErrorName', `fail: the error name ${shown(name)} is not valid: ${problem}`);
  return new WorkflowError(name as string, message ?? (name as string));
}

/**
 * The error `fail: ${ err }` throws: the caught error unchanged (its name and message), or
 * `InvalidErrorName` naming the value when it is not an error (`{ name, message }` with a valid name).
 */
export function rethrow(error: unknown): WorkflowError {
  if (error === null || typeof error !== 'object' || Array.isArray(error)) {
    return new WorkflowError('InvalidErrorName', `fail: ${shown(error)} is not an error: rethrow the error a catch gives, { name, message }`);
  }
  const { name, message } = error as { name?: unknown; message?: unknown };
  const problem = errorNameProblem(name);
  if (problem !== undefined) return new WorkflowError('InvalidErrorName', `fail: the error name ${shown(name)} is not valid: ${problem}`);
  return new WorkflowError(name as string, typeof message === 'string' ? message : message === undefined ? '' : text(message));
}

export function timeoutError(what: string, ms: number): WorkflowError {
  return new WorkflowError('Timeout', `${what} did not finish within ${ms} ms`);
}
