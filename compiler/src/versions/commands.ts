/**
 * `durable-flow versions [workflow]`: each workflow's recorded versions and what each changed,
 * with the instances the local database still runs on each.
 * `durable-flow versions prune <workflow> --below N [--force]`: removes versions older than N
 * from the record, refusing while the local database has unfinished instances on them (unless
 * --force) or another workflow's kept version calls one of them. Then `compile` regenerates.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WORKFLOWS_DIR, type SourceText } from '../front-end';
import { pathProblem, treeProblems, writeProjectFile } from '../project-paths';
import { instancesInFlight, type InstanceInFlight } from './database';
import { manifestPath, manifestText, parseManifest, readRecordSources, recordFolder, recordPath, VERSIONS_DIR, type VersionManifest } from './records';

export interface CommandOutput {
  out: string[];
  /** Exit status. */
  code: number;
}

/** Every readable versions.json of the project, by workflow; problems as messages. */
function readManifests(root: string): { manifests: Map<string, VersionManifest>; problems: string[] } {
  const manifests = new Map<string, VersionManifest>();
  // Nothing under workflows/ is read or removed through a link (compiler/src/project-paths.ts).
  const links = treeProblems(root, WORKFLOWS_DIR).map((d) => `${d.span.file}:1:1 error ${d.code}: ${d.message}`);
  if (links.length) return { manifests, problems: links };
  const problems: string[] = [];
  for (const source of readRecordSources(root).filter((s: SourceText) => s.file.endsWith('/versions.json'))) {
    const folder = recordFolder(source.file)!;
    const parsed = parseManifest(source, folder);
    for (const d of parsed.diagnostics) problems.push(`${d.span.file}:${d.span.start.line}:${d.span.start.col} error ${d.code}: ${d.message}`);
    if (parsed.manifest) manifests.set(folder, parsed.manifest);
  }
  return { manifests, problems };
}

function inFlightText(list: readonly InstanceInFlight[], limit = 5): string {
  const shown = list.slice(0, limit).map((i) => `'${i.id}'${i.name.endsWith('-partition') ? ' (a forEach slice)' : ''} ${i.status}`);
  return shown.join(', ') + (list.length > limit ? `, and ${list.length - limit} more` : '');
}

export function listVersions(root: string, options: { workflow?: string; db: string }): CommandOutput {
  const { manifests, problems } = readManifests(root);
  const out = [...problems];
  const names = options.workflow ? [options.workflow] : [...manifests.keys()].sort();
  if (options.workflow && !manifests.has(options.workflow)) {
    return { out: [...out, `no versions are recorded for '${options.workflow}' (${VERSIONS_DIR}/${options.workflow}/versions.json): compile the project first`], code: 1 };
  }
  if (names.length === 0) return { out: [...out, `no versions are recorded yet (${VERSIONS_DIR}/): \`durable-flow compile\` records them`], code: problems.length ? 1 : 0 };
  const database = fs.existsSync(options.db) ? path.relative(root, options.db) || options.db : undefined;
  for (const name of names) {
    const m = manifests.get(name)!;
    const running = database ? instancesInFlight(options.db, name) : [];
    const latest = m.versions.at(-1)!.version;
    out.push(`${name} (${VERSIONS_DIR}/${name}/)`);
    for (const v of m.versions) {
      const here = running.filter((i) => i.version === v.version);
      const calls = Object.entries(v.calls).map(([c, n]) => `${c} v${n}`);
      const tags = [v.version === latest ? 'latest' : undefined, calls.length ? `calls ${calls.join(', ')}` : undefined, database ? `${here.length} in flight` : undefined].filter(Boolean);
      out.push(`  v${v.version}  ${v.changes}${tags.length ? `  [${tags.join('; ')}]` : ''}`);
    }
    const unknown = running.filter((i) => !m.versions.some((v) => v.version === i.version));
    if (unknown.length) out.push(`  ! in flight on versions no longer kept: ${inFlightText(unknown)}`);
  }
  out.push(database ? `(instances in flight: ${database})` : `(no local database at ${path.relative(root, options.db) || options.db}: instances in flight not counted)`);
  return { out, code: problems.length ? 1 : 0 };
}

export function pruneVersions(root: string, options: { workflow: string; below: number; force: boolean; db: string }): CommandOutput {
  const { manifests, problems } = readManifests(root);
  if (problems.length) return { out: [...problems, 'prune: fix the version record first'], code: 1 };
  const { workflow, below } = options;
  const m = manifests.get(workflow);
  if (!m) return { out: [`prune: no versions are recorded for '${workflow}' (${manifestPath(workflow)})`], code: 1 };
  const latest = m.versions.at(-1)!.version;
  if (below > latest) return { out: [`prune: --below ${below} would remove the latest version of '${workflow}' (${latest}), which new instances start: the latest version is always kept`], code: 1 };
  const removed = m.versions.filter((v) => v.version < below);
  if (removed.length === 0) return { out: [`prune: '${workflow}' keeps no version below ${below} (versions ${m.versions.map((v) => v.version).join(', ')}): nothing to remove`], code: 0 };
  const gone = new Set(removed.map((v) => v.version));

  // Kept versions of other workflows that start a version about to go.
  const callers: string[] = [];
  for (const [name, other] of manifests) {
    if (name === workflow) continue;
    for (const v of other.versions) {
      const pinned = v.calls[workflow];
      if (pinned !== undefined && gone.has(pinned)) callers.push(`version ${v.version} of '${name}' starts version ${pinned} of '${workflow}'`);
    }
  }
  if (callers.length) {
    return { out: [`prune: refused: ${callers.join('; ')}. Prune those versions of the callers first.`], code: 1 };
  }

  const running = instancesInFlight(options.db, workflow).filter((i) => gone.has(i.version));
  if (running.length && !options.force) {
    return {
      out: [
        `prune: refused: ${running.length} unfinished instance${running.length === 1 ? '' : 's'} of '${workflow}' in ${path.relative(root, options.db) || options.db} run${running.length === 1 ? 's' : ''} a version below ${below}: ${inFlightText(running)}.`,
        'Wait for them to finish (or terminate them), or pass --force: with their version gone they fail at their next episode.',
      ],
      code: 1,
    };
  }
  const kept = m.versions.filter((v) => v.version >= below);
  const problem = pathProblem(root, `${manifestPath(workflow)}.tmp`);
  if (problem) return { out: [`${problem.span.file}: ${problem.message}`], code: 1 };
  for (const v of removed) fs.rmSync(path.join(root, recordPath(workflow, v.version)), { force: true });
  writeProjectFile(root, manifestPath(workflow), manifestText({ workflow, versions: kept }));
  return {
    out: [
      ...(running.length
        ? [
            `prune: --force: ${running.length} unfinished instance${running.length === 1 ? '' : 's'} on the removed versions will fail at their next episode (UnknownVersion, or NonDeterministicOrchestrationException once they have run a step): ${inFlightText(running)}`,
          ]
        : []),
      `${workflow}: removed version${removed.length === 1 ? '' : 's'} ${removed.map((v) => v.version).join(', ')}; kept ${kept.map((v) => v.version).join(', ')}. Run \`durable-flow compile\` to regenerate generated/.`,
    ],
    code: 0,
  };
}
