/** Parsing one expression with the TypeScript parser, and the syntax helpers the checker and translator share. */
import { ts } from 'ts-morph';

export interface ParsedExpression {
  expr: ts.Expression;
  file: ts.SourceFile;
}

/**
 * Node offsets are into `(${source}\n)`: the wrapping parenthesis makes an object literal an
 * expression (not a block) and the newline ends a trailing `//` comment. Subtract this to get
 * an offset into the source.
 */
export const WRAP_OFFSET = 1;

/** The longest expression source accepted (compute parts in earlier `set` steps instead). */
export const MAX_EXPRESSION_LENGTH = 10_000;
/** Brackets (`(`, `[`, `{`, template literals and their `${`) nested deeper than this are refused. */
export const MAX_NESTING = 64;
/**
 * Prefix and right-associative operators (`!`, `~`, unary `-`/`+`, `?:`, `=>`, `**`, `...`,
 * `typeof`, ...) in one expression: each may nest the parse one level deeper, so they are counted
 * before parsing.
 */
export const MAX_OPERATORS = 256;
/** The deepest syntax tree accepted (a chain of 200 `+` is 200 levels). */
export const MAX_DEPTH = 200;

export interface ParseError {
  error: string;
  pos: number;
  /** A limit was exceeded (DF307); otherwise the source does not parse (DF301). */
  limit?: boolean;
}

/**
 * Parses source as exactly one expression, or says why not (pos is an offset into source).
 * Sizes are checked first, without recursion, so no input can exhaust the stack of the parser or
 * of the checker and translator that walk its tree.
 */
export function parseExpression(source: string): ParsedExpression | ParseError {
  // Sizes first (the text is scanned once, before the recursive parser sees it).
  const shape = shapeProblem(source);
  if (shape) return shape;
  let file: ts.SourceFile;
  try {
    file = ts.createSourceFile('expr.ts', `(${source}\n)`, { languageVersion: ts.ScriptTarget.ES2022, jsDocParsingMode: ts.JSDocParsingMode.ParseNone }, true, ts.ScriptKind.TS);
  } catch (e) {
    // The counts above keep the parser's recursion well inside the stack; this is the backstop.
    if (e instanceof RangeError) return { error: 'the expression nests too deeply to parse: split it into earlier `set` steps', pos: 0, limit: true };
    throw e;
  }
  const diags = (file as unknown as { parseDiagnostics: ts.DiagnosticWithLocation[] }).parseDiagnostics ?? [];
  if (diags.length > 0) {
    const d = diags[0];
    return { error: ts.flattenDiagnosticMessageText(d.messageText, ' '), pos: Math.max(0, Math.min(source.length, d.start - WRAP_OFFSET)) };
  }
  const stmt = file.statements[0];
  if (file.statements.length !== 1 || !ts.isExpressionStatement(stmt) || !ts.isParenthesizedExpression(stmt.expression)) {
    return { error: 'expected a single expression', pos: 0 };
  }
  const deep = deepestNode(stmt.expression.expression);
  if (deep) {
    return { error: `the expression nests more than ${MAX_DEPTH} levels deep: split it into earlier \`set\` steps`, pos: Math.max(0, deep.getStart(file) - WRAP_OFFSET), limit: true };
  }
  return { expr: stmt.expression.expression, file };
}

/** Of the nodes one level deeper than MAX_DEPTH, the first in the source; found without recursion. */
function deepestNode(root: ts.Node): ts.Node | undefined {
  const stack: Array<[ts.Node, number]> = [[root, 1]];
  let first: ts.Node | undefined;
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > MAX_DEPTH) {
      if (!first || node.pos < first.pos) first = node;
      continue;
    }
    ts.forEachChild(node, (c) => {
      stack.push([c, depth + 1]);
    });
  }
  return first;
}

const PREFIX_KEYWORDS = new Set(['typeof', 'void', 'delete', 'await', 'new', 'yield', 'async']);
const OPERAND_KEYWORDS = new Set(['in', 'instanceof', 'of', 'return', 'case', 'else', 'do']);
/** After one of these (or at the start) a `+` or `-` is a prefix operator. */
const OPERAND_EXPECTED = '([{,;:?=&|!~+-*/%<>^';

/**
 * Why `source` is too big to parse safely, or undefined. A single pass over the characters:
 * strings and template text are skipped, brackets are counted as nesting, operators that nest the
 * parse are counted, and so is everything in comments that could.
 */
function shapeProblem(source: string): ParseError | undefined {
  const limit = (error: string, pos: number): ParseError => ({ error, pos, limit: true });
  const tooDeep = (pos: number): ParseError => limit(`brackets nest more than ${MAX_NESTING} levels deep`, pos);
  const tooMany = (pos: number): ParseError =>
    limit(`the expression has more than ${MAX_OPERATORS} prefix or nesting operators (!, ~, unary -, ?:, =>, **, ...): split it into earlier \`set\` steps`, pos);
  const stack: string[] = [];
  let operators = 0;
  let prev = '(';
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (stack[stack.length - 1] === '`') {
      if (c === '\\') i++;
      else if (c === '`') stack.pop();
      else if (c === '$' && source[i + 1] === '{') {
        stack.push('${');
        if (stack.length > MAX_NESTING) return tooDeep(i);
        i++;
        prev = '(';
      }
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < source.length && source[j] !== c) j += source[j] === '\\' ? 2 : 1;
      i = j;
      prev = 'a';
      continue;
    }
    if (c === '/' && (source[i + 1] === '/' || source[i + 1] === '*')) {
      const close = source[i + 1] === '/' ? source.slice(i).search(/[\n\r\u2028\u2029]/) : source.indexOf('*/', i + 2);
      const stop = close < 0 ? source.length : source[i + 1] === '/' ? i + close : close + 2;
      for (let j = i; j < stop; j++) if ('([{<!?~'.includes(source[j]) && ++operators > MAX_OPERATORS) return tooMany(j);
      i = stop - 1;
      continue;
    }
    if (c === '/' && OPERAND_EXPECTED.includes(prev)) {
      // A regular expression literal: skip to its closing slash (not one in a class), then its flags.
      let j = i + 1;
      let inClass = false;
      while (j < source.length && !/[\n\r\u2028\u2029]/.test(source[j]) && (inClass || source[j] !== '/')) {
        if (source[j] === '\\') j++;
        else if (source[j] === '[') inClass = true;
        else if (source[j] === ']') inClass = false;
        j++;
      }
      while (/[A-Za-z]/.test(source[j + 1] ?? '')) j++;
      i = j;
      prev = 'a';
      continue;
    }
    if (c === '`' || c === '(' || c === '[' || c === '{') {
      stack.push(c);
      if (stack.length > MAX_NESTING) return tooDeep(i);
      prev = '(';
      continue;
    }
    if (c === ')' || c === ']' || c === '}') {
      stack.pop();
      prev = ')';
      continue;
    }
    if (/\s/.test(c)) continue;
    if (/[A-Za-z_$\\]/.test(c)) {
      const word = /^[A-Za-z0-9_$\\]+/.exec(source.slice(i, i + 64))![0];
      if (PREFIX_KEYWORDS.has(word) && ++operators > MAX_OPERATORS) return tooMany(i);
      i += word.length - 1;
      // After `typeof`, `in` and the like an operand follows (a `/` there starts a regular expression).
      prev = PREFIX_KEYWORDS.has(word) || OPERAND_KEYWORDS.has(word) ? '(' : 'a';
      continue;
    }
    const two = source.slice(i, i + 2);
    const three = source.slice(i, i + 3);
    let nests = false;
    let width = 1;
    if (three === '===' || three === '!==') width = 3;
    else if (two === '==' || two === '!=' || two === '<=' || two === '>=' || two === '?.' || two === '??' || two === '&&' || two === '||') width = 2;
    else if (three === '...' ) [nests, width] = [true, 3];
    else if (two === '=>' || two === '**') [nests, width] = [true, 2];
    else if ('!~?<='.includes(c)) nests = true;
    else if ((c === '-' || c === '+') && OPERAND_EXPECTED.includes(prev)) nests = true;
    if (nests && ++operators > MAX_OPERATORS) return tooMany(i);
    prev = source[i + width - 1];
    i += width - 1;
  }
  if (source.length > MAX_EXPRESSION_LENGTH) {
    return limit(`the expression is ${source.length} characters long; at most ${MAX_EXPRESSION_LENGTH} are allowed: compute parts in earlier \`set\` steps`, MAX_EXPRESSION_LENGTH);
  }
  return undefined;
}

/** True when an identifier reads a variable (not a property name, object key or parameter). */
export function isReference(id: ts.Identifier): boolean {
  const p = id.parent;
  if ((ts.isPropertyAccessExpression(p) || ts.isPropertyAssignment(p) || ts.isMethodDeclaration(p) ||
    ts.isGetAccessorDeclaration(p) || ts.isSetAccessorDeclaration(p) || ts.isMetaProperty(p)) && p.name === id) return false;
  if (ts.isParameter(p) || ts.isBindingElement(p)) return false;
  return true;
}

/** `bound` plus the names an arrow function's parameters introduce (destructured ones too). */
export function withParameters(bound: ReadonlySet<string>, fn: ts.ArrowFunction): Set<string> {
  const out = new Set(bound);
  const add = (name: ts.BindingName): void => {
    if (ts.isIdentifier(name)) out.add(name.text);
    else for (const el of name.elements) if (!ts.isOmittedExpression(el)) add(el.name);
  };
  for (const p of fn.parameters) add(p.name);
  return out;
}

/** `steps` read as the fixed name (not an arrow parameter that shadows it). */
export function isStepsRoot(node: ts.Node, bound: ReadonlySet<string>): node is ts.Identifier {
  return ts.isIdentifier(node) && node.text === 'steps' && !bound.has('steps') && isReference(node);
}
