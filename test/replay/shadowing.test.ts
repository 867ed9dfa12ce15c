/**
 * No name a workflow chooses can change what the generated code does. One workflow exercises
 * every place a workflow declares or chooses a name (a step id, a variable, arrow parameters
 * plain, destructured and nested, a forEach `as`, a catch `as`); each place in turn gets each
 * name the generated code relies on (rt, run, context, df, steps, vars, input, last, thrown,
 * index, output, ...), generated function names (wholeBody, <name>Orchestrator, ...) and globals.
 * Every variant is either refused with DF206 at that very place, or compiles, type-checks under
 * --strict, runs through the replay harness with the real durable-functions library, and gives
 * exactly the output of the same workflow with innocent names, without reaching a trap on
 * Function, eval, __proto__ or process.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateProject } from '../../compiler/src/codegen';
import { checkSources, readSources, type SourceText } from '../../compiler/src/front-end';
import { GENERATED_NAMES, reservedReason } from '../../compiler/src/names';
import { createHarness, type Harness } from '../harness/replay';
import { installTraps } from '../helpers/traps';
import { typecheck } from '../helpers/typecheck';

const root = path.resolve(__dirname, '../fixtures/shadowing');
const GENERATED = path.join(root, 'generated');

/** ⟦slot⟧ marks where a slot's name is declared (where DF206 must point); SLOT tokens are replaced by names. */
const TEMPLATE = `dsl: 1
name: NAME
steps:
  - id: ⟦id⟧ID
    activity: Echo
    input: \${ input.items }
  - set:
      ⟦var⟧VAR: "\${ steps.ID.output.map(⟦param⟧PARAM => PARAM * 2).concat(input.pairs.map(({ v: ⟦dparam⟧DPARAM }) => DPARAM)).concat(input.items.map(x => input.items.map(⟦nparam⟧NPARAM => NPARAM + x)[0])) }"
  - id: each
    forEach: \${ vars.VAR }
    as: ⟦as⟧AS
    maxParallel: 2
    steps:
      - activity: Echo
        input: "\${ { v: AS, i: index, k: input.names[index % 2], at: input.table[input.k] } }"
  - try:
      - fail: { error: Boom, message: "\${ String(vars.VAR.length) }" }
    catch:
      as: ⟦catch⟧CATCH
      steps:
        - set:
            caught: \${ CATCH.message + now }
  - id: whole
    forEach: \${ input.items }
    activity: Echo
    input: \${ item }
output: "\${ { a: steps.ID.output, v: vars.VAR, each: steps.each.output, caught: vars.caught, loop: steps.whole.output, now, id: instanceId } }"
`;

type Slot = 'ID' | 'VAR' | 'PARAM' | 'DPARAM' | 'NPARAM' | 'AS' | 'CATCH';
const INNOCENT: Record<Slot, string> = { ID: 'first', VAR: 'v', PARAM: 'p', DPARAM: 'd', NPARAM: 'y', AS: 'it', CATCH: 'e' };
const SLOTS = Object.keys(INNOCENT) as Slot[];
/** Slots that declare a binding (the others are property names: steps.<id>, vars.<name>). */
const DECLARING: readonly Slot[] = ['PARAM', 'DPARAM', 'NPARAM', 'AS', 'CATCH'];

/** Names the generated code relies on, names it generates, and globals; plus the innocent ones. */
const NAMES = [
  ...GENERATED_NAMES, 'now', 'instanceId', 'workflow', 'String', 'JSON', 'Math', 'Object', 'eval', 'arguments', 'undefined',
  'wholeBody', 'wholePartition', 'eachBody', 'forEachLine4Body', 'v0Orchestrator', 'v0PartitionOrchestrator', 'Echo', 'item',
];

interface Variant {
  name: string;
  slot?: Slot;
  chosen?: string;
  text: string;
  /** `line:col` of the slot's declaration. */
  at?: string;
}

function variant(index: number, slot?: Slot, chosen?: string): Variant {
  const names: Record<string, string> = { ...INNOCENT, NAME: `v${index}` };
  if (slot && chosen) names[slot] = chosen;
  let at: string | undefined;
  const lines = TEMPLATE.split('\n').map((line, i) => {
    let out = line.replace(/\b(NAME|ID|VAR|PARAM|DPARAM|NPARAM|AS|CATCH)\b/g, (t) => names[t]);
    for (let m = /⟦(\w+)⟧/.exec(out); m; m = /⟦(\w+)⟧/.exec(out)) {
      if (m[1] === slot?.toLowerCase()) at = `${i + 1}:${m.index + 1}`;
      out = out.slice(0, m.index) + out.slice(m.index + m[0].length);
    }
    return out;
  });
  return { name: `v${index}`, slot, chosen, text: lines.join('\n'), at };
}

const variants: Variant[] = [variant(0)];
for (const chosen of NAMES) for (const slot of SLOTS) variants.push(variant(variants.length, slot, chosen));
const file = (v: Variant): string => `workflows/${v.name}.yaml`;
const activities: SourceText[] = readSources(root).activities;

/** Refused by design: a declaration of a reserved name. Everything else must compile. */
const refused = (v: Variant): boolean => v.slot !== undefined && DECLARING.includes(v.slot) && reservedReason(v.chosen!) !== undefined;

let harness: Harness;
let accepted: Variant[];

beforeAll(() => {
  const all = checkSources(root, variants.map((v) => ({ file: file(v), text: v.text })), activities);
  const problems = (v: Variant): string[] => all.diagnostics.filter((d) => d.span.file === file(v)).map((d) => `${d.code} ${d.span.start.line}:${d.span.start.col} ${d.message}`);
  for (const v of variants) {
    const got = problems(v);
    if (refused(v)) {
      // DF206 at the declaration (a body that then reads the name may earn more, e.g. `steps` without .output).
      expect(got.map((g) => g.split(' ').slice(0, 2).join(' ')), `${v.slot}=${v.chosen}: ${got.join('; ')}`).toContain(`DF206 ${v.at}`);
    } else expect(got, `${v.slot}=${v.chosen}`).toEqual([]);
  }
  accepted = variants.filter((v) => !refused(v));
  const front = checkSources(root, accepted.map((v) => ({ file: file(v), text: v.text })), activities);
  expect(front.ok).toBe(true);
  const runtimeImport = path.relative(path.join(GENERATED, 'x'), path.resolve(__dirname, '../../runtime')).split(path.sep).join('/');
  const files = generateProject(front.project, { runtimeImport });
  // --strict type-check of everything generated, before it runs.
  const virtual = new Map(files.map((f) => [path.join(root, f.path), f.text]));
  for (const a of activities) virtual.set(path.join(root, a.file), a.text);
  expect(typecheck(root, virtual)).toEqual([]);
  fs.rmSync(GENERATED, { recursive: true, force: true });
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(root, f.path)), { recursive: true });
    fs.writeFileSync(path.join(root, f.path), f.text);
  }
  harness = createHarness(path.join(GENERATED, 'index.ts'));
}, 120_000);

const INPUT = { items: [1, 2, 3], pairs: [{ v: 'a' }, { v: 'b' }], names: ['constructor', '__proto__'], table: { x: 'X' }, k: 'x' };

async function run(v: Variant, input: unknown): Promise<{ output: unknown; error?: string }> {
  const traps = installTraps((stack) => stack.includes(`${path.sep}fixtures${path.sep}shadowing${path.sep}generated${path.sep}`));
  try {
    const state = await harness.start(v.name, input, 'fixed-instance').runToCompletion();
    expect(traps.hits.map((h) => `${h.what}\n${h.stack}`), `${v.slot}=${v.chosen}`).toEqual([]);
    return { output: state.output, error: state.error?.replace(new RegExp(`'${v.name}'`, 'g'), "'<name>'") };
  } finally {
    traps.restore();
  }
}

describe('names chosen by a workflow cannot change what the generated code does', () => {
  it('refuses every declaration of a reserved name, at the declaration, and accepts everything else', () => {
    const declared = variants.filter((v) => v.slot && DECLARING.includes(v.slot));
    expect(declared.filter(refused).length).toBeGreaterThan(80);
    expect(accepted.length).toBeGreaterThan(60);
    // The slots that are property names take every name, reserved or not.
    for (const chosen of ['rt', 'run', 'context', 'df', 'steps', 'vars', 'input', 'last', 'thrown']) {
      expect(accepted.some((v) => v.slot === 'ID' && v.chosen === chosen)).toBe(true);
      expect(accepted.some((v) => v.slot === 'VAR' && v.chosen === chosen)).toBe(true);
    }
  });

  it('every accepted variant gives the innocent workflow\'s output, with no trap reached', async () => {
    const baseline = await run(accepted[0], INPUT);
    expect(baseline.error).toBeUndefined();
    expect(baseline.output).toMatchObject({
      a: [1, 2, 3],
      v: [2, 4, 6, 'a', 'b', 2, 3, 4],
      caught: expect.stringMatching(/^82026-01-01T/),
      loop: [1, 2, 3],
      id: 'fixed-instance',
    });
    expect((baseline.output as { each: unknown[] }).each[1]).toEqual({ v: 4, i: 1, k: '__proto__', at: 'X' });
    for (const v of accepted.slice(1)) {
      const got = await run(v, INPUT);
      expect(got, `${v.slot}=${v.chosen}`).toEqual(baseline);
    }
  }, 120_000);

  it('a hostile computed key fails every variant the same way, with no trap reached', async () => {
    const hostile = { ...INPUT, k: 'constructor' };
    const baseline = await run(accepted[0], hostile);
    expect(baseline.error).toMatch(/ForbiddenKey: the computed key 'constructor' is not allowed in expressions/);
    for (const v of accepted.slice(1).filter((_, i) => i % 4 === 0)) {
      expect(await run(v, hostile), `${v.slot}=${v.chosen}`).toEqual(baseline);
    }
  }, 120_000);
});
