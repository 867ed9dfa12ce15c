/** `init [dir]`: make a folder a durable-flow app (compiler/src/init/). */
import * as path from 'node:path';
import type { Command } from '../command';
import { init as scaffold } from '../../init';

export const init: Command = {
  name: 'init',
  summary: 'make a folder (default: here) a durable-flow app: scripts, host.json, tsconfig, a hello workflow and its test',
  usage: 'init [dir] [--force]',
  details:
    'Works in an empty folder or an existing Functions app. It never overwrites a file: it lists what it\n' +
    'would change and changes nothing unless --force. Then: npm install && npm run compile && npm start.',
  options: {
    force: { type: 'boolean', help: 'change files that already exist (never through a symbolic link)' },
  },
  maxPositionals: 1,
  run(args) {
    const r = scaffold(path.resolve(args.positionals[0] ?? '.'), { force: args.values.force === true });
    if (r.out.length) process.stdout.write(r.out.join('\n') + '\n');
    if (r.err.length) process.stderr.write(r.err.join('\n') + '\n');
    return r.code;
  },
};
