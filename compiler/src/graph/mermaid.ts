/**
 * A workflow graph as a Mermaid flowchart, for Markdown (GitHub renders it): one node per step,
 * containers as subgraphs holding one subgraph per body, edges for the flow. Node ids are the
 * graph keys (`n3_1_0`), labels are quoted and escaped, so any step text is safe.
 */
import type { GraphNode, GraphSequence, WorkflowGraph } from './model';

function id(key: string): string {
  return `n${key.replace(/\./g, '_')}`;
}

/** A label in Mermaid's quoted form: `"` and the characters Mermaid reads as markup are entities. */
function label(text: string): string {
  return `"${text.replace(/&/g, '#amp;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;').replace(/[\r\n]+/g, ' ')}"`;
}

function nodeText(n: GraphNode): string {
  const badges = n.badges.length ? `<br/><small>${n.badges.map((b) => b.replace(/[<>]/g, '')).join(' · ')}</small>` : '';
  return `${n.title.replace(/[<>]/g, '')}<br/><small>${n.subtitle.replace(/[<>]/g, '')}</small>${badges}`;
}

/** The node's declaration in the shape of its kind: events hexagons, timers stadiums, sub-workflows subroutines. */
function declare(n: GraphNode): string {
  const text = label(nodeText(n));
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
        out.push(`${indent}subgraph ${me}[${label(nodeText(n))}]`, `${indent}  direction TB`);
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
