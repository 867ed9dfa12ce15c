/** Semantic checks of the names a workflow chooses (DF205, DF206) and of keys JavaScript calls by itself (DF305). */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSources, FrontEndCache, readSources } from '../../compiler/src/front-end';

const root = path.resolve(__dirname, '../..');
const examples = readSources(root);
const cache = new FrontEndCache();

function diagnostics(text: string, file = 'workflows/names.yaml'): string[] {
  const r = checkSources(root, [...examples.workflows, { file, text }], examples.activities, cache);
  return r.diagnostics.filter((d) => d.span.file === file).map((d) => `${d.code} ${d.span.start.line}:${d.span.start.col}`);
}

describe('names a workflow chooses', () => {
  it('DF206 at a step id or variable named like a member every object has', () => {
    expect(diagnostics('dsl: 1\nsteps:\n  - id: toString\n    activity: SayHello\n  - set:\n      valueOf: 1\n      then: 2\n      total: 3\n')).toEqual([
      'DF206 3:9', 'DF206 6:7', 'DF206 7:7',
    ]);
  });

  it('DF206 at a forEach or catch `as` that is a name the generated code relies on; property-name slots take any name', () => {
    expect(diagnostics('dsl: 1\nsteps:\n  - forEach: ${ [1] }\n    as: run\n    activity: SayHello\n')).toEqual(['DF206 4:9']);
    expect(diagnostics('dsl: 1\nsteps:\n  - try: [ { activity: SayHello } ]\n    catch: { as: context, steps: [ { activity: SayHello } ] }\n')).toEqual(['DF206 4:18']);
    expect(diagnostics('dsl: 1\nsteps:\n  - id: rt\n    activity: SayHello\n  - set:\n      run: ${ steps.rt.output }\n')).toEqual([]);
  });

  it('DF206 for a workflow folder that would be special, DF205 for names differing only in case', () => {
    expect(diagnostics('dsl: 1\nname: CON\nsteps:\n  - activity: SayHello\n')).toEqual(['DF206 2:7']);
    // (their default routes, workflows/Hello and workflows/hello, overlap too)
    expect(diagnostics('dsl: 1\nname: Hello\nsteps:\n  - activity: SayHello\n')).toEqual(['DF205 1:1', 'DF405 2:7']);
  });

  it('DF305 at a YAML key JavaScript would call, when its value is computed', () => {
    expect(diagnostics('dsl: 1\nsteps:\n  - activity: SayHello\n    input:\n      toJSON: ${ input.f }\n      then: literal\n')).toEqual(['DF305 5:7']);
  });
});
