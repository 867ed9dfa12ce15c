/**
 * Wrappers the generated registrations put around user activities and generated orchestrators,
 * so that what crosses a durable boundary is the same on Azure and on the embedded host.
 */
import type { InvocationContext } from '@azure/functions';
import type * as df from 'durable-functions';
import { wireError, WorkflowError } from './errors';
import type { Json } from './values';

type Orchestrator = (context: df.OrchestrationContext) => Generator<df.Task, Json, Json>;

/**
 * A generated orchestrator as registered: an unhandled error leaves it as `<name>: <message>`,
 * so a parent workflow's `catch` sees the child's error name (errors.ts).
 */
export function orchestration(fn: Orchestrator): Orchestrator {
  return function* (context) {
    try {
      return yield* fn(context);
    } catch (e) {
      throw wireError(e);
    }
  };
}

/**
 * A user activity as registered: its error leaves as `<name>: <message>` (errors.ts), and a
 * result that cannot travel as JSON (a BigInt, a circular object) fails the activity with
 * `UnserializableResult` instead of failing later where nobody can catch it.
 */
export function activityHandler<I, O>(name: string, fn: (input: I, context: InvocationContext) => O | Promise<O>): (input: I, context: InvocationContext) => Promise<O> {
  return async (input, context) => {
    let result: O;
    try {
      result = await fn(input, context);
    } catch (e) {
      throw wireError(e);
    }
    try {
      JSON.stringify(result);
    } catch (e) {
      throw wireError(new WorkflowError('UnserializableResult', `activity '${name}' returned a value that cannot be sent as JSON: ${(e as Error).message}`));
    }
    return result;
  };
}
