/**
 * The workflow graph (compiler/src/graph): one node per step with the names pages and tests use,
 * a layout whose boxes nest and never overlap, SVG with every user string escaped, the same
 * bytes every time.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkProjectDir, checkSources } from '../../compiler/src/front-end';
import { layoutGraph, type Placed } from '../../compiler/src/graph/layout';
import { allNodes, buildGraph, isShortcut } from '../../compiler/src/graph/model';
import { renderSvg } from '../../compiler/src/graph/svg';
import { allSteps } from '../../compiler/src/partition';

const repo = path.resolve(__dirname, '../..');
const projects = [repo, path.join(repo, 'test/fixtures/constructs'), path.join(repo, 'test/fixtures/flow')].map((root) => checkProjectDir(root).project);
const workflows = projects.flatMap((p) => p.workflows);

describe('the graph of every example and fixture workflow', () => {
  it('has a node per step (a forEach shortcut is one node), addressed by id or YAML path', () => {
    expect(workflows.length).toBeGreaterThanOrEqual(10);
    for (const w of workflows) {
      const { graph, byStep } = buildGraph(w);
      const nodes = allNodes(graph.root);
      const steps = allSteps(w.steps);
      const shortcutCalls = steps.filter((s) => s.kind === 'forEach' && isShortcut(s)).length;
      // A saga's undo is a badge on its step, not nodes of its own.
      const undoSteps = steps.filter((s) => s.compensate).flatMap((s) => allSteps(s.compensate!.steps)).length;
      expect(nodes.length, w.name).toBe(steps.length - shortcutCalls - undoSteps);
      expect(byStep.size, w.name).toBe(nodes.length);
      for (const [step, n] of byStep) expect(n.step, `${w.name} line ${n.line}`).toMatch(step.id ? new RegExp(`^${step.id}$`) : /^steps\[\d+\](\.(steps|parallel|switch|try|catch|else|repeat)(\[\d+\])?)*$/);
      expect(new Set(nodes.map((n) => n.key)).size).toBe(nodes.length);
      expect(new Set(nodes.map((n) => n.step)).size).toBe(nodes.length);
    }
  });

  it('lays boxes out inside their containers, apart from each other, inside the drawing', () => {
    for (const w of workflows) {
      const l = layoutGraph(buildGraph(w).graph);
      const inside = (a: Placed, b: { x: number; y: number; w: number; h: number }): boolean => a.x >= b.x && a.y >= b.y && a.x + a.w <= b.x + b.w && a.y + a.h <= b.y + b.h;
      const apart = (a: Placed, b: Placed): boolean => a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
      for (const p of l.nodes) {
        expect(inside(p, { x: 0, y: 0, w: l.width, h: l.height }), `${w.name} ${p.node.key}`).toBe(true);
        for (const s of p.sequences) {
          for (const c of s.nodes) expect(inside(c, p), `${w.name}: ${c.node.key} inside ${p.node.key}`).toBe(true);
          for (const [i, a] of s.nodes.entries()) for (const b of s.nodes.slice(i + 1)) expect(apart(a, b), `${w.name}: ${a.node.key} / ${b.node.key}`).toBe(true);
        }
        for (const [i, a] of p.sequences.entries()) for (const b of p.sequences.slice(i + 1)) expect(a.cx + a.w / 2 <= b.cx - b.w / 2, `${w.name}: bodies of ${p.node.key}`).toBe(true);
      }
    }
  });

  it('draws waits unlike work: events as hexagons, timers as pills, sub-workflows with double sides; maxParallel and retry on the node', () => {
    const orders = renderSvg(buildGraph(workflows.find((w) => w.name === 'processOrders')!).graph);
    expect(orders).toMatch(/<g class="node kind-forEach" data-step="charges" data-key="2" data-kind="forEach" data-progress="charges"[^>]*>.*max 5 at once.*retry ×3/);
    expect(orders).toMatch(/data-step="greeting"[^>]*>.*<path class="shape" d="M8 0V/);
    const approval = renderSvg(buildGraph(workflows.find((w) => w.name === 'approval')!).graph);
    expect(approval).toMatch(/data-kind="waitForEvent" data-event="Approval"[^>]*><title>[^<]*<\/title><polygon class="shape"/);
    const report = renderSvg(buildGraph(workflows.find((w) => w.name === 'customerReport')!).graph);
    expect(report).toMatch(/data-kind="delay"[^>]*><title>[^<]*<\/title><rect class="shape" width="\d+" height="(\d+)" rx="(\d+)"/);
  });

  it('escapes every user string and gives the same bytes every time', () => {
    const yaml = `dsl: 1
description: "</svg><script>alert(1)</script>"
steps:
  - status: "<img src=x onerror=alert(1)> & \\" ' \${ input.a }"
  - switch:
      - if: \${ input.a < 1 && input.b > 2 }
        steps: [ { set: { x: 1 } } ]
`;
    const front = checkSources(repo, [{ file: 'workflows/evil.yaml', text: yaml }], []);
    expect(front.diagnostics).toEqual([]);
    const svg = renderSvg(buildGraph(front.project.workflows[0]).graph, { standalone: true });
    expect(svg).not.toMatch(/<(script|img)/);
    expect(svg).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; &quot; &#39;');
    expect(svg).toContain('if input.a &lt; 1 &amp;&amp; input.b &gt; 2');
    expect(svg.match(/<svg/g)).toHaveLength(1);
    expect(renderSvg(buildGraph(front.project.workflows[0]).graph, { standalone: true })).toBe(svg);
  });
});
