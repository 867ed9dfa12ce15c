/**
 * Regular expressions a workflow writes (regex literals in expressions, `pattern` and
 * `patternProperties` in an input schema) run in the host's event loop, where one pattern that
 * backtracks catastrophically on a hostile string stalls every instance. This module refuses,
 * at compile time, the shapes that make a backtracking engine exponential:
 *
 * - a quantifier that can repeat (`*`, `+`, `{n,m}` with m > 1) around a part whose length
 *   varies (a nested `*`, `+`, `?`, `{n,m}`: star height above 1, as in `(a+)+`, `(\w+\s?)*`);
 * - a repetition around an alternation whose alternatives can start alike (`(a|ab)*`, `(\w|\d)+`).
 *
 * Either is allowed when it cannot blow up:
 *
 * - the repeated part is *fenced*: it begins or ends with one mandatory character that no varying
 *   part inside it can match, the varying parts cannot match each other's characters, and its
 *   alternatives start differently (`(-[a-z]+)*`, `(,\s*\w+)*`, `(\d{1,3}\.){3}`); each repetition
 *   then starts (or ends) at a place the text decides, and splits its own text one way only;
 * - or every count is bounded and the number of ways to split a text stays under
 *   {@link MAX_BRANCHING} (`(a?){3}`).
 *
 * The analysis is conservative: it may refuse a pattern that is in fact safe (rewrite it, or
 * split the text first), never the other way round for these shapes. Polynomial backtracking
 * (`\s*\s*$`, `.*.*=`) is not refused here.
 */

type Range = readonly [number, number];
/** Code points as sorted, disjoint, non-adjacent ranges. */
type CharSet = readonly Range[];

interface Span {
  start: number;
  end: number;
}

type RegexNode =
  | (Span & { type: 'char'; set: CharSet })
  | (Span & { type: 'seq'; items: RegexNode[] })
  | (Span & { type: 'alt'; alternatives: RegexNode[] })
  | (Span & { type: 'group'; body: RegexNode; lookaround: boolean })
  | (Span & { type: 'quant'; body: RegexNode; min: number; max: number })
  | (Span & { type: 'assert' })
  | (Span & { type: 'backref' });

type Quant = Extract<RegexNode, { type: 'quant' }>;
type Alt = Extract<RegexNode, { type: 'alt' }>;

export interface RegexProblem {
  /** `syntax`: the engine refuses it; `catastrophic`: it can backtrack exponentially; `limit`: too large to check. */
  kind: 'syntax' | 'catastrophic' | 'limit';
  message: string;
  /** Offsets into the pattern (not counting a literal's leading `/`). */
  start: number;
  end: number;
}

/** Bounded repetitions may split a text at most this many ways. */
export const MAX_BRANCHING = 1024;
/** Patterns longer than this are refused (they are checked in time roughly proportional to length × nesting). */
export const MAX_PATTERN_LENGTH = 2000;
/** Groups nested deeper than this are refused. */
export const MAX_GROUP_DEPTH = 32;

const MAX_CODE_POINT = 0x10ffff;
const ANY: CharSet = [[0, MAX_CODE_POINT]];
const EMPTY: CharSet = [];
const DIGIT: CharSet = [[0x30, 0x39]];
const WORD: CharSet = [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]];
const SPACE: CharSet = normalize([
  [0x09, 0x0d], [0x20, 0x20], [0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200a], [0x2028, 0x2029], [0x202f, 0x202f], [0x205f, 0x205f],
  [0x3000, 0x3000], [0xfeff, 0xfeff],
]);
const LINE_TERMINATORS: CharSet = normalize([[0x0a, 0x0a], [0x0d, 0x0d], [0x2028, 0x2029]]);

function normalize(ranges: readonly Range[]): CharSet {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const [lo, hi] of sorted) {
    const top = out[out.length - 1];
    if (top && lo <= top[1] + 1) top[1] = Math.max(top[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

function union(...sets: CharSet[]): CharSet {
  return normalize(sets.flat());
}

function complement(set: CharSet): CharSet {
  const out: Array<[number, number]> = [];
  let next = 0;
  for (const [lo, hi] of set) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return out;
}

function intersects(a: CharSet, b: CharSet): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i][1] < b[j][0]) i++;
    else if (b[j][1] < a[i][0]) j++;
    else return true;
  }
  return false;
}

const single = (cp: number): CharSet => [[cp, cp]];

/** Adds the other case of every letter (the `i` flag), with the non-ASCII folds of k, s and å. */
function fold(set: CharSet): CharSet {
  const extra: Range[] = [];
  const has = (cp: number): boolean => set.some(([lo, hi]) => lo <= cp && cp <= hi);
  for (const [lo, hi] of set) {
    if (hi - lo > 1000) continue; // a range this wide is treated as it stands
    for (let cp = lo; cp <= hi; cp++) {
      for (const variant of [String.fromCodePoint(cp).toLowerCase(), String.fromCodePoint(cp).toUpperCase()]) {
        const v = variant.codePointAt(0)!;
        if (variant.length === String.fromCodePoint(v).length) extra.push([v, v]);
      }
    }
  }
  for (const [a, b, special] of [[0x6b, 0x4b, 0x212a], [0x73, 0x53, 0x17f], [0xe5, 0xc5, 0x212b]]) {
    if (has(a) || has(b) || has(special)) extra.push([a, a], [b, b], [special, special]);
  }
  return union(set, extra);
}

class Parser {
  i = 0;
  constructor(
    readonly src: string,
    readonly unicode: boolean,
    readonly icase: boolean,
    readonly dotAll: boolean,
  ) {}

  parse(): RegexNode {
    return this.alternation();
  }

  private alternation(): RegexNode {
    const start = this.i;
    const alternatives = [this.sequence()];
    while (this.src[this.i] === '|') {
      this.i++;
      alternatives.push(this.sequence());
    }
    return alternatives.length === 1 ? alternatives[0] : { type: 'alt', alternatives, start, end: this.i };
  }

  private sequence(): RegexNode {
    const start = this.i;
    const items: RegexNode[] = [];
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') {
      const atomStart = this.i;
      const atom = this.atom();
      const q = this.quantifier();
      items.push(q ? { type: 'quant', body: atom, min: q.min, max: q.max, start: atomStart, end: this.i } : atom);
    }
    return { type: 'seq', items, start, end: this.i };
  }

  private quantifier(): { min: number; max: number } | undefined {
    const c = this.src[this.i];
    let q: { min: number; max: number } | undefined;
    if (c === '*') q = { min: 0, max: Infinity };
    else if (c === '+') q = { min: 1, max: Infinity };
    else if (c === '?') q = { min: 0, max: 1 };
    if (q) this.i++;
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i, this.i + 40));
      if (m) {
        const min = Number(m[1]);
        q = { min, max: m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]) };
        this.i += m[0].length;
      }
    }
    if (q && this.src[this.i] === '?') this.i++; // lazy: the same number of ways to try
    return q;
  }

  private char(set: CharSet, start: number): RegexNode {
    return { type: 'char', set: this.icase ? fold(set) : set, start, end: this.i };
  }

  private atom(): RegexNode {
    const start = this.i;
    const c = this.src[this.i];
    switch (c) {
      case '(': {
        this.i++;
        let lookaround = false;
        if (this.src.startsWith('?:', this.i)) this.i += 2;
        else if (this.src.startsWith('?=', this.i) || this.src.startsWith('?!', this.i)) {
          this.i += 2;
          lookaround = true;
        } else if (this.src.startsWith('?<=', this.i) || this.src.startsWith('?<!', this.i)) {
          this.i += 3;
          lookaround = true;
        } else if (this.src.startsWith('?<', this.i)) {
          const close = this.src.indexOf('>', this.i);
          this.i = close < 0 ? this.src.length : close + 1;
        }
        const body = this.alternation();
        if (this.src[this.i] === ')') this.i++;
        return { type: 'group', body, lookaround, start, end: this.i };
      }
      case '[':
        return this.charClass();
      case '.':
        this.i++;
        return this.char(this.dotAll ? ANY : complement(LINE_TERMINATORS), start);
      case '^':
      case '$':
        this.i++;
        return { type: 'assert', start, end: this.i };
      case '\\': {
        const e = this.escape(false);
        if (e === 'assert') return { type: 'assert', start, end: this.i };
        if (e === 'backref') return { type: 'backref', start, end: this.i };
        return this.char(e, start);
      }
      default:
        return this.char(single(this.codePoint()), start);
    }
  }

  private codePoint(): number {
    const cp = this.unicode ? this.src.codePointAt(this.i)! : this.src.charCodeAt(this.i);
    this.i += cp > 0xffff ? 2 : 1;
    return cp;
  }

  private charClass(): RegexNode {
    const start = this.i;
    this.i++;
    const negate = this.src[this.i] === '^';
    if (negate) this.i++;
    let set: CharSet = EMPTY;
    while (this.i < this.src.length && this.src[this.i] !== ']') {
      const a = this.classAtom();
      if (this.src[this.i] === '-' && this.i + 1 < this.src.length && this.src[this.i + 1] !== ']') {
        this.i++;
        const b = this.classAtom();
        if (a.single !== undefined && b.single !== undefined && a.single <= b.single) set = union(set, [[a.single, b.single]]);
        else set = union(set, a.set, b.set, single(0x2d));
      } else set = union(set, a.set);
    }
    this.i++; // ]
    const folded = this.icase ? fold(set) : set;
    return { type: 'char', set: negate ? complement(folded) : folded, start, end: this.i };
  }

  private classAtom(): { set: CharSet; single?: number } {
    if (this.src[this.i] === '\\') {
      const e = this.escape(true);
      if (e === 'assert' || e === 'backref') return { set: ANY };
      return e.length === 1 && e[0][0] === e[0][1] ? { set: e, single: e[0][0] } : { set: e };
    }
    const cp = this.codePoint();
    return { set: single(cp), single: cp };
  }

  /** After a backslash: a set of characters, or an assertion (`\b`), or a back-reference. */
  private escape(inClass: boolean): CharSet | 'assert' | 'backref' {
    this.i++; // the backslash
    const c = this.src[this.i++] ?? '';
    const hex = (n: number): number | undefined => {
      const m = new RegExp(`^[0-9a-fA-F]{${n}}`).exec(this.src.slice(this.i, this.i + n));
      if (!m) return undefined;
      this.i += n;
      return parseInt(m[0], 16);
    };
    switch (c) {
      case 'd':
        return DIGIT;
      case 'D':
        return complement(DIGIT);
      case 'w':
        return WORD;
      case 'W':
        return complement(WORD);
      case 's':
        return SPACE;
      case 'S':
        return complement(SPACE);
      case 'b':
        return inClass ? single(8) : 'assert';
      case 'B':
        return inClass ? single(0x42) : 'assert';
      case 'p':
      case 'P':
        if (this.unicode && this.src[this.i] === '{') {
          const close = this.src.indexOf('}', this.i);
          this.i = close < 0 ? this.src.length : close + 1;
          return ANY; // a Unicode property: any character, as far as overlaps go
        }
        return single(c.codePointAt(0)!);
      case 'u': {
        if (this.unicode && this.src[this.i] === '{') {
          const close = this.src.indexOf('}', this.i);
          const cp = parseInt(this.src.slice(this.i + 1, close), 16);
          this.i = close < 0 ? this.src.length : close + 1;
          return Number.isFinite(cp) ? single(cp) : ANY;
        }
        const lead = hex(4);
        if (lead === undefined) return single(0x75);
        if (this.unicode && lead >= 0xd800 && lead <= 0xdbff && this.src.startsWith('\\u', this.i)) {
          const save = this.i;
          this.i += 2;
          const trail = hex(4);
          if (trail !== undefined && trail >= 0xdc00 && trail <= 0xdfff) return single((lead - 0xd800) * 0x400 + (trail - 0xdc00) + 0x10000);
          this.i = save;
        }
        return single(lead);
      }
      case 'x': {
        const v = hex(2);
        return single(v ?? 0x78);
      }
      case 'c': {
        const letter = this.src[this.i];
        if (letter && /[A-Za-z]/.test(letter)) {
          this.i++;
          return single(letter.charCodeAt(0) % 32);
        }
        return single(0x5c);
      }
      case 't':
        return single(9);
      case 'n':
        return single(10);
      case 'v':
        return single(11);
      case 'f':
        return single(12);
      case 'r':
        return single(13);
      case 'k':
        if (!inClass && this.src[this.i] === '<') {
          const close = this.src.indexOf('>', this.i);
          this.i = close < 0 ? this.src.length : close + 1;
          return 'backref';
        }
        return single(0x6b);
      default:
        if (/[1-9]/.test(c)) {
          while (/[0-9]/.test(this.src[this.i] ?? '')) this.i++;
          return inClass ? ANY : 'backref';
        }
        if (c === '0') return inClass ? ANY : single(0);
        this.i--;
        return single(this.codePoint());
    }
  }
}

/** Whether a node can match the empty string. */
function nullable(n: RegexNode): boolean {
  switch (n.type) {
    case 'char':
      return false;
    case 'seq':
      return n.items.every(nullable);
    case 'alt':
      return n.alternatives.some(nullable);
    case 'group':
      return n.lookaround || nullable(n.body);
    case 'quant':
      return n.min === 0 || nullable(n.body);
    case 'assert':
    case 'backref':
      return true;
  }
}

/** The characters a non-empty match of `n` can start with (a superset). */
function first(n: RegexNode): CharSet {
  switch (n.type) {
    case 'char':
      return n.set;
    case 'seq': {
      let out: CharSet = EMPTY;
      for (const item of n.items) {
        out = union(out, first(item));
        if (!nullable(item)) break;
      }
      return out;
    }
    case 'alt':
      return union(...n.alternatives.map(first));
    case 'group':
      return n.lookaround ? EMPTY : first(n.body);
    case 'quant':
      return n.max === 0 ? EMPTY : first(n.body);
    case 'assert':
      return EMPTY;
    case 'backref':
      return ANY;
  }
}

const consumedSets = new WeakMap<RegexNode, CharSet>();

/** Every character `n` can consume (a superset; memoised). */
function consumed(n: RegexNode): CharSet {
  const known = consumedSets.get(n);
  if (known) return known;
  const set = consumedUncached(n);
  consumedSets.set(n, set);
  return set;
}

function consumedUncached(n: RegexNode): CharSet {
  switch (n.type) {
    case 'char':
      return n.set;
    case 'seq':
      return union(...n.items.map(consumed));
    case 'alt':
      return union(...n.alternatives.map(consumed));
    case 'group':
      return n.lookaround ? EMPTY : consumed(n.body);
    case 'quant':
      return consumed(n.body);
    case 'assert':
      return EMPTY;
    case 'backref':
      return ANY;
  }
}

/**
 * The characters each position of a match must come from, as far as the start of `n` fixes them:
 * one set per mandatory single character, then one for whatever comes next (when anything can).
 */
function prefix(n: RegexNode): CharSet[] {
  const items = n.type === 'seq' ? n.items : [n];
  const out: CharSet[] = [];
  for (let k = 0; k < items.length; k++) {
    const item = items[k];
    if (item.type === 'assert' || (item.type === 'group' && item.lookaround)) continue;
    if (item.type === 'char') {
      out.push(item.set);
      continue;
    }
    if (item.type === 'group') {
      const inner = prefix(item.body);
      // A group whose whole body is mandatory characters stands for them; otherwise stop after its start.
      if (isExact(item.body)) {
        out.push(...inner);
        continue;
      }
      out.push(first({ type: 'seq', items: items.slice(k), start: item.start, end: n.end }));
      return out;
    }
    out.push(first({ type: 'seq', items: items.slice(k), start: item.start, end: n.end }));
    return out;
  }
  return out;
}

/** True when `n` matches exactly one sequence of single characters (no choice, no repetition). */
function isExact(n: RegexNode): boolean {
  if (n.type === 'char' || n.type === 'assert') return true;
  if (n.type === 'seq') return n.items.every(isExact);
  if (n.type === 'group') return n.lookaround || isExact(n.body);
  return false;
}

/** Two alternatives are told apart when, at some position both must fill, their characters differ. */
function distinguishablePrefixes(pa: CharSet[], pb: CharSet[]): boolean {
  for (let k = 0; k < Math.min(pa.length, pb.length); k++) if (!intersects(pa[k], pb[k])) return true;
  return false;
}

const ambiguity = new WeakMap<Alt, boolean>();

/** Whether two alternatives can start alike (memoised: a nested alternation is asked once per enclosing repetition). */
function ambiguous(alt: Alt): boolean {
  const known = ambiguity.get(alt);
  if (known !== undefined) return known;
  const prefixes = alt.alternatives.map(prefix);
  let found = false;
  for (let i = 0; i < prefixes.length && !found; i++) {
    for (let j = i + 1; j < prefixes.length && !found; j++) found = !distinguishablePrefixes(prefixes[i], prefixes[j]);
  }
  ambiguity.set(alt, found);
  return found;
}

/** Varying quantifiers and ambiguous alternations inside `n` (not inside lookarounds, which do not backtrack). */
function inside(n: RegexNode, out: { varying: Quant[]; alts: Alt[] }): void {
  switch (n.type) {
    case 'seq':
      for (const i of n.items) inside(i, out);
      return;
    case 'alt':
      if (ambiguous(n)) out.alts.push(n);
      for (const a of n.alternatives) inside(a, out);
      return;
    case 'group':
      if (!n.lookaround) inside(n.body, out);
      return;
    case 'quant':
      if (n.max > n.min) out.varying.push(n);
      inside(n.body, out);
      return;
    default:
      return;
  }
}

function contains(outer: Span, inner: Span): boolean {
  return outer.start <= inner.start && inner.end <= outer.end;
}

/** The repeated part begins or ends with a mandatory character none of its varying parts can match, and splits one way. */
function fenced(body: RegexNode, varying: Quant[], alts: Alt[]): boolean {
  if (alts.length > 0) return false;
  let b = body;
  while (b.type === 'group' && !b.lookaround) b = b.body;
  const items = b.type === 'seq' ? b.items : [b];
  const ends = [items[0], items[items.length - 1]].filter((x): x is Extract<RegexNode, { type: 'char' }> => x?.type === 'char');
  const fence = ends.find((f) => varying.every((v) => !intersects(f.set, consumed(v.body))));
  if (!fence) return false;
  for (let i = 0; i < varying.length; i++) {
    for (let j = i + 1; j < varying.length; j++) {
      const [p, q] = [varying[i], varying[j]];
      if (contains(p, q) || contains(q, p)) continue;
      if (intersects(consumed(p.body), consumed(q.body))) return false;
    }
  }
  return true;
}

/** Why the repetition `q` can backtrack catastrophically, or undefined. */
function repetitionProblem(q: Quant, text: (s: Span) => string): RegexProblem | undefined {
  if (q.max <= 1) return undefined;
  const found = { varying: [] as Quant[], alts: [] as Alt[] };
  inside(q.body, found);
  const { varying, alts } = found;
  if (varying.length === 0 && alts.length === 0) return undefined;
  if (fenced(q.body, varying, alts)) return undefined;
  if (q.max !== Infinity && varying.every((v) => v.max !== Infinity)) {
    const perRepetition = varying.reduce((p, v) => p * (v.max - v.min + 1), 1) * alts.reduce((p, a) => p * a.alternatives.length, 1);
    if (perRepetition ** q.max <= MAX_BRANCHING) return undefined;
  }
  const hint = 'fence each repetition with a character the repeated part cannot match (like (-[a-z]+)*), make alternatives start differently, or split the text first';
  const outer = text(q);
  const unbounded = varying.find((v) => v.max === Infinity);
  if (unbounded) {
    return {
      kind: 'catastrophic',
      message: `nested quantifier: '${text(unbounded)}' repeats inside '${outer}' (star height 2), so a failing match tries exponentially many ways to split the text; ${hint}`,
      start: unbounded.start,
      end: unbounded.end,
    };
  }
  if (varying.length > 0) {
    const v = varying[0];
    return {
      kind: 'catastrophic',
      message: `'${text(v)}' varies in length inside the repetition '${outer}', so a failing match tries exponentially many ways to split the text; ${hint}`,
      start: v.start,
      end: v.end,
    };
  }
  const a = alts[0];
  return {
    kind: 'catastrophic',
    message: `the alternatives of '${text(a)}' can match the same text inside the repetition '${outer}', so a failing match tries exponentially many combinations; ${hint}`,
    start: a.start,
    end: a.end,
  };
}

/** Deepest group nesting, counted without parsing (brackets in classes and escapes skipped). */
function groupDepth(src: string): { depth: number; at: number } {
  let depth = 0;
  let max = 0;
  let at = 0;
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') {
      depth++;
      if (depth > max) [max, at] = [depth, i];
    } else if (c === ')') depth = Math.max(0, depth - 1);
  }
  return { depth: max, at };
}

/**
 * Checks a pattern as the engine will compile it (`new RegExp(source, flags)`): syntax, size, and
 * the shapes that backtrack catastrophically. Returns the first problem, located in `source`.
 */
export function regexProblem(source: string, flags: string): RegexProblem | undefined {
  if (source.length > MAX_PATTERN_LENGTH) {
    return { kind: 'limit', message: `the pattern is longer than ${MAX_PATTERN_LENGTH} characters`, start: MAX_PATTERN_LENGTH, end: source.length };
  }
  const nesting = groupDepth(source);
  if (nesting.depth > MAX_GROUP_DEPTH) {
    return { kind: 'limit', message: `the pattern nests groups more than ${MAX_GROUP_DEPTH} deep`, start: nesting.at, end: nesting.at + 1 };
  }
  try {
    new RegExp(source, flags);
  } catch (e) {
    return { kind: 'syntax', message: `invalid regular expression: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`, start: 0, end: source.length };
  }
  const tree = new Parser(source, /[uv]/.test(flags), flags.includes('i'), flags.includes('s')).parse();
  const text = (s: Span): string => {
    const t = source.slice(s.start, s.end);
    return t.length > 40 ? `${t.slice(0, 37)}...` : t;
  };
  let problem: RegexProblem | undefined;
  const visit = (n: RegexNode): void => {
    if (problem) return;
    if (n.type === 'quant') problem = repetitionProblem(n, text);
    if (problem) return;
    if (n.type === 'seq') n.items.forEach(visit);
    else if (n.type === 'alt') n.alternatives.forEach(visit);
    else if (n.type === 'group' || n.type === 'quant') visit(n.body);
  };
  visit(tree);
  return problem;
}
