/**
 * JSON Schema validation with ajv, and the translation of ajv's errors into one located, human
 * diagnostic per real problem. Schema bookkeeping (if/then, allOf, the branches of an anyOf or
 * oneOf) is dropped or turned into the one error that explains it; a step whose kind cannot be
 * decided gets one error and nothing else inside it.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { error, sortDiagnostics, type Diagnostic } from './diagnostics';
import { MAX_ERROR_NAME_LENGTH } from '../../runtime/errors';
import { MAX_NAME_LENGTH } from './names';
import type { JsonPath, Locator } from './parse';
import { buildSchema, keysOfKind, STEP_KIND_KEYS } from './schema';
import { closest, didYouMean } from './suggest';

export type { Locator };

type Kind = (typeof STEP_KIND_KEYS)[number];
type Schema = Record<string, unknown>;

const KINDS: readonly Kind[] = STEP_KIND_KEYS;

let compiled: { validate: ValidateFunction; schema: Schema } | undefined;

function validator(): { validate: ValidateFunction; schema: Schema } {
  if (!compiled) {
    const schema = buildSchema();
    // strict: false because the schema carries editor keywords (markdownDescription, defaultSnippets);
    // verbose: errors carry their parentSchema, which names the rule that failed.
    const validate = new Ajv({ allErrors: true, strict: false, verbose: true }).compile(schema);
    compiled = { validate, schema };
  }
  return compiled;
}

function definitions(): Record<string, Schema> {
  return validator().schema.definitions as Record<string, Schema>;
}

/** Every key a step may carry, whatever its kind (for suggestions before the kind is known). */
function allStepKeys(): string[] {
  return Object.keys((definitions().step.properties as Schema) ?? {});
}

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

const pathKey = (path: JsonPath): string => JSON.stringify(path);

/**
 * Is this path a step? Steps are the items of a `steps` list (wherever it stands: top level,
 * forEach, branch, case, catch), of a step's `try` list, and of a switch case's `else` list.
 */
function isStepPath(path: JsonPath): boolean {
  const n = path.length;
  if (n < 2 || typeof path[n - 1] !== 'number') return false;
  const list = path[n - 2];
  if (list === 'steps') return true;
  if (list === 'try') return n >= 3 && isStepPath(path.slice(0, n - 2));
  if (list === 'else') return n >= 4 && path[n - 4] === 'switch';
  return false;
}

/** Whether `k` is a kind key of this step: `compensate` is one only as `compensate: all` (a mapping is the step's undo). */
function isKindKey(step: Record<string, unknown>, k: Kind): boolean {
  return k in step && !(k === 'compensate' && isObject(step.compensate));
}

/** The kind a step is, once decided: forEach wins over its activity/workflow shortcut. */
function kindOf(step: unknown): Kind | undefined {
  if (!isObject(step)) return undefined;
  if ('forEach' in step) return 'forEach';
  return KINDS.find((k) => isKindKey(step, k));
}

/** The innermost step path containing `path` (or `path` itself), if any. */
function enclosingStep(path: JsonPath): JsonPath | undefined {
  for (let n = path.length; n >= 2; n--) if (isStepPath(path.slice(0, n))) return path.slice(0, n);
  return undefined;
}

/** "step 'charge'", or "step 3 (forEach)" / "step 3" for a step without an id. */
function stepName(data: unknown, stepPath: JsonPath): string {
  const step = at(data, stepPath);
  if (isObject(step) && typeof step.id === 'string' && step.id !== '') return `step '${step.id}'`;
  const kind = kindOf(step);
  return `step ${Number(stepPath[stepPath.length - 1]) + 1}${kind ? ` (${kind})` : ''}`;
}

/**
 * How a message names the value at `path`: `'maxParallel' in step 2 (forEach)`,
 * `'retry.interval' in step 'charge'`, `'trigger.http.authLevel'`, `item 2 of 'methods'`,
 * `branch 2 of 'parallel' in step 1 (parallel)`.
 */
function subject(data: unknown, path: JsonPath, joiner = 'in'): string {
  if (path.length === 0) return 'the workflow';
  if (isStepPath(path)) return stepName(data, path);
  const step = enclosingStep(path);
  const rel = path.slice(step ? step.length : 0);
  const where = step ? ` ${joiner} ${stepName(data, step)}` : '';
  const last = rel[rel.length - 1];
  if (typeof last === 'number') {
    const list = rel.slice(0, -1).join('.');
    const noun = rel[rel.length - 2] === 'parallel' ? 'branch' : rel[rel.length - 2] === 'switch' ? 'case' : 'item';
    return `${noun} ${last + 1} of '${list}'${where}`;
  }
  return `'${rel.join('.')}'${where}`;
}

function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'nothing (null)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `'${v}'`;
  return JSON.stringify(v);
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

function typeWord(v: unknown): string {
  if (v === null || v === undefined) return 'nothing (null)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `string '${v}'`;
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** What the anyOf-typed keys expect, worded for people. */
const ANY_OF_EXPECT: Record<string, string> = {
  singleton: 'true, false or a mapping with `key`',
  if: 'an expression `${ ... }` or true/false',
  forEach: 'an expression `${ ... }` or a list',
  fail: 'a mapping `{ error, message }`, or an expression `${ err }` that fails with a caught error (rethrow)',
  retry: 'a retry policy `{ maxAttempts, interval, ... }` or a list of them',
  maxAttempts: 'a whole number of at least 1, or unlimited (with a `timeout`)',
  while: 'an expression `${ ... }` or true/false',
  until: 'an expression `${ ... }` or true/false',
  waitForEvent: 'an event name, or a list of event names (the first of them to come)',
  compensate: '`all` (in a catch) or an undo `{ activity, input }`, `{ workflow, input }` or `{ steps }`',
};

/** Decides every step's kind; steps with none or two get one diagnostic and are blocked. */
function checkKinds(data: unknown, locate: Locator): { out: Diagnostic[]; blocked: string[] } {
  const out: Diagnostic[] = [];
  const blocked: string[] = [];
  const walk = (list: unknown, base: JsonPath): void => {
    if (!Array.isArray(list)) return;
    list.forEach((step, i) => {
      const p = [...base, i];
      if (!isObject(step)) return;
      const keys = Object.keys(step);
      const kinds = KINDS.filter((k) => isKindKey(step, k));
      // forEach takes activity/workflow as its body shortcut, but not both.
      const effective = kinds.includes('forEach') ? kinds.filter((k) => k !== 'activity' && k !== 'workflow') : kinds;
      const forEachBoth = kinds.includes('forEach') && kinds.includes('activity') && kinds.includes('workflow');
      if (effective.length === 0) {
        // A misspelt kind key is the likely cause: say so at that key.
        const stepKeys = allStepKeys();
        const typo = keys.find((k) => !stepKeys.includes(k) && closest(k, KINDS) !== undefined);
        if (typo !== undefined) {
          out.push(error('DF101', `unknown key '${typo}' in ${stepName(data, p)}${didYouMean(typo, KINDS)}`, locate.key([...p, typo])));
        } else {
          const span = keys.length > 0 ? locate.key([...p, keys[0]]) : locate.value(p);
          out.push(error('DF106', `${stepName(data, p)} has no kind: add one of ${KINDS.join(', ')}`, span));
        }
        blocked.push(pathKey(p));
        return;
      }
      if (effective.length > 1 || forEachBoth) {
        const [a, b] = forEachBoth ? ['activity', 'workflow'] : effective;
        const message = forEachBoth
          ? `${stepName(data, p)} has two kinds, 'activity' and 'workflow': a forEach body is one activity or one workflow (or a \`steps\` list)`
          : `${stepName(data, p)} has two kinds, '${a}' and '${b}': a step does one thing; split it into two steps`;
        out.push(error('DF106', message, locate.key([...p, b])));
        blocked.push(pathKey(p));
        return;
      }
      walk(step.steps, [...p, 'steps']);
      walk(step.try, [...p, 'try']);
      if (isObject(step.repeat)) walk(step.repeat.steps, [...p, 'repeat', 'steps']);
      if (isObject(step.catch)) walk(step.catch.steps, [...p, 'catch', 'steps']);
      if (isObject(step.compensate)) walk(step.compensate.steps, [...p, 'compensate', 'steps']);
      if (Array.isArray(step.parallel)) step.parallel.forEach((b, j) => isObject(b) && walk(b.steps, [...p, 'parallel', j, 'steps']));
      if (Array.isArray(step.switch)) {
        step.switch.forEach((c, j) => {
          if (!isObject(c)) return;
          walk(c.steps, [...p, 'switch', j, 'steps']);
          walk(c.else, [...p, 'switch', j, 'else']);
        });
      }
    });
  };
  if (isObject(data)) walk(data.steps, ['steps']);
  return { out, blocked };
}

export function validateSchema(data: unknown, locate: Locator): Diagnostic[] {
  const { out, blocked } = checkKinds(data, locate);
  const { validate } = validator();
  if (validate(data)) return sortDiagnostics(out);
  const errors = (validate.errors ?? []) as ErrorObject[];

  const isBlocked = (path: JsonPath): boolean => {
    const s = pathKey(path);
    return blocked.some((b) => s === b || s.startsWith(b.slice(0, -1) + ','));
  };
  // Values with an anyOf (singleton, if, forEach): a branch's type/pattern failure is not a problem
  // by itself; the anyOf verdict speaks for them unless a branch of the right type found the real one.
  const anyOfAt = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const isBranchNoise = (e: ErrorObject): boolean =>
    anyOfAt.has(e.instancePath) && ['type', 'pattern', 'enum', 'const', 'minLength'].includes(e.keyword);
  const real = errors.filter((e) => !isBlocked(pathOf(e.instancePath)) && !isBranchNoise(e) && !(e as { propertyName?: string }).propertyName);

  const unknownSeen = new Set<string>();
  for (const e of real) {
    const path = pathOf(e.instancePath);
    const value = at(data, path);
    const parent = (e.parentSchema ?? {}) as Schema;
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = (e.params as { additionalProperty: string }).additionalProperty;
        // The step definition and the kind's definition both report a key unknown to the kind.
        const id = pathKey([...path, key]);
        if (unknownSeen.has(id)) break;
        unknownSeen.add(id);
        out.push(unknownKey(data, path, key, parent, locate));
        break;
      }
      case 'required': {
        // The branches of switch cases are explained by the oneOf below; anyOf branches too.
        if (/\/(oneOf|anyOf)\/\d+\/required$/.test(e.schemaPath) && !anyOfAt.has(e.instancePath)) break;
        const key = (e.params as { missingProperty: string }).missingProperty;
        out.push(error('DF102', `missing required key '${key}' in ${subject(data, path)}`, locate.value(path)));
        break;
      }
      case 'oneOf':
        out.push(...switchCase(data, path, value, locate));
        break;
      case 'type': {
        const expected = String((e.params as { type: string }).type);
        const words = isDuration(parent)
          ? 'a duration like 30s, 5m or PT5M (or ${ ... })'
          : expected
              .split(',')
              .map((t) => TYPE_WORDS[t] ?? t)
              .join(' or ');
        out.push(error('DF103', `${subject(data, path)} must be ${words}, got ${typeWord(value)}`, locate.value(path)));
        break;
      }
      case 'enum': {
        const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
        const hint = typeof value === 'string' ? didYouMean(value, allowed) : '';
        out.push(error('DF104', `${subject(data, path)} must be one of ${allowed.join(', ')}; got ${typeName(value)}${hint}`, locate.value(path)));
        break;
      }
      case 'const': {
        const allowed = JSON.stringify((e.params as { allowedValue: unknown }).allowedValue);
        out.push(error('DF104', `${subject(data, path)} must be ${allowed}; got ${typeName(value)}`, locate.value(path)));
        break;
      }
      case 'anyOf': {
        // A step's anyOf is "which kind": decided (and reported) by checkKinds.
        if (isStepPath(path)) break;
        const name = String(path[path.length - 1] ?? '');
        out.push(
          Object.assign(error('DF103', `${subject(data, path)} must be ${ANY_OF_EXPECT[name] ?? 'a different kind of value'}, got ${typeWord(value)}`, locate.value(path)), {
            anyOfPath: e.instancePath,
          }),
        );
        break;
      }
      case 'propertyNames': {
        const name = (e.params as { propertyName: string }).propertyName;
        out.push(
          error('DF105', `variable name '${name}' in ${subject(data, path)} must be an identifier (letters, digits, _; not starting with a digit) of at most ${MAX_NAME_LENGTH} characters`, locate.key([...path, name])),
        );
        break;
      }
      case 'pattern':
      case 'minimum':
      case 'maximum':
      case 'minItems':
      case 'minLength':
      case 'maxLength':
      case 'minProperties':
      case 'uniqueItems':
      case 'format':
        out.push(error('DF105', `${subject(data, path)} ${describeConstraint(e, path, parent, value)}`, locate.value(path)));
        break;
      default:
        // if/then/allOf/not: bookkeeping whose real causes are reported above.
        break;
    }
  }
  return sortDiagnostics(dedupe(collapse(out, real))).map(({ code, severity, message, span }) => ({ code, severity, message, span }));
}

function isDuration(parent: Schema): boolean {
  return parent.pattern === (definitions().duration as Schema).pattern;
}

/** One DF101 per unknown key: a did-you-mean among the keys allowed here, else the list of them. */
function unknownKey(data: unknown, path: JsonPath, key: string, parent: Schema, locate: Locator): Diagnostic {
  const span = locate.key([...path, key]);
  const inStep = isStepPath(path);
  const kind = inStep ? kindOf(at(data, path)) : undefined;
  const allowed = kind ? keysOfKind(kind) : Object.keys((parent.properties as Schema | undefined) ?? {});
  const where = subject(data, path, 'of');
  const article = kind && /^[aeiou]/i.test(kind) ? 'an' : 'a';
  const takes = kind ? `${article} ${kind} step takes ${allowed.join(', ')}` : `allowed keys are ${allowed.join(', ')}`;
  // A step's `timeout` written inside its repeat or catch mapping: it belongs on the step.
  if (key === 'timeout' && (path[path.length - 1] === 'repeat' || path[path.length - 1] === 'catch')) {
    return error('DF101', `'timeout' does not go inside '${String(path[path.length - 1])}' of ${subject(data, path.slice(0, -1))}: write it on the step, next to \`${path[path.length - 1] === 'repeat' ? 'repeat' : 'try'}:\``, span);
  }
  // A key of another kind (`maxParallel` on an activity step): not a typo, a misplaced key.
  if (kind && allStepKeys().includes(key)) return error('DF101', `'${key}' does not apply to ${where}: ${takes}`, span);
  let hint = didYouMean(key, allowed);
  // A misspelling of another kind's key ('foreach' on an activity step).
  if (!hint && inStep) hint = didYouMean(key, allStepKeys());
  return error('DF101', `unknown key '${key}' in ${where}${hint || `: ${takes}`}`, span);
}

/** A switch case is `{ if, steps }` or `{ else }`: say which part is missing or extra. */
function switchCase(data: unknown, path: JsonPath, value: unknown, locate: Locator): Diagnostic[] {
  if (!isObject(value)) return [];
  const where = subject(data, path);
  const has = (k: string): boolean => k in value;
  if (has('else') && (has('if') || has('steps'))) {
    const extra = has('if') ? 'if' : 'steps';
    return [error('DF105', `${where} has both '${extra}' and 'else': an else case is only \`- else: [steps]\`, and it comes last`, locate.key([...path, 'else']))];
  }
  if (has('if') && !has('steps')) return [error('DF102', `missing required key 'steps' in ${where}`, locate.value(path))];
  if (has('steps') && !has('if')) return [error('DF102', `missing required key 'if' in ${where} (or write \`else:\` for the default case)`, locate.value(path))];
  if (!has('if') && !has('else')) return [error('DF102', `${where} needs 'if' and 'steps', or 'else'`, locate.value(path))];
  return [];
}

/**
 * Drops diagnostics that are consequences of another: a missing key whose misspelling was
 * reported as unknown ('intervall' for 'interval'), and an anyOf verdict on a value whose
 * inner problem was reported.
 */
function collapse(list: Diagnostic[], errors: ErrorObject[]): Diagnostic[] {
  const misspelt = new Set(list.filter((d) => d.code === 'DF101').map((d) => /did you mean '([^']+)'/.exec(d.message)?.[1]).filter(Boolean));
  // A nested anyOf's verdict (retry's maxAttempts inside retry) explains the outer one.
  const inner = errors.filter((e) => !['if', 'oneOf', 'allOf', 'not'].includes(e.keyword));
  return list.filter((d) => {
    if (d.code === 'DF102') {
      const key = /missing required key '([^']+)'/.exec(d.message)?.[1];
      if (key && misspelt.has(key)) return false;
    }
    const anyOfPath = (d as Diagnostic & { anyOfPath?: string }).anyOfPath;
    if (anyOfPath !== undefined && inner.some((e) => (e.instancePath === anyOfPath && e.keyword !== 'anyOf') || e.instancePath.startsWith(anyOfPath + '/'))) return false;
    return true;
  });
}

function describeConstraint(e: ErrorObject, path: JsonPath, parent: Schema, value: unknown): string {
  const got = `got ${typeName(value)}`;
  if (isDuration(parent)) return `must be a duration like 30s, 5m or PT5M, or \${ ... } computed when the step runs; ${got}`;
  const p = e.params as Record<string, unknown>;
  const key = path[path.length - 1];
  switch (e.keyword) {
    case 'pattern': {
      if (key === 'name' || key === 'workflow') return `must be a name of letters, digits and _ starting with a letter; ${got}`;
      if (key === 'id' || key === 'as') return `must be an identifier (letters, digits, _; not starting with a digit); ${got}`;
      if (key === 'activity') return `must be the name of an exported function (letters, digits and _, starting with a letter); ${got}`;
      if (key === 'description') return 'must not be blank';
      if (key === 'error' || path[path.length - 2] === 'nonRetryable' || path[path.length - 2] === 'on') return `must be an error name: 1 to ${MAX_ERROR_NAME_LENGTH} printable characters (no control characters or line breaks)${key === 'error' ? ', or an expression `${ ... }`' : ''}; ${got}`;
      if (key === 'schedule') return `must be an NCRONTAB schedule of 6 fields (second minute hour day month weekday) like '0 */5 * * * *'; ${got}`;
      if (key === 'route') return `must be a literal route like orders/process: segments of letters, digits, '.', '_', '~' and '-' (no parameters like {id}, no '.' or '..' segments); ${got}`;
      return `does not have the expected form (${String(p.pattern)}); ${got}`;
    }
    case 'minimum':
      return `must be at least ${String(p.limit)}; ${got}`;
    case 'maximum':
      return `must be at most ${String(p.limit)}; ${got}`;
    case 'minItems':
      return `needs at least ${String(p.limit)} item${p.limit === 1 ? '' : 's'}`;
    case 'minLength':
      return 'must not be empty';
    case 'maxLength':
      return `must be at most ${String(p.limit)} characters long; got ${typeof value === 'string' ? value.length : 0}`;
    case 'minProperties':
      return 'needs at least one entry';
    case 'uniqueItems':
      return 'must not repeat items';
    default:
      return `is invalid: ${e.message ?? ''}`;
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
