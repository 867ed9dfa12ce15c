/**
 * The committed record of every version of every workflow the app has shipped:
 *
 *     workflows/.versions/<workflow>/versions.json   the versions, what each changed, the sub-workflow versions each calls
 *     workflows/.versions/<workflow>/v<n>.yaml       the YAML of version n, exactly as it was compiled
 *
 * `compile` adds to it (compiler/src/versions/index.ts decides when); `durable-flow versions prune`
 * removes old versions. Commit it with the workflows: it is what lets a later compile keep the
 * code of every version that instances in flight may still run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { error, type Diagnostic, type Span } from '../diagnostics';
import type { SourceText } from '../front-end';
import { readProjectFile, writeProjectFile } from '../project-paths';

export const VERSIONS_DIR = 'workflows/.versions';
export const MANIFEST = 'versions.json';
/**
 * The largest version number a record may hold. The app version (the sum of every workflow's
 * latest) becomes the first part of a System.Version on Azure (`<app>.1`, `<app>.0.<workflow>`),
 * whose parts are 32-bit integers: a version past them would not parse there, and the
 * extension's CurrentOrOlder check would compare versions as text. (100,000 each keeps the sum
 * of up to 21,000 workflows inside them.)
 */
export const MAX_VERSION = 100_000;

export interface VersionEntry {
  version: number;
  /** The record of its YAML, in the workflow's folder (`v<n>.yaml`). */
  file: string;
  /** The version of each sub-workflow it calls. */
  calls: Record<string, number>;
  /** What changed from the version before, in words. */
  changes: string;
}

export interface VersionManifest {
  workflow: string;
  versions: VersionEntry[];
}

export const manifestPath = (workflow: string): string => `${VERSIONS_DIR}/${workflow}/${MANIFEST}`;
export const recordFile = (version: number): string => `v${version}.yaml`;
export const recordPath = (workflow: string, version: number): string => `${VERSIONS_DIR}/${workflow}/${recordFile(version)}`;

/** The workflow folder a record path belongs to (`workflows/.versions/<name>/...`), or undefined. */
export function recordFolder(file: string): string | undefined {
  const m = new RegExp(`^${VERSIONS_DIR.replace('.', '\\.')}/([^/]+)/[^/]+$`).exec(file);
  return m?.[1];
}

export function manifestText(m: VersionManifest): string {
  return JSON.stringify(m, null, 2) + '\n';
}

/** A span at the first occurrence of `needle` in `text` (1:1 when absent). */
function locate(file: string, text: string, needle: string | number): Span {
  const at = typeof needle === 'number' ? needle : Math.max(0, text.indexOf(needle));
  const before = text.slice(0, at).split('\n');
  const start = { line: before.length, col: before[before.length - 1].length + 1 };
  return { file, start, end: start };
}

/** Reads a versions.json; every problem is an error located in it. */
export function parseManifest(source: SourceText, folder: string): { manifest?: VersionManifest; diagnostics: Diagnostic[] } {
  const { file, text } = source;
  const problem = (message: string, needle: string | number = 0): { diagnostics: Diagnostic[] } => ({
    diagnostics: [error('DF602', `${message} (this file is written by \`durable-flow compile\` and \`durable-flow versions prune\`; restore it from version control)`, locate(file, text, needle))],
  });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const pos = /position (\d+)/.exec((e as Error).message);
    return problem(`the version record is not valid JSON: ${(e as Error).message}`, pos ? Number(pos[1]) : 0);
  }
  const m = data as Partial<VersionManifest>;
  if (!m || typeof m !== 'object' || Array.isArray(m)) return problem('the version record must be a JSON object with "workflow" and "versions"');
  if (m.workflow !== folder) return problem(`the version record names workflow ${JSON.stringify(m.workflow)}, but it stands in the folder of '${folder}'`, '"workflow"');
  if (!Array.isArray(m.versions) || m.versions.length === 0) return problem('"versions" must list at least one version', '"versions"');
  let previous = 0;
  for (const v of m.versions as unknown[]) {
    const e = v as Partial<VersionEntry>;
    if (!e || typeof e !== 'object' || !Number.isInteger(e.version) || (e.version as number) < 1 || (e.version as number) > MAX_VERSION) {
      return problem(`every version needs a whole "version" number from 1 to ${MAX_VERSION}`, '"version"');
    }
    const n = e.version as number;
    if (n <= previous) return problem(`versions must be listed in increasing order: ${n} follows ${previous}`, `"version": ${n}`);
    if (e.file !== recordFile(n)) return problem(`version ${n} must be recorded in "${recordFile(n)}"`, `"version": ${n}`);
    if (!e.calls || typeof e.calls !== 'object' || Array.isArray(e.calls) || Object.values(e.calls).some((x) => !Number.isInteger(x) || (x as number) < 1)) {
      return problem(`version ${n}: "calls" must map each sub-workflow it calls to a version number`, `"version": ${n}`);
    }
    if (typeof e.changes !== 'string') return problem(`version ${n}: "changes" must be text`, `"version": ${n}`);
    previous = n;
  }
  return { manifest: { workflow: m.workflow, versions: m.versions as VersionEntry[] }, diagnostics: [] };
}

/** Every file under workflows/.versions/<workflow>/ (manifests and records). */
export function readRecordSources(root: string): SourceText[] {
  const dir = path.join(root, VERSIONS_DIR);
  if (!fs.existsSync(dir)) return [];
  const out: SourceText[] = [];
  for (const folder of fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
    for (const name of fs.readdirSync(path.join(dir, folder)).sort()) {
      if (name !== MANIFEST && !/^v[0-9]+\.ya?ml$/.test(name)) continue;
      const file = `${VERSIONS_DIR}/${folder}/${name}`;
      out.push({ file, text: readProjectFile(root, file) });
    }
  }
  return out;
}

/** Writes files of the record (a temporary file renamed into place, so a crash leaves no half file; never through a link). */
export function writeRecordFiles(root: string, files: ReadonlyArray<{ path: string; text: string }>): void {
  for (const f of files) writeProjectFile(root, f.path, f.text);
}
