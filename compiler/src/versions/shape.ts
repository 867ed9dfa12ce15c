/**
 * The replay shape of a workflow: everything in its steps that can change what an instance does
 * when it replays its history (which calls it issues, in which order, with which inputs, and every
 * value that decides them), in a canonical form. Two versions with the same shape replay each
 * other's histories alike; any difference makes a new version (compiler/src/versions/index.ts).
 *
 * In the shape: every step (kind, id, position), its `if`, `retry`, `timeout`, `result`, every
 * input and expression (compared after parsing: spacing, comments and line breaks inside `${ }`
 * do not count), activity and sub-workflow names, the version of each sub-workflow called,
 * forEach items/as/maxParallel/onItemError/partitionSize and the name slices and progress know
 * it by (its id, or `forEach@<line>` without one), parallel branches, switch cases, event names
 * and timeouts, durations (in ms: `60s` and `1m` are the same), set variables, try/catch, fail
 * and continueAsNew.
 *
 * Not in the shape (editing them never makes a version): description, comments, formatting and
 * key order, the `input` schema, `trigger`, `singleton`, `output` (evaluated once, after the last
 * step, over the same state: instances in flight finish with the new expression) and the value of
 * `status` steps (a custom status; the step itself counts, since it sets the previous output to
 * null).
 */
import { ts } from 'ts-morph';
import type { Span } from '../diagnostics';
import { parseExpression } from '../expressions/parse';
import type { Duration, RetryPolicy, Step, Value, Workflow } from '../model';
import { partitionSize } from '../partition';

/** One step of the shape, with where it stands (for diagnostics; not part of the comparison). */
export interface ShapeStep {
  /** What matches a step to its counterpart in another version: `#id`, else the kind and its name. */
  key: string;
  /** How messages name it: `'charge'`, `the activity 'SendReceipt' step`. */
  label: string;
  kind: Step['kind'];
  /** Compared values (canonical JSON-able data), by field name. */
  fields: Record<string, unknown>;
  /** Nested step lists (forEach body, branches, cases, try and catch), by name. */
  lists: Record<string, ShapeStep[]>;
  span: Span;
  kindSpan: Span;
  /** Where the step is named: its id, else its kind key. */
  at: Span;
  /** Where each field is written, when the model knows. */
  fieldSpans: Record<string, Span>;
}

const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });

/** An expression as parsed and printed again: the same for any spacing, comments or line breaks. */
export function canonicalExpression(source: string): string {
  const parsed = parseExpression(source);
  if ('error' in parsed) return source;
  return printer.printNode(ts.EmitHint.Expression, parsed.expr, parsed.file).replace(/\s+/g, ' ');
}

/** A YAML value in canonical, comparable form. */
export function canonicalValue(v: Value): unknown {
  switch (v.kind) {
    case 'literal':
      return { literal: v.value };
    case 'expr':
      return { expr: canonicalExpression(v.expr.source) };
    case 'template':
      return { template: v.parts.map((p) => (typeof p === 'string' ? p : { expr: canonicalExpression(p.source) })) };
    case 'array':
      return { array: v.items.map(canonicalValue) };
    case 'object':
      return { object: v.entries.map((e) => [e.key, canonicalValue(e.value)]) };
  }
}

/** A duration's shape: its milliseconds, or the canonical expression of a duration from data. */
const ms = (d: Duration | undefined): unknown => (d ? (d.value ? canonicalValue(d.value) : d.ms) : null);

function retryShape(r: RetryPolicy | RetryPolicy[] | undefined): unknown {
  if (!r) return null;
  if (Array.isArray(r)) return r.map(retryShape);
  // `on` only when written, so a policy's shape is the same as before lists of policies existed.
  return { maxAttempts: r.maxAttempts, interval: ms(r.interval), backoff: r.backoff, maxInterval: ms(r.maxInterval), timeout: ms(r.timeout), nonRetryable: r.nonRetryable, ...(r.on ? { on: r.on } : {}) };
}

/** The name a forEach is known by at run time: in progress reports and to the slices that run its body. */
export function forEachName(step: Extract<Step, { kind: 'forEach' }>): string {
  return step.id ?? `forEach@${step.span.start.line}`;
}

function label(step: Step): string {
  if (step.id) return `'${step.id}'`;
  switch (step.kind) {
    case 'activity':
      return `the activity '${step.activity}' step`;
    case 'workflow':
      return `the workflow '${step.workflow}' step`;
    case 'waitForEvent':
      return `the waitForEvent '${step.event}' step`;
    default:
      return `the ${step.kind} step`;
  }
}

function key(step: Step): string {
  if (step.id) return `#${step.id}`;
  switch (step.kind) {
    case 'activity':
      return `activity:${step.activity}`;
    case 'workflow':
      return `workflow:${step.workflow}`;
    case 'waitForEvent':
      return `waitForEvent:${step.event}`;
    default:
      return step.kind;
  }
}

function stepShape(step: Step, calls: Readonly<Record<string, number>>): ShapeStep {
  const fields: Record<string, unknown> = {};
  const fieldSpans: Record<string, Span> = {};
  const lists: Record<string, ShapeStep[]> = {};
  const value = (name: string, v: Value | undefined): void => {
    fields[name] = v ? canonicalValue(v) : null;
    if (v) fieldSpans[name] = v.span;
  };
  const plain = (name: string, v: unknown, span?: Span): void => {
    fields[name] = v ?? null;
    if (span) fieldSpans[name] = span;
  };
  const list = (name: string, steps: Step[] | undefined): void => {
    if (steps) lists[name] = steps.map((s) => stepShape(s, calls));
  };
  plain('id', step.id, step.idSpan);
  value('if', step.if);
  plain('retry', retryShape(step.retry), Array.isArray(step.retry) ? step.retry[0]?.span : step.retry?.span);
  if (step.attemptTimeout) plain('attemptTimeout', ms(step.attemptTimeout), step.attemptTimeout.span);
  plain('timeout', ms(step.timeout), step.timeout?.span);
  value('result', step.result);
  // An undo's calls are part of what a catch replays.
  if (step.compensate) list('compensate', step.compensate.steps);
  switch (step.kind) {
    case 'activity':
      plain('activity', step.activity, step.kindSpan);
      value('input', step.input);
      break;
    case 'workflow':
      plain('workflow', step.workflow, step.kindSpan);
      plain('version', calls[step.workflow] ?? 1, step.kindSpan);
      value('input', step.input);
      break;
    case 'forEach':
      value('items', step.items);
      plain('as', step.as, step.asSpan);
      plain('maxParallel', step.maxParallel);
      plain('onItemError', step.onItemError);
      plain('partitionSize', partitionSize(step));
      plain('name', forEachName(step), step.idSpan ?? step.kindSpan);
      list('body', step.steps);
      break;
    case 'parallel':
      plain('maxParallel', step.maxParallel);
      plain('branches', step.branches.length);
      step.branches.forEach((b, i) => list(`branch ${i + 1}`, b.steps));
      break;
    case 'waitForEvent':
      plain('event', step.event, step.kindSpan);
      plain('eventTimeout', ms(step.eventTimeout), step.eventTimeout?.span);
      plain('onTimeout', step.onTimeout);
      break;
    case 'delay':
      plain('duration', ms(step.duration), step.duration.span);
      break;
    case 'until':
      value('at', step.at);
      break;
    case 'switch':
      step.cases.forEach((k, i) => {
        value(`case ${i + 1}`, k.when);
        list(`case ${i + 1}`, k.steps);
      });
      plain('cases', step.cases.length);
      plain('otherwise', step.otherwise !== undefined);
      list('otherwise', step.otherwise);
      break;
    case 'set':
      fields.vars = step.vars.map((x) => [x.name, canonicalValue(x.value)]);
      if (step.vars[0]) fieldSpans.vars = step.vars[0].span;
      break;
    case 'status':
      // The value is a custom status: not part of the shape (see the file comment).
      break;
    case 'try':
      list('try', step.steps);
      plain('catchAs', step.catch.as, step.catch.asSpan);
      list('catch', step.catch.steps);
      break;
    case 'fail':
      if (step.rethrow) value('rethrow', step.rethrow);
      else if (step.computedError) value('error', step.computedError);
      else plain('error', step.error, step.kindSpan);
      value('message', step.message);
      break;
    case 'continueAsNew':
      value('input', step.input);
      break;
    case 'repeat':
      value('while', step.while);
      value('until', step.until);
      plain('maxIterations', step.maxIterations);
      plain('interval', ms(step.interval), step.interval?.span);
      plain('onMaxIterations', step.onMaxIterations);
      plain('name', step.id ?? `repeat@${step.span.start.line}`, step.idSpan ?? step.kindSpan);
      list('body', step.steps);
      break;
    case 'break':
      break;
    case 'compensate':
      plain('onCompensationError', step.onError);
      break;
  }
  return { key: key(step), label: label(step), kind: step.kind, fields, lists, span: step.span, kindSpan: step.kindSpan, at: step.idSpan ?? step.kindSpan, fieldSpans };
}

/** The replay shape of a workflow's steps, with `calls` the version of each sub-workflow it calls. */
export function workflowShape(w: Workflow, calls: Readonly<Record<string, number>>): ShapeStep[] {
  return w.steps.map((s) => stepShape(s, calls));
}

/** The comparable part of a step: what it is and what it holds, without where it stands. */
export function comparable(s: ShapeStep): unknown {
  return { kind: s.kind, fields: s.fields, lists: Object.fromEntries(Object.entries(s.lists).map(([k, v]) => [k, v.map(comparable)])) };
}

/** Whether two shapes replay alike. */
export function sameShape(a: readonly ShapeStep[], b: readonly ShapeStep[]): boolean {
  return JSON.stringify(a.map(comparable)) === JSON.stringify(b.map(comparable));
}
