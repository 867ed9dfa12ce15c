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

/**
 * A failure as workflow data. Activity and sub-orchestration failures arrive from
 * durable-functions either as a TaskFailedError carrying structured `failureDetails`, or as an
 * Error whose message is `<reason> \n <details>`: both become the original name and message.
 */
export function toErrorInfo(e: unknown): ErrorInfo {
  const details = (e as { failureDetails?: { errorType?: string; errorMessage?: string } } | undefined)?.failureDetails;
  if (details) return { name: details.errorType || 'Error', message: details.errorMessage ?? '' };
  if (e instanceof Error) {
    const cut = e.message.indexOf(' \n ');
    return { name: e.name || 'Error', message: cut >= 0 ? e.message.slice(0, cut) : e.message };
  }
  if (e && typeof e === 'object' && 'message' in e) return { name: String((e as { name?: unknown }).name ?? 'Error'), message: String((e as { message: unknown }).message) };
  return { name: 'Error', message: String(e) };
}

export function timeoutError(what: string, ms: number): WorkflowError {
  return new WorkflowError('Timeout', `${what} did not finish within ${ms} ms`);
}
