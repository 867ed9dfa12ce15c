/**
 * How durable-flow writes a workflow version where Durable carries it: the version string, and the
 * input wrapper that carries one across continueAsNew (runtime/versions.ts). No dependencies: the
 * embedded host imports this file to refuse start inputs shaped like the wrapper.
 */

/** The key of the input wrapper that carries a version across continueAsNew. */
export const VERSION_KEY = '$durableFlowVersion';

/** A durable-flow version as Durable carries it: a decimal number from 1, no sign, no leading zero. */
const VERSION_TEXT = /^[1-9][0-9]{0,8}$/;

/** The version number a Durable version string names, or undefined when it is not a durable-flow version. */
export function versionNumber(text: unknown): number | undefined {
  return typeof text === 'string' && VERSION_TEXT.test(text) ? Number(text) : undefined;
}

/** The wrapper `{ $durableFlowVersion, input }` a continueAsNew to another version leaves, or undefined. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function versionEnvelope(input: unknown): { version: string; input: any } | undefined {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return undefined;
  const keys = Object.keys(input);
  const v = (input as Record<string, unknown>)[VERSION_KEY];
  if (keys.length !== 2 || !keys.includes('input') || typeof v !== 'string') return undefined;
  return { version: v, input: (input as { input: unknown }).input };
}
