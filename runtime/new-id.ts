import { randomInt } from 'node:crypto';
import { generatedId } from './ids';

/**
 * The id of an instance durable-flow starts without one (HTTP and timer starts, restarts):
 * time-ordered under the workflow's prefix, so the status pages find the latest instances with a
 * prefix query (runtime/ids.ts generatedId). Undefined for a name too long to carry one: the
 * backend then makes its GUID.
 */
export function newInstanceId(workflow: string): string | undefined {
  return generatedId(workflow, Date.now(), () => randomInt(0, 36 ** 8));
}
