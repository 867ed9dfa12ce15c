/**
 * A workflow's `input` JSON Schema, checked at compile time the way the generated validator will
 * compile it (ajv, draft-07, ajv-formats), so a schema that cannot be compiled, or that would
 * misbehave when a start request is validated, is a located diagnostic instead of a crash:
 *
 * - DF107: not a valid draft-07 schema (meta-schema violations, a `pattern` the engine rejects, an
 *   unknown `format`, a `$ref` that resolves nowhere or only to itself without reading any data,
 *   which would recurse forever);
 * - DF108: features the app does not support: `$async` (validation would return a promise that
 *   rejects, unhandled, instead of an answer), `$schema` other than draft-07, `$id`, and `$ref`s
 *   that leave the schema;
 * - DF309: a `pattern` (or `patternProperties` key) that can backtrack catastrophically on a
 *   hostile start input (see expressions/regex.ts).
 */
import Ajv, { type ErrorObject, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import { error, type Diagnostic, type DiagnosticCode } from './diagnostics';
import { regexProblem } from './expressions/regex';
import type { JsonPath, Locator } from './parse';

/** The options the generated validator is compiled with (codegen/validator.ts). */
export const AJV_OPTIONS: Options = { allErrors: true, strict: false, logger: false, code: { source: true, esm: false, lines: true } };

export function makeAjv(): Ajv {
  const ajv = new Ajv(AJV_OPTIONS);
  addFormats(ajv);
  return ajv;
}

const DRAFT_07 = /^http:\/\/json-schema\.org\/draft-07\/schema#?$/;

/** Keywords whose value is one schema, a list of schemas, or a map of names to schemas (draft-07). */
const ONE = ['additionalItems', 'additionalProperties', 'contains', 'else', 'if', 'not', 'propertyNames', 'then'];
const LIST = ['allOf', 'anyOf', 'oneOf'];
const MAP = ['definitions', '$defs', 'properties', 'patternProperties', 'dependencies'];
/** Keywords that apply their schemas to the same value, not to a part of it: a `$ref` cycle through these never ends. */
const IN_PLACE_ONE = ['not', 'if', 'then', 'else'];

type SchemaObject = Record<string, unknown>;

const isObject = (v: unknown): v is SchemaObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Resolves a local JSON pointer (`#`, `#/definitions/a`) in `root`; undefined when it points nowhere. */
function resolvePointer(root: unknown, ref: string): { path: JsonPath; value: unknown } | undefined {
  if (ref === '#') return { path: [], value: root };
  if (!ref.startsWith('#/')) return undefined;
  let value = root;
  const path: Array<string | number> = [];
  for (const raw of ref.slice(2).split('/')) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    } catch {
      return undefined;
    }
    if (Array.isArray(value) && /^\d+$/.test(seg) && Number(seg) < value.length) {
      value = value[Number(seg)];
      path.push(Number(seg));
    } else if (isObject(value) && Object.prototype.hasOwnProperty.call(value, seg)) {
      value = value[seg];
      path.push(seg);
    } else return undefined;
  }
  return isObject(value) || typeof value === 'boolean' ? { path, value } : undefined;
}

/** Checks the `input` schema found at `base` of the document. */
export function checkInputSchema(schema: unknown, locate: Locator, base: JsonPath = ['input']): Diagnostic[] {
  const out: Diagnostic[] = [];
  const at = (path: JsonPath): JsonPath => [...base, ...path];
  const add = (code: DiagnosticCode, message: string, span: ReturnType<Locator['key']>): void => {
    out.push(error(code, `input schema: ${message}`, span));
  };
  const pointer = (path: JsonPath): string => `#${path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('')}`;

  /** In-place edges (a schema applied to the same value) between schema positions, for the cycle check. */
  const edges = new Map<string, Array<{ to: string; ref?: JsonPath }>>();
  const edge = (from: JsonPath, to: JsonPath, ref?: JsonPath): void => {
    const k = pointer(from);
    edges.set(k, [...(edges.get(k) ?? []), { to: pointer(to), ref }]);
  };

  // Every schema position, walked without recursion (schemas nest as deep as the YAML allows).
  const stack: Array<{ node: unknown; path: JsonPath }> = [{ node: schema, path: [] }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (!isObject(node)) continue;
    if ('$async' in node) add('DF108', "'$async' is not supported: the start input is validated synchronously (an async schema would let every start through)", locate.key(at([...path, '$async'])));
    if ('$schema' in node) {
      const v = node.$schema;
      if (path.length > 0 || typeof v !== 'string' || !DRAFT_07.test(v)) {
        add('DF108', `'$schema' must be http://json-schema.org/draft-07/schema# (at the top of the schema) or left out: the input is validated as draft-07; got ${JSON.stringify(v)}`, locate.value(at([...path, '$schema'])));
      }
    }
    if ('$id' in node) add('DF108', "'$id' is not supported: the input schema is self-contained; refer to its parts with $ref: '#/definitions/<name>'", locate.key(at([...path, '$id'])));
    if ('$ref' in node && typeof node.$ref === 'string') {
      const ref = node.$ref;
      const where = locate.value(at([...path, '$ref']));
      if (!ref.startsWith('#')) add('DF108', `'$ref: ${ref}' leaves the schema: only local references like '#/definitions/<name>' are supported`, where);
      else {
        const target = resolvePointer(schema, ref);
        if (!target) add('DF107', `'$ref: ${ref}' does not resolve to a schema inside the input schema`, where);
        else edge(path, target.path, [...path, '$ref']);
      }
    }
    if (typeof node.pattern === 'string') {
      const p = regexProblem(node.pattern, 'u');
      if (p) add(p.kind === 'catastrophic' ? 'DF309' : 'DF107', `pattern ${JSON.stringify(node.pattern)}: ${p.message}`, locate.value(at([...path, 'pattern'])));
    }
    if (isObject(node.patternProperties)) {
      for (const key of Object.keys(node.patternProperties)) {
        const p = regexProblem(key, 'u');
        if (p) add(p.kind === 'catastrophic' ? 'DF309' : 'DF107', `patternProperties key ${JSON.stringify(key)}: ${p.message}`, locate.key(at([...path, 'patternProperties', key])));
      }
    }
    if (typeof node.format === 'string' && !(node.format in FORMATS)) {
      add('DF107', `unknown format '${node.format}'; known formats: ${Object.keys(FORMATS).join(', ')}`, locate.value(at([...path, 'format'])));
    }
    // Sub-schemas.
    for (const k of ONE) {
      if (k in node) {
        stack.push({ node: node[k], path: [...path, k] });
        if (IN_PLACE_ONE.includes(k)) edge(path, [...path, k]);
      }
    }
    if (Array.isArray(node.items)) node.items.forEach((s, i) => stack.push({ node: s, path: [...path, 'items', i] }));
    else if ('items' in node) stack.push({ node: node.items, path: [...path, 'items'] });
    for (const k of LIST) {
      const list = node[k];
      if (!Array.isArray(list)) continue;
      list.forEach((s, i) => {
        stack.push({ node: s, path: [...path, k, i] });
        edge(path, [...path, k, i]);
      });
    }
    for (const k of MAP) {
      const map = node[k];
      if (!isObject(map)) continue;
      for (const [name, s] of Object.entries(map)) {
        if (k === 'dependencies' && Array.isArray(s)) continue;
        stack.push({ node: s, path: [...path, k, name] });
        if (k === 'dependencies') edge(path, [...path, k, name]);
      }
    }
  }

  // A cycle of in-place edges with a $ref on it: validating any value would recurse forever.
  const cycle = findCycle(edges);
  if (cycle) add('DF107', `'$ref: ${refText(schema, cycle)}' leads back to itself without reading any part of the value: validation would never end`, locate.value(at(cycle)));

  if (out.length > 0) return out;

  // The meta-schema: wrong types and values of keywords, located at the keyword.
  const ajv = shared();
  let valid = false;
  try {
    valid = ajv.validateSchema(schema as object) as boolean;
  } catch (e) {
    add('DF107', `the schema cannot be checked: ${(e as Error).message}`, locate.key(base));
    return out;
  }
  if (!valid) {
    for (const e of metaErrors(ajv.errors ?? [])) {
      const path = e.instancePath === '' ? [] : e.instancePath.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
      const name = path.length > 0 ? `'${path.join('.')}'` : 'the schema';
      const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues;
      const message = allowed ? `must be one of ${allowed.map(String).join(', ')}` : e.message ?? 'is invalid';
      add('DF107', `${name} ${message}`, locate.value(at(path)));
    }
    return out;
  }
  // Whatever else the compiler could still refuse (the checks above should leave nothing).
  try {
    ajv.compile(schema as object);
  } catch (e) {
    add('DF107', `the schema cannot be compiled: ${(e as Error).message}`, locate.key(base));
  } finally {
    ajv.removeSchema(schema as object); // the instance is shared: keep its cache from growing
  }
  return out;
}

let sharedAjv: Ajv | undefined;

/** One instance for checking (compiling the meta-schema is most of the cost of a fresh one). */
function shared(): Ajv {
  sharedAjv ??= makeAjv();
  return sharedAjv;
}

/** The formats ajv-formats provides (the generated validator's). */
const FORMATS: Readonly<Record<string, unknown>> = makeAjv().formats;


/** The text of the `$ref` at `path` (which ends in '$ref'). */
function refText(schema: unknown, path: JsonPath): string {
  let v = schema;
  for (const seg of path) v = isObject(v) || Array.isArray(v) ? (v as Record<string | number, unknown>)[seg] : undefined;
  return String(v);
}

/** The `$ref` path of an edge on a cycle of `edges`, if there is a cycle (iterative depth-first search). */
function findCycle(edges: Map<string, Array<{ to: string; ref?: JsonPath }>>): JsonPath | undefined {
  const state = new Map<string, 'open' | 'done'>();
  for (const start of [...edges.keys()].sort()) {
    if (state.has(start)) continue;
    const stack: Array<{ node: string; next: number; via?: JsonPath }> = [{ node: start, next: 0 }];
    state.set(start, 'open');
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const out = edges.get(top.node) ?? [];
      if (top.next >= out.length) {
        state.set(top.node, 'done');
        stack.pop();
        continue;
      }
      const e = out[top.next++];
      const s = state.get(e.to);
      if (s === 'open') {
        // The cycle runs from e.to up the stack to here: report a $ref on it.
        const from = stack.findIndex((f) => f.node === e.to);
        const refs = [...stack.slice(from + 1).map((f) => f.via), e.ref].filter((r): r is JsonPath => r !== undefined);
        if (refs.length > 0) return refs[refs.length - 1];
        continue;
      }
      if (s === undefined) {
        state.set(e.to, 'open');
        stack.push({ node: e.to, next: 0, via: e.ref });
      }
    }
  }
  return undefined;
}

/** One error per schema location: the deepest, and of those the most telling (an enum over a type). */
function metaErrors(errors: ErrorObject[]): ErrorObject[] {
  const paths = [...new Set(errors.map((e) => e.instancePath))];
  const deepest = paths.filter((p) => !paths.some((q) => q !== p && q.startsWith(p + '/')));
  const rank = (e: ErrorObject): number => ['enum', 'type', 'required', 'format'].indexOf(e.keyword) >>> 0;
  return deepest.sort().map((p) => errors.filter((e) => e.instancePath === p && !['anyOf', 'oneOf', 'allOf', 'if', 'not'].includes(e.keyword)).sort((a, b) => rank(a) - rank(b))[0] ?? errors.find((e) => e.instancePath === p)!);
}
