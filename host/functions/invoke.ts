/**
 * Invoking a registered function the way the Node worker does: through the app's own
 * programming model (`getInvocationModel` → `getArguments` → `invokeFunction` → `getResponse`),
 * with inputs in the worker's RPC data shapes, so bindings (the durable client, HTTP requests)
 * are converted by the library itself.
 */
import { randomUUID } from 'node:crypto';
import { fireHooks, type CoreApi, type Registration } from './core-api';

export type RpcData =
  | { string: string }
  | { json: string }
  | { http: { method: string; url: string; headers: Record<string, string>; body?: { string?: string; bytes?: Uint8Array }; params: Record<string, string>; query: Record<string, string> } };

export interface RpcResponse {
  invocationId: string;
  returnValue?: { http?: RpcHttpResponse; string?: string; json?: string } & Record<string, unknown>;
  outputData?: Array<{ name: string; data: unknown }>;
}

export interface RpcHttpResponse {
  statusCode?: string;
  headers?: Record<string, string>;
  body?: { string?: string; bytes?: Uint8Array };
  cookies?: unknown[];
}

interface InvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], handler: Registration['handler']): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<RpcResponse>;
}

export type LogSink = (level: string, category: string, message: string) => void;

/**
 * Calls `registration` with RPC input data by binding name; returns the RPC response.
 * preInvocation hooks may swap the inputs or the handler; postInvocation hooks may change the
 * result or the error (azure-functions-nodejs-worker src/eventHandlers/InvocationHandler.ts).
 */
export async function invoke(
  api: CoreApi,
  registration: Registration,
  inputs: Record<string, RpcData>,
  log: LogSink = () => {},
  triggerMetadata: Record<string, RpcData> = {},
): Promise<RpcResponse> {
  const pm = api.programmingModel as { getInvocationModel(coreCtx: unknown): InvocationModel } | undefined;
  if (!pm) throw new Error('the app did not set a programming model (is it an @azure/functions v4 app?)');
  const invocationId = randomUUID();
  const coreCtx = {
    invocationId,
    request: { inputData: Object.entries(inputs).map(([name, data]) => ({ name, data })), triggerMetadata },
    metadata: { name: registration.name, bindings: registration.bindings },
    log,
    state: undefined,
  };
  const model = pm.getInvocationModel(coreCtx);
  const { context, inputs: args } = await model.getArguments();
  const hookData: Record<string, unknown> = {};
  const pre: Record<string, unknown> = { hookData, invocationContext: context, inputs: args, functionCallback: registration.handler };
  await fireHooks(api, 'preInvocation', pre);
  const post: Record<string, unknown> = { hookData, invocationContext: context, inputs: pre.inputs, result: null, error: null };
  try {
    post.result = await model.invokeFunction(context, pre.inputs as unknown[], pre.functionCallback as Registration['handler']);
  } catch (e) {
    post.error = e;
  }
  await fireHooks(api, 'postInvocation', post);
  if (post.error) throw post.error;
  return model.getResponse(context, post.result);
}

/** The name of the first binding of the given type (e.g. the durable client input). */
export function bindingName(registration: Registration, type: string): string | undefined {
  return Object.entries(registration.bindings).find(([, b]) => b.type === type)?.[0];
}
