/**
 * A laid-out workflow graph as SVG. The same markup serves the status pages (styled by the
 * page's stylesheet, which colours each node by its `data-state`) and `durable-flow graph
 * --format svg` (standalone: with its own <style>).
 *
 * Each step is a `<g class="node" data-step data-key data-kind>`; containers are drawn first
 * (frames behind their bodies), then the edges, then the other nodes. forEach nodes hold an empty
 * `<text class="count">` the page fills with done/failed/total. waitForEvent nodes are hexagons
 * with an envelope, timers (delay, until) pills with a clock, sub-workflows boxes with double
 * sides, so a wait is visibly different from work.
 */
import { badgeRows, badgeWidth, layoutGraph, METRICS as M, type Layout, type Placed } from './layout';
import type { WorkflowGraph } from './model';

/** Text for SVG/XML character data and attribute values. */
export function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** The stylesheet of a standalone graph (the status pages have their own, with states). */
export const STANDALONE_STYLE = `
.flow-graph{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;background:#fff}
.flow-graph .edge{fill:none;stroke:#8a94a6;stroke-width:1.5}
.flow-graph .shape{fill:#fff;stroke:#5b6b82;stroke-width:1.5}
.flow-graph .frame{fill:#f6f8fb;stroke:#b7c0ce;stroke-width:1.2}
.flow-graph .stack{fill:#eef1f6;stroke:#b7c0ce;stroke-width:1.2}
.flow-graph .kind-waitForEvent .shape{fill:#fff8e6;stroke:#b7791f}
.flow-graph .kind-delay .shape,.flow-graph .kind-until .shape{fill:#eef6ff;stroke:#3973b7}
.flow-graph .kind-fail .shape{fill:#fff1f0;stroke:#c0392b}
.flow-graph .kind-set .shape,.flow-graph .kind-status .shape{fill:#f7f7f7;stroke:#9aa3b2}
.flow-graph .icon{fill:none;stroke:currentColor;stroke-width:1.4}
.flow-graph .title{font-size:13px;font-weight:600;fill:#1f2a3a}
.flow-graph .sub{font-size:11px;fill:#5b6b82}
.flow-graph .badge rect{fill:#e8edf5;stroke:none}
.flow-graph .badge text{font-size:10px;fill:#334155}
.flow-graph .seq-label rect{fill:#fff;stroke:#d5dbe5}
.flow-graph .seq-label text{font-size:11px;fill:#5b6b82}
.flow-graph .terminal rect{fill:#1f2a3a}
.flow-graph .terminal text{font-size:11px;fill:#fff}
.flow-graph .empty{font-size:11px;fill:#9aa3b2;font-style:italic}
.flow-graph .count{font-size:11px;font-weight:600;fill:#1f2a3a}
`;

/** The badges as pills, in the rows the layout measured for this width. */
function badges(list: readonly string[], x: number, y: number, width: number): string {
  return badgeRows(list, width)
    .map((row, r) => {
      let left = x;
      const top = y + r * M.badgeRow;
      return row
        .map((b) => {
          const w = badgeWidth(b);
          const g = `<g class="badge"><rect x="${left}" y="${top}" width="${w}" height="16" rx="8"/><text x="${left + 6}" y="${top + 12}">${xml(b)}</text></g>`;
          left += w + 6;
          return g;
        })
        .join('');
    })
    .join('');
}

/** The outline of a node by its kind. */
function shape(p: Placed): string {
  const { w, h } = p;
  switch (p.node.kind) {
    case 'waitForEvent': {
      const c = 12;
      return `<polygon class="shape" points="${c},0 ${w - c},0 ${w},${h / 2} ${w - c},${h} ${c},${h} 0,${h / 2}"/>`;
    }
    case 'delay':
    case 'until':
      return `<rect class="shape" width="${w}" height="${h}" rx="${Math.round(h / 2)}"/>`;
    case 'workflow':
      return `<rect class="shape" width="${w}" height="${h}" rx="4"/><path class="shape" d="M8 0V${h}M${w - 8} 0V${h}"/>`;
    default:
      return `<rect class="shape" width="${w}" height="${h}" rx="6"/>`;
  }
}

/** A small glyph at the node's top right: an envelope for events, a clock for timers. */
function icon(p: Placed): string {
  const x = p.w - 26;
  if (p.node.kind === 'waitForEvent') return `<g class="icon" transform="translate(${x - 4} 9)"><rect width="14" height="10" rx="1"/><path d="M0 0L7 6L14 0"/></g>`;
  if (p.node.kind === 'delay' || p.node.kind === 'until') return `<g class="icon" transform="translate(${x} 8)"><circle cx="6" cy="6" r="6"/><path d="M6 2.5V6H9"/></g>`;
  return '';
}

function text(p: Placed, x: number, y: number): string {
  const n = p.node;
  return (
    `<text class="title" x="${x}" y="${y + M.padY + 14}">${xml(p.title)}</text>` +
    `<text class="sub" x="${x}" y="${y + M.padY + M.lineTitle + 12}">${xml(n.subtitle)}</text>` +
    (n.badges.length ? badges(n.badges, x, y + M.padY + M.lineTitle + M.lineSub + 2, (p.header !== undefined ? Number.POSITIVE_INFINITY : p.w) - 2 * M.padX) : '')
  );
}

function attributes(p: Placed): string {
  const n = p.node;
  const extra = [
    n.inForEach !== undefined ? ` data-in="${xml(n.inForEach)}"` : '',
    n.progress !== undefined ? ` data-progress="${xml(n.progress)}"` : '',
    n.event !== undefined ? ` data-event="${xml(n.event)}"` : '',
    n.saga !== undefined ? ` data-saga="${xml(n.saga)}"` : '',
  ].join('');
  const container = p.sequences.length ? ' container' : '';
  return `class="node kind-${n.kind}${container}" data-step="${xml(n.step)}" data-key="${xml(n.key)}" data-kind="${n.kind}"${extra} transform="translate(${p.x} ${p.y})"`;
}

function tooltip(p: Placed, file: string): string {
  const n = p.node;
  return `<title>${xml(`${n.step} · ${n.subtitle.split(' · ').pop()} — ${n.title}${n.badges.length ? ` (${n.badges.join(', ')})` : ''} — ${file}:${n.line}`)}</title>`;
}

function nodeSvg(p: Placed, file: string): string {
  const n = p.node;
  const count = n.kind === 'forEach' || n.kind === 'repeat' ? `<text class="count" x="${p.w - M.padX}" y="${M.padY + M.lineTitle + 12}" text-anchor="end"></text>` : '';
  if (p.sequences.length) {
    const stack = n.kind === 'forEach' ? `<rect class="stack" x="5" y="5" width="${p.w}" height="${p.h}" rx="8"/>` : '';
    const empties = p.sequences
      .filter((s) => s.nodes.length === 0)
      .map((s) => `<text class="empty" x="${s.cx - p.x}" y="${s.y - p.y + (s.sequence.label ? M.label : 0) + 15}" text-anchor="middle">no steps</text>`)
      .join('');
    return `<g ${attributes(p)}>${tooltip(p, file)}${stack}<rect class="frame shape" width="${p.w}" height="${p.h}" rx="8"/>${text(p, M.padX, 0)}${count}${empties}</g>`;
  }
  return `<g ${attributes(p)}>${tooltip(p, file)}${shape(p)}${icon(p)}${text(p, M.padX, 0)}${count}</g>`;
}

/** The graph of one workflow as an SVG document (`standalone` adds its own stylesheet). */
export function renderSvg(g: WorkflowGraph, options: { standalone?: boolean; layout?: Layout } = {}): string {
  const l = options.layout ?? layoutGraph(g);
  const containers = l.nodes.filter((p) => p.sequences.length > 0);
  const leaves = l.nodes.filter((p) => p.sequences.length === 0);
  const label = `Workflow ${g.workflow}: ${l.nodes.length} steps`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="flow-graph" data-workflow="${xml(g.workflow)}" viewBox="0 0 ${l.width} ${l.height}" width="${l.width}" height="${l.height}" role="img" aria-label="${xml(label)}">`,
    ...(options.standalone ? [`<style>${STANDALONE_STYLE.trim()}</style>`] : []),
    '<defs><marker id="flow-arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0 0L8 4L0 8z" fill="#8a94a6"/></marker></defs>',
    `<g class="terminal start" transform="translate(${l.start.x} ${l.start.y})"><rect width="${l.start.w}" height="${l.start.h}" rx="15"/><text x="${l.start.w / 2}" y="19" text-anchor="middle">${xml(l.start.text)}</text></g>`,
    ...containers.map((p) => nodeSvg(p, g.file)),
    `<g class="edges">${l.edges.map((e) => `<path class="edge" d="${e.d}"${e.arrow ? ' marker-end="url(#flow-arrow)"' : ''}/>`).join('')}</g>`,
    ...l.labels.map((s) => `<g class="seq-label"><rect x="${Math.round(s.cx - s.w / 2)}" y="${s.y - 12}" width="${s.w}" height="17" rx="8"/><text x="${s.cx}" y="${s.y}" text-anchor="middle">${xml(s.text)}</text></g>`),
    ...leaves.map((p) => nodeSvg(p, g.file)),
    `<g class="terminal end" transform="translate(${l.end.x} ${l.end.y})"><rect width="${l.end.w}" height="${l.end.h}" rx="15"/><text x="${l.end.w / 2}" y="19" text-anchor="middle">end</text></g>`,
    '</svg>',
  ].join('\n') + '\n';
}
