/**
 * `compile`: front end, code generation, writing `generated/`, then `tsc` into `dist/`.
 * The only compiler stage that touches the file system besides reading sources.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { appVersionOf, generateProject, type GenerateCache } from './codegen';
import { HOST_JSON, updateHostJson } from './host-json';
import { checkProjectDir, type FrontEndCache, type FrontEndResult } from './front-end';
import { writeRecordFiles } from './versions/records';

export const GENERATED_DIR = 'generated';

export interface GeneratedFile {
  path: string;
  text: string;
}

export interface WriteReport {
  written: string[];
  unchanged: string[];
  removed: string[];
}

/**
 * Makes `generated/` hold exactly `files`: writes what changed (so mtimes and watchers stay
 * quiet for the rest) and removes files no workflow produces any more.
 */
export function writeGenerated(root: string, files: readonly GeneratedFile[]): WriteReport {
  const report: WriteReport = { written: [], unchanged: [], removed: [] };
  const wanted = new Set(files.map((f) => f.path));
  for (const f of files) {
    const full = path.join(root, f.path);
    if (fs.existsSync(full) && fs.readFileSync(full, 'utf8') === f.text) {
      report.unchanged.push(f.path);
      continue;
    }
    fs.mkdirSync(path.dirname(full), { recursive: true });
    // Write then rename, so a crash never leaves a half-written file behind.
    fs.writeFileSync(full + '.tmp', f.text);
    fs.renameSync(full + '.tmp', full);
    report.written.push(f.path);
  }
  const dir = path.join(root, GENERATED_DIR);
  const walk = (d: string): void => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      const rel = path.relative(root, full).split(path.sep).join('/');
      if (e.isDirectory()) {
        walk(full);
        if (fs.readdirSync(full).length === 0) fs.rmdirSync(full);
      } else if (!wanted.has(rel)) {
        fs.unlinkSync(full);
        report.removed.push(rel);
      }
    }
  };
  walk(dir);
  return report;
}

export interface CompileResult {
  front: FrontEndResult;
  files: GeneratedFile[];
  write?: WriteReport;
  /** host.json's defaultVersion after the compile, and whether the compile changed it. */
  hostJson?: { defaultVersion: string; changed: boolean };
}

/**
 * Sets host.json's versioning settings for the app version (host-json.ts). Refuses to write
 * through a symbolic link: a host.json pointing elsewhere is someone else's file.
 */
export function writeHostJson(root: string, appVersion: number): { defaultVersion: string; changed: boolean } {
  const file = path.join(root, HOST_JSON);
  const stat = fs.lstatSync(file, { throwIfNoEntry: false });
  if (stat && !stat.isFile()) throw new Error(`${HOST_JSON} is not a plain file (a symbolic link?): durable-flow writes its defaultVersion and will not write through it`);
  const update = updateHostJson(stat ? fs.readFileSync(file, 'utf8') : undefined, appVersion);
  if (!update.ok) throw new Error(update.message);
  if (update.changed) {
    fs.writeFileSync(file + '.tmp', update.text);
    fs.renameSync(file + '.tmp', file);
  }
  return { defaultVersion: update.defaultVersion, changed: update.changed };
}

/**
 * Checks and generates; writes only when the project is free of errors: first the versions this
 * compile adds to the record (workflows/.versions/), then generated/.
 */
export function compileToGenerated(root: string, options: { write: boolean; cache?: FrontEndCache; codegen?: GenerateCache }): CompileResult {
  const front = checkProjectDir(root, options.cache);
  if (!front.ok) return { front, files: [] };
  const files = generateProject(front.project, {}, options.codegen);
  if (!options.write) return { front, files };
  writeRecordFiles(root, front.created.flatMap((c) => c.files));
  const hostJson = writeHostJson(root, appVersionOf(front.project));
  return { front, files, write: writeGenerated(root, files), hostJson };
}

/** Runs the project's TypeScript compiler over the app (generated code, runtime, activities) into dist/. */
export function buildDist(root: string): { ok: boolean; output: string } {
  const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--pretty', 'false'], {
    cwd: root,
    encoding: 'utf8',
  });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}
