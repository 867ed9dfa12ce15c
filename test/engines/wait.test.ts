/**
 * `?wait` answers in one shape whatever the outcome, on both engines (runtime/start.ts
 * finishedAnswer): the output as JSON for a completed instance (`null` included, never an empty
 * body), `{ id, status, error: { name, message, text } }` with 500 for a failed or terminated one
 * (never Durable's raw status payload), the check-status links (202) while it still runs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../bench/app';
import { call, until } from '../host/http-helpers';
import { ENGINES, startEngine, type Engine, type EngineName } from './engines';

const repo = path.resolve(__dirname, '../..');

const WORKFLOWS: Record<string, string> = {
  nothing: ['dsl: 1', 'steps:', '  - status: done', ''].join('\n'),
  nullOutput: ['dsl: 1', 'steps:', '  - status: done', 'output: ${ null }', ''].join('\n'),
  declined: ['dsl: 1', 'steps:', '  - fail: { error: PaymentDeclined, message: "card ending 4242 was declined" }', ''].join('\n'),
  waiting: ['dsl: 1', 'steps:', '  - waitForEvent: Go', '    timeout: 1h', 'output: late', ''].join('\n'),
};

let app: string;
const engines = new Map<EngineName, Engine>();

beforeAll(async () => {
  app = buildApp(repo, WORKFLOWS, 'export function Unused(): null { return null; }\n', 'df-engines-wait-');
  const file = path.join(app, 'host.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  json.extensions.durableTask.storageProvider = { maxQueuePollingInterval: '00:00:01' };
  fs.writeFileSync(file, JSON.stringify(json, null, 2));
  for (const name of ENGINES) engines.set(name, await startEngine(name, app));
}, 240_000);
afterAll(async () => {
  for (const e of engines.values()) await e.close();
  if (app) fs.rmSync(app, { recursive: true, force: true });
});

/** The raw answer: status, content type and the body's text (an empty body must show as such). */
async function raw(url: string, body: unknown = {}): Promise<{ status: number; type: string | null; text: string }> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
}

describe.each(ENGINES)('?wait on the %s engine', (name) => {
  const url = (p: string): string => `${engines.get(name)!.url}/api/${p}`;

  it('a completed instance with no output answers 200 with the JSON null, not an empty body', async () => {
    for (const w of ['nothing', 'nullOutput']) {
      const r = await raw(url(`workflows/${w}?wait=60s`));
      expect({ w, status: r.status, text: r.text }).toEqual({ w, status: 200, text: 'null' });
      expect(r.type).toMatch(/^application\/json/);
    }
  }, 120_000);

  it("a failed instance answers 500 with { id, status, error } and the error's name and message, as its status gives them", async () => {
    const r = await raw(url('workflows/declined?wait=60s'));
    expect(r.status).toBe(500);
    expect(r.type).toMatch(/^application\/json/);
    const body = JSON.parse(r.text);
    expect(body).toEqual({ id: expect.any(String), status: 'Failed', error: { name: 'PaymentDeclined', message: 'card ending 4242 was declined', text: expect.stringMatching(/failed: PaymentDeclined: card ending 4242 was declined$/) } });
    const friendly = await call('GET', url(`workflows/declined/instances/${body.id}`));
    expect(friendly.body).toMatchObject({ status: body.status, error: body.error, output: null });
  }, 120_000);

  it('a terminated instance answers 500 with { id, status: Terminated, error } naming the reason', async () => {
    const answer = raw(url('workflows/waiting?wait=60s'));
    const id = await until(async () => (await call('GET', url('workflows/waiting/instances?status=Running'))).body?.instances?.[0]?.id as string | undefined, 'the waiting instance', 60_000);
    const terminated = await call('POST', url(`workflows/waiting/instances/${id}/terminate?reason=no%20longer%20needed`));
    expect(terminated.status).toBe(202);
    const r = await answer;
    expect(r.status).toBe(500);
    expect(JSON.parse(r.text)).toEqual({ id, status: 'Terminated', error: { name: 'Terminated', message: 'no longer needed' } });
  }, 120_000);

  it('an instance still running when the wait ends answers 202 with its status links', async () => {
    const r = await raw(url('workflows/waiting?wait=1s'));
    expect(r.status).toBe(202);
    expect(JSON.parse(r.text)).toMatchObject({ id: expect.any(String), statusQueryGetUri: expect.stringContaining('/instances/') });
    await call('POST', url(`workflows/waiting/instances/${JSON.parse(r.text).id}/terminate`));
  }, 120_000);
});
