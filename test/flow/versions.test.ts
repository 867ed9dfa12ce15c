/**
 * The status pages and workflow versions: an instance is shown on the graph of the version it
 * runs, so the app carries the graph of every version it keeps, and each version's generated
 * code marks its steps with the keys of its own graph. Compiled in memory, as
 * test/compiler/versions.test.ts does (the record is a map of files).
 */
import { HttpRequest } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { generateProject } from '../../compiler/src/codegen';
import { checkSources, type SourceText } from '../../compiler/src/front-end';
import { flowPages, type FlowAsset, type FlowData } from '../../runtime/flow/pages';

const ACTIVITIES: SourceText[] = [{ file: 'workflows/activities/work.ts', text: 'export function Work(x: unknown) { return x; }\n' }];
const V1 = `dsl: 1
steps:
  - id: check
    activity: Work
  - id: gate
    waitForEvent: Go
`;
// Version 2 asks first, then waits for another event.
const V2 = `dsl: 1
steps:
  - id: ask
    activity: Work
  - id: check
    activity: Work
  - id: gate
    waitForEvent: Ready
`;

function compile(): Record<string, string> {
  const records = new Map<string, string>();
  const run = (yaml: string): ReturnType<typeof checkSources> => {
    const front = checkSources('/p', [{ file: 'workflows/order.yaml', text: yaml }], ACTIVITIES, undefined, [...records].map(([file, text]) => ({ file, text })));
    expect(front.ok).toBe(true);
    for (const c of front.created) for (const f of c.files) records.set(f.path, f.text);
    return front;
  };
  run(V1);
  const front = run(V2);
  return Object.fromEntries(generateProject(front.project).map((f) => [f.path, f.text]));
}

describe('a workflow with two versions', () => {
  const files = compile();
  const data = JSON.parse(files['generated/flow-ui/workflows.json']) as FlowData;
  const order = data.workflows.find((w) => w.name === 'order')!;

  it('carries the graph of each version, and each version marks its steps with its own keys', () => {
    expect(order.version).toBe(2);
    expect(order.events).toEqual(['Ready']);
    expect(order.nodes.map((n) => `${n.key} ${n.step}`)).toEqual(['0 ask', '1 check', '2 gate']);
    expect(order.versions?.['1'].events).toEqual(['Go']);
    expect(order.versions?.['1'].nodes.map((n) => `${n.key} ${n.step}`)).toEqual(['0 check', '1 gate']);
    const marks = (file: string): string[] => [...files[file].matchAll(/run\.step\("([\d.]+)"\);/g)].map((m) => m[1]);
    expect(marks('generated/order/v1.ts')).toEqual(['0', '1']);
    expect(marks('generated/order/v2.ts')).toEqual(['0', '1', '2']);
    // v1's step 1 is the wait for Go, v2's step 2 the wait for Ready
    expect(files['generated/order/v1.ts']).toMatch(/run\.step\("1"\);\s*last = yield\* rt\.event\(run, "Go"/);
    expect(files['generated/order/v2.ts']).toMatch(/run\.step\("2"\);\s*last = yield\* rt\.event\(run, "Ready"/);
  });

  it('serves each version’s graph, and the page knows every version’s nodes without their SVG', async () => {
    const pages = flowPages({ data, assets: JSON.parse(files['generated/flow-ui/assets.json']) as Record<string, FlowAsset> });
    const get = (path: string, params: Record<string, string>): Promise<{ status?: number; body?: unknown }> =>
      pages.api(new HttpRequest({ url: `http://localhost/api/flow/api/${path}`, method: 'GET', params }), undefined as never);
    const latest = await get('graph/order', { action: 'graph', a: 'order' });
    const first = await get('graph/order/1', { action: 'graph', a: 'order', b: '1' });
    expect(latest.status).toBe(200);
    expect(String(latest.body)).toContain('data-event="Ready"');
    expect(String(first.body)).toContain('data-event="Go"');
    expect(String(first.body)).not.toContain('data-step="ask"');
    expect((await get('graph/order/7', { action: 'graph', a: 'order', b: '7' })).status).toBe(404);

    const page = await pages.page(new HttpRequest({ url: 'http://localhost/api/flow', method: 'GET' }));
    const inlined = JSON.parse(/<script type="application\/json" id="flow-data">(.*)<\/script>/.exec(String(page.body))![1]) as FlowData;
    const w = inlined.workflows.find((x) => x.name === 'order')!;
    expect(w.versions?.['1'].nodes).toHaveLength(2);
    expect(String(page.body)).not.toContain('<svg');
  });
});
