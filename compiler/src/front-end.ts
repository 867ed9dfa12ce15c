/**
 * The compiler front end: workflow sources in, the checked project and every diagnostic out.
 * parse -> JSON Schema -> model -> semantic checks. Each file's per-file stages are cached by
 * its text so `--watch` re-checks only what changed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listActivityModules, scanActivities, type ActivityScan } from './activities';
import { buildWorkflow } from './build-model';
import { checkProject, checkWorkflow } from './check-semantics';
import { error, hasErrors, sortDiagnostics, type Diagnostic } from './diagnostics';
import { checkInputSchema } from './input-schema';
import type { Project, Workflow } from './model';
import { parseWorkflowFile, type ParsedFile } from './parse';
import { readProjectFile, treeProblems } from './project-paths';
import { validateSchema } from './validate-schema';
import { resolveVersions, type CreatedVersion } from './versions';
import { readRecordSources } from './versions/records';

export const WORKFLOWS_DIR = 'workflows';

export interface SourceText {
  /** Project-relative path with forward slashes, e.g. `workflows/hello.yaml`. */
  file: string;
  text: string;
}

export interface FrontEndResult {
  project: Project;
  diagnostics: Diagnostic[];
  /** Parsed files by path, for printing source lines under diagnostics. */
  sources: Map<string, string>;
  ok: boolean;
  /** Versions this compile adds to the record (workflows/.versions/); `compile` writes them. */
  created: CreatedVersion[];
}

interface FileResult {
  text: string;
  parsed: ParsedFile;
  workflow?: Workflow;
  diagnostics: Diagnostic[];
}

/** Per-file results keyed by path; an entry is reused while the file's text is unchanged. */
export class FrontEndCache {
  readonly files = new Map<string, FileResult>();
  /** The version records' YAML (workflows/.versions/), checked like workflow files. */
  readonly records = new Map<string, FileResult>();
  activities?: { key: string; scan: ActivityScan };
}

export function checkFile(source: SourceText): FileResult {
  const parsed = parseWorkflowFile(source.file, source.text);
  const diagnostics = [...parsed.diagnostics];
  // The path is quoted in comments of the generated code, one line each.
  if (/[\u0000-\u001f\u007f\u2028\u2029]/.test(source.file)) {
    const at = { line: 1, col: 1 };
    diagnostics.push(error('DF105', 'the file name contains a line break or another control character: rename the file', { file: source.file, start: at, end: at }));
    return { text: source.text, parsed, diagnostics };
  }
  if (!parsed.doc || diagnostics.some((d) => d.severity === 'error')) return { text: source.text, parsed, diagnostics };
  const schemaErrors = validateSchema(parsed.data, parsed.locate);
  diagnostics.push(...schemaErrors);
  if (hasErrors(schemaErrors)) return { text: source.text, parsed, diagnostics };
  const data = parsed.data as Record<string, unknown>;
  if (data.input !== undefined) diagnostics.push(...checkInputSchema(data.input, parsed.locate));
  const built = buildWorkflow(parsed);
  diagnostics.push(...built.diagnostics);
  return { text: source.text, parsed, workflow: built.workflow, diagnostics };
}

/** Pure: checks the given workflow files against the given activity modules. */
export function checkSources(
  root: string,
  workflows: readonly SourceText[],
  activityModules: readonly SourceText[],
  cache = new FrontEndCache(),
  records: readonly SourceText[] = [],
): FrontEndResult {
  const diagnostics: Diagnostic[] = [];
  const results: FileResult[] = [];
  const seen = new Set<string>();
  for (const source of [...workflows].sort((a, b) => a.file.localeCompare(b.file))) {
    seen.add(source.file);
    let r = cache.files.get(source.file);
    if (!r || r.text !== source.text) {
      r = checkFile(source);
      cache.files.set(source.file, r);
    }
    results.push(r);
    diagnostics.push(...r.diagnostics);
  }
  for (const file of [...cache.files.keys()]) if (!seen.has(file)) cache.files.delete(file);

  const activityKey = activityModules.map((m) => `${m.file}\0${m.text}`).join('\0\0');
  if (cache.activities?.key !== activityKey) cache.activities = { key: activityKey, scan: scanActivities(activityModules) };
  const scan = cache.activities.scan;
  diagnostics.push(...scan.diagnostics);

  const project: Project = {
    root,
    workflows: results.flatMap((r) => (r.workflow ? [r.workflow] : [])),
    activities: scan.activities,
  };
  // Semantic checks only see workflows that built; a broken file's errors are already reported.
  diagnostics.push(...checkProject(project));
  const sources = new Map(results.map((r) => [r.parsed.file, r.text]));
  let created: CreatedVersion[] = [];
  // Versions are decided for a project free of errors (compiler/src/versions/).
  if (!hasErrors(diagnostics) && results.every((r) => r.workflow !== undefined)) {
    const seenRecords = new Set(records.map((r) => r.file));
    for (const file of [...cache.records.keys()]) if (!seenRecords.has(file)) cache.records.delete(file);
    const checkRecord = (source: SourceText): FileResult => {
      let r = cache.records.get(source.file);
      if (!r || r.text !== source.text) {
        r = checkFile(source);
        cache.records.set(source.file, r);
      }
      return r;
    };
    const versions = resolveVersions(project, sources, records, checkRecord, (model) => checkWorkflow(model, project));
    project.versions = versions.versions;
    project.appVersion = versions.appVersion;
    created = versions.created;
    diagnostics.push(...versions.diagnostics);
    for (const [file, text] of versions.sources) sources.set(file, text);
  }
  const sorted = sortDiagnostics(dedupe(diagnostics));
  return {
    project,
    diagnostics: sorted,
    sources,
    ok: !hasErrors(sorted) && results.every((r) => r.workflow !== undefined),
    created,
  };
}

function dedupe(list: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const key = `${d.span.file}:${d.span.start.line}:${d.span.start.col}:${d.code}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Reads `workflows/*.yaml`, the activity modules and the version record of a project from disk,
 * after checking that nothing under workflows/ is a symbolic link or a special file (DF007:
 * `problems`, and nothing is read then).
 */
export function readSources(root: string): { workflows: SourceText[]; activities: SourceText[]; records: SourceText[]; problems: Diagnostic[] } {
  const problems = treeProblems(root, WORKFLOWS_DIR);
  if (problems.length) return { workflows: [], activities: [], records: [], problems };
  const dir = path.join(root, WORKFLOWS_DIR);
  const names = fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile() && /\.ya?ml$/.test(e.name)).map((e) => e.name).sort() : [];
  const read = (file: string): SourceText => ({ file, text: readProjectFile(root, file) });
  return {
    workflows: names.map((n) => read(`${WORKFLOWS_DIR}/${n}`)),
    activities: listActivityModules(root).map(read),
    records: readRecordSources(root),
    problems: [],
  };
}

export function checkProjectDir(root: string, cache?: FrontEndCache): FrontEndResult {
  const { workflows, activities, records, problems } = readSources(root);
  if (problems.length) return { project: { root, workflows: [], activities: new Map() }, diagnostics: problems, sources: new Map(), ok: false, created: [] };
  return checkSources(root, workflows, activities, cache, records);
}
