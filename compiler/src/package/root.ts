/**
 * Where durable-flow's own files are: the folder of its package.json, found from this module
 * whether it runs from source (compiler/src/, through tsx, in a clone) or compiled
 * (dist/compiler/src/, in an installed package). What the compiler reads of its own at compile
 * time (the runtime shim it writes into an app, the status pages' sources, the workflow schema)
 * lives under it, not next to the compiled module.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file) && (JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string }).name === 'durable-flow') return dir;
    if (path.dirname(dir) === dir) throw new Error(`durable-flow: no durable-flow package.json at or above ${from}`);
  }
}

let memo: string | undefined;

/** The durable-flow package's folder (a clone's root, or node_modules/durable-flow). */
export function packageRoot(): string {
  return (memo ??= findRoot(__dirname));
}

/** durable-flow's package.json. */
export function packageJson(): { name: string; version: string; dependencies?: Record<string, string>; devDependencies?: Record<string, string> } {
  return JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8'));
}
