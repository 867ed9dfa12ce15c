/** The model builder: defaults applied once, the forEach shortcut normalised, every node located. */
import { describe, expect, it } from 'vitest';
import { buildWorkflow } from '../../compiler/src/build-model';
import type { ForEachStep, Workflow } from '../../compiler/src/model';
import { parseWorkflowFile } from '../../compiler/src/parse';

function build(text: string, file = 'workflows/sample.yaml'): Workflow {
  const parsed = parseWorkflowFile(file, text);
  expect(parsed.diagnostics).toEqual([]);
  const { workflow, diagnostics } = buildWorkflow(parsed);
  expect(diagnostics).toEqual([]);
  return workflow!;
}

describe('buildWorkflow', () => {
  it('applies the documented defaults', () => {
    const w = build('dsl: 1\nsteps:\n  - activity: A\n');
    expect(w.name).toBe('sample');
    expect(w.trigger.http).toMatchObject({ route: 'workflows/sample', methods: ['POST'], authLevel: 'function' });
    expect(w.singleton).toBeUndefined();
    expect(w.output).toBeUndefined();
  });

  it('normalises the forEach activity shortcut into a one-step body carrying input and retry', () => {
    const w = build(
      'dsl: 1\nsteps:\n  - forEach: ${ input.xs }\n    as: x\n    maxParallel: 3\n    activity: A\n    input: ${ x }\n    retry: { maxAttempts: 2, interval: 5s }\n',
    );
    const f = w.steps[0] as ForEachStep;
    expect(f.kind).toBe('forEach');
    expect(f.maxParallel).toBe(3);
    expect(f.onItemError).toBe('fail');
    expect(f.retry).toBeUndefined();
    expect(f.steps).toHaveLength(1);
    expect(f.steps[0]).toMatchObject({ kind: 'activity', activity: 'A', input: { kind: 'expr', expr: { source: 'x' } } });
    expect(f.steps[0].retry).toMatchObject({ maxAttempts: 2, interval: { ms: 5000 }, backoff: 1 });
  });

  it('splits strings into expressions and templates, located at the expression text', () => {
    const w = build('dsl: 1\nsteps:\n  - status: "done ${ vars.n } of ${ input.total }"\n  - status: ${ input.x }\n  - status: plain\n');
    const [a, b, c] = w.steps;
    expect(a.kind === 'status' && a.value.kind).toBe('template');
    if (a.kind === 'status' && a.value.kind === 'template') {
      expect(a.value.parts.map((p) => (typeof p === 'string' ? p : `{${p.source}}`))).toEqual(['done ', '{vars.n}', ' of ', '{input.total}']);
      const second = a.value.parts[3];
      expect(typeof second !== 'string' && second.span.start).toEqual({ line: 3, col: 37 });
    }
    expect(b.kind === 'status' && b.value.kind).toBe('expr');
    expect(c.kind === 'status' && c.value).toMatchObject({ kind: 'literal', value: 'plain' });
  });

  it('turns durations into milliseconds and keeps what was written', () => {
    const w = build('dsl: 1\nsteps:\n  - delay: 1500ms\n  - waitForEvent: Go\n    timeout: PT1H30M\n    onTimeout: continue\n');
    expect(w.steps[0]).toMatchObject({ kind: 'delay', duration: { text: '1500ms', ms: 1500 } });
    expect(w.steps[1]).toMatchObject({ kind: 'waitForEvent', event: 'Go', eventTimeout: { ms: 5_400_000 }, onTimeout: 'continue' });
  });

  it('reads singleton: true as the workflow name being the instance id, and a keyed singleton', () => {
    expect(build('dsl: 1\nsingleton: true\nsteps:\n  - activity: A\n').singleton).toMatchObject({ key: undefined, onConflict: 'returnExisting' });
    const keyed = build('dsl: 1\nsingleton:\n  key: ${ input.id }\n  onConflict: reject\nsteps:\n  - activity: A\n').singleton;
    expect(keyed).toMatchObject({ key: { kind: 'expr' }, onConflict: 'reject' });
  });

  it('builds switch, try and parallel with their bodies', () => {
    const w = build(
      [
        'dsl: 1',
        'steps:',
        '  - switch:',
        '      - if: ${ input.a }',
        '        steps: [ { activity: A } ]',
        '      - else: [ { activity: B } ]',
        '  - try: [ { activity: A } ]',
        '    catch: { as: e, steps: [ { status: "${ e.message }" } ] }',
        '  - parallel:',
        '      - steps: [ { activity: A } ]',
        '      - steps: [ { activity: B }, { delay: 1s } ]',
        '    maxParallel: 1',
        '',
      ].join('\n'),
    );
    expect(w.steps.map((s) => s.kind)).toEqual(['switch', 'try', 'parallel']);
    const [sw, tr, pa] = w.steps;
    expect(sw.kind === 'switch' && [sw.cases.length, sw.otherwise?.length]).toEqual([1, 1]);
    expect(tr.kind === 'try' && tr.catch.as).toBe('e');
    expect(pa.kind === 'parallel' && pa.branches.map((b) => b.steps.length)).toEqual([1, 2]);
    expect(sw.span.start).toEqual({ line: 3, col: 5 });
  });
});
