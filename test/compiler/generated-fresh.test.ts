/**
 * generated/ is committed: it must be exactly what `npm run compile` produces from workflows/
 * today. When this fails, run `npm run compile` and commit the result.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appVersionOf, generateProject } from '../../compiler/src/codegen';
import { updateHostJson } from '../../compiler/src/host-json';
import { checkProjectDir } from '../../compiler/src/front-end';

const root = path.resolve(__dirname, '../..');

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? listFiles(full) : [path.relative(root, full).split(path.sep).join('/')];
  });
}

describe('committed generated/', () => {
  const front = checkProjectDir(root);
  const files = generateProject(front.project);

  it('holds exactly the files the compiler generates', () => {
    expect(front.ok).toBe(true);
    expect(listFiles(path.join(root, 'generated')).sort()).toEqual(files.map((f) => f.path).sort());
  });

  it('is byte-identical to a fresh compile (run `npm run compile` if not)', () => {
    for (const f of files) {
      const onDisk = fs.readFileSync(path.join(root, f.path), 'utf8');
      expect(onDisk, `${f.path} is stale: run npm run compile`).toBe(f.text);
    }
  });

  it('is deterministic: generating twice gives the same bytes', () => {
    const again = generateProject(checkProjectDir(root).project);
    expect(again).toEqual(files);
  });

  it("and host.json carries this app version's defaultVersion (run `npm run compile` if not)", () => {
    const update = updateHostJson(fs.readFileSync(path.join(root, 'host.json'), 'utf8'), appVersionOf(front.project));
    expect(update).toMatchObject({ ok: true, changed: false, defaultVersion: `${appVersionOf(front.project)}.1` });
  });
});
