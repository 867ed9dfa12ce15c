/** Activities for the order-processing and approval examples. They stand in for real services. */

export interface Order {
  id: string;
  amount: number;
}

export async function ChargeOrder(order: Order): Promise<{ id: string; charged: number }> {
  if (!(order.amount > 0)) throw new Error(`order ${order.id} has no positive amount`);
  return { id: order.id, charged: order.amount };
}

export async function SendReceipt(input: { customer: string; total: number }): Promise<string> {
  return `receipt for ${input.customer}: ${input.total.toFixed(2)}`;
}

export async function RequestApproval(input: { customer: string; total: number }): Promise<string> {
  return `approval requested from the manager of ${input.customer} for ${input.total}`;
}

export async function RecordDecision(input: { approved: boolean; by?: string }): Promise<string> {
  return input.approved ? `approved by ${input.by ?? 'unknown'}` : 'rejected';
}
