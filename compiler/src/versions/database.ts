/**
 * What the local embedded host's database says about a workflow's instances still in flight, and
 * the version each runs: read-only (better-sqlite3, `readonly`), safe while a host runs on it.
 * The database is `.durable/<hubName>.db` (host.json's hubName, else TestHubName), as the host
 * opens it by default.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { error } from '../diagnostics';
import { HOST_JSON, hubNameProblem } from '../host-json';
import { LINK_CODE, pathProblem, ProjectPathError, readProjectFile } from '../project-paths';
import { versionEnvelope, versionNumber } from '../../../runtime/version-text';
import { openDatabase } from '../../../host/store/sqlite';

/** The host's folder for its database (host/main.ts), beside the app. */
export const DATABASE_DIR = '.durable';

export interface InstanceInFlight {
  id: string;
  /** The workflow's orchestrator, or its partition orchestrator (`<name>-partition`, a slice). */
  name: string;
  status: string;
  /** The version it runs (runtime/versions.ts: no durable-flow version means 1). */
  version: number;
}

/** The database the host opens for this project by default; refused (ProjectPathError) when reaching it would leave the project or follow a link. */
export function defaultDatabase(root: string): string {
  let hub = 'TestHubName';
  // Read like compile reads it: never through a link (a parse error would quote the target's text).
  if (fs.existsSync(path.join(root, HOST_JSON))) {
    const parsed = JSON.parse(readProjectFile(root, HOST_JSON)) as { extensions?: { durableTask?: { hubName?: unknown } } };
    const name = parsed.extensions?.durableTask?.hubName;
    if (typeof name === 'string' && name !== '') hub = name;
  }
  const hubProblem = hubNameProblem(hub);
  if (hubProblem) {
    const start = { line: 1, col: 1 };
    throw new ProjectPathError(error(LINK_CODE, `${hubProblem}; or pass --db`, { file: HOST_JSON, start, end: start }));
  }
  const rel = `${DATABASE_DIR}/${hub}.db`;
  const problem = pathProblem(root, rel);
  if (problem) throw new ProjectPathError(problem);
  return path.join(root, rel);
}

/** Unfinished instances of a workflow (and its slices) in the database; [] when the file does not exist. */
export function instancesInFlight(dbFile: string, workflow: string): InstanceInFlight[] {
  if (!fs.existsSync(dbFile)) return [];
  // better-sqlite3 is loaded here (openDatabase requires it on first use): only the versions commands need SQLite.
  const db = openDatabase(dbFile, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'instances'").all();
    if (tables.length === 0) return [];
    // Files written before versions were kept have no version column: their instances run version 1.
    const columns = (db.prepare('PRAGMA table_info(instances)').all() as Array<{ name: string }>).map((c) => c.name);
    const version = columns.includes('version') ? 'version' : 'NULL AS version';
    const rows = db
      .prepare(`SELECT id, name, status, input, ${version} FROM instances WHERE name IN (?, ?) AND status NOT IN ('Completed', 'Failed', 'Terminated') ORDER BY created, id`)
      .all(workflow, `${workflow}-partition`) as Array<{ id: string; name: string; status: string; input: string | null; version: string | null }>;
    return rows.map((r) => {
      let input: unknown = null;
      try {
        input = r.input === null ? null : JSON.parse(r.input);
      } catch {
        input = null;
      }
      const envelope = versionEnvelope(input);
      return { id: r.id, name: r.name, status: r.status, version: versionNumber(envelope ? envelope.version : r.version ?? undefined) ?? 1 };
    });
  } finally {
    db.close();
  }
}
