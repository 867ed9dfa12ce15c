/** What a command is: its name, its help, its options, and what it does with them. */
import * as path from 'node:path';
import type { OptionSpecs, Parsed } from './args';

export interface Command {
  name: string;
  /** One line for `durable-flow --help`. */
  summary: string;
  /** The synopsis after `durable-flow ` (`compile [--watch] [--no-build]`). */
  usage: string;
  /** More help, shown by `durable-flow <command> --help`. */
  details?: string;
  options: OptionSpecs;
  /** The most words it takes besides options (undefined: it checks them itself). */
  maxPositionals?: number;
  /** Not listed in the overview (still has --help): npm's hooks call it, people need not. */
  hidden?: boolean;
  run(args: Parsed): Promise<number> | number;
}

/** `--root`, taken by every command that works on a project. */
export const ROOT: OptionSpecs = {
  root: { type: 'string', value: 'dir', help: 'project root (default: the current directory)' },
};

export function rootOf(args: Parsed): string {
  return path.resolve(typeof args.values.root === 'string' ? args.values.root : '.');
}
