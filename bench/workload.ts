/** Synthetic projects for compiler benchmarks: N workflows of 20 varied steps each. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ACTIVITY = `export async function Work(input: unknown): Promise<unknown> {\n  return input;\n}\n`;

/** One workflow of exactly 20 steps mixing the common kinds, with expressions between them. */
export function workflowText(i: number): string {
  const steps: string[] = [];
  for (let s = 0; s < 14; s++) {
    steps.push(`  - id: s${s}\n    activity: Work\n    input: { n: "\${ ${s === 0 ? 'input?.n ?? 0' : `steps.s${s - 1}.output.n + 1`} }" }`);
  }
  steps.push(`  - id: fan\n    forEach: "\${ [1, 2, 3, steps.s13.output.n] }"\n    maxParallel: 2\n    activity: Work\n    input: "\${ { n: item } }"`);
  steps.push(`  - set:\n      total: \${ steps.fan.output.reduce((a, b) => a + b.n, 0) }`);
  steps.push(`  - status: "total \${ vars.total }"`);
  steps.push(`  - id: wait\n    waitForEvent: Go\n    timeout: 5m\n    onTimeout: continue`);
  steps.push(`  - id: branch\n    switch:\n      - if: "\${ vars.total > 10 }"\n        steps: [ { activity: Work, input: big } ]\n      - else: [ { activity: Work, input: small } ]`);
  steps.push(`  - delay: 1s`);
  return `dsl: 1\nname: bench${i}\nsteps:\n${steps.join('\n')}\noutput: \${ vars.total }\n`;
}

/** A temporary project with `count` workflows, sharing the repository's node_modules and configs. */
export function makeProject(repo: string, count: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `df-bench-${count}-`));
  fs.mkdirSync(path.join(dir, 'workflows/activities'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'workflows/activities/work.ts'), ACTIVITY);
  for (let i = 0; i < count; i++) fs.writeFileSync(path.join(dir, `workflows/bench${i}.yaml`), workflowText(i));
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'));
  fs.symlinkSync(path.join(repo, 'runtime'), path.join(dir, 'runtime'));
  for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package.json']) fs.copyFileSync(path.join(repo, f), path.join(dir, f));
  return dir;
}
