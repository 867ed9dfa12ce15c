/**
 * How the host starts its threads and processes (episode threads, activity workers): from
 * source in a clone, where the host runs as TypeScript through tsx, the child is the `.ts`
 * module loaded with tsx; from an installed package, compiled JavaScript with no loader at all
 * (tsx is a development tool of this repository, not a dependency of the package). An app entry
 * that is itself TypeScript (a test fixture) needs tsx either way.
 */
import * as path from 'node:path';

const fromSource = __filename.endsWith('.ts');

export function childModule(dir: string, name: string, entry: string): { file: string; execArgv: string[] } {
  const file = path.join(dir, `${name}${fromSource ? '.ts' : '.js'}`);
  if (!fromSource && !/\.[cm]?ts$/.test(entry)) return { file, execArgv: [] };
  let tsx: string;
  try {
    tsx = require.resolve('tsx/cjs', { paths: [__dirname, path.dirname(entry)] });
  } catch {
    throw new Error(`${entry} is TypeScript: the host loads it with tsx, which is not installed (npm install --save-dev tsx), or point the host at the compiled app`);
  }
  return { file, execArgv: ['--require', tsx] };
}
