/** Queue names shared by BullMQ's worker process and the bench's client. */
export const QUEUES = {
  steps: 'peer-steps',
  parents: 'peer-parents',
  /** Item queues by cap: the worker on each has that concurrency. */
  items: { 10: 'peer-items-10', 100: 'peer-items-100' } as Record<number, string>,
};
