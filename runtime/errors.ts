/** Error shapes workflows see: what `catch` receives and what `onItemError: continue` records. */

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

export function toErrorInfo(e: unknown): ErrorInfo {
  if (e instanceof Error) return { name: e.name || 'Error', message: e.message };
  if (e && typeof e === 'object' && 'message' in e) return { name: String((e as { name?: unknown }).name ?? 'Error'), message: String((e as { message: unknown }).message) };
  return { name: 'Error', message: String(e) };
}

export function timeoutError(what: string, ms: number): WorkflowError {
  return new WorkflowError('Timeout', `${what} did not finish within ${ms} ms`);
}
