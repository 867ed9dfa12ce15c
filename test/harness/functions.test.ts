/**
 * host/functions: an app folder loaded the way the Functions host loads it (package.json main,
 * `@azure/functions-core` provided before the first registration), and HTTP functions invoked
 * through the app's own programming model, hooks included.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startApp } from '../../host/functions/core-api';
import { bindingName, invoke } from '../../host/functions/invoke';

const folder = path.join(__dirname, '../fixtures/apps/http-app');
const events = (): string[] => (globalThis as unknown as { __httpAppEvents: string[] }).__httpAppEvents;
const started = startApp(folder);

describe('loading an app like the Functions host', () => {
  it('captures every registration with its trigger and bindings, and fires appStart', async () => {
    const api = await started;
    const kinds = Object.fromEntries([...api.registrations.values()].map((r) => [r.name, r.trigger.type]));
    expect(kinds).toEqual({
      greet: 'httpTrigger',
      shout: 'httpTrigger',
      broken: 'httpTrigger',
      tick: 'timerTrigger',
      starter: 'httpTrigger',
      orch: 'orchestrationTrigger',
      act: 'activityTrigger',
      counter: 'entityTrigger',
    });
    expect(api.registrations.get('greet')!.trigger).toMatchObject({ route: 'greet/{name}', methods: ['POST'], authLevel: 'anonymous', direction: 'in' });
    expect(api.registrations.get('tick')!.trigger).toMatchObject({ schedule: '0 */5 * * * *' });
    expect(bindingName(api.registrations.get('starter')!, 'durableClient')).toBeDefined();
    expect(bindingName(api.registrations.get('greet')!, 'durableClient')).toBeUndefined();
    expect(events()[0]).toBe('appStart:object');
  });

  it('invokes an HTTP function through the programming model, with pre/post hooks', async () => {
    const api = await started;
    const greet = api.registrations.get('greet')!;
    const res = await invoke(api, greet, {
      [greet.trigger.name]: {
        http: { method: 'POST', url: 'http://localhost/api/greet/bob?x=1', headers: { 'content-type': 'text/plain' }, body: { string: 'payload' }, params: { name: 'bob' }, query: { x: '1' } },
      },
    });
    expect(res.returnValue?.http?.statusCode).toBe('201');
    const body = res.returnValue!.http!.body!;
    expect(JSON.parse(body.string ?? Buffer.from(body.bytes!).toString())).toEqual({ hi: 'bob', x: '1', body: 'payload' });
    expect(events()).toContain('pre:greet');
    // hookData is shared between one invocation's pre and post hooks.
    expect(events()).toContain('post:greet:from pre:201');
  });

  it('lets a preInvocation hook replace the handler, and passes handler errors through postInvocation', async () => {
    const api = await started;
    const http = { method: 'GET', url: 'http://localhost/api/x', headers: {}, params: {}, query: {} };
    const shout = api.registrations.get('shout')!;
    const res = await invoke(api, shout, { [shout.trigger.name]: { http } });
    const body = res.returnValue!.http!.body!;
    expect(body.string ?? Buffer.from(body.bytes!).toString()).toBe('QUIET');
    const broken = api.registrations.get('broken')!;
    await expect(invoke(api, broken, { [broken.trigger.name]: { http } })).rejects.toThrow('handler failed');
    expect(events()).toContain('post:broken:from pre:error');
  });
});
