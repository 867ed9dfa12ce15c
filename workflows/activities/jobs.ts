/** Activities for the pollJob example. They stand in for a service that runs long jobs. */

export interface JobHandle {
  job: string;
  /** When the job is finished (epoch ms): a real service would know this itself. */
  readyAt: number;
  /** Whether the job ends in failure. */
  fails: boolean;
}

export async function StartJob(input: { job: string; takesMs?: number; fails?: boolean }): Promise<JobHandle> {
  return { job: input.job, readyAt: Date.now() + (input.takesMs ?? 0), fails: input.fails === true };
}

export async function CheckJob(handle: JobHandle): Promise<{ state: 'running' | 'done' | 'failed'; reason?: string }> {
  if (Date.now() < handle.readyAt) return { state: 'running' };
  return handle.fails ? { state: 'failed', reason: `job ${handle.job} ran out of disk` } : { state: 'done' };
}
