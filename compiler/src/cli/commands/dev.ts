/**
 * `dev`: `compile --watch` plus the embedded host, which takes each successful compile without
 * stopping (Host.reload): same database, same port, instances in flight carry on; a compile that
 * fails leaves the last good app serving and prints why.
 */
import type { Host } from '../../../../host/main';
import { ROOT, rootOf, type Command } from '../command';
import { HOST_OPTIONS, hostChoice, startHost } from '../host-options';
import { watchCompile } from './compile';

export const dev: Command = {
  name: 'dev',
  summary: 'compile --watch plus the embedded host, which reloads the app after each successful compile',
  usage: 'dev [--port n] [--db file] [host options]',
  details:
    'Keeps its database and the instances in flight across reloads: an instance started before an\n' +
    'edit carries on (with the version it started on), new routes answer after the compile, and an\n' +
    'edit that fails to compile leaves the last good app serving.',
  options: { ...ROOT, ...HOST_OPTIONS },
  maxPositionals: 0,
  async run(args) {
    const root = rootOf(args);
    const choice = hostChoice(args.values);
    let host: Host | undefined;
    let routes = new Set<string>();
    const onBuilt = async (seen?: number): Promise<void> => {
      try {
        if (!host) {
          host = (await startHost(root, { ...choice, options: { ...choice.options, reloadable: true } })) as Host;
          routes = new Set(host.routes());
          process.stdout.write(`listening on ${host.url} (Ctrl+C to stop)\n`);
          return;
        }
        const r = await host.reload();
        const now = new Set(host.routes());
        const added = [...now].filter((x) => !routes.has(x));
        const removed = [...routes].filter((x) => !now.has(x));
        routes = now;
        process.stdout.write(
          `app reloaded in ${r.ms} ms${seen === undefined ? '' : ` (${Date.now() - seen} ms after the change was seen)`}: ${r.functions} functions` +
            (added.length ? `; new: ${added.join(', ')}` : '') +
            (removed.length ? `; gone: ${removed.join(', ')}` : '') +
            '\n',
        );
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        process.stderr.write(host ? `the app could not be reloaded (${message}); the previous app keeps serving\n` : `the host could not start: ${message}\n`);
      }
    };
    await watchCompile(root, { format: 'text', build: true }, onBuilt);
    process.stdout.write('shutting down\n');
    await host?.close();
    process.exit(0);
  },
};
