/**
 * YAML parsing that keeps a source position for every node, so every later stage can say
 * `workflows/x.yaml:12:7`. Syntax problems (bad YAML, duplicate keys, tabs, anchors) are
 * reported here, located; later stages only see a document that parsed cleanly.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, visit } from 'yaml';
import type { Document, Node, Pair } from 'yaml';
import { error, type Diagnostic, type Position, type Span } from './diagnostics';

export type JsonPath = ReadonlyArray<string | number>;

/** Where a JSON path stands in the YAML; falls back to the nearest existing ancestor. */
export interface Locator {
  key(path: JsonPath): Span;
  value(path: JsonPath): Span;
}

export interface ParsedFile {
  file: string;
  text: string;
  /** undefined when the file did not parse (diagnostics say why). */
  doc?: Document.Parsed;
  /** The document as plain data (for schema validation); undefined when it did not parse. */
  data?: unknown;
  lines: LineCounter;
  locate: Locator;
  diagnostics: Diagnostic[];
}

export function parseWorkflowFile(file: string, text: string): ParsedFile {
  const lines = new LineCounter();
  const diagnostics: Diagnostic[] = [];
  const spanAt = (start: number, end: number): Span => makeSpan(file, lines, start, end);

  const docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, strict: true });
  // The yaml library reports tabs as a generic syntax error; a dedicated message is kinder.
  const tabPattern = /^( *)\t/gm;
  for (let m = tabPattern.exec(text); m; m = tabPattern.exec(text)) {
    const at = m.index + m[1].length;
    diagnostics.push(error('DF003', 'tab character used for indentation: YAML indents with spaces', spanAt(at, at + 1)));
  }

  const list = Array.isArray(docs) ? docs : [];
  const empty: ParsedFile = { file, text, lines, locate: nullLocator(file), diagnostics };
  if (list.length === 0) {
    diagnostics.push(error('DF004', 'the file is empty: a workflow needs at least `dsl: 1` and `steps`', spanAt(0, 0)));
    return empty;
  }
  if (list.length > 1) {
    const second = list[1].range?.[0] ?? 0;
    diagnostics.push(error('DF005', 'a workflow file holds one YAML document; remove the second `---`', spanAt(second, second)));
  }
  const doc = list[0];
  for (const e of doc.errors) {
    const [start, end] = e.pos;
    // Tab errors are already reported with a better message above.
    if (diagnostics.some((d) => d.code === 'DF003' && d.span.start.line === lines.linePos(start).line)) continue;
    if (/Maximum call stack/.test(e.message)) {
      diagnostics.push(error('DF006', `the document nests too deeply to read (at most ${MAX_YAML_DEPTH} levels)`, spanAt(start, end)));
      continue;
    }
    const code = e.code === 'DUPLICATE_KEY' ? 'DF002' : 'DF001';
    diagnostics.push(error(code, describeYamlError(e.code, e.message, keyAt(text, start)), spanAt(start, end)));
  }
  if (doc.errors.length > 0 || diagnostics.some((d) => d.code === 'DF003')) return empty;
  // Every later stage walks the document recursively: bound its depth first, without recursion.
  const deep = deepestNode(doc.contents);
  if (deep) {
    diagnostics.push(error('DF006', `the document nests mappings and lists more than ${MAX_YAML_DEPTH} levels deep: flatten it (move deep step bodies into sub-workflows)`, rangeSpan(file, lines, deep)));
    return empty;
  }

  visit(doc, {
    Alias(_, node) {
      diagnostics.push(error('DF005', `aliases (*${node.source}) are not supported in workflows: write the value out`, rangeSpan(file, lines, node)));
    },
    Node(_, node) {
      if (isAlias(node)) return;
      const n = node as Node & { anchor?: string; tag?: string };
      if (n.anchor) {
        // The node's range starts after its anchor: point at the `&name` itself.
        const start = n.range?.[0] ?? 0;
        const at = text.lastIndexOf(`&${n.anchor}`, start);
        const span = at >= 0 ? spanAt(at, at + n.anchor.length + 1) : rangeSpan(file, lines, n);
        diagnostics.push(error('DF005', `anchors (&${n.anchor}) are not supported in workflows: write the value out`, span));
      }
      if (n.tag && !n.tag.startsWith('tag:yaml.org,2002:')) {
        diagnostics.push(error('DF005', `custom tag ${n.tag} is not supported in workflows`, rangeSpan(file, lines, n)));
      }
    },
  });
  if (!isMap(doc.contents)) {
    diagnostics.push(
      error('DF004', 'a workflow file must be a mapping with `dsl: 1` and `steps`', doc.contents ? rangeSpan(file, lines, doc.contents) : spanAt(0, 0)),
    );
    return empty;
  }
  // Aliases are refused above; resolving them (toJS) could also throw on a missing anchor.
  if (diagnostics.some((d) => d.code === 'DF005')) return empty;
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (e) {
    diagnostics.push(error('DF001', `the document cannot be read as data: ${(e as Error).message}`, rangeSpan(file, lines, doc.contents)));
    return empty;
  }
  return { file, text, doc, data, lines, locate: makeLocator(file, lines, doc), diagnostics };
}

/** The deepest nesting of mappings and sequences a workflow file may have. */
export const MAX_YAML_DEPTH = 64;

/** The first node nested deeper than MAX_YAML_DEPTH, found without recursion. */
function deepestNode(root: unknown): Node | undefined {
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (isMap(node) || isSeq(node)) {
      if (depth > MAX_YAML_DEPTH) return node as Node;
      for (const item of node.items) {
        if (isPair(item)) stack.push([item.key, depth + 1], [item.value, depth + 1]);
        else stack.push([item, depth + 1]);
      }
    }
  }
  return undefined;
}

/** The mapping key starting at `offset` (for duplicate-key messages). */
function keyAt(text: string, offset: number): string {
  return /^\s*(['"]?)([^:'"\n]*)\1\s*:/.exec(text.slice(offset))?.[2]?.trim() ?? '';
}

function describeYamlError(code: string, message: string, excerpt: string): string {
  if (code === 'DUPLICATE_KEY') return `duplicate key '${excerpt}': each key may appear once in a mapping`;
  // The library's messages are good but end with a location we print ourselves.
  return message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '').trim();
}

export function makeSpan(file: string, lines: LineCounter, start: number, end: number): Span {
  return { file, start: position(lines, start), end: position(lines, Math.max(start, end)) };
}

function position(lines: LineCounter, offset: number): Position {
  const { line, col } = lines.linePos(offset);
  return { line, col };
}

export function rangeSpan(file: string, lines: LineCounter, node: { range?: [number, number, number] | null }): Span {
  const [start, end] = node.range ?? [0, 0, 0];
  return makeSpan(file, lines, start, end);
}

function nullLocator(file: string): Locator {
  const at: Span = { file, start: { line: 1, col: 1 }, end: { line: 1, col: 1 } };
  return { key: () => at, value: () => at };
}

/** Walks a parsed document by JSON path; each step remembers the key and value nodes it passed. */
function makeLocator(file: string, lines: LineCounter, doc: Document.Parsed): Locator {
  const walk = (path: JsonPath): { pair?: Pair; node: Node } => {
    let node = doc.contents as Node;
    let pair: Pair | undefined;
    for (const segment of path) {
      if (isMap(node)) {
        const found = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (!found || !found.value) return { pair: found ?? pair, node: found && isScalar(found.key) ? (found.key as Node) : node };
        pair = found;
        node = found.value as Node;
      } else if (isSeq(node) && typeof segment === 'number' && node.items[segment]) {
        pair = undefined;
        node = node.items[segment] as Node;
      } else {
        break;
      }
    }
    return { pair, node };
  };
  return {
    value: (path) => rangeSpan(file, lines, walk(path).node),
    key: (path) => {
      const { pair, node } = walk(path);
      const key = pair && isPair(pair) && isScalar(pair.key) ? pair.key : node;
      return rangeSpan(file, lines, key as Node);
    },
  };
}
