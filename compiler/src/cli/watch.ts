/**
 * Watches a project's workflows and activities with chokidar, which follows a file through
 * rename-style saves (`sed -i`, editors that write a new file and rename it over the old one):
 * `fs.watch` watches the file's old inode and goes quiet after the first such save. Bursts of
 * events (write, rename, chmod) are settled into one batch of changed paths.
 */
import * as path from 'node:path';
import { watch as chokidar } from 'chokidar';
import { WORKFLOWS_DIR } from '../front-end';
import { VERSIONS_DIR } from '../versions/records';

export interface Change {
  event: 'added' | 'changed' | 'removed';
  /** Project-relative, with forward slashes. */
  file: string;
  /** When the watcher saw it (Date.now()). */
  seen: number;
}

export interface Watching {
  /** Resolves once the initial scan is done: edits from then on are seen. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** Whether a change to this project-relative file can change what compile produces. */
export function isSource(rel: string): boolean {
  // The record compile writes itself is not a source of a new compile (it would compile twice).
  if (rel.startsWith(`${VERSIONS_DIR}/`)) return false;
  return /\.(ya?ml|[cm]?[tj]s|json)$/.test(rel);
}

export function watchProject(root: string, onChanges: (changes: Change[]) => void, settleMs = 30): Watching {
  const dir = path.join(root, WORKFLOWS_DIR);
  const pending = new Map<string, { event: Change['event']; seen: number }>();
  let timer: NodeJS.Timeout | undefined;
  const rel = (full: string): string => path.relative(root, full).split(path.sep).join('/');
  const watcher = chokidar(dir, {
    ignoreInitial: true,
    // Follows no symbolic link: the compiler refuses them (DF007), the watcher does not read through them.
    followSymlinks: false,
    ignored: (full, stats) => {
      const r = rel(full);
      if (r.startsWith(`${VERSIONS_DIR}`) || /(^|\/)node_modules(\/|$)/.test(r)) return true;
      return stats?.isFile() === true && !isSource(r);
    },
  });
  const note = (event: Change['event']) => (full: string): void => {
    const r = rel(full);
    if (!isSource(r)) return;
    const before = pending.get(r);
    const merged = before ? merge(before.event, event) : event;
    if (merged === undefined) pending.delete(r);
    else pending.set(r, { event: merged, seen: before?.seen ?? Date.now() });
    clearTimeout(timer);
    timer = setTimeout(flush, settleMs);
  };
  const flush = (): void => {
    const changes = [...pending].map(([file, p]) => ({ file, ...p })).sort((a, b) => a.file.localeCompare(b.file));
    pending.clear();
    if (changes.length) onChanges(changes);
  };
  watcher.on('add', note('added')).on('change', note('changed')).on('unlink', note('removed'));
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    ready,
    async close() {
      clearTimeout(timer);
      await watcher.close();
    },
  };
}

/**
 * Two events on one file within a burst, as one: removed then added again (a rename-style save)
 * is a change; added then written is an addition; added then removed is nothing.
 */
export function merge(first: Change['event'], then: Change['event']): Change['event'] | undefined {
  if (first === 'added') return then === 'removed' ? undefined : 'added';
  return then === 'removed' ? 'removed' : 'changed';
}

/** `workflows/a.yaml changed, workflows/b.yaml added` */
export function describeChanges(changes: readonly Change[]): string {
  const shown = changes.slice(0, 5).map((c) => `${c.file} ${c.event}`);
  return shown.join(', ') + (changes.length > 5 ? ` and ${changes.length - 5} more` : '');
}
