/**
 * Error names in `fail` and `retry.nonRetryable`: any 1 to 200 printable characters are accepted
 * (DF105 refused `card-declined` and `Job Failed` before), invalid ones get a located DF105;
 * `fail: ${ err }` rethrows and `error: ${ ... }` computes the name, checked when they run.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateProject } from '../../compiler/src/codegen';
import { checkSources, FrontEndCache, readSources } from '../../compiler/src/front-end';

const root = path.resolve(__dirname, '../..');
const examples = readSources(root);
const cache = new FrontEndCache();
const file = 'workflows/errs.yaml';

function check(text: string) {
  return checkSources(root, [...examples.workflows, { file, text }], examples.activities, cache);
}
function diagnostics(text: string): string[] {
  return check(text).diagnostics.filter((d) => d.span.file === file).map((d) => `${d.code} ${d.span.start.line}:${d.span.start.col} ${d.message}`);
}
function generated(text: string): string {
  const r = check(text);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return generateProject(r.project).find((f) => f.path === 'generated/errs/v1.ts')!.text;
}
const workflow = (...steps: string[]): string => ['dsl: 1', 'steps:', ...steps, ''].join('\n');

describe('error names at compile time', () => {
  it('accepts names with spaces, hyphens, dots, colons and quotes in fail and nonRetryable', () => {
    for (const name of ['card-declined', '"Job Failed"', '"States.TaskFailed"', '"a: b"', "'say \"hi\"'", 'x'.repeat(200), 'Rejected']) {
      expect(diagnostics(workflow(`  - fail: { error: ${name}, message: no }`)), name).toEqual([]);
    }
    expect(diagnostics(workflow('  - activity: SayHello', '    retry: { maxAttempts: 2, interval: 1s, nonRetryable: [card-declined, "Job Failed", ValidationError] }'))).toEqual([]);
  });

  it('generates the name as a string literal, whatever it holds', () => {
    const text = generated(workflow('  - fail: { error: "say \\"hi\\": ${ input.x } `now`", message: no }'));
    // a name with an expression inside is computed as a whole
    expect(text).toContain('throw rt.failWith(("say \\"hi\\": " + rt.text(input.x) + " `now`"), rt.text("no"));');
    const literal = generated(workflow("  - fail: { error: 'it''s `x` \\ \"q\"', message: no }"));
    expect(literal).toContain('throw new rt.WorkflowError("it\'s `x` \\\\ \\"q\\"", rt.text("no"));');
  });

  it('DF105 at an empty name, one over 200 characters, or one with a control character', () => {
    expect(diagnostics(workflow('  - fail: { error: "", message: no }'))).toEqual(["DF105 3:20 'fail.error' in step 1 (fail) must be an error name: 1 to 200 printable characters (no control characters or line breaks), or an expression `${ ... }`; got ''"]);
    expect(diagnostics(workflow(`  - fail: { error: ${'x'.repeat(201)} }`))).toEqual([
      `DF105 3:20 'fail.error' in step 1 (fail) must be an error name: 1 to 200 printable characters (no control characters or line breaks), or an expression \`\${ ... }\`; got '${'x'.repeat(201)}'`,
    ]);
    expect(diagnostics(workflow('  - fail:', '      error: "tab\\there"'))).toEqual([
      "DF105 4:14 'fail.error' in step 1 (fail) must be an error name: 1 to 200 printable characters (no control characters or line breaks), or an expression `${ ... }`; got 'tab\there'",
    ]);
    expect(diagnostics(workflow('  - fail: { error: "lone \\ud800" }'))).toEqual([
      'DF105 3:20 fail: "lone \\ud800" is not an error name: an error name must be printable characters, got "\\ud800" at position 6',
    ]);
    expect(diagnostics(workflow('  - activity: SayHello', '    retry: { maxAttempts: 2, interval: 1s, nonRetryable: [ok, ""] }'))[0]).toMatch(/^DF105 4:\d+ item 2 of 'retry.nonRetryable' in step 1 \(activity\) must be an error name: 1 to 200 printable characters/);
  });

  it('DF103 for a fail that is neither a mapping nor an expression; DF105 for a rethrow that is not one expression', () => {
    expect(diagnostics(workflow('  - fail: Rejected'))).toEqual([
      "DF103 3:11 'fail' in step 1 (fail) must be a mapping `{ error, message }`, or an expression `${ err }` that fails with a caught error (rethrow), got string 'Rejected'",
    ]);
    expect(diagnostics(workflow('  - try: [ { activity: SayHello } ]', '    catch:', '      as: err', '      steps:', '        - fail: "again ${ err }"'))).toEqual([
      'DF105 7:17 fail: write `${ err }` (exactly one expression) to fail with a caught error, or `{ error, message }`',
    ]);
  });

  it('rethrow and computed names reach the generated code, and their expressions are checked', () => {
    const rethrow = generated(workflow('  - try: [ { activity: SayHello } ]', '    catch:', '      as: err', '      steps:', '        - status: compensating', '        - fail: ${ err }'));
    expect(rethrow).toContain('throw rt.rethrow(err);');
    const computed = generated(workflow('  - try: [ { activity: SayHello } ]', '    catch:', '      steps:', '        - fail: { error: "${ error.name }", message: "wrapped: ${ error.message }" }'));
    expect(computed).toContain('throw rt.failWith(error.name, rt.text(("wrapped: " + rt.text(error.message))));');
    expect(diagnostics(workflow('  - fail: ${ err }'))).toEqual([expect.stringMatching(/^DF302 3:14 unknown name 'err'/)]);
    expect(diagnostics(workflow('  - fail: { error: "${ nope }" }'))).toEqual([expect.stringMatching(/^DF302 3:24 unknown name 'nope'/)]);
  });
});

describe('retry policies per error at compile time', () => {
  const call = (...retry: string[]): string => workflow('  - activity: SayHello', ...retry);

  it('accepts a list of policies with `on`, `maxAttempts: unlimited` with a timeout, and attemptTimeout', () => {
    const text = call('    attemptTimeout: 30s', '    retry:', '      - { on: [card-declined, "Job Failed"], maxAttempts: 2, interval: 1m }', '      - { maxAttempts: unlimited, interval: 1s, backoff: 2, maxInterval: 1m, timeout: 1h }');
    expect(diagnostics(text)).toEqual([]);
    expect(generated(text)).toContain(
      'last = yield* rt.activity(run, "SayHello", null, { retry: [{ maxAttempts: 2, intervalMs: 60000, on: ["card-declined", "Job Failed"] }, { intervalMs: 1000, backoff: 2, maxIntervalMs: 60000, timeoutMs: 3600000 }], attemptTimeoutMs: 30000 })',
    );
  });

  it('DF102 at `maxAttempts: unlimited` without a timeout', () => {
    expect(diagnostics(call('    retry: { maxAttempts: unlimited, interval: 1s }'))).toEqual([
      'DF102 4:27 `maxAttempts: unlimited` needs a `timeout` in the same policy: how long to keep retrying',
    ]);
  });

  it('DF105 at a second policy without `on`, and at a name a policy before already handles', () => {
    expect(diagnostics(call('    retry:', '      - { maxAttempts: 2, interval: 1s }', '      - { maxAttempts: 3, interval: 1s }'))).toEqual([
      'DF105 6:9 retry policy 2 has no `on`, as policy 1 has: only one policy may handle every other error',
    ]);
    expect(diagnostics(call('    retry:', '      - { on: [a-b, c], maxAttempts: 2, interval: 1s }', '      - { on: [d, a-b], maxAttempts: 3, interval: 1s }'))).toEqual([
      "DF105 6:19 retry policy 2 lists 'a-b', which policy 1 already handles: it would never apply here",
    ]);
  });

  it('DF103 / DF105 for a maxAttempts that is neither a count nor unlimited, an empty `on`, or attemptTimeout on a step that makes no call', () => {
    expect(diagnostics(call('    retry: { maxAttempts: forever, interval: 1s }'))).toEqual([
      "DF103 4:27 'retry.maxAttempts' in step 1 (activity) must be a whole number of at least 1, or unlimited (with a `timeout`), got string 'forever'",
    ]);
    expect(diagnostics(call('    retry: [ { on: [], maxAttempts: 2, interval: 1s } ]'))[0]).toMatch(/^DF105 4:\d+ 'retry.0.on' in step 1 \(activity\) needs at least 1 item/);
    expect(diagnostics(workflow('  - delay: 1s', '    attemptTimeout: 5s'))[0]).toMatch(/^DF101 4:5 'attemptTimeout' does not apply to step 1 \(delay\)/);
  });
});
