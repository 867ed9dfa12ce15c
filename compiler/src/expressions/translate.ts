/** Translating a checked expression into the TypeScript of the generated orchestrator. */
import { ts } from 'ts-morph';
import { DATE_FUNCTIONS } from './allowlist';
import { readsMethodName } from './check';
import { isReference, isStepsRoot, parseExpression, withParameters } from './parse';

/**
 * Translates a checked expression to a TypeScript expression, renaming free identifiers per
 * `rename` (a shorthand property `{ now }` becomes `{ now: <rename> }`); property names, object
 * keys and arrow parameters are never renamed, and a parameter shadows a free name in its body.
 * Arrow parameters are annotated `paramType` so the generated code passes noImplicitAny.
 * Comments are dropped at the ends; the result is parenthesised unless it is a primary expression.
 *
 * What the translation adds reaches the runtime through `runtime` (the namespace the generated
 * module imports): keys computed from data are guarded (`obj[rt.key(k)]`, `{ [rt.newKey(k)]: v }`,
 * `Object.fromEntries(rt.entries(list))`). Those names, and the roots of the `rename` replacements
 * (`run` in `run.now()`), must mean the generated code's own: an expression that declares one of
 * them is refused by the checker (DF206), and translating one anyway throws.
 */
export function translateExpression(source: string, rename: Readonly<Record<string, string>>, paramType = 'rt.Json', runtime = 'rt'): string {
  const parsed = parseExpression(source);
  if ('error' in parsed) throw new Error(`cannot translate invalid expression: ${source}`);
  const { expr, file } = parsed;
  const replacement = (name: string): string => {
    const text = rename[name];
    // A replacement like `a ?? b` must not bind to the operators around the name.
    const p = parseExpression(text);
    return 'error' in p || needsParens(p.expr) ? `(${text})` : text;
  };
  const inserted = new Set([runtime, ...Object.values(rename).flatMap((t) => /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(t)?.[0] ?? [])]);
  const renames = (name: string, bound: ReadonlySet<string>): boolean => !bound.has(name) && Object.prototype.hasOwnProperty.call(rename, name);

  /**
   * Text edits: replacements (identifiers), and insertions that open (`rt.key(`) or close (`)`)
   * a wrapper around a node. Insertions at one position nest by the depth of their node: the outer
   * node's opening goes left of the inner's, its closing right of the inner's; closings go left of
   * openings.
   */
  const edits: Array<{ start: number; end: number; text: string; open?: boolean; depth?: number }> = [];
  let depth = 0;
  const open = (at: number, text: string): void => void edits.push({ start: at, end: at, text, open: true, depth });
  const close = (at: number, text: string): void => void edits.push({ start: at, end: at, text, open: false, depth });
  /** `steps` and `vars`: plain objects the generated code makes, whose keys are step ids and variables. */
  const ownObject = (target: ts.Expression, bound: ReadonlySet<string>): boolean =>
    isStepsRoot(target, bound) || (ts.isIdentifier(target) && target.text === 'vars' && !bound.has('vars'));
  const visit = (node: ts.Node, bound: ReadonlySet<string>): void => {
    if (ts.isArrowFunction(node)) {
      const shadowed = [...withParameters(new Set(), node)].find((n) => inserted.has(n));
      if (shadowed) throw new Error(`cannot translate '${source}': it declares '${shadowed}', a name the generated code relies on (the checker refuses this, DF206)`);
      const parenthesised = node.getChildren(file).some((c) => c.kind === ts.SyntaxKind.OpenParenToken);
      for (const p of node.parameters) {
        if (p.type) continue;
        const name = p.name.getText(file);
        const annotated = `${name}: ${p.dotDotDotToken ? `${paramType}[]` : paramType}`;
        edits.push({ start: p.name.getStart(file), end: p.name.getEnd(), text: parenthesised ? annotated : `(${annotated})` });
      }
      visit(node.body, withParameters(bound, node));
      return;
    }
    if (ts.isElementAccessExpression(node) && !ts.isStringLiteralLike(node.argumentExpression) && !ts.isNumericLiteral(node.argumentExpression)) {
      // A key computed from data could name `constructor` or `__proto__` at run time: guard it.
      const arg = node.argumentExpression;
      // `{ gold: 3, silver: 2 }[input.tier]`: TypeScript types the literal and refuses an index it
      // cannot check; the lookup is of data, so type it as data.
      let target: ts.Expression = node.expression;
      while (ts.isParenthesizedExpression(target)) target = target.expression;
      if (ts.isObjectLiteralExpression(target)) {
        open(node.expression.getStart(file), '(');
        close(node.expression.getEnd(), ` as ${paramType})`);
      }
      open(arg.getStart(file), `${runtime}.key(`);
      close(arg.getEnd(), ')');
      wrapChain(node);
    }
    if (readsMethodName(node) && !ownObject((node as ts.PropertyAccessExpression | ts.ElementAccessExpression).expression, bound)) {
      // `page.next` read as data: a function there (a builtin method) is refused when it runs.
      wrapChain(node as ts.PropertyAccessExpression | ts.ElementAccessExpression);
    }
    if (ts.isComputedPropertyName(node) && !ts.isStringLiteralLike(node.expression) && !ts.isNumericLiteral(node.expression)) {
      // `{ [k]: v }`: a key from data could name `__proto__`, or `toJSON`, which JavaScript calls by itself.
      const key = node.expression;
      open(key.getStart(file), `${runtime}.newKey(`);
      close(key.getEnd(), ')');
    }
    if (isFromEntries(node, bound) && node.arguments.length > 0) {
      // The same for the keys of `Object.fromEntries(list)`.
      const list = node.arguments[0];
      open(list.getStart(file), `${runtime}.entries(`);
      close(list.getEnd(), ')');
    }
    // Calls that can ask for a huge value in a few characters: the size is checked before the
    // allocation (runtime/limits.ts), so one expression cannot exhaust the process's memory.
    if (isArrayFrom(node, bound) && node.arguments.length > 0) {
      const source = node.arguments[0];
      open(source.getStart(file), `${runtime}.listSource(`);
      close(source.getEnd(), ')');
    }
    const grows = growingMethod(node);
    if (grows) {
      // `s.repeat(n)` becomes `rt.sized(s, "repeat").repeat(n)`: same shape, `?.` chains included.
      open(grows.receiver.getStart(file), `${runtime}.sized(`);
      close(grows.receiver.getEnd(), `, ${JSON.stringify(grows.method)})`);
    }
    if ((ts.isSpreadElement(node) || ts.isSpreadAssignment(node)) && node.expression) {
      open(node.expression.getStart(file), `${runtime}.spread(`);
      close(node.expression.getEnd(), ')');
    }
    if (ts.isShorthandPropertyAssignment(node)) {
      const name = node.name.text;
      if (renames(name, bound)) edits.push({ start: node.name.getStart(file), end: node.name.getEnd(), text: `${name}: ${rename[name]}` });
      return;
    }
    if (ts.isIdentifier(node) && isReference(node) && !bound.has(node.text) && isDateHelperCall(node)) {
      // `addDuration(t, d)`: the runtime's helper (runtime/dates.ts); the checker allows it only called.
      edits.push({ start: node.getStart(file), end: node.getEnd(), text: `${runtime}.${node.text}` });
      return;
    }
    if (ts.isIdentifier(node) && isReference(node) && renames(node.text, bound)) {
      edits.push({ start: node.getStart(file), end: node.getEnd(), text: replacement(node.text) });
      return;
    }
    depth++;
    ts.forEachChild(node, (c) => visit(c, bound));
    depth--;
  };
  /**
   * A key from data may name a method the target inherits (`s[k]`, k = "match"): the value of the
   * whole member chain around the read (`s[k].x?.y()`, so an optional chain still short-circuits)
   * goes through `rt.notFunction`, so no builtin function becomes a value an expression can store,
   * pass or call under another name (the checker refuses such reads written out).
   */
  const wrapped = new Set<ts.Node>();
  function wrapChain(read: ts.PropertyAccessExpression | ts.ElementAccessExpression): void {
    let top: ts.Node = read;
    let levels = 0;
    while ((ts.isPropertyAccessExpression(top.parent) || ts.isElementAccessExpression(top.parent) || ts.isCallExpression(top.parent)) && top.parent.expression === top) {
      top = top.parent;
      levels++;
    }
    if (wrapped.has(top)) return;
    wrapped.add(top);
    // Outside every other insertion at the chain's ends (half a level above its own node's).
    edits.push({ start: top.getStart(file), end: top.getStart(file), text: `${runtime}.notFunction(`, open: true, depth: depth - levels - 0.5 });
    edits.push({ start: top.getEnd(), end: top.getEnd(), text: ')', open: false, depth: depth - levels - 0.5 });
  }
  visit(expr, new Set());

  // Edit the expression's own range of the wrapped text: leading and trailing comments fall outside it.
  const start = expr.getStart(file);
  let text = file.text.slice(start, expr.getEnd());
  // Right to left. At one position a replacement is applied first (an insertion there goes before
  // it); of insertions, the one applied later lands further left: openings before closings,
  // inner openings before outer ones, outer closings before inner ones.
  const order = (e: (typeof edits)[number]): number => (e.end > e.start ? -1e9 : e.open ? -e.depth! : 1e6 + e.depth!);
  for (const e of edits.sort((a, b) => b.start - a.start || order(a) - order(b))) text = text.slice(0, e.start - start) + e.text + text.slice(e.end - start);
  // An object literal at the very left would read as a block after `=>` or at a statement start.
  return needsParens(expr) || text.startsWith('{') ? `(${text})` : text;
}

/** The callee of a call to a date helper (`durationMs` in `durationMs('5m')`). */
function isDateHelperCall(node: ts.Identifier): boolean {
  return Object.prototype.hasOwnProperty.call(DATE_FUNCTIONS, node.text) && ts.isCallExpression(node.parent) && node.parent.expression === node;
}

/** `Object.fromEntries(...)`, with `Object` the global (not a parameter). */
function isFromEntries(node: ts.Node, bound: ReadonlySet<string>): node is ts.CallExpression {
  if (!ts.isCallExpression(node)) return false;
  const callee = node.expression;
  return ts.isPropertyAccessExpression(callee) && callee.name.text === 'fromEntries' && ts.isIdentifier(callee.expression) &&
    callee.expression.text === 'Object' && !bound.has('Object');
}

/** `Array.from(...)`, with `Array` the global (not a parameter). */
function isArrayFrom(node: ts.Node, bound: ReadonlySet<string>): node is ts.CallExpression {
  if (!ts.isCallExpression(node)) return false;
  const callee = node.expression;
  return ts.isPropertyAccessExpression(callee) && callee.name.text === 'from' && ts.isIdentifier(callee.expression) &&
    callee.expression.text === 'Array' && !bound.has('Array');
}

/** String methods whose result can be far longer than their receiver (runtime/limits.ts sized). */
const GROWING_METHODS: ReadonlySet<string> = new Set(['repeat', 'padStart', 'padEnd']);

/** The receiver and name of a call `x.repeat(...)`, `x?.padStart(...)`, `x["padEnd"](...)`. */
function growingMethod(node: ts.Node): { receiver: ts.Expression; method: string } | undefined {
  if (!ts.isCallExpression(node)) return undefined;
  let callee: ts.Expression = node.expression;
  while (ts.isParenthesizedExpression(callee)) callee = callee.expression;
  const method = ts.isPropertyAccessExpression(callee)
    ? callee.name.text
    : ts.isElementAccessExpression(callee) && ts.isStringLiteralLike(callee.argumentExpression)
      ? callee.argumentExpression.text
      : undefined;
  if (method === undefined || !GROWING_METHODS.has(method)) return undefined;
  return { receiver: (callee as ts.PropertyAccessExpression | ts.ElementAccessExpression).expression, method };
}

/** Operators need parentheses when inlined into a larger expression; primaries do not. */
function needsParens(e: ts.Expression): boolean {
  // `a?.b` inlined before `.c` would extend the optional chain: keep it closed.
  if (ts.isOptionalChain(e)) return true;
  return !(
    ts.isIdentifier(e) ||
    ts.isPropertyAccessExpression(e) ||
    ts.isElementAccessExpression(e) ||
    ts.isCallExpression(e) ||
    ts.isLiteralExpression(e) ||
    ts.isNoSubstitutionTemplateLiteral(e) ||
    ts.isTemplateExpression(e) ||
    ts.isArrayLiteralExpression(e) ||
    ts.isParenthesizedExpression(e) ||
    e.kind === ts.SyntaxKind.TrueKeyword ||
    e.kind === ts.SyntaxKind.FalseKeyword ||
    e.kind === ts.SyntaxKind.NullKeyword
  );
}

/** The step ids an expression reads as `steps.<id>`, sorted (for dependency checks). */
export function referencedSteps(source: string): string[] {
  const parsed = parseExpression(source);
  if ('error' in parsed) return [];
  const ids = new Set<string>();
  const visit = (node: ts.Node, bound: ReadonlySet<string>): void => {
    if (ts.isArrowFunction(node)) return visit(node.body, withParameters(bound, node));
    if (isStepsRoot(node, bound) && ts.isPropertyAccessExpression(node.parent) && node.parent.expression === node) {
      ids.add(node.parent.name.text);
    }
    ts.forEachChild(node, (c) => visit(c, bound));
  };
  visit(parsed.expr, new Set());
  return [...ids].sort();
}
