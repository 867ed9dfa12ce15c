/**
 * Azure Functions route templates: `orders/{id}`, optional `{id?}`, catch-all `{*rest}`, and
 * constraints like `{id:int}` (accepted, not enforced). Matching is case-insensitive on literals.
 */
/** A path segment that is not valid percent-encoding (the server answers 400). */
export class MalformedPathError extends Error {}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new MalformedPathError(`the path segment '${segment.slice(0, 100)}' is not valid percent-encoding`);
  }
}

export function matchRoute(template: string, path: string): Record<string, string> | undefined {
  const t = template.replace(/^\/+|\/+$/g, '').split('/').filter((s) => s !== '');
  const p = path.replace(/^\/+|\/+$/g, '').split('/').filter((s) => s !== '');
  const params: Record<string, string> = {};
  for (let i = 0; i < t.length; i++) {
    const seg = t[i];
    const m = /^\{(\*)?([A-Za-z_][A-Za-z0-9_]*)(?::[^}?]+)?(\?)?\}$/.exec(seg);
    if (!m) {
      if (p[i] === undefined || p[i].toLowerCase() !== seg.toLowerCase()) return undefined;
      continue;
    }
    const [, rest, name, optional] = m;
    if (rest) {
      params[name] = p.slice(i).map(decode).join('/');
      return params;
    }
    if (p[i] === undefined) {
      if (!optional) return undefined;
      continue;
    }
    params[name] = decode(p[i]);
  }
  return p.length <= t.length ? params : undefined;
}
