/**
 * How deep a start's input may nest. The real extension reads JSON with Newtonsoft's default
 * MaxDepth of 64: its start API answers 400 "Invalid JSON content" for an input nested deeper,
 * which made an HTTP starter fail with 500 there while the embedded host took it. The starter now
 * refuses such input itself with a 400 naming the limit, on both engines alike.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../bench/app';
import { call, untilStatus } from '../host/http-helpers';
import { ENGINES, startEngine, type Engine, type EngineName } from './engines';

const repo = path.resolve(__dirname, '../..');

let app: string;
const engines = new Map<EngineName, Engine>();

beforeAll(async () => {
  app = buildApp(repo, { accept: ['dsl: 1', 'steps:', '  - set: { seen: true }', 'output: { seen: "${ vars.seen }" }', ''].join('\n') }, 'export async function Tick(n: unknown): Promise<unknown> {\n  return n;\n}\n', 'df-engines-depth-');
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

/** An object `levels` objects deep: { a: { a: ... "x" } }. */
function nested(levels: number): unknown {
  let v: unknown = 'x';
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}

describe('input nesting on both engines', () => {
  it('takes an input 64 levels deep and refuses one 65 deep with 400 InvalidInput naming the limit', async () => {
    const out: Record<string, unknown> = {};
    for (const [name, engine] of engines) {
      const ok = await call('POST', `${engine.url}/api/workflows/accept`, nested(64));
      expect(ok.status, JSON.stringify(ok.body)).toBe(202);
      const done = await untilStatus(ok.body.statusQueryGetUri, ['Completed', 'Failed'], 120_000);
      const refused = await call('POST', `${engine.url}/api/workflows/accept`, nested(65));
      out[name] = { ok: done.body.runtimeStatus, refused: refused.status, code: refused.body?.error?.code, message: refused.body?.error?.message };
    }
    expect(out.embedded).toEqual(out.extension);
    expect(out.extension).toEqual({
      ok: 'Completed',
      refused: 400,
      code: 'InvalidInput',
      message: "the input of 'accept' nests objects and arrays more than 64 levels deep, which the Durable Task extension refuses (Newtonsoft's MaxDepth); flatten it",
    });
  }, 240_000);
});
