/** `versions [workflow]` and `versions prune <workflow> --below <n> [--force]`. */
import * as path from 'node:path';
import { intOption, UsageError } from '../args';
import { ROOT, rootOf, type Command } from '../command';
import { refusing } from '../project-output';
import { listVersions, pruneVersions, type CommandOutput } from '../../versions/commands';
import { defaultDatabase } from '../../versions/database';

export const versions: Command = {
  name: 'versions',
  summary: "list each workflow's recorded versions and the local database's instances in flight on each",
  usage: 'versions [workflow] | versions prune <workflow> --below <n> [--force]',
  details:
    'Versions are recorded in workflows/.versions/ by compile. `prune` removes versions older than n;\n' +
    'it is refused while the local database has unfinished instances on them (unless --force).',
  options: {
    ...ROOT,
    db: { type: 'string', value: 'file', help: "the host's database (default: .durable/<hubName>.db)" },
    below: { type: 'string', value: 'n', help: '(prune) remove the versions older than n' },
    force: { type: 'boolean', help: '(prune) even while the local database has instances on them' },
  },
  run(args) {
    const root = rootOf(args);
    const db = typeof args.values.db === 'string' ? path.resolve(args.values.db) : defaultDatabase(root);
    const below = intOption(args.values, 'below', 1);
    const force = args.values.force === true;
    const [first, ...rest] = args.positionals;
    return refusing(() => {
      let result: CommandOutput;
      if (first === 'prune') {
        if (rest.length !== 1 || below === undefined) throw new UsageError('usage: durable-flow versions prune <workflow> --below <n> [--force]');
        result = pruneVersions(root, { workflow: rest[0], below, force, db });
      } else {
        if (rest.length > 0 || below !== undefined || force) throw new UsageError('usage: durable-flow versions [workflow] (prune: durable-flow versions prune <workflow> --below <n>)');
        result = listVersions(root, { workflow: first, db });
      }
      (result.code === 0 ? process.stdout : process.stderr).write(result.out.join('\n') + '\n');
      return result.code;
    });
  },
};
