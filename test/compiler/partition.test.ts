/**
 * Which forEach steps the compiler lets run in slices (runtime/partition.ts), what their bodies
 * read from the workflow scope, and the code it generates for them.
 */
import { describe, expect, it } from 'vitest';
import { buildWorkflow } from '../../compiler/src/build-model';
import { generateProject } from '../../compiler/src/codegen';
import type { ForEachStep, Project, Workflow } from '../../compiler/src/model';
import { parseWorkflowFile } from '../../compiler/src/parse';
import { bodyReads, DEFAULT_PARTITION_SIZE, notPartitionable, partitionSize } from '../../compiler/src/partition';

function build(text: string, file = 'workflows/sample.yaml'): Workflow {
  const parsed = parseWorkflowFile(file, text);
  expect(parsed.diagnostics).toEqual([]);
  const { workflow, diagnostics } = buildWorkflow(parsed);
  expect(diagnostics).toEqual([]);
  return workflow!;
}

const forEachOf = (w: Workflow, i = 0): ForEachStep => w.steps[i] as ForEachStep;

describe('partitionable forEach steps', () => {
  it('reads only the scope the body names: input, vars and steps.<id>', () => {
    const w = build(
      [
        'dsl: 1',
        'steps:',
        '  - id: prep',
        '    activity: A',
        '  - forEach: ${ input.items }',
        '    steps:',
        '      - activity: B',
        '        input: { a: "${ steps.prep.output }", b: "${ vars.rate * item }", c: "at ${ steps?.other?.output }" }',
      ].join('\n'),
    );
    expect(bodyReads(forEachOf(w, 1))).toEqual({ input: false, vars: true, steps: ['other', 'prep'] });
  });

  it('treats a property named input as a property, and steps[...] as reading every step', () => {
    const w = build('dsl: 1\nsteps:\n  - forEach: ${ input.items }\n    activity: B\n    input: "${ [item.input, steps[item.name]] }"\n');
    expect(bodyReads(forEachOf(w))).toEqual({ input: false, vars: false, steps: ['*'] });
  });

  it('refuses bodies that act on the workflow instance, and forEach steps that have local names in scope', () => {
    const kinds = ['set: { x: 1 }', 'status: busy', 'waitForEvent: Go', 'continueAsNew: null'];
    for (const k of kinds) {
      const w = build(`dsl: 1\nsteps:\n  - forEach: [1, 2]\n    steps:\n      - activity: B\n      - ${k}\n`);
      expect(notPartitionable(forEachOf(w), true)).toMatch(/its body has a '\w+' step/);
    }
    const ok = build('dsl: 1\nsteps:\n  - forEach: [1, 2]\n    activity: B\n');
    expect(notPartitionable(forEachOf(ok), true)).toBeUndefined();
    expect(notPartitionable(forEachOf(ok), false)).toMatch(/inside a forEach body, a repeat or a catch/);
  });

  it('takes the step size, else the default; 0 turns partitioning off', () => {
    expect(partitionSize(forEachOf(build('dsl: 1\nsteps:\n  - forEach: [1]\n    activity: B\n')))).toBe(DEFAULT_PARTITION_SIZE);
    expect(partitionSize(forEachOf(build('dsl: 1\nsteps:\n  - forEach: [1]\n    partitionSize: 7\n    activity: B\n')))).toBe(7);
    expect(partitionSize(forEachOf(build('dsl: 1\nsteps:\n  - forEach: [1]\n    partitionSize: 0\n    activity: B\n')))).toBe(0);
  });
});

describe('generated code for partitioned forEach', () => {
  const generate = (text: string): Record<string, string> => {
    const w = build(text, 'workflows/big.yaml');
    const project: Project = { root: '/tmp/unused', workflows: [w], activities: new Map([['B', 'workflows/activities/b.ts']]) };
    return Object.fromEntries(generateProject(project).map((f) => [f.path, f.text]));
  };

  it('hoists the body, registers a partition orchestrator, and passes the options to rt.forEach', () => {
    const files = generate('dsl: 1\nsteps:\n  - id: all\n    forEach: ${ input.items }\n    maxParallel: 4\n    partitionSize: 25\n    activity: B\n    input: ${ [item, index, instanceId] }\n');
    const orch = files['generated/big/v1.ts'];
    expect(orch).toContain('partition: allPartition }, allBody);');
    expect(orch).toContain('const allPartition: rt.PartitionOptions = { orchestrator: "big-partition", size: 25, reads: { input: false, vars: false, steps: [] } };');
    expect(orch).toContain('function* allBody(item: rt.Json, index: number, steps: rt.Steps, run: rt.WorkflowRun): rt.Body {');
    // instanceId inside a body means the workflow's id, also when a slice runs it.
    expect(orch).toContain('[item, index, run.instanceId]');
    expect(orch).toContain('export const bigV1Slices: Readonly<Record<string, rt.PartitionBody>> = { all: allBody };');
    // slices run the body of the version that started them
    expect(files['generated/big/orchestrator.ts']).toContain('return yield* rt.runSliceVersion(context, "big", { 1: bigV1Slices });');
    const blueprint = files['generated/big/blueprint.ts'];
    expect(blueprint).toContain('df.app.orchestration("big-partition", rt.orchestration(bigPartitionOrchestrator));');
  });

  it('keeps the body inline when partitioning is off or cannot apply', () => {
    for (const text of [
      'dsl: 1\nsteps:\n  - forEach: ${ input.items }\n    partitionSize: 0\n    activity: B\n',
      'dsl: 1\nsteps:\n  - forEach: ${ input.items }\n    steps:\n      - activity: B\n      - status: one more\n',
    ]) {
      const files = generate(text);
      expect(files['generated/big/orchestrator.ts']).not.toContain('PartitionOrchestrator');
      expect(files['generated/big/v1.ts']).not.toContain('partition:');
      expect(files['generated/big/blueprint.ts']).not.toContain('big-partition');
    }
  });

  it('hoists an outer forEach but keeps a forEach inside its body inline (it reads the outer item)', () => {
    const files = generate('dsl: 1\nsteps:\n  - forEach: ${ input.items }\n    as: group\n    steps:\n      - forEach: ${ group }\n        activity: B\n');
    const orch = files['generated/big/v1.ts'];
    expect(orch).toContain('{ step: "forEach@3", items: input.items, onItemError: "fail", partition: forEachLine3Partition }, forEachLine3Body);');
    expect(orch).toContain('{ step: "forEach@6", items: group, onItemError: "fail" }, function*(item: rt.Json');
  });
});
