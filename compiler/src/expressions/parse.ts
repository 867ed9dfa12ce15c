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

/** Parses source as exactly one expression, or says why not (pos is an offset into source). */
export function parseExpression(source: string): ParsedExpression | { error: string; pos: number } {
  const file = ts.createSourceFile('expr.ts', `(${source}\n)`, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const diags = (file as unknown as { parseDiagnostics: ts.DiagnosticWithLocation[] }).parseDiagnostics ?? [];
  if (diags.length > 0) {
    const d = diags[0];
    return { error: ts.flattenDiagnosticMessageText(d.messageText, ' '), pos: Math.max(0, Math.min(source.length, d.start - WRAP_OFFSET)) };
  }
  const stmt = file.statements[0];
  if (file.statements.length !== 1 || !ts.isExpressionStatement(stmt) || !ts.isParenthesizedExpression(stmt.expression)) {
    return { error: 'expected a single expression', pos: 0 };
  }
  return { expr: stmt.expression.expression, file };
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
