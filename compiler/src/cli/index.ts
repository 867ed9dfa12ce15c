/**
 * The `durable-flow` command line: one module per command (commands/), one argument parser
 * (args.ts, node's util.parseArgs), `--help` for each, `--version`, "did you mean" for a mistyped
 * command or option, and usage errors on one line of standard error with exit status 2.
 */
import { optionsHelp, parse, UsageError } from './args';
import type { Command } from './command';
import { packageJson } from '../package/root';
import { didYouMean } from '../suggest';
import { check } from './commands/check';
import { checkPaths } from './commands/check-paths';
import { compile } from './commands/compile';
import { dev } from './commands/dev';
import { graph } from './commands/graph';
import { init } from './commands/init';
import { instances } from './commands/instances';
import { run } from './commands/run';
import { schema } from './commands/schema';
import { start } from './commands/start';
import { versions } from './commands/versions';

/** Every command, in the order the overview lists them. */
export const COMMANDS: readonly Command[] = [
  init,
  check,
  compile,
  dev,
  start,
  run,
  instances,
  versions,
  graph,
  schema,
  checkPaths,
];

/** This package's version, from its package.json (source or built). */
export function packageVersion(): string {
  try {
    return packageJson().version;
  } catch {
    return 'unknown';
  }
}

export function overview(): string {
  const shown = COMMANDS.filter((c) => !c.hidden);
  const width = Math.max(...shown.map((c) => c.name.length)) + 3;
  return [
    'usage: durable-flow <command> [options]',
    '',
    'commands:',
    ...shown.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'options:',
    '  -h, --help     show help (durable-flow <command> --help for a command\'s own)',
    '  -v, --version  print the version of durable-flow',
    '',
  ].join('\n');
}

export function commandHelp(c: Command): string {
  return [`usage: durable-flow ${c.usage}`, '', c.summary, ...(c.details ? ['', c.details] : []), '', 'options:', optionsHelp(c.options), ''].join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    const about = first === 'help' ? rest[0] : undefined;
    const c = about === undefined ? undefined : COMMANDS.find((x) => x.name === about);
    if (about !== undefined && !c) return usageError(`unknown command '${about}'${didYouMean(about, COMMANDS.map((x) => x.name))}`);
    process.stdout.write(c ? commandHelp(c) : overview());
    return first === undefined ? 2 : 0;
  }
  if (first === '-v' || first === '--version') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) {
    const names = COMMANDS.map((c) => c.name);
    if (first.startsWith('-')) return usageError(`'${first}' before a command: write durable-flow <command> ${first}`);
    return usageError(`unknown command '${first}'${didYouMean(first, names)}`);
  }
  try {
    const args = parse(rest, command.options);
    if (args.values.help === true) {
      process.stdout.write(commandHelp(command));
      return 0;
    }
    if (command.maxPositionals !== undefined && args.positionals.length > command.maxPositionals) {
      const extra = args.positionals[command.maxPositionals];
      const asOption = didYouMean(extra, Object.keys(command.options)).replace(/'([^']+)'\?$/, "'--$1'?");
      throw new UsageError(`${command.name} takes ${command.maxPositionals === 0 ? 'no arguments' : `at most ${command.maxPositionals}`}, got '${extra}'${asOption}`);
    }
    return await command.run(args);
  } catch (e) {
    if (e instanceof UsageError) return usageError(e.message, command.name);
    throw e;
  }
}

/** `durable-flow compile: unknown option '--wach' — did you mean '--watch'? (see durable-flow compile --help)` */
function usageError(message: string, command?: string): number {
  process.stderr.write(`durable-flow${command ? ` ${command}` : ''}: ${message} (see durable-flow ${command ? `${command} ` : ''}--help)\n`);
  return 2;
}
