/**
 * Restate's service endpoint (the worker process): a `peer` service whose handlers are the
 * workflows, and an `item` service whose handlers are the fan-out items. A sequence is a loop of
 * `ctx.run` steps; a fan-out calls `item` once per element (Restate's durable RPC) and keeps at
 * most `cap` calls in flight with a window over `RestatePromise.race`, filling results by index.
 */
import * as restate from '@restatedev/restate-sdk';
import { noop, sleepItem, takeCounter } from '../lib/inflight';
import { serveIpc } from '../lib/worker-ipc';

const item = restate.service({
  name: 'item',
  handlers: {
    noop: async (_ctx: restate.Context, i: number): Promise<number> => noop(i),
    sleep: async (_ctx: restate.Context, input: { i: number; ms: number }): Promise<number> => sleepItem(input.i, input.ms),
  },
});

type Item = typeof item;

async function window(ctx: restate.Context, count: number, cap: number, call: (i: number) => restate.RestatePromise<number>): Promise<number[]> {
  const results = new Array<number>(count);
  const inFlight = new Map<number, restate.RestatePromise<{ i: number; value: number }>>();
  let next = 0;
  while (next < count || inFlight.size > 0) {
    while (inFlight.size < cap && next < count) {
      const i = next++;
      inFlight.set(
        i,
        call(i).map((value, failure) => {
          if (failure) throw failure;
          return { i, value: value! };
        }),
      );
    }
    const done = await restate.RestatePromise.race([...inFlight.values()]);
    results[done.i] = done.value;
    inFlight.delete(done.i);
  }
  return results;
}

const peer = restate.service({
  name: 'peer',
  handlers: {
    sequence: async (ctx: restate.Context, input: { count: number }): Promise<number> => {
      let steps = 0;
      for (let i = 0; i < input.count; i++) {
        await ctx.run('step', () => noop(i));
        steps++;
      }
      return steps;
    },
    fanOut: async (ctx: restate.Context, input: { count: number; cap: number }): Promise<number[]> => {
      const items = ctx.serviceClient<Item>({ name: 'item' });
      return window(ctx, input.count, input.cap, (i) => items.noop(i));
    },
    sleepFanOut: async (ctx: restate.Context, input: { count: number; cap: number; ms: number }): Promise<number[]> => {
      const items = ctx.serviceClient<Item>({ name: 'item' });
      return window(ctx, input.count, input.cap, (i) => items.sleep({ i, ms: input.ms }));
    },
    hello: async (ctx: restate.Context): Promise<number> => {
      for (let i = 1; i <= 3; i++) await ctx.run('step', () => noop(i));
      return 3;
    },
  },
});

const ipc = serveIpc({ counter: () => takeCounter() });
restate
  .serve({ services: [peer, item], port: Number(process.env.PORT) })
  .then((port) => ipc.ready({ port }))
  .catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
process.on('SIGTERM', () => process.exit(0));
