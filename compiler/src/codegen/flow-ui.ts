/**
 * The status pages' part of generated/: `flow-ui/pages.ts` registers the page, its assets and its
 * API (runtime/flow/pages.ts); `flow-ui/workflows.json` holds what the page shows of each
 * workflow (trigger, events, a sample input, the graph laid out as SVG); `flow-ui/assets.json`
 * holds the page's script and stylesheet, built from compiler/ui/ (the script transpiled from
 * TypeScript). JSON, because the app's build (tsc) copies imported JSON into dist/, so the app
 * needs no file of its own at run time, on Azure as locally.
 *
 * The folder is `flow-ui`: a workflow may be named `flow`, never `flow-ui`, so the two never meet.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StructureKind, ts, type StatementStructures, type WriterFunction } from 'ts-morph';
import { allNodes, buildGraph } from '../graph/model';
import { renderSvg } from '../graph/svg';
import { makeAjv } from '../input-schema';
import type { AuthLevel, Project, Value, Workflow, WorkflowVersion } from '../model';
import { packageRoot } from '../package/root';
import { literal } from './values';

/** Where the page's sources are (compiler/ui/, shipped with the compiler, read at compile time). */
export const UI_DIR = path.join(packageRoot(), 'compiler', 'ui');

export const FLOW_UI = 'flow-ui';

const RANK: Record<AuthLevel, number> = { anonymous: 0, function: 1, admin: 2 };

/**
 * The key the pages need: that of the strictest workflow, at least `function`. The dashboard
 * shows every workflow's instances (inputs, outputs), so it asks what the strictest of them asks;
 * with only anonymous workflows it still asks for a function key, since it lists everything at once.
 */
export function flowAuthLevel(project: Project): AuthLevel {
  return project.workflows.reduce<AuthLevel>((level, w) => (RANK[w.trigger.http.authLevel] > RANK[level] ? w.trigger.http.authLevel : level), 'function');
}

type Schema = { type?: unknown; default?: unknown; examples?: unknown; properties?: Record<string, Schema>; required?: unknown; minimum?: unknown; enum?: unknown } | boolean | undefined;

/** A start input the page suggests: defaults and examples where the schema has them, else empty values of the right type. */
export function sampleInput(schema: Schema, depth = 0): unknown {
  if (schema === undefined) return {};
  if (typeof schema !== 'object' || schema === null || depth > 4) return null;
  if (schema.default !== undefined) return schema.default;
  if (Array.isArray(schema.examples) && schema.examples.length) return schema.examples[0];
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
      const out: Record<string, unknown> = {};
      for (const k of required) out[k] = sampleInput(schema.properties?.[k] ?? {}, depth + 1);
      return out;
    }
    case 'array':
      return [];
    case 'string':
      return '';
    case 'number':
    case 'integer':
      return typeof schema.minimum === 'number' ? schema.minimum : 0;
    case 'boolean':
      return false;
    default:
      return schema.properties ? sampleInput({ ...schema, type: 'object' }, depth) : null;
  }
}

/**
 * The start input the status pages' form offers (`sample`): the first of the schema's own
 * `examples`, its `default`, and one built from its properties' defaults and examples
 * (sampleInput) that the schema accepts, checked as the app's validator checks a start, so the
 * first click on Start never answers 400. When none passes (a required string with a
 * `minLength` and no example, say), no sample: the form starts empty, with the built one as a
 * placeholder (`inputHint`) showing the shape to fill in.
 */
export function formSample(schema: Schema): { sample?: unknown; inputHint?: unknown } {
  const built = sampleInput(schema);
  if (schema === undefined) return { sample: built };
  const candidates: unknown[] = [];
  if (typeof schema === 'object' && schema !== null) {
    if (Array.isArray(schema.examples)) candidates.push(...schema.examples);
    if (schema.default !== undefined) candidates.push(schema.default);
  }
  candidates.push(built);
  let validate: ((data: unknown) => boolean) | undefined;
  try {
    validate = makeAjv().compile(schema as object);
  } catch {
    // The front end reports a schema ajv cannot compile (DF107); no sample can be checked.
  }
  const valid = validate && candidates.find((c) => validate(c));
  if (valid !== undefined) return { sample: valid };
  // The shape from the properties, not the top-level example or default the schema refused.
  return { inputHint: typeof schema === 'object' && schema !== null ? sampleInput({ ...schema, default: undefined, examples: undefined }) : built };
}

/** A version's graph: its nodes (for the page's states) and its SVG. */
function versionGraph(w: Workflow): { nodes: Array<Record<string, unknown>>; svg: string } {
  const { graph } = buildGraph(w);
  return {
    nodes: allNodes(graph.root).map((n) => ({
      key: n.key,
      step: n.step,
      kind: n.kind,
      ...(n.inForEach !== undefined ? { inForEach: n.inForEach } : {}),
      ...(n.progress !== undefined ? { progress: n.progress } : {}),
      ...(n.event !== undefined ? { event: n.event } : {}),
      ...(n.events !== undefined ? { events: n.events } : {}),
    })),
    svg: renderSvg(graph),
  };
}

/**
 * What the page knows of one workflow (runtime/flow/pages.ts `FlowWorkflow`), with the graph of
 * its latest version and, when it keeps older ones, theirs (an instance is shown on the graph of
 * the version it runs).
 */
export function flowWorkflow(w: Workflow, versions: readonly WorkflowVersion[] = []): Record<string, unknown> {
  const { graph } = buildGraph(w);
  const http = w.trigger.http;
  const latest = versions.at(-1)?.version ?? 1;
  const older = versions.filter((v) => v.version !== latest);
  return {
    name: w.name,
    ...(w.description ? { description: w.description } : {}),
    route: http.route,
    methods: http.methods,
    authLevel: http.authLevel,
    ...(w.trigger.schedule ? { schedule: w.trigger.schedule.cron } : {}),
    trigger: graph.trigger,
    events: graph.events,
    ...formSample(w.inputSchema as Schema),
    ...(w.singleton ? singletonIds(w.singleton.key, w.name) : {}),
    version: latest,
    ...versionGraph(w),
    ...(older.length ? { versions: Object.fromEntries(older.map((v) => [String(v.version), { events: buildGraph(v.workflow).graph.events, ...versionGraph(v.workflow) }])) } : {}),
  };
}

/**
 * A singleton's ids, for the status pages (runtime/flow/listing.ts): one exact id for
 * `singleton: true` (the workflow's name) and a literal key; else the fixed text before the key's
 * first `${ }` as a prefix ('' when the key starts with an expression: the pages scan for it).
 */
export function singletonIds(key: Value | undefined, name: string): { singletonIdPrefix: string; singletonIdExact?: true } {
  if (key === undefined) return { singletonIdPrefix: name, singletonIdExact: true };
  if (key.kind === 'literal' && key.value !== null) return { singletonIdPrefix: String(key.value), singletonIdExact: true };
  if (key.kind === 'template' && typeof key.parts[0] === 'string') return { singletonIdPrefix: key.parts[0] };
  return { singletonIdPrefix: '' };
}

export interface FlowAssetFile {
  type: string;
  hash: string;
  text: string;
}

let assetsMemo: Record<string, FlowAssetFile> | undefined;

function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * The page's script and stylesheet from compiler/ui/ (read once per process): the script is
 * transpiled from TypeScript (types removed, comments kept), with a header naming its source.
 */
export function flowAssets(): Record<string, FlowAssetFile> {
  if (assetsMemo) return assetsMemo;
  const source = fs.readFileSync(path.join(UI_DIR, 'app.ts'), 'utf8');
  const js = ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.ES2020, removeComments: false, newLine: ts.NewLineKind.LineFeed },
    fileName: 'app.ts',
  }).outputText;
  const script = `// Generated by durable-flow from compiler/ui/app.ts: the status pages' script. Do not edit.\n${js}`;
  const css = fs.readFileSync(path.join(UI_DIR, 'app.css'), 'utf8');
  assetsMemo = {
    'app.css': { type: 'text/css; charset=utf-8', hash: hashOf(css), text: css },
    'app.js': { type: 'text/javascript; charset=utf-8', hash: hashOf(script), text: script },
  };
  return assetsMemo;
}

function lines(text: readonly string[]): WriterFunction {
  return (w) => {
    for (const l of text) w.writeLine(l);
  };
}

/** generated/flow-ui/pages.ts: the registrations of the status pages. */
export function flowPagesStatements(project: Project, runtime: string, header: readonly string[]): StatementStructures[] {
  const level = flowAuthLevel(project);
  const registration = (name: string, route: string, authLevel: string, handler: string, client: boolean): string[] => [
    `app.http(${literal(name)}, {`,
    `route: ${literal(route)},`,
    'methods: ["GET"],',
    `authLevel: ${literal(authLevel)},`,
    ...(client ? ['extraInputs: [df.input.durableClient()],'] : []),
    `handler: pages.${handler},`,
    '});',
  ];
  return [
    { kind: StructureKind.ImportDeclaration, namedImports: ['app'], moduleSpecifier: '@azure/functions', leadingTrivia: header.join('\n') + '\n' },
    { kind: StructureKind.ImportDeclaration, namespaceImport: 'df', moduleSpecifier: 'durable-functions' },
    { kind: StructureKind.ImportDeclaration, namespaceImport: 'rt', moduleSpecifier: runtime },
    { kind: StructureKind.ImportDeclaration, defaultImport: 'assets', moduleSpecifier: './assets.json' },
    { kind: StructureKind.ImportDeclaration, defaultImport: 'workflows', moduleSpecifier: './workflows.json' },
    lines([
      '',
      '// The data has its declared type (rt.FlowData), not the one TypeScript infers from the JSON.',
      `const pages = rt.flowPages({ data: rt.flowData(workflows), assets });`,
      '',
      `// The page: /api/flow. It needs the key of the strictest workflow's routes ("${level}"): it shows every workflow's instances.`,
      ...registration('flow-page', 'flow', level, 'page', false),
      '',
      '// Its script and stylesheet: static files, the same for every app, so served without a key.',
      ...registration('flow-assets', 'flow/assets/{name}', 'anonymous', 'asset', false),
      '',
      '// What the page reads besides each workflow\'s own API: graphs, instance lists and counts, replay traces.',
      ...registration('flow-api', 'flow/api/{action}/{a?}/{b?}', level, 'api', true),
    ]) as unknown as StatementStructures,
  ];
}

/** generated/flow-ui/workflows.json and assets.json; `versionsOf` gives each workflow's versions, oldest first. */
export function flowJsonFiles(project: Project, dir: string, versionsOf: (w: Workflow) => readonly WorkflowVersion[] = () => []): Array<{ path: string; text: string }> {
  const workflows = [...project.workflows].sort((a, b) => a.name.localeCompare(b.name)).map((w) => flowWorkflow(w, versionsOf(w)));
  return [
    { path: `${dir}/${FLOW_UI}/assets.json`, text: JSON.stringify(flowAssets(), null, 2) + '\n' },
    { path: `${dir}/${FLOW_UI}/workflows.json`, text: JSON.stringify({ workflows }, null, 2) + '\n' },
  ];
}
