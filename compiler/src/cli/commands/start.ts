/** `start`: compile, then serve the app on the embedded host (`npm start -- --port N`). */
import { ROOT, rootOf, type Command } from '../command';
import { compileOnce } from '../compile-pass';
import { ENGINE_OPTIONS, HOST_OPTIONS, hostChoice, serve } from '../host-options';

export const start: Command = {
  name: 'start',
  summary: 'compile, then serve the app on the embedded host (http://127.0.0.1:7071)',
  usage: 'start [--port n] [--db file] [--no-compile] [host options]',
  details: 'Stops at the first compile error. Ctrl+C shuts the host down cleanly; the database (.durable/) stays.',
  maxPositionals: 0,
  options: {
    ...ROOT,
    ...HOST_OPTIONS,
    ...ENGINE_OPTIONS,
    'no-compile': { type: 'boolean', help: 'serve dist/ as it is (npm run host does the same)' },
  },
  async run(args) {
    const root = rootOf(args);
    // Options are checked before the compile, so a typo costs no build.
    const choice = hostChoice(args.values);
    if (args.values['no-compile'] !== true) {
      const compiled = compileOnce(root, { format: 'text', build: true });
      if (compiled.code !== 0) return compiled.code;
    }
    return serve(root, choice);
  },
};
