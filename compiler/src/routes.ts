/**
 * HTTP routes of the app, under `/api`. Each workflow registers its starter at `<route>` and its
 * management API at `<route>/instances/{id?}/{action?}/{event?}`; the app also serves
 * `openapi.json`, and `flow` (with everything below it) is kept for the status pages. Routes are
 * matched as the Functions host matches them (ASP.NET Core route templates, case-insensitive), so
 * two templates that can match one request would hand one workflow's requests to another
 * workflow's functions, with that workflow's auth level: the compiler refuses them (DF405).
 */

export type Segment = { literal: string } | { param: string; optional: boolean } | { catchAll: string };

/** The management route a workflow registers beside its starter route. */
export function instancesRoute(route: string): string {
  return `${route}/instances/{id?}/{action?}/{event?}`;
}

/** Every route template a workflow with this starter route registers. */
export function workflowRoutes(route: string): string[] {
  return [route, instancesRoute(route)];
}

/** Routes the app keeps for itself, with what they serve. */
export const RESERVED_ROUTES: ReadonlyArray<{ template: string; owner: string }> = [
  { template: 'openapi.json', owner: 'the OpenAPI document (/api/openapi.json)' },
  { template: 'flow/{*rest}', owner: 'the status pages (/api/flow and everything below it)' },
];

/** The segments of a route template: literals, `{name}`, `{name?}`, `{*name}` (constraints ignored). */
export function parseTemplate(template: string): Segment[] {
  return template
    .replace(/^\/+|\/+$/g, '')
    .split('/')
    .filter((s) => s !== '')
    .map((s): Segment => {
      const m = /^\{(\*{1,2})?([^}:?=]*)[^}]*?(\?)?\}$/.exec(s);
      if (!m) return { literal: s.toLowerCase() };
      if (m[1]) return { catchAll: m[2] };
      return { param: m[2], optional: m[3] === '?' };
    });
}

/** Whether the segments from `k` on can all be absent (optional parameters, a catch-all). */
function canEnd(s: readonly Segment[], k: number): boolean {
  return s.slice(k).every((x) => 'catchAll' in x || ('optional' in x && x.optional));
}

/**
 * Whether some request path matches both templates. Optional parameters stand at the end (one
 * left out leaves out those after it); a catch-all matches the rest, however long, even nothing.
 */
export function overlaps(a: readonly Segment[], b: readonly Segment[], i = 0, j = 0): boolean {
  if (i === a.length) return canEnd(b, j);
  if (j === b.length) return canEnd(a, i);
  const x = a[i];
  const y = b[j];
  if ('catchAll' in x || 'catchAll' in y) return true;
  if (('optional' in x && x.optional && canEnd(b, j)) || ('optional' in y && y.optional && canEnd(a, i))) return true;
  const same = 'literal' in x && 'literal' in y ? x.literal === y.literal : true;
  return same && overlaps(a, b, i + 1, j + 1);
}

/** The first pair of templates, one of `a` and one of `b`, that can match one request. */
export function overlappingPair(a: readonly string[], b: readonly string[]): [string, string] | undefined {
  for (const ta of a) for (const tb of b) if (overlaps(parseTemplate(ta), parseTemplate(tb))) return [ta, tb];
  return undefined;
}
