/**
 * Finds the activities a project offers: every exported function (declaration, or a const
 * initialised with a function) in a `.ts` module under `workflows/activities/`.
 * Parsed with ts-morph, not imported, so checking never runs user code.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Node, Project as TsProject } from 'ts-morph';
import { error, type Diagnostic } from './diagnostics';
import { MAX_NAME_LENGTH } from './names';

/** Names generated/activities.ts gives its own imports. */
const ACTIVITY_RESERVED = new Set(['df', 'rt']);

export const ACTIVITIES_DIR = 'workflows/activities';

export interface ActivityScan {
  /** Activity name -> module path relative to the project root, sorted by name. */
  activities: Map<string, string>;
  diagnostics: Diagnostic[];
}

export function listActivityModules(root: string): string[] {
  const dir = path.join(root, ACTIVITIES_DIR);
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (/\.ts$/.test(e.name) && !/\.(d|test|spec)\.ts$/.test(e.name)) out.push(path.relative(root, full).split(path.sep).join('/'));
    }
  };
  walk(dir);
  return out;
}

/** Scans the given modules (project-relative paths, with their text). */
export function scanActivities(modules: ReadonlyArray<{ file: string; text: string }>): ActivityScan {
  const ts = new TsProject({ useInMemoryFileSystem: true, skipAddingFilesFromTsConfig: true, compilerOptions: { allowJs: false } });
  const activities = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  for (const { file, text } of modules) {
    const source = ts.createSourceFile('/' + file, text, { overwrite: true });
    for (const [name, decls] of source.getExportedDeclarations()) {
      const isFunction = decls.some(
        (d) =>
          Node.isFunctionDeclaration(d) ||
          (Node.isVariableDeclaration(d) &&
            (Node.isArrowFunction(d.getInitializer()) || Node.isFunctionExpression(d.getInitializer()))),
      );
      if (!isFunction || name === 'default') continue;
      const decl = decls[0];
      const nameNode = (Node.isFunctionDeclaration(decl) || Node.isVariableDeclaration(decl) ? decl.getNameNode() : undefined) ?? decl;
      const { line, column } = source.getLineAndColumnAtPos(nameNode.getStart());
      const span = { file, start: { line, col: column }, end: { line, col: column + name.length } };
      const previous = activities.get(name);
      if (previous && previous !== file) {
        diagnostics.push(error('DF404', `activity '${name}' is exported by both ${previous} and ${file}: activity names must be unique`, span));
        continue;
      }
      // The name becomes an Azure function name and an import of generated/activities.ts.
      if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name) || name.length > MAX_NAME_LENGTH) {
        diagnostics.push(
          error('DF404', `exported function '${name}' cannot be an activity: an activity name is letters, digits and _, starting with a letter, at most ${MAX_NAME_LENGTH} characters (it names an Azure function); every exported function of workflows/activities/ is an activity, so do not export helpers`, span),
        );
        continue;
      }
      if (ACTIVITY_RESERVED.has(name)) {
        diagnostics.push(error('DF206', `'${name}' cannot name an activity: generated/activities.ts imports the ${name === 'rt' ? 'runtime' : 'durable-functions library'} under that name`, span));
        continue;
      }
      const alike = [...activities.keys()].find((a) => a !== name && a.toLowerCase() === name.toLowerCase());
      if (alike) {
        diagnostics.push(error('DF406', `activity '${name}' differs from activity '${alike}' (${activities.get(alike)}) only in case: Azure function names are case-insensitive`, span));
        continue;
      }
      activities.set(name, file);
    }
  }
  return { activities: new Map([...activities].sort(([a], [b]) => a.localeCompare(b))), diagnostics };
}
