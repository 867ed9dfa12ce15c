/** The parser's locator: JSON paths back to YAML line:col, falling back to the nearest ancestor. */
import { describe, expect, it } from 'vitest';
import { parseWorkflowFile } from '../../compiler/src/parse';

const text = 'dsl: 1\nsteps:\n  - id: a\n    activity: A\n    input: { x: [1, 2] }\n';

describe('parseWorkflowFile', () => {
  const p = parseWorkflowFile('workflows/w.yaml', text);

  it('parses clean YAML to data', () => {
    expect(p.diagnostics).toEqual([]);
    expect(p.data).toEqual({ dsl: 1, steps: [{ id: 'a', activity: 'A', input: { x: [1, 2] } }] });
  });

  it('locates keys and values by path', () => {
    expect(p.locate.key(['steps', 0, 'activity']).start).toEqual({ line: 4, col: 5 });
    expect(p.locate.value(['steps', 0, 'activity']).start).toEqual({ line: 4, col: 15 });
    expect(p.locate.value(['steps', 0, 'input', 'x', 1]).start).toEqual({ line: 5, col: 21 });
  });

  it('falls back to the nearest existing ancestor for paths that do not exist', () => {
    expect(p.locate.value(['steps', 0, 'missing', 'deeper']).start).toEqual({ line: 3, col: 5 });
    expect(p.locate.key(['nope']).start).toEqual({ line: 1, col: 1 });
  });

  it('reports duplicate keys at the second occurrence, naming the key', () => {
    const d = parseWorkflowFile('w.yaml', 'dsl: 1\ndsl: 2\n').diagnostics;
    expect(d.map((x) => [x.code, x.span.start.line, x.span.start.col, x.message])).toEqual([
      ['DF002', 2, 1, "duplicate key 'dsl': each key may appear once in a mapping"],
    ]);
  });
});
