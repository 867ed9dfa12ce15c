/**
 * Versions at compile time: which edits make a new version (each kind of replay-changing edit
 * does, with a DF601 warning at the line that changed) and which do not (cosmetic ones), what the
 * record holds, the code generated for every version kept, and the record's own errors. Compiles
 * run in memory: the record is a map of files, as `compile` would leave workflows/.versions/.
 */
import { describe, expect, it } from 'vitest';
import { generateProject } from '../../compiler/src/codegen';
import { checkSources, type FrontEndResult, type SourceText } from '../../compiler/src/front-end';

const ACTIVITIES: SourceText[] = [{ file: 'workflows/activities/work.ts', text: 'export function Work(x: unknown) { return x; }\nexport function Other(x: unknown) { return x; }\n' }];

/** A project's files: workflows/*.yaml and its record, compiled again and again like `compile`. */
class Project {
  readonly workflows = new Map<string, string>();
  readonly records = new Map<string, string>();
  constructor(workflows: Record<string, string>) {
    for (const [name, text] of Object.entries(workflows)) this.workflows.set(`workflows/${name}.yaml`, text);
  }

  /** Checks; when free of errors, records the versions it made (as `compile` writes them). */
  compile(activities = ACTIVITIES): FrontEndResult {
    const front = checkSources(
      '/p',
      [...this.workflows].map(([file, text]) => ({ file, text })),
      activities,
      undefined,
      [...this.records].map(([file, text]) => ({ file, text })),
    );
    if (front.ok) for (const c of front.created) for (const f of c.files) this.records.set(f.path, f.text);
    return front;
  }

  edit(name: string, change: (text: string) => string): this {
    const file = `workflows/${name}.yaml`;
    const before = this.workflows.get(file)!;
    const after = change(before);
    if (after === before) throw new Error(`the edit of ${name} changed nothing`);
    this.workflows.set(file, after);
    return this;
  }

  generated(): Record<string, string> {
    const front = this.compile();
    expect(front.ok).toBe(true);
    return Object.fromEntries(generateProject(front.project).map((f) => [f.path, f.text]));
  }
}

const located = (front: FrontEndResult): string[] => front.diagnostics.map((d) => `${d.span.file}:${d.span.start.line}:${d.span.start.col} ${d.severity} ${d.code}`);

const ORDER = `dsl: 1
description: Take an order.
input:
  type: object
trigger:
  http: { route: orders/take, methods: [POST], authLevel: function }
steps:
  - id: check
    activity: Work
    input: { n: "\${ input.n + 1 }" }
    retry: { maxAttempts: 3, interval: 1s }
  - id: gate
    waitForEvent: Go
    timeout: 1h
    onTimeout: continue
  - id: each
    forEach: \${ input.items }
    maxParallel: 4
    activity: Work
    input: \${ item }
  - id: pick
    switch:
      - if: \${ steps.gate.output === null }
        steps:
          - activity: Work
            input: late
      - else:
          - status: on time
  - delay: 5m
output: \${ steps.each.output }
`;

function fresh(): Project {
  const p = new Project({ order: ORDER });
  const first = p.compile();
  expect(first.ok).toBe(true);
  expect(first.created.map((c) => [c.workflow, c.version, c.changes])).toEqual([['order', 1, 'first recorded version']]);
  return p;
}

describe('the first compile', () => {
  it("records version 1 of every workflow (its YAML as it is, and versions.json), and says nothing else", () => {
    const p = new Project({ order: ORDER, second: 'dsl: 1\nsteps:\n  - activity: Other\n' });
    const front = p.compile();
    expect(located(front)).toEqual([]);
    expect(front.created.map((c) => `${c.workflow} ${c.version}`)).toEqual(['order 1', 'second 1']);
    expect(p.records.get('workflows/.versions/order/v1.yaml')).toBe(ORDER);
    expect(JSON.parse(p.records.get('workflows/.versions/order/versions.json')!)).toEqual({
      workflow: 'order',
      versions: [{ version: 1, file: 'v1.yaml', calls: {}, changes: 'first recorded version' }],
    });
    // compiled again unchanged: nothing more to record
    expect(p.compile().created).toEqual([]);
  });
});

describe('edits that cannot change what instances replay make no version', () => {
  const cosmetic: Array<[string, (t: string) => string]> = [
    ['description', (t) => t.replace('Take an order.', 'Take one order, politely.')],
    ['comments and blank lines', (t) => t.replace('steps:\n', '# the steps\nsteps:\n\n').replace('  - id: gate', '  # waits\n  - id: gate')],
    ['flow style to block style, and key order', (t) => t.replace('input: { n: "${ input.n + 1 }" }', 'input:\n      n: ${ input.n + 1 }').replace('    timeout: 1h\n    onTimeout: continue', '    onTimeout: continue\n    timeout: 1h')],
    ['spacing and comments inside an expression', (t) => t.replace('${ input.n + 1 }', '${input.n+1 /* next */}')],
    ['a duration written another way', (t) => t.replace('interval: 1s', 'interval: 1000ms').replace('timeout: 1h', 'timeout: PT60M').replace('delay: 5m', 'delay: 300s')],
    ['the output', (t) => t.replace('output: ${ steps.each.output }', 'output: { results: "${ steps.each.output }" }')],
    ['the text of a status step', (t) => t.replace('status: on time', 'status: "right on time"')],
    ['the input schema', (t) => t.replace('  type: object\ntrigger', '  type: object\n  required: [items]\ntrigger')],
    ['the trigger', (t) => t.replace('route: orders/take, methods: [POST], authLevel: function', 'route: orders/new, methods: [POST, PUT], authLevel: anonymous')],
    ['a singleton', (t) => t.replace('trigger:', 'singleton: true\ntrigger:')],
  ];
  for (const [what, change] of cosmetic) {
    it(what, () => {
      const p = fresh().edit('order', change);
      const front = p.compile();
      expect(located(front)).toEqual([]);
      expect(front.created).toEqual([]);
      // the latest version is generated from the file, not from its record
      expect(front.project.versions!.get('order')!.map((v) => [v.version, v.workflow.file])).toEqual([[1, 'workflows/order.yaml']]);
    });
  }
});

describe('each kind of edit that changes what instances replay makes a new version, located where it changed', () => {
  const cases: Array<{ what: string; change: (t: string) => string; at: string; summary: string }> = [
    {
      what: 'a step added',
      change: (t) => t.replace('  - id: gate\n', '  - id: extra\n    activity: Other\n  - id: gate\n'),
      at: 'workflows/order.yaml:12:9',
      summary: "steps changed: added 'extra' before 'gate'",
    },
    { what: 'a step removed', change: (t) => t.replace('  - delay: 5m\n', ''), at: 'workflows/order.yaml:21:9', summary: "steps changed: removed the delay step (it stood after 'pick')" },
    {
      what: 'steps reordered',
      change: (t) => t.replace(/( {2}- id: gate\n(?: {4}.*\n)+)( {2}- id: each\n(?: {4}.*\n)+)/, '$2$1'),
      at: 'workflows/order.yaml:17:9',
      summary: "steps changed: moved 'gate' before 'pick'",
    },
    {
      what: 'a step changed in kind',
      change: (t) => t.replace('  - delay: 5m', '  - waitForEvent: Done'),
      at: 'workflows/order.yaml:29:5',
      summary: "steps changed: removed the delay step (it stood after 'pick'); added the waitForEvent 'Done' step after 'pick'",
    },
    { what: 'an activity name', change: (t) => t.replace('    activity: Work\n    input: { n', '    activity: Other\n    input: { n'), at: 'workflows/order.yaml:9:5', summary: 'steps changed: changed \'check\': activity "Work" → "Other"' },
    { what: 'an activity input', change: (t) => t.replace('${ input.n + 1 }', '${ input.n + 2 }'), at: 'workflows/order.yaml:10:12', summary: "steps changed: changed 'check': input" },
    { what: 'a retry policy', change: (t) => t.replace('maxAttempts: 3', 'maxAttempts: 5'), at: 'workflows/order.yaml:11:12', summary: "steps changed: changed 'check': retry" },
    { what: 'the fan-out shape (maxParallel)', change: (t) => t.replace('maxParallel: 4', 'maxParallel: 2'), at: 'workflows/order.yaml:17:5', summary: "steps changed: changed 'each': maxParallel 4 → 2" },
    { what: 'the forEach items', change: (t) => t.replace('forEach: ${ input.items }', 'forEach: ${ input.items.slice(1) }'), at: 'workflows/order.yaml:17:14', summary: "steps changed: changed 'each': items ${ input.items } → ${ input.items.slice(1) }" },
    { what: 'an event name', change: (t) => t.replace('waitForEvent: Go', 'waitForEvent: Start'), at: 'workflows/order.yaml:13:5', summary: 'steps changed: changed \'gate\': event "Go" → "Start"' },
    { what: 'an event timeout', change: (t) => t.replace('timeout: 1h', 'timeout: 2h'), at: 'workflows/order.yaml:14:14', summary: "steps changed: changed 'gate': eventTimeout 3600000 → 7200000" },
    {
      what: 'a condition',
      change: (t) => t.replace('if: ${ steps.gate.output === null }', 'if: ${ steps.gate.output !== null }'),
      at: 'workflows/order.yaml:23:13',
      summary: "steps changed: changed 'pick': case 1 ${ steps.gate.output === null } → ${ steps.gate.output !== null }",
    },
    {
      what: 'a step inside a branch',
      change: (t) => t.replace('            input: late', '            input: very late'),
      at: 'workflows/order.yaml:26:20',
      summary: 'steps changed: changed the activity \'Work\' step in the case 1 of \'pick\': input "late" → "very late"',
    },
    { what: 'a guard added', change: (t) => t.replace('  - delay: 5m', '  - delay: 5m\n    if: ${ input.wait }'), at: 'workflows/order.yaml:30:9', summary: 'steps changed: changed the delay step: if none → ${ input.wait }' },
    { what: 'a status step added (it sets the previous output to null)', change: (t) => t.replace('  - delay: 5m', '  - status: done\n  - delay: 5m'), at: 'workflows/order.yaml:29:5', summary: 'steps changed: added the status step before the delay step' },
  ];
  for (const c of cases) {
    it(c.what, () => {
      const p = fresh().edit('order', c.change);
      const front = p.compile();
      expect(front.ok).toBe(true);
      expect(front.created.map((x) => [x.workflow, x.version, x.changes])).toEqual([['order', 2, c.summary]]);
      const warnings = front.diagnostics.filter((d) => d.code === 'DF601');
      expect(warnings.length).toBeGreaterThan(0);
      expect(warnings.every((d) => d.severity === 'warning' && /It makes version 2 of 'order'; instances in flight keep the version they started with/.test(d.message))).toBe(true);
      expect(located(front).filter((l) => l.endsWith('DF601'))).toContain(`${c.at} warning DF601`);
      // both versions are kept; version 1 from its record, version 2 from the file
      expect(front.project.versions!.get('order')!.map((v) => [v.version, v.workflow.file])).toEqual([
        [1, 'workflows/.versions/order/v1.yaml'],
        [2, 'workflows/order.yaml'],
      ]);
      // compiled again: recorded, nothing new, no warning
      const again = p.compile();
      expect(again.created).toEqual([]);
      expect(located(again)).toEqual([]);
    });
  }

  it('a forEach without an id moved to another line (slices and progress know it by its line)', () => {
    const p = new Project({ lines: 'dsl: 1\nsteps:\n  - forEach: ${ input.items }\n    activity: Work\n' });
    p.compile();
    p.edit('lines', (t) => t.replace('steps:\n', 'steps:\n\n'));
    const front = p.compile();
    expect(front.created.map((c) => c.changes)).toEqual(['steps changed: changed the forEach step: name "forEach@3" → "forEach@4"']);
    // with an id, moving it by lines is cosmetic
    const q = new Project({ lines: 'dsl: 1\nsteps:\n  - id: all\n    forEach: ${ input.items }\n    activity: Work\n' });
    q.compile();
    q.edit('lines', (t) => t.replace('steps:\n', 'steps:\n\n'));
    expect(q.compile().created).toEqual([]);
  });

  it('a new version of a sub-workflow makes a new version of each caller, which pins the child version it starts', () => {
    const p = new Project({
      child: 'dsl: 1\nsteps:\n  - activity: Work\n    input: one\n',
      parent: 'dsl: 1\nsteps:\n  - id: kid\n    workflow: child\n',
      grand: 'dsl: 1\nsteps:\n  - workflow: parent\n',
    });
    p.compile();
    p.edit('child', (t) => t.replace('input: one', 'input: two'));
    const front = p.compile();
    expect(front.created.map((c) => [c.workflow, c.version, c.changes])).toEqual([
      ['child', 2, 'steps changed: changed the activity \'Work\' step: input "one" → "two"'],
      ['parent', 2, "sub-workflow 'child' is now version 2"],
      ['grand', 2, "sub-workflow 'parent' is now version 2"],
    ]);
    expect(located(front)).toEqual(['workflows/child.yaml:4:12 warning DF601', 'workflows/grand.yaml:3:5 warning DF601', 'workflows/parent.yaml:4:5 warning DF601']);
    expect(JSON.parse(p.records.get('workflows/.versions/parent/versions.json')!).versions.map((v: { calls: unknown }) => v.calls)).toEqual([{ child: 1 }, { child: 2 }]);
    const files = p.generated();
    expect(files['generated/parent/v1.ts']).toContain('rt.workflow(run, { name: "child", version: 1 });');
    expect(files['generated/parent/v2.ts']).toContain('rt.workflow(run, { name: "child", version: 2 });');
  });

  it('several edits in one compile make one version listing each', () => {
    const p = fresh().edit('order', (t) => t.replace('maxParallel: 4', 'maxParallel: 2').replace('  - delay: 5m\n', ''));
    const front = p.compile();
    expect(front.created.map((c) => c.changes)).toEqual(["steps changed: changed 'each': maxParallel 4 → 2; removed the delay step (it stood after 'pick')"]);
    expect(front.diagnostics.filter((d) => d.code === 'DF601')).toHaveLength(2);
  });
});

describe('the code of every version kept', () => {
  it('is generated per version; the orchestrator runs each instance with its own and starts the latest', () => {
    const p = fresh().edit('order', (t) => t.replace('  - id: gate\n', '  - id: extra\n    activity: Other\n  - id: gate\n'));
    const files = p.generated();
    expect(Object.keys(files).filter((f) => f.startsWith('generated/order/')).sort()).toEqual([
      'generated/order/blueprint.ts',
      'generated/order/input-validator.js',
      'generated/order/orchestrator.ts',
      'generated/order/v1.ts',
      'generated/order/v2.ts',
    ]);
    const v1 = files['generated/order/v1.ts'];
    const v2 = files['generated/order/v2.ts'];
    // each names its YAML and version; line comments point into that YAML
    expect(v1.startsWith("// Generated by durable-flow from workflows/.versions/order/v1.yaml: version 1 of the 'order' orchestrator, kept for the instances that started with it.")).toBe(true);
    expect(v1).toContain('// workflows/.versions/order/v1.yaml:8 · check: activity Work');
    expect(v1).not.toContain('"Other"');
    expect(v2.startsWith("// Generated by durable-flow from workflows/order.yaml: version 2 of the 'order' orchestrator, the one new instances start.")).toBe(true);
    expect(v2).toContain("// Version 2: steps changed: added 'extra' before 'gate'.");
    expect(v2).toContain('last = yield* rt.activity(run, "Other");');
    const orchestrator = files['generated/order/orchestrator.ts'];
    expect(orchestrator).toContain('import { orderV1, orderV1Slices } from "./v1";');
    expect(orchestrator).toContain('import { orderV2, orderV2Slices } from "./v2";');
    // slices of each version run that version's forEach bodies
    expect(orchestrator).toContain('return yield* rt.runSliceVersion(context, "order", { 1: orderV1Slices, 2: orderV2Slices });');
    expect(orchestrator).toContain('export const orderVersions: rt.WorkflowVersions = { workflow: "order", latest: 2, versions: { 1: orderV1, 2: orderV2 } };');
    expect(orchestrator).toContain('This app keeps versions 1, 2 (recorded in workflows/.versions/order/');
    const blueprint = files['generated/order/blueprint.ts'];
    expect(blueprint).toContain('rt.httpStarter({ workflow: "order", version: 2,');
    expect(blueprint).toContain('rt.managementHandler({ workflow: "order", version: 2 })');
  });
});

describe('the record itself', () => {
  it('an old version that no longer compiles against today\'s activities is an error located in its record', () => {
    const p = fresh().edit('order', (t) => t.replaceAll('activity: Work', 'activity: Other'));
    expect(p.compile().created.map((c) => c.version)).toEqual([2]);
    // Work is no longer exported: version 1 (which calls it) cannot run any more
    const front = p.compile([{ file: 'workflows/activities/work.ts', text: 'export function Other(x: unknown) { return x; }\n' }]);
    expect(front.ok).toBe(false);
    const errors = front.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => `${d.span.file}:${d.span.start.line}:${d.span.start.col} ${d.code}`)).toContain('workflows/.versions/order/v1.yaml:9:5 DF401');
    expect(errors.find((d) => d.span.file === 'workflows/.versions/order/v1.yaml')!.message).toMatch(/^version 1 of 'order' \(kept for the instances that run it\): unknown activity 'Work'/);
  });

  it('a broken versions.json is DF602, located in it', () => {
    const p = fresh();
    p.records.set('workflows/.versions/order/versions.json', '{ "workflow": "order", "versions": [ }');
    const front = p.compile();
    expect(front.ok).toBe(false);
    expect(located(front)).toEqual([expect.stringMatching(/^workflows\/\.versions\/order\/versions\.json:1:\d+ error DF602$/)]);
    p.records.set('workflows/.versions/order/versions.json', JSON.stringify({ workflow: 'other', versions: [] }));
    expect(p.compile().diagnostics.map((d) => d.message)).toEqual([expect.stringContaining(`the version record names workflow "other", but it stands in the folder of 'order'`)]);
  });

  it('a version whose record file is missing is DF602', () => {
    const p = fresh();
    p.records.delete('workflows/.versions/order/v1.yaml');
    const front = p.compile();
    expect(located(front)).toEqual(['workflows/.versions/order/versions.json:1:1 error DF602']);
    expect(front.diagnostics[0].message).toContain('restore it from version control');
  });

  it('versions of a workflow that no longer exists are DF603 (its instances in flight cannot run)', () => {
    const p = new Project({ order: ORDER, gone: 'dsl: 1\nsteps:\n  - activity: Work\n' });
    p.compile();
    p.workflows.delete('workflows/gone.yaml');
    const front = p.compile();
    expect(front.ok).toBe(true);
    expect(located(front)).toEqual(['workflows/.versions/gone/versions.json:1:1 warning DF603']);
    expect(front.diagnostics[0].message).toMatch(/no workflow is named 'gone' any more: its instances still in flight cannot run/);
  });

  it('a kept version that starts a version of a sub-workflow no longer kept is DF604, at its workflow step', () => {
    const p = new Project({ child: 'dsl: 1\nsteps:\n  - activity: Work\n    input: one\n', parent: 'dsl: 1\nsteps:\n  - workflow: child\n' });
    p.compile();
    p.edit('child', (t) => t.replace('one', 'two'));
    p.compile();
    // prune child's version 1 by hand, leaving parent's version 1 (which starts it)
    p.records.delete('workflows/.versions/child/v1.yaml');
    const manifest = JSON.parse(p.records.get('workflows/.versions/child/versions.json')!);
    manifest.versions = manifest.versions.slice(1);
    p.records.set('workflows/.versions/child/versions.json', JSON.stringify(manifest));
    const front = p.compile();
    expect(located(front)).toEqual(['workflows/.versions/parent/v1.yaml:3:5 error DF604']);
    expect(front.diagnostics[0].message).toContain("version 1 of 'parent' calls version 1 of 'child', which is no longer kept (kept: 2)");
  });
});
