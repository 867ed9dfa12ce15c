/** `compile [--watch] [--no-build] [--format json]` */
import { choice } from '../args';
import { ROOT, rootOf, type Command } from '../command';
import { compileOnce, FrontEndCache, GenerateCache } from '../compile-pass';
import { DistBuilder } from '../dist-builder';
import { untilSignal } from '../host-options';
import { describeChanges, watchProject, type Change } from '../watch';

export const compile: Command = {
  name: 'compile',
  summary: 'check, generate generated/ and build dist/ (records new versions); --watch recompiles on save',
  usage: 'compile [--watch] [--no-build] [--format text|json] [--root dir]',
  maxPositionals: 0,
  options: {
    ...ROOT,
    watch: { type: 'boolean', help: 'recompile whenever a workflow or activity is saved, added or removed' },
    'no-build': { type: 'boolean', help: 'generate generated/ but skip building dist/' },
    format: { type: 'string', value: 'text|json', help: 'diagnostics as text (default) or json for tools' },
  },
  run(args) {
    const root = rootOf(args);
    const format = choice(args.values, 'format', ['text', 'json'] as const);
    const build = args.values['no-build'] !== true;
    if (args.values.watch !== true) return compileOnce(root, { format, build }).code;
    return watchCompile(root, { format, build }, () => undefined);
  },
};

/**
 * Compiles, then again after every batch of changes, until SIGINT/SIGTERM; `onBuilt` runs after
 * each compile that built dist/ (dev reloads its host there). Resolves with exit status 0.
 */
export async function watchCompile(root: string, o: { format: 'text' | 'json'; build: boolean }, onBuilt: (seen?: number) => Promise<void> | void): Promise<number> {
  // With --format json, standard output carries only the diagnostics' JSON, one document per compile.
  const status = (text: string): void => void (o.format === 'json' ? process.stderr : process.stdout).write(text);
  const cache = new FrontEndCache();
  const codegen = new GenerateCache();
  const builder = o.build ? new DistBuilder(root) : undefined;
  /** `seen`: when the watcher saw the first change this pass compiles. */
  const pass = async (seen?: number): Promise<void> => {
    const r = compileOnce(root, { ...o, cache, codegen, builder });
    if (r.built) await onBuilt(seen);
  };
  const report = (e: unknown): void => void process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  // One compile at a time: changes during a compile (the first included) make one more afterwards.
  let running = Promise.resolve();
  let queued: Change[] = [];
  const watching = watchProject(root, (changes) => {
    queued.push(...changes);
    running = running.then(async () => {
      if (queued.length === 0) return;
      const batch = queued;
      queued = [];
      status(`\n[${new Date().toISOString().slice(11, 23)}] ${describeChanges(batch)}: recompiling\n`);
      await pass(Math.min(...batch.map((c) => c.seen))).catch(report);
    });
  });
  await watching.ready;
  running = running.then(() => pass().catch(report));
  await running;
  status(`watching workflows/ for changes (Ctrl+C to stop)\n`);
  await untilSignal();
  await watching.close();
  await running;
  return 0;
}
