/**
 * Builds the workflow model from a parsed, schema-valid YAML document. Shapes are already
 * guaranteed by the schema; what this stage adds is meaning: defaults, durations in ms,
 * `${ }` strings split into expressions, and a source span on every node.
 */
import { isMap, isScalar, isSeq } from 'yaml';
import type { Node, YAMLMap } from 'yaml';
import { MAX_DURATION_MS } from '../../runtime/dates';
import { parseDuration } from '../../runtime/durations';
import { errorNameProblem } from '../../runtime/errors';
import { error, type Diagnostic, type Span } from './diagnostics';
import { splitTemplate } from './expressions';
import type { ActivityStep, Compensation, Duration, Expression, FailStep, Quorum, RetryPolicy, Step, StepCommon, Value, Workflow, WorkflowStep } from './model';
import { MAX_NAME_LENGTH } from './names';
import { makeSpan, rangeSpan, type ParsedFile } from './parse';

/** The kind keys, in the order the docs list them. `until` is the date form of `delay`. */
export const STEP_KINDS = [
  'activity',
  'workflow',
  'forEach',
  'parallel',
  'waitForEvent',
  'delay',
  'until',
  'switch',
  'set',
  'status',
  'try',
  'fail',
  'continueAsNew',
  'repeat',
  'break',
  'compensate',
] as const;

export interface BuildResult {
  workflow?: Workflow;
  diagnostics: Diagnostic[];
}

export function buildWorkflow(parsed: ParsedFile): BuildResult {
  const { file, lines, text } = parsed;
  const diagnostics: Diagnostic[] = [];
  const root = parsed.doc?.contents;
  if (!isMap(root)) return { diagnostics };

  const span = (node: Node | null | undefined): Span => rangeSpan(file, lines, node ?? root);
  const get = (map: YAMLMap, key: string): Node | undefined => {
    const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
    return (pair?.value as Node | null | undefined) ?? undefined;
  };
  const keySpan = (map: YAMLMap, key: string): Span => {
    const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
    return span((pair?.key as Node | undefined) ?? map);
  };
  const str = (node: Node | undefined): string | undefined =>
    isScalar(node) && node.value !== null && node.value !== undefined ? String(node.value) : undefined;
  const num = (node: Node | undefined): number | undefined => (isScalar(node) && typeof node.value === 'number' ? node.value : undefined);

  const expressionsIn = (node: Node, parts: Array<{ source: string; offset: number }>): Expression[] => {
    // Locate each expression in the raw YAML text; quoting and escapes can shift offsets, so
    // search the node's own text and fall back to the node start.
    const [start, end] = node.range ?? [0, 0, 0];
    const raw = text.slice(start, end);
    let cursor = 0;
    return parts.map((p) => {
      const at = raw.indexOf(p.source, cursor);
      const offset = at >= 0 ? start + at : start;
      if (at >= 0) cursor = at + p.source.length;
      return { source: p.source, span: makeSpan(file, lines, offset, offset + p.source.length) };
    });
  };

  const value = (node: Node | undefined): Value => {
    if (node === undefined || node === null) return { kind: 'literal', value: null, span: span(root) };
    if (isSeq(node)) return { kind: 'array', items: node.items.map((n) => value(n as Node)), span: span(node) };
    if (isMap(node)) {
      return {
        kind: 'object',
        entries: node.items.map((p) => ({ key: String(isScalar(p.key) ? p.key.value : p.key), value: value(p.value as Node), keySpan: span(p.key as Node) })),
        span: span(node),
      };
    }
    if (!isScalar(node)) return { kind: 'literal', value: null, span: span(node) };
    const v = node.value;
    if (typeof v !== 'string') return { kind: 'literal', value: (v ?? null) as number | boolean | null, span: span(node) };
    const split = splitTemplate(v);
    if ('error' in split) {
      diagnostics.push(error('DF301', split.error, span(node)));
      return { kind: 'literal', value: v, span: span(node) };
    }
    const exprParts = split.parts.filter((p): p is { source: string; offset: number } => 'source' in p);
    if (exprParts.length === 0) {
      return { kind: 'literal', value: split.parts.map((p) => ('text' in p ? p.text : '')).join(''), span: span(node) };
    }
    const located = expressionsIn(node, exprParts);
    if (split.parts.length === 1) return { kind: 'expr', expr: located[0], span: span(node) };
    let i = 0;
    const parts = split.parts.map((p) => ('text' in p ? p.text : located[i++]));
    return { kind: 'template', parts, span: span(node) };
  };

  const duration = (node: Node | undefined): Duration | undefined => {
    if (node === undefined) return undefined;
    const t = str(node) ?? '';
    // A duration from data: checked as an expression, computed and validated when the step runs.
    if (t.includes('${')) return { text: t, ms: 0, span: span(node), value: value(node) };
    const ms = parseDuration(t);
    if (ms !== undefined && ms > MAX_DURATION_MS) {
      diagnostics.push(error('DF215', `'${t}' is longer than 1000 years (365000d), the longest duration: a durable timer must fire before the year 10000`, span(node)));
      return { text: t, ms: 0, span: span(node) };
    }
    if (ms === undefined) {
      diagnostics.push(error('DF204', `'${t}' is not a duration: write 500ms, 30s, 5m, 2h, 7d or ISO 8601 like PT5M`, span(node)));
      return { text: t, ms: 0, span: span(node) };
    }
    return { text: t, ms, span: span(node) };
  };

  /** `succeedWhen: { atLeast }` (the schema has checked its shape). */
  const quorum = (node: Node | undefined): Quorum | undefined => {
    if (!isMap(node)) return undefined;
    const atLeast = get(node, 'atLeast');
    return { atLeast: value(atLeast ?? undefined), span: span(node) };
  };

  const names = (node: Node | undefined): string[] =>
    isSeq(node) ? node.items.flatMap((n) => (isScalar(n) && typeof n.value === 'string' ? [n.value] : [])) : [];

  const policy = (node: YAMLMap): RetryPolicy => {
    const attempts = get(node, 'maxAttempts');
    const timeout = duration(get(node, 'timeout'));
    const unlimited = str(attempts) === 'unlimited';
    if (unlimited && !timeout) {
      diagnostics.push(error('DF102', '`maxAttempts: unlimited` needs a `timeout` in the same policy: how long to keep retrying', span(attempts)));
    }
    return {
      maxAttempts: unlimited ? 'unlimited' : num(attempts) ?? 3,
      interval: duration(get(node, 'interval')) ?? { text: '1s', ms: 1000, span: span(node) },
      backoff: num(get(node, 'backoff')) ?? 1,
      maxInterval: duration(get(node, 'maxInterval')),
      timeout,
      nonRetryable: names(get(node, 'nonRetryable')),
      on: get(node, 'on') !== undefined ? names(get(node, 'on')) : undefined,
      span: span(node),
    };
  };

  /**
   * `retry`: one policy, or a list of them. In a list, a failure goes to the first policy whose
   * `on` lists its name, else to the one without `on`: a second catch-all, or a name a policy
   * before already lists, would never apply, so both are errors where they are written.
   */
  const retry = (node: Node | undefined): RetryPolicy | RetryPolicy[] | undefined => {
    if (isMap(node)) return policy(node);
    if (!isSeq(node)) return undefined;
    const list = node.items.filter(isMap).map((n) => policy(n));
    const seen = new Map<string, number>();
    let catchAll: number | undefined;
    list.forEach((p, i) => {
      if (p.on === undefined) {
        if (catchAll !== undefined) diagnostics.push(error('DF105', `retry policy ${i + 1} has no \`on\`, as policy ${catchAll + 1} has: only one policy may handle every other error`, p.span));
        else catchAll = i;
        return;
      }
      const onNode = get(node.items[i] as YAMLMap, 'on');
      p.on.forEach((name, j) => {
        const first = seen.get(name);
        const at = isSeq(onNode) ? span(onNode.items[j] as Node) : p.span;
        if (first !== undefined) diagnostics.push(error('DF105', `retry policy ${i + 1} lists '${name}', which policy ${first + 1} already handles: it would never apply here`, at));
        else seen.set(name, i);
      });
    });
    return list;
  };

  /**
   * `fail: { error, message }` (the name literal or computed) or `fail: ${ err }` (rethrow). A
   * literal name is checked here, where it is located: the schema's pattern cannot see lone
   * surrogates, and the runtime's rule is the one that decides.
   */
  const failStep = (common: StepCommon, body: Node | undefined): FailStep => {
    if (!isMap(body)) {
      const rethrow = value(body);
      if (rethrow.kind !== 'expr') {
        diagnostics.push(error('DF105', 'fail: write `${ err }` (exactly one expression) to fail with a caught error, or `{ error, message }`', rethrow.span));
      }
      return { ...common, kind: 'fail', error: str(body) ?? '', rethrow };
    }
    const messageNode = get(body, 'message');
    const message = messageNode !== undefined ? value(messageNode) : undefined;
    const errorNode = get(body, 'error');
    const name = value(errorNode);
    if (name.kind === 'literal') {
      const problem = errorNameProblem(name.value);
      if (problem !== undefined) diagnostics.push(error('DF105', `fail: ${JSON.stringify(name.value)} is not an error name: ${problem}`, name.span));
      return { ...common, kind: 'fail', error: String(name.value ?? ''), message };
    }
    return { ...common, kind: 'fail', error: str(errorNode) ?? '', computedError: name, message };
  };

  const steps = (node: Node | undefined): Step[] => (isSeq(node) ? node.items.flatMap((n) => stepOf(n as Node)) : []);

  const stepOf = (node: Node): Step[] => {
    if (!isMap(node)) return [];
    // `compensate` is the kind only as `compensate: all`; a mapping is the step's undo.
    const present = STEP_KINDS.filter((k) => node.items.some((p) => isScalar(p.key) && p.key.value === k && !(k === 'compensate' && isMap(p.value))));
    // A forEach may carry the activity/workflow shortcut: forEach is then the step's kind.
    const kind = present.includes('forEach') ? 'forEach' : present[0];
    if (!kind) return [];
    const body = get(node, kind);
    const isForEach = kind === 'forEach';
    const common: StepCommon = {
      id: str(get(node, 'id')),
      idSpan: get(node, 'id') !== undefined ? span(get(node, 'id')) : undefined,
      if: get(node, 'if') !== undefined ? value(get(node, 'if')) : undefined,
      // In the forEach shortcut, `retry` belongs to the per-item call.
      retry: isForEach ? undefined : retry(get(node, 'retry')),
      attemptTimeout: isForEach ? undefined : duration(get(node, 'attemptTimeout')),
      timeout: kind === 'waitForEvent' ? undefined : duration(get(node, 'timeout')),
      result: get(node, 'result') !== undefined ? value(get(node, 'result')) : undefined,
      // In the forEach shortcut, `compensate` undoes each item's call, as `retry` retries it.
      compensate: isForEach && get(node, 'steps') === undefined ? undefined : compensation(get(node, 'compensate')),
      span: span(node),
      kindSpan: keySpan(node, kind),
    };
    const input = get(node, 'input') !== undefined ? value(get(node, 'input')) : undefined;
    switch (kind) {
      case 'activity':
        return [{ ...common, kind, activity: str(body) ?? '', input }];
      case 'workflow':
        return [{ ...common, kind, workflow: str(body) ?? '', input }];
      case 'forEach': {
        let inner = steps(get(node, 'steps'));
        const call = (['activity', 'workflow'] as const).find((k) => get(node, k) !== undefined);
        if (call) {
          const shortcut: StepCommon = {
            span: span(node),
            kindSpan: keySpan(node, call),
            retry: retry(get(node, 'retry')),
            attemptTimeout: duration(get(node, 'attemptTimeout')),
            compensate: compensation(get(node, 'compensate')),
          };
          inner =
            call === 'activity'
              ? [{ ...shortcut, kind: 'activity', activity: str(get(node, call)) ?? '', input }]
              : [{ ...shortcut, kind: 'workflow', workflow: str(get(node, call)) ?? '', input }];
        }
        return [
          {
            ...common,
            kind,
            items: value(body),
            as: str(get(node, 'as')) ?? 'item',
            asSpan: get(node, 'as') !== undefined ? span(get(node, 'as')) : undefined,
            maxParallel: num(get(node, 'maxParallel')),
            onItemError: str(get(node, 'onItemError')) === 'continue' ? 'continue' : 'fail',
            partitionSize: num(get(node, 'partitionSize')),
            steps: inner,
            succeedWhen: quorum(get(node, 'succeedWhen')),
          },
        ];
      }
      case 'parallel':
        return [
          {
            ...common,
            kind,
            branches: isSeq(body)
              ? body.items.map((b) => ({ steps: isMap(b) ? steps(get(b, 'steps')) : [], span: span(b as Node) }))
              : [],
            maxParallel: num(get(node, 'maxParallel')),
            succeedWhen: quorum(get(node, 'succeedWhen')),
          },
        ];
      case 'waitForEvent': {
        // A list: the first of several events (DF209 for a name listed twice, where it is written again).
        const list = isSeq(body) ? body : undefined;
        const events = list ? names(list) : undefined;
        events?.forEach((n, i) => {
          const first = events.indexOf(n);
          if (first < i) diagnostics.push(error('DF209', `waitForEvent lists '${n}' twice (item ${first + 1} and item ${i + 1}): each event name once`, span(list!.items[i] as Node)));
        });
        return [
          {
            ...common,
            kind,
            event: events ? events.join(' | ') : str(body) ?? '',
            ...(events ? { events } : {}),
            eventTimeout: duration(get(node, 'timeout')),
            onTimeout: str(get(node, 'onTimeout')) === 'continue' ? 'continue' : 'fail',
          },
        ];
      }
      case 'delay':
        return [{ ...common, kind, duration: duration(body) ?? { text: '', ms: 0, span: span(body) } }];
      case 'until':
        return [{ ...common, kind, at: value(body) }];
      case 'switch': {
        const cases: Array<{ when: Value; steps: Step[]; span: Span }> = [];
        let otherwise: Step[] | undefined;
        for (const c of isSeq(body) ? body.items : []) {
          if (!isMap(c)) continue;
          if (get(c, 'else') !== undefined) otherwise = steps(get(c, 'else'));
          else cases.push({ when: value(get(c, 'if')), steps: steps(get(c, 'steps')), span: span(c as Node) });
        }
        return [{ ...common, kind, cases, otherwise }];
      }
      case 'set':
        return [
          {
            ...common,
            kind,
            vars: isMap(body)
              ? body.items.map((p) => ({ name: String(isScalar(p.key) ? p.key.value : ''), value: value(p.value as Node), span: span(p.key as Node) }))
              : [],
          },
        ];
      case 'status':
        return [{ ...common, kind, value: value(body) }];
      case 'try': {
        const c = get(node, 'catch');
        return [
          {
            ...common,
            kind,
            steps: steps(body),
            catch: {
              as: (isMap(c) ? str(get(c, 'as')) : undefined) ?? 'error',
              asSpan: isMap(c) && get(c, 'as') !== undefined ? span(get(c, 'as')) : undefined,
              steps: isMap(c) ? steps(get(c, 'steps')) : [],
              span: span(c ?? node),
            },
          },
        ];
      }
      case 'fail':
        return [failStep(common, body)];
      case 'continueAsNew':
        return [{ ...common, kind, input: value(body) }];
      case 'repeat': {
        const loop = isMap(body) ? body : undefined;
        const at = (k: string): Node | undefined => (loop ? get(loop, k) : undefined);
        return [
          {
            ...common,
            kind,
            steps: steps(at('steps')),
            while: at('while') !== undefined ? value(at('while')) : undefined,
            until: at('until') !== undefined ? value(at('until')) : undefined,
            maxIterations: num(at('maxIterations')) ?? 1,
            interval: duration(at('interval')),
            onMaxIterations: str(at('onMaxIterations')) === 'continue' ? 'continue' : 'fail',
          },
        ];
      }
      case 'break':
        return [{ ...common, kind }];
      case 'compensate':
        return [{ ...common, compensate: undefined, kind, onError: str(get(node, 'onCompensationError')) === 'fail' ? 'fail' : 'continue' }];
    }
  };

  /** A step's undo; the `activity`/`workflow` form becomes a one-step body, kept as `call` too. */
  const compensation = (node: Node | undefined): Compensation | undefined => {
    if (!isMap(node)) return undefined;
    const kind = (['activity', 'workflow'] as const).find((k) => get(node, k) !== undefined);
    if (!kind) return { steps: steps(get(node, 'steps')), span: span(node) };
    const callCommon: StepCommon = { span: span(node), kindSpan: keySpan(node, kind), retry: retry(get(node, 'retry')) };
    const input = get(node, 'input') !== undefined ? value(get(node, 'input')) : undefined;
    const call: ActivityStep | WorkflowStep =
      kind === 'activity' ? { ...callCommon, kind, activity: str(get(node, kind)) ?? '', input } : { ...callCommon, kind, workflow: str(get(node, kind)) ?? '', input };
    return { steps: [call], call, span: span(node) };
  };

  const baseName = file.replace(/^.*\//, '').replace(/\.ya?ml$/, '');
  const name = str(get(root, 'name')) ?? baseName;
  const nameSpan = span(get(root, 'name') ?? get(root, 'dsl') ?? root);
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name) || name.length > MAX_NAME_LENGTH) {
    diagnostics.push(
      error('DF105', `the file name '${baseName}' is not a workflow name (letters, digits, _; at most ${MAX_NAME_LENGTH}): add a \`name:\` key`, nameSpan),
    );
  }

  const triggerNode = get(root, 'trigger');
  const httpNode = isMap(triggerNode) ? get(triggerNode, 'http') : undefined;
  const scheduleNode = isMap(triggerNode) ? get(triggerNode, 'schedule') : undefined;
  const methodsNode = isMap(httpNode) ? get(httpNode, 'methods') : undefined;
  const singletonNode = get(root, 'singleton');

  const routeNode = isMap(httpNode) ? get(httpNode, 'route') : undefined;
  const workflow: Workflow = {
    name,
    nameSpan,
    file,
    description: str(get(root, 'description')),
    inputSchema: get(root, 'input') !== undefined ? (get(root, 'input') as Node).toJSON() : undefined,
    trigger: {
      http: {
        route: ((isMap(httpNode) ? str(get(httpNode, 'route')) : undefined) ?? `workflows/${name}`).replace(/^\/+/, ''),
        methods: isSeq(methodsNode) ? methodsNode.items.map((m) => String(isScalar(m) ? m.value : '').toUpperCase()) : ['POST'],
        authLevel: ((isMap(httpNode) ? str(get(httpNode, 'authLevel')) : undefined) ?? 'function') as Workflow['trigger']['http']['authLevel'],
        span: span(httpNode ?? triggerNode ?? root),
        routeSpan: routeNode !== undefined ? span(routeNode) : nameSpan,
        getSpan: (() => {
          const item = isSeq(methodsNode) ? methodsNode.items.find((m) => isScalar(m) && String(m.value).toUpperCase() === 'GET') : undefined;
          return item ? span(item as Node) : undefined;
        })(),
      },
      schedule: scheduleNode !== undefined ? { cron: str(scheduleNode) ?? '', span: span(scheduleNode) } : undefined,
    },
    singleton:
      singletonNode === undefined || (isScalar(singletonNode) && singletonNode.value === false)
        ? undefined
        : {
            key: isMap(singletonNode) && get(singletonNode, 'key') !== undefined ? value(get(singletonNode, 'key')) : undefined,
            onConflict: isMap(singletonNode) && str(get(singletonNode, 'onConflict')) === 'reject' ? 'reject' : 'returnExisting',
            span: span(singletonNode),
          },
    steps: steps(get(root, 'steps')),
    output: get(root, 'output') !== undefined ? value(get(root, 'output')) : undefined,
    span: span(root),
  };
  return { workflow, diagnostics };
}
