/**
 * One host per database file: two hosts on one file would both run the same work and strand
 * instances. The first host writes `<db>.lock` with its process id; another refuses to start while
 * that process lives. A lock left by a host that was killed (its process is gone) is taken over.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Files this process holds (a second host in the same process is refused too). */
const held = new Set<string>();

export interface DbLock {
  release(): void;
}

export function lockDatabase(dbFile: string): DbLock {
  if (dbFile === ':memory:') return { release: () => undefined };
  const lockFile = `${path.resolve(dbFile)}.lock`;
  if (held.has(lockFile)) throw new Error(`another durable-flow host (process ${process.pid}) is using ${dbFile}: stop it first, or give this one another database with --db`);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      held.add(lockFile);
      return {
        release: () => {
          held.delete(lockFile);
          try {
            if (fs.readFileSync(lockFile, 'utf8') === String(process.pid)) fs.unlinkSync(lockFile);
          } catch {
            // already gone
          }
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(fs.readFileSync(lockFile, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new Error(`another durable-flow host (process ${pid}) is using ${dbFile}: stop it first, or give this one another database with --db`);
      }
      // Left by a host that is gone: take it over.
      fs.rmSync(lockFile, { force: true });
    }
  }
  throw new Error(`could not lock ${dbFile} (${lockFile} keeps reappearing)`);
}
