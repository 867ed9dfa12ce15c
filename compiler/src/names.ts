/**
 * Names: the ones the generated code and the expression language rely on, which no user name may
 * take or shadow, and the limits every user-chosen name stays within.
 *
 * Generated code refers to its own helpers by plain names (`rt.key(...)`, `run.now()`), so a
 * user name that shadowed one of them could swap the helper for data. The checker therefore
 * refuses to let a workflow declare any name of this file (DF206), wherever a declaration can
 * stand: forEach `as`, catch `as`, arrow-function parameters (destructured ones included).
 * Module-level names the code generator invents (hoisted bodies) come from a scope that hands
 * out unused names (codegen/names.ts).
 */
import { ALLOWED_GLOBAL_FUNCTIONS, ALLOWED_GLOBAL_VALUES, ALLOWED_NAMESPACE_MEMBERS, DATE_FUNCTIONS, FIXED_NAMES } from './expressions/allowlist';

/**
 * What generated code declares or reads in the scopes where user expressions run: the runtime
 * namespace and the durable-functions types (`rt`, `df`), the orchestration context, the run state,
 * the previous output, the caught value; `input`, `steps`, `vars`, `index`, `output`, `loop` are also what
 * expressions read by those names. In the blueprint: `app` and `validateInput`.
 */
export const GENERATED_NAMES: readonly string[] = [
  'rt', 'df', 'app', 'context', 'run', 'last', 'thrown', 'validateInput', 'input', 'steps', 'vars', 'index', 'output', 'loop',
];

/** JavaScript's reserved words and the names strict code may not bind. */
const JS_RESERVED: readonly string[] = [
  'undefined', 'null', 'true', 'false', 'NaN', 'Infinity', 'this', 'arguments', 'eval',
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'enum',
  'export', 'extends', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof', 'let', 'new', 'return',
  'super', 'switch', 'throw', 'try', 'typeof', 'var', 'void', 'while', 'with', 'yield', 'await', 'static',
  'implements', 'interface', 'package', 'private', 'protected', 'public',
];

/** The globals expressions may use, and `Date`, which they may not (a local named so would hide why). */
const EXPRESSION_GLOBALS: readonly string[] = [
  ...ALLOWED_GLOBAL_FUNCTIONS, ...ALLOWED_GLOBAL_VALUES, ...Object.keys(ALLOWED_NAMESPACE_MEMBERS), 'Date', 'globalThis',
  ...Object.keys(DATE_FUNCTIONS),
];

/** Names no workflow may declare: generated names, the fixed expression names, JS reserved words, the globals. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([...GENERATED_NAMES, ...FIXED_NAMES, ...JS_RESERVED, ...EXPRESSION_GLOBALS]);

/**
 * Members every object inherits. A step id or variable name like these would be written as
 * `steps.<id>` / `vars.<name>` and change what every object of that scope inherits (`__proto__`)
 * or hide a method the runtime calls.
 */
export const OBJECT_MEMBER_NAMES: ReadonlySet<string> = new Set([
  '__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString',
  'toString', 'valueOf', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__',
]);

/**
 * The longest name a workflow may give anything (workflow, step id, activity, event, variable,
 * forEach/catch `as`, error code). Workflow and activity names become Azure function names, at most
 * 127 characters; the compiler adds suffixes of up to 10 (`_instances`, `-partition`).
 */
export const MAX_NAME_LENGTH = 100;

/** The longest description (it is printed in generated comments and the OpenAPI document). */
export const MAX_DESCRIPTION_LENGTH = 2000;

/** The longest HTTP route (under /api). */
export const MAX_ROUTE_LENGTH = 200;

/**
 * Names of generated folders that some file systems or tools treat specially: `generated/<name>/`
 * must be an ordinary folder on every platform (Windows device names, node_modules). Compared
 * case-insensitively.
 */
export const RESERVED_FOLDER_NAMES: ReadonlySet<string> = new Set([
  'node_modules', 'con', 'prn', 'aux', 'nul',
  ...Array.from({ length: 9 }, (_, i) => `com${i + 1}`),
  ...Array.from({ length: 9 }, (_, i) => `lpt${i + 1}`),
]);

/** Azure function names: a letter, then letters, digits, `_` and `-`, at most 127 characters. */
export const AZURE_FUNCTION_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,126}$/;

/**
 * Why `name` may not be declared by a workflow (a forEach or catch `as`, an arrow parameter),
 * or undefined when it may. Shadowing a name the workflow itself declared (an enclosing forEach
 * item, an outer parameter) is allowed: no generated code relies on those.
 */
export function reservedReason(name: string): string | undefined {
  if ((FIXED_NAMES as readonly string[]).includes(name) || name === 'index' || name === 'output') return 'is a name expressions read (input, steps, vars, instanceId, now, workflow, index, output)';
  if (GENERATED_NAMES.includes(name)) return 'is a name the generated code relies on';
  if (EXPRESSION_GLOBALS.includes(name)) return 'is a global function or value of expressions';
  if (JS_RESERVED.includes(name)) return 'is reserved in JavaScript';
  return undefined;
}
