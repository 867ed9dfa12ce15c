/**
 * The workflow model: what the front end builds from a schema-valid YAML document, and what
 * semantic checks and code generation consume. Plain data, every node located in its source.
 *
 * Conventions:
 * - `span` is where the node stands in the YAML (for diagnostics and `// workflows/x.yaml:12` comments).
 * - User values that may carry `${ }` expressions are `Value` trees, never raw strings.
 * - Optional keys the user left out are `undefined`; defaults are applied here, once.
 */
import type { Span } from './diagnostics';

/** A value written in YAML: a literal, an expression, an interpolated string, or a structure of them. */
export type Value =
  | { kind: 'literal'; value: string | number | boolean | null; span: Span }
  /** A string that is exactly one `${ expr }`: yields the expression's value, of any type. */
  | { kind: 'expr'; expr: Expression; span: Span }
  /** A string mixing text and `${ expr }` parts: yields a string. */
  | { kind: 'template'; parts: Array<string | Expression>; span: Span }
  | { kind: 'array'; items: Value[]; span: Span }
  | { kind: 'object'; entries: Array<{ key: string; value: Value; keySpan?: Span }>; span: Span };

/** The source text between `${` and `}`, trimmed, located at its first character. */
export interface Expression {
  source: string;
  span: Span;
}

export interface Duration {
  /** As written: `30s`, `PT5M`, `${ input.remindIn }`. */
  text: string;
  /** The milliseconds of a literal; 0 for a duration from data (`value`). */
  ms: number;
  span: Span;
  /** `${ ... }`: a duration from data, computed when the step runs (runtime/dates.ts `duration`). */
  value?: Value;
}

export interface RetryPolicy {
  /** Attempts in all, the first included; `unlimited` needs `timeout`. */
  maxAttempts: number | 'unlimited';
  interval: Duration;
  /** Backoff coefficient; 1 means a constant interval. */
  backoff: number;
  maxInterval?: Duration;
  /** Retrying stops once this long has passed since the first attempt started. */
  timeout?: Duration;
  /** Error names that are never retried. */
  nonRetryable: string[];
  /** The error names this policy handles (in a list of policies); absent: any error no other policy lists. */
  on?: string[];
  span: Span;
}

/**
 * `compensate: { activity: Undo, input: ${ ... } }` (or `workflow`, or `steps`) on a step: what
 * undoes it. Registered with the innermost enclosing `try` when the step succeeds; run by a
 * `compensate: all` step in that try's catch (runtime/saga.ts).
 */
export interface Compensation {
  /** The undo's steps; the `activity`/`workflow` form is normalised into a one-step body. */
  steps: Step[];
  /**
   * The `activity`/`workflow` form: its input is evaluated when the step succeeds (it reads
   * `output`, the step's output, and anything else in scope then), not when the undo runs.
   */
  call?: ActivityStep | WorkflowStep;
  span: Span;
}

/** Keys every step may carry. */
export interface StepCommon {
  /** Needed to read the output as `steps.<id>.output`; unique within its file. */
  id?: string;
  /** Where the id is written. */
  idSpan?: Span;
  /** Guard: the step is skipped (its output `null`) when this is falsy. */
  if?: Value;
  /** One policy, or a list of them each handling the errors its `on` lists. */
  retry?: RetryPolicy | RetryPolicy[];
  /** Each attempt's own limit: an attempt over it fails with `Timeout` (and may be retried). */
  attemptTimeout?: Duration;
  /** Fails the step with error `Timeout` when exceeded (activity, workflow, forEach, parallel; try and repeat: a deadline every wait inside races). */
  timeout?: Duration;
  /** An expression over `output` that becomes the step's output. */
  result?: Value;
  /** A saga's undo for this step, registered when the step succeeds (activity, workflow, forEach, parallel, switch, try, repeat). */
  compensate?: Compensation;
  /** The whole step mapping. */
  span: Span;
  /** The kind key (e.g. `activity`), for errors about the step as a whole. */
  kindSpan: Span;
}

export interface ActivityStep extends StepCommon {
  kind: 'activity';
  /** Exported function name under workflows/activities/. */
  activity: string;
  input?: Value;
}

export interface WorkflowStep extends StepCommon {
  kind: 'workflow';
  /** The child workflow's name. */
  workflow: string;
  input?: Value;
}

export interface ForEachStep extends StepCommon {
  kind: 'forEach';
  items: Value;
  /** Name of the item variable; default `item`. The index is always `index`. */
  as: string;
  /** Where `as` is written (undefined for the default). */
  asSpan?: Span;
  /** Hard cap on items in flight; undefined means no cap. */
  maxParallel?: number;
  onItemError: 'fail' | 'continue';
  /** Lists longer than this run in slice sub-orchestrations (0: never); undefined: the default. */
  partitionSize?: number;
  /** The per-item body. The `activity:`/`workflow:` shortcut is normalised into a one-step body. */
  steps: Step[];
  succeedWhen?: Quorum;
}

/** `succeedWhen: { atLeast }` on a parallel or forEach step. */
export interface Quorum {
  /** A whole number, or an expression checked when the step runs. */
  atLeast: Value;
  /** The `succeedWhen` mapping. */
  span: Span;
}

export interface ParallelStep extends StepCommon {
  kind: 'parallel';
  branches: Array<{ steps: Step[]; span: Span }>;
  maxParallel?: number;
  succeedWhen?: Quorum;
}

export interface WaitForEventStep extends StepCommon {
  kind: 'waitForEvent';
  /** The event's name; for a list, the names joined with ' | ' (for titles and comments). */
  event: string;
  /** `waitForEvent: [A, B]`: the names, in order; the output is `{ name, data }` of the first to come. */
  events?: string[];
  /** How long to wait; undefined waits forever. */
  eventTimeout?: Duration;
  /** What a timeout does: fail the step with `Timeout` (default) or continue with output `null`. */
  onTimeout: 'fail' | 'continue';
}

export interface DelayStep extends StepCommon {
  kind: 'delay';
  duration: Duration;
}

export interface UntilStep extends StepCommon {
  kind: 'until';
  /** An ISO date-time (string or expression). */
  at: Value;
}

export interface SwitchStep extends StepCommon {
  kind: 'switch';
  cases: Array<{ when: Value; steps: Step[]; span: Span }>;
  otherwise?: Step[];
}

export interface SetStep extends StepCommon {
  kind: 'set';
  vars: Array<{ name: string; value: Value; span: Span }>;
}

export interface StatusStep extends StepCommon {
  kind: 'status';
  value: Value;
}

export interface TryStep extends StepCommon {
  kind: 'try';
  steps: Step[];
  /** `asSpan`: where `as` is written (undefined for the default). */
  catch: { as: string; asSpan?: Span; steps: Step[]; span: Span };
}

export interface FailStep extends StepCommon {
  kind: 'fail';
  /** The error name as written: a literal name, or the text of `computedError` / `rethrow`. */
  error: string;
  /** `error: ${ ... }`: the name is computed when the step runs (an invalid one fails with InvalidErrorName). */
  computedError?: Value;
  /** `fail: ${ err }`: fails with that error (`{ name, message }`) unchanged. */
  rethrow?: Value;
  message?: Value;
}

export interface ContinueAsNewStep extends StepCommon {
  kind: 'continueAsNew';
  input: Value;
}

/**
 * A loop: its steps run again and again. `while` is checked before each iteration, `until` after;
 * expressions inside read `loop.index` and `loop.last`.
 */
export interface RepeatStep extends StepCommon {
  kind: 'repeat';
  steps: Step[];
  while?: Value;
  until?: Value;
  maxIterations: number;
  /** A durable delay between two iterations. */
  interval?: Duration;
  /** Reaching maxIterations fails the step with `MaxIterations` (default) or ends the loop. */
  onMaxIterations: 'fail' | 'continue';
}

/** Ends the innermost repeat or sequential forEach (checked: check-semantics.ts). */
export interface BreakStep extends StepCommon {
  kind: 'break';
}

/** In a catch: runs the compensations its try registered, newest first (runtime/saga.ts). */
export interface CompensateStep extends StepCommon {
  kind: 'compensate';
  /** A compensation that fails: `continue` records it and runs the rest (default); `fail` then fails with CompensationFailed. */
  onError: 'continue' | 'fail';
}

export type Step =
  | CompensateStep
  | RepeatStep
  | BreakStep
  | ActivityStep
  | WorkflowStep
  | ForEachStep
  | ParallelStep
  | WaitForEventStep
  | DelayStep
  | UntilStep
  | SwitchStep
  | SetStep
  | StatusStep
  | TryStep
  | FailStep
  | ContinueAsNewStep;

export type StepKind = Step['kind'];

export type AuthLevel = 'anonymous' | 'function' | 'admin';

export interface HttpTrigger {
  /** Route under /api, without a leading slash. Default `workflows/<name>`. */
  route: string;
  methods: string[];
  authLevel: AuthLevel;
  span: Span;
  /** The `route` value, or where the default route comes from (the workflow's name). */
  routeSpan: Span;
  /** Where `methods` lists GET, when it does (warning DF504). */
  getSpan?: Span;
}

export interface Workflow {
  name: string;
  /** The `name` value, or the top of the file when the name is the file name. */
  nameSpan: Span;
  /** Project-relative path, e.g. `workflows/hello.yaml`. */
  file: string;
  description?: string;
  /** JSON Schema of the start input, as written. */
  inputSchema?: unknown;
  trigger: {
    /** Always present: every workflow can be started over HTTP. */
    http: HttpTrigger;
    /** NCRONTAB expression: a timer trigger starting the workflow with input null. */
    schedule?: { cron: string; span: Span };
  };
  singleton?: {
    /** undefined means `singleton: true`: the workflow's name is the instance id. */
    key?: Value;
    onConflict: 'returnExisting' | 'reject';
    span: Span;
  };
  steps: Step[];
  /** Default: the last step's output. */
  output?: Value;
  span: Span;
}

/**
 * One version of a workflow the app keeps (compiler/src/versions/): instances run the version
 * they started with, new instances the latest.
 */
export interface WorkflowVersion {
  /** 1, 2, ...: what Durable carries as the instance's version ("1", "2", ...). */
  version: number;
  /** Its model: the workflow's file for the latest version, its record for older ones. */
  workflow: Workflow;
  /** The version of each sub-workflow it calls (its `workflow` steps pass it explicitly). */
  calls: Readonly<Record<string, number>>;
  /** What changed from the version before, in words. */
  changes: string;
}

/** Every workflow of a project plus what the compiler found around them. */
export interface Project {
  root: string;
  workflows: Workflow[];
  /** Exported activity functions: name -> module path relative to the root (e.g. `workflows/activities/orders.ts`). */
  activities: Map<string, string>;
  /**
   * The versions of each workflow, oldest first (the last is the workflow's file). A workflow
   * missing here has one version: 1, its file.
   */
  versions?: ReadonlyMap<string, readonly WorkflowVersion[]>;
  /**
   * The app version (compiler/src/versions/): the sum of every recorded workflow's latest version,
   * the record of a workflow that no longer exists included. Unset: the sum over `versions`.
   */
  appVersion?: number;
}
