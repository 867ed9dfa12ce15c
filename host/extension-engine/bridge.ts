/**
 * The Node side of the extension engine's forwarding: a loopback HTTP endpoint that the .NET side's
 * functions call (dotnet/Bridge.cs) with `{ kind, name, data }`, answered by running the app's
 * function through its own programming model, as the Node worker does: an orchestration gets the
 * extension's JSON context, an activity its JSON input. The answer is `{ ok, result }` (the return
 * value as JSON text) or `{ ok: false, message, stack }`, which the .NET side raises as the
 * Functions host raises a worker's failure.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CoreApi } from '../functions/core-api';
import { invoke, type RpcResponse } from '../functions/invoke';
import { decodeInput } from '../orchestration/actions';
import { safeEqual } from '../http/auth';
import { closeServer, readBody } from '../http/front';

interface BridgeCall {
  kind: 'orchestration' | 'activity';
  name: string;
  data: string;
}

/** A return value in the worker's typed-data form, as the JSON text the extension records. */
export function returnJson(value: RpcResponse['returnValue']): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value.json === 'string') return value.json;
  if (typeof value.string === 'string') return JSON.stringify(value.string);
  for (const k of ['int', 'double'] as const) if (value[k] !== undefined) return JSON.stringify(Number(value[k]));
  return null;
}

export async function runCall(api: CoreApi, call: BridgeCall): Promise<{ ok: true; result: string | null } | { ok: false; message: string; stack: string }> {
  const trigger = call.kind === 'orchestration' ? 'orchestrationTrigger' : 'activityTrigger';
  const reg = api.registrations.get(call.name);
  if (!reg || reg.trigger.type !== trigger) return { ok: false, message: `the app has no ${call.kind} function named '${call.name}'`, stack: '' };
  // durable-functions JSON-encodes a string input before the extension sees it
  // (Utils.processInput): the activity gets it decoded, as a JavaScript activity does on Azure
  // (and as the embedded host hands it over, host/orchestration/actions.ts decodeInput).
  const data = call.kind === 'activity' ? JSON.stringify(decodeInput(JSON.parse(call.data)) ?? null) : call.data;
  try {
    const response = await invoke(api, reg, { [reg.trigger.name]: { json: data } });
    return { ok: true, result: returnJson(response.returnValue) };
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    return { ok: false, message: err.message, stack: err.stack ?? '' };
  }
}

export class Bridge {
  readonly server: http.Server;
  url = '';

  constructor(
    api: CoreApi,
    readonly secret: string,
  ) {
    this.server = http.createServer((req, res) => {
      void (async () => {
        if (req.method !== 'POST' || !safeEqual(req.headers['x-durable-flow-secret'] as string | undefined, this.secret)) {
          res.writeHead(403).end();
          return;
        }
        const call = JSON.parse((await readBody(req)).toString('utf8')) as BridgeCall;
        const reply = await runCall(api, call);
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(reply));
      })().catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(e));
      });
    });
  }

  listen(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
        resolve(this.url);
      });
    });
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }
}
