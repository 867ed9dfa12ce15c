/**
 * The expression language: `${ }` templates, the safe deterministic subset of JavaScript checked
 * with the TypeScript parser, and translation to TypeScript for the generated orchestrator.
 * The allow-lists live in ./expressions/allowlist.ts.
 */
export { splitTemplate, type TemplatePart } from './expressions/template';
export { checkExpression, type ExpressionScope } from './expressions/check';
export { translateExpression, referencedSteps } from './expressions/translate';
export { FIXED_NAMES } from './expressions/allowlist';
