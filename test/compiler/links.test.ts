/**
 * Hostile repository content: a pull request can commit symbolic links where the compiler reads
 * and writes (generated/, generated/<workflow>, workflows/.versions/<name>, workflows/*.yaml,
 * dist/, host.json and their temporary files). The compiler must refuse every one of them with a
 * located DF007 error naming the link, exit non-zero, and write, read or delete nothing through it
 * (compiler/src/project-paths.ts). Each test plants a victim outside the project and checks it is
 * untouched afterwards.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDist, compileToGenerated } from '../../compiler/src/compile';
import { run as spawnAsync } from '../helpers/spawn';

const repo = path.resolve(__dirname, '../..');
const bin = path.join(repo, 'bin/durable-flow.js');
const made: string[] = [];

afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

const GOOD = 'dsl: 1\nsteps:\n  - activity: Greet\n    input: world\n';
const ACTIVITY = 'export async function Greet(name: string) { return `hi ${name}`; }\n';
const SECRET = 'password: hunter2-TOPSECRET-7f3a\n';

/** A scratch folder holding `app/` (a small project) and `outside/` (the victim's files). */
function scratch(): { app: string; outside: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-links-'));
  made.push(dir);
  const app = path.join(dir, 'app');
  const outside = path.join(dir, 'outside');
  for (const [file, text] of Object.entries({ 'workflows/a.yaml': GOOD, 'workflows/activities/greet.ts': ACTIVITY })) {
    fs.mkdirSync(path.dirname(path.join(app, file)), { recursive: true });
    fs.writeFileSync(path.join(app, file), text);
  }
  fs.mkdirSync(path.join(outside, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(outside, 'notes.txt'), 'my notes\n');
  fs.writeFileSync(path.join(outside, 'sub/id_rsa'), 'PRIVATE KEY\n');
  fs.writeFileSync(path.join(outside, 'secret.txt'), SECRET);
  return { app, outside };
}

/** Every file under a folder with its text, links as `-> target`: to compare before and after. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      const rel = path.relative(dir, full);
      if (e.isSymbolicLink()) out[rel] = `-> ${fs.readlinkSync(full)}`;
      else if (e.isDirectory()) walk(full);
      else out[rel] = fs.readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return out;
}

function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return spawnAsync(process.execPath, [bin, ...args], { timeoutMs: 60_000 });
}

/** compileToGenerated as `compile` runs it; the DF007 diagnostics it reports. */
function compile(app: string, dist = false): { ok: boolean; refused: string[] } {
  const r = compileToGenerated(app, { write: true, dist });
  return { ok: r.front.ok, refused: r.front.diagnostics.filter((d) => d.code === 'DF007').map((d) => `${d.span.file}: ${d.message}`) };
}

describe('the compiler follows no symbolic link in the project', () => {
  it('`compile` with generated/ linked to a folder outside: exits 1 naming the link, deletes and writes nothing there', async () => {
    const { app, outside } = scratch();
    fs.symlinkSync('../outside', path.join(app, 'generated'));
    const before = snapshot(outside);
    const r = await cli(['compile', '--root', app]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('generated:1:1 error DF007: generated is a symbolic link (to "../outside")');
    expect(r.stdout).toContain('replace the link with a real folder');
    expect(snapshot(outside)).toEqual(before);
    // Refused before anything was written: no version record, no host.json.
    expect(fs.existsSync(path.join(app, 'workflows/.versions'))).toBe(false);
    expect(fs.existsSync(path.join(app, 'host.json'))).toBe(false);
  });

  it('refuses a link to a folder inside the project too (links are refused wherever they point)', () => {
    const { app } = scratch();
    fs.mkdirSync(path.join(app, 'keep'));
    fs.writeFileSync(path.join(app, 'keep/mine.txt'), 'mine\n');
    fs.symlinkSync('keep', path.join(app, 'generated'));
    const r = compile(app);
    expect(r.ok).toBe(false);
    expect(r.refused).toEqual([expect.stringMatching(/^generated: generated is a symbolic link \(to "keep"\)/)]);
    expect(fs.readdirSync(path.join(app, 'keep'))).toEqual(['mine.txt']);
  });

  it('refuses generated/ that is a plain file, and leaves it as it is', () => {
    const { app } = scratch();
    fs.writeFileSync(path.join(app, 'generated'), 'not a folder\n');
    const r = compile(app);
    expect(r.refused).toEqual(['generated: generated is a file, but durable-flow needs a folder there: remove the file']);
    expect(fs.readFileSync(path.join(app, 'generated'), 'utf8')).toBe('not a folder\n');
    expect(fs.existsSync(path.join(app, 'workflows/.versions'))).toBe(false);
  });

  it('refuses generated/<workflow> linked outside: nothing is written into the target', () => {
    const { app, outside } = scratch();
    fs.mkdirSync(path.join(app, 'generated'));
    fs.symlinkSync(outside, path.join(app, 'generated/a'));
    const before = snapshot(outside);
    const r = compile(app);
    expect(r.ok).toBe(false);
    expect(r.refused).toEqual([`generated/a: generated/a is a symbolic link (to ${JSON.stringify(outside)}): durable-flow reads and writes only real files inside the project and follows no symbolic link there, wherever it points (one could make it read or write files outside the project); replace the link with a real folder`]);
    expect(snapshot(outside)).toEqual(before);
    expect(fs.lstatSync(path.join(app, 'generated/a')).isSymbolicLink()).toBe(true);
  });

  it('refuses a temporary file name under generated/ linked to a file outside (the write goes through a .tmp)', () => {
    const { app, outside } = scratch();
    fs.mkdirSync(path.join(app, 'generated/a'), { recursive: true });
    fs.symlinkSync(path.join(outside, 'notes.txt'), path.join(app, 'generated/a/v1.ts.tmp'));
    const r = compile(app);
    expect(r.refused).toEqual([expect.stringMatching(/^generated\/a\/v1\.ts\.tmp: generated\/a\/v1\.ts\.tmp is a symbolic link/)]);
    expect(fs.readFileSync(path.join(outside, 'notes.txt'), 'utf8')).toBe('my notes\n');
  });

  it('refuses workflows/.versions/<name> linked outside: the version record is not written there', () => {
    const { app, outside } = scratch();
    fs.mkdirSync(path.join(app, 'workflows/.versions'), { recursive: true });
    fs.symlinkSync(outside, path.join(app, 'workflows/.versions/a'));
    const before = snapshot(outside);
    const r = compile(app);
    expect(r.ok).toBe(false);
    expect(r.refused).toEqual([expect.stringMatching(/^workflows\/\.versions\/a: workflows\/\.versions\/a is a symbolic link \(to ".*outside"\)/)]);
    expect(snapshot(outside)).toEqual(before);
    expect(fs.existsSync(path.join(app, 'generated'))).toBe(false);
  });

  it('`check` and `compile` with workflows/x.yaml linked to a secret: refused, and the secret never reaches the output', async () => {
    const { app, outside } = scratch();
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(app, 'workflows/x.yaml'));
    for (const args of [['check'], ['compile', '--no-build'], ['check', '--format', 'json']]) {
      const r = await cli([...args, '--root', app]);
      expect(r.status).toBe(1);
      expect(`${r.stdout}${r.stderr}`).not.toMatch(/hunter2|TOPSECRET|password/);
      expect(r.stdout).toMatch(/workflows\/x\.yaml.*DF007|"file": "workflows\/x\.yaml"/s);
      expect(r.stdout).toContain('symbolic link');
    }
    expect(fs.existsSync(path.join(app, 'generated'))).toBe(false);
  });

  it('refuses an activity module linked outside (it would be read, and built by tsc)', () => {
    const { app, outside } = scratch();
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(app, 'workflows/activities/leak.ts'));
    const r = compile(app);
    expect(r.refused).toEqual([expect.stringMatching(/^workflows\/activities\/leak\.ts: .* is a symbolic link/)]);
  });

  it('refuses dist/ linked outside before writing anything, and buildDist refuses it on its own', () => {
    const { app, outside } = scratch();
    fs.symlinkSync(outside, path.join(app, 'dist'));
    const before = snapshot(outside);
    const r = compile(app, true);
    expect(r.refused).toEqual([expect.stringMatching(/^dist: dist is a symbolic link/)]);
    expect(fs.existsSync(path.join(app, 'generated'))).toBe(false);
    const built = buildDist(app);
    expect(built.ok).toBe(false);
    expect(built.output).toContain('dist:1:1 error DF007: dist is a symbolic link');
    expect(snapshot(outside)).toEqual(before);
  });

  it('refuses host.json.tmp linked outside (host.json is written through it)', () => {
    const { app, outside } = scratch();
    fs.symlinkSync(path.join(outside, 'notes.txt'), path.join(app, 'host.json.tmp'));
    const r = compile(app);
    expect(r.refused).toEqual([expect.stringMatching(/^host\.json\.tmp: host\.json\.tmp is a symbolic link/)]);
    expect(fs.readFileSync(path.join(outside, 'notes.txt'), 'utf8')).toBe('my notes\n');
  });

  it('cleaning generated/ deletes only files durable-flow generated', () => {
    const { app } = scratch();
    expect(compile(app).ok).toBe(true);
    fs.writeFileSync(path.join(app, 'generated/notes.md'), 'my own notes\n');
    fs.mkdirSync(path.join(app, 'generated/old'));
    fs.writeFileSync(path.join(app, 'generated/old/v1.ts'), '// Generated by durable-flow from workflows/old.yaml: gone.\n');
    const r = compileToGenerated(app, { write: true });
    expect(r.write).toMatchObject({ removed: ['generated/old/v1.ts'], kept: ['generated/notes.md'] });
    expect(fs.readFileSync(path.join(app, 'generated/notes.md'), 'utf8')).toBe('my own notes\n');
    expect(fs.existsSync(path.join(app, 'generated/old'))).toBe(false);
  });

  it('`schema` refuses to write the schema through a link', async () => {
    const { app, outside } = scratch();
    fs.mkdirSync(path.join(app, 'compiler/schema'), { recursive: true });
    fs.symlinkSync(path.join(outside, 'notes.txt'), path.join(app, 'compiler/schema/workflow.schema.json'));
    const r = await cli(['schema', '--root', app]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('compiler/schema/workflow.schema.json:1:1 error DF007');
    expect(fs.readFileSync(path.join(outside, 'notes.txt'), 'utf8')).toBe('my notes\n');
  });

  it('`versions` refuses a version record linked outside', async () => {
    const { app, outside } = scratch();
    fs.mkdirSync(path.join(app, 'workflows/.versions/a'), { recursive: true });
    fs.writeFileSync(path.join(outside, 'versions.json'), SECRET);
    fs.symlinkSync(path.join(outside, 'versions.json'), path.join(app, 'workflows/.versions/a/versions.json'));
    const r = await cli(['versions', '--root', app]);
    expect(r.status).toBe(1);
    expect(`${r.stdout}${r.stderr}`).toContain('workflows/.versions/a/versions.json:1:1 error DF007');
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/hunter2/);
  });

  it("`versions` refuses a .durable/ linked outside, and a hubName that would leave .durable/, instead of opening a database there", async () => {
    const { app, outside } = scratch();
    fs.symlinkSync(outside, path.join(app, '.durable'));
    let r = await cli(['versions', '--root', app]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('.durable:1:1 error DF007: .durable is a symbolic link');
    fs.unlinkSync(path.join(app, '.durable'));
    fs.writeFileSync(path.join(app, 'host.json'), JSON.stringify({ version: '2.0', extensions: { durableTask: { hubName: '../../outside/x' } } }));
    r = await cli(['versions', '--root', app]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('host.json:1:1 error DF007: "extensions.durableTask.hubName" "../../outside/x" cannot name a task hub');
  });

  it('`check-paths` (run by npm before typecheck and build, which run tsc directly) refuses a .ts link tsc would read', async () => {
    const { app, outside } = scratch();
    fs.mkdirSync(path.join(app, 'generated'));
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(app, 'generated/leak.ts'));
    const r = await cli(['check-paths', '--root', app]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('generated/leak.ts:1:1 error DF007: generated/leak.ts is a symbolic link');
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/hunter2/);
    fs.unlinkSync(path.join(app, 'generated/leak.ts'));
    expect((await cli(['check-paths', '--root', app])).status).toBe(0);
    const scripts = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')).scripts;
    expect([scripts.pretypecheck, scripts.prebuild]).toEqual(['node bin/durable-flow.js check-paths', 'node bin/durable-flow.js check-paths']);
  });

  it('`compile` refuses .durable/ linked outside (`npm start` runs the host next, which puts its database there)', () => {
    const { app, outside } = scratch();
    fs.symlinkSync(outside, path.join(app, '.durable'));
    const r = compile(app);
    expect(r.refused).toEqual([expect.stringMatching(/^\.durable: \.durable is a symbolic link/)]);
    expect(fs.existsSync(path.join(app, 'generated'))).toBe(false);
  });

  it("`compile` refuses a hubName that would put the host's database outside .durable/, before writing anything", () => {
    const { app } = scratch();
    fs.writeFileSync(path.join(app, 'host.json'), JSON.stringify({ version: '2.0', extensions: { durableTask: { hubName: '../../outside/x' } } }));
    expect(() => compileToGenerated(app, { write: true })).toThrow('host.json: "extensions.durableTask.hubName" "../../outside/x" cannot name a task hub');
    expect(fs.existsSync(path.join(app, 'workflows/.versions'))).toBe(false);
    expect(fs.existsSync(path.join(app, 'generated'))).toBe(false);
  });

  it.skipIf(process.platform === 'win32')('`check` refuses a workflow file that is a FIFO instead of blocking on it forever', async () => {
    const { app } = scratch();
    expect(spawnSync('mkfifo', [path.join(app, 'workflows/stuck.yaml')]).status).toBe(0);
    const r = await spawnAsync(process.execPath, [bin, 'check', '--root', app], { timeoutMs: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('workflows/stuck.yaml:1:1 error DF007: workflows/stuck.yaml is not a plain file or folder (a FIFO, socket or device)');
  });
});
