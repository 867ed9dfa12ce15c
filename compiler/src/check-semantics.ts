/**
 * Semantic checks over the model: step ids, what each expression may see at its point of use,
 * activities and sub-workflows that exist, recursion, and reserved names. Pure: model in,
 * diagnostics out.
 */
import { error, warning, type Diagnostic, type Span } from './diagnostics';
import { checkExpression, type ExpressionScope } from './expressions';
import { IMPLICIT_HOOKS } from './expressions/allowlist';
import type { Duration, Project, Quorum, Step, Value, Workflow } from './model';
import { OBJECT_MEMBER_NAMES, RESERVED_FOLDER_NAMES, reservedReason } from './names';
import { allSteps as allStepsOf, notDetachable, notPartitionable, REPEAT_ITERATIONS_PER_HISTORY } from './partition';
import { overlappingPair, RESERVED_ROUTES, workflowRoutes } from './routes';
import { didYouMean } from './suggest';

/** A forEach over a literal list longer than this without `maxParallel` earns a warning. */
export const LARGE_FAN_OUT = 20;

interface Scope {
  locals: string[];
  visible: string[];
  /**
   * What a `break` here would end: the innermost repeat or forEach, or a parallel branch (which
   * a break may not leave); undefined at the top level of the workflow.
   */
  loop?: { kind: 'repeat' } | { kind: 'forEach'; sequential: boolean } | { kind: 'parallel' };
}

/** Why a break cannot stand where it does, or undefined when it ends a loop. */
function breakProblem(loop: Scope['loop']): string | undefined {
  if (!loop) return 'a break ends the innermost repeat or forEach, and none encloses this one: use fail to end the workflow';
  if (loop.kind === 'parallel') return 'a break may not leave a parallel branch (the branches around it run at the same time): end the branch with a switch, or move the loop into the branch';
  if (loop.kind === 'forEach' && !loop.sequential) {
    return 'this forEach runs its items at the same time, so a break cannot stop the items after it: set maxParallel: 1 to run them one by one, or use repeat';
  }
  return undefined;
}

export function checkWorkflow(workflow: Workflow, project: Project): Diagnostic[] {
  const out: Diagnostic[] = [];
  const allSteps = collectIds(workflow.steps, out);

  const expr = (value: Value | undefined, scope: Scope, extra: Partial<ExpressionScope> = {}): void => {
    if (!value) return;
    const es: ExpressionScope = { locals: scope.locals, visibleSteps: scope.visible, allSteps, ...extra };
    for (const e of expressionsOf(value)) out.push(...checkExpression(e, es));
    out.push(...hookKeys(value));
  };

  const local = (name: string, span: Span, what: string): void => {
    const why = reservedReason(name);
    if (why) out.push(error('DF206', `'${name}' ${why} and cannot name ${what}: choose another name`, span));
  };

  if (workflow.trigger.http.getSpan) {
    out.push(
      warning(
        'DF504',
        `'${workflow.name}' starts on GET: any web page can start it with a link, an <img> or a redirect (browsers send no Origin header on those; on Azure nothing else stops them where the route needs no key). The local hosts refuse what a browser marks as cross-site; prefer methods: [POST]`,
        workflow.trigger.http.getSpan,
      ),
    );
  }

  if (RESERVED_FOLDER_NAMES.has(workflow.name.toLowerCase())) {
    out.push(error('DF206', `'${workflow.name}' cannot name a workflow: its generated folder generated/${workflow.name}/ would be special to Node.js or Windows`, workflow.nameSpan));
  }

  /** Checks a list of steps; returns the ids that became visible after it. */
  const list = (steps: Step[], scope: Scope): string[] => {
    const visible = [...scope.visible];
    let ended: Step | undefined;
    for (const step of steps) {
      if (ended) {
        const what = ended.kind === 'break' ? 'ends the loop' : 'ends the workflow';
        out.push(warning('DF502', `this step never runs: the ${ended.kind} step before it ${what}`, step.kindSpan));
        ended = undefined;
      }
      const here: Scope = { locals: scope.locals, visible: [...visible], loop: scope.loop };
      one(step, here);
      if (step.id) visible.push(step.id);
      // A guarded fail/continueAsNew/break may not run, so the steps after it may.
      if ((step.kind === 'fail' || step.kind === 'continueAsNew' || step.kind === 'break') && !step.if) ended = step;
    }
    return visible;
  };

  /** `succeedWhen.atLeast`: its expression, and a literal that more than `count` bodies would need (DF212). */
  const quorum = (q: Quorum | undefined, count: number | undefined, what: string, scope: Scope): void => {
    if (!q) return;
    expr(q.atLeast, scope);
    const n = q.atLeast.kind === 'literal' ? q.atLeast.value : undefined;
    if (typeof n === 'number' && count !== undefined && n > count) {
      out.push(error('DF212', `succeedWhen.atLeast is ${n} but there are only ${count} ${what}: the quorum can never be reached (the step would always fail with QuorumNotReached)`, q.atLeast.span));
    }
  };

  const one = (step: Step, scope: Scope): void => {
    expr(step.if, scope);
    // Durations from data read the scope the step starts in (a repeat's interval: below).
    for (const d of durations(step)) expr(d.value, scope);
    expr(step.result, { ...scope, locals: [...scope.locals, 'output'] });
    if (step.compensate) {
      // The undo reads `output`, the step's output; a break in it ends no loop around the step.
      const undo: Scope = { locals: [...scope.locals, 'output'], visible: scope.visible };
      if (step.compensate.call) one(step.compensate.call, undo);
      else list(step.compensate.steps, undo);
    }
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
        quorum(step.succeedWhen, step.items.kind === 'array' ? listLength(step.items) : undefined, 'items in this forEach list', scope);
        local(step.as, step.asSpan ?? step.kindSpan, 'a forEach item');
        if (step.maxParallel === undefined && isLargeList(step.items)) {
          out.push(
            warning('DF501', `forEach over ${listLength(step.items)} items has no maxParallel: all start at once; set a cap`, step.kindSpan),
          );
        }
        if (step.partitionSize !== undefined && step.partitionSize > 0) {
          const why = notPartitionable(step, scope.locals.length === 0);
          if (why) out.push(warning('DF503', `partitionSize has no effect: ${why}, so this forEach always runs in one orchestration`, step.kindSpan));
        }
        list(step.steps, { locals: [...scope.locals, step.as, 'index'], visible: scope.visible, loop: { kind: 'forEach', sequential: step.maxParallel === 1 } });
        return;
      }
      case 'parallel':
        quorum(step.succeedWhen, step.branches.length, 'branches in this parallel', scope);
        for (const b of step.branches) list(b.steps, { ...scope, loop: { kind: 'parallel' } });
        return;
      case 'repeat': {
        if (step.while && step.until) {
          out.push(error('DF208', 'a repeat takes `while` (checked before each iteration) or `until` (checked after each), not both: combine the conditions in one', step.until.span));
        }
        if (step.maxIterations > REPEAT_ITERATIONS_PER_HISTORY) {
          const why = notDetachable(step, scope.locals.length === 0);
          if (why) {
            out.push(
              warning(
                'DF505',
                `this repeat may run up to ${step.maxIterations} iterations in the workflow's own history (${why}), so each wake replays every iteration before it: beyond ${REPEAT_ITERATIONS_PER_HISTORY} iterations a repeat goes on in a fresh history only when it can run in a loop orchestration (docs/language.md#loops-repeat-and-break)`,
                step.kindSpan,
              ),
            );
          }
        }
        if (step.timeout && !step.interval && !waitsIn(step.steps)) out.push(unreachedTimeout('repeat', step.timeout.span));
        const inside: Scope = { locals: [...scope.locals, 'loop'], visible: scope.visible, loop: { kind: 'repeat' } };
        expr(step.while, inside);
        expr(step.interval?.value, inside);
        const seen = list(step.steps, inside);
        // `until` runs after the iteration: it sees the ids of the iteration's steps.
        expr(step.until, { ...inside, visible: seen });
        return;
      }
      case 'break': {
        const why = breakProblem(scope.loop);
        if (why) out.push(error('DF208', why, step.kindSpan));
        return;
      }
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
        for (const v of step.vars) {
          expr(v.value, scope);
          if (OBJECT_MEMBER_NAMES.has(v.name) || IMPLICIT_HOOKS.includes(v.name)) {
            out.push(error('DF206', `'${v.name}' cannot name a variable: every object has a member of that name (vars.${v.name} would change what it does)`, v.span));
          }
        }
        return;
      case 'status':
        expr(step.value, scope);
        return;
      case 'try':
        if (step.timeout && !waitsIn(step.steps)) out.push(unreachedTimeout('try', step.timeout.span));
        list(step.steps, scope);
        local(step.catch.as, step.catch.asSpan ?? step.catch.span, 'a caught error');
        list(step.catch.steps, { locals: [...scope.locals, step.catch.as], visible: scope.visible, loop: scope.loop });
        return;
      case 'fail':
        expr(step.rethrow, scope);
        expr(step.computedError, scope);
        expr(step.message, scope);
        return;
      case 'continueAsNew':
        expr(step.input, scope);
        return;
      case 'compensate':
        return;
    }
  };

  out.push(...checkSagas(workflow.steps));
  const top: Scope = { locals: [], visible: [] };
  if (workflow.singleton?.key) expr(workflow.singleton.key, top, { onlyInput: true });
  const visible = list(workflow.steps, top);
  expr(workflow.output, { locals: [], visible });
  return out;
}

/** Whether any of these steps (at any depth) waits: only a wait races a scope's deadline. */
function waitsIn(steps: Step[]): boolean {
  return steps.some(
    (s) =>
      ['activity', 'workflow', 'forEach', 'parallel', 'waitForEvent', 'delay', 'until'].includes(s.kind) ||
      (s.kind === 'repeat' && s.interval !== undefined) ||
      childLists(s).some(waitsIn),
  );
}

/** DF506: a try/repeat timeout that nothing inside waits on, so it can never fire. */
function unreachedTimeout(kind: 'try' | 'repeat', span: Span): Diagnostic {
  return warning('DF506', `this timeout never applies: nothing inside the ${kind} waits (only activities, workflows, forEach, parallel, waitForEvent, delay and until race a deadline); move it to the step that waits, or remove it`, span);
}

/**
 * Sagas: where `compensate` can act. An undo registers with the innermost try around its step
 * (none: warning DF509, it never runs); `compensate: all` runs its catch's try's undos (outside a
 * catch, or when that try registers none: DF509); an undo's own steps may not compensate or
 * continue as new (DF218).
 */
function checkSagas(steps: Step[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  interface Where {
    inTry: boolean;
    /** In a catch: whether its try registers an undo. */
    catchRegisters?: boolean;
    inUndo: boolean;
  }
  const walk = (list: Step[], at: Where): void => {
    for (const s of list) {
      if (at.inUndo && (s.compensate || s.kind === 'compensate' || s.kind === 'continueAsNew')) {
        const what = s.kind === 'continueAsNew' ? 'continue as new' : s.kind === 'compensate' ? 'run `compensate: all`' : 'carry `compensate`';
        out.push(error('DF218', `a compensation's steps may not ${what}: they run while a catch compensates`, s.compensate && s.kind !== 'compensate' && s.kind !== 'continueAsNew' ? s.compensate.span : s.kindSpan));
      } else if (s.compensate && !at.inTry && !at.inUndo) {
        out.push(warning('DF509', `this compensation never runs: no try encloses the step, so no catch can \`compensate: all\``, s.compensate.span));
      } else if (s.kind === 'compensate' && !at.inUndo) {
        if (at.catchRegisters === undefined) out.push(warning('DF509', '`compensate: all` does nothing outside a catch: it runs the compensations registered by the steps of its try', s.kindSpan));
        else if (!at.catchRegisters) out.push(warning('DF509', '`compensate: all` does nothing here: no step of its try carries `compensate`', s.kindSpan));
      }
      if (s.compensate) walk(s.compensate.steps, { inTry: false, inUndo: true });
      if (s.kind === 'try') {
        walk(s.steps, { ...at, inTry: true });
        walk(s.catch.steps, { ...at, catchRegisters: allStepsOf(s.steps).some((x) => x.compensate !== undefined) });
      } else for (const child of childLists(s)) walk(child, at);
    }
  };
  walk(steps, { inTry: false, inUndo: false });
  return out;
}

/** Every step id in the file; reports duplicates (ids are unique per file, whatever the nesting). */
function collectIds(steps: Step[], out: Diagnostic[]): string[] {
  const seen = new Map<string, Step>();
  const visit = (list: Step[]): void => {
    for (const s of list) {
      if (s.id !== undefined) {
        if (OBJECT_MEMBER_NAMES.has(s.id) || IMPLICIT_HOOKS.includes(s.id)) {
          out.push(error('DF206', `'${s.id}' cannot name a step: every object has a member of that name (steps.${s.id} would change what it does)`, s.idSpan ?? s.span));
        }
        if (seen.has(s.id)) {
          const first = seen.get(s.id)!;
          out.push(error('DF201', `duplicate step id '${s.id}': already used at line ${first.span.start.line}`, s.span));
        } else seen.set(s.id, s);
      }
      for (const child of childLists(s)) visit(child);
      if (s.compensate) visit(s.compensate.steps);
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
    case 'repeat':
      return [s.steps];
    default:
      return [];
  }
}

/** A step's durations, but a repeat's interval (which reads the loop): timeouts, retry intervals, a delay. */
function durations(step: Step): Duration[] {
  const policies = Array.isArray(step.retry) ? step.retry : step.retry ? [step.retry] : [];
  const own = step.kind === 'waitForEvent' ? step.eventTimeout : step.kind === 'delay' ? step.duration : undefined;
  return [step.attemptTimeout, step.timeout, own, ...policies.flatMap((r) => [r.interval, r.maxInterval, r.timeout])].filter((d): d is Duration => d !== undefined);
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

/** YAML mapping keys JavaScript calls by itself (`toJSON`, ...) holding a computed value (DF305). */
function hookKeys(value: Value): Diagnostic[] {
  switch (value.kind) {
    case 'array':
      return value.items.flatMap(hookKeys);
    case 'object':
      return value.entries.flatMap((e) => [
        ...(IMPLICIT_HOOKS.includes(e.key) && expressionsOf(e.value).length > 0
          ? [error('DF305', `'${e.key}' may not hold a computed value: JavaScript calls a member of that name by itself (conversions, JSON.stringify)`, e.keySpan ?? e.value.span)]
          : []),
        ...hookKeys(e.value),
      ]);
    default:
      return [];
  }
}

function listLength(v: Value): number {
  return v.kind === 'array' ? v.items.length : 0;
}

function isLargeList(v: Value): boolean {
  return listLength(v) > LARGE_FAN_OUT;
}

/**
 * HTTP routes (DF405): no two workflows may register routes one request could match, and none
 * may take a route the app keeps for itself. Reported at each workflow of a pair.
 */
function checkRoutes(workflows: readonly Workflow[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const sorted = [...workflows].sort((a, b) => a.file.localeCompare(b.file) || a.name.localeCompare(b.name));
  const routes = new Map(sorted.map((w) => [w, workflowRoutes(w.trigger.http.route)]));
  const where = (w: Workflow): string => (w.trigger.http.routeSpan === w.nameSpan ? `its default route '${w.trigger.http.route}'` : `route '${w.trigger.http.route}'`);
  for (const w of sorted) {
    for (const r of RESERVED_ROUTES) {
      const pair = overlappingPair(routes.get(w)!, [r.template]);
      if (pair) out.push(error('DF405', `${where(w)} overlaps ${r.owner}: '${pair[0]}' and '${pair[1]}' can match one request; choose another route`, w.trigger.http.routeSpan));
    }
  }
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length; j++) {
      const [a, b] = [sorted[i], sorted[j]];
      if (a.name === b.name) continue; // DF205
      const pair = overlappingPair(routes.get(a)!, routes.get(b)!);
      if (!pair) continue;
      const why = `one request could reach either workflow's functions, with the other's auth level; give each workflow a route that is not the other's route or under its /instances`;
      out.push(error('DF405', `${where(a)} overlaps workflow '${b.name}' (${b.file}): '${pair[0]}' and '${pair[1]}' can match one request: ${why}`, a.trigger.http.routeSpan));
      out.push(error('DF405', `${where(b)} overlaps workflow '${a.name}' (${a.file}): '${pair[1]}' and '${pair[0]}' can match one request: ${why}`, b.trigger.http.routeSpan));
    }
  }
  return out;
}

/** The Azure function names a workflow registers (compiler/src/codegen/index.ts and the blueprint). */
export function workflowFunctionNames(w: Workflow): string[] {
  return [w.name, `${w.name}-partition`, `${w.name}_start`, `${w.name}_instances`, ...(w.trigger.schedule ? [`${w.name}_schedule`] : [])];
}

/**
 * Function names of the app, compared as Azure compares them (case-insensitively): no two alike
 * (DF406). Reported at every workflow that registers a clashing name, naming the other owner.
 */
function checkFunctionNames(project: Project): Diagnostic[] {
  type Owner = { label: string; workflow?: Workflow };
  const owners = new Map<string, Array<Owner & { fn: string }>>();
  const own = (fn: string, owner: Owner): void => {
    const k = fn.toLowerCase();
    owners.set(k, [...(owners.get(k) ?? []), { ...owner, fn }]);
  };
  own('openapi', { label: "the app's OpenAPI function" });
  for (const [name, file] of project.activities) own(name, { label: `activity '${name}' (${file})` });
  const names = new Map<string, number>();
  for (const w of project.workflows) names.set(w.name.toLowerCase(), (names.get(w.name.toLowerCase()) ?? 0) + 1);
  // Workflows whose names clash already have DF205.
  const workflows = project.workflows.filter((w) => names.get(w.name.toLowerCase()) === 1).sort((a, b) => a.file.localeCompare(b.file));
  for (const w of workflows) for (const fn of workflowFunctionNames(w)) own(fn, { label: `workflow '${w.name}' (${w.file})`, workflow: w });
  const out: Diagnostic[] = [];
  const reported = new Set<Workflow>();
  for (const list of owners.values()) {
    if (list.length < 2) continue;
    for (const o of list) {
      if (!o.workflow || reported.has(o.workflow)) continue;
      const other = list.find((x) => x.workflow !== o.workflow)!;
      reported.add(o.workflow);
      out.push(
        error('DF406', `workflow '${o.workflow.name}' registers the function '${o.fn}', which ${other.label} registers as '${other.fn}' (Azure function names are case-insensitive): rename one of them`, o.workflow.nameSpan),
      );
    }
  }
  return out;
}

/** Project-wide checks: duplicate workflow names, routes, function names and sub-workflow recursion. */
export function checkProject(project: Project): Diagnostic[] {
  const out: Diagnostic[] = [];
  const byName = new Map<string, Workflow>();
  const byLowerName = new Map<string, Workflow>();
  for (const w of project.workflows) {
    const first = byName.get(w.name);
    const alike = byLowerName.get(w.name.toLowerCase());
    if (first) out.push(error('DF205', `duplicate workflow name '${w.name}': ${first.file} already uses it`, w.span));
    else if (alike) {
      out.push(error('DF205', `workflow name '${w.name}' differs from '${alike.name}' (${alike.file}) only in case: their functions and generated folders would collide`, w.span));
    } else byName.set(w.name, w);
    if (!alike) byLowerName.set(w.name.toLowerCase(), w);
  }
  out.push(...checkRoutes(project.workflows), ...checkFunctionNames(project));
  // Cycles: depth-first search over "workflow step calls workflow" edges, reported once per cycle.
  const calls = (w: Workflow): Array<{ target: string; span: Span }> => {
    const found: Array<{ target: string; span: Span }> = [];
    const walk = (steps: Step[]): void => {
      for (const s of steps) {
        if (s.kind === 'workflow') found.push({ target: s.workflow, span: s.kindSpan });
        for (const c of childLists(s)) walk(c);
        if (s.compensate) walk(s.compensate.steps);
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
