/**
 * JSON Schema validation with ajv, and the translation of ajv's errors into one located, human
 * diagnostic per real problem. Schema bookkeeping (if/then, anyOf) is dropped; a step whose kind
 * cannot be decided gets one DF106 and nothing else.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { error, type Diagnostic } from './diagnostics';
import type { JsonPath, Locator } from './parse';
import { buildSchema, STEP_KIND_KEYS } from './schema';
import { didYouMean } from './suggest';

export type { Locator };

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  // strict: false because the schema carries editor keywords (markdownDescription, defaultSnippets).
  compiled ??= new Ajv({ allErrors: true, strict: false, verbose: true }).compile(buildSchema());
  return compiled;
}

const KINDS: readonly string[] = STEP_KIND_KEYS;

function pathOf(instancePath: string): Array<string | number> {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function at(data: unknown, path: JsonPath): unknown {
  let v = data;
  for (const seg of path) v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[seg] : undefined;
  return v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Is this path a step (an item of a `steps`, `try`, `else` list)? */
function isStepPath(path: JsonPath): boolean {
  const n = path.length;
  if (n < 2 || typeof path[n - 1] !== 'number') return false;
  const list = path[n - 2];
  return list === 'steps' || list === 'try' || list === 'else';
}

/** "step 'charge'" or "step 3 (forEach)" for the innermost step containing `path`. */
function stepLabel(data: unknown, path: JsonPath): string {
  for (let n = path.length; n >= 2; n--) {
    const p = path.slice(0, n);
    if (!isStepPath(p)) continue;
    const step = at(data, p);
    if (isObject(step) && typeof step.id === 'string') return `step '${step.id}'`;
    const kind = isObject(step) ? KINDS.find((k) => k in step) : undefined;
    return `step ${Number(p[p.length - 1]) + 1}${kind ? ` (${kind})` : ''}`;
  }
  return 'the workflow';
}

/** The name of the key a path ends in, for messages: `'maxParallel'`, or `item 2 of 'methods'`. */
function keyName(path: JsonPath): string {
  const last = path[path.length - 1];
  if (typeof last === 'number') return `item ${last + 1} of '${String(path[path.length - 2] ?? '')}'`;
  return last === undefined ? 'the workflow' : `'${last}'`;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `string '${v}'`;
  return `${typeof v} ${JSON.stringify(v)}`;
}

const TYPE_WORDS: Record<string, string> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'null',
};

export function validateSchema(data: unknown, locate: Locator): Diagnostic[] {
  const out: Diagnostic[] = [];
  const blocked: string[] = [];

  // Decide every step's kind first: a step with no kind or two kinds gets one error, and ajv's
  // errors inside it (all consequences) are dropped.
  const walkSteps = (list: unknown, base: JsonPath): void => {
    if (!Array.isArray(list)) return;
    list.forEach((step, i) => {
      const p = [...base, i];
      if (!isObject(step)) return;
      const kinds = KINDS.filter((k) => k in step);
      const shortcut = kinds.includes('forEach') ? kinds.filter((k) => k !== 'activity' && k !== 'workflow') : kinds;
      const forEachBoth = kinds.includes('forEach') && kinds.includes('activity') && kinds.includes('workflow');
      if (shortcut.length === 0) {
        const first = Object.keys(step)[0];
        const hint = Object.keys(step).map((k) => didYouMean(k, KINDS)).find((h) => h) ?? '';
        out.push(
          error('DF106', `${stepLabel(data, p)} has no kind${hint}: add one of ${KINDS.join(', ')}`, first ? locate.key([...p, first]) : locate.value(p)),
        );
        blocked.push(JSON.stringify(p).slice(0, -1));
        return;
      }
      if (shortcut.length > 1 || forEachBoth) {
        const [a, b] = forEachBoth ? ['activity', 'workflow'] : shortcut;
        out.push(error('DF106', `${stepLabel(data, p)} has two kinds, '${a}' and '${b}': a step does one thing; split it into two steps`, locate.key([...p, b])));
        blocked.push(JSON.stringify(p).slice(0, -1));
        return;
      }
      walkSteps(step.steps, [...p, 'steps']);
      walkSteps(step.try, [...p, 'try']);
      if (isObject(step.catch)) walkSteps(step.catch.steps, [...p, 'catch', 'steps']);
      if (Array.isArray(step.parallel)) step.parallel.forEach((b, j) => isObject(b) && walkSteps(b.steps, [...p, 'parallel', j, 'steps']));
      if (Array.isArray(step.switch)) {
        step.switch.forEach((c, j) => {
          if (!isObject(c)) return;
          walkSteps(c.steps, [...p, 'switch', j, 'steps']);
          walkSteps(c.else, [...p, 'switch', j, 'else']);
        });
      }
    });
  };
  if (isObject(data)) walkSteps(data.steps, ['steps']);

  const validate = validator();
  if (validate(data)) return out;
  const errors = (validate.errors ?? []) as ErrorObject[];
  const isBlocked = (path: JsonPath): boolean => {
    const s = JSON.stringify(path);
    return blocked.some((b) => s.startsWith(b + ',') || s === b + ']');
  };
  // A value that fails its type is reported once; other errors at the same place are noise.
  const typeFailed = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));

  for (const e of errors) {
    const path = pathOf(e.instancePath);
    if (isBlocked(path)) continue;
    const where = stepLabel(data, path);
    const value = at(data, path);
    const schemaPath = e.schemaPath;
    switch (e.keyword) {
      case 'additionalProperties': {
        // The kind's own definition reports the same key with the kind's key list.
        if (schemaPath === '#/definitions/step/additionalProperties') break;
        const key = (e.params as { additionalProperty: string }).additionalProperty;
        const allowed = Object.keys((e.parentSchema as { properties?: Record<string, unknown> }).properties ?? {});
        const container = path.length === 0 ? 'the workflow' : isStepPath(path) ? where : `'${String(path[path.length - 1])}' of ${where}`;
        const hint = didYouMean(key, allowed);
        const kind = isStepPath(path) && isObject(value) ? KINDS.find((k) => k in value) : undefined;
        const listing = hint ? '' : kind ? `: a ${kind} step takes ${allowed.join(', ')}` : `: allowed keys are ${allowed.join(', ')}`;
        out.push(error('DF101', `unknown key '${key}' in ${container}${hint}${listing}`, locate.key([...path, key])));
        break;
      }
      case 'required': {
        const key = (e.params as { missingProperty: string }).missingProperty;
        if (/\/anyOf\/\d+\/required$/.test(schemaPath) || /\/oneOf\/\d+\/required$/.test(schemaPath)) break;
        if (/\/if\/required$/.test(schemaPath) || /\/if\/not\//.test(schemaPath)) break;
        const what = path.length === 0 ? 'the workflow' : `${keyName(path)} of ${where}`;
        out.push(error('DF102', `missing required key '${key}' in ${path.length === 0 ? what : isStepPath(path) ? where : what}`, locate.value(path)));
        break;
      }
      case 'type': {
        // Inside anyOf, another branch may have accepted the type; the anyOf error decides.
        if (/\/anyOf\/\d+\//.test(schemaPath)) break;
        const expected = String((e.params as { type: string }).type)
          .split(',')
          .map((t) => TYPE_WORDS[t] ?? t)
          .join(' or ');
        out.push(error('DF103', `${keyName(path)} in ${where} must be ${expected}, got ${typeName(value)}`, locate.value(path)));
        break;
      }
      case 'enum': {
        const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
        const hint = typeof value === 'string' ? didYouMean(value, allowed) : '';
        out.push(error('DF104', `${keyName(path)} in ${where} must be one of ${allowed.join(', ')}; got ${typeName(value)}${hint}`, locate.value(path)));
        break;
      }
      case 'const': {
        const allowed = JSON.stringify((e.params as { allowedValue: unknown }).allowedValue);
        out.push(error('DF104', `${keyName(path)} must be ${allowed}; got ${typeName(value)}`, locate.value(path)));
        break;
      }
      case 'anyOf': {
        // singleton, if, forEach: a value of a type no branch takes.
        if (/\/step\/anyOf$/.test(schemaPath) || typeFailed.has(e.instancePath + '/')) break;
        const name = String(path[path.length - 1] ?? '');
        const expect: Record<string, string> = {
          singleton: 'true, false or a mapping with `key`',
          if: 'an expression `${ ... }` or true/false',
          forEach: 'an expression `${ ... }` or a list',
        };
        const d = error('DF103', `${keyName(path)} in ${where} must be ${expect[name] ?? 'a different kind of value'}, got ${typeName(value)}`, locate.value(path));
        out.push(Object.assign(d, { anyOfPath: e.instancePath }));
        break;
      }
      case 'pattern':
      case 'minimum':
      case 'maximum':
      case 'minItems':
      case 'minLength':
      case 'minProperties':
      case 'uniqueItems':
      case 'propertyNames':
      case 'format': {
        if (/\/anyOf\/\d+\//.test(schemaPath) && e.keyword === 'pattern' && /\/expression\//.test(schemaPath)) break;
        out.push(error('DF105', `${keyName(path)} in ${where} ${describeConstraint(e, schemaPath, value)}`, locate.value(path)));
        break;
      }
      default:
        // if/then/oneOf/allOf/not: bookkeeping whose real causes are reported above.
        break;
    }
  }
  return dedupe(collapse(out, errors)).map(({ code, severity, message, span }) => ({ code, severity, message, span }));
}

/**
 * Drops diagnostics that are consequences of another: a missing key whose misspelling was
 * reported as unknown ('intervall' for 'interval'), and an anyOf verdict on a value whose
 * inner problem was reported.
 */
function collapse(list: Diagnostic[], errors: ErrorObject[]): Diagnostic[] {
  const misspelt = new Set(list.filter((d) => d.code === 'DF101').map((d) => /did you mean '([^']+)'/.exec(d.message)?.[1]).filter(Boolean));
  const inner = errors.filter((e) => !['anyOf', 'if', 'oneOf', 'allOf', 'not'].includes(e.keyword) && !/\/anyOf\/\d+\/(type|required)$/.test(e.schemaPath));
  return list.filter((d) => {
    if (d.code === 'DF102') {
      const key = /missing required key '([^']+)'/.exec(d.message)?.[1];
      if (key && misspelt.has(key)) return false;
    }
    if (d.code === 'DF103' && (d as Diagnostic & { anyOfPath?: string }).anyOfPath !== undefined) {
      const p = (d as Diagnostic & { anyOfPath?: string }).anyOfPath!;
      if (inner.some((e) => e.instancePath.startsWith(p + '/'))) return false;
    }
    return true;
  });
}

function describeConstraint(e: ErrorObject, schemaPath: string, value: unknown): string {
  if (/duration/.test(schemaPath)) return `must be a duration like 30s, 5m or PT5M; got ${typeName(value)}`;
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'pattern': {
      if (/\/(name|workflow)\//.test(schemaPath) || /properties\/name\//.test(schemaPath)) {
        return `must be a name of letters, digits and _ starting with a letter; got ${typeName(value)}`;
      }
      if (/\/(id|as)\//.test(schemaPath)) return `must be an identifier (letters, digits, _; not starting with a digit); got ${typeName(value)}`;
      return `does not have the expected form (${String(p.pattern)}); got ${typeName(value)}`;
    }
    case 'minimum':
      return `must be at least ${String(p.limit)}; got ${typeName(value)}`;
    case 'maximum':
      return `must be at most ${String(p.limit)}; got ${typeName(value)}`;
    case 'minItems':
      return `needs at least ${String(p.limit)} item${p.limit === 1 ? '' : 's'}`;
    case 'minLength':
      return 'must not be empty';
    case 'minProperties':
      return 'needs at least one entry';
    case 'uniqueItems':
      return 'must not repeat items';
    default:
      return e.message ?? 'is invalid';
  }
}

function dedupe(list: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const k = `${d.code}|${d.span.start.line}|${d.span.start.col}|${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
