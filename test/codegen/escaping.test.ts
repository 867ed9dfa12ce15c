/**
 * User strings must reach generated code as data, never as code: quotes, backticks, `${` outside
 * an expression (written `$${`), `*\/`, newlines and line separators in every place a YAML
 * string can land (activity input, templates, event names, fail messages, descriptions).
 */
import { describe, expect, it } from 'vitest';
import { ts } from 'ts-morph';
import { generateProject } from '../../compiler/src/codegen';
import { checkSources } from '../../compiler/src/front-end';

const NASTY = 'a "double" \'single\' `back` ${notCode} */ end\nline two\u2028sep \\ backslash';
// The same text as YAML source: a double-quoted scalar with escapes, `${` written as `$${`.
const escape = (t: string): string => t.replace(/\$\{/g, () => '$${');
const yamlString = escape(JSON.stringify(NASTY));

const workflow = [
  'dsl: 1',
  `description: ${yamlString}`,
  'steps:',
  `  - activity: Echo`,
  `    input: ${yamlString}`,
  `  - status: ${escape(JSON.stringify(NASTY)).slice(0, -1)} \${ input.n }"`,
  // An event name is a plain name, not a template: `${` needs no escape there.
  `  - waitForEvent: ${JSON.stringify(NASTY)}`,
  `  - fail: { error: Bad, message: ${yamlString} }`,
  '',
].join('\n');

function generated(): string {
  const front = checkSources('/p', [{ file: 'workflows/nasty.yaml', text: workflow }], [
    { file: 'workflows/activities/echo.ts', text: 'export function Echo(x: unknown) { return x; }' },
  ]);
  expect(front.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  return generateProject(front.project).find((f) => f.path === 'generated/nasty/v1.ts')!.text;
}

describe('user strings in generated code', () => {
  const text = generated();
  const sf = ts.createSourceFile('o.ts', text, ts.ScriptTarget.ES2022, true);

  it('parse as valid TypeScript', () => {
    expect((sf as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics).toEqual([]);
  });

  it('appear only as string literals whose values are exactly the YAML text', () => {
    const literals: string[] = [];
    const visit = (n: ts.Node): void => {
      if (ts.isStringLiteral(n)) literals.push(n.text);
      ts.forEachChild(n, visit);
    };
    visit(sf);
    // activity input, waitForEvent name and fail message: the whole string, byte for byte
    expect(literals.filter((l) => l === NASTY)).toHaveLength(3);
    // the template's text part is a literal too; the expression after it is code
    expect(literals).toContain(NASTY + ' ');
    expect(text).toContain('rt.text(input.n)');
  });

  it('never adds statements: the orchestrator body has exactly the statements of its steps', () => {
    const fn = sf.statements.find(ts.isFunctionDeclaration)!;
    const kinds = fn.body!.statements.map((s) => ts.SyntaxKind[s.kind]);
    // destructure, let last; activity (assign, ...); status (call, assign); event (assign); fail (throw); return
    // and one step mark per step (run.step("<key>"), for the status pages)
    expect(kinds.filter((k) => k === 'ThrowStatement')).toHaveLength(1);
    expect(kinds.at(-1)).toBe('ReturnStatement');
    const marks = fn.body!.statements.filter((s) => /^run\.step\("\d+"\);$/.test(s.getText(sf)));
    expect(marks).toHaveLength(4);
    expect(kinds.length).toBe(8 + marks.length);
  });

  it('keeps comments on one line: descriptions cannot break out of a // comment', () => {
    for (const line of text.split('\n').filter((l) => l.trimStart().startsWith('//'))) expect(line).not.toMatch(/[\u2028\u2029\r]/);
    expect(text).toContain('// a "double"');
  });
});
