/** Activities for the singleton example: a long per-customer job that must never run twice at once. */

export async function BuildReport(input: { customerId: string; section: string }): Promise<string> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return `${input.section} report for ${input.customerId}`;
}
