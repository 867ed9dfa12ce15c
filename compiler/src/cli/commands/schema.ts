/** `schema`: write the workflow JSON Schema from the compiler's definition. */
import { ROOT, rootOf, type Command } from '../command';
import { writeProjectFile } from '../../project-paths';
import { SCHEMA_FILE, schemaText } from '../../schema';
import { refusing } from '../project-output';

export const schema: Command = {
  name: 'schema',
  summary: `write ${SCHEMA_FILE} from the compiler's definition`,
  usage: 'schema [--root dir]',
  options: { ...ROOT },
  maxPositionals: 0,
  run(args) {
    return refusing(() => {
      writeProjectFile(rootOf(args), SCHEMA_FILE, schemaText());
      process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
      return 0;
    });
  },
};
