/**
 * Talking to a running app over HTTP (`run`, `instances`): the embedded host, `func start`, or a
 * Function app on Azure, by its base URL; a key goes in the `x-functions-key` header.
 */
import * as fs from 'node:fs';
import type { OptionSpecs, Parsed } from './args';
import { UsageError } from './args';

export const DEFAULT_URL = 'http://localhost:7071';

export const CONNECTION_OPTIONS: OptionSpecs = {
  url: { type: 'string', value: 'base-url', help: `the app's base URL (default: ${DEFAULT_URL})` },
  key: { type: 'string', value: 'key', help: 'a function key (on Azure; on the embedded host with --enforce-auth); default: $DURABLE_FLOW_KEY' },
};

export interface Connection {
  base: string;
  key?: string;
}

export function connectionOf(values: Parsed['values']): Connection {
  const raw = typeof values.url === 'string' ? values.url : DEFAULT_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--url must be a base URL like ${DEFAULT_URL}, got '${raw}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--url must be http or https, got '${raw}'`);
  const key = typeof values.key === 'string' ? values.key : process.env.DURABLE_FLOW_KEY || undefined;
  return { base: url.href.replace(/\/+$/, ''), key };
}

/** A failed request, already worded for the person at the terminal. */
export class RequestError extends Error {}

export interface Answer {
  status: number;
  body: unknown;
  text: string;
  headers: Headers;
}

/** One request; the body is sent as JSON. Throws RequestError when nothing answers. */
export async function request(c: Connection, method: string, pathAndQuery: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<Answer> {
  const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
  if (c.key) headers['x-functions-key'] = c.key;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(c.base + pathAndQuery, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new RequestError(`no app answers at ${c.base} (${cause?.code ?? cause?.message ?? String(e)}): start one with durable-flow dev or start, or pass --url`);
  }
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

/** `404 NotFound: no function serves /api/x` from an error answer. */
export function errorText(a: Answer): string {
  const e = (a.body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (e && typeof e === 'object') return `${a.status} ${String(e.code ?? '')}: ${String(e.message ?? '')}`.replace(/ : /, ': ');
  if (a.status === 401) return '401: a key is needed (--key, or $DURABLE_FLOW_KEY)';
  return `${a.status}${a.text ? `: ${a.text.slice(0, 300)}` : ''}`;
}

/** JSON from a file, or from standard input for '-'. */
export function readJsonInput(source: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(source === '-' ? 0 : source, 'utf8');
  } catch (e) {
    throw new UsageError(`${what}: cannot read ${source === '-' ? 'standard input' : `'${source}'`} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${what}: ${source === '-' ? 'standard input' : `'${source}'`} is not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
}
