/**
 * `npm run host -- [appDir] [--engine embedded|extension] [--port N] [--db file|:memory:]
 *   [--storage folder|:memory:|connection-string] [--sync normal|full] [--enforce-auth] [--episode-threads N]
 *   [--episode-budget 10s] [--verbose]`: the host alone, on an app already compiled.
 * Serves it until SIGINT/SIGTERM, then shuts down cleanly. The options are `durable-flow start`'s
 * (compiler/src/cli/host-options.ts), parsed by the same parser.
 */
import * as path from 'node:path';
import { parse, UsageError, optionsHelp } from '../compiler/src/cli/args';
import { ENGINE_OPTIONS, HOST_OPTIONS, hostChoice, serve } from '../compiler/src/cli/host-options';

const OPTIONS = { ...HOST_OPTIONS, ...ENGINE_OPTIONS };

async function main(argv: string[]): Promise<void> {
  let args;
  try {
    args = parse(argv, OPTIONS);
    if (args.values.help === true) {
      process.stdout.write(`usage: npm run host -- [appDir] [options]\n\nServes an app already compiled (durable-flow start compiles first).\n\noptions:\n${optionsHelp(OPTIONS)}\n`);
      return;
    }
    if (args.positionals.length > 1) throw new UsageError(`one app folder at most, got ${args.positionals.map((p) => `'${p}'`).join(' ')}`);
    const choice = hostChoice(args.values);
    await serve(path.resolve(args.positionals[0] ?? '.'), choice);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`durable-flow host: ${e.message}`);
    process.exit(2);
  }
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
