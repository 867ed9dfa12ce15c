/**
 * Lays out a workflow graph top to bottom. A workflow is a structured program (sequences, and
 * containers whose bodies are sequences side by side), so a recursive box layout places it
 * exactly: every sequence is a column of centred nodes, a container's bodies stand next to each
 * other under its header, flow edges fan out from the header and join again under the bodies.
 * No general graph layout (and no dependency) is needed, and the result is deterministic: text
 * widths are estimated from character counts, every coordinate is an integer.
 */
import { clip, type GraphNode, type GraphSequence, type WorkflowGraph } from './model';

export interface Placed {
  node: GraphNode;
  x: number;
  y: number;
  w: number;
  h: number;
  /** The title as it fits the box. */
  title: string;
  /** Containers: the height of the header (title, subtitle, badges) above the bodies. */
  header?: number;
  sequences: PlacedSequence[];
}

export interface PlacedSequence {
  sequence: GraphSequence;
  /** The column's centre and its top (where its label, then its first node, stand). */
  cx: number;
  y: number;
  w: number;
  h: number;
  nodes: Placed[];
}

export interface Layout {
  width: number;
  height: number;
  start: { x: number; y: number; w: number; h: number; text: string };
  end: { x: number; y: number; w: number; h: number; text: string };
  /** Pre-order: a container before what it holds. */
  nodes: Placed[];
  /** Sequence labels (`branch 1`, `if ...`, `catch err`) with their centre and baseline. */
  labels: Array<{ text: string; cx: number; y: number; w: number }>;
  /** Flow edges as SVG path data (orthogonal polylines); `arrow` when it enters a node (not a join). */
  edges: Array<{ d: string; arrow: boolean }>;
}

export const METRICS = {
  /** Average advance of a character: 13px bold titles, 11px subtitles, 10px badges and labels. */
  titleChar: 8.2,
  smallChar: 6.8,
  badgeChar: 6.3,
  leafMinW: 150,
  leafMaxW: 320,
  lineTitle: 20,
  lineSub: 16,
  badgeRow: 20,
  padX: 14,
  padY: 10,
  gapY: 28,
  gapX: 22,
  containerPad: 14,
  label: 22,
  fan: 16,
  emptyH: 22,
  emptyW: 90,
  margin: 16,
  /** Room for a forEach's done/failed/total on its subtitle line. */
  countW: 140,
} as const;

const M = METRICS;

export function badgeWidth(badge: string): number {
  return Math.ceil(badge.length * M.badgeChar) + 12;
}

/** Badges in rows of at most `width` (each row's badges left to right, 6 apart). */
export function badgeRows(badges: readonly string[], width: number): string[][] {
  const rows: string[][] = [];
  let used = 0;
  for (const b of badges) {
    const w = badgeWidth(b);
    if (rows.length === 0 || used + 6 + w > width) {
      rows.push([b]);
      used = w;
    } else {
      rows.at(-1)!.push(b);
      used += 6 + w;
    }
  }
  return rows;
}

/** The node's text block: its width wanted (up to `max` for leaves) and its height with the badge rows that width gives. */
function textBlock(n: GraphNode, max: number): { w: number; h: number } {
  const oneRow = n.badges.reduce((sum, b, i) => sum + badgeWidth(b) + (i ? 6 : 0), 0);
  // a forEach's (or repeat's) subtitle line also holds its count (`998/1000 · 12 failed`, filled in by the pages)
  const count = n.kind === 'forEach' || n.kind === 'repeat' ? M.countW : 0;
  const w = Math.min(max, Math.ceil(Math.max(n.title.length * M.titleChar, n.subtitle.length * M.smallChar + count, oneRow) + 2 * M.padX));
  const rows = badgeRows(n.badges, w - 2 * M.padX).length;
  return { w, h: 2 * M.padY + M.lineTitle + M.lineSub + rows * M.badgeRow };
}

interface Measured {
  node: GraphNode;
  w: number;
  h: number;
  title: string;
  header?: number;
  sequences: MeasuredSequence[];
}

interface MeasuredSequence {
  sequence: GraphSequence;
  w: number;
  h: number;
  nodes: Measured[];
}

function measureSequence(s: GraphSequence): MeasuredSequence {
  const nodes = s.nodes.map(measure);
  const labelW = s.label ? Math.ceil(s.label.length * M.smallChar) + 16 : 0;
  const w = Math.max(M.emptyW, labelW, ...nodes.map((n) => n.w));
  const body = nodes.length === 0 ? M.emptyH : nodes.reduce((sum, n) => sum + n.h, 0) + M.gapY * (nodes.length - 1);
  return { sequence: s, w, h: (s.label ? M.label : 0) + body, nodes };
}

function measure(n: GraphNode): Measured {
  const text = textBlock(n, n.sequences.length ? Number.POSITIVE_INFINITY : M.leafMaxW);
  if (n.sequences.length === 0) {
    const w = Math.min(M.leafMaxW, Math.max(M.leafMinW, text.w));
    const chars = Math.floor((w - 2 * M.padX) / M.titleChar);
    return { node: n, w, h: text.h, title: clip(n.title, chars), sequences: [] };
  }
  const sequences = n.sequences.map(measureSequence);
  const inner = sequences.reduce((sum, s) => sum + s.w, 0) + M.gapX * (sequences.length - 1);
  const w = Math.max(M.leafMinW, text.w, inner + 2 * M.containerPad);
  const header = text.h;
  const h = header + M.fan + Math.max(...sequences.map((s) => s.h)) + M.fan + M.containerPad;
  return { node: n, w, h, title: n.title, header, sequences };
}

/** Path data of an orthogonal line through the points. */
function path(points: Array<[number, number]>): string {
  const [first, ...rest] = points;
  return `M${first[0]} ${first[1]}` + rest.map(([x, y], i) => (x === points[i][0] ? `V${y}` : y === points[i][1] ? `H${x}` : `L${x} ${y}`)).join('');
}

export function layoutGraph(g: WorkflowGraph): Layout {
  const root = measureSequence(g.root);
  const startText = clip(`start · ${g.trigger[0]}`, 60);
  const start = { w: Math.ceil(Math.max(120, startText.length * M.smallChar + 32)), h: 30, text: startText };
  const end = { w: 90, h: 30, text: 'end' };
  const width = Math.max(root.w, start.w, end.w) + 2 * M.margin;
  const cx = Math.round(width / 2);
  const nodes: Placed[] = [];
  const labels: Layout['labels'] = [];
  const edges: Layout['edges'] = [];

  /** Places a sequence's column with its top at `y`, centred on `cx`; returns it (nodes placed). */
  const placeSequence = (m: MeasuredSequence, cx: number, y: number): PlacedSequence => {
    const placed: PlacedSequence = { sequence: m.sequence, cx, y, w: m.w, h: m.h, nodes: [] };
    let top = y;
    if (m.sequence.label) {
      labels.push({ text: m.sequence.label, cx, y: top + 15, w: Math.ceil(m.sequence.label.length * M.smallChar) + 12 });
      top += M.label;
    }
    m.nodes.forEach((n, i) => {
      if (i > 0) edges.push({ d: path([[cx, top - M.gapY], [cx, top]]), arrow: true });
      placed.nodes.push(place(n, cx, top));
      top += n.h + M.gapY;
    });
    return placed;
  };

  /** Places a node centred on `cx` with its top at `y` (its container sequences too). */
  const place = (m: Measured, cx: number, y: number): Placed => {
    const x = Math.round(cx - m.w / 2);
    const p: Placed = { node: m.node, x, y, w: m.w, h: m.h, title: m.title, ...(m.header !== undefined ? { header: m.header } : {}), sequences: [] };
    nodes.push(p);
    if (m.sequences.length === 0) return p;
    const inner = m.sequences.reduce((sum, s) => sum + s.w, 0) + M.gapX * (m.sequences.length - 1);
    let left = Math.round(x + (m.w - inner) / 2);
    const headBottom = y + m.header!;
    const top = headBottom + M.fan;
    const joinY = y + m.h - M.containerPad - Math.round(M.fan / 2);
    const bottomY = y + m.h;
    for (const s of m.sequences) {
      const scx = Math.round(left + s.w / 2);
      const placed = placeSequence(s, scx, top);
      p.sequences.push(placed);
      // Fan out from the header to the column, and in again from the column's foot to the bottom.
      const first = placed.nodes[0];
      const entry = first ? first.y : top + (s.sequence.label ? M.label : 0);
      edges.push({ d: path([[cx, headBottom], [cx, headBottom + Math.round(M.fan / 2)], [scx, headBottom + Math.round(M.fan / 2)], [scx, entry]]), arrow: first !== undefined });
      const last = placed.nodes.at(-1);
      const foot = last ? last.y + last.h : entry + M.emptyH;
      edges.push({ d: path([[scx, foot], [scx, joinY], [cx, joinY], [cx, bottomY]]), arrow: false });
      left += s.w + M.gapX;
    }
    return p;
  };

  const startBox = { x: Math.round(cx - start.w / 2), y: M.margin, ...start };
  const seqTop = startBox.y + start.h + M.gapY;
  const placedRoot = placeSequence(root, cx, seqTop);
  const firstTop = placedRoot.nodes[0]?.y ?? seqTop;
  edges.unshift({ d: path([[cx, startBox.y + start.h], [cx, firstTop]]), arrow: true });
  const last = placedRoot.nodes.at(-1);
  const endY = (last ? last.y + last.h : seqTop) + M.gapY;
  edges.push({ d: path([[cx, last ? last.y + last.h : firstTop], [cx, endY]]), arrow: true });
  const endBox = { x: Math.round(cx - end.w / 2), y: endY, ...end };
  return { width, height: endY + end.h + M.margin, start: startBox, end: endBox, nodes, labels, edges };
}
