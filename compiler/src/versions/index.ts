/**
 * Versions: which versions of each workflow the app keeps, and whether an edit makes a new one.
 *
 * The record (records.ts) holds every version compiled so far. A workflow's latest recorded
 * version is compared with its file by replay shape (shape.ts): when they differ, or when a
 * sub-workflow it calls got a new version, the file becomes the next version (a DF601 warning at
 * each change says so); otherwise the file is the latest version (a cosmetic edit). The first
 * compile of a workflow records its version 1. Older versions are rebuilt from their records with
 * today's compiler and checked against today's activities and workflows, so a version that can no
 * longer run is an error at compile time, located in its record, not at replay.
 *
 * Sub-workflow versions are pinned: each version records the version of every sub-workflow it
 * calls and its steps pass it, so an instance of an old version starts the children it was
 * written against; a new version of a child makes a new version of each caller (callers are
 * resolved after their children: recursion is refused, DF403).
 *
 * Pure: the record's texts in, the versions, what to record and diagnostics out.
 */
import { error, warning, type Diagnostic, type Span } from '../diagnostics';
import type { SourceText } from '../front-end';
import type { Project, Step, Workflow, WorkflowVersion } from '../model';
import { allSteps } from '../partition';
import { diffSteps, type ShapeChange } from './diff';
import { manifestPath, manifestText, parseManifest, recordFile, recordFolder, recordPath, VERSIONS_DIR, type VersionEntry, type VersionManifest } from './records';
import { sameShape, workflowShape } from './shape';

/** A version the compile adds to the record. */
export interface CreatedVersion {
  workflow: string;
  version: number;
  /** What changed, in words (`steps changed: added 'extra' before 'gate'`). */
  changes: string;
  /** The record files to write: the YAML of the version and the updated versions.json. */
  files: Array<{ path: string; text: string }>;
}

export interface VersionsResult {
  versions: Map<string, WorkflowVersion[]>;
  /** The app version: every workflow's latest version added up, those only the record still has included. */
  appVersion: number;
  created: CreatedVersion[];
  diagnostics: Diagnostic[];
  /** The record files read (for source lines under diagnostics). */
  sources: Map<string, string>;
}

/** Checks a record's YAML as a workflow file (the front end's per-file stages). */
export type CheckRecord = (source: SourceText) => { workflow?: Workflow; diagnostics: Diagnostic[] };
/** Checks a rebuilt version against the project (semantic checks). */
export type CheckAgainstProject = (workflow: Workflow) => Diagnostic[];

/** The sub-workflows a workflow's steps call. */
export function calledWorkflows(steps: readonly Step[]): string[] {
  return [...new Set(allSteps(steps).flatMap((s) => (s.kind === 'workflow' ? [s.workflow] : [])))].sort();
}

/** Workflows ordered so every workflow comes after the ones it calls. */
function childrenFirst(workflows: readonly Workflow[]): Workflow[] {
  const byName = new Map(workflows.map((w) => [w.name, w]));
  const out: Workflow[] = [];
  const seen = new Set<string>();
  const visit = (w: Workflow): void => {
    if (seen.has(w.name)) return;
    seen.add(w.name);
    for (const c of calledWorkflows(w.steps)) {
      const child = byName.get(c);
      if (child) visit(child);
    }
    out.push(w);
  };
  for (const w of [...workflows].sort((a, b) => a.name.localeCompare(b.name))) visit(w);
  return out;
}

/** The summary of a new version's changes: step changes, then sub-workflow versions. */
function summary(changes: readonly ShapeChange[]): string {
  const steps = changes.filter((c) => !c.child).map((c) => c.text);
  const children = changes.filter((c) => c.child).map((c) => `sub-workflow '${c.child!.workflow}' is now version ${c.child!.version}`);
  return [...(steps.length ? [`steps changed: ${steps.join('; ')}`] : []), ...[...new Set(children)]].join('; ');
}

const where = (s: Span): string => `${s.file}:${s.start.line}`;

export function resolveVersions(project: Project, texts: ReadonlyMap<string, string>, records: readonly SourceText[], checkRecord: CheckRecord, checkAgainst: CheckAgainstProject): VersionsResult {
  const diagnostics: Diagnostic[] = [];
  const sources = new Map(records.map((r) => [r.file, r.text]));
  // The record, by workflow folder.
  const folders = new Map<string, { manifest?: SourceText; records: Map<string, SourceText> }>();
  for (const r of records) {
    const folder = recordFolder(r.file);
    if (!folder) continue;
    const entry = folders.get(folder) ?? { records: new Map<string, SourceText>() };
    if (r.file.endsWith('/versions.json')) entry.manifest = r;
    else entry.records.set(r.file.slice(r.file.lastIndexOf('/') + 1), r);
    folders.set(folder, entry);
  }
  const manifests = new Map<string, VersionManifest>();
  const names = new Set(project.workflows.map((w) => w.name));
  // The latest versions of workflows that no longer exist still count: the app version never falls.
  let orphaned = 0;
  for (const [folder, entry] of [...folders].sort(([a], [b]) => a.localeCompare(b))) {
    if (!entry.manifest) {
      const first = [...entry.records.values()][0];
      const at = { line: 1, col: 1 };
      diagnostics.push(error('DF602', `${VERSIONS_DIR}/${folder}/ has records but no ${'versions.json'}: restore it from version control`, { file: first.file, start: at, end: at }));
      continue;
    }
    const parsed = parseManifest(entry.manifest, folder);
    diagnostics.push(...parsed.diagnostics);
    if (!parsed.manifest) continue;
    if (!names.has(folder)) {
      orphaned += Math.max(0, ...parsed.manifest.versions.map((v) => v.version));
      const at = { line: 1, col: 1 };
      const kept = parsed.manifest.versions.map((v) => v.version).join(', ');
      diagnostics.push(
        warning(
          'DF603',
          `versions ${kept} of workflow '${folder}' are recorded, but no workflow is named '${folder}' any more: its instances still in flight cannot run. Restore the workflow, or delete ${VERSIONS_DIR}/${folder}/ once none runs`,
          { file: entry.manifest.file, start: at, end: at },
        ),
      );
      continue;
    }
    manifests.set(folder, parsed.manifest);
  }

  const versions = new Map<string, WorkflowVersion[]>();
  const created: CreatedVersion[] = [];
  const latestOf = (name: string): number => versions.get(name)?.at(-1)?.version ?? 1;

  for (const w of childrenFirst(project.workflows)) {
    const manifest = manifests.get(w.name);
    const folder = folders.get(w.name);
    const calls = Object.fromEntries(calledWorkflows(w.steps).map((c) => [c, latestOf(c)]));
    // Each recorded version rebuilt from its YAML; undefined when it no longer builds (reported).
    const kept: Array<{ entry: VersionEntry; model?: Workflow }> = (manifest?.versions ?? []).map((entry) => {
      const record = folder?.records.get(entry.file);
      if (!record) {
        diagnostics.push(error('DF602', `version ${entry.version} of '${w.name}' has no record ${recordPath(w.name, entry.version)}: restore it from version control`, { file: manifestPath(w.name), start: { line: 1, col: 1 }, end: { line: 1, col: 1 } }));
        return { entry };
      }
      const checked = checkRecord(record);
      const context = (d: Diagnostic): Diagnostic => ({ ...d, message: `version ${entry.version} of '${w.name}' (kept for the instances that run it): ${d.message}` });
      diagnostics.push(...checked.diagnostics.filter((d) => d.severity === 'error').map(context));
      if (!checked.workflow) return { entry };
      const model: Workflow = { ...checked.workflow, name: w.name };
      diagnostics.push(...checkAgainst(model).filter((d) => d.severity === 'error').map(context));
      // The sub-workflow versions it calls must still be kept.
      for (const step of allSteps(model.steps)) {
        if (step.kind !== 'workflow') continue;
        const pinned = entry.calls[step.workflow] ?? 1;
        const child = versions.get(step.workflow);
        if (child && !child.some((v) => v.version === pinned)) {
          diagnostics.push(
            error(
              'DF604',
              `version ${entry.version} of '${w.name}' calls version ${pinned} of '${step.workflow}', which is no longer kept (kept: ${child.map((v) => v.version).join(', ')}): prune version ${entry.version} of '${w.name}' first, or restore that version of '${step.workflow}'`,
              step.kindSpan,
            ),
          );
        }
      }
      return { entry, model };
    });

    const list: WorkflowVersion[] = kept.flatMap((k) => (k.model ? [{ version: k.entry.version, workflow: k.model, calls: k.entry.calls, changes: k.entry.changes }] : []));
    const last = kept.at(-1);
    const record = (version: number, changes: string, entries: VersionEntry[]): void => {
      const entry: VersionEntry = { version, file: recordFile(version), calls, changes };
      const text = texts.get(w.file) ?? '';
      created.push({
        workflow: w.name,
        version,
        changes,
        files: [
          { path: recordPath(w.name, version), text },
          { path: manifestPath(w.name), text: manifestText({ workflow: w.name, versions: [...entries, entry] }) },
        ],
      });
      list.push({ version, workflow: w, calls, changes });
    };
    if (!last) record(1, 'first recorded version', []);
    else if (last.model) {
      const before = workflowShape(last.model, last.entry.calls);
      const now = workflowShape(w, calls);
      if (sameShape(before, now)) {
        // A cosmetic edit: the file is the latest version (its comments point at the file).
        list[list.length - 1] = { ...list[list.length - 1], workflow: w };
      } else {
        const next = last.entry.version + 1;
        const changes = diffSteps(before, now, w.nameSpan);
        for (const c of changes) {
          const was = c.was ? ` (in version ${last.entry.version}: ${where(c.was)})` : '';
          diagnostics.push(
            warning('DF601', `this edit changes what instances replay: ${c.text}${was}. It makes version ${next} of '${w.name}'; instances in flight keep the version they started with`, c.span),
          );
        }
        record(next, summary(changes) || 'steps changed', manifest!.versions);
      }
    }
    if (list.length > 0) versions.set(w.name, list);
  }
  const appVersion = orphaned + project.workflows.reduce((sum, w) => sum + latestOf(w.name), 0);
  return { versions, appVersion, created, diagnostics, sources };
}
