/** The real CLI, run as a child process the way users and tools run it. */
import { spawn } from 'node:child_process';
import { run as spawnAsync } from '../helpers/spawn';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repo = path.resolve(__dirname, '../..');
const bin = path.join(repo, 'bin/durable-flow.js');
const made: string[] = [];

function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-cli-'));
  made.push(dir);
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return spawnAsync(process.execPath, [bin, ...args], { timeoutMs: 60_000 });
}

afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

const GOOD = 'dsl: 1\nsteps:\n  - activity: Greet\n    input: world\n';
const ACTIVITY = 'export async function Greet(name: string) { return `hi ${name}`; }\n';

describe('durable-flow check', () => {
  it('reports every error of every file like tsc, with the source line and a caret, and exits 1', async () => {
    const dir = project({
      'workflows/a.yaml': 'dsl: 1\nsteps:\n  - activity: Greet\n    inptu: world\n',
      'workflows/b.yaml': 'dsl: 1\nsteps:\n  - activity: Gret\n',
      'workflows/activities/greet.ts': ACTIVITY,
    });
    const r = await run(['check', '--root', dir]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("workflows/a.yaml:4:5 error DF101: unknown key 'inptu' in step 1 (activity) — did you mean 'input'?");
    expect(r.stdout).toContain('4 |     inptu: world');
    expect(r.stdout).toMatch(/\n {2}\| {5}\^{5}\n/);
    expect(r.stdout).toContain("workflows/b.yaml:3:5 error DF401: unknown activity 'Gret' — did you mean 'Greet'?");
    expect(r.stdout).toContain('2 errors, 0 warnings in 2 workflow files');
  });

  it('prints JSON for tools with --format json', async () => {
    const dir = project({ 'workflows/a.yaml': 'dsl: 1\nsteps:\n  - delay: soon\n' });
    const r = await run(['check', '--root', dir, '--format', 'json']);
    expect(r.status).toBe(1);
    const list = JSON.parse(r.stdout);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ file: 'workflows/a.yaml', line: 3, column: 12, severity: 'error' });
    expect(list[0].code).toMatch(/^DF(105|204)$/);
  });

  it('exits 0 on a clean project', async () => {
    const dir = project({ 'workflows/a.yaml': GOOD, 'workflows/activities/greet.ts': ACTIVITY });
    const r = await run(['check', '--root', dir]);
    expect(r.stdout).toContain('checked 1 workflow file: no problems');
    expect(r.status).toBe(0);
  });

  it('rejects unknown commands and options with usage and status 2', async () => {
    expect((await run(['frobnicate'])).status).toBe(2);
    const r = await run(['check', '--format', 'xml']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--format must be text or json');
  });
});

describe('durable-flow compile --watch', () => {
  it('re-checks after a save and reports the new error', async () => {
    const dir = project({ 'workflows/a.yaml': GOOD, 'workflows/activities/greet.ts': ACTIVITY });
    const child = spawn(process.execPath, [bin, 'compile', '--watch', '--no-build', '--root', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    const waitFor = async (needle: string): Promise<void> => {
      const deadline = Date.now() + 30_000;
      while (!out.includes(needle)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for '${needle}' in:\n${out}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    try {
      await waitFor('watching');
      expect(out).toContain('generated');
      fs.writeFileSync(path.join(dir, 'workflows/a.yaml'), 'dsl: 1\nsteps:\n  - activity: Greet\n    maxParallel: 2\n');
      await waitFor("'maxParallel' does not apply");
      expect(out).toContain('workflows/a.yaml changed: recompiling');
    } finally {
      child.kill('SIGTERM');
    }
  });
});

describe('durable-flow graph', async () => {
  const flow = 'dsl: 1\nsteps:\n  - id: greet\n    activity: Greet\n    input: world\n  - waitForEvent: Go\n    timeout: 1h\n';

  it('writes the workflow graph as a standalone SVG with one data-step element per step', async () => {
    const dir = project({ 'workflows/a.yaml': flow, 'workflows/activities/greet.ts': ACTIVITY });
    const out = path.join(dir, 'docs/a.svg');
    const r = await run(['graph', 'a', '--root', dir, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const svg = fs.readFileSync(out, 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('<style>');
    expect([...svg.matchAll(/data-step="([^"]+)"/g)].map((m) => m[1])).toEqual(['greet', 'steps[1]']);
  });

  it('prints a Mermaid flowchart with --format mermaid', async () => {
    const dir = project({ 'workflows/a.yaml': flow, 'workflows/activities/greet.ts': ACTIVITY });
    const r = await run(['graph', 'a', '--root', dir, '--format', 'mermaid']);
    expect(r.status).toBe(0);
    expect(r.stdout.startsWith('flowchart TD\n')).toBe(true);
    expect(r.stdout).toContain('n1{{"Go<br/>wait for event · timeout 1h → fail"}}');
    expect(r.stdout).toContain('  n0 --> n1\n');
  });

  it('names the workflows when the one asked for does not exist, and refuses a format it cannot write', async () => {
    const dir = project({ 'workflows/a.yaml': flow, 'workflows/activities/greet.ts': ACTIVITY });
    const missing = await run(['graph', 'b', '--root', dir]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("no workflow named 'b'; the workflows are a");
    const wrong = await run(['graph', 'a', '--root', dir, '--format', 'json']);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain('--format of graph must be svg or mermaid');
    expect((await run(['graph', '--root', dir])).status).toBe(2);
  });
});
