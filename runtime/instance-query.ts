/**
 * Reads a task hub's instances a page at a time, through the Durable HTTP API's instance query
 * (`GET instances/?instanceIdPrefix&createdTimeFrom&createdTimeTo&runtimeStatus&top&showInput`,
 * `x-ms-continuation-token` in and out). durable-functions 3.x cannot: its getStatusBy and
 * getStatusAll follow every continuation token and pass neither `top` nor a prefix, so each call
 * reads the whole hub (on Azure Storage, the whole Instances table).
 *
 * Costs on Azure Storage (the extension's AzureTableTrackingStore): an `instanceIdPrefix` is a
 * range of the table's partition keys, so a prefix query reads only that range; `createdTimeFrom`,
 * `createdTimeTo` and `runtimeStatus` are filters the table applies while it scans, so without a
 * prefix every row is still read by the service (fewer are sent). Rows come in partition key
 * (instance id) order, and a page may hold fewer than `top` rows while a token remains.
 *
 * The request goes where the durable client sends its own: `<rpcBaseUrl>instances/` when the
 * binding has one, else the binding's status URL with the instance id left empty (its taskHub,
 * connection and code parameters kept).
 */
import type { InvocationContext } from '@azure/functions';
import type { InstanceStatus } from './management';

export interface InstanceQuery {
  /** Only ids starting with this text. */
  prefix?: string;
  from?: Date;
  to?: Date;
  statuses?: readonly string[];
  /** Rows per backend page (the backend may send fewer). */
  top: number;
  /** The backend's continuation token from the previous page. */
  token?: string;
}

export interface InstancePage {
  instances: InstanceStatus[];
  /** The backend's token for the next page; undefined at the end. */
  token?: string;
}

interface ClientBinding {
  rpcBaseUrl?: string;
  managementUrls?: { statusQueryGetUri?: string; id?: string };
}

function binding(context: InvocationContext): ClientBinding {
  const input = context.options.extraInputs.find((i) => i.type === 'durableClient' || i.type === 'orchestrationClient');
  const data = input ? context.extraInputs.get(input) : undefined;
  const parsed = typeof data === 'string' ? (JSON.parse(data) as unknown) : data;
  if (!parsed || typeof parsed !== 'object') throw new Error('this function has no durable client input: the instance query needs one');
  return parsed as ClientBinding;
}

/** The query URL for `q`, built on the client binding's base (see the module comment). */
export function queryUrl(b: ClientBinding, q: InstanceQuery): string {
  let url: URL;
  if (b.rpcBaseUrl) {
    url = new URL('instances/', b.rpcBaseUrl);
  } else {
    const template = b.managementUrls?.statusQueryGetUri;
    const placeholder = b.managementUrls?.id;
    if (!template || !placeholder) throw new Error('the durable client binding has neither rpcBaseUrl nor a status URL template');
    url = new URL(template.replace(placeholder, ''));
  }
  const params = url.searchParams;
  if (q.prefix !== undefined && q.prefix !== '') params.set('instanceIdPrefix', q.prefix);
  if (q.from) params.set('createdTimeFrom', q.from.toISOString());
  if (q.to) params.set('createdTimeTo', q.to.toISOString());
  if (q.statuses && q.statuses.length) params.set('runtimeStatus', q.statuses.join(','));
  params.set('top', String(q.top));
  params.set('showInput', 'false');
  return url.href;
}

/** One backend page of instances matching `q`. */
export async function queryPage(context: InvocationContext, q: InstanceQuery): Promise<InstancePage> {
  const r = await fetch(queryUrl(binding(context), q), { headers: q.token ? { 'x-ms-continuation-token': q.token } : {} });
  if (r.status !== 200) {
    const text = (await r.text()).slice(0, 300);
    throw new Error(`the instance query failed with HTTP ${r.status}: ${text}`);
  }
  const body = (await r.json()) as unknown;
  const token = r.headers.get('x-ms-continuation-token');
  return { instances: Array.isArray(body) ? (body as InstanceStatus[]) : [], token: token && token !== 'null' ? token : undefined };
}

/**
 * At least `want` rows matching `q` and `keep` (fewer only at the end), following the backend's
 * tokens: Azure Storage may answer a filtered page with few rows and a token. Stops after
 * `maxPages` requests and says so (`complete: false`), so no call reads without bound.
 */
export async function queryRows(
  context: InvocationContext,
  q: Omit<InstanceQuery, 'token'>,
  want: number,
  maxPages = 50,
  keep: (s: InstanceStatus) => boolean = () => true,
): Promise<{ instances: InstanceStatus[]; token?: string; complete: boolean }> {
  const out: InstanceStatus[] = [];
  let token: string | undefined;
  for (let pages = 0; pages < maxPages; pages++) {
    const page = await queryPage(context, { ...q, token });
    for (const s of page.instances) if (keep(s)) out.push(s);
    token = page.token;
    if (!token || out.length >= want) return { instances: out, token, complete: true };
  }
  return { instances: out, token, complete: false };
}
