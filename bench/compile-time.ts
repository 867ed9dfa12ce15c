/**
 * Compile-time benchmark: 1, 10 and 100 generated workflows of 20 steps.
 * - cold: a fresh `durable-flow compile --no-build` process (node + tsx start-up included);
 * - build: the full `durable-flow compile` including `tsc --strict` into dist/;
 * - incremental: what `--watch` does after one file is saved (cached front end and per-workflow
 *   generated code, one file changed in a way that makes a new version of its workflow).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compileToGenerated } from '../compiler/src/compile';
import { GenerateCache } from '../compiler/src/codegen';
import { FrontEndCache } from '../compiler/src/front-end';
import { median, round, timeRuns } from './stats';
import { makeProject, workflowText } from './workload';

export interface CompileRow {
  workflows: number;
  coldMs: number;
  buildMs: number;
  incrementalMs: number;
}

export async function benchCompile(repo: string, counts = [1, 10, 100], runs = 3): Promise<CompileRow[]> {
  const bin = path.join(repo, 'bin/durable-flow.js');
  const rows: CompileRow[] = [];
  for (const count of counts) {
    const dir = makeProject(repo, count);
    try {
      const cli = (args: string[]): void => {
        const r = spawnSync(process.execPath, [bin, 'compile', '--root', dir, ...args], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`compile failed for ${count} workflows:\n${r.stdout}${r.stderr}`);
      };
      const cold = await timeRuns(runs, () => {
        fs.rmSync(path.join(dir, 'generated'), { recursive: true, force: true });
        cli(['--no-build']);
      });
      const build = await timeRuns(Math.min(runs, count >= 100 ? 2 : runs), () => cli([]));
      const cache = new FrontEndCache();
      const codegen = new GenerateCache();
      compileToGenerated(dir, { write: true, cache, codegen });
      let edit = 0;
      const incremental = await timeRuns(runs + 2, () => {
        // A save that changes one workflow: a different constant in its first step.
        const file = path.join(dir, 'workflows/bench0.yaml');
        fs.writeFileSync(file, workflowText(0).replace('input?.n ?? 0', `input?.n ?? ${++edit}`));
        const r = compileToGenerated(dir, { write: true, cache, codegen });
        // The edit changes what instances replay, so it also makes a new version of bench0 (its
        // vN.ts, the dispatching orchestrator and the status pages' graphs); no other workflow's files.
        const written = r.write?.written ?? [];
        if (!r.front.ok || !written.includes('generated/bench0/orchestrator.ts') || written.some((f) => /^generated\/bench[1-9]/.test(f))) {
          throw new Error(`incremental compile rewrote ${JSON.stringify(written)}, not bench0's files alone`);
        }
      });
      rows.push({ workflows: count, coldMs: round(median(cold), 0), buildMs: round(median(build), 0), incrementalMs: round(median(incremental), 1) });
      process.stderr.write(`compile: ${count} workflows: cold ${rows.at(-1)!.coldMs} ms, build ${rows.at(-1)!.buildMs} ms, incremental ${rows.at(-1)!.incrementalMs} ms\n`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}
