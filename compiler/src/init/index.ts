/**
 * `durable-flow init [dir]`: makes a folder (empty, or an existing Functions app) a durable-flow
 * app. It never overwrites what is there: a file it would write that exists with other content
 * is a conflict, listed with nothing written, unless `--force`. What it can add without changing
 * anything someone wrote is added: package.json and .vscode/settings.json keys they lack, lines
 * of .gitignore and .funcignore. Two placeholders `npm init -y` writes count as unset: `main`
 * naming an index.js that does not exist, and the "no test specified" test script. durable-flow
 * itself, when `npm install <it>` put it among the dependencies, moves to the devDependencies:
 * the compiled app does not import it (it carries its runtime in generated/flow-runtime/).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathProblem, printable, ProjectPathError, readProjectFile, writeProjectFile } from '../project-paths';
import * as t from './templates';

type Json = { [key: string]: unknown };

export interface InitChange {
  /** Project-relative path. */
  file: string;
  action: 'create' | 'update' | 'unchanged' | 'conflict';
  /** What changes (update) or what is in the way (conflict). */
  detail?: string;
  /** The file's new text (create, update; conflict: with --force). */
  text?: string;
}

export interface InitResult {
  code: number;
  out: string[];
  err: string[];
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Adds `want`'s keys `have` lacks (deeply); a key both have with other values is a conflict (`force`: ours wins). */
function mergeJson(have: Json, want: Json, force: boolean, at = ''): { merged: Json; added: string[]; conflicts: string[] } {
  const merged: Json = { ...have };
  const added: string[] = [];
  const conflicts: string[] = [];
  for (const [k, v] of Object.entries(want)) {
    const key = at ? `${at}.${k}` : k;
    if (!(k in have)) {
      merged[k] = v;
      added.push(key);
    } else if (isObject(have[k]) && isObject(v)) {
      const inner = mergeJson(have[k] as Json, v, force, key);
      merged[k] = inner.merged;
      added.push(...inner.added);
      conflicts.push(...inner.conflicts);
    } else if (JSON.stringify(have[k]) !== JSON.stringify(v)) {
      conflicts.push(`${key} is ${JSON.stringify(have[k])}, durable-flow needs ${JSON.stringify(v)}`);
      if (force) merged[k] = v;
    }
  }
  return { merged, added, conflicts };
}

function readJson(root: string, rel: string): Json | string {
  try {
    const value: unknown = JSON.parse(readProjectFile(root, rel));
    return isObject(value) ? value : `${rel} does not hold a JSON object`;
  } catch (e) {
    return `${rel} is not JSON that init can merge into (${e instanceof Error ? e.message : String(e)})`;
  }
}

const exists = (root: string, rel: string): boolean => fs.existsSync(path.join(root, rel));

/** package.json: npm init's placeholders replaced, durable-flow moved to devDependencies, the rest merged. */
function planPackageJson(root: string, force: boolean): InitChange {
  const file = 'package.json';
  const want = t.packageFields();
  if (!exists(root, file)) {
    const name = path.basename(root).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+/, '') || 'durable-flow-app';
    return { file, action: 'create', text: JSON.stringify({ name, version: '1.0.0', private: true, ...want }, null, 2) + '\n' };
  }
  const have = readJson(root, file);
  if (typeof have === 'string') return { file, action: 'conflict', detail: have };
  const notes: string[] = [];
  const start: Json = { ...have };
  if (start.main === 'index.js' && !exists(root, 'index.js')) {
    delete start.main; // npm init -y's placeholder
  }
  if (isObject(start.scripts) && start.scripts.test === t.NPM_INIT_TEST) {
    const { test: _, ...rest } = start.scripts;
    start.scripts = rest;
  }
  const conflicts: string[] = [];
  if (start.type === 'module') conflicts.push('type is "module": the compiled app is CommonJS (remove "type" or set it to "commonjs")');
  const deps = isObject(start.dependencies) ? { ...start.dependencies } : undefined;
  const devDeps = isObject(start.devDependencies) ? { ...start.devDependencies } : {};
  if (deps && typeof deps['durable-flow'] === 'string') {
    // `npm install <durable-flow>` put it here: same spec, in devDependencies.
    if (devDeps['durable-flow'] === undefined) devDeps['durable-flow'] = deps['durable-flow'];
    delete deps['durable-flow'];
    start.dependencies = deps;
    start.devDependencies = devDeps;
    notes.push('durable-flow moved to devDependencies');
  }
  // A version of a dependency the app already has is the app's choice.
  for (const group of ['dependencies', 'devDependencies'] as const) {
    const mine = start[group];
    if (!isObject(mine)) continue;
    for (const name of Object.keys(want[group] as Json)) if (name in mine) (want[group] as Json)[name] = mine[name];
  }
  const merged = mergeJson(start, want, force);
  conflicts.push(...merged.conflicts);
  const text = JSON.stringify(merged.merged, null, 2) + '\n';
  if (conflicts.length && !force) return { file, action: 'conflict', detail: conflicts.join('; ') };
  const detail = [...notes, ...(merged.added.length ? [`adds ${merged.added.join(', ')}`] : []), ...conflicts.map((c) => `replaces: ${c}`)].join('; ');
  return text === readProjectFile(root, file) ? { file, action: 'unchanged' } : { file, action: 'update', detail, text };
}

/** A JSON settings file: missing keys added. */
function planJson(root: string, file: string, want: Json, force: boolean): InitChange {
  if (!exists(root, file)) return { file, action: 'create', text: JSON.stringify(want, null, 2) + '\n' };
  const have = readJson(root, file);
  if (typeof have === 'string') return { file, action: 'conflict', detail: have, text: force ? JSON.stringify(want, null, 2) + '\n' : undefined };
  const merged = mergeJson(have, want, force);
  if (merged.conflicts.length && !force) return { file, action: 'conflict', detail: merged.conflicts.join('; ') };
  if (merged.added.length === 0 && merged.conflicts.length === 0) return { file, action: 'unchanged' };
  return { file, action: 'update', detail: [...(merged.added.length ? [`adds ${merged.added.join(', ')}`] : []), ...merged.conflicts.map((c) => `replaces: ${c}`)].join('; '), text: JSON.stringify(merged.merged, null, 2) + '\n' };
}

/** A list of lines (.gitignore, .funcignore): the missing ones appended. */
function planLines(root: string, file: string, want: readonly string[], comment: string): InitChange {
  if (!exists(root, file)) return { file, action: 'create', text: [`# ${comment}`, ...want, ''].join('\n') };
  const have = readProjectFile(root, file);
  const present = new Set(have.split(/\r?\n/).map((l) => l.trim()));
  const missing = want.filter((l) => !present.has(l));
  if (missing.length === 0) return { file, action: 'unchanged' };
  return { file, action: 'update', detail: `adds ${missing.join(' ')}`, text: `${have}${have === '' || have.endsWith('\n') ? '' : '\n'}# added by durable-flow init\n${missing.join('\n')}\n` };
}

/** A file init writes whole: created, or left alone when identical, else a conflict. */
function planFile(root: string, file: string, text: string): InitChange {
  if (!exists(root, file)) return { file, action: 'create', text };
  return readProjectFile(root, file) === text ? { file, action: 'unchanged' } : { file, action: 'conflict', detail: 'exists with other content', text };
}

/** Every file init would write in `root`, and how. */
export function planInit(root: string, force: boolean): InitChange[] {
  return [
    planPackageJson(root, force),
    // An existing Functions app keeps its host.json (compile sets its durableTask versioning).
    exists(root, 'host.json') ? { file: 'host.json', action: 'unchanged' as const } : planFile(root, 'host.json', t.HOST_JSON),
    planFile(root, 'local.settings.example.json', t.LOCAL_SETTINGS_EXAMPLE),
    planFile(root, 'tsconfig.json', t.TSCONFIG),
    planFile(root, 'tsconfig.build.json', t.TSCONFIG_BUILD),
    planLines(root, '.gitignore', t.GITIGNORE, 'Installed packages, build output, the local host state and local secrets.'),
    planLines(root, '.funcignore', t.FUNCIGNORE, 'Left out of `func azure functionapp publish`: the app runs dist/ with its production dependencies.'),
    planJson(root, '.vscode/settings.json', t.VSCODE_SETTINGS, force),
    planJson(root, '.vscode/extensions.json', t.VSCODE_EXTENSIONS, force),
    planFile(root, 'workflows/hello.yaml', t.HELLO_YAML),
    planFile(root, 'workflows/activities/greetings.ts', t.GREETINGS_TS),
    planFile(root, 'test/hello.test.ts', t.HELLO_TEST),
  ];
}

/** Runs init in `dir` (created if missing); writes nothing while a conflict stands and `force` is off. */
export function init(dir: string, options: { force: boolean }): InitResult {
  const root = path.resolve(dir);
  const out: string[] = [];
  const err: string[] = [];
  const stat = fs.lstatSync(root, { throwIfNoEntry: false });
  if (stat && !stat.isDirectory()) return { code: 1, out, err: [`durable-flow init: ${root} is not a folder`] };
  if (!stat) fs.mkdirSync(root, { recursive: true });
  let plan: InitChange[];
  try {
    // A link where init would write is refused (DF007), --force or not: it could point anywhere.
    for (const f of ['package.json', 'host.json', 'local.settings.example.json', 'tsconfig.json', 'tsconfig.build.json', '.gitignore', '.funcignore', '.vscode/settings.json', '.vscode/extensions.json', 'workflows/hello.yaml', 'workflows/activities/greetings.ts', 'test/hello.test.ts']) {
      const problem = pathProblem(root, f);
      if (problem) throw new ProjectPathError(problem);
    }
    plan = planInit(root, options.force);
  } catch (e) {
    return { code: 1, out, err: [e instanceof Error ? e.message : String(e)] };
  }
  const conflicts = plan.filter((c) => c.action === 'conflict');
  if (conflicts.length && !options.force) {
    err.push(`durable-flow init: ${conflicts.length} file${conflicts.length > 1 ? 's' : ''} in ${printable(root)} would change; nothing was written:`);
    for (const c of conflicts) err.push(`  ${c.file}: ${c.detail}`);
    err.push('Run `durable-flow init --force` to replace them.');
    return { code: 1, out, err };
  }
  const stuck = conflicts.filter((c) => c.text === undefined);
  if (stuck.length) return { code: 1, out, err: stuck.map((c) => `durable-flow init: ${c.file}: ${c.detail} (not replaced, even with --force)`) };
  const label = { create: 'created', update: 'updated', unchanged: 'unchanged', conflict: 'replaced' } as const;
  for (const c of plan) {
    if (c.action !== 'unchanged' && c.text !== undefined) writeProjectFile(root, c.file, c.text);
    out.push(`  ${label[c.action].padEnd(9)} ${c.file}${c.detail ? ` (${c.detail})` : ''}`);
  }
  const where = path.relative(process.cwd(), root);
  out.unshift(`durable-flow app in ${where === '' ? 'this folder' : printable(where)}:`);
  out.push('', 'Next:', ...(where ? [`  cd ${where}`] : []), '  npm install', '  npm start          (compiles workflows/, then serves the app on the local host)', '  npm test           (the test in test/, with the test kit)');
  return { code: 0, out, err };
}
