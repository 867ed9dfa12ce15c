/**
 * Steps to orchestrator statements. Each step becomes a short, commented block; what should not
 * be inlined (the capped window, event races, timeouts) is a call into runtime/.
 *
 * Conventions of the generated code: `context` (the orchestration context), `run` (runtime
 * state), `steps`/`vars`/`input` (what expressions read), `last` (the previous step's output).
 */
import type { Duration, ForEachStep, Quorum, RepeatStep, RetryPolicy, Step, TryStep, Value } from '../model';
import { allSteps, bodyReads, notDetachable, notPartitionable, partitionSize, REPEAT_ITERATIONS_PER_HISTORY } from '../partition';
import type { NameScope } from './names';
import { markStep } from './step-marks';
import { commentText, literal, valueCode, type Rename } from './values';

/**
 * A forEach or repeat body generated as a module-level function, so slice and loop
 * orchestrations can run it too.
 */
export interface HoistedBody {
  /** forEach bodies go to the version's table of slices, repeat bodies to its table of loops. */
  kind: 'forEach' | 'repeat';
  /** The step's name in progress reports and in the slice orchestrator's table of bodies. */
  step: string;
  /** The type of the options constant. */
  optionsType: string;
  /** The body function's name, and the name of its partition options constant. */
  fn: string;
  options: string;
  /** `// file:line · ...` comment, the options' initializer, and the body's statements. */
  comment: string;
  optionsCode: string;
  params: Array<{ name: string; type: string }>;
  statements: Lines;
}

export interface StepContext {
  file: string;
  rename: Rename;
  /** The version of each sub-workflow this version calls (passed explicitly by `workflow` steps). */
  calls: Readonly<Record<string, number>>;
  /** True inside a forEach/parallel body (a nested generator function). */
  nested: boolean;
  /**
   * Collects partitionable forEach bodies; set only where a body may be hoisted (no local names
   * in scope: not inside a forEach body, whose item it might read, nor a catch, whose error it might).
   */
  hoist?: { orchestrator: string; bodies: HoistedBody[]; names: NameScope };
  /** The saga (runtime/saga.ts) of the innermost try around, where `compensate` registers; none outside a try. */
  saga?: string;
  /** In a catch: the saga of its try, which `compensate: all` runs (`undefined` when the try registers nothing). */
  catchSaga?: string;
}

/** Lines of code; nesting is by braces, the formatter indents. */
type Lines = string[];

/**
 * A duration in ms: a literal's number, or for a duration from data (`${ ... }`) its value
 * checked when the step runs: `rt.duration(value, "<key> of step '<name>' (file:line)")`.
 */
function ms(d: Duration, c: StepContext, what: string): string {
  if (!d.value) return String(d.ms);
  return `rt.duration(${valueCode(d.value, c.rename)}, ${literal(`${what} (${c.file}:${d.span.start.line})`)})`;
}

/** The step as errors name it: `step 'wait'`, or `the delay step` without an id (the line follows). */
function stepName(step: Step): string {
  return step.id ? `step '${step.id}'` : `the ${step.kind} step`;
}

/** One retry policy as an rt.RetryPolicy literal (no `maxAttempts`: unlimited). */
function retryCode(r: RetryPolicy, c: StepContext, step: Step): string {
  const of = ` of ${stepName(step)}`;
  const fields = [
    r.maxAttempts !== 'unlimited' ? `maxAttempts: ${r.maxAttempts}` : undefined,
    `intervalMs: ${ms(r.interval, c, `retry.interval${of}`)}`,
    r.backoff !== 1 ? `backoff: ${r.backoff}` : undefined,
    r.maxInterval ? `maxIntervalMs: ${ms(r.maxInterval, c, `retry.maxInterval${of}`)}` : undefined,
    r.timeout ? `timeoutMs: ${ms(r.timeout, c, `retry.timeout${of}`)}` : undefined,
    r.nonRetryable.length ? `nonRetryable: [${r.nonRetryable.map(literal).join(', ')}]` : undefined,
    r.on ? `on: [${r.on.map(literal).join(', ')}]` : undefined,
  ].filter(Boolean);
  return `{ ${fields.join(', ')} }`;
}

/** The step's retry, attempt timeout and timeout as rt.CallOptions, or nothing when it has none. */
function callOptions(step: Step, c: StepContext): string {
  const retry = Array.isArray(step.retry) ? `[${step.retry.map((r) => retryCode(r, c, step)).join(', ')}]` : step.retry ? retryCode(step.retry, c, step) : undefined;
  const fields = [
    retry ? `retry: ${retry}` : undefined,
    step.attemptTimeout ? `attemptTimeoutMs: ${ms(step.attemptTimeout, c, `attemptTimeout of ${stepName(step)}`)}` : undefined,
    step.timeout ? `timeoutMs: ${ms(step.timeout, c, `timeout of ${stepName(step)}`)}` : undefined,
  ].filter(Boolean);
  return fields.length ? `, { ${fields.join(', ')} }` : '';
}

function describe(step: Step): string {
  const name =
    step.kind === 'activity' ? ` ${step.activity}` : step.kind === 'workflow' ? ` ${step.workflow}` : step.kind === 'waitForEvent' ? ` ${commentText(step.event)}` : step.kind === 'compensate' ? ' all' : '';
  return `${step.id ? `${step.id}: ` : ''}${step.kind}${name}`;
}

/**
 * `rt.activity(run, "Name", input, options)`, `rt.workflow(run, { name: "child", version: 2 }, ...)`;
 * the input may be omitted when there are no options.
 */
function callCode(fn: string, target: string, input: Value | undefined, step: Step, c: StepContext): string {
  const options = callOptions(step, c);
  const inputCode = input ? `, ${valueCode(input, c.rename)}` : options ? ', null' : '';
  return `last = yield* rt.${fn}(run, ${target}${inputCode}${options});`;
}

/** A generator function for a body; a parallel branch adds no names, so forEach steps in it may still be hoisted. */
function body(steps: Step[], c: StepContext, params: string, keepHoist = false): Lines {
  const inner: StepContext = { ...c, nested: true, hoist: keepHoist ? c.hoist : undefined };
  return [`function* (${params}): rt.Body {`, 'let last: rt.Json = null;', ...stepsCode(steps, inner), 'return last;', '}'];
}

/** The line comment over a step with a quorum: where it is written and what it does. */
function quorumComment(q: Quorum | undefined, what: string, c: StepContext): string | undefined {
  if (!q) return undefined;
  const n = q.atLeast.kind === 'literal' ? String(q.atLeast.value) : q.atLeast.kind === 'expr' ? `\${ ${commentText(q.atLeast.expr.source)} }` : 'N';
  return `// ${c.file}:${q.span.start.line} · succeedWhen: done once ${n} ${what} have succeeded (the rest are abandoned); QuorumNotReached once that cannot happen`;
}

function kindCode(step: Step, c: StepContext): Lines {
  const v = (x: Value): string => valueCode(x, c.rename);
  switch (step.kind) {
    case 'activity':
      return [callCode('activity', literal(step.activity), step.input, step, c)];
    case 'workflow':
      return [callCode('workflow', `{ name: ${literal(step.workflow)}, version: ${c.calls[step.workflow] ?? 1} }`, step.input, step, c)];
    case 'forEach': {
      const name = step.id ?? `forEach@${step.span.start.line}`;
      const hoisted = hoistBody(step, name, c);
      const opts = [
        `step: ${literal(name)}`,
        `items: ${v(step.items)}`,
        step.maxParallel !== undefined ? `maxParallel: ${step.maxParallel}` : undefined,
        `onItemError: ${literal(step.onItemError)}`,
        step.timeout ? `timeoutMs: ${ms(step.timeout, c, `timeout of ${stepName(step)}`)}` : undefined,
        hoisted ? `partition: ${hoisted.options}` : undefined,
        step.succeedWhen ? `atLeast: ${v(step.succeedWhen.atLeast)}` : undefined,
      ].filter(Boolean);
      // A forEach with a quorum is never hoisted (compiler/src/partition.ts): its body is inline.
      const quorum = quorumComment(step.succeedWhen, 'items', c);
      if (hoisted) return [`last = yield* rt.forEach(run, steps, { ${opts.join(', ')} }, ${hoisted.fn});`];
      const fn = body(step.steps, c, `${step.as}: rt.Json, index: number, steps: rt.Steps`);
      return [...(quorum ? [quorum] : []), `last = yield* rt.forEach(run, steps, { ${opts.join(', ')} }, ${fn[0]}`, ...fn.slice(1, -1), '});'];
    }
    case 'parallel': {
      const branches = step.branches.flatMap((b) => {
        const fn = body(b.steps, c, 'steps: rt.Steps', true);
        return [...fn.slice(0, -1), '},'];
      });
      const opts = [step.maxParallel !== undefined ? `maxParallel: ${step.maxParallel}` : undefined, step.timeout ? `timeoutMs: ${ms(step.timeout, c, `timeout of ${stepName(step)}`)}` : undefined].filter(Boolean);
      if (step.succeedWhen) opts.push(`atLeast: ${v(step.succeedWhen.atLeast)}`);
      const quorum = quorumComment(step.succeedWhen, 'branches', c);
      return [...(quorum ? [quorum] : []), `last = yield* rt.parallel(run, steps, { ${opts.join(', ')} }, [`, ...branches, ']);'];
    }
    case 'waitForEvent':
      // A list: the first of the events to come, as `{ name, data }` (runtime/timers.ts waitForFirstEvent).
      if (step.events) {
        return [`last = yield* rt.firstEvent(run, [${step.events.map(literal).join(', ')}], ${step.eventTimeout ? ms(step.eventTimeout, c, `timeout of ${stepName(step)}`) : 'undefined'}, ${literal(step.onTimeout)});`];
      }
      return [
        `last = yield* rt.event(run, ${literal(step.event)}, ${step.eventTimeout ? ms(step.eventTimeout, c, `timeout of ${stepName(step)}`) : 'undefined'}, ${literal(step.onTimeout)});`,
      ];
    case 'delay':
      return [`last = yield* rt.delay(run, ${ms(step.duration, c, `delay of ${stepName(step)}`)});`];
    case 'until':
      return [`last = yield* rt.until(run, ${v(step.at)});`];
    case 'switch': {
      const out: Lines = ['last = null;'];
      step.cases.forEach((k, i) => {
        out.push(`${i === 0 ? 'if' : '} else if'} (${condition(k.when, c)}) {`, ...stepsCode(k.steps, c));
      });
      if (step.otherwise) out.push('} else {', ...stepsCode(step.otherwise, c));
      out.push('}');
      return out;
    }
    case 'set':
      return [...step.vars.map((x) => `vars.${x.name} = ${v(x.value)};`), 'last = null;'];
    case 'status':
      return [`run.setStatus(${v(step.value)});`, 'last = null;'];
    case 'try': {
      // A try whose steps register compensations keeps them in a saga of its own (runtime/saga.ts).
      const saga = registers(step) ? `saga${step.span.start.line}_${step.span.start.col}` : undefined;
      const inner = stepsCode(step.steps, saga ? { ...c, saga } : c);
      // A timeout: one deadline for every wait inside, left before the catch runs (runtime/timers.ts enterDeadline).
      const name = step.id ?? `try@${step.span.start.line}`;
      return [
        ...(saga ? [`const ${saga} = new rt.Saga(${c.saga ?? ''});`] : []),
        ...(step.timeout
          ? [
              `// ${c.file}:${step.timeout.span.start.line} · timeout ${commentText(step.timeout.text)}: every wait of the try races one deadline`,
              `rt.enterDeadline(run, ${ms(step.timeout, c, `timeout of ${stepName(step)}`)}, ${literal(`try '${name}'`)});`,
            ]
          : []),
        'try {',
        ...(step.timeout ? ['try {', ...inner, '} finally {', 'rt.leaveDeadline(run);', '}'] : inner),
        '} catch (thrown) {',
        `const ${step.catch.as} = rt.toErrorInfo(thrown);`,
        'last = null;',
        ...stepsCode(step.catch.steps, { ...c, hoist: undefined, catchSaga: saga ?? 'undefined' }),
        '}',
      ];
    }
    case 'compensate':
      return [`last = yield* rt.compensateAll(run, ${c.catchSaga ?? 'undefined'}, ${literal(step.onError)});`];
    case 'fail':
      // A rethrow or a computed name is checked when it runs (runtime/errors.ts: InvalidErrorName).
      if (step.rethrow) return [`throw rt.rethrow(${v(step.rethrow)});`];
      if (step.computedError) return [`throw rt.failWith(${v(step.computedError)}, ${step.message ? `rt.text(${v(step.message)})` : 'undefined'});`];
      return [`throw new rt.WorkflowError(${literal(step.error)}, ${step.message ? `rt.text(${v(step.message)})` : literal(step.error)});`];
    case 'continueAsNew':
      // The next execution runs the latest version (runtime/versions.ts).
      return [`yield* rt.continueAsNew(run, ${v(step.input)});`, c.nested ? 'last = null;' : 'return null;'];
    case 'repeat': {
      const name = step.id ?? `repeat@${step.span.start.line}`;
      const hoisted = hoistLoop(step, name, c);
      if (hoisted) return [`last = yield* rt.repeat(run, steps, ${hoisted.options}, ${hoisted.fn});`];
      const fn = body(step.steps, c, 'loop: rt.Loop, steps: rt.Steps');
      return ['last = yield* rt.repeat(run, steps, {', ...repeatOptions(step, name, c, false).map((o) => `${o},`), `}, ${fn[0]}`, ...fn.slice(1, -1), '});'];
    }
    case 'break':
      // Ends the loop body's generator; the loop around it sees the break (runtime/repeat.ts).
      return ['return rt.breakLoop(last);'];
  }
}

/** Whether a try's steps (however nested, not its catch) register a compensation. */
function registers(step: TryStep): boolean {
  return allSteps(step.steps).some((s) => s.compensate !== undefined);
}

/** The name a compensated step goes by in the saga's outcomes and on the status pages. */
function sagaName(step: Step): string {
  return step.id ?? `${step.kind}@${step.span.start.line}`;
}

/**
 * Registers a succeeded step's undo with the saga around it. The `activity`/`workflow` form's
 * input is evaluated now, over `output` (the step's output); the `steps` form keeps `output`
 * and runs its steps when compensating.
 */
function registerCode(step: Step, c: StepContext): Lines {
  const undo = step.compensate;
  if (!undo || !c.saga) return [];
  const call = undo.call;
  const what = call ? (call.kind === 'activity' ? `activity ${call.activity}` : `workflow ${call.workflow}`) : 'steps';
  const head = `${c.saga}.add(${literal(sagaName(step))}, ${literal(what)}, ((output: rt.Json): rt.Undo => {`;
  const comment = `// ${c.file}:${undo.span.start.line} · compensation: ${commentText(what)}${call ? ', its input taken now' : ''}`;
  if (call) {
    const target = call.kind === 'activity' ? literal(call.activity) : `{ name: ${literal(call.workflow)}, version: ${c.calls[call.workflow] ?? 1} }`;
    return [
      comment,
      head,
      `const undoInput: rt.Json = ${call.input ? valueCode(call.input, c.rename) : 'null'};`,
      'return function* (): rt.Body {',
      `return yield* rt.${call.kind}(run, ${target}, undoInput${callOptions(call, c)});`,
      '};',
      '})(last));',
    ];
  }
  const inner: StepContext = { ...c, nested: true, hoist: undefined, saga: undefined, catchSaga: undefined };
  return [comment, head, 'return function* (): rt.Body {', 'let last: rt.Json = null;', ...stepsCode(undo.steps, inner), 'return last;', '};', '})(last));'];
}

/**
 * A repeat's options as object-literal fields. `while` reads the scope around the loop, `until`
 * the scope of the iteration that just ran; hoisted, they take `run` and read the workflow's
 * state from it, as a hoisted body does.
 */
function repeatOptions(step: RepeatStep, name: string, c: StepContext, hoisted: boolean): string[] {
  const params = (iteration: boolean): string => (hoisted ? 'loop: rt.Loop, steps: rt.Steps, run: rt.WorkflowRun' : iteration ? 'loop: rt.Loop, steps: rt.Steps' : 'loop: rt.Loop');
  const cond = (x: Value, iteration: boolean): string =>
    hoisted ? `(${params(iteration)}): unknown => { const { input, vars } = run; return ${valueCode(x, c.rename)}; }` : `(${params(iteration)}): unknown => ${valueCode(x, c.rename)}`;
  const line = (x: Value): string => `// ${c.file}:${x.span.start.line} · `;
  const interval = (d: Duration): string => {
    const code = ms(d, c, `interval of repeat '${name}'`);
    return hoisted ? `(${params(false)}): number => { const { input, vars } = run; return ${code}; }` : `(${params(false)}): number => ${code}`;
  };
  return [
    `step: ${literal(name)}`,
    `maxIterations: ${step.maxIterations}`,
    step.interval && !step.interval.value ? `intervalMs: ${ms(step.interval, c, '')}` : undefined,
    // A duration from data: computed before each interval, from the scope around the loop.
    step.interval?.value ? `interval: ${interval(step.interval)}` : undefined,
    `onMaxIterations: ${literal(step.onMaxIterations)}`,
    step.timeout ? `// ${c.file}:${step.timeout.span.start.line} · timeout: every wait of the loop races one deadline\ntimeoutMs: ${ms(step.timeout, c, `timeout of ${stepName(step)}`)}` : undefined,
    step.while ? `${line(step.while)}while: checked before each iteration\nwhile: ${cond(step.while, false)}` : undefined,
    step.until ? `${line(step.until)}until: checked after each iteration\nuntil: ${cond(step.until, true)}` : undefined,
  ].filter((x): x is string => x !== undefined);
}

/**
 * Generates a detachable repeat's body as a module-level function (recorded in `c.hoist`), so
 * the loop orchestration can run its iterations past the first REPEAT_ITERATIONS_PER_HISTORY;
 * undefined when the body stays inline.
 */
function hoistLoop(step: RepeatStep, name: string, c: StepContext): HoistedBody | undefined {
  // A loop bounded within one history never needs a loop orchestration.
  if (!c.hoist || step.maxIterations <= REPEAT_ITERATIONS_PER_HISTORY || notDetachable(step, true) !== undefined) return undefined;
  const base = step.id ?? `repeatLine${step.span.start.line}`;
  const reads = bodyReads(step);
  const detach = `detach: { orchestrator: ${literal(c.hoist.orchestrator)}, every: ${REPEAT_ITERATIONS_PER_HISTORY}, reads: { input: ${reads.input}, vars: ${reads.vars}, steps: [${reads.steps.map(literal).join(', ')}] } }`;
  const hoisted: HoistedBody = {
    kind: 'repeat',
    optionsType: 'rt.RepeatOptions',
    step: name,
    fn: c.hoist.names.name(`${base}Body`),
    options: c.hoist.names.name(`${base}Loop`),
    comment: `// ${c.file}:${step.span.start.line} · the steps of repeat '${name}', also run by a loop orchestration past ${REPEAT_ITERATIONS_PER_HISTORY} iterations`,
    optionsCode: `{\n${[...repeatOptions(step, name, c, true), detach].join(',\n')},\n}`,
    params: [
      { name: 'loop', type: 'rt.Loop' },
      { name: 'steps', type: 'rt.Steps' },
      { name: 'run', type: 'rt.WorkflowRun' },
    ],
    statements: ['const { input, vars } = run;', 'let last: rt.Json = null;', ...stepsCode(step.steps, { ...c, nested: true, hoist: undefined }), 'return last;'],
  };
  c.hoist.bodies.push(hoisted);
  return hoisted;
}

/**
 * Generates a partitionable forEach's body as a module-level function (recorded in `c.hoist`)
 * and returns its names; undefined when the body stays inline.
 */
function hoistBody(step: ForEachStep, name: string, c: StepContext): HoistedBody | undefined {
  if (!c.hoist || notPartitionable(step, true) !== undefined) return undefined;
  const size = partitionSize(step);
  if (size === 0) return undefined;
  const base = step.id ?? `forEachLine${step.span.start.line}`;
  const reads = bodyReads(step);
  const hoisted: HoistedBody = {
    kind: 'forEach',
    optionsType: 'rt.PartitionOptions',
    step: name,
    fn: c.hoist.names.name(`${base}Body`),
    options: c.hoist.names.name(`${base}Partition`),
    comment: `// ${c.file}:${step.span.start.line} · the body of forEach '${name}', also run by slice orchestrations when the list is longer than ${size}`,
    optionsCode: `{ orchestrator: ${literal(c.hoist.orchestrator)}, size: ${size}, reads: { input: ${reads.input}, vars: ${reads.vars}, steps: [${reads.steps.map(literal).join(', ')}] } }`,
    params: [
      { name: step.as, type: 'rt.Json' },
      { name: 'index', type: 'number' },
      { name: 'steps', type: 'rt.Steps' },
      { name: 'run', type: 'rt.WorkflowRun' },
    ],
    statements: ['const { input, vars } = run;', 'let last: rt.Json = null;', ...stepsCode(step.steps, { ...c, nested: true, hoist: undefined }), 'return last;'],
  };
  c.hoist.bodies.push(hoisted);
  return hoisted;
}

/** A value used as a condition: `if (a > b)`, not `if ((a > b))`. */
function condition(v: Value, c: StepContext): string {
  const code = valueCode(v, c.rename);
  return code.startsWith('(') && code.endsWith(')') && balanced(code.slice(1, -1)) ? code.slice(1, -1) : code;
}

/** True when parentheses in `code` (ignoring string literals) never close more than they opened. */
function balanced(code: string): boolean {
  let depth = 0;
  for (const m of code.replace(/"(?:[^"\\]|\\.)*"/g, '""').matchAll(/[()]/g)) {
    depth += m[0] === '(' ? 1 : -1;
    if (depth < 0) return false;
  }
  return depth === 0;
}

export function stepCode(step: Step, c: StepContext): Lines {
  const out: Lines = [`// ${c.file}:${step.span.start.line} · ${describe(step)}`];
  let code = kindCode(step, c);
  if (step.result) code = [...code, `last = ((output: rt.Json): rt.Json => ${valueCode(step.result, { ...c.rename })})(last);`];
  // Sagas: the step succeeded, so its undo is registered (runtime/saga.ts).
  if (step.compensate) code = [...code, ...registerCode(step, c)];
  // Status pages: the step reports its state as it starts (codegen/step-marks.ts).
  code = markStep(step, code);
  // A break that does not fire leaves the output as it was: it is control, not a value.
  if (step.if) code = step.kind === 'break' ? [`if (${condition(step.if, c)}) {`, ...code, '}'] : [`if (${condition(step.if, c)}) {`, ...code, '} else {', 'last = null;', '}'];
  out.push(...code);
  if (step.id) out.push(`steps.${step.id} = { output: last };`);
  return out;
}

export function stepsCode(steps: Step[], c: StepContext): Lines {
  return steps.flatMap((s, i) => (i === 0 ? stepCode(s, c) : ['', ...stepCode(s, c)]));
}
