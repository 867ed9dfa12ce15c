/**
 * Compiler fuzz (seeded, so a failure reproduces): the example workflows and the invalid corpus,
 * mutated at random, must never crash the compiler. Every answer is either located diagnostics
 * (file, line and column inside the text) or a project that generates code.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateProject } from '../../compiler/src/codegen';
import { checkSources, FrontEndCache, readSources } from '../../compiler/src/front-end';
import { prng } from '../helpers/prng';

const root = path.resolve(__dirname, '../..');
const sources = readSources(root);
const corpus = fs.readdirSync(path.join(root, 'test/corpus/invalid')).map((f) => fs.readFileSync(path.join(root, 'test/corpus/invalid', f), 'utf8'));
const seeds = [...sources.workflows.map((w) => w.text), ...corpus];

const ALPHABET = [
  '{', '}', '[', ']', ':', '-', '"', "'", '$', '${', ' ', '\n', '\t', '#', '&', '*', '!', '|', '>', ',', '?', 'x', '0', '\u2028', '`', '}}', 'steps', 'forEach',
  // hostile fragments: deep nesting, schema keywords, names the generated code relies on, patterns
  '('.repeat(80), '['.repeat(80), '!'.repeat(300), '$async: true', '$ref: "#"', '$schema: x', 'pattern: "(a+)+$"', 'constructor', '__proto__', 'rt => ',
  'input.s.match(input.p)', '/(a|ab)*c/', '{*rest}', 'n'.repeat(150), 'route: flow', 'as: rt', 'id: toString',
];

function mutate(text: string, r: () => number): string {
  let t = text;
  const rounds = 1 + Math.floor(r() * 4);
  for (let i = 0; i < rounds; i++) {
    const at = Math.floor(r() * (t.length + 1));
    const lines = t.split('\n');
    const li = Math.floor(r() * lines.length);
    switch (Math.floor(r() * 6)) {
      case 0:
        t = t.slice(0, at) + t.slice(at + 1 + Math.floor(r() * 5));
        break;
      case 1:
        t = t.slice(0, at) + ALPHABET[Math.floor(r() * ALPHABET.length)] + t.slice(at);
        break;
      case 2:
        lines.splice(li, 0, lines[li]);
        t = lines.join('\n');
        break;
      case 3:
        lines.splice(li, 1);
        t = lines.join('\n');
        break;
      case 4: {
        const lj = Math.floor(r() * lines.length);
        [lines[li], lines[lj]] = [lines[lj], lines[li]];
        t = lines.join('\n');
        break;
      }
      default:
        lines[li] = (r() < 0.5 ? '  ' : '') + lines[li].replace(/^ {1,2}/, '');
        t = lines.join('\n');
    }
  }
  return t;
}

describe('compiler fuzz', () => {
  it('answers 400 mutated workflows with located diagnostics or generated code, never a crash', async () => {
    const r = prng(20261122);
    const cache = new FrontEndCache(); // as --watch does: unchanged files and activities are reused
    let valid = 0;
    for (let i = 0; i < 400; i++) {
      // Yield now and then: a long synchronous loop makes vitest's worker miss its own RPC's answer.
      if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
      const text = mutate(seeds[Math.floor(r() * seeds.length)], r);
      const file = 'workflows/fuzzed.yaml';
      let result: ReturnType<typeof checkSources>;
      try {
        result = checkSources(root, [...sources.workflows.filter((w) => !w.file.endsWith('hello.yaml')), { file, text }], sources.activities, cache);
      } catch (e) {
        throw new Error(`case ${i} crashed the front end: ${(e as Error).stack}\n--- input ---\n${text}`);
      }
      const lineCount = text.split(/\r?\n/).length;
      for (const d of result.diagnostics.filter((d) => d.span.file === file)) {
        expect(d.span.start.line, `case ${i}: ${d.code} ${d.message}`).toBeGreaterThanOrEqual(1);
        expect(d.span.start.line, `case ${i}: ${d.code} ${d.message}`).toBeLessThanOrEqual(lineCount + 1);
        expect(d.span.start.col).toBeGreaterThanOrEqual(1);
        expect(d.message.length).toBeGreaterThan(0);
      }
      if (result.ok) {
        valid++;
        expect(() => generateProject(result.project), `case ${i} crashed code generation:\n${text}`).not.toThrow();
      } else {
        expect(result.diagnostics.some((d) => d.severity === 'error')).toBe(true);
      }
    }
    // Some mutations stay valid (comments, blank lines): both paths were exercised.
    expect(valid).toBeGreaterThan(0);
    expect(valid).toBeLessThan(400);
  });
});
