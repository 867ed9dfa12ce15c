/** Activities for the replicate example: stores that acknowledge a write after a known time, or fail. */

export interface ReplicaWrite {
  replica: string;
  record: unknown;
  /** How long the store takes to acknowledge. */
  ms?: number;
  /** Whether the store is down (the write fails with ReplicaDown). */
  down?: boolean;
}

export async function WriteReplica(input: ReplicaWrite): Promise<{ replica: string; ack: true }> {
  await new Promise((resolve) => setTimeout(resolve, input.ms ?? 0));
  if (input.down) {
    const err = new Error(`replica ${input.replica} is down`);
    err.name = 'ReplicaDown';
    throw err;
  }
  return { replica: input.replica, ack: true };
}

export async function AuditWrite(input: { record: unknown; ms?: number }): Promise<{ audited: true }> {
  await new Promise((resolve) => setTimeout(resolve, input.ms ?? 0));
  return { audited: true };
}
