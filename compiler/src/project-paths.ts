/**
 * The compiler reads and writes only real files inside the project.
 *
 * `generated/`, `workflows/.versions/` and `dist/` are machine-written and committed (or not
 * reviewed); a pull request that turns one of them, or anything below them, into a symbolic link
 * would make `compile` read any file into its diagnostics (so into CI logs), write anywhere, and
 * delete files it never wrote. So every path below the project root that the compiler reads or
 * writes is checked with `lstat`, component by component, and a symbolic link (whatever it points
 * to, inside the project or not: the simplest rule to trust), a file where a folder belongs, or a
 * FIFO, socket or device is refused with a DF007 diagnostic located at it, before anything is
 * written. Writes then go through a temporary file opened with O_EXCL (which never follows a link)
 * and renamed into place, inside a folder whose real path is checked to lie under the project's.
 *
 * The project root itself may be reached through a link (a checkout under a linked home folder):
 * only what is below it is checked.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { error, type Diagnostic } from './diagnostics';

export const LINK_CODE = 'DF007';

/** A refused path, as an error carrying its diagnostic (for code paths that throw). */
export class ProjectPathError extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(`${diagnostic.span.file}:1:1 error ${diagnostic.code}: ${diagnostic.message}`);
  }
}

/** A path or link target as printed: control characters escaped, so a name cannot drive the terminal. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function at(rel: string, message: string): Diagnostic {
  const start = { line: 1, col: 1 };
  return error(LINK_CODE, message, { file: printable(rel), start, end: start });
}

function linkTarget(full: string): string {
  try {
    return fs.readlinkSync(full);
  } catch {
    return '?';
  }
}

function pointsToFolder(full: string): boolean {
  try {
    return fs.statSync(full).isDirectory();
  } catch {
    return false; // dangling, or a loop
  }
}

/** The diagnostic for something at `rel` that is neither a plain file nor a folder, or undefined. */
function entryProblem(root: string, rel: string, stat: fs.Stats | fs.Dirent, want: 'file' | 'dir' | 'any'): Diagnostic | undefined {
  if (stat.isSymbolicLink()) {
    const full = path.join(root, rel);
    const target = linkTarget(full);
    // What the link stands for, to say what should replace it (stat reads no content).
    const folder = want === 'dir' || (want === 'any' && pointsToFolder(full));
    return at(
      rel,
      `${printable(rel)} is a symbolic link (to ${JSON.stringify(printable(target))}): durable-flow reads and writes only real files inside the project and follows no symbolic link there, wherever it points (one could make it read or write files outside the project); replace the link with a real ${folder ? 'folder' : 'file'}`,
    );
  }
  if (stat.isDirectory()) return want === 'file' ? at(rel, `${printable(rel)} is a folder, but durable-flow writes a file there: remove the folder`) : undefined;
  if (stat.isFile()) return want === 'dir' ? at(rel, `${printable(rel)} is a file, but durable-flow needs a folder there: remove the file`) : undefined;
  return at(rel, `${printable(rel)} is not a plain file or folder (a FIFO, socket or device): durable-flow will not read or write it; remove it`);
}

/**
 * Checks the file path `rel` (project-relative, forward slashes) for reading or writing: every
 * existing component below the root must be a real folder, the last, if it exists, a plain file.
 */
export function pathProblem(root: string, rel: string, want: 'file' | 'dir' = 'file'): Diagnostic | undefined {
  const parts = rel.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) return at(rel, `${printable(rel)} does not name a path inside the project`);
  for (let i = 1; i <= parts.length; i++) {
    const sub = parts.slice(0, i).join('/');
    const stat = fs.lstatSync(path.join(root, sub), { throwIfNoEntry: false });
    if (!stat) return undefined;
    const problem = entryProblem(root, sub, stat, i === parts.length ? want : 'dir');
    if (problem) return problem;
  }
  return undefined;
}

/**
 * Checks the folder `rel` and everything below it without following anything: the folder itself
 * (and its parents below the root) must be real folders, and nothing below it may be a link or a
 * special file. A missing folder has no problems.
 */
export function treeProblems(root: string, rel: string): Diagnostic[] {
  const top = pathProblem(root, rel, 'dir');
  if (top) return [top];
  if (!fs.existsSync(path.join(root, rel))) return [];
  const problems: Diagnostic[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const sub = `${dir}/${e.name}`;
      const problem = entryProblem(root, sub, e, 'any');
      if (problem) problems.push(problem);
      else if (e.isDirectory()) walk(sub);
    }
  };
  walk(rel);
  return problems;
}

/** Throws unless the real path of `rel`'s folder is the project's real folder plus `rel`'s folder (a second line behind the lstat checks). */
function assertInside(root: string, rel: string): void {
  const folder = path.posix.dirname(rel);
  const real = fs.realpathSync(path.join(root, folder));
  const expected = path.join(fs.realpathSync(root), folder);
  if (real !== expected) throw new ProjectPathError(at(rel, `${printable(folder)} resolves to ${JSON.stringify(printable(real))}, outside the project's own folder: durable-flow follows no link`));
}

/** Reads a plain file inside the project; throws ProjectPathError for a link or anything else. */
export function readProjectFile(root: string, rel: string): string {
  const problem = pathProblem(root, rel);
  if (problem) throw new ProjectPathError(problem);
  assertInside(root, rel);
  const fd = fs.openSync(path.join(root, rel), fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
  try {
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes a file inside the project: creates the missing folders (real ones), writes a temporary
 * file next to it opened with O_EXCL (so a link planted at the temporary name is never followed)
 * and renames it into place, so a crash leaves no half-written file.
 */
export function writeProjectFile(root: string, rel: string, text: string): void {
  const tmp = `${rel}.tmp`;
  const problem = pathProblem(root, rel) ?? pathProblem(root, tmp);
  if (problem) throw new ProjectPathError(problem);
  const full = path.join(root, rel);
  fs.mkdirSync(path.dirname(full), { recursive: true });
  const again = pathProblem(root, rel);
  if (again) throw new ProjectPathError(again);
  assertInside(root, rel);
  fs.rmSync(path.join(root, tmp), { force: true });
  const fd = fs.openSync(path.join(root, tmp), 'wx');
  try {
    fs.writeFileSync(fd, text);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(path.join(root, tmp), full);
}
