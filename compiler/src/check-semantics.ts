/**
 * Semantic checks over the model: step ids, what each expression may see at its point of use,
 * activities and sub-workflows that exist, recursion, and reserved names. Pure: model in,
 * diagnostics out.
 */
import { error, warning, type Diagnostic, type Span } from './diagnostics';
import { checkExpression, type ExpressionScope } from './expressions';
import type { Project, Step, Value, Workflow } from './model';
import { didYouMean } from './suggest';
import { notPartitionable } from './partition';

/** Names the generated code and the expression language already use. */
export const RESERVED_NAMES = new Set([
  'input', 'steps', 'vars', 'instanceId', 'now', 'workflow', 'index', 'output', 'context', 'df', 'rt', 'run', 'last', 'thrown',
  'undefined', 'null', 'true', 'false', 'NaN', 'Infinity', 'this', 'arguments', 'eval',
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'enum',
  'export', 'extends', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof', 'let', 'new', 'return',
  'super', 'switch', 'throw', 'try', 'typeof', 'var', 'void', 'while', 'with', 'yield', 'await', 'static',
  'implements', 'interface', 'package', 'private', 'protected', 'public',
]);

/** A forEach over a literal list longer than this without `maxParallel` earns a warning. */
export const LARGE_FAN_OUT = 20;

interface Scope {
  locals: string[];
  visible: string[];
}

export function checkWorkflow(workflow: Workflow, project: Project): Diagnostic[] {
  const out: Diagnostic[] = [];
  const allSteps = collectIds(workflow.steps, out);

  const expr = (value: Value | undefined, scope: Scope, extra: Partial<ExpressionScope> = {}): void => {
    if (!value) return;
    const es: ExpressionScope = { locals: scope.locals, visibleSteps: scope.visible, allSteps, ...extra };
    for (const e of expressionsOf(value)) out.push(...checkExpression(e, es));
  };

  const local = (name: string, span: Span, what: string): void => {
    if (RESERVED_NAMES.has(name)) out.push(error('DF206', `'${name}' is reserved and cannot name ${what}: choose another name`, span));
  };

  /** Checks a list of steps; returns the ids that became visible after it. */
  const list = (steps: Step[], scope: Scope): string[] => {
    const visible = [...scope.visible];
    let ended: Step | undefined;
    for (const step of steps) {
      if (ended) {
        out.push(warning('DF502', `this step never runs: the ${ended.kind} step before it ends the workflow`, step.kindSpan));
        ended = undefined;
      }
      const here: Scope = { locals: scope.locals, visible: [...visible] };
      one(step, here);
      if (step.id) visible.push(step.id);
      // A guarded fail/continueAsNew may not run, so the steps after it may.
      if ((step.kind === 'fail' || step.kind === 'continueAsNew') && !step.if) ended = step;
    }
    return visible;
  };

  const one = (step: Step, scope: Scope): void => {
    expr(step.if, scope);
    expr(step.result, { ...scope, locals: [...scope.locals, 'output'] });
    switch (step.kind) {
      case 'activity':
        expr(step.input, scope);
        if (!project.activities.has(step.activity)) {
          const hint = didYouMean(step.activity, project.activities.keys());
          const where = project.activities.size === 0 ? ' (workflows/activities/ exports none)' : '';
          out.push(
            error('DF401', `unknown activity '${step.activity}'${hint || where}: export a function named '${step.activity}' from a module under workflows/activities/`, step.kindSpan),
          );
        }
        return;
      case 'workflow':
        expr(step.input, scope);
        if (!project.workflows.some((w) => w.name === step.workflow)) {
          const hint = didYouMean(step.workflow, project.workflows.map((w) => w.name));
          out.push(error('DF402', `unknown workflow '${step.workflow}'${hint}`, step.kindSpan));
        }
        return;
      case 'forEach': {
        expr(step.items, scope);
        local(step.as, step.kindSpan, 'a forEach item');
        if (step.maxParallel === undefined && isLargeList(step.items)) {
          out.push(
            warning('DF501', `forEach over ${listLength(step.items)} items has no maxParallel: all start at once; set a cap`, step.kindSpan),
          );
        }
        if (step.partitionSize !== undefined && step.partitionSize > 0) {
          const why = notPartitionable(step, scope.locals.length === 0);
          if (why) out.push(warning('DF503', `partitionSize has no effect: ${why}, so this forEach always runs in one orchestration`, step.kindSpan));
        }
        list(step.steps, { locals: [...scope.locals, step.as, 'index'], visible: scope.visible });
        return;
      }
      case 'parallel':
        for (const b of step.branches) list(b.steps, scope);
        return;
      case 'waitForEvent':
      case 'delay':
        return;
      case 'until':
        expr(step.at, scope);
        return;
      case 'switch':
        for (const c of step.cases) {
          expr(c.when, scope);
          list(c.steps, scope);
        }
        if (step.otherwise) list(step.otherwise, scope);
        return;
      case 'set':
        for (const v of step.vars) expr(v.value, scope);
        return;
      case 'status':
        expr(step.value, scope);
        return;
      case 'try':
        list(step.steps, scope);
        local(step.catch.as, step.catch.span, 'a caught error');
        list(step.catch.steps, { locals: [...scope.locals, step.catch.as], visible: scope.visible });
        return;
      case 'fail':
        expr(step.message, scope);
        return;
      case 'continueAsNew':
        expr(step.input, scope);
        return;
    }
  };

  const top: Scope = { locals: [], visible: [] };
  if (workflow.singleton?.key) expr(workflow.singleton.key, top, { onlyInput: true });
  const visible = list(workflow.steps, top);
  expr(workflow.output, { locals: [], visible });
  return out;
}

/** Every step id in the file; reports duplicates (ids are unique per file, whatever the nesting). */
function collectIds(steps: Step[], out: Diagnostic[]): string[] {
  const seen = new Map<string, Step>();
  const visit = (list: Step[]): void => {
    for (const s of list) {
      if (s.id !== undefined) {
        if (seen.has(s.id)) {
          const first = seen.get(s.id)!;
          out.push(error('DF201', `duplicate step id '${s.id}': already used at line ${first.span.start.line}`, s.span));
        } else seen.set(s.id, s);
      }
      for (const child of childLists(s)) visit(child);
    }
  };
  visit(steps);
  return [...seen.keys()];
}

export function childLists(s: Step): Step[][] {
  switch (s.kind) {
    case 'forEach':
      return [s.steps];
    case 'parallel':
      return s.branches.map((b) => b.steps);
    case 'switch':
      return [...s.cases.map((c) => c.steps), ...(s.otherwise ? [s.otherwise] : [])];
    case 'try':
      return [s.steps, s.catch.steps];
    default:
      return [];
  }
}

export function expressionsOf(value: Value): Array<import('./model').Expression> {
  switch (value.kind) {
    case 'literal':
      return [];
    case 'expr':
      return [value.expr];
    case 'template':
      return value.parts.filter((p): p is import('./model').Expression => typeof p !== 'string');
    case 'array':
      return value.items.flatMap(expressionsOf);
    case 'object':
      return value.entries.flatMap((e) => expressionsOf(e.value));
  }
}

function listLength(v: Value): number {
  return v.kind === 'array' ? v.items.length : 0;
}

function isLargeList(v: Value): boolean {
  return listLength(v) > LARGE_FAN_OUT;
}

/** Project-wide checks: duplicate workflow names and sub-workflow recursion. */
export function checkProject(project: Project): Diagnostic[] {
  const out: Diagnostic[] = [];
  const byName = new Map<string, Workflow>();
  for (const w of project.workflows) {
    const first = byName.get(w.name);
    if (first) out.push(error('DF205', `duplicate workflow name '${w.name}': ${first.file} already uses it`, w.span));
    else byName.set(w.name, w);
  }
  // Cycles: depth-first search over "workflow step calls workflow" edges, reported once per cycle.
  const calls = (w: Workflow): Array<{ target: string; span: Span }> => {
    const found: Array<{ target: string; span: Span }> = [];
    const walk = (steps: Step[]): void => {
      for (const s of steps) {
        if (s.kind === 'workflow') found.push({ target: s.workflow, span: s.kindSpan });
        for (const c of childLists(s)) walk(c);
      }
    };
    walk(w.steps);
    return found;
  };
  const reported = new Set<string>();
  const stack: string[] = [];
  const done = new Set<string>();
  const dfs = (name: string): void => {
    if (done.has(name)) return;
    const w = byName.get(name);
    if (!w) return;
    stack.push(name);
    for (const { target, span } of calls(w)) {
      const at = stack.indexOf(target);
      if (at >= 0) {
        const cycle = [...stack.slice(at), target];
        const key = [...cycle.slice(0, -1)].sort().join(',');
        if (!reported.has(key)) {
          reported.add(key);
          out.push(error('DF403', `sub-workflow recursion: ${cycle.join(' → ')} (a workflow may not call itself, directly or through others)`, span));
        }
      } else dfs(target);
    }
    stack.pop();
    done.add(name);
  };
  for (const name of [...byName.keys()].sort()) dfs(name);
  for (const w of project.workflows) out.push(...checkWorkflow(w, project));
  return out;
}
