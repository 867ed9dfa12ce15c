/**
 * `durable-flow-host [appDir] [--engine embedded|extension] [--port N] [--db file|:memory:]
 *   [--storage folder|:memory:|connection-string] [--sync normal|full] [--enforce-auth] [--episode-threads N]
 *   [--episode-budget 10s] [--verbose]`
 * Serves the compiled app until SIGINT/SIGTERM, then shuts down cleanly. `--engine extension`
 * runs it on the real Durable Task extension (host/extension-engine) instead of the embedded one.
 */
import { parseDuration } from '../runtime/durations';
import { createExtensionHost } from './extension-engine/main';
import { createHost } from './main';

async function main(argv: string[]): Promise<void> {
  let appDir = process.cwd();
  let port = Number(process.env.PORT ?? 7071);
  let db: string | undefined;
  let sync: 'normal' | 'full' | undefined;
  let enforceAuth = false;
  let verbose = false;
  let episodeThreads: number | undefined;
  let episodeBudgetMs: number | undefined;
  let engine: 'embedded' | 'extension' = 'embedded';
  let storage: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--port') port = Number(argv[++i]);
    else if (a === '--engine') {
      const v = argv[++i];
      if (v !== 'embedded' && v !== 'extension') throw new Error(`--engine takes 'embedded' (the default) or 'extension' (the real Durable Task extension), not '${v ?? ''}'`);
      engine = v;
    } else if (a === '--storage') storage = argv[++i];
    else if (a === '--db') db = argv[++i];
    else if (a === '--sync') {
      const v = argv[++i];
      if (v !== 'normal' && v !== 'full') throw new Error(`--sync takes 'normal' or 'full', not '${v ?? ''}'`);
      sync = v;
    } else if (a === '--episode-threads') {
      episodeThreads = Number(argv[++i]);
      if (!Number.isInteger(episodeThreads) || episodeThreads < 0) throw new Error('--episode-threads takes a whole number (0 runs episodes in the host thread)');
    } else if (a === '--episode-budget') {
      episodeBudgetMs = parseDuration(argv[++i] ?? '');
      if (episodeBudgetMs === undefined || episodeBudgetMs <= 0) throw new Error(`--episode-budget takes a duration like 10s, not '${argv[i] ?? ''}'`);
    } else if (a === '--enforce-auth') enforceAuth = true;
    else if (a === '--verbose') verbose = true;
    else if (!a.startsWith('-')) appDir = a;
    else throw new Error(`unknown option ${a}`);
  }
  if (engine === 'extension') {
    const embeddedOnly = [db && '--db', sync && '--sync', enforceAuth && '--enforce-auth', episodeThreads !== undefined && '--episode-threads', episodeBudgetMs !== undefined && '--episode-budget'].filter(Boolean);
    if (embeddedOnly.length > 0) throw new Error(`${embeddedOnly.join(', ')}: for the embedded engine only (the extension engine keeps its state in Azurite: --storage)`);
  } else if (storage !== undefined) throw new Error('--storage is for the extension engine (--engine extension); the embedded engine takes --db');
  const host = engine === 'extension' ? await createExtensionHost({ appDir, port, storage, verbose }) : await createHost({ appDir, port, db, sync, enforceAuth, verbose, episodeThreads, episodeBudgetMs });
  console.log(`listening on ${host.url} (Ctrl+C to stop)`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    host.close().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
