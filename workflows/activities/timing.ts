/** Activities for the fan-out example: work that takes a known time. */

export interface SleepInput {
  /** Which item this is; returned so the orchestrator can show results come back in order. */
  index: number;
  /** How long to sleep; default 1000 ms (the seed scenario's one-second task). */
  ms?: number;
}

export async function Sleep(input: SleepInput): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, input.ms ?? 1000));
  return input.index;
}
