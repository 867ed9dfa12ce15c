/**
 * A workflow graph as a Mermaid flowchart, for Markdown (GitHub renders it): one node per step,
 * containers as subgraphs holding one subgraph per body, edges for the flow. Node ids are the
 * graph keys (`n3_1_0`); labels are quoted, with `<`, `>`, `"` and `#` of step text as entity
 * codes, so no step text can add markup or end a label.
 */
import type { GraphNode, GraphSequence, WorkflowGraph } from './model';

function id(key: string): string {
  return `n${key.replace(/\./g, '_')}`;
}

/** User text inside a quoted Mermaid label: `<`, `>`, `"` and `#` as Mermaid's entity codes, so it shows as text, never as markup. */
function plain(text: string): string {
  return text.replace(/#/g, '#35;').replace(/</g, '#lt;').replace(/>/g, '#gt;').replace(/"/g, '#quot;').replace(/[\r\n]+/g, ' ');
}

/** A quoted label; the only markup in it is ours (`<br/>` between lines). */
function label(...lines: string[]): string {
  return `"${lines.map(plain).join('<br/>')}"`;
}

function nodeText(n: GraphNode): string[] {
  return [n.title, [n.subtitle, ...n.badges].join(' · ')];
}

/** The node's declaration in the shape of its kind: events hexagons, timers stadiums, sub-workflows subroutines. */
function declare(n: GraphNode): string {
  const text = label(...nodeText(n));
  switch (n.kind) {
    case 'waitForEvent':
      return `${id(n.key)}{{${text}}}`;
    case 'delay':
    case 'until':
      return `${id(n.key)}([${text}])`;
    case 'workflow':
      return `${id(n.key)}[[${text}]]`;
    default:
      return `${id(n.key)}[${text}]`;
  }
}

export function renderMermaid(g: WorkflowGraph): string {
  const out: string[] = ['flowchart TD', `  start((${label('start')}))`];
  const edges: string[] = [];
  /** Emits a sequence's nodes; returns its entry and exit ids (undefined when it has no steps). */
  const sequence = (s: GraphSequence, indent: string): { first?: string; last?: string } => {
    let prev: string | undefined;
    let first: string | undefined;
    for (const n of s.nodes) {
      const me = id(n.key);
      if (n.sequences.length === 0) out.push(`${indent}${declare(n)}`);
      else {
        out.push(`${indent}subgraph ${me}[${label(...nodeText(n))}]`, `${indent}  direction TB`);
        for (const [i, body] of n.sequences.entries()) {
          const sid = `${me}_s${i}`;
          out.push(`${indent}  subgraph ${sid}[${label(body.label ?? `body ${i + 1}`)}]`);
          const inner = sequence(body, `${indent}    `);
          if (!inner.first) out.push(`${indent}    ${sid}_empty[${label('no steps')}]`);
          out.push(`${indent}  end`);
        }
        out.push(`${indent}end`);
      }
      if (prev) edges.push(`  ${prev} --> ${me}`);
      first ??= me;
      prev = me;
    }
    return { first, last: prev };
  };
  const root = sequence(g.root, '  ');
  out.push(`  finish((${label('end')}))`);
  if (root.first) edges.unshift(`  start --> ${root.first}`);
  edges.push(`  ${root.last ?? 'start'} --> finish`);
  return [...out, ...edges, ''].join('\n');
}
