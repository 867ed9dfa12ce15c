/**
 * generateProject over a small project that uses every construct: the shape of each generated
 * file, byte-identical output across runs, and a strict type-check of everything it produces.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { GenerateCache, generateProject, type GeneratedFile } from '../../compiler/src/codegen';
import { workflowFunctionNames } from '../../compiler/src/check-semantics';
import { checkSources, FrontEndCache, type SourceText } from '../../compiler/src/front-end';
import { workflowRoutes } from '../../compiler/src/routes';

const root = path.resolve(__dirname, '../..');

const everything = `dsl: 1
description: Every construct once.
input:
  type: object
  required: [items]
  properties:
    items: { type: array }
trigger:
  http: { route: every/start, methods: [POST, PUT], authLevel: anonymous }
  schedule: "0 0 * * * *"
singleton:
  key: \${ input.customer }
  onConflict: reject
steps:
  - id: one
    activity: Work
    input: { n: 1 }
    retry: { maxAttempts: 4, interval: 1s, backoff: 3, maxInterval: 10s, timeout: 1m, nonRetryable: [BadInput, Auth.Denied] }
    timeout: 30s
  - id: child
    workflow: small
    input: \${ steps.one.output }
    retry: { maxAttempts: 2, interval: 500ms }
  - id: each
    forEach: \${ input.items }
    as: it
    maxParallel: 3
    onItemError: continue
    timeout: 1h
    steps:
      - id: inner
        activity: Work
        input: \${ it }
      - try:
          - activity: Work
            input: \${ steps.inner.output + index }
        catch:
          as: err
          steps:
            - status: \${ err.message }
  - id: branches
    maxParallel: 1
    timeout: 10m
    parallel:
      - steps: [ { activity: Work, input: a } ]
      - steps: [ { activity: Work, input: b }, { delay: PT1M } ]
  - id: approval
    waitForEvent: Approve
    timeout: 2h
    onTimeout: continue
  - switch:
      - if: \${ steps.approval.output === null }
        steps:
          - fail: { error: NotApproved, message: "no answer for \${ instanceId }" }
      - else:
          - set: { at: "\${ now }", name: "\${ workflow }" }
  - until: \${ vars.at }
  - status: { phase: done }
    result: \${ output }
  - id: guarded
    if: \${ input.items.length > 100 }
    continueAsNew: { items: [] }
output: { each: "\${ steps.each.output }", child: "\${ steps.child.output }" }
`;

const small = `dsl: 1
singleton: true
steps:
  - activity: Zeta
    input: \${ input }
  - activity: Alpha
`;

const workflows: SourceText[] = [
  { file: 'workflows/small.yaml', text: small },
  { file: 'workflows/everything.yaml', text: everything },
];
const activities: SourceText[] = [
  { file: 'workflows/activities/work.ts', text: 'export async function Work(x: unknown): Promise<unknown> { return x; }\n' },
  {
    file: 'workflows/activities/letters/greek.ts',
    text: 'export function Zeta(x: unknown): unknown { return x; }\nexport function Alpha(): string { return "a"; }\n',
  },
];

function generate(runtimeImport?: string): GeneratedFile[] {
  const front = checkSources(root, workflows, activities);
  expect(front.diagnostics.map((d) => `${d.span.file}:${d.span.start.line}:${d.span.start.col} ${d.severity} ${d.code}`)).toEqual([]);
  return generateProject(front.project, runtimeImport ? { runtimeImport } : {});
}

const files = generate();
const file = (p: string): string => {
  const f = files.find((x) => x.path === p);
  if (!f) throw new Error(`${p} was not generated; got ${files.map((x) => x.path).join(', ')}`);
  return f.text;
};

describe('generated files', () => {
  it('are one orchestrator, one module per version and a blueprint per workflow plus the shared entry files, sorted by path', () => {
    const paths = files.map((f) => f.path);
    expect(paths).toEqual([...paths].sort((a, b) => a.localeCompare(b)));
    for (const p of ['everything/orchestrator.ts', 'everything/v1.ts', 'everything/blueprint.ts', 'small/orchestrator.ts', 'small/v1.ts', 'small/blueprint.ts', 'activities.ts', 'index.ts']) {
      expect(paths).toContain(`generated/${p}`);
    }
    // a workflow with an input schema also gets its build-time validator; one without does not
    expect(paths).toContain('generated/everything/input-validator.js');
    expect(paths).not.toContain('generated/small/input-validator.js');
  });

  it('are byte-identical when generated twice', () => {
    expect(generate()).toEqual(files);
  });

  it('are the same bytes through the watch-mode cache, which regenerates only the workflow that changed', () => {
    const front = new FrontEndCache();
    const codegen = new GenerateCache();
    const first = checkSources(root, workflows, activities, front);
    expect(generateProject(first.project, {}, codegen)).toEqual(files);
    const cachedSmall = codegen.byWorkflow.get(first.project.workflows.find((w) => w.name === 'small')!)!.files;
    // Save everything.yaml with one changed input: small's files come back from the cache (same
    // objects), everything's are regenerated and differ only where the YAML did.
    const edited = workflows.map((w) => (w.file.endsWith('everything.yaml') ? { ...w, text: w.text.replace('input: { n: 1 }', 'input: { n: 2 }') } : w));
    const second = checkSources(root, edited, activities, front);
    const again = generateProject(second.project, {}, codegen);
    expect(again.find((f) => f.path === 'generated/small/orchestrator.ts')).toBe(cachedSmall.find((f) => f.path === 'generated/small/orchestrator.ts'));
    expect(again.find((f) => f.path === 'generated/small/v1.ts')).toBe(files.length > 0 ? codegen.byModel.get(second.project.workflows.find((w) => w.name === 'small')!)!.file : undefined);
    const before = files.find((f) => f.path === 'generated/everything/v1.ts')!.text;
    const after = again.find((f) => f.path === 'generated/everything/v1.ts')!.text;
    expect(after).not.toEqual(before);
    expect(after.replace('{ n: 2 }', '{ n: 1 }')).toEqual(before);
    // ... and equal to what a cold generation of the edited project gives.
    expect(again).toEqual(generateProject(checkSources(root, edited, activities).project));
  });

  it('start with the do-not-edit header naming the YAML source (and, for a version, which one)', () => {
    const text = file('generated/everything/orchestrator.ts');
    expect(text.startsWith('// Generated by durable-flow from workflows/everything.yaml')).toBe(true);
    expect(text).toContain('Do not edit: change the YAML and run `npm run compile`.');
    expect(file('generated/everything/v1.ts').startsWith("// Generated by durable-flow from workflows/everything.yaml: version 1 of the 'everything' orchestrator")).toBe(true);
  });
});

describe('the orchestrator', () => {
  const text = file('generated/everything/v1.ts');
  const yamlLines = everything.split('\n');

  it('is an exported, typed generator function named after the workflow, which runs the version the instance started with', () => {
    const dispatcher = file('generated/everything/orchestrator.ts');
    expect(dispatcher).toContain('export function* everythingOrchestrator(context: df.OrchestrationContext): Generator<df.Task, rt.Json, rt.Json> {');
    expect(dispatcher).toContain('import { everythingV1 } from "./v1";');
    expect(dispatcher).toContain('export const everythingVersions: rt.WorkflowVersions = { workflow: "everything", latest: 1, versions: { 1: everythingV1 } };');
    expect(dispatcher).toContain('return yield* rt.runVersion(context, everythingVersions);');
    expect(text).toContain('export function* everythingV1(run: rt.WorkflowRun): Generator<df.Task, rt.Json, rt.Json> {');
  });

  it('has one comment per step pointing at the line of the step in the YAML', () => {
    const comments = [...text.matchAll(/\/\/ workflows\/everything\.yaml:(\d+) · (.*)/g)];
    expect(comments.length).toBeGreaterThanOrEqual(15);
    for (const [, line, what] of comments) {
      const src = yamlLines[Number(line) - 1];
      // the line is the step's first line: "- <key>: ..." where key is id or its kind
      expect(src, `line ${line} for '${what}'`).toMatch(/^\s*- /);
      const id = /^(\w+): /.exec(what)?.[1];
      if (id && !['activity', 'workflow'].includes(what.split(' ')[0])) expect(src).toContain(id);
    }
    expect(comments.map((c) => c[2])).toEqual(
      expect.arrayContaining(['one: activity Work', 'child: workflow small', 'each: forEach', 'branches: parallel', 'approval: waitForEvent Approve']),
    );
  });

  it('compiles each construct to the Durable call it stands for', () => {
    // retries are runtime code over plain calls and timers, never the library's *WithRetry
    expect(text).not.toMatch(/WithRetry/);
    expect(text).toContain(
      'rt.activity(run, "Work", { n: 1 }, { retry: { maxAttempts: 4, intervalMs: 1000, backoff: 3, maxIntervalMs: 10000, timeoutMs: 60000, nonRetryable: ["BadInput", "Auth.Denied"] }, timeoutMs: 30000 })',
    );
    // a sub-workflow is started with the version of it this version was compiled against
    expect(text).toContain('rt.workflow(run, { name: "small", version: 1 }, steps.one.output, { retry: { maxAttempts: 2, intervalMs: 500 } })');
    expect(text).toContain(
      'rt.forEach(run, steps, { step: "each", items: input.items, maxParallel: 3, onItemError: "continue", timeoutMs: 3600000 }, function*(it: rt.Json, index: number, steps: rt.Steps): rt.Body {',
    );
    expect(text).toMatch(/rt\.parallel\(run, steps, \{ step: "3", maxParallel: 1, timeoutMs: 600000 \}, \[\s*function\*\(steps: rt\.Steps\): rt\.Body \{/);
    expect(text).toContain('rt.event(run, "Approve", 7200000, "continue")');
    expect(text).toContain('last = yield* rt.delay(run, 60000);');
    expect(text).toContain('last = yield* rt.until(run, vars.at);');
    expect(text).toContain('throw new rt.WorkflowError("NotApproved", rt.text(');
    expect(text).toContain('vars.at = run.now();');
    expect(text).toContain('vars.name = "everything";');
    expect(text).toContain('rt.continueAsNew(run, { items: [] });');
    expect(text).toContain('run.setStatus({ phase: "done" });');
    expect(text).toContain('const err = rt.toErrorInfo(thrown);');
    expect(text).toMatch(/if \(input\.items\.length > 100\) \{[^}]*continueAsNew[\s\S]*?\} else \{\s*last = null;/);
    expect(text).toContain('return { each: steps.each.output, child: steps.child.output };');
  });

  it('never reads the wall clock or randomness', () => {
    for (const f of files.filter((x) => /\/(orchestrator|v\d+)\.ts$/.test(x.path))) expect(f.text).not.toMatch(/Date\.now|Math\.random|new Date\(\)/);
  });

  it('defaults the workflow output to the last step output', () => {
    expect(file('generated/small/v1.ts')).toMatch(/return last;\s*\}\s*$/);
  });
});

describe('the blueprint', () => {
  const text = file('generated/everything/blueprint.ts');

  it('registers the orchestrator under the workflow name, wrapped so its errors keep their name', () => {
    expect(text).toContain('df.app.orchestration("everything", rt.orchestration(everythingOrchestrator));');
  });

  it('registers the HTTP starter from trigger.http with the durable client input', () => {
    expect(text).toMatch(
      /app\.http\("everything_start", \{\s*route: "every\/start",\s*methods: \["POST", "PUT"\],\s*authLevel: "anonymous",\s*extraInputs: \[df\.input\.durableClient\(\)\],\s*handler: rt\.httpStarter\(/,
    );
  });

  it('passes the singleton key as a function of the input and the conflict policy', () => {
    expect(text).toContain('singleton: { key: (input: rt.Json): unknown => input.customer, onConflict: "reject" }');
    expect(file('generated/small/blueprint.ts')).toContain('singleton: { key: (input: rt.Json): unknown => "small", onConflict: "returnExisting" }');
  });

  it('registers exactly the routes and function names the project checks assume (DF405, DF406)', () => {
    const front = checkSources(root, workflows, activities);
    const w = front.project.workflows.find((x) => x.name === 'everything')!;
    const routes = [...text.matchAll(/route: "([^"]*)"/g)].map((m) => m[1]);
    expect(routes).toEqual(workflowRoutes(w.trigger.http.route));
    const names = [...text.matchAll(/app\.(?:http|timer|orchestration)\("([^"]+)"/g)].map((m) => m[1]);
    expect(names.every((n) => workflowFunctionNames(w).includes(n))).toBe(true);
    expect(names.length).toBeGreaterThanOrEqual(4);
  });

  it('registers the timer starter only when there is a schedule', () => {
    expect(text).toMatch(
      /app\.timer\("everything_schedule", \{\s*schedule: "0 0 \* \* \* \*",\s*extraInputs: \[df\.input\.durableClient\(\)\],\s*handler: rt\.timerStarter\(/,
    );
    expect(file('generated/small/blueprint.ts')).not.toContain('app.timer(');
  });
});

describe('activities and the entry', () => {
  it('registers every activity, sorted and wrapped, importing each module by its relative path without extension', () => {
    const text = file('generated/activities.ts');
    expect(text).toContain('import { Alpha, Zeta } from "../workflows/activities/letters/greek";');
    expect(text).toContain('import { Work } from "../workflows/activities/work";');
    expect(text).toContain('import * as rt from "../runtime";');
    const registrations = [...text.matchAll(/df\.app\.activity\("(\w+)", \{ handler: rt\.activityHandler\("\1", (\w+)\) \}\);/g)].map((m) => [m[1], m[2]]);
    expect(registrations).toEqual([
      ['Alpha', 'Alpha'],
      ['Work', 'Work'],
      ['Zeta', 'Zeta'],
    ]);
  });

  it('imports the activities and every blueprint, sorted by name, then the OpenAPI document and the status pages', () => {
    const imports = [...file('generated/index.ts').matchAll(/^import "(.*)";$/gm)].map((m) => m[1]);
    expect(imports).toEqual(['./activities', './everything/blueprint', './small/blueprint', './openapi', './flow-ui/pages']);
  });
});

describe('type-check', () => {
  // The files live in memory under a folder that does not exist, next to the real runtime and
  // node_modules, so imports resolve as they would in generated/.
  const base = path.join(root, '.codegen-typecheck');
  const { config } = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile);
  const { options: projectOptions } = ts.parseJsonConfigFileContent(config, ts.sys, root);
  const options: ts.CompilerOptions = { ...projectOptions, noEmit: true, rootDir: undefined };

  function check(virtual: Map<string, string>, old?: ts.Program): { program: ts.Program; diagnostics: string[] } {
    const host = ts.createCompilerHost(options);
    const readFile = host.readFile.bind(host);
    const fileExists = host.fileExists.bind(host);
    const getSourceFile = host.getSourceFile.bind(host);
    host.readFile = (f) => virtual.get(f) ?? readFile(f);
    host.fileExists = (f) => virtual.has(f) || fileExists(f);
    host.directoryExists = (d) => d === base || d.startsWith(base + path.sep) || ts.sys.directoryExists(d);
    host.getSourceFile = (f, lang, onError) => {
      const text = virtual.get(f);
      return text !== undefined ? ts.createSourceFile(f, text, lang) : getSourceFile(f, lang, onError);
    };
    const roots = [...virtual.keys()].filter((f) => f.endsWith('.ts'));
    const program = ts.createProgram(roots, options, host, old);
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file ? `${path.relative(base, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
      return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    return { program, diagnostics };
  }

  it('every generated TypeScript file compiles under the project strict settings (and a broken one would not)', () => {
    expect(projectOptions.strict).toBe(true);
    const virtual = new Map<string, string>();
    for (const f of generate('../../../runtime')) virtual.set(path.join(base, f.path), f.text);
    for (const a of activities) virtual.set(path.join(base, a.file), a.text);
    const { program, diagnostics } = check(virtual);
    expect(diagnostics).toEqual([]);
    // the check saw the generated orchestrators, not just the runtime
    expect(program.getSourceFile(path.join(base, 'generated/everything/orchestrator.ts'))).toBeDefined();
    expect(fs.existsSync(base)).toBe(false);

    // The same check reports an error in a generated file (so an empty list above means something).
    const orchestrator = path.join(base, 'generated/small/v1.ts');
    virtual.set(orchestrator, virtual.get(orchestrator)!.replace('return last;', 'const n: number = "not a number";\n  return last;'));
    expect(check(virtual, program).diagnostics).toEqual([
      expect.stringMatching(/^generated\/small\/v1\.ts:\d+ Type 'string' is not assignable to type 'number'/),
    ]);
  }, 60_000);
});
