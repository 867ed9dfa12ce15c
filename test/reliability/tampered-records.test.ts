/**
 * A pull request may edit workflows/.versions/<workflow>/versions.json by hand (reviewers collapse
 * it like generated files). What the compiler does with a tampered record: its text reaches the
 * generated code only as comment text, and numbers that would break the app's versions on Azure
 * are refused with a located DF602.
 */
import { describe, expect, it } from 'vitest';
import { generateProject } from '../../compiler/src/codegen';
import { checkSources, type SourceText } from '../../compiler/src/front-end';

const ACTIVITIES: SourceText[] = [{ file: 'workflows/activities/work.ts', text: 'export function Work(x: unknown) { return x; }\n' }];
const WORKFLOW = 'dsl: 1\nsteps:\n  - activity: Work\n    input: one\n';

function compile(manifest: unknown, records: Record<string, string> = { 'v1.yaml': WORKFLOW }) {
  return checkSources(
    '/p',
    [{ file: 'workflows/order.yaml', text: WORKFLOW }],
    ACTIVITIES,
    undefined,
    [
      { file: 'workflows/.versions/order/versions.json', text: typeof manifest === 'string' ? manifest : JSON.stringify(manifest, null, 2) },
      ...Object.entries(records).map(([name, text]) => ({ file: `workflows/.versions/order/${name}`, text })),
    ],
  );
}

describe('a tampered version record', () => {
  it('carries its "changes" text into generated code only as comment lines, whatever line terminators it holds', () => {
    const hostile = 'x\n*/ process.exit(1); /*\r\nrequire("child_process")\u2028globalThis.pwned = 1\u2029`${1}`';
    const front = compile({ workflow: 'order', versions: [{ version: 1, file: 'v1.yaml', calls: {}, changes: hostile }] });
    expect(front.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const files = generateProject(front.project);
    const code = files.map((f) => f.text).join('\n');
    const lines = code.split(/\r\n|\r|\n|\u2028|\u2029/);
    for (const needle of ['process.exit', 'child_process', 'pwned']) {
      const hits = lines.filter((l) => l.includes(needle));
      expect(hits.length, needle).toBeGreaterThan(0);
      for (const l of hits) expect(l.trimStart().startsWith('//'), l).toBe(true);
    }
  });

  it.each([
    [3_000_000_000, 'past a 32-bit System.Version part'],
    [100_001, 'past the largest version'],
    [1.5, 'not whole'],
  ])('refuses version %s (%s) with a located DF602', (version) => {
    const file = `v${version}.yaml`;
    const front = compile({ workflow: 'order', versions: [{ version, file, calls: {}, changes: 'x' }] }, { [file]: WORKFLOW });
    expect(front.ok).toBe(false);
    const d = front.diagnostics.find((x) => x.code === 'DF602');
    expect(d?.span.file).toBe('workflows/.versions/order/versions.json');
    expect(d?.message).toMatch(/whole "version" number from 1 to 100000/);
  });

  it('refuses calls that are not version numbers, and keys JavaScript reads itself do not reach the code', () => {
    const bad = compile({ workflow: 'order', versions: [{ version: 1, file: 'v1.yaml', calls: { child: '1); process.exit(1' }, changes: 'x' }] });
    expect(bad.diagnostics.map((d) => d.code)).toContain('DF602');
    const proto = compile('{ "workflow": "order", "versions": [ { "version": 1, "file": "v1.yaml", "calls": { "__proto__": 7 }, "changes": "x" } ] }');
    expect(proto.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
