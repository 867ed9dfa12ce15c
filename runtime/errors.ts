/**
 * Error shapes workflows see: what `catch` receives and what `onItemError: continue` records,
 * and how an error keeps its name when it crosses a durable boundary.
 *
 * Why an encoding: on Azure, an activity's error reaches the orchestrator as the text
 * "Activity function '<name>' failed: <err.message>" plus serialized details (TaskActivityShim.cs,
 * the Node worker sends only `err.message`), and a failed sub-orchestration as
 * "Orchestrator function '<name>' failed: <message>" (OutOfProcOrchestrationShim.cs). The error's
 * name is lost on the way. durable-flow's activity and orchestrator wrappers (handlers.ts)
 * therefore throw `<name>: <message>` across every boundary, and `toErrorInfo` reads it back, so
 * `catch`, `onItemError` and `retry.nonRetryable` see the same `{ name, message }` on Azure and
 * on the embedded host.
 */

/** What a caught error looks like to a workflow: plain data, safe to pass to activities. */
export interface ErrorInfo {
  name: string;
  message: string;
}

/** Thrown by a `fail` step, and by timeouts (`name` = `Timeout`). */
export class WorkflowError extends Error {
  constructor(code: string, message: string) {
    super(message);
    this.name = code;
  }
}

/** The prefix the Durable extension puts before an activity's or a child orchestration's message. */
const EXTENSION_PREFIX = /^(?:Activity|Orchestrator) function '[^']*' failed: /;
/** The separator durable-functions puts between an event's Reason and Details. */
const DETAILS = ' \n ';
/** An error name as the encoding writes it. */
const NAME = /^[A-Za-z_$][\w$.]{0,99}$/;

/** `<name>: <message>`, the text an error crosses a durable boundary as. */
export function wireText(info: ErrorInfo): string {
  return `${NAME.test(info.name) ? info.name : 'Error'}: ${info.message}`;
}

/** Reads `<name>: <message>` back, after removing the extension's prefix. */
export function fromWireText(text: string): ErrorInfo {
  const body = text.replace(EXTENSION_PREFIX, '');
  const colon = body.indexOf(': ');
  if (colon > 0 && NAME.test(body.slice(0, colon))) return { name: body.slice(0, colon), message: body.slice(colon + 2) };
  return { name: 'Error', message: body };
}

/**
 * A failure as workflow data. Errors that came over the wire (an activity's or a child
 * workflow's failure, as durable-functions hands it over: an Error whose message is
 * `<reason> \n <details>`, or one carrying `failureDetails`) are decoded; errors raised in the
 * orchestrator itself keep their own name and message.
 */
export function toErrorInfo(e: unknown): ErrorInfo {
  const details = (e as { failureDetails?: { errorMessage?: string } } | undefined)?.failureDetails;
  if (details && typeof details.errorMessage === 'string') return fromWireText(details.errorMessage);
  if (e instanceof WorkflowError) return { name: e.name, message: e.message };
  if (e instanceof Error) {
    const cut = e.message.indexOf(DETAILS);
    if (cut >= 0) return fromWireText(e.message.slice(0, cut));
    if (EXTENSION_PREFIX.test(e.message)) return fromWireText(e.message);
    return { name: e.name || 'Error', message: e.message };
  }
  if (e && typeof e === 'object' && 'message' in e) return { name: String((e as { name?: unknown }).name ?? 'Error'), message: String((e as { message: unknown }).message) };
  return { name: 'Error', message: String(e) };
}

/** An error to throw across a durable boundary: its message carries the original name. */
export function wireError(e: unknown): Error {
  const err = new Error(wireText(toErrorInfo(e)));
  if (e instanceof Error && e.stack) err.stack = e.stack;
  return err;
}

export function timeoutError(what: string, ms: number): WorkflowError {
  return new WorkflowError('Timeout', `${what} did not finish within ${ms} ms`);
}
