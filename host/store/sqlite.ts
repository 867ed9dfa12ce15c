/**
 * Opening a SQLite database through better-sqlite3, whose native binding its install script
 * builds (or downloads). npm 12 runs a dependency's install script only when the project's
 * package.json `allowScripts` approves it, so an install without that approval leaves no
 * binding, and better-sqlite3 fails with a page of "Could not locate the bindings file. Tried:
 * ...". That is said here in one line, with the commands that fix it.
 */
import type BetterSqlite3 from 'better-sqlite3';

/** The one-line explanation of a missing or unusable binding, or undefined for any other error. */
export function bindingProblem(e: unknown): string | undefined {
  const message = e instanceof Error ? e.message : String(e);
  if (/Could not locate the bindings file|better_sqlite3\.node|Cannot find module 'bindings'/.test(message)) {
    return (
      "better-sqlite3's native SQLite binding is missing (its install script did not run: npm 12 runs a dependency's install script only when package.json allowScripts approves it): " +
      'run `npm approve-scripts better-sqlite3`, then `npm rebuild better-sqlite3`'
    );
  }
  if (/NODE_MODULE_VERSION|was compiled against a different Node\.js version/.test(message)) {
    return `better-sqlite3's native SQLite binding was built for another Node.js version than this one (${process.version}): run \`npm rebuild better-sqlite3\``;
  }
  return undefined;
}

/** `new Database(file, options)`, with a missing binding reported as one clear line. */
export function openDatabase(file: string, options?: BetterSqlite3.Options): BetterSqlite3.Database {
  let Database: typeof BetterSqlite3;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    Database = require('better-sqlite3') as typeof BetterSqlite3;
    return new Database(file, options);
  } catch (e) {
    const problem = bindingProblem(e);
    if (problem) throw new Error(problem);
    throw e;
  }
}
