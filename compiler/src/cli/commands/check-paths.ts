/** `check-paths`: the links and special files tsc would follow (npm runs it before typecheck and build). */
import { ROOT, rootOf, type Command } from '../command';
import { projectPathProblems } from '../../compile';
import { formatDiagnostic } from '../../format-diagnostics';

export const checkPaths: Command = {
  name: 'check-paths',
  summary: 'refuse a symbolic link or special file under workflows/, generated/, dist/ or at host.json',
  usage: 'check-paths [--root dir]',
  details: 'npm runs it before `typecheck` and `build`, which run tsc directly (SECURITY.md, DF007).',
  options: { ...ROOT },
  maxPositionals: 0,
  hidden: true,
  run(args) {
    const problems = projectPathProblems(rootOf(args));
    for (const d of problems) process.stderr.write(formatDiagnostic(d) + '\n');
    return problems.length ? 1 : 0;
  },
};
