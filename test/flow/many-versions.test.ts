/**
 * Many workflows, many versions: the status pages' data (generated/flow-ui/) must type-check
 * whatever it holds. Its type is declared (runtime/flow/pages.ts `FlowData`), not inferred from
 * the data: once inferred, two workflows that each kept older versions under different numbers
 * made a union TypeScript could not assign (`"2"?: undefined`, TS2322). A project of 30
 * workflows, each with several recorded versions (as `compile` records them in
 * workflows/.versions/), is compiled in memory and type-checked under the project's strict settings.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateProject } from '../../compiler/src/codegen';
import { checkSources, type SourceText } from '../../compiler/src/front-end';
import { flowData, type FlowData } from '../../runtime/flow/pages';
import { typecheck, virtualBase } from '../helpers/typecheck';

const ACTIVITIES: SourceText[] = [{ file: 'workflows/activities/work.ts', text: 'export function Work(x: unknown) { return x; }\n' }];
const COUNT = 30;

/** Workflow `n` at its `v`-th edit: each edit adds a step before the wait (a replay-changing edit, so a new version). */
function yaml(n: number, edits: number): string {
  const extra = Array.from({ length: edits }, (_, i) => `  - id: added${i}\n    activity: Work\n`).join('');
  return `dsl: 1\ninput:\n  type: object\ntrigger:\n  http: { route: many/w${n}, methods: [POST], authLevel: function }\nsteps:\n${extra}  - id: check\n    activity: Work\n  - id: gate\n    waitForEvent: Go${n}\n`;
}

/** Compiles `rounds` times, each round editing the workflows `edited(n, round)` picks, keeping the record like `compile`. */
function compileRounds(rounds: number, edited: (n: number, round: number) => boolean): Record<string, string> {
  const records = new Map<string, string>();
  const edits = Array.from({ length: COUNT }, () => 0);
  let last: ReturnType<typeof checkSources> | undefined;
  for (let round = 0; round < rounds; round++) {
    if (round > 0) for (let n = 0; n < COUNT; n++) if (edited(n, round)) edits[n]++;
    const sources = edits.map((e, n) => ({ file: `workflows/w${n}.yaml`, text: yaml(n, e) }));
    last = checkSources('/p', sources, ACTIVITIES, undefined, [...records].map(([file, text]) => ({ file, text })));
    expect(last.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    for (const c of last.created) for (const f of c.files) records.set(f.path, f.text);
  }
  return Object.fromEntries(generateProject(last!.project, { runtimeImport: '../../../runtime' }).map((f) => [f.path, f.text]));
}

describe('30 workflows with several recorded versions each', () => {
  // Workflow n is edited in the rounds where (n + round) % 3 !== 0: 2 to 4 versions each, at different numbers.
  const files = compileRounds(5, (n, round) => (n + round) % 3 !== 0);
  const data = JSON.parse(files['generated/flow-ui/workflows.json']) as FlowData;

  it('records the versions (so the check below sees many version maps of different shapes)', () => {
    expect(data.workflows).toHaveLength(COUNT);
    const kept = data.workflows.map((w) => Object.keys(w.versions ?? {}).length);
    expect(Math.min(...kept)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...kept)).toBeGreaterThanOrEqual(3);
    expect(new Set(data.workflows.map((w) => Object.keys(w.versions ?? {}).join(','))).size).toBeGreaterThan(1);
  });

  it('type-checks strict: generated/ with the status pages data', () => {
    const base = virtualBase('.many-versions-typecheck');
    const virtual = new Map<string, string>();
    for (const [p, text] of Object.entries(files)) virtual.set(path.join(base, p), text);
    for (const a of ACTIVITIES) virtual.set(path.join(base, a.file), a.text);
    expect(virtual.has(path.join(base, 'generated/flow-ui/pages.ts'))).toBe(true);
    expect(typecheck(base, virtual)).toEqual([]);
  }, 120_000);

  it('the declared type is given only to data of the shape the compiler writes', () => {
    expect(flowData(data)).toBe(data);
    expect(() => flowData({})).toThrow("generated/flow-ui/workflows.json is not the status pages' data (no workflows list): run `npm run compile`");
    expect(() => flowData({ workflows: [data.workflows[0], { name: 'x' }] })).toThrow('(workflow #1)');
  });
});
