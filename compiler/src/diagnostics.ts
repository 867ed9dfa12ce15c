/**
 * Diagnostics: what every compiler stage reports, and the stable codes users can look up.
 * Stages return arrays of these (data out); only the CLI prints them.
 */

export type Severity = 'error' | 'warning';

/** A 1-based line/column position in a source file, the way editors and tsc count. */
export interface Position {
  line: number;
  col: number;
}

/** A located span of a source file (file is relative to the project root, e.g. `workflows/x.yaml`). */
export interface Span {
  file: string;
  start: Position;
  end: Position;
}

export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  span: Span;
}

/**
 * Every code the compiler emits. Codes are stable: tests and tools key on them.
 * Grouped by stage: 0xx syntax, 1xx schema, 2xx steps and references, 3xx expressions,
 * 4xx project (activities, sub-workflows), 5xx warnings, 6xx versions (compiler/src/versions/).
 */
export const CODES = {
  DF001: 'YAML syntax error',
  DF002: 'duplicate key',
  DF003: 'tab character used for indentation',
  DF004: 'the file is not a workflow mapping',
  DF005: 'unsupported YAML feature (anchors, aliases, tags, multiple documents)',
  DF006: 'document nested too deeply',
  DF007: 'a path the compiler reads or writes is a symbolic link, or not a plain file or folder',
  DF101: 'unknown key',
  DF102: 'missing required key',
  DF103: 'wrong type',
  DF104: 'value not allowed',
  DF105: 'invalid value',
  DF106: 'a step needs exactly one kind key',
  DF107: 'invalid input schema',
  DF108: 'input-schema feature not supported',
  DF201: 'duplicate step id',
  DF202: 'unknown step id',
  DF203: 'step referenced before it has run',
  DF204: 'invalid duration',
  DF205: 'duplicate workflow name',
  DF206: 'name clashes with a reserved name',
  DF207: 'step output referenced without .output',
  DF208: 'loop misuse: a break outside a repeat or sequential forEach, or a repeat with both while and until',
  DF209: 'waitForEvent lists an event name twice',
  DF218: 'compensation misuse: an undo that compensates or continues as new',
  DF215: 'duration too long (over 1000 years)',
  DF216: 'date or duration helper called with wrong arguments',
  DF212: 'a quorum (succeedWhen.atLeast) larger than the branches or items there are',
  DF301: 'expression syntax error',
  DF302: 'unknown name in expression',
  DF303: 'construct not allowed in expressions',
  DF304: 'call not allowed in expressions',
  DF305: 'property not allowed in expressions',
  DF306: 'singleton key may only read input',
  DF307: 'expression too long or too deeply nested',
  DF308: 'regular expression built from data',
  DF309: 'regular expression that can backtrack catastrophically',
  DF401: 'unknown activity',
  DF402: 'unknown workflow',
  DF403: 'sub-workflow recursion cycle',
  DF404: 'activities folder problem',
  DF405: 'HTTP route overlaps another route',
  DF406: 'two functions of the app share a name',
  DF501: 'forEach without maxParallel',
  DF502: 'unreachable steps after fail or continueAsNew',
  DF503: 'partitionSize that cannot apply',
  DF504: 'HTTP starter that answers GET',
  DF505: 'a repeat that may outgrow one history',
  DF506: 'a try or repeat timeout that no wait inside can reach',
  DF509: 'a compensation that never runs, or a `compensate: all` with nothing to run',
  DF508: 'now compared as text',
  DF601: 'an edit that changes what instances replay: a new version',
  DF602: 'version record problem',
  DF603: 'versions recorded for a workflow that no longer exists',
  DF604: 'a kept version calls a sub-workflow version that is gone',
} as const;

export type DiagnosticCode = keyof typeof CODES;

export function error(code: DiagnosticCode, message: string, span: Span): Diagnostic {
  return { code, severity: 'error', message, span };
}

export function warning(code: DiagnosticCode, message: string, span: Span): Diagnostic {
  return { code, severity: 'warning', message, span };
}

/** Orders diagnostics by file, line, column, then code, so output is deterministic. */
export function sortDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  return [...list].sort(
    (a, b) =>
      a.span.file.localeCompare(b.span.file) ||
      a.span.start.line - b.span.start.line ||
      a.span.start.col - b.span.start.col ||
      a.code.localeCompare(b.code) ||
      a.message.localeCompare(b.message),
  );
}

export function hasErrors(list: readonly Diagnostic[]): boolean {
  return list.some((d) => d.severity === 'error');
}
