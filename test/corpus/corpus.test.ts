/**
 * The invalid-workflow corpus: every file under test/corpus/invalid/ declares, in `# expect:`
 * header lines, exactly the diagnostics the compiler must produce for it (code and line:col).
 * Each file is checked as `workflows/<file>` inside a project that also holds the example
 * workflows and activities, so references to them resolve.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CODES } from '../../compiler/src/diagnostics';
import { checkSources, FrontEndCache, readSources } from '../../compiler/src/front-end';

const root = path.resolve(__dirname, '../..');
const dir = path.join(__dirname, 'invalid');
const examples = readSources(root);
/** The examples and activities are checked once, as --watch would: each case re-checks only its own file. */
const cache = new FrontEndCache();

function expectations(text: string): string[] {
  return [...text.matchAll(/^# expect: (DF\d{3}) (\d+):(\d+)\s*$/gm)].map((m) => `${m[1]} ${m[2]}:${m[3]}`).sort();
}

const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

describe('invalid workflow corpus', () => {
  it('has at least 40 cases', () => {
    expect(files.length).toBeGreaterThanOrEqual(40);
  });

  it('has a case for every diagnostic code a workflow file can produce', () => {
    // DF204: the schema refuses a bad duration first (build-model keeps it as a backstop);
    // DF404: problems of the activity modules, tested in test/compiler.
    // DF601-DF604: versions, which need a record beside the file: test/compiler/versions.test.ts.
    // DF007: a symbolic link or special file in the project, not a file's text: test/compiler/links.test.ts.
    const elsewhere = ['DF007', 'DF204', 'DF404', 'DF601', 'DF602', 'DF603', 'DF604'];
    const covered = new Set(files.flatMap((f) => expectations(fs.readFileSync(path.join(dir, f), 'utf8')).map((e) => e.slice(0, 5))));
    expect(Object.keys(CODES).filter((c) => !covered.has(c) && !elsewhere.includes(c))).toEqual([]);
  });

  for (const name of files) {
    it(name, () => {
      const text = fs.readFileSync(path.join(dir, name), 'utf8');
      const expected = expectations(text);
      expect(expected.length, 'the case declares what it expects').toBeGreaterThan(0);
      // Checked under a camelCase name: a workflow's default name is its file name, an identifier.
      const file = `workflows/${name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())}`;
      const result = checkSources(root, [...examples.workflows, { file, text }], examples.activities, cache);
      const got = result.diagnostics
        .filter((d) => d.span.file === file)
        .map((d) => `${d.code} ${d.span.start.line}:${d.span.start.col}`)
        .sort();
      expect(got, result.diagnostics.map((d) => `${d.code} ${d.span.start.line}:${d.span.start.col} ${d.message}`).join('\n')).toEqual(expected);
      expect(result.ok).toBe(false);
    });
  }
});
