/**
 * The benchmark app: a small durable-flow project compiled by the real compiler and built by tsc
 * into its own dist/, then served by the embedded host like any user's app.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildDist, compileToGenerated } from '../compiler/src/compile';

const ACTIVITIES = `
export async function Noop(n: number): Promise<number> {
  return n;
}
export async function Sleep(input: { index: number; ms: number }): Promise<number> {
  await new Promise((r) => setTimeout(r, input.ms));
  return input.index;
}
`;

const range = '${ Array.from({ length: input.count }, (_, i) => i) }';

const WORKFLOWS: Record<string, string> = {
  sequence: `dsl: 1\nsteps:\n  - id: all\n    forEach: "${range}"\n    maxParallel: 1\n    activity: Noop\n    input: \${ item }\noutput: \${ steps.all.output.length }\n`,
  fanOut10: `dsl: 1\nsteps:\n  - id: all\n    forEach: "${range}"\n    maxParallel: 10\n    activity: Noop\n    input: \${ item }\noutput: \${ steps.all.output.length }\n`,
  fanOut100: `dsl: 1\nsteps:\n  - id: all\n    forEach: "${range}"\n    maxParallel: 100\n    activity: Noop\n    input: \${ item }\noutput: \${ steps.all.output.length }\n`,
  // The same fan-outs in one orchestration (partitioning off): the "before" rows.
  fanOut10Whole: `dsl: 1\nsteps:\n  - id: all\n    forEach: "${range}"\n    maxParallel: 10\n    partitionSize: 0\n    activity: Noop\n    input: \${ item }\noutput: \${ steps.all.output.length }\n`,
  fanOut100Whole: `dsl: 1\nsteps:\n  - id: all\n    forEach: "${range}"\n    maxParallel: 100\n    partitionSize: 0\n    activity: Noop\n    input: \${ item }\noutput: \${ steps.all.output.length }\n`,
  seed: `dsl: 1\nsteps:\n  - id: all\n    forEach: "${range}"\n    maxParallel: 10\n    activity: Sleep\n    input: { index: \"\${ item }\", ms: \"\${ input.ms }\" }\noutput: \${ steps.all.output.length }\n`,
  hello: `dsl: 1\nsteps:\n  - activity: Noop\n    input: 1\n  - activity: Noop\n    input: 2\n  - activity: Noop\n    input: 3\n`,
};

/** Builds the bench app into a temp folder; returns its path (holds package.json and dist/). */
export function buildBenchApp(repo: string): string {
  return buildApp(repo, WORKFLOWS, ACTIVITIES, 'df-bench-app-');
}

/**
 * Compiles workflows (name -> YAML) and one activities module with the real compiler, and builds
 * them with tsc into a temp project sharing the repository's node_modules and runtime (tests use
 * it too). Returns the project's folder.
 */
export function buildApp(repo: string, workflows: Record<string, string>, activities: string, prefix = 'df-app-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.mkdirSync(path.join(dir, 'workflows/activities'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'workflows/activities/activities.ts'), activities);
  for (const [name, text] of Object.entries(workflows)) fs.writeFileSync(path.join(dir, `workflows/${name}.yaml`), text);
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'));
  fs.cpSync(path.join(repo, 'runtime'), path.join(dir, 'runtime'), { recursive: true });
  for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'host.json']) fs.copyFileSync(path.join(repo, f), path.join(dir, f));
  const r = compileToGenerated(dir, { write: true });
  if (!r.front.ok) throw new Error(`app does not compile: ${r.front.diagnostics.map((d) => d.message).join('; ')}`);
  const built = buildDist(dir);
  if (!built.ok) throw new Error(`app does not build:\n${built.output}`);
  return dir;
}
