/**
 * The expression language: `${ }` templates, the safe deterministic subset of JavaScript checked
 * with the TypeScript parser, and translation to TypeScript for the generated orchestrator.
 */
import { ts } from 'ts-morph';
import { error, type Diagnostic, type Span } from './diagnostics';
import {
  ALLOWED_GLOBAL_FUNCTIONS,
  ALLOWED_METHODS,
  ALLOWED_NAMESPACE_MEMBERS,
  FORBIDDEN_PROPERTIES,
  MUTATING_METHODS,
} from './expression-allowlist';
import type { Expression } from './model';
import { didYouMean } from './suggest';

export type TemplatePart = { text: string } | { source: string; offset: number };

/** The names every expression may read. */
export const FIXED_NAMES = ['input', 'steps', 'vars', 'instanceId', 'now', 'workflow'] as const;

/**
 * Splits a YAML string into text and `${ }` parts. The closing `}` is found by scanning the
 * expression as JavaScript (nested braces, strings and template literals count), so
 * `${ {a: 1}.a }` and `${ "}" }` work. `$${` is a literal `${`.
 */
export function splitTemplate(text: string): { parts: TemplatePart[] } | { error: string; offset: number } {
  const parts: TemplatePart[] = [];
  let buf = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      buf += '${';
      i += 3;
      continue;
    }
    if (!text.startsWith('${', i)) {
      buf += text[i++];
      continue;
    }
    const end = findClose(text, i + 2);
    if (end < 0) return { error: "unclosed '${': add the closing '}'", offset: i };
    const inner = text.slice(i + 2, end);
    const lead = inner.length - inner.trimStart().length;
    const source = inner.trim();
    if (source === '') return { error: "empty expression '${ }'", offset: i };
    if (buf) parts.push({ text: buf });
    buf = '';
    parts.push({ source, offset: i + 2 + lead });
    i = end + 1;
  }
  if (buf || parts.length === 0) parts.push({ text: buf });
  return { parts };
}

/** Index of the `}` closing an expression that starts at `from`, or -1. */
function findClose(text: string, from: number): number {
  const stack: string[] = [];
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    const top = stack[stack.length - 1];
    if (top === '"' || top === "'") {
      if (c === '\\') i++;
      else if (c === top) stack.pop();
      continue;
    }
    if (top === '`') {
      if (c === '\\') i++;
      else if (c === '`') stack.pop();
      else if (c === '$' && text[i + 1] === '{') {
        stack.push('${');
        i++;
      }
      continue;
    }
    if (c === '"' || c === "'" || c === '`') stack.push(c);
    else if (c === '{' || c === '(' || c === '[') stack.push(c);
    else if (c === '}') {
      if (stack.length === 0) return i;
      stack.pop();
    } else if (c === ')' || c === ']') stack.pop();
  }
  return -1;
}

export interface ExpressionScope {
  /** Identifiers in scope besides the fixed ones: forEach items and `index`, catch errors, `output` in `result`. */
  locals: readonly string[];
  /** Step ids whose output is visible here. */
  visibleSteps: readonly string[];
  /** Every step id in the file. */
  allSteps: readonly string[];
  /** Singleton key: only `input` may be read. */
  onlyInput?: boolean;
}

/** Parses source as exactly one expression, or returns why not. */
function parseExpression(source: string): { expr: ts.Expression; file: ts.SourceFile } | { error: string; pos: number } {
  // Wrapped in parentheses so an object literal is an expression, not a block.
  const file = ts.createSourceFile('expr.ts', `(${source}\n)`, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const diags = (file as unknown as { parseDiagnostics: ts.DiagnosticWithLocation[] }).parseDiagnostics ?? [];
  if (diags.length > 0) {
    const d = diags[0];
    return { error: ts.flattenDiagnosticMessageText(d.messageText, ' '), pos: Math.max(0, Math.min(source.length, d.start - 1)) };
  }
  const stmt = file.statements[0];
  if (file.statements.length !== 1 || !ts.isExpressionStatement(stmt) || !ts.isParenthesizedExpression(stmt.expression)) {
    return { error: 'expected a single expression', pos: 0 };
  }
  return { expr: stmt.expression.expression, file };
}

/** Span of `length` characters at `offset` within an expression located at `base`. */
function subSpan(base: Span, source: string, offset: number, length: number): Span {
  const at = (o: number): { line: number; col: number } => {
    const before = source.slice(0, o);
    const nl = before.lastIndexOf('\n');
    if (nl < 0) return { line: base.start.line, col: base.start.col + o };
    return { line: base.start.line + before.split('\n').length - 1, col: o - nl };
  };
  return { file: base.file, start: at(offset), end: at(offset + length) };
}

export function checkExpression(expression: Expression, scope: ExpressionScope): Diagnostic[] {
  const out: Diagnostic[] = [];
  const { source, span } = expression;
  const parsed = parseExpression(source);
  if ('error' in parsed) return [error('DF301', `invalid expression: ${parsed.error}`, subSpan(span, source, parsed.pos, 1))];
  const { file } = parsed;
  // Node positions are offsets into `(${source}\n)`: subtract the opening parenthesis.
  const loc = (n: ts.Node): Span => subSpan(span, source, n.getStart(file) - 1, Math.max(1, n.getEnd() - n.getStart(file)));
  const report = (code: Parameters<typeof error>[0], message: string, n: ts.Node): void => void out.push(error(code, message, loc(n)));

  const known = new Set<string>([...FIXED_NAMES, ...scope.locals]);
  const globals = new Set([...ALLOWED_GLOBAL_FUNCTIONS, ...Object.keys(ALLOWED_NAMESPACE_MEMBERS), 'undefined', 'NaN', 'Infinity']);

  const visit = (node: ts.Node, bound: ReadonlySet<string>): void => {
    // Forbidden constructs first: they make the rest meaningless.
    if (
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
      node.operatorToken.kind <= ts.SyntaxKind.LastAssignment
    ) {
      return report('DF303', 'assignment is not allowed in expressions: use a `set` step to assign variables', node);
    }
    if ((ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) &&
      (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken)) {
      return report('DF303', `'${node.operator === ts.SyntaxKind.PlusPlusToken ? '++' : '--'}' assigns and is not allowed in expressions`, node);
    }
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.CommaToken) {
      return report('DF303', 'the comma operator is not allowed in expressions', node);
    }
    if (ts.isNewExpression(node)) {
      const what = ts.isIdentifier(node.expression) && node.expression.text === 'Date' ? ': use `now` for the replay-safe current time' : '';
      return report('DF303', `'new' is not allowed in expressions${what}`, node);
    }
    if (node.kind === ts.SyntaxKind.ThisKeyword) return report('DF303', "'this' is not allowed in expressions", node);
    if (ts.isDeleteExpression(node)) return report('DF303', "'delete' is not allowed in expressions", node);
    if (ts.isVoidExpression(node) || ts.isAwaitExpression(node) || ts.isYieldExpression(node)) {
      return report('DF303', `'${node.getFirstToken(file)?.getText(file)}' is not allowed in expressions`, node);
    }
    if (ts.isFunctionExpression(node) || ts.isClassExpression(node)) {
      return report('DF303', 'functions and classes are not allowed in expressions; an arrow function may be passed to a call', node);
    }
    if (ts.isTaggedTemplateExpression(node)) return report('DF303', 'tagged templates are not allowed in expressions', node);
    if (ts.isRegularExpressionLiteral(node)) return report('DF303', 'regular expressions are not allowed in expressions', node);
    if (ts.isAsExpression(node) || ts.isTypeAssertionExpression(node) || ts.isNonNullExpression(node) || ts.isSatisfiesExpression(node)) {
      return report('DF303', 'TypeScript type syntax is not allowed in expressions', node);
    }
    if (ts.isArrowFunction(node)) {
      if (!node.parent || !ts.isCallExpression(node.parent) || !node.parent.arguments.includes(node)) {
        return report('DF303', 'an arrow function is allowed only as an argument of a call', node);
      }
      if (ts.isBlock(node.body)) return report('DF303', 'an arrow function body must be an expression, not a block', node.body);
      const params = new Set(bound);
      for (const p of node.parameters) {
        if (!ts.isIdentifier(p.name)) return report('DF303', 'destructuring parameters are not allowed in expressions', p);
        params.add(p.name.text);
      }
      return visit(node.body, params);
    }
    if (ts.isIdentifier(node) && node.text === 'Date') {
      return report('DF303', "'Date' is not allowed in expressions: it is not replay-safe; use `now` (the orchestration's current time, ISO string)", node);
    }

    // Property names that open the prototype chain.
    const propName = ts.isPropertyAccessExpression(node)
      ? node.name
      : ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression)
        ? node.argumentExpression
        : undefined;
    if (propName) {
      const text = ts.isIdentifier(propName) || ts.isPrivateIdentifier(propName) ? propName.text : (propName as ts.StringLiteral).text;
      if (FORBIDDEN_PROPERTIES.includes(text)) return report('DF305', `'${text}' is not allowed in expressions`, propName);
    }

    if (ts.isCallExpression(node)) {
      const root = rootIdentifier(node.expression);
      if (root?.text === 'Date') return visit(root, bound);
      const problem = callProblem(node, file);
      if (problem) return report('DF304', problem, node);
    }

    // `steps.<id>.output` and its rules.
    if (isStepsRoot(node)) {
      const parent = node.parent;
      if (ts.isElementAccessExpression(parent) && parent.expression === node) {
        return report('DF303', 'read a step as steps.<id>.output; computed step names are not allowed', parent);
      }
      if (ts.isPropertyAccessExpression(parent) && parent.expression === node) {
        const id = parent.name.text;
        if (!scope.visibleSteps.includes(id)) {
          if (scope.allSteps.includes(id)) {
            report('DF203', `step '${id}' is referenced before it has run: a step can read only steps that ran before it in this or an enclosing body`, parent.name);
          } else {
            report('DF202', `unknown step '${id}'${didYouMean(id, scope.allSteps)}`, parent.name);
          }
          return;
        }
        const grand = parent.parent;
        if (!(ts.isPropertyAccessExpression(grand) && grand.expression === parent && grand.name.text === 'output')) {
          report('DF207', `read a step's result as steps.${id}.output`, parent);
          return;
        }
      } else if (!(ts.isPropertyAccessExpression(parent) && parent.expression === node)) {
        return report('DF207', "'steps' must be followed by .<id>.output", node);
      }
    }

    if (ts.isIdentifier(node) && isReference(node)) {
      const name = node.text;
      if (scope.onlyInput && name !== 'input' && !bound.has(name) && !globals.has(name)) {
        return report('DF306', `a singleton key may only read 'input' (it is computed before the instance exists); '${name}' is not available`, node);
      }
      if (!known.has(name) && !bound.has(name) && !globals.has(name)) {
        const candidates = [...known, ...bound];
        const hint = didYouMean(name, candidates) || `; in scope: ${candidates.sort().join(', ')}`;
        return report('DF302', `unknown name '${name}'${hint}`, node);
      }
    }
    ts.forEachChild(node, (child) => visit(child, bound));
  };
  visit(parsed.expr, new Set());
  return out;
}

/** The identifier a property chain starts from (`Date` in `Date.now`), if any. */
function rootIdentifier(node: ts.Expression): ts.Identifier | undefined {
  let n: ts.Expression = node;
  while (ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n)) n = n.expression;
  return ts.isIdentifier(n) ? n : undefined;
}

function isStepsRoot(node: ts.Node): node is ts.Identifier {
  return ts.isIdentifier(node) && node.text === 'steps' && isReference(node);
}

/** True when an identifier reads a variable (not a property name, object key or parameter). */
function isReference(id: ts.Identifier): boolean {
  const p = id.parent;
  if (ts.isPropertyAccessExpression(p) && p.name === id) return false;
  if (ts.isPropertyAssignment(p) && p.name === id) return false;
  if (ts.isParameter(p)) return false;
  return true;
}

/** Why a call is not allowed, or undefined when it is. */
function callProblem(call: ts.CallExpression, file: ts.SourceFile): string | undefined {
  const callee = call.expression;
  if (ts.isIdentifier(callee)) {
    if (ALLOWED_GLOBAL_FUNCTIONS.includes(callee.text)) return undefined;
    return `'${callee.text}(...)' is not an allowed function; allowed: ${ALLOWED_GLOBAL_FUNCTIONS.join(', ')}, Math.*, JSON.*, Object.keys/values/entries and pure methods`;
  }
  if (ts.isPropertyAccessExpression(callee)) {
    const method = callee.name.text;
    const target = callee.expression;
    if (ts.isIdentifier(target) && target.text in ALLOWED_NAMESPACE_MEMBERS) {
      if (target.text === 'Math' && method === 'random') {
        return 'Math.random() is not allowed: an orchestrator replays, and a random value would differ on every replay';
      }
      if (ALLOWED_NAMESPACE_MEMBERS[target.text].includes(method)) return undefined;
      return `'${target.text}.${method}(...)' is not allowed; allowed: ${ALLOWED_NAMESPACE_MEMBERS[target.text].map((m) => `${target.text}.${m}`).join(', ')}`;
    }
    if (MUTATING_METHODS.includes(method)) {
      return `'.${method}(...)' mutates its target and is not allowed; use a non-mutating form (concat, slice, toSorted, toReversed, with)`;
    }
    if (ALLOWED_METHODS.includes(method)) return undefined;
    return `'.${method}(...)' is not an allowed method`;
  }
  return `this call is not allowed: only named pure functions and methods may be called (${callee.getText(file)})`;
}

/**
 * Translates a checked expression to TypeScript, renaming free identifiers per `rename`
 * (property names, object keys and arrow parameters are never renamed). Parenthesised.
 */
export function translateExpression(source: string, rename: Readonly<Record<string, string>>, paramType = 'rt.Json'): string {
  const parsed = parseExpression(source);
  if ('error' in parsed) throw new Error(`cannot translate invalid expression: ${source}`);
  const edits: Array<{ start: number; end: number; text: string }> = [];
  const visit = (node: ts.Node, bound: ReadonlySet<string>): void => {
    if (ts.isArrowFunction(node)) {
      const params = new Set(bound);
      for (const p of node.parameters) if (ts.isIdentifier(p.name)) params.add(p.name.text);
      // Data is untyped JSON: annotate parameters so the generated code passes noImplicitAny.
      const parenthesised = node.getChildren(parsed.file).some((c) => c.kind === ts.SyntaxKind.OpenParenToken);
      for (const p of node.parameters) {
        if (p.type || !ts.isIdentifier(p.name)) continue;
        const name = p.name.text;
        edits.push({ start: p.name.getStart(parsed.file), end: p.name.getEnd(), text: parenthesised ? `${name}: ${paramType}` : `(${name}: ${paramType})` });
      }
      ts.forEachChild(node, (c) => visit(c, params));
      return;
    }
    if (ts.isShorthandPropertyAssignment(node)) {
      const name = node.name.text;
      if (!bound.has(name) && Object.prototype.hasOwnProperty.call(rename, name)) {
        edits.push({ start: node.name.getStart(parsed.file), end: node.name.getEnd(), text: `${name}: ${rename[name]}` });
      }
      return;
    }
    if (ts.isIdentifier(node) && isReference(node) && !bound.has(node.text) && Object.prototype.hasOwnProperty.call(rename, node.text)) {
      edits.push({ start: node.getStart(parsed.file), end: node.getEnd(), text: rename[node.text] });
      return;
    }
    ts.forEachChild(node, (c) => visit(c, bound));
  };
  visit(parsed.expr, new Set());
  // Offsets include the wrapping '(': apply edits on the wrapped text, then unwrap.
  let text = `(${source}\n)`;
  for (const e of edits.sort((a, b) => b.start - a.start)) text = text.slice(0, e.start) + e.text + text.slice(e.end);
  const inner = text.slice(1, -2).trim();
  return needsParens(parsed.expr) ? `(${inner})` : inner;
}

/** Operators need parentheses when inlined into a larger expression; primaries do not. */
function needsParens(e: ts.Expression): boolean {
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

/** The step ids an expression reads as `steps.<id>`. */
export function referencedSteps(source: string): string[] {
  const parsed = parseExpression(source);
  if ('error' in parsed) return [];
  const ids = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (isStepsRoot(node) && ts.isPropertyAccessExpression(node.parent) && node.parent.expression === node) ids.add(node.parent.name.text);
    ts.forEachChild(node, visit);
  };
  visit(parsed.expr);
  return [...ids].sort();
}
