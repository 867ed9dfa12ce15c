/** How the project commands print diagnostics and refused paths. */
import { diagnosticsToJson, formatDiagnostic, formatSummary } from '../format-diagnostics';
import type { FrontEndResult } from '../front-end';
import { ProjectPathError } from '../project-paths';
import { VERSIONS_DIR } from '../versions/records';

/** The front end's diagnostics: text for people (colour on a terminal), or JSON for tools. */
export function report(front: FrontEndResult, format: 'text' | 'json'): void {
  if (format === 'json') {
    process.stdout.write(diagnosticsToJson(front.diagnostics) + '\n');
    return;
  }
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  for (const d of front.diagnostics) process.stdout.write(formatDiagnostic(d, { sources: front.sources, color }) + '\n');
  const workflowFiles = [...front.sources.keys()].filter((f) => !f.startsWith(`${VERSIONS_DIR}/`)).length;
  process.stdout.write(formatSummary(front.diagnostics, workflowFiles) + '\n');
}

/** Runs a command, printing a refused path (a link, DF007) as its error and exiting 1. */
export function refusing(command: () => number): number {
  try {
    return command();
  } catch (e) {
    if (!(e instanceof ProjectPathError)) throw e;
    process.stderr.write(`${e.message}\n`);
    return 1;
  }
}
