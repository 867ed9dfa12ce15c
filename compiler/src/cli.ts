/**
 * The `durable-flow` command line: `check` validates, `compile` also generates `generated/` and
 * builds `dist/`; `--watch` recompiles on every save, `--format json` prints diagnostics for tools;
 * `graph <workflow>` writes a workflow's graph as SVG or Mermaid.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildDist, compileToGenerated, projectPathProblems } from './compile';
import { GenerateCache } from './codegen';
import { hasErrors } from './diagnostics';
import { diagnosticsToJson, formatDiagnostic, formatSummary } from './format-diagnostics';
import { checkProjectDir, FrontEndCache, WORKFLOWS_DIR, type FrontEndResult } from './front-end';
import { renderMermaid } from './graph/mermaid';
import { init } from './init';
import { buildGraph } from './graph/model';
import { renderSvg } from './graph/svg';
import { printable, ProjectPathError, writeProjectFile } from './project-paths';
import { SCHEMA_FILE, schemaText } from './schema';
import type { CreatedVersion } from './versions';
import { listVersions, pruneVersions, type CommandOutput } from './versions/commands';
import { defaultDatabase } from './versions/database';
import { VERSIONS_DIR } from './versions/records';

const USAGE = `usage: durable-flow <command> [options]

commands:
  init [dir]                 make dir (default: here) a durable-flow app: package.json scripts, host.json,
                             tsconfig, a hello workflow and its test; never overwrites (--force)
  check                      validate workflows/*.yaml and report every problem
  check-paths                refuse a symbolic link or special file under workflows/, generated/,
                             dist/ or at host.json (npm runs it before typecheck and build)
  compile                    check, generate generated/ and build dist/ (records new versions)
  schema                     write compiler/schema/workflow.schema.json from the compiler's definition
  versions [workflow]        list the recorded versions of each workflow (workflows/.versions/)
                             and the local database's instances in flight on each
  versions prune <workflow> --below <n> [--force]
                             remove versions older than n; refused while the local database has
                             unfinished instances on them (unless --force)
  graph <workflow>           write the workflow's graph (the one /api/flow shows) for docs and reviews

options:
  --root <dir>       project root (default: the current directory)
  --format <f>       check, compile: text (default) or json; graph: svg (default) or mermaid
  --out <file>       (graph) write to this file instead of standard output
  --watch            (compile) recompile whenever a workflow or activity changes
  --no-build         (compile) generate generated/ but skip building dist/
  --db <file>        (versions) the host's database (default: .durable/<hubName>.db)
  -h, --help         show this help
`;

interface Options {
  command?: string;
  /** Words after the command (`versions prune approval`, `graph approval`). */
  args: string[];
  root: string;
  /** text (default) or json; for graph, svg (default) or mermaid. */
  format: 'text' | 'json' | 'svg' | 'mermaid';
  out?: string;
  watch: boolean;
  build: boolean;
  db?: string;
  below?: number;
  force: boolean;
}

const FORMATS: Record<string, ReadonlyArray<Options['format']>> = { graph: ['svg', 'mermaid'], default: ['text', 'json'] };

export function parseArgs(argv: readonly string[]): Options | string {
  const o: Options = { args: [], root: process.cwd(), format: 'text', watch: false, build: true, force: false };
  let format: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--root') o.root = path.resolve(argv[++i] ?? '.');
    else if (a === '--format') format = argv[++i] ?? '';
    else if (a === '--out') {
      const f = argv[++i];
      if (!f) return '--out needs a file name';
      o.out = path.resolve(f);
    } else if (a === '--watch') o.watch = true;
    else if (a === '--no-build') o.build = false;
    else if (a === '--db') {
      const f = argv[++i];
      if (!f) return '--db needs a file';
      o.db = path.resolve(f);
    } else if (a === '--below') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) return `--below needs a version number (a whole number from 1), got '${argv[i] ?? ''}'`;
      o.below = n;
    } else if (a === '--force') o.force = true;
    else if (a === '-h' || a === '--help') o.command = 'help';
    else if (!a.startsWith('-') && o.command === undefined) o.command = a;
    else if (!a.startsWith('-') && (o.command === 'versions' || o.command === 'graph' || o.command === 'init')) o.args.push(a);
    else return `unknown argument '${a}'`;
  }
  const graph = o.command === 'graph';
  const allowed = FORMATS[graph ? 'graph' : 'default'];
  if (format !== undefined && !allowed.includes(format as Options['format'])) return `--format ${graph ? 'of graph ' : ''}must be ${allowed.join(' or ')}, got '${format}'`;
  o.format = (format as Options['format'] | undefined) ?? allowed[0];
  return o;
}

/** `graph <workflow>`: the workflow's graph as SVG (standalone, with its own styles) or Mermaid. */
function graph(o: Options): number {
  const name = o.args[0];
  if (!name || o.args.length > 1) {
    process.stderr.write(`durable-flow: graph needs a workflow name\n\n${USAGE}`);
    return 2;
  }
  const front = checkProjectDir(o.root);
  if (!front.ok) {
    report(front, { ...o, format: 'text' });
    return 1;
  }
  const w = front.project.workflows.find((x) => x.name === name);
  if (!w) {
    const names = front.project.workflows.map((x) => x.name).sort();
    process.stderr.write(`durable-flow: no workflow named '${name}'; the workflows are ${names.join(', ') || '(none)'}\n`);
    return 1;
  }
  const { graph: g } = buildGraph(w);
  const text = o.format === 'mermaid' ? renderMermaid(g) : renderSvg(g, { standalone: true });
  if (o.out) {
    fs.mkdirSync(path.dirname(o.out), { recursive: true });
    fs.writeFileSync(o.out, text);
    process.stdout.write(`wrote ${path.relative(process.cwd(), o.out) || o.out}\n`);
  } else process.stdout.write(text);
  return 0;
}

/** `versions [workflow]` and `versions prune <workflow> --below <n> [--force]`. */
function versionsCommand(o: Options): number {
  const db = o.db ?? defaultDatabase(o.root);
  let result: CommandOutput;
  if (o.args[0] === 'prune') {
    const workflow = o.args[1];
    if (!workflow || o.args.length > 2 || o.below === undefined) {
      process.stderr.write(`durable-flow: usage: durable-flow versions prune <workflow> --below <n> [--force]\n`);
      return 2;
    }
    result = pruneVersions(o.root, { workflow, below: o.below, force: o.force, db });
  } else {
    if (o.args.length > 1 || o.below !== undefined || o.force) {
      process.stderr.write(`durable-flow: usage: durable-flow versions [workflow] (prune: durable-flow versions prune <workflow> --below <n>)\n`);
      return 2;
    }
    result = listVersions(o.root, { workflow: o.args[0], db });
  }
  (result.code === 0 ? process.stdout : process.stderr).write(result.out.join('\n') + '\n');
  return result.code;
}

function report(front: FrontEndResult, o: Options): void {
  if (o.format === 'json') {
    process.stdout.write(diagnosticsToJson(front.diagnostics) + '\n');
    return;
  }
  const color = process.stdout.isTTY === true;
  for (const d of front.diagnostics) process.stdout.write(formatDiagnostic(d, { sources: front.sources, color }) + '\n');
  const workflowFiles = [...front.sources.keys()].filter((f) => !f.startsWith(`${VERSIONS_DIR}/`)).length;
  process.stdout.write(formatSummary(front.diagnostics, workflowFiles) + '\n');
}

/** One compile pass; returns the exit status it deserves. */
function compileOnce(o: Options, cache: FrontEndCache, codegen?: GenerateCache): number {
  const started = process.hrtime.bigint();
  let result: ReturnType<typeof compileToGenerated>;
  try {
    result = compileToGenerated(o.root, { write: true, cache, codegen, dist: o.build });
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  const { front, files, write, hostJson } = result;
  report(front, o);
  if (!front.ok) return 1;
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const log = (s: string): void => void (o.format === 'text' ? process.stdout.write(s + '\n') : process.stderr.write(s + '\n'));
  for (const c of front.created) log(createdLine(c, front.project.versions?.get(c.workflow)?.map((v) => v.version) ?? [c.version]));
  if (hostJson?.changed) log(`host.json: defaultVersion ${hostJson.defaultVersion} (this app's version; docs/versioning.md)`);
  log(
    `generated ${files.length} files in ${ms.toFixed(0)} ms` +
      (write ? ` (${write.written.length} written, ${write.unchanged.length} unchanged, ${write.removed.length} removed)` : ''),
  );
  for (const k of write?.kept ?? []) log(`${printable(k)}: not generated by durable-flow, left in place`);
  if (!o.build) return 0;
  const t0 = Date.now();
  log('building dist/ with tsc --strict ...');
  const built = buildDist(o.root);
  if (!built.ok) {
    process.stderr.write(built.output + '\n');
    log('build failed');
    return 1;
  }
  log(`built dist/ in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return 0;
}

/** `approval: version 2 (steps changed: ...); version 1 kept for instances in flight` */
export function createdLine(c: CreatedVersion, kept: readonly number[]): string {
  if (c.version === 1 && kept.length === 1) return `${c.workflow}: version 1 recorded (${VERSIONS_DIR}/${c.workflow}/)`;
  const older = kept.filter((v) => v !== c.version);
  const keptText = older.length === 0 ? 'no older version kept' : `version${older.length > 1 ? 's' : ''} ${older.join(', ')} kept for instances in flight`;
  return `${c.workflow}: version ${c.version} (${c.changes}); ${keptText}`;
}

function watch(o: Options): Promise<number> {
  const cache = new FrontEndCache();
  const codegen = new GenerateCache();
  const run = (): void => {
    process.stdout.write(`\n[${new Date().toISOString()}] change detected, recompiling\n`);
    compileOnce(o, cache, codegen);
  };
  compileOnce(o, cache, codegen);
  let timer: NodeJS.Timeout | undefined;
  // Editors save in bursts (write, rename, chmod): settle for a few ms, then run once.
  const onChange = (_event: string, name: string | null): void => {
    if (name && !/\.(ya?ml|ts)$/.test(name)) return;
    clearTimeout(timer);
    timer = setTimeout(run, 30);
  };
  const dir = path.join(o.root, WORKFLOWS_DIR);
  const watcher = fs.watch(dir, { recursive: true }, onChange);
  process.stdout.write(`watching ${path.relative(process.cwd(), dir) || dir} for changes (Ctrl+C to stop)\n`);
  return new Promise((resolve) => {
    const stop = (): void => {
      watcher.close();
      clearTimeout(timer);
      resolve(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** Runs a command, printing a refused path (a link, DF007) as its error and exiting 1. */
function refusing(command: () => number): number {
  try {
    return command();
  } catch (e) {
    if (!(e instanceof ProjectPathError)) throw e;
    process.stderr.write(`${e.message}\n`);
    return 1;
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  const o = parseArgs(argv);
  if (typeof o === 'string') {
    process.stderr.write(`durable-flow: ${o}\n\n${USAGE}`);
    return 2;
  }
  switch (o.command) {
    case 'check': {
      const front = checkProjectDir(o.root);
      report(front, o);
      return hasErrors(front.diagnostics) || !front.ok ? 1 : 0;
    }
    case 'check-paths': {
      const problems = projectPathProblems(o.root);
      for (const d of problems) process.stderr.write(formatDiagnostic(d) + '\n');
      return problems.length ? 1 : 0;
    }
    case 'compile':
      return o.watch ? watch(o) : compileOnce(o, new FrontEndCache());
    case 'schema':
      return refusing(() => {
        writeProjectFile(o.root, SCHEMA_FILE, schemaText());
        process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
        return 0;
      });
    case 'versions':
      return refusing(() => versionsCommand(o));
    case 'graph':
      return graph(o);
    case 'init': {
      const r = init(o.args[0] ?? o.root, { force: o.force });
      if (r.out.length) process.stdout.write(r.out.join('\n') + '\n');
      if (r.err.length) process.stderr.write(r.err.join('\n') + '\n');
      return r.code;
    }
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(o.command ? `durable-flow: unknown command '${o.command}'\n\n${USAGE}` : USAGE);
      return 2;
  }
}
