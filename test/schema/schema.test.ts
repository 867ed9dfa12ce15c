/** The committed JSON Schema: fresh, documented everywhere, and in lockstep with the compiler. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { STEP_KINDS } from '../../compiler/src/build-model';
import { buildSchema, SCHEMA_FILE, schemaText, STEP_KIND_KEYS } from '../../compiler/src/schema';

const root = path.resolve(__dirname, '../..');
type S = Record<string, any>;

/** Every `properties` entry anywhere in the schema, with its path. */
function properties(schema: S, at = '#'): Array<[string, S]> {
  const out: Array<[string, S]> = [];
  const walk = (node: unknown, p: string): void => {
    if (!node || typeof node !== 'object') return;
    const n = node as S;
    if (n.properties && typeof n.properties === 'object') {
      for (const [k, v] of Object.entries(n.properties)) if (v !== true) out.push([`${p}/properties/${k}`, v as S]);
    }
    for (const [k, v] of Object.entries(n)) walk(v, `${p}/${k}`);
  };
  walk(schema, at);
  return out;
}

describe('workflow.schema.json', () => {
  const schema = buildSchema() as S;

  it('is committed and fresh (run `npm run schema` if not)', () => {
    expect(fs.readFileSync(path.join(root, SCHEMA_FILE), 'utf8')).toBe(schemaText());
  });

  it('is draft-07 and closes every object of the language', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.additionalProperties).toBe(false);
    for (const [name, def] of Object.entries(schema.definitions as Record<string, S>)) {
      if (def.type === 'object') expect(def.additionalProperties, name).toBe(false);
    }
  });

  it('documents every key with description and markdownDescription', () => {
    const props = properties(schema);
    expect(props.length).toBeGreaterThan(40);
    for (const [p, s] of props) {
      expect(typeof s.description, p).toBe('string');
      expect(typeof s.markdownDescription, p).toBe('string');
    }
  });

  it('offers a snippet and a definition for every step kind the compiler knows', () => {
    expect([...STEP_KIND_KEYS]).toEqual([...STEP_KINDS]);
    const labels = (schema.definitions.step.defaultSnippets as S[]).map((s) => s.label);
    expect(labels).toEqual([...STEP_KINDS]);
    for (const k of STEP_KINDS) expect(schema.definitions[`${k}Step`], k).toBeDefined();
  });
});
