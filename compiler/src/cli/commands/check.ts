/** `check`: validate workflows/*.yaml and report every problem. */
import { choice } from '../args';
import { ROOT, rootOf, type Command } from '../command';
import { hasErrors } from '../../diagnostics';
import { checkProjectDir } from '../../front-end';
import { report } from '../project-output';

export const check: Command = {
  name: 'check',
  summary: 'validate workflows/*.yaml and report every problem (file:line:col)',
  usage: 'check [--format text|json] [--root dir]',
  maxPositionals: 0,
  options: {
    ...ROOT,
    format: { type: 'string', value: 'text|json', help: 'text (default), or json for tools' },
  },
  run(args) {
    const format = choice(args.values, 'format', ['text', 'json'] as const);
    const front = checkProjectDir(rootOf(args));
    report(front, format);
    return hasErrors(front.diagnostics) || !front.ok ? 1 : 0;
  },
};
