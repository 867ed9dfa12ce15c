/**
 * The JSON Schema of the workflow language, built here and written to
 * compiler/schema/workflow.schema.json (`npm run schema`; a test fails when the file is stale).
 * Draft-07, the draft the YAML language server understands best.
 *
 * Steps are a discriminated choice: one `step` definition lists every key (so editors complete
 * every kind at a new step) and `if: {required: [kind]} then: <kind>Step` picks the kind's own
 * definition, whose `additionalProperties: false` gives one precise error per wrong key.
 */
import { MAX_DESCRIPTION_LENGTH, MAX_NAME_LENGTH, MAX_ROUTE_LENGTH } from './names';
import { DEFAULT_PARTITION_SIZE, REPEAT_ITERATIONS_PER_HISTORY } from './partition';

/** A route under /api: literal segments of letters, digits, `.`, `_`, `~`, `-` (no parameters, no `.`/`..` segments). */
export const ROUTE_PATTERN = '^/?[A-Za-z0-9_~-][A-Za-z0-9._~-]*(/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*$';

type Schema = Record<string, unknown>;

/** Where the schema is written, relative to the project root. */
export const SCHEMA_FILE = 'compiler/schema/workflow.schema.json';

/** A key's schema with its description (plain and markdown, the latter with an example). */
function doc(description: string, schema: Schema, example?: string): Schema {
  const markdownDescription = example ? `${description}\n\n\`\`\`yaml\n${example}\n\`\`\`` : description;
  return { description, markdownDescription, ...schema };
}

const ref = (name: string): Schema => ({ $ref: `#/definitions/${name}` });

/**
 * An error name: 1 to 200 printable characters, no control characters or line breaks
 * (runtime/errors.ts `errorNameProblem` is the same rule, which the compiler applies too).
 */
export const ERROR_NAME = '^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]{1,200}$';
/** An error name, or an expression that computes one. */
const ERROR_NAME_OR_EXPRESSION = '^(?:[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]{1,200}|[\\s\\S]*\\$\\{[\\s\\S]*)$';
/**
 * A repeat's `while`/`until`: an expression or a boolean. The alternatives carry no description
 * of their own (unlike the `expression` definition), so an editor's hover shows the key's.
 */
const LOOP_CONDITION: Schema = { anyOf: [{ type: 'string', pattern: '\\$\\{' }, { type: 'boolean' }] };

export const STEP_KIND_KEYS = [
  'activity', 'workflow', 'forEach', 'parallel', 'waitForEvent', 'delay', 'until', 'switch', 'set', 'status', 'try', 'fail', 'continueAsNew', 'repeat', 'break', 'compensate',
] as const;

const COMMON = ['id', 'if', 'result'] as const;

/** Every key a step may carry, documented once. */
const STEP_PROPERTIES: Record<string, Schema> = {
  // kinds
  activity: doc('Calls an activity: an exported function of that name in a module under workflows/activities/.', { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]*$', maxLength: MAX_NAME_LENGTH }, 'activity: ChargeOrder\ninput: ${ item }'),
  workflow: doc('Runs another workflow of this project as a sub-orchestration and waits for its output.', { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]*$', maxLength: MAX_NAME_LENGTH }, 'workflow: hello\ninput: { name: world }'),
  forEach: doc('Fans out over a list (an expression or a literal list) and fans in to an array of results in input order. Give the per-item body as `steps`, or as the `activity`/`workflow` shortcut.', { anyOf: [ref('expression'), { type: 'array' }] }, 'forEach: ${ input.orders }\nas: order\nmaxParallel: 10\nactivity: ChargeOrder\ninput: ${ order }'),
  parallel: doc('Runs static branches concurrently; the output is the array of each branch\'s last output.', { type: 'array', minItems: 1, items: ref('branch') }, 'parallel:\n  - steps: [ { activity: A } ]\n  - steps: [ { activity: B } ]'),
  waitForEvent: doc(
    'Waits for an external event with this name; its payload is the output. A list of names waits for the first of them to come: the output is `{ name, data }` (which event, and its payload), and the other waits end. With `timeout`, the wait is raced with a durable timer that is cancelled when an event wins.',
    { anyOf: [{ type: 'string', minLength: 1, maxLength: MAX_NAME_LENGTH }, { type: 'array', minItems: 1, items: { type: 'string', minLength: 1, maxLength: MAX_NAME_LENGTH } }] },
    'waitForEvent: Approval\ntimeout: 24h\nonTimeout: continue\n# or the first of several:\nwaitForEvent: [Approve, Reject]\ntimeout: 24h',
  ),
  delay: doc('Waits for a duration with a durable timer (survives restarts; costs nothing while waiting). The duration may come from data: `delay: ${ input.remindIn }` (a duration string or milliseconds).', ref('duration'), 'delay: 30s'),
  until: doc('Waits with a durable timer until a date-time: ISO 8601 text (`2026-03-01T09:00:00Z`; without an offset it is UTC) or, from an expression, epoch milliseconds; a date already past does not wait. Anything else fails with error `InvalidDate`.', { type: 'string', minLength: 1 }, 'until: ${ addDuration(now, \'1h\') }'),
  switch: doc('Runs the first branch whose `if` is true, or the final `else` branch. The output is the last output of the branch taken (null when none matched).', { type: 'array', minItems: 1, items: ref('switchCase') }, 'switch:\n  - if: ${ input.total > 100 }\n    steps: [ { activity: Review } ]\n  - else: [ { activity: Approve } ]'),
  set: doc('Assigns workflow variables, read later as `vars.<name>`.', { type: 'object', minProperties: 1, propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$', maxLength: MAX_NAME_LENGTH }, additionalProperties: ref('value') }, 'set:\n  total: ${ steps.charges.output.length }'),
  status: doc('Publishes a custom status for the instance (visible in its status query).', ref('value'), 'status: "charging ${ vars.count } orders"'),
  try: doc('Runs steps; if one fails, runs `catch` instead of failing the workflow. With `timeout`, every wait inside races one deadline, and the catch sees error `Timeout` when it passes.', ref('steps'), 'try:\n  - activity: SendReceipt\ncatch:\n  as: err\n  steps:\n    - status: "failed: ${ err.message }"\n# one deadline for several waits:\ntimeout: 10m'),
  fail: doc('Fails the workflow (or the enclosing `try`) with an error: `{ error, message }`, or in a catch `${ err }` to fail with the caught error unchanged (rethrow).', {
    anyOf: [
      ref('expression'),
      {
        type: 'object', additionalProperties: false, required: ['error'],
        properties: {
          error: doc('The error name a `catch` sees as `err.name`: 1 to 200 printable characters (spaces, hyphens, dots and colons are fine), e.g. Rejected or card-declined; or an expression `${ ... }` that computes it when the step runs (a computed name that is not valid fails the step with InvalidErrorName).', { type: 'string', pattern: ERROR_NAME_OR_EXPRESSION }),
          message: doc('A human message; may be an expression. Default: the error name.', ref('value')),
        },
      },
    ],
  }, 'fail: { error: card-declined, message: "order ${ input.id }: the card was declined" }\n# in a catch, after compensating:\nfail: ${ err }'),
  continueAsNew: doc('Restarts the workflow with this input and an empty history: the way to write eternal workflows.', ref('value'), 'continueAsNew: ${ { cursor: vars.next } }'),
  repeat: doc(
    `Runs its steps again and again: \`while\` is checked before each iteration (after the \`interval\`), \`until\` after each; \`maxIterations\` bounds it. Inside, \`loop.index\` (0-based) and \`loop.last\` (the previous iteration's output) are readable, and a \`break\` step ends it. The output is the last iteration's output. A loop that runs more than ${REPEAT_ITERATIONS_PER_HISTORY} iterations continues in a fresh history (docs/language.md#loops-repeat-and-break).`,
    ref('repeat'),
    'repeat:\n  steps:\n    - activity: CheckJob\n      input: ${ input.jobId }\n  until: ${ loop.last.state === "done" }\n  interval: 30s\n  maxIterations: 120',
  ),
  break: doc('Ends the innermost `repeat`, or forEach that runs one item at a time (`maxParallel: 1`); with `if`, only when the condition holds. The loop\'s output is the output of the step before the break. Write `break: true`.', { const: true }, 'if: ${ steps.check.output.done }\nbreak: true'),
  compensate: doc(
    'Sagas. On an activity, workflow, forEach, parallel, switch, try or repeat step: what undoes it, `{ activity: Undo, input: ${ ... } }` (or `workflow`, or `steps`), registered with the innermost enclosing `try` when the step succeeds; its `input` is evaluated then and reads `output`, the step\'s output (on the forEach `activity`/`workflow` shortcut: each item\'s call, with the item\'s output). As a step of its own in a catch, `compensate: all` runs every compensation its try registered, newest first (those of parallel branches and forEach items included), each with its own `retry`; a failing one is recorded and the rest still run (`onCompensationError: fail` then fails with CompensationFailed listing each). The step\'s output lists each compensation and how it ended.',
    { anyOf: [{ const: 'all' }, ref('compensation')] },
    '- id: flight\n  activity: ReserveFlight\n  compensate: { activity: CancelFlight, input: "${ output.reservation }" }\n# in the catch:\n- compensate: all\n- fail: ${ err }',
  ),
  onCompensationError: doc('compensate: what a compensation that fails does: `continue` (default) records it in the output and runs the rest; `fail` runs the rest too, then fails the step with CompensationFailed listing each failure.', { type: 'string', enum: ['continue', 'fail'], default: 'continue' }, 'onCompensationError: fail'),
  // common
  id: doc('Names the step so later expressions can read its output as `steps.<id>.output`. Unique in the file.', { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', maxLength: MAX_NAME_LENGTH }, 'id: charge'),
  if: doc('Guard: the step runs only when this expression is true; a skipped step\'s output is null.', { anyOf: [ref('expression'), { type: 'boolean' }] }, 'if: ${ input.total > 0 }'),
  input: doc('The input passed to the activity or child workflow: any value; `${ }` expressions anywhere inside.', ref('value'), 'input: { id: ${ item.id }, retries: 3 }'),
  retry: doc('Retries a failed activity or child workflow: each attempt a new call, each back-off a durable timer. One policy, or a list of policies each with `on: [ErrorName, ...]` (at most one without `on`: every other error); a failure goes to the first policy that lists its name, each policy counting its own attempts. Inside a capped forEach a retrying item keeps its slot, back-offs included.', ref('retry'), 'retry: { maxAttempts: 3, interval: 5s, backoff: 2 }\n# or per error:\nretry:\n  - { on: [card-declined], maxAttempts: 2, interval: 1m }\n  - { maxAttempts: unlimited, interval: 1s, backoff: 2, maxInterval: 1m, timeout: 1h }'),
  attemptTimeout: doc('For activity and workflow (and the forEach shortcut): each attempt\'s own limit. An attempt that takes longer fails with error `Timeout` and is retried like any other error (`retry`); `timeout` still bounds the whole step. The abandoned attempt is not stopped (Durable cannot cancel it): the instance completes once it has ended.', ref('duration'), 'attemptTimeout: 30s\nretry: { maxAttempts: 3, interval: 5s }'),
  timeout: doc('For activity, workflow, forEach, parallel, try and repeat: fail the step with error `Timeout` when it takes longer, retries and back-offs included; inside a forEach, parallel, try or repeat every wait races this deadline (a try\'s `catch` sees the `Timeout`, and runs without the deadline). An activity already running is not stopped (Durable cannot cancel it): the workflow moves on, and the instance completes once it has ended. For waitForEvent: how long to wait (see `onTimeout`).', ref('duration'), 'timeout: 5m'),
  result: doc('An expression over `output` (the step\'s raw output) that becomes the step\'s output.', ref('value'), 'result: ${ output.items }'),
  // kind-specific
  as: doc('forEach: the name of the item variable in the body (default `item`; the index is `index`).', { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', maxLength: MAX_NAME_LENGTH, default: 'item' }, 'as: order'),
  maxParallel: doc('A hard cap on items (forEach) or branches (parallel) in flight at once: a new one starts as soon as one finishes. Independent of the host\'s maxConcurrentActivityFunctions.', { type: 'integer', minimum: 1 }, 'maxParallel: 10'),
  partitionSize: doc(
    `forEach: lists longer than this run in slices of this many items, each a sub-orchestration, so no orchestration history grows with the whole list (replay cost grows with history size). maxParallel still caps items in flight across all slices. Default ${DEFAULT_PARTITION_SIZE}; 0 never partitions. Applies to a forEach that is not inside another forEach body or a catch (parallel branches, switch cases and try blocks are fine) and whose body has no set, status, waitForEvent or continueAsNew step; warning DF503 when set and it cannot apply.`,
    { type: 'integer', minimum: 0, default: DEFAULT_PARTITION_SIZE },
    `partitionSize: ${DEFAULT_PARTITION_SIZE}`,
  ),
  succeedWhen: doc(
    'parallel and forEach: a quorum. `atLeast: N` (a whole number, or an expression computing one) ends the step as soon as N branches or items have succeeded, with their outputs in order and `null` for those that did not finish; a failing branch does not fail the step, but once so many have failed that N cannot be reached the step fails with `QuorumNotReached`. Branches still running are abandoned: their activities are not stopped (Durable cannot cancel them), their results are ignored, and how they end shows in the status pages ("finished after the quorum was decided").',
    ref('succeedWhen'),
    'parallel:\n  - steps: [ { activity: AskReplicaA } ]\n  - steps: [ { activity: AskReplicaB } ]\n  - steps: [ { activity: AskReplicaC } ]\nsucceedWhen: { atLeast: 2 }',
  ),
  onItemError: doc('forEach: `fail` (default) fails the step on the first failed item; `continue` puts `{ error: { name, message } }` in that item\'s slot and goes on.', { type: 'string', enum: ['fail', 'continue'], default: 'fail' }, 'onItemError: continue'),
  onTimeout: doc('waitForEvent: what a timeout does: `fail` (default) fails the step with error `Timeout`; `continue` goes on with output null.', { type: 'string', enum: ['fail', 'continue'], default: 'fail' }, 'onTimeout: continue'),
  steps: doc('forEach: the per-item body.', ref('steps')),
  catch: doc('try: the steps to run when a step of `try` fails; the error is `{ name, message }` under `as` (default `error`); `fail: ${ err }` in the catch fails with it unchanged.', {
    type: 'object', additionalProperties: false, required: ['steps'],
    properties: {
      as: doc('The name of the caught error in the catch steps (default `error`).', { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', maxLength: MAX_NAME_LENGTH, default: 'error' }),
      steps: doc('The steps to run on failure.', ref('steps')),
    },
  }),
};

/** Which keys each kind accepts besides its own kind key and the common keys. */
const KIND_KEYS: Record<(typeof STEP_KIND_KEYS)[number], readonly string[]> = {
  activity: ['input', 'retry', 'attemptTimeout', 'timeout', 'compensate'],
  workflow: ['input', 'retry', 'attemptTimeout', 'timeout', 'compensate'],
  forEach: ['as', 'maxParallel', 'partitionSize', 'onItemError', 'steps', 'activity', 'workflow', 'input', 'retry', 'attemptTimeout', 'timeout', 'succeedWhen', 'compensate'],
  parallel: ['maxParallel', 'timeout', 'succeedWhen', 'compensate'],
  waitForEvent: ['timeout', 'onTimeout'],
  delay: [],
  until: [],
  switch: ['compensate'],
  set: [],
  status: [],
  try: ['catch', 'timeout', 'compensate'],
  fail: [],
  continueAsNew: [],
  repeat: ['timeout', 'compensate'],
  break: [],
  compensate: ['onCompensationError'],
};

const SNIPPETS: Record<(typeof STEP_KIND_KEYS)[number], unknown> = {
  activity: { id: '${1:stepId}', activity: '${2:ActivityName}', input: '^\\${ ${3:input} }' },
  workflow: { id: '${1:stepId}', workflow: '${2:childWorkflow}', input: '^\\${ ${3:input} }' },
  forEach: { id: '${1:results}', forEach: '^\\${ ${2:input.items} }', as: '${3:item}', maxParallel: 10, activity: '${4:ActivityName}', input: '^\\${ ${3:item} }' },
  parallel: { parallel: [{ steps: [{ activity: '${1:A}' }] }, { steps: [{ activity: '${2:B}' }] }] },
  waitForEvent: { id: '${1:decision}', waitForEvent: '${2:Approval}', timeout: '${3:24h}', onTimeout: 'continue' },
  delay: { delay: '${1:30s}' },
  until: { until: '^\\${ ${1:input.notBefore} }' },
  switch: { switch: [{ if: '^\\${ ${1:condition} }', steps: [{ activity: '${2:A}' }] }, { else: [{ activity: '${3:B}' }] }] },
  set: { set: { '${1:name}': '^\\${ ${2:value} }' } },
  status: { status: '${1:working}' },
  try: { try: [{ activity: '${1:A}' }], catch: { as: 'err', steps: [{ status: '^failed: \\${ err.message }' }] } },
  fail: { fail: { error: '${1:Rejected}', message: '${2:why}' } },
  continueAsNew: { continueAsNew: '^\\${ ${1:input} }' },
  repeat: { id: '${1:poll}', repeat: { steps: [{ activity: '${2:CheckJob}', input: '^\\${ ${3:input.jobId} }' }], until: '^\\${ ${4:loop.last.done} }', interval: '${5:30s}', maxIterations: 100 } },
  break: { if: '^\\${ ${1:condition} }', break: true },
  compensate: { compensate: 'all' },
};

/** A `compensate` step: the key with a value that is not a mapping (`compensate: all`). */
const COMPENSATE_KIND: Schema = { required: ['compensate'], properties: { compensate: doc('`compensate: all`: the step that runs the compensations of its catch\'s try.', { not: { type: 'object' } }) } };

function kindDefinition(kind: (typeof STEP_KIND_KEYS)[number]): Schema {
  const keys = [kind, ...COMMON, ...KIND_KEYS[kind]];
  const properties = Object.fromEntries(keys.map((k) => [k, true]));
  return { type: 'object', required: [kind], additionalProperties: false, properties };
}

export function buildSchema(): Schema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://durable-flow.dev/schema/workflow.schema.json',
    title: 'durable-flow workflow',
    description: 'A durable-flow workflow (language v1): compiled to an Azure Durable Functions orchestrator.',
    type: 'object',
    additionalProperties: false,
    required: ['dsl', 'steps'],
    properties: {
      dsl: doc('The workflow language version.', { const: 1, default: 1, examples: [1] }, 'dsl: 1'),
      name: doc('The workflow\'s name: letters, digits and _, starting with a letter. Default: the file name.', { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]*$', maxLength: MAX_NAME_LENGTH, examples: ['processOrders'] }, 'name: processOrders'),
      description: doc('What the workflow does, for people (shown in generated code and OpenAPI).', { type: 'string', pattern: '\\S', maxLength: MAX_DESCRIPTION_LENGTH }),
      input: doc('A JSON Schema of the start input; a start whose input does not match is answered 400 with every violation.', { type: 'object' }, 'input:\n  type: object\n  required: [orders]\n  properties:\n    orders: { type: array }'),
      trigger: doc('How the workflow is started. Default: HTTP POST /api/workflows/<name>, authLevel function.', {
        type: 'object', additionalProperties: false,
        properties: {
          http: doc('The HTTP starter.', {
            type: 'object', additionalProperties: false,
            properties: {
              route: doc('Route under /api (default workflows/<name>): literal segments of letters, digits, `.`, `_`, `~` and `-`. The workflow also serves `<route>/instances/...`; routes of two workflows may not overlap, and `openapi.json` and `flow/...` are taken.', { type: 'string', pattern: ROUTE_PATTERN, maxLength: MAX_ROUTE_LENGTH, examples: ['orders/process'] }, 'route: orders/process'),
              methods: doc('HTTP methods that start the workflow (default [POST]). GET earns warning DF504: a GET starter can be triggered by any web page (a link, an <img>, a navigation; browsers send no Origin header on those), so keep starters on POST.', { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] }, default: ['POST'] }),
              authLevel: doc('Who may call the starter: anonymous, function (a function key, default) or admin (the master key).', { type: 'string', enum: ['anonymous', 'function', 'admin'], default: 'function' }),
            },
          }, 'http: { route: orders/process, methods: [POST], authLevel: function }'),
          schedule: doc('NCRONTAB schedule (6 fields: second minute hour day month weekday): a timer trigger starts the workflow with input null.', { type: 'string', pattern: '^\\S+( \\S+){5}$', examples: ['0 */5 * * * *'] }, 'schedule: "0 0 * * * *"'),
        },
      }),
      singleton: doc('Keep at most one running instance: `true` uses the workflow\'s name as the instance id; `key` derives it from the input.', {
        anyOf: [
          { type: 'boolean' },
          {
            type: 'object', additionalProperties: false, required: ['key'],
            properties: {
              key: doc('The instance id, an expression over `input` only.', { type: 'string', minLength: 1 }, 'key: ${ input.customerId }'),
              onConflict: doc('When an instance with the key is running: returnExisting (default) answers 202 with its status links; reject answers 409.', { type: 'string', enum: ['returnExisting', 'reject'], default: 'returnExisting' }),
            },
          },
        ],
      }, 'singleton:\n  key: ${ input.customerId }\n  onConflict: returnExisting'),
      steps: doc('The steps, run in order.', { ...ref('steps'), minItems: 1 }),
      output: doc('The workflow\'s output; default: the last step\'s output.', ref('value'), 'output: ${ steps.charge.output }'),
    },
    definitions: {
      expression: { type: 'string', pattern: '\\$\\{', description: 'A `${ ... }` expression.' },
      value: { description: 'Any value; strings may contain `${ ... }` expressions.' },
      duration: {
        type: 'string',
        // A literal, or `${ ... }` computed when the step runs (checked then: InvalidDuration).
        pattern: '^(\\d+(ms|s|m|h|d)|P(?!$)(\\d+D)?(T(?=\\d)(\\d+H)?(\\d+M)?(\\d+(\\.\\d+)?S)?)?)$|\\$\\{',
        description: 'A duration: 500ms, 30s, 5m, 2h, 7d, or ISO 8601 like PT5M (at most 365000d). Or from data: `${ ... }` yielding such a string or a number of milliseconds, checked when the step runs (error `InvalidDuration` names the value and the step).',
        examples: ['30s', '5m', '24h', 'PT5M', '${ input.remindIn }'],
      },
      retry: {
        description: 'One retry policy, or a list of them each handling the errors its `on` lists.',
        anyOf: [ref('retryPolicy'), { type: 'array', minItems: 1, items: ref('retryPolicy') }],
      },
      retryPolicy: {
        type: 'object', additionalProperties: false, required: ['maxAttempts', 'interval'],
        properties: {
          maxAttempts: doc('Total attempts, the first included (in a list of policies: the attempts this policy allows); `unlimited` retries until `timeout`, which it requires.', { anyOf: [{ type: 'integer', minimum: 1 }, { const: 'unlimited' }], examples: [3, 'unlimited'] }),
          interval: doc('Wait before the first retry.', ref('duration')),
          backoff: doc('Multiplier applied to the interval after each retry (1 = constant).', { type: 'number', minimum: 1, default: 1 }),
          maxInterval: doc('Upper bound of the interval.', ref('duration')),
          timeout: doc('Stop retrying once this long has passed since the first attempt started: the last back-off is cut short so one attempt runs at this time, then the step fails with the last attempt\'s error (a `catch` sees it).', ref('duration')),
          on: doc('In a list of policies: the error names this policy handles (the `name` a `catch` would see, any text of 1 to 200 printable characters). A failure goes to the first policy listing its name, else to the policy without `on`; with no such policy the step fails at once.', { type: 'array', minItems: 1, items: { type: 'string', pattern: ERROR_NAME }, uniqueItems: true }, 'on: [card-declined, "Job Failed"]'),
          nonRetryable: doc('Error names that fail the step at once, without retrying (the `name` a `catch` would see, e.g. `ValidationError` or `card-declined`: 1 to 200 printable characters).', { type: 'array', items: { type: 'string', pattern: ERROR_NAME }, uniqueItems: true }, 'nonRetryable: [ValidationError]'),
        },
      },
      steps: { type: 'array', items: ref('step'), description: 'A list of steps.' },
      compensation: {
        type: 'object', additionalProperties: false,
        description: 'What undoes the step: an activity or workflow call (its `input` evaluated when the step succeeds), or `steps`.',
        properties: {
          activity: doc('The activity that undoes the step.', { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]*$', maxLength: MAX_NAME_LENGTH }, 'activity: CancelFlight'),
          workflow: doc('The workflow that undoes the step (a sub-orchestration).', { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]*$', maxLength: MAX_NAME_LENGTH }, 'workflow: refund'),
          input: doc('The undo\'s input, evaluated when the step succeeds and kept until the undo runs: `output` is the step\'s output.', ref('value'), 'input: ${ output.reservation }'),
          retry: doc('The undo\'s own retry policy (one, or a list per error), as on an activity step.', ref('retry'), 'retry: { maxAttempts: 5, interval: 1s, backoff: 2 }'),
          steps: doc('Steps that undo the step, run when compensating; `output` is the step\'s output, kept from when it succeeded. They may not `compensate`, `break` or `continueAsNew`.', ref('steps')),
        },
        oneOf: [{ required: ['activity'] }, { required: ['workflow'] }, { required: ['steps'] }],
        defaultSnippets: [{ label: 'compensate with an activity', body: { activity: '${1:Undo}', input: '^\\${ ${2:output} }' } }],
      },
      succeedWhen: {
        type: 'object', additionalProperties: false, required: ['atLeast'],
        properties: {
          atLeast: doc('How many branches (parallel) or items (forEach) must succeed: a whole number from 1 up, or an expression computing one when the step runs (a value that is not one fails the step with `InvalidQuorum`; more than there are fails it with `QuorumNotReached`).', { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'string', pattern: '\\$\\{' }] }, 'atLeast: ${ input.quorum }'),
        },
      },
      repeat: {
        type: 'object', additionalProperties: false, required: ['steps', 'maxIterations'],
        // `while` or `until`, not both (the compiler says so at the second one).
        not: { required: ['while', 'until'] },
        properties: {
          steps: doc('The steps of one iteration; ids inside are visible inside only (and in `until`). `loop.index` and `loop.last` are readable here.', ref('steps')),
          while: doc('Checked before each iteration (the first included, after the `interval` for the others): the loop ends when it is false. `loop.index` is the iteration about to run, `loop.last` the output of the one before (null before the first).', LOOP_CONDITION, 'while: ${ toEpochMs(now) < toEpochMs(input.deadline) }'),
          until: doc('Checked after each iteration: the loop ends when it is true. `loop.index` and `loop.last` are the iteration that just ran and its output; the ids of its steps are visible.', LOOP_CONDITION, 'until: ${ loop.last.state === "done" }'),
          maxIterations: doc('Required: the most iterations the loop runs. A loop that would run one more fails with error `MaxIterations` (a `catch` sees it), or ends quietly with `onMaxIterations: continue`.', { type: 'integer', minimum: 1, examples: [100] }, 'maxIterations: 100'),
          interval: doc('A durable delay between two iterations (none before the first). From data (`${ ... }`) it is computed before each interval and may read `loop` (`loop.index`: the iteration about to run).', ref('duration'), 'interval: 30s'),
          onMaxIterations: doc('What reaching maxIterations does: `fail` (default) fails the step with error `MaxIterations`; `continue` ends the loop with the last iteration\'s output.', { type: 'string', enum: ['fail', 'continue'], default: 'fail' }, 'onMaxIterations: continue'),
        },
      },
      branch: {
        type: 'object', additionalProperties: false, required: ['steps'],
        properties: { steps: doc('The branch\'s steps.', ref('steps')) },
        defaultSnippets: [{ label: 'branch', body: { steps: [{ activity: '${1:A}' }] } }],
      },
      switchCase: {
        type: 'object', additionalProperties: false,
        properties: {
          if: doc('The condition of this branch.', { anyOf: [ref('expression'), { type: 'boolean' }] }),
          steps: doc('The steps of this branch.', ref('steps')),
          else: doc('The steps run when no branch matched (last case only).', ref('steps')),
        },
        oneOf: [{ required: ['if', 'steps'] }, { required: ['else'] }],
      },
      step: {
        type: 'object',
        description: 'A step: exactly one kind key (activity, workflow, forEach, parallel, waitForEvent, delay, until, switch, set, status, try, fail, continueAsNew, repeat, break, compensate) plus common keys.',
        properties: STEP_PROPERTIES,
        // Closed too, so editors flag a misspelt key even before the kind is known.
        additionalProperties: false,
        anyOf: STEP_KIND_KEYS.map((k) => (k === 'compensate' ? COMPENSATE_KIND : { required: [k] })),
        // The forEach shortcut carries `activity`/`workflow` too: those kinds apply only without forEach.
        allOf: STEP_KIND_KEYS.map((k) => ({
          // `compensate` is the kind only as `compensate: all`; a mapping is another step's undo.
          if: k === 'activity' || k === 'workflow' ? { required: [k], not: { required: ['forEach'] } } : k === 'compensate' ? COMPENSATE_KIND : { required: [k] },
          then: ref(`${k}Step`),
        })),
        defaultSnippets: STEP_KIND_KEYS.map((k) => ({ label: k, description: (STEP_PROPERTIES[k] as { description: string }).description, body: SNIPPETS[k] })),
      },
      ...Object.fromEntries(STEP_KIND_KEYS.map((k) => [`${k}Step`, kindDefinition(k)])),
    },
  };
}

/** The keys a step of this kind accepts (for "did you mean" on unknown keys). */
export function keysOfKind(kind: (typeof STEP_KIND_KEYS)[number]): string[] {
  return [kind, ...COMMON, ...KIND_KEYS[kind]];
}

export function schemaText(): string {
  return JSON.stringify(buildSchema(), null, 2) + '\n';
}
