/**
 * What changed between two replay shapes (shape.ts), in words and located in the new file: steps
 * added, removed, moved or changed (and which of their fields), found by matching steps on their
 * id (or kind and name) with a longest common subsequence, list by list, nested lists included.
 */
import type { Span } from '../diagnostics';
import { comparable, type ShapeStep } from './shape';

export interface ShapeChange {
  /** In words, e.g. `added 'extra' before 'gate'`. */
  text: string;
  /** Where the change stands in the new file (a removed step: where it was, next to its old neighbour). */
  span: Span;
  /** Where the step stood in the old version's record, for removed and moved steps. */
  was?: Span;
  /** Set when the change is only the version of the sub-workflow a step calls. */
  child?: { workflow: string; version: number };
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Pairs of indexes of equal keys, in order: a longest common subsequence of the two key lists. */
function matchKeys(a: readonly string[], b: readonly string[]): Array<[number, number]> {
  const n = a.length;
  const m = b.length;
  const len: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) len[i][j] = a[i] === b[j] ? len[i + 1][j + 1] + 1 : Math.max(len[i + 1][j], len[i][j + 1]);
  const pairs: Array<[number, number]> = [];
  for (let i = 0, j = 0; i < n && j < m; ) {
    if (a[i] === b[j]) pairs.push([i++, j++]);
    else if (len[i + 1][j] >= len[i][j + 1]) i++;
    else j++;
  }
  return pairs;
}

function fieldText(value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  const v = value as { literal?: unknown; expr?: string };
  if ('literal' in v) return JSON.stringify(v.literal);
  if (typeof v.expr === 'string') return `\${ ${v.expr} }`;
  return 'another value';
}

/** The fields of a matched pair that differ, as `activity "A" → "B"` (values only when short). */
function fieldChanges(old: ShapeStep, cur: ShapeStep): string[] {
  const names = [...new Set([...Object.keys(old.fields), ...Object.keys(cur.fields)])];
  return names
    .filter((k) => !same(old.fields[k], cur.fields[k]))
    .map((k) => {
      const a = fieldText(old.fields[k]);
      const b = fieldText(cur.fields[k]);
      return a.length + b.length <= 80 && a !== 'another value' ? `${k} ${a} → ${b}` : k;
    });
}

/** Where in `list` a step at `index` stands, in words: `before 'b'`, `after 'a'`, `at the end`. */
function position(list: readonly ShapeStep[], index: number, where: string): string {
  if (index + 1 < list.length) return `before ${list[index + 1].label}${where}`;
  if (index > 0) return `after ${list[index - 1].label}${where}`;
  return `as the only step${where}`;
}

/**
 * The changes from `old` to `cur`. `where` names the list (`` or ` in the body of 'x'`); `parent`
 * locates changes in an emptied list.
 */
export function diffSteps(old: readonly ShapeStep[], cur: readonly ShapeStep[], parent: Span, where = ''): ShapeChange[] {
  const out: ShapeChange[] = [];
  const pairs = matchKeys(
    old.map((s) => s.key),
    cur.map((s) => s.key),
  );
  const matchedOld = new Set(pairs.map(([i]) => i));
  const matchedNew = new Set(pairs.map(([, j]) => j));
  const removed = old.map((s, i) => ({ s, i })).filter(({ i }) => !matchedOld.has(i));
  const added = cur.map((s, j) => ({ s, j })).filter(({ j }) => !matchedNew.has(j));
  // A step with an id that left one place and reappears in another has moved.
  for (const a of [...added]) {
    if (!a.s.key.startsWith('#')) continue;
    const r = removed.find((x) => x.s.key === a.s.key);
    if (!r) continue;
    removed.splice(removed.indexOf(r), 1);
    added.splice(added.indexOf(a), 1);
    out.push({ text: `moved ${a.s.label} ${position(cur, a.j, where)}`, span: a.s.at, was: r.s.at });
    if (!same(comparable(r.s), comparable(a.s))) out.push(...changed(r.s, a.s, where));
  }
  for (const a of added) out.push({ text: `added ${a.s.label} ${position(cur, a.j, where)}`, span: a.s.at });
  for (const r of removed) {
    // Located where it was: next to the step that now follows (or precedes) its old place.
    const next = pairs.find(([i]) => i > r.i);
    const prev = [...pairs].reverse().find(([i]) => i < r.i);
    const span = next ? cur[next[1]].at : prev ? cur[prev[1]].at : parent;
    const place = next ? ` (it stood before ${cur[next[1]].label}${where})` : prev ? ` (it stood after ${cur[prev[1]].label}${where})` : where ? ` (${where.trim()})` : '';
    out.push({ text: `removed ${r.s.label}${place}`, span, was: r.s.at });
  }
  for (const [i, j] of pairs) if (!same(comparable(old[i]), comparable(cur[j]))) out.push(...changed(old[i], cur[j], where));
  return out.sort((x, y) => x.span.start.line - y.span.start.line || x.span.start.col - y.span.start.col);
}

/** A matched step that differs: its own fields, then what changed in its nested lists. */
function changed(old: ShapeStep, cur: ShapeStep, where: string): ShapeChange[] {
  const out: ShapeChange[] = [];
  const fields = fieldChanges(old, cur);
  const differ = Object.keys(cur.fields).filter((k) => !same(old.fields[k], cur.fields[k]));
  if (cur.kind === 'workflow' && differ.length === 1 && differ[0] === 'version') {
    const workflow = String(cur.fields.workflow);
    const version = Number(cur.fields.version);
    out.push({ text: `${cur.label}${where} calls version ${version} of '${workflow}' (was ${String(old.fields.version)})`, span: cur.kindSpan, child: { workflow, version } });
  } else if (fields.length > 0) {
    const first = Object.keys(cur.fields).find((k) => !same(old.fields[k], cur.fields[k]));
    out.push({ text: `changed ${cur.label}${where}: ${fields.join(', ')}`, span: (first && cur.fieldSpans[first]) || cur.kindSpan });
  }
  for (const name of [...new Set([...Object.keys(old.lists), ...Object.keys(cur.lists)])]) {
    const a = old.lists[name] ?? [];
    const b = cur.lists[name] ?? [];
    if (same(a.map(comparable), b.map(comparable))) continue;
    out.push(...diffSteps(a, b, cur.at, ` in the ${name} of ${cur.label}`));
  }
  return out;
}
