/**
 * Inputs that used to crash the compiler (or compile into code that crashes or misroutes at run
 * time), one test each: every one is now a located diagnostic, and the front end and code
 * generator never throw. A marker ⟨DFnnn⟩ in a workflow text stands right before the token the
 * diagnostic must point at; it is removed before checking.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateProject } from '../../compiler/src/codegen';
import { checkSources, FrontEndCache, readSources, type SourceText } from '../../compiler/src/front-end';
import { typecheck, virtualBase } from '../helpers/typecheck';

const root = path.resolve(__dirname, '../..');
const examples = readSources(root);
const FILE = 'workflows/crash.yaml';
/** The examples and activities are checked once, as --watch would: each case re-checks only its own file. */
const cache = new FrontEndCache();

/** The text without markers, and `CODE line:col` for each marker. */
function marked(text: string): { text: string; expected: string[] } {
  const expected: string[] = [];
  const lines = text.split('\n').map((line, i) => {
    let out = line;
    for (let m = /⟨(DF\d{3})⟩/.exec(out); m; m = /⟨(DF\d{3})⟩/.exec(out)) {
      expected.push(`${m[1]} ${i + 1}:${m.index + 1}`);
      out = out.slice(0, m.index) + out.slice(m.index + m[0].length);
    }
    return out;
  });
  return { text: lines.join('\n'), expected: expected.sort() };
}

/** Checks `text` as workflows/crash.yaml beside the examples; returns its diagnostics as `CODE line:col`. */
function check(text: string, extra: SourceText[] = []): { got: string[]; messages: string[]; ok: boolean; generate: () => ReturnType<typeof generateProject> } {
  const result = checkSources(root, [...examples.workflows, { file: FILE, text }, ...extra], examples.activities, cache);
  const mine = result.diagnostics.filter((d) => d.span.file === FILE);
  return {
    got: mine.map((d) => `${d.code} ${d.span.start.line}:${d.span.start.col}`).sort(),
    messages: mine.map((d) => `${d.code} ${d.span.start.line}:${d.span.start.col} ${d.message}`),
    ok: result.ok,
    generate: () => generateProject(result.project),
  };
}

function expectLocated(source: string, message?: RegExp): void {
  const { text, expected } = marked(source);
  const r = check(text);
  expect(r.got, r.messages.join('\n')).toEqual(expected);
  expect(r.ok).toBe(false);
  if (message) expect(r.messages.join('\n')).toMatch(message);
}

const head = 'dsl: 1\nname: crash\n';

describe('input schemas that ajv could not compile, or that would misbehave at run time', () => {
  it('an unknown type', () => expectLocated(`${head}input: { type: ⟨DF107⟩foo }\nsteps:\n  - activity: SayHello\n`, /'type' must be one of array, boolean/));
  it('a pattern the regex engine rejects', () => expectLocated(`${head}input:\n  type: string\n  pattern: ⟨DF107⟩"(["\nsteps:\n  - activity: SayHello\n`, /invalid regular expression/));
  it('a pattern that backtracks catastrophically', () => expectLocated(`${head}input:\n  type: string\n  pattern: ⟨DF309⟩"^(a|aa)+$"\nsteps:\n  - activity: SayHello\n`));
  it('a patternProperties key that backtracks catastrophically', () =>
    expectLocated(`${head}input:\n  type: object\n  patternProperties:\n    ⟨DF309⟩"^(x+)+$": { type: string }\nsteps:\n  - activity: SayHello\n`));
  it('an unresolvable $ref', () => expectLocated(`${head}input:\n  type: object\n  properties:\n    a: { $ref: ⟨DF107⟩"#/definitions/missing" }\nsteps:\n  - activity: SayHello\n`, /does not resolve/));
  it('a $ref to the schema itself', () => expectLocated(`${head}input: { $ref: ⟨DF107⟩"#" }\nsteps:\n  - activity: SayHello\n`, /leads back to itself/));
  it('a $ref cycle through allOf (which overflowed ajv\'s compiler)', () =>
    expectLocated(`${head}input:\n  allOf: [ { $ref: "#/definitions/a" } ]\n  definitions:\n    a: { allOf: [ { $ref: ⟨DF107⟩"#" } ] }\nsteps:\n  - activity: SayHello\n`));
  it('a recursive schema that reads part of the value each time is fine', () => {
    const r = check(`${head}input:\n  type: object\n  properties:\n    children: { type: array, items: { $ref: "#" } }\nsteps:\n  - activity: SayHello\n`);
    expect(r.got).toEqual([]);
    expect(r.generate().some((f) => f.path === 'generated/crash/input-validator.js')).toBe(true);
  });
  it('a 2020-12 $schema', () => expectLocated(`${head}input:\n  $schema: ⟨DF108⟩"https://json-schema.org/draft/2020-12/schema"\n  type: object\nsteps:\n  - activity: SayHello\n`));
  it('$async (validation would return a promise that rejects unhandled)', () => expectLocated(`${head}input:\n  type: object\n  ⟨DF108⟩$async: true\nsteps:\n  - activity: SayHello\n`));
  it('a remote $ref and $id', () =>
    expectLocated(`${head}input:\n  ⟨DF108⟩$id: "https://example.com/s"\n  properties:\n    a: { $ref: ⟨DF108⟩"https://example.com/other.json" }\nsteps:\n  - activity: SayHello\n`));
  it('an unknown format', () => expectLocated(`${head}input: { type: string, format: ⟨DF107⟩emial }\nsteps:\n  - activity: SayHello\n`, /known formats: date/));
  it('a keyword of the wrong type deep inside', () => expectLocated(`${head}input:\n  properties:\n    n: { minimum: ⟨DF107⟩low }\nsteps:\n  - activity: SayHello\n`));
});

describe('names and descriptions', () => {
  it('a blank description (which crashed the comment writer)', () => expectLocated(`${head}description: ⟨DF105⟩"  "\nsteps:\n  - activity: SayHello\n`, /must not be blank/));
  it('a description of 2,001 characters', () => expectLocated(`${head}description: ⟨DF105⟩${'d'.repeat(2001)}\nsteps:\n  - activity: SayHello\n`));
  it('a long description of one long word is wrapped, not dropped', () => {
    const word = 'x'.repeat(300);
    const r = check(`${head}description: ${word}\nsteps:\n  - activity: SayHello\n`);
    expect(r.got).toEqual([]);
    for (const file of ['generated/crash/orchestrator.ts', 'generated/crash/v1.ts']) {
      const text = r.generate().find((f) => f.path === file)!.text;
      expect(text.split('\n').filter((l) => /^\/\/ x+$/.test(l)).join('').replace(/\/\/ /g, '')).toBe(word);
    }
  });
  it('a 301-character name (which made generated/<name>/ too long a path)', () => expectLocated(`dsl: 1\nname: ⟨DF105⟩${'n'.repeat(301)}\nsteps:\n  - activity: SayHello\n`, /at most 100 characters/));
  it('a 301-character step id, event, variable and item name', () =>
    expectLocated(
      `${head}steps:\n  - id: ⟨DF105⟩${'i'.repeat(301)}\n    waitForEvent: ⟨DF105⟩${'e'.repeat(301)}\n  - set:\n      ⟨DF105⟩${'v'.repeat(301)}: 1\n  - forEach: \${ [1] }\n    as: ⟨DF105⟩${'a'.repeat(301)}\n    activity: SayHello\n`,
    ));
  it('a workflow folder Windows or Node.js would treat specially', () => expectLocated(`dsl: 1\nname: ⟨DF206⟩node_modules\nsteps:\n  - activity: SayHello\n`));
});

describe('expressions too big for the parser', () => {
  it('5,000 nested parentheses', () => expectLocated(`${head}steps:\n  - activity: SayHello\n    input: \${ ${'('.repeat(64)}⟨DF307⟩${'('.repeat(4936)}1${')'.repeat(5000)} }\n`, /brackets nest more than 64 levels/));
  it('5,000 prefix operators', () => expectLocated(`${head}steps:\n  - activity: SayHello\n    input: \${ ${'!'.repeat(256)}⟨DF307⟩${'!'.repeat(4744)}1 }\n`));
  it('a chain of 300 additions', () => expectLocated(`${head}steps:\n  - activity: SayHello\n    input: \${ ⟨DF307⟩${'1 + '.repeat(300)}1 }\n`, /nests more than 200 levels/));
  it('YAML nested 3,000 levels (which overflowed the YAML reader)', () => {
    const r = check(`${head}steps:\n  - activity: SayHello\n    input: ${'['.repeat(3000)}${']'.repeat(3000)}\n`);
    expect(r.got.length).toBeGreaterThan(0);
    expect(r.got.every((g) => g.startsWith('DF006'))).toBe(true);
  });
  it('400 nested forEach bodies (which overflowed the schema validator)', () => {
    let text = `${head}steps:\n`;
    let indent = '  ';
    for (let i = 0; i < 400; i++) {
      text += `${indent}- forEach: \${ [1] }\n${indent}  steps:\n`;
      indent += '    ';
    }
    text += `${indent}- activity: SayHello\n`;
    // depth 65 (root mapping 1, steps 2, first step 3, ...) is the 32nd step, on line 4 + 2 * 31
    expect(check(text).got).toEqual([`DF006 ${4 + 2 * 31}:${2 + 4 * 31 + 3}`]);
  });
});

describe('generated names cannot collide', () => {
  it('a forEach id equal to the name of an id-less forEach, and ids ending like generated names, compile and type-check', () => {
    const text = `${head}steps:\n  - forEach: \${ input.a }\n    activity: SayHello\n  - id: forEachLine4\n    forEach: \${ input.a }\n    activity: SayHello\n  - id: forEachLine4Body\n    forEach: \${ input.a }\n    activity: SayHello\n  - id: crashOrchestrator\n    forEach: \${ input.a }\n    activity: SayHello\n`;
    const r = check(text);
    expect(r.got).toEqual([]);
    const files = r.generate();
    const declarations = (p: string): string[] => [...files.find((f) => f.path === p)!.text.matchAll(/^(?:export )?(?:function\*|const) (\w+)/gm)].map((m) => m[1]);
    const version = declarations('generated/crash/v1.ts');
    expect(version).toEqual([
      'crashV1', 'forEachLine4Partition', 'forEachLine4Body', 'forEachLine4Partition2', 'forEachLine4Body2',
      'forEachLine4BodyPartition', 'forEachLine4BodyBody', 'crashOrchestratorPartition', 'crashOrchestratorBody', 'crashV1Slices',
    ]);
    expect(new Set(version).size).toBe(version.length);
    // the orchestrator module declares only names derived from the workflow's, and imports the version's
    expect(declarations('generated/crash/orchestrator.ts')).toEqual(['crashVersions', 'crashOrchestrator', 'crashPartitionOrchestrator']);
    const base = virtualBase('.crash-typecheck');
    const virtual = new Map(generateProject(checkSources(root, [{ file: FILE, text }], examples.activities).project, { runtimeImport: '../../../runtime' }).map((f) => [path.join(base, f.path), f.text]));
    for (const a of examples.activities) virtual.set(path.join(base, a.file), a.text);
    expect(typecheck(base, virtual)).toEqual([]);
  }, 60_000);
});

describe('routes', () => {
  it('a catch-all route that would have caught other workflows\' requests (with its own auth level)', () =>
    expectLocated(`${head}trigger:\n  http: { route: ⟨DF105⟩"{*rest}", authLevel: anonymous }\nsteps:\n  - activity: SayHello\n`));
  it('a route under another workflow\'s management routes', () =>
    expectLocated(`${head}trigger:\n  http: { route: ⟨DF405⟩Orders/Process/instances/x, authLevel: anonymous }\nsteps:\n  - activity: SayHello\n`, /overlaps workflow 'processOrders'/));
  it('a route another workflow\'s default route falls under', () => {
    const other: SourceText = { file: 'workflows/zz.yaml', text: 'dsl: 1\nname: zz\ntrigger: { http: { route: workflows/crash/instances/a/b } }\nsteps:\n  - activity: SayHello\n' };
    const r = check(`dsl: 1\nname: ⟨DF405⟩crash\nsteps:\n  - activity: SayHello\n`.replace('⟨DF405⟩', ''), [other]);
    expect(r.got).toEqual(['DF405 2:7']);
  });
  it('the OpenAPI document and the status pages', () => {
    expectLocated(`${head}trigger:\n  http: { route: ⟨DF405⟩openapi.json }\nsteps:\n  - activity: SayHello\n`);
    expectLocated(`${head}trigger:\n  http: { route: ⟨DF405⟩flow }\nsteps:\n  - activity: SayHello\n`);
    expectLocated(`${head}trigger:\n  http: { route: ⟨DF405⟩FLOW/a/b }\nsteps:\n  - activity: SayHello\n`);
    expect(check(`${head}trigger:\n  http: { route: flows/a }\nsteps:\n  - activity: SayHello\n`).got).toEqual([]);
  });
  it('two functions whose names differ only in case', () => expectLocated(`dsl: 1\nname: ⟨DF406⟩Hello_start\nsteps:\n  - activity: SayHello\n`, /'hello' \(workflows\/hello\.yaml\)/));
});

describe('host killers from expressions', () => {
  it('.match with a pattern from the input', () => expectLocated(`${head}steps:\n  - activity: SayHello\n    input: \${ input.s.match(⟨DF308⟩input.p) }\n`));
  it('a catastrophic regex literal', () => expectLocated(`${head}steps:\n  - activity: SayHello\n    input: \${ input.s.split(/(⟨DF309⟩\\w|\\d)+$/) }\n`));
});
