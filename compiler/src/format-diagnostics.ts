/**
 * Prints diagnostics the way tsc does: `file:line:col severity CODE: message`, then the source
 * line with a caret under the span. Also a JSON form for tools.
 */
import type { Diagnostic } from './diagnostics';

export interface FormatOptions {
  /** Source texts by file, to print the offending line. */
  sources?: ReadonlyMap<string, string>;
  color?: boolean;
}

export function formatDiagnostic(d: Diagnostic, options: FormatOptions = {}): string {
  const paint = (code: string, s: string): string => (options.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const { file, start, end } = d.span;
  const severity = d.severity === 'error' ? paint('31', 'error') : paint('33', 'warning');
  const head = `${paint('36', file)}:${paint('33', String(start.line))}:${paint('33', String(start.col))} ${severity} ${paint('90', d.code)}: ${d.message}`;
  const text = options.sources?.get(file);
  if (text === undefined) return head;
  const line = text.split(/\r?\n/)[start.line - 1];
  if (line === undefined) return head;
  const width = end.line === start.line ? Math.max(1, end.col - start.col) : Math.max(1, line.length - start.col + 1);
  const gutter = String(start.line);
  const pad = ' '.repeat(gutter.length);
  const caret = ' '.repeat(Math.max(0, start.col - 1)) + '^'.repeat(width);
  return `${head}\n\n${paint('90', gutter)} | ${line}\n${pad} | ${paint('31', caret)}\n`;
}

export function formatSummary(list: readonly Diagnostic[], fileCount: number): string {
  const errors = list.filter((d) => d.severity === 'error').length;
  const warnings = list.length - errors;
  const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;
  const files = plural(fileCount, 'workflow file');
  if (list.length === 0) return `checked ${files}: no problems`;
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')} in ${files}`;
}

/** The `--format json` shape: stable, one object per diagnostic. */
export function diagnosticsToJson(list: readonly Diagnostic[]): string {
  return JSON.stringify(
    list.map((d) => ({
      file: d.span.file,
      line: d.span.start.line,
      column: d.span.start.col,
      endLine: d.span.end.line,
      endColumn: d.span.end.col,
      severity: d.severity,
      code: d.code,
      message: d.message,
    })),
    null,
    2,
  );
}
