/**
 * What the status pages list and count, read a page at a time (runtime/instance-query.ts) so a
 * poll costs what it shows, not the size of the task hub:
 *
 * - **the latest instances** of each workflow: ids durable-flow generated (`<workflow>~<time>...`,
 *   runtime/ids.ts) are read with a prefix query, newest first by construction, `top` at a time;
 *   a singleton's instances by their key: an exact id is one status read, a key's fixed start a
 *   prefix query (read whole, ordered here), a key that starts with an expression a scan. The
 *   next page starts below a cursor (the last row's creation time and id) with `createdTimeTo`.
 * - **counts** by workflow and status: a scan of the instances created within a time window, the
 *   one read that grows with the hub (Azure Storage scans the table for `createdTimeFrom`), so the
 *   page asks for it less often than for the list.
 *
 * Not listed (they are counted, and open at their own URL): sub-workflow instances and partition
 * slices (the engine names them `<execution id>:<n>`), and instances started through the Durable
 * API with an id of the caller's choosing.
 */
import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { generatedIdPrefix, generatedIdTime, urlPart } from '../ids';
import type { InstanceStatus } from '../management';
import { queryRows } from '../instance-query';

/** Where a workflow's instances are found: its name and, for a singleton, what its ids start with. */
export interface ListedWorkflow {
  name: string;
  /** A singleton's id: exact (`singleton: true`, a literal key) or a prefix ('' for a scan). */
  singleton?: { exact: string } | { prefix: string };
}

/** Which instances: of these statuses (all when empty), created within from..to (both inclusive). */
export interface ListFilter {
  statuses?: readonly string[];
  from?: Date;
  to?: Date;
}

export interface Cursor {
  /** Creation time of the last row shown, epoch ms. */
  t: number;
  id: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.t, c.id])).toString('base64url');
}

/** The cursor in a continuation token, or undefined when the token is not one this module made. */
export function decodeCursor(token: string): Cursor | undefined {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && Number.isFinite(v[0]) && typeof v[1] === 'string') return { t: v[0] as number, id: v[1] };
  } catch {
    // not ours
  }
  return undefined;
}

/** Newest first; the same start time by id. */
export function newestFirst(a: InstanceStatus, b: InstanceStatus): number {
  return started(b) - started(a) || (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0);
}

/**
 * When an instance started, for ordering: the time a generated id carries (so the order is the
 * ids' own, whatever the backend's clock), else its creation time.
 */
function started(s: InstanceStatus): number {
  return generatedIdTime(s.name, s.instanceId) ?? new Date(s.createdTime).getTime();
}

/** How much later than its id's time the backend may have recorded an instance's creation. */
const CREATED_SLACK_MS = 60_000;

/** Whether `s` comes after the cursor in newest-first order. */
function after(s: InstanceStatus, c: Cursor | undefined): boolean {
  if (!c) return true;
  const t = started(s);
  return t < c.t || (t === c.t && s.instanceId > c.id);
}

async function exactStatus(context: InvocationContext, id: string): Promise<InstanceStatus[]> {
  try {
    const s = await df.getClient(context).getStatus(urlPart(id), { showInput: false });
    return s ? [s as InstanceStatus] : [];
  } catch (e) {
    if (/HTTP 404/.test(String((e as Error).message))) return [];
    throw e;
  }
}

/** The rows of one workflow after `cursor` that a page of `top` may need, newest first. */
async function rowsOf(context: InvocationContext, w: ListedWorkflow, filter: ListFilter, top: number, cursor: Cursor | undefined): Promise<InstanceStatus[]> {
  const statuses = filter.statuses ?? [];
  const { from } = filter;
  const mine = (s: InstanceStatus): boolean => s.name === w.name && (statuses.length === 0 || statuses.includes(s.runtimeStatus)) && after(s, cursor);
  if (!w.singleton) {
    // Newest first by id: `top + 1` of them (one more tells whether there is a next page). Rows of
    // another name under the prefix (an id someone chose) are read and dropped.
    const below = cursor ? new Date(cursor.t + CREATED_SLACK_MS) : undefined;
    const to = below && filter.to ? (below < filter.to ? below : filter.to) : below ?? filter.to;
    return (await queryRows(context, { prefix: generatedIdPrefix(w.name), statuses, from, to, top: Math.min(1000, 2 * (top + 1)) }, top + 1, 50, mine)).instances;
  }
  if ('exact' in w.singleton) {
    const inRange = (s: InstanceStatus): boolean => (!from || new Date(s.createdTime) >= from) && (!filter.to || new Date(s.createdTime) <= filter.to);
    return (await exactStatus(context, w.singleton.exact)).filter((s) => mine(s) && inRange(s));
  }
  return (await queryRows(context, { prefix: w.singleton.prefix, statuses, from, to: filter.to, top: 1000 }, Number.POSITIVE_INFINITY, 50, mine)).instances;
}

/**
 * The newest `top` instances of `workflows` that match `filter`, after `cursor`, and the
 * cursor of the next page when there is one.
 */
export async function latestInstances(
  context: InvocationContext,
  workflows: readonly ListedWorkflow[],
  filter: ListFilter,
  top: number,
  cursor?: Cursor,
): Promise<{ instances: InstanceStatus[]; next?: Cursor }> {
  const rows = (await Promise.all(workflows.map((w) => rowsOf(context, w, filter, top, cursor)))).flat();
  const seen = new Set<string>();
  const unique = rows.filter((s) => !seen.has(s.instanceId) && (seen.add(s.instanceId), true)).sort(newestFirst);
  const page = unique.slice(0, top);
  const last = page.at(-1);
  return { instances: page, next: unique.length > top && last ? { t: started(last), id: last.instanceId } : undefined };
}

/** The windows the counts may cover, by name, in ms (`all`: no window). */
export const WINDOWS: Record<string, number | undefined> = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000, all: undefined };

/** At most this many rows are read for counts (100 backend pages). */
export const COUNT_LIMIT = 100_000;

/**
 * Counts by workflow and status of the instances created since `from` (every instance when
 * undefined); `complete` is false when more than COUNT_LIMIT rows were there to read.
 */
export async function countInstances(
  context: InvocationContext,
  names: readonly string[],
  from: Date | undefined,
): Promise<{ counts: Record<string, Record<string, number>>; read: number; complete: boolean }> {
  const known = new Set(names);
  const counts: Record<string, Record<string, number>> = Object.fromEntries(names.map((n) => [n, {}]));
  const r = await queryRows(context, { from, top: 1000 }, Number.POSITIVE_INFINITY, COUNT_LIMIT / 1000);
  for (const s of r.instances) if (known.has(s.name)) counts[s.name][s.runtimeStatus] = (counts[s.name][s.runtimeStatus] ?? 0) + 1;
  return { counts, read: r.instances.length, complete: r.complete };
}
