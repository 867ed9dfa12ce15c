/**
 * The safe subset checker: an expression must read only names in scope, call only pure functions,
 * and never assign, construct, or reach the prototype chain, because the generated orchestrator
 * replays and must compute the same value every time.
 */
import { ts } from 'ts-morph';
import { parseIsoDate } from '../../../runtime/dates';
import { parseDuration } from '../../../runtime/durations';
import { error, warning, type Diagnostic, type DiagnosticCode, type Span } from '../diagnostics';
import type { Expression } from '../model';
import { didYouMean } from '../suggest';
import { reservedReason } from '../names';
import {
  ALLOWED_GLOBAL_FUNCTIONS,
  ALLOWED_GLOBAL_VALUES,
  ALLOWED_METHODS,
  ALLOWED_NAMESPACE_CONSTANTS,
  ALLOWED_NAMESPACE_MEMBERS,
  BUILTIN_METHOD_NAMES,
  builtinMethodNames,
  CALLBACK_ARGUMENTS,
  DATE_FUNCTIONS,
  FIXED_NAMES,
  FUNCTION_ARGUMENT_TAKERS,
  FORBIDDEN_PROPERTIES,
  IMPLICIT_HOOKS,
  MAX_ARGUMENTS,
  MUTATING_METHODS,
  PATTERN_METHODS,
} from './allowlist';
import { isReference, isStepsRoot, parseExpression, withParameters, WRAP_OFFSET } from './parse';
import { regexProblem } from './regex';

/** `<`, `<=`, `>`, `>=`: what DF508 looks for around `now`. */
const RELATIONAL: ReadonlySet<ts.SyntaxKind> = new Set([
  ts.SyntaxKind.LessThanToken, ts.SyntaxKind.LessThanEqualsToken, ts.SyntaxKind.GreaterThanToken, ts.SyntaxKind.GreaterThanEqualsToken,
]);

/** Regular expression flags accepted (the `v` flag needs a newer target than the generated code's). */
const REGEX_FLAGS = /^[dgimsuy]*$/;

export interface ExpressionScope {
  /** Plain identifiers in scope besides the fixed ones: forEach item names and `index`, catch error names, `output` inside `result`. */
  locals: readonly string[];
  /** Step ids whose output is visible here (ran before this point, in this body or an enclosing one). */
  visibleSteps: readonly string[];
  /** Every step id in the file (to tell "not yet run" from "unknown" with a did-you-mean). */
  allSteps: readonly string[];
  /** Singleton key: only `input` (and literals/allowed functions) may be read. */
  onlyInput?: boolean;
}

const NAMESPACES = Object.keys(ALLOWED_NAMESPACE_MEMBERS);
/** The plain functions an expression may call by name: the allowed globals and the date helpers. */
const CALLABLE: readonly string[] = [...ALLOWED_GLOBAL_FUNCTIONS, ...Object.keys(DATE_FUNCTIONS)];
const GLOBALS: ReadonlySet<string> = new Set([...CALLABLE, ...ALLOWED_GLOBAL_VALUES, ...NAMESPACES]);
const NOW_HINT = 'use `now` (the replay-safe current time, an ISO string)';
/** Names of builtin methods: the list, and whatever else the compiling engine's prototypes hold. */
export const METHOD_NAMES: ReadonlySet<string> = new Set([...BUILTIN_METHOD_NAMES, ...builtinMethodNames()]);
/** The methods every plain object inherits. */
const OBJECT_METHOD_NAMES: ReadonlySet<string> = new Set(
  Object.getOwnPropertyNames(Object.prototype).filter((n) => typeof Object.getOwnPropertyDescriptor(Object.prototype, n)!.value === 'function'),
);
/** Where an arrow function may stand, for the message. */
const CALLBACK_PLACES = ((): string => {
  const at = (i: number): string => Object.keys(CALLBACK_ARGUMENTS).filter((k) => CALLBACK_ARGUMENTS[k].index === i).join(', ');
  return `${at(0)} (first argument) and ${at(1)} (second argument)`;
})();
const ARROW_PLACE = `an arrow function is allowed only as the callback of ${CALLBACK_PLACES}`;

/**
 * The span of `length` characters at `offset` into an expression whose first character is at
 * `base.start`. Lines after the first count columns from 1.
 */
export function subSpan(base: Span, source: string, offset: number, length: number): Span {
  const at = (o: number): { line: number; col: number } => {
    const before = source.slice(0, o);
    const nl = before.lastIndexOf('\n');
    if (nl < 0) return { line: base.start.line, col: base.start.col + o };
    return { line: base.start.line + before.split('\n').length - 1, col: o - nl };
  };
  return { file: base.file, start: at(offset), end: at(offset + length) };
}

/** Checks one expression; each diagnostic is located at the offending sub-node. */
export function checkExpression(expression: Expression, scope: ExpressionScope): Diagnostic[] {
  const { source, span } = expression;
  const parsed = parseExpression(source);
  if ('error' in parsed) {
    if (parsed.limit) return [error('DF307', `expression too large: ${parsed.error}`, subSpan(span, source, parsed.pos, 1))];
    return [error('DF301', `invalid expression: ${parsed.error}`, subSpan(span, source, parsed.pos, 1))];
  }
  const { file } = parsed;
  const out: Diagnostic[] = [];
  /** Reports at `length` characters from `start`, an offset into the parsed (wrapped) text. */
  const reportAt = (code: DiagnosticCode, message: string, start: number, length: number): void => {
    out.push(error(code, message, subSpan(span, source, start - WRAP_OFFSET, Math.max(1, length))));
  };
  const report = (code: DiagnosticCode, message: string, n: ts.Node): void => {
    const start = n.getStart(file);
    reportAt(code, message, start, n.getEnd() - start);
  };
  /** A pattern's problem, located at `[start, start + length)` of the parsed text. */
  const reportPattern = (problem: ReturnType<typeof regexProblem>, start: number, length: number): boolean => {
    if (!problem) return false;
    const code: DiagnosticCode = problem.kind === 'catastrophic' ? 'DF309' : problem.kind === 'limit' ? 'DF307' : 'DF301';
    reportAt(code, problem.message, start, length);
    return true;
  };
  const known = new Set<string>([...FIXED_NAMES, ...scope.locals]);
  const isGlobal = (name: string, bound: ReadonlySet<string>): boolean => GLOBALS.has(name) && !known.has(name) && !bound.has(name);
  /** `isFree(bound)(name)`: the name is not a local or parameter, so it means the global. */
  const isFree = (bound: ReadonlySet<string>) => (name: string): boolean => !known.has(name) && !bound.has(name);

  const visit = (node: ts.Node, bound: ReadonlySet<string>): void => {
    const banned = forbiddenConstruct(node, file);
    if (banned) return report(banned.code ?? 'DF303', banned.message, banned.node);

    if (ts.isArrowFunction(node)) {
      const problem = arrowProblem(node, (call) => callbackSlot(call, isFree(bound)));
      if (problem) return report(problem.code ?? 'DF303', problem.message, problem.node);
      // A parameter may not take a name the generated code or the expression language relies on:
      // `rt => ...` would swap the runtime's key guard for data.
      const names = parameterNames(node);
      for (const id of names) {
        const why = reservedReason(id.text);
        if (why) return report('DF206', `'${id.text}' ${why} and cannot name an arrow function parameter: choose another name`, id);
      }
      // JavaScript refuses `(x, x) => ...` when it loads the module: the whole app would fail to start.
      const twice = names.find((id, i) => names.findIndex((o) => o.text === id.text) < i);
      if (twice) return report('DF301', `invalid expression: parameter '${twice.text}' is declared twice`, twice);
      return visit(node.body, withParameters(bound, node));
    }

    if (ts.isRegularExpressionLiteral(node)) {
      const text = node.text;
      const close = text.lastIndexOf('/');
      const flags = text.slice(close + 1);
      if (!REGEX_FLAGS.test(flags)) return report('DF301', `regular expression flags '${flags}' are not supported: use d, g, i, m, s, u, y`, node);
      const start = node.getStart(file) + 1;
      const problem = regexProblem(text.slice(1, close), flags);
      if (problem) reportPattern(problem, start + problem.start, problem.end - problem.start);
      return;
    }

    const key = objectKey(node);
    if (key && IMPLICIT_HOOKS.includes(key.text)) {
      return report('DF305', `'${key.text}' is not allowed as an object key: JavaScript calls it by itself (conversions, JSON.stringify)`, key.node);
    }

    const prop = propertyName(node);
    if (prop && FORBIDDEN_PROPERTIES.includes(prop.text)) {
      return report('DF305', `'${prop.text}' is not allowed in expressions: it reaches the prototype chain`, prop.node);
    }
    if (ts.isPropertyAssignment(node) && !ts.isComputedPropertyName(node.name) && node.name.text === '__proto__') {
      return report('DF305', "'__proto__' is not allowed as an object key: it sets the prototype", node.name);
    }
    if (key && ts.isPropertyAssignment(node) && ts.isComputedPropertyName(node.name) && FORBIDDEN_PROPERTIES.includes(key.text)) {
      return report('DF305', `'${key.text}' is not allowed as a computed object key: it is a key of the prototype chain`, key.node);
    }

    // `now < input.deadline` compares ISO text: right only when both sides have one form and zone.
    if (ts.isBinaryExpression(node) && RELATIONAL.has(node.operatorToken.kind) && !bound.has('now')) {
      const now = [node.left, node.right].find((side) => ts.isIdentifier(side) && side.text === 'now');
      if (now) {
        const start = node.getStart(file);
        out.push(
          warning(
            'DF508',
            `'now' is ISO text, so '${node.operatorToken.getText(file)}' compares it as text: right only when the other side has the same form and zone (2026-03-01T10:00:00+02:00 sorts after 2026-03-01T09:00:00Z, yet is earlier); compare epoch milliseconds: toEpochMs(now) ${node.operatorToken.getText(file)} toEpochMs(...)`,
            subSpan(span, source, start - WRAP_OFFSET, Math.max(1, node.getEnd() - start)),
          ),
        );
      }
    }

    /** A call argument already reported, not visited again. */
    let skip: ts.Node | undefined;
    if (ts.isCallExpression(node)) {
      const problem = callProblem(node, isFree(bound));
      if (problem) return report(problem.code, problem.message, problem.node);
      const callee = calleeKey(node, isFree(bound));
      // A function that calls a function argument gets its arguments written out, so the checker
      // sees what stands where (a spread could slip a function into a replacer's or callback's place).
      const spread = callee && FUNCTION_ARGUMENT_TAKERS.includes(callee) ? node.arguments.find(ts.isSpreadElement) : undefined;
      if (spread) return report('DF304', `'${callee}(...)' could receive a function through a spread argument: write its arguments out (no spread)`, spread);
      const slot = callee ? CALLBACK_ARGUMENTS[callee] : undefined;
      const callback = slot?.arrowOnly ? node.arguments[slot.index] : undefined;
      if (callback && !ts.isArrowFunction(callback)) {
        // A callback is an arrow written here: a function passed by name or from data could be any
        // function. What the argument does wrong itself (`String`, `Math.abs`) is the better message.
        const before = out.length;
        visit(callback, bound);
        const label = callee!.includes('.') ? callee! : `.${callee}`;
        if (out.length === before) {
          report('DF304', `the callback of '${label}(...)' must be an arrow function written here (x => ...): a function passed by name or from data could be any method`, callback);
        }
        skip = callback;
      }
      const pattern = patternArgument(node);
      if (pattern && 'dynamic' in pattern) {
        return report(
          'DF308',
          `'.${pattern.method}(...)' compiles its argument into a regular expression: write the pattern literally (/.../ or a string literal), so it can be checked; a pattern from data could stall the host (to find text, use includes or indexOf)`,
          pattern.dynamic,
        );
      }
      if (pattern && 'literal' in pattern) {
        const lit = pattern.literal;
        const start = lit.getStart(file);
        if (reportPattern(regexProblem(lit.text, pattern.method === 'matchAll' ? 'g' : ''), start, lit.getEnd() - start)) return;
      }
    }

    // `Math.max(...)`, `Number.MAX_SAFE_INTEGER`: a namespace member, called, or a constant.
    if (isNamespaceMember(node, bound)) {
      const ns = node.expression.text;
      const member = node.name.text;
      if (ns === 'Math' && member === 'random') return report('DF304', MATH_RANDOM, node);
      const ok = ALLOWED_NAMESPACE_MEMBERS[ns].includes(member) || (ALLOWED_NAMESPACE_CONSTANTS[ns] ?? []).includes(member);
      if (!ok) return report('DF304', `'${ns}.${member}' is not allowed; allowed: ${namespaceList(ns)}`, node);
      const read = functionRead(node, bound);
      if (read) return report(read.code, read.message, read.node);
      return;
    }

    // `"".match`, `list.map`, `s["ma" + "tch"]`: a method read as a value instead of called.
    const read = functionRead(node, bound);
    if (read && read.node !== node) return report(read.code, read.message, read.node);

    if (ts.isIdentifier(node) && isReference(node) && !bound.has(node.text)) {
      const problem = nameProblem(node, bound);
      if (problem) return report(problem.code, problem.message, problem.node);
    }
    ts.forEachChild(node, (child) => {
      if (child !== skip) visit(child, bound);
    });
  };

  /** `Math.max`, `Number.EPSILON`: a member of a namespace that is the global, not a parameter. */
  const isNamespaceMember = (node: ts.Node, bound: ReadonlySet<string>): node is ts.PropertyAccessExpression & { expression: ts.Identifier } =>
    ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && NAMESPACES.includes(node.expression.text) &&
    isGlobal(node.expression.text, bound);

  /**
   * Why `node` reads a function as a value, or undefined: an allowed global function or namespace
   * function not called where it stands, or a property named like a builtin method (by `.name`, or
   * a key written literally or folded from literals) not called where it stands. Functions are
   * capabilities: only a call the checker sees may use one, so none can be stored, passed, or
   * called under another name. Other reads are not this rule's concern (undefined).
   */
  const functionRead = (node: ts.Node, bound: ReadonlySet<string>): Problem | undefined => {
    const called = isCallee(node);
    if (ts.isIdentifier(node)) {
      if (called || !isReference(node) || !isGlobal(node.text, bound) || !CALLABLE.includes(node.text)) return undefined;
      if (ts.isPropertyAccessExpression(node.parent) && node.parent.expression === node) return undefined; // String.fromCharCode
      return { code: 'DF304', message: functionAsValue(node.text), node };
    }
    if (isNamespaceMember(node, bound)) {
      const name = `${node.expression.text}.${node.name.text}`;
      if (called || !ALLOWED_NAMESPACE_MEMBERS[node.expression.text].includes(node.name.text)) return undefined;
      return { code: 'DF304', message: functionAsValue(name), node };
    }
    const prop = propertyName(node);
    if (!prop || !METHOD_NAMES.has(prop.text) || FORBIDDEN_PROPERTIES.includes(prop.text)) return undefined;
    if (called && ts.isPropertyAccessExpression(node)) return undefined;
    // A plain read with no call above it in its chain (`steps.page.output.next`,
    // `loop.last?.next.cursor`): data has such keys all the time. The translator routes the read
    // through rt.notFunction, which refuses a function when the code runs (readsMethodName). A
    // call above it (`x.map.call(...)`, `x.next.bind(y)`) stays refused here.
    if (readsMethodName(node)) return undefined;
    // `steps` and `vars` are plain objects the generated code makes: `steps.next` is a step that
    // ran (checked as such), and `vars.map` is a variable or nothing, unless the name is one of
    // Object.prototype's own methods.
    const target = (node as ts.PropertyAccessExpression | ts.ElementAccessExpression).expression;
    if (isStepsRoot(target, bound)) return undefined;
    if (ts.isIdentifier(target) && target.text === 'vars' && !bound.has('vars') && !OBJECT_METHOD_NAMES.has(prop.text)) return undefined;
    return { code: 'DF304', message: `'.${prop.text}' is a method: it may only be called where it is written (x.${prop.text}(...)), never read as a value, stored or passed`, node: prop.node };
  };

  /** Why a free identifier may not be read here, or undefined. */
  const nameProblem = (id: ts.Identifier, bound: ReadonlySet<string>): Problem | undefined => {
    const name = id.text;
    if (name === 'Date' && !known.has(name)) {
      return { code: 'DF303', message: `'Date' is not allowed in expressions: it is not replay-safe; ${NOW_HINT}`, node: id };
    }
    if (scope.onlyInput && name !== 'input' && !GLOBALS.has(name)) {
      return { code: 'DF306', message: `a singleton key may only read 'input' (it is computed before the instance exists); '${name}' is not available`, node: id };
    }
    if (isGlobal(name, bound)) {
      const read = functionRead(id, bound);
      if (read) return read;
      const parent = id.parent;
      const asNamespace = ts.isPropertyAccessExpression(parent) && parent.expression === id;
      if (NAMESPACES.includes(name) && !ALLOWED_GLOBAL_FUNCTIONS.includes(name) && !asNamespace) {
        return { code: 'DF303', message: `'${name}' can only be used as ${name}.<member>; allowed: ${namespaceList(name)}`, node: id };
      }
      return undefined;
    }
    if (isStepsRoot(id, bound)) return stepProblem(id);
    if (!known.has(name)) {
      const inScope = [...known, ...bound].sort();
      const only = name === 'loop' ? ' (`loop` is readable inside a repeat only)' : '';
      const hint = didYouMean(name, [...inScope, ...GLOBALS]) || `${only}; in scope: ${inScope.join(', ')}`;
      return { code: 'DF302', message: `unknown name '${name}'${hint}`, node: id };
    }
    return undefined;
  };

  /** `steps` must be read as `steps.<id>.output` with `<id>` a step that has run. */
  const stepProblem = (steps: ts.Identifier): Problem | undefined => {
    const parent = steps.parent;
    if (ts.isElementAccessExpression(parent) && parent.expression === steps) {
      return { code: 'DF303', message: 'read a step as steps.<id>.output; computed step names are not allowed', node: parent };
    }
    if (!(ts.isPropertyAccessExpression(parent) && parent.expression === steps)) {
      return { code: 'DF207', message: "'steps' must be followed by .<id>.output", node: steps };
    }
    const id = parent.name.text;
    if (!scope.visibleSteps.includes(id)) {
      if (scope.allSteps.includes(id)) {
        return {
          code: 'DF203',
          message: `step '${id}' is referenced before it has run: a step can read only steps that ran before it in this or an enclosing body`,
          node: parent.name,
        };
      }
      return { code: 'DF202', message: `unknown step '${id}'${didYouMean(id, scope.allSteps)}`, node: parent.name };
    }
    const grand = parent.parent;
    if (ts.isPropertyAccessExpression(grand) && grand.expression === parent) {
      if (grand.name.text === 'output') return undefined;
      return { code: 'DF207', message: `a step exposes only its output: write steps.${id}.output, not steps.${id}.${grand.name.text}`, node: grand.name };
    }
    return { code: 'DF207', message: `read a step's result as steps.${id}.output`, node: parent };
  };

  visit(parsed.expr, new Set());
  return out;
}

interface Problem {
  code: DiagnosticCode;
  message: string;
  node: ts.Node;
}

const MATH_RANDOM = 'Math.random is not allowed: an orchestrator replays, and a random value would differ on every replay; pass randomness in the input or compute it in an activity';

function namespaceList(ns: string): string {
  return [...ALLOWED_NAMESPACE_MEMBERS[ns], ...(ALLOWED_NAMESPACE_CONSTANTS[ns] ?? [])].map((m) => `${ns}.${m}`).join(', ');
}

/** Constructs that are never allowed (DF303), with the node to point at. */
function forbiddenConstruct(node: ts.Node, file: ts.SourceFile): { message: string; node: ts.Node; code?: DiagnosticCode } | undefined {
  const no = (what: string, at: ts.Node = node): { message: string; node: ts.Node } => ({ message: `${what} is not allowed in expressions`, node: at });
  if (ts.isBinaryExpression(node)) {
    const op = node.operatorToken;
    if (op.kind >= ts.SyntaxKind.FirstAssignment && op.kind <= ts.SyntaxKind.LastAssignment) {
      return { message: `assignment ('${op.getText(file)}') is not allowed in expressions: use a \`set\` step to assign variables`, node };
    }
    if (op.kind === ts.SyntaxKind.CommaToken) return no('the comma operator', op);
    // JavaScript refuses `a ?? b || c` when it loads the module (TypeScript parses it): parenthesise.
    const logical = (k: ts.SyntaxKind): boolean => k === ts.SyntaxKind.BarBarToken || k === ts.SyntaxKind.AmpersandAmpersandToken;
    const mixes = (e: ts.Expression): boolean =>
      ts.isBinaryExpression(e) && (op.kind === ts.SyntaxKind.QuestionQuestionToken ? logical(e.operatorToken.kind) : e.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken);
    if ((op.kind === ts.SyntaxKind.QuestionQuestionToken || logical(op.kind)) && (mixes(node.left) || mixes(node.right))) {
      return { message: "invalid expression: '??' mixed with '||' or '&&' without parentheses is not valid JavaScript: add parentheses", node: op, code: 'DF301' };
    }
  }
  if ((ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) &&
    (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken)) {
    return no(`'${node.operator === ts.SyntaxKind.PlusPlusToken ? '++' : '--'}' (it assigns)`);
  }
  if (ts.isNewExpression(node)) {
    const isDate = ts.isIdentifier(node.expression) && node.expression.text === 'Date';
    return { message: `'new' is not allowed in expressions${isDate ? `: 'Date' is not replay-safe; ${NOW_HINT}` : ''}`, node };
  }
  if (node.kind === ts.SyntaxKind.ThisKeyword) return no("'this'");
  if (node.kind === ts.SyntaxKind.SuperKeyword) return no("'super'");
  if (ts.isDeleteExpression(node)) return no("'delete'");
  if (ts.isVoidExpression(node)) return no("'void' (write undefined or null)");
  if (ts.isAwaitExpression(node)) return no("'await'");
  if (ts.isYieldExpression(node)) return no("'yield'");
  if (ts.isFunctionExpression(node)) return no("a 'function' expression (pass an arrow function to a call)");
  if (ts.isClassExpression(node)) return no('a class');
  if (ts.isMethodDeclaration(node) || ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node)) {
    return no('a method or accessor in an object literal');
  }
  if (ts.isTaggedTemplateExpression(node)) return no('a tagged template');
  if (ts.isMetaProperty(node)) return no(`'${node.getText(file)}'`);
  if (ts.isPrivateIdentifier(node)) return no('a private name');
  if (ts.isAsExpression(node) || ts.isTypeAssertionExpression(node) || ts.isNonNullExpression(node) ||
    ts.isSatisfiesExpression(node) || ts.isExpressionWithTypeArguments(node) ||
    ((ts.isCallExpression(node) || ts.isNewExpression(node)) && node.typeArguments)) {
    return no('TypeScript type syntax');
  }
  return undefined;
}

/**
 * An arrow function is allowed only as the callback of a function that takes one, in its place
 * (`slot(call)`, see CALLBACK_ARGUMENTS), with plain parameters and an expression body.
 */
function arrowProblem(fn: ts.ArrowFunction, slot: (call: ts.CallExpression) => number | undefined): { message: string; node: ts.Node; code?: DiagnosticCode } | undefined {
  const parent = fn.parent;
  if (!ts.isCallExpression(parent) || parent.arguments.indexOf(fn) !== slot(parent) || parent.arguments.indexOf(fn) < 0) {
    return { message: ARROW_PLACE, node: fn };
  }
  if (fn.modifiers?.length) return { message: "'async' is not allowed in expressions", node: fn.modifiers[0] };
  if (fn.typeParameters || fn.type) return { message: 'TypeScript type syntax is not allowed in expressions', node: fn };
  for (const p of fn.parameters) {
    if (p.initializer) return { message: 'default parameter values are not allowed in expressions', node: p.initializer };
    if (p.type || p.questionToken) return { message: 'TypeScript type syntax is not allowed in expressions', node: p };
    const problem = bindingProblem(p.name);
    if (problem) return problem;
  }
  if (ts.isBlock(fn.body)) return { message: 'an arrow function body must be an expression, not a block', node: fn.body };
  return undefined;
}

/** Destructuring parameters: plain names only, no defaults, no computed or prototype keys. */
function bindingProblem(name: ts.BindingName): { message: string; node: ts.Node; code?: DiagnosticCode } | undefined {
  if (ts.isIdentifier(name)) return undefined;
  for (const el of name.elements) {
    if (ts.isOmittedExpression(el)) continue;
    if (el.initializer) return { message: 'default values are not allowed in expressions', node: el.initializer };
    const key = el.propertyName ?? (ts.isIdentifier(el.name) ? el.name : undefined);
    if (key && ts.isComputedPropertyName(key)) return { message: 'computed keys are not allowed in destructuring', node: key };
    if (key && (ts.isIdentifier(key) || ts.isStringLiteral(key)) && FORBIDDEN_PROPERTIES.includes(key.text)) {
      return { code: 'DF305', message: `'${key.text}' is not allowed in expressions: it reaches the prototype chain`, node: key };
    }
    // `({ match }) => match` on a string item binds String.prototype.match: a method as a value.
    if (key && (ts.isIdentifier(key) || ts.isStringLiteral(key)) && METHOD_NAMES.has(key.text)) {
      return { code: 'DF304', message: `'${key.text}' names a method: it cannot be destructured (a method may only be called where it is written)`, node: key };
    }
    const inner = bindingProblem(el.name);
    if (inner) return inner;
  }
  return undefined;
}

/** The property a `.name` or `["name"]` access reads, when it is written literally (or folded from literals: `["ma" + "p"]`). */
function propertyName(node: ts.Node): { text: string; node: ts.Node } | undefined {
  if (ts.isPropertyAccessExpression(node)) return { text: node.name.text, node: node.name };
  if (ts.isElementAccessExpression(node)) {
    const text = constantString(node.argumentExpression);
    if (text !== undefined) return { text, node: node.argumentExpression };
  }
  return undefined;
}

/**
 * The string a key expression always evaluates to, when it is built from string literals only
 * (`"ma" + "p"`, `` `ma${"p"}` ``, parenthesised); otherwise undefined (the key is guarded when the
 * code runs, rt.key).
 */
function constantString(e: ts.Expression): string | undefined {
  if (ts.isParenthesizedExpression(e)) return constantString(e.expression);
  if (ts.isStringLiteralLike(e)) return e.text;
  if (ts.isTemplateExpression(e)) {
    let text = e.head.text;
    for (const span of e.templateSpans) {
      const part = constantString(span.expression);
      if (part === undefined) return undefined;
      text += part + span.literal.text;
    }
    return text;
  }
  if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const left = constantString(e.left);
    const right = constantString(e.right);
    return left === undefined || right === undefined ? undefined : left + right;
  }
  return undefined;
}

/** True when `node` is the function a call calls (`node(...)`, `node?.(...)`). */
/**
 * Whether `node` reads a property named like a builtin method (`x.next`, `x["map"]`) as data:
 * not called, and no call above it in its member chain. Such a read is allowed, and checked when
 * the code runs (translate.ts wraps it in rt.notFunction): only a function is refused.
 */
export function readsMethodName(node: ts.Node): boolean {
  const prop = propertyName(node);
  if (!prop || !METHOD_NAMES.has(prop.text)) return false;
  // Every object has Object.prototype's methods, and a literal or a call's result is a builtin
  // value (`"".match`, `/a/.exec`, `x.values().next`): such a read is always a function, so it
  // stays a compile-time error.
  if (OBJECT_METHOD_NAMES.has(prop.text)) return false;
  let target: ts.Expression = (node as ts.PropertyAccessExpression | ts.ElementAccessExpression).expression;
  while (ts.isParenthesizedExpression(target)) target = target.expression;
  if (ts.isLiteralExpression(target) || target.kind === ts.SyntaxKind.TrueKeyword || target.kind === ts.SyntaxKind.FalseKeyword || target.kind === ts.SyntaxKind.NullKeyword || ts.isTemplateExpression(target) || ts.isArrayLiteralExpression(target) || ts.isObjectLiteralExpression(target) || ts.isCallExpression(target)) return false;
  let top = node;
  while ((ts.isPropertyAccessExpression(top.parent) || ts.isElementAccessExpression(top.parent)) && top.parent.expression === top) top = top.parent;
  return !(ts.isCallExpression(top.parent) && top.parent.expression === top) && !(ts.isTaggedTemplateExpression(top.parent) && top.parent.tag === top);
}

function isCallee(node: ts.Node): boolean {
  return ts.isCallExpression(node.parent) && node.parent.expression === node;
}

/** What a call calls, as CALLBACK_ARGUMENTS and MAX_ARGUMENTS name it: `map`, `Array.from`, `String`; undefined for anything else. */
function calleeKey(call: ts.CallExpression, isFree: (name: string) => boolean): string | undefined {
  const callee = call.expression;
  if (ts.isIdentifier(callee)) return isFree(callee.text) ? callee.text : undefined;
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const target = callee.expression;
  if (ts.isIdentifier(target) && isFree(target.text) && NAMESPACES.includes(target.text)) return `${target.text}.${callee.name.text}`;
  return callee.name.text;
}

/** The index of the argument where `call`'s function takes a callback, if it takes one. */
function callbackSlot(call: ts.CallExpression, isFree: (name: string) => boolean): number | undefined {
  const key = calleeKey(call, isFree);
  return key === undefined ? undefined : CALLBACK_ARGUMENTS[key]?.index;
}

function functionAsValue(name: string): string {
  return `'${name}' may only be called where it is written (${name}(...)), never read as a value, stored or passed; to pass it as a callback, write an arrow: x => ${name}(x)`;
}

/** Too many arguments for `name` (a method, or `Namespace.member`): see MAX_ARGUMENTS. */
function argumentsProblem(call: ts.CallExpression, name: string): Problem | undefined {
  const max = MAX_ARGUMENTS[name];
  if (max === undefined) return undefined;
  const extra = call.arguments.find((a, i) => i >= max || ts.isSpreadElement(a));
  if (!extra) return undefined;
  const what = name === 'JSON.parse' ? 'a reviver' : name === 'Object.fromEntries' ? 'anything but the one list' : 'a thisArg (the `this` of its callback)';
  const label = name.includes('.') ? name : `.${name}`;
  return {
    code: 'DF304',
    message: `'${label}(...)' takes at most ${max} argument${max === 1 ? '' : 's'} here, written out (no spread): ${what} is not allowed in expressions`,
    node: extra,
  };
}

/**
 * Why a call is not allowed (DF304 at the callee, or the whole call for a method), or undefined when it is.
 * `isFree(name)`: the name is not a local or parameter, so it means the global.
 */
function callProblem(call: ts.CallExpression, isFree: (name: string) => boolean): Problem | undefined {
  const callee = call.expression;
  if (ts.isIdentifier(callee)) {
    if (isFree(callee.text) && (callee.text === 'Date' || ALLOWED_GLOBAL_FUNCTIONS.includes(callee.text))) return undefined; // Date: reported as a name
    if (isFree(callee.text) && Object.prototype.hasOwnProperty.call(DATE_FUNCTIONS, callee.text)) return dateCallProblem(call, callee.text);
    // A misspelt helper; a parameter that shadows one (`d => durationMs(d)` with `durationMs` a parameter) gets the usual message.
    const hint = Object.prototype.hasOwnProperty.call(DATE_FUNCTIONS, callee.text) ? '' : didYouMean(callee.text, Object.keys(DATE_FUNCTIONS));
    if (hint) return { code: 'DF304', message: `'${callee.text}(...)' is not an allowed function${hint}`, node: callee };
    return {
      code: 'DF304',
      message: `'${callee.text}(...)' is not an allowed function; allowed: ${CALLABLE.join(', ')}, ${NAMESPACES.map((n) => `${n}.*`).join(', ')} (see the lists) and pure methods such as map, filter, join`,
      node: callee,
    };
  }
  if (ts.isPropertyAccessExpression(callee)) {
    const method = callee.name.text;
    const target = callee.expression;
    if (ts.isIdentifier(target) && isFree(target.text) && (target.text === 'Date' || NAMESPACES.includes(target.text))) {
      return argumentsProblem(call, `${target.text}.${method}`); // the member itself is checked when the callee is visited
    }
    if (MUTATING_METHODS.includes(method)) {
      return {
        code: 'DF304',
        message: `'.${method}(...)' mutates its target and is not allowed; use a non-mutating form (concat, slice, toSorted, toReversed, toSpliced, with)`,
        node: call,
      };
    }
    if (ALLOWED_METHODS.includes(method)) return argumentsProblem(call, method);
    if (FORBIDDEN_PROPERTIES.includes(method)) return undefined; // DF305 on visit
    return { code: 'DF304', message: `'.${method}(...)' is not an allowed method`, node: call };
  }
  return { code: 'DF304', message: 'only named functions and methods may be called', node: callee };
}

/**
 * A call of a date helper: its parameters written out (no spread), and a literal argument a value
 * it takes (`durationMs('5 minutes')` would only fail when it runs): DF216.
 */
function dateCallProblem(call: ts.CallExpression, name: string): Problem | undefined {
  const params = DATE_FUNCTIONS[name];
  const usage = `${name}(${params.map((p) => (p === 'ms' ? 'milliseconds' : p)).join(', ')})`;
  if (call.arguments.length !== params.length || call.arguments.some((a) => ts.isSpreadElement(a))) {
    return { code: 'DF216', message: `${usage} takes ${params.length} argument${params.length === 1 ? '' : 's'}, written out`, node: call };
  }
  for (const [i, arg] of call.arguments.entries()) {
    const kind = params[i];
    const literal = ts.isStringLiteralLike(arg) ? arg.text : undefined;
    const number = ts.isNumericLiteral(arg) ? Number(arg.text) : undefined;
    if (kind === 'duration' && literal !== undefined && parseDuration(literal) === undefined) {
      return { code: 'DF216', message: `'${literal}' is not a duration (${usage}): write 500ms, 30s, 5m, 2h, 7d, ISO 8601 like PT5M, or a number of milliseconds`, node: arg };
    }
    if (kind === 'date' && literal !== undefined && parseIsoDate(literal) === undefined) {
      return { code: 'DF216', message: `'${literal}' is not an ISO 8601 date-time (${usage}): write 2026-03-01T09:00:00Z, or a date like 2026-03-01`, node: arg };
    }
    if (kind === 'ms' && (literal !== undefined || (number !== undefined && !Number.isFinite(number)))) {
      return { code: 'DF216', message: `${usage} takes a number of milliseconds since 1970-01-01 UTC${literal !== undefined ? `; for ISO text use toEpochMs('${literal}')` : ''}`, node: arg };
    }
  }
  return undefined;
}

/** The names an arrow function's parameters bind (destructured ones too), as identifiers. */
function parameterNames(fn: ts.ArrowFunction): ts.Identifier[] {
  const out: ts.Identifier[] = [];
  const add = (name: ts.BindingName): void => {
    if (ts.isIdentifier(name)) out.push(name);
    else for (const el of name.elements) if (!ts.isOmittedExpression(el)) add(el.name);
  };
  for (const p of fn.parameters) add(p.name);
  return out;
}

/** The key an object literal property creates, when it is written literally. */
function objectKey(node: ts.Node): { text: string; node: ts.Node } | undefined {
  if (ts.isShorthandPropertyAssignment(node)) return { text: node.name.text, node: node.name };
  if (!ts.isPropertyAssignment(node) && !ts.isMethodDeclaration(node)) return undefined;
  const name = node.name;
  if (ts.isIdentifier(name) || ts.isStringLiteralLike(name) || ts.isNumericLiteral(name)) return { text: name.text, node: name };
  if (ts.isComputedPropertyName(name)) {
    const text = constantString(name.expression);
    if (text !== undefined) return { text, node: name.expression };
  }
  return undefined;
}

/**
 * The first argument of a call to a method that compiles it into a regular expression
 * (`match`, `matchAll`, `search`): a string literal to check as a pattern, a regex literal
 * (checked where it stands), or anything else, which is refused.
 */
function patternArgument(call: ts.CallExpression): { method: string; literal: ts.StringLiteralLike } | { method: string; dynamic: ts.Node } | undefined {
  const callee = call.expression;
  if (!ts.isPropertyAccessExpression(callee) || !PATTERN_METHODS.includes(callee.name.text)) return undefined;
  const method = callee.name.text;
  const arg = call.arguments[0];
  if (!arg || ts.isRegularExpressionLiteral(arg)) return undefined;
  if (ts.isStringLiteralLike(arg)) return { method, literal: arg };
  return { method, dynamic: arg };
}
